"""devtui as users run it: a real process, real signals, no descendant left behind."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from devtui.core.run.signals import REPEAT_WINDOW_S
from tests.helpers import CHILDREN, REPO


def toml_list(argv: list[str]) -> str:
    return "[" + ", ".join(json.dumps(part) for part in argv) + "]"


class Devtui:
    """A running `python -m devtui …` whose stderr can be waited on line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.stderr: list[str] = []
        self.stdout: list[str] = []
        self._new = asyncio.Event()
        assert process.stdout is not None and process.stderr is not None
        self._readers = [
            asyncio.create_task(self._read(process.stdout, self.stdout)),
            asyncio.create_task(self._read(process.stderr, self.stderr)),
        ]

    @classmethod
    async def start(cls, *args: str, cwd: Path) -> Devtui:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "devtui",
            *args,
            cwd=cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        devtui = cls(process)
        STARTED.append(devtui)
        return devtui

    async def _read(self, stream: asyncio.StreamReader, into: list[str]) -> None:
        async for line in stream:
            into.append(line.decode(errors="replace").rstrip("\n"))
            self._new.set()

    async def wait_stderr(self, text: str, timeout: float = 20.0) -> None:
        async with asyncio.timeout(timeout):
            while not any(text in line for line in self.stderr):
                self._new.clear()
                await self._new.wait()

    def kill_tree(self) -> None:
        """Last resort after a failed test: SIGKILL devtui and everything under it."""
        try:
            family = [psutil.Process(self.process.pid), *self.descendants()]
        except psutil.NoSuchProcess:
            return
        for process in family:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    async def finish(self, timeout: float = 30.0) -> int:
        async with asyncio.timeout(timeout):
            code = await self.process.wait()
            await asyncio.gather(*self._readers)
        return code


STARTED: list[Devtui] = []


@pytest.fixture(autouse=True)
def no_leftovers() -> Iterator[None]:
    """Whatever a test did, no devtui it started (nor anything under it) outlives it."""
    yield
    while STARTED:
        STARTED.pop().kill_tree()


def alive(processes: list[psutil.Process]) -> list[str]:
    found = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                found.append(f"{process.pid} {' '.join(process.cmdline())}")
        except psutil.NoSuchProcess:
            continue
    return found


def stubborn_stack(tmp_path: Path, grace: float) -> None:
    stubborn = toml_list([sys.executable, str(CHILDREN / "stubborn.py"), str(tmp_path / "pids")])
    holder = toml_list(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
            "'import time; time.sleep(600)']); print('web up', flush=True); time.sleep(600)",
        ]
    )
    (tmp_path / "devtui.toml").write_text(
        f"[settings]\nshutdown_grace = {grace}\n\n"
        f'[processes.backend]\ncommand = {stubborn}\nready = "stubborn ready"\n\n'
        f'[processes.web]\ncommand = {holder}\nready = "web up"\ndepends_on = ["backend"]\n'
    )


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)]
)
async def test_a_signal_mid_run_stops_everything_and_exits_with_its_code(
    tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    stubborn_stack(tmp_path, grace=1)
    devtui = await Devtui.start("up", "--headless", cwd=tmp_path)
    await devtui.wait_stderr("web     ready after")
    family = devtui.descendants()
    assert len(family) >= 4, "backend + its grandchild, web + its grandchild"
    devtui.process.send_signal(sig)
    assert await devtui.finish() == code
    assert alive(family) == []
    stderr = "\n".join(devtui.stderr)
    assert "stopping web, then backend" in stderr
    assert "backend still running: SIGTERM" in stderr and "backend killing: SIGKILL" in stderr
    assert f"exit {code}: interrupted by {sig.name}" in stderr
    # The last line says the stop had to kill (an exit code alone would hide it) and the
    # summary's state cell marks who.
    assert (
        f"exit {code}: interrupted by {sig.name}; backend needed SIGKILL "
        "(it ignored SIGINT and SIGTERM)" in stderr
    )
    assert any(
        line.split("│")[-1].split()[:3] == ["backend", "ready,", "killed"] for line in devtui.stderr
    ), stderr


async def test_a_second_ctrl_c_kills_at_once(tmp_path: Path) -> None:
    stubborn_stack(tmp_path, grace=60)
    devtui = await Devtui.start("up", "--headless", cwd=tmp_path)
    await devtui.wait_stderr("web     ready after")
    family = devtui.descendants()
    devtui.process.send_signal(signal.SIGINT)
    await devtui.wait_stderr("backend stopping: SIGINT")
    # A person's second Ctrl-C comes well after the first; one inside the window would be
    # taken for the same signal delivered twice (see REPEAT_WINDOW_S).
    await asyncio.sleep(REPEAT_WINDOW_S + 0.2)
    started = time.monotonic()
    devtui.process.send_signal(signal.SIGINT)
    assert await devtui.finish(timeout=15) == 130
    assert time.monotonic() - started < 10
    assert alive(family) == []


async def test_demo_ci_ok_exits_0_and_use_node_mutation_exits_4(tmp_path: Path) -> None:
    ok = await Devtui.start(
        "demo", "--ci", "--scenario", "ok", "--dir", str(tmp_path / "demo"), cwd=tmp_path
    )
    assert await ok.finish() == 0, "\n".join(ok.stderr)
    failing = await Devtui.start(
        "demo",
        "--ci",
        "--scenario",
        "use-node-mutation",
        "--dir",
        str(tmp_path / "demo"),
        cwd=tmp_path,
    )
    assert await failing.finish() == 4
    last = failing.stderr[
        failing.stderr.index(next(line for line in failing.stderr if "exit 4:" in line))
    ]
    # Live lint sees the "use node" file's mutation before Convex even pushes it.
    assert "problem: non-action-in-node-file  convex/agent.js:5:14  createChatMessage" in last


async def test_up_without_a_tty_runs_headless_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "devtui.toml").write_text('[processes.app]\ncommand = ["sh", "-c", "echo hi"]\n')
    devtui = await Devtui.start("up", cwd=tmp_path)
    assert await devtui.finish() == 0
    assert devtui.stderr[0] == "devtui: stdout is not a terminal: running headless (--headless)"
    assert devtui.stdout[0].endswith("app    │ hi")


async def test_python_m_devtui_and_the_console_script_agree(tmp_path: Path) -> None:
    devtui = await Devtui.start("--version", cwd=tmp_path)
    assert await devtui.finish() == 0
    from devtui import __version__

    assert devtui.stdout == [f"devtui {__version__}"]
    assert (REPO / "devtui" / "__main__.py").is_file()
