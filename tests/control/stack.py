"""A real devtui stack in its own process, for control-socket tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from devtui.core.control.client import ControlClient, NotRunning, find_project
from devtui.core.control.place import socket_path


class RunningStack:
    """`devtui demo --headless` (or `up --headless`) running in a folder of its own."""

    def __init__(self, process: subprocess.Popen[bytes], root: Path, err: Path) -> None:
        self.process = process
        self.root = root
        self.err = err

    @classmethod
    def demo(cls, root: Path, scenario: str = "ok", *extra: str) -> RunningStack:
        err = root.parent / f"{root.name}-stderr.log"
        with open(err, "wb") as stderr:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "devtui",
                    "demo",
                    "--headless",
                    "--scenario",
                    scenario,
                    "--dir",
                    str(root),
                    *extra,
                ],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        stack = cls(process, root, err)
        stack.wait_reachable()
        return stack

    @classmethod
    def up(cls, root: Path, config: str) -> RunningStack:
        """`devtui up --headless` in `root` with `config` as its devtui.toml, once it
        answers on its control socket."""
        (root / "devtui.toml").write_text(config)
        process = subprocess.Popen(
            [sys.executable, "-m", "devtui", "up", "--headless"],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        stack = cls(process, root, root / "none")
        stack.wait_reachable()
        return stack

    def wait_reachable(self, timeout: float = 20.0) -> None:
        """Until its control socket answers (or it died: say why)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"devtui ended ({self.process.returncode}): {self.stderr()}")
            try:
                with ControlClient.connect(find_project(self.root)) as client:
                    client.request("hello")
                return
            except (NotRunning, ConnectionError):
                time.sleep(0.05)
        raise AssertionError(f"no control socket at {socket_path(self.root)}: {self.stderr()}")

    def client(self) -> ControlClient:
        return ControlClient.connect(self.root)

    def wait_ready(self, timeout: float = 30.0) -> None:
        with self.client() as client:
            result = client.request("wait", timeout=timeout)
        assert result["outcome"] == "ready", result

    def stderr(self) -> str:
        return self.err.read_text(errors="replace")

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, then wait; SIGKILL the whole session if it will not go."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        finally:
            self.kill_all()

    def kill_all(self) -> None:
        try:
            family = [psutil.Process(self.process.pid)]
            family += family[0].children(recursive=True)
        except psutil.NoSuchProcess:
            family = []
        for member in family:
            try:
                member.kill()
            except psutil.NoSuchProcess:
                pass
        if self.process.poll() is None:
            self.process.wait(5)


def devtui(*args: str, cwd: Path | None = None, timeout: float = 60.0) -> tuple[int, str, str]:
    """`python -m devtui ARGS` as a user types it in another terminal."""
    done = subprocess.run(
        [sys.executable, "-m", "devtui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return done.returncode, done.stdout, done.stderr
