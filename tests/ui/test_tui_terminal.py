"""The TUI on a real pseudo-terminal: when the terminal goes away, devtui still ends cleanly."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil


def test_a_vanished_terminal_does_not_leave_devtui_or_its_children_behind(tmp_path: Path) -> None:
    master, slave = pty.openpty()
    env = dict(
        os.environ,
        XDG_STATE_HOME=str(tmp_path / "state"),
        TERM="xterm-256color",
        COLUMNS="100",
        LINES="30",
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devtui",
            "demo",
            "--scenario",
            "ok",
            "--dir",
            str(tmp_path / "demo"),
        ],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        deadline = time.monotonic() + 30
        family: list[psutil.Process] = []
        while time.monotonic() < deadline:  # the TUI is up once Vite (started after Convex) runs
            try:
                os.read(master, 65536)  # keep the terminal drained, as a real one is
            except OSError:
                break
            family = psutil.Process(process.pid).children(recursive=True)
            if any("vite_server" in " ".join(p.cmdline()) for p in family if p.is_running()):
                break
        assert family, "the demo stack never came up in the TUI"
        os.close(master)  # the terminal window closes …
        process.send_signal(signal.SIGHUP)  # … and the kernel hangs up on the session
        assert process.wait(timeout=20) == 129
        time.sleep(0.2)
        alive = [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert alive == []
        (log,) = (tmp_path / "demo" / ".devtui" / "logs").glob("session-*.jsonl")
        last = json.loads(log.read_text().splitlines()[-1])
        assert last["kind"] == "end" and last["exit_code"] == 129, (
            "the session log was closed in order"
        )
    finally:
        if process.poll() is None:
            process.kill()
