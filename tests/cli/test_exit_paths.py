"""Nothing is left behind, on every headless and ci exit path (real processes, signals).

The stack (tests/escape_stack.py) holds a `setsid()` orphan, a double-forked daemon, a
child and grandchild that ignore SIGINT/SIGTERM, and an ordinary child. Whatever ends
devtui, none may survive it, and devtui names the two that left their group.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.escape_stack import (
    GRACE,
    assert_orderly,
    family,
    kill_survivors,
    marked,
    survivors,
    wait_started,
    write_stack,
)


def _devtui(folder: Path, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, XDG_STATE_HOME=str(folder / "state"), NO_COLOR="1")
    return subprocess.Popen(
        [sys.executable, "-m", "devtui", *args],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _assert_named(output: str, escapees: dict[str, int]) -> None:
    for mode in ("setsid", "daemon", "wiped"):
        assert f"│ {escapees[mode]} " in output, f"the {mode} escapee was not named:\n{output}"
    assert "left its process group; stopping it too:" in output
    assert "1 process of the stack outlived what started it; stopping it:" in output


HEADLESS_PATHS = {
    "SIGINT": ([signal.SIGINT], 130),
    "SIGTERM": ([signal.SIGTERM], 143),
    "SIGHUP": ([signal.SIGHUP], 129),
    "two SIGHUPs 10 ms apart": ([signal.SIGHUP, signal.SIGHUP], 129),
}


@pytest.mark.parametrize("path", HEADLESS_PATHS)
def test_headless_up_leaves_nothing_behind(tmp_path: Path, path: str) -> None:
    signals, code = HEADLESS_PATHS[path]
    write_stack(tmp_path)
    devtui = _devtui(tmp_path, "up", "--headless")
    processes = []
    try:
        escapees = wait_started(tmp_path)
        processes = family(devtui.pid, escapees)
        assert len(marked(devtui.pid)) == 8, "5 leaders, a grandchild, 2 escapees are marked"
        for index, sig in enumerate(signals):
            if index:
                time.sleep(0.01)  # the second of a closing terminal's two hang-ups
            devtui.send_signal(sig)
        output, _ = devtui.communicate(timeout=GRACE + 20)
        assert devtui.returncode == code, output
        assert survivors(processes) == []
        _assert_named(output, escapees)
        assert "killing: SIGKILL to process group" in output, "the stubborn pair was killed"
        assert_orderly(tmp_path / ".devtui" / "logs")  # two hang-ups are one request
    finally:
        kill_survivors(processes)
        if devtui.poll() is None:
            devtui.kill()


WAIT_FOR_ALL = (
    "import pathlib, time\n"
    "pids, stubborn = pathlib.Path('pids'), pathlib.Path('stubborn-pids')\n"
    "while not (pids.exists() and len(pids.read_text().split()) >= 6 and stubborn.exists()):\n"
    "    time.sleep(0.02)\n"
)
"""Waits until every escapee runs (so a fail-fast or a timeout comes after they started)."""


def _extra_process(name: str, then: str) -> str:
    """TOML for a process that waits for the escapees, then runs the Python `then`."""
    code = json.dumps(WAIT_FOR_ALL + then)
    return f'\n[processes.{name}]\ncommand = ["{sys.executable}", "-c", {code}]\nready = "never"\n'


CI_PATHS: dict[str, tuple[list[str], str, int]] = {
    "until-ready": ([], "", 0),
    "--then": (["--then", f"{sys.executable} -c 'print(42)'"], "", 0),
    "--timeout": (["--timeout", "3"], _extra_process("late", "time.sleep(600)"), 3),
    "fail-fast": ([], _extra_process("crasher", "raise SystemExit(1)"), 1),
}


@pytest.mark.parametrize("path", CI_PATHS)
def test_ci_leaves_nothing_behind(tmp_path: Path, path: str) -> None:
    args, extra, code = CI_PATHS[path]
    write_stack(tmp_path, extra)
    devtui = _devtui(tmp_path, "ci", *args)
    processes = []
    try:
        escapees = wait_started(tmp_path)
        processes = family(devtui.pid, escapees)
        output, _ = devtui.communicate(timeout=GRACE + 30)
        assert devtui.returncode == code, output
        assert survivors(processes) == []
        _assert_named(output, escapees)
    finally:
        kill_survivors(processes)
        if devtui.poll() is None:
            devtui.kill()
