"""Nothing is left behind, on every way out of the TUI (a real pty, real keys and signals).

The stack (tests/escape_stack.py) holds a `setsid()` orphan, a double-forked daemon, a
child and grandchild that ignore SIGINT/SIGTERM, and an ordinary child. However the TUI is
left, none may survive it, the session log names the two that left their group, and the
log ends with devtui's `end` record.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.escape_stack import (
    GRACE,
    assert_killed_at_once,
    assert_orderly,
    family,
    kill_survivors,
    logged_leftovers,
    survivors,
    wait_started,
    write_stack,
)


@dataclass
class Terminal:
    """devtui's controlling terminal: what it drew so far, and the master side."""

    master: int | None
    screen: bytearray = field(default_factory=bytearray)

    def pump(self, timeout: float = 0.05) -> None:
        """Read what devtui drew (a real terminal keeps reading, so devtui never blocks)."""
        if self.master is None:
            time.sleep(timeout)
            return
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            try:
                self.screen += os.read(self.master, 65536)
            except OSError:  # devtui ended: the slave side is gone
                time.sleep(timeout)

    def wait_for(self, text: bytes, timeout: float = 30.0) -> None:
        """Read until `text` was drawn."""
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            assert time.monotonic() < deadline, f"{text!r} never appeared on the screen"
            self.pump()

    def type(self, keys: bytes) -> None:
        """Type keys into devtui."""
        assert self.master is not None
        os.write(self.master, keys)

    def close(self) -> None:
        """Close the window: the kernel hangs up on devtui's session."""
        if self.master is not None:
            os.close(self.master)
            self.master = None


def _signals(*signals: signal.Signals) -> Callable[[subprocess.Popen[bytes], Terminal], None]:
    def send(devtui: subprocess.Popen[bytes], _terminal: Terminal) -> None:
        for index, sig in enumerate(signals):
            if index:
                time.sleep(0.01)  # the second of a closing terminal's two hang-ups
            devtui.send_signal(sig)

    return send


def _keys(keys: bytes) -> Callable[[subprocess.Popen[bytes], Terminal], None]:
    return lambda _devtui, terminal: terminal.type(keys)


def _q_twice(_devtui: subprocess.Popen[bytes], terminal: Terminal) -> None:
    terminal.type(b"q")
    terminal.wait_for(b"kill everything at once")  # the shutdown screen is up
    terminal.type(b"q")


def _close(_devtui: subprocess.Popen[bytes], terminal: Terminal) -> None:
    terminal.close()


Leave = Callable[[subprocess.Popen[bytes], Terminal], None]
PATHS: dict[str, tuple[Leave, int, Callable[[Path], None]]] = {
    "SIGINT": (_signals(signal.SIGINT), 130, assert_orderly),
    "SIGTERM": (_signals(signal.SIGTERM), 143, assert_orderly),
    "SIGHUP": (_signals(signal.SIGHUP), 129, assert_orderly),
    "two SIGHUPs 10 ms apart": (_signals(signal.SIGHUP, signal.SIGHUP), 129, assert_orderly),
    "q": (_keys(b"q"), 0, assert_orderly),
    "Ctrl-C": (_keys(b"\x03"), 0, assert_orderly),
    "q twice": (_q_twice, 0, assert_killed_at_once),
    "terminal closed": (_close, 129, assert_orderly),
}
"""Each way out: what does it, the exit code, and how the stop must have gone."""


@pytest.mark.parametrize("path", PATHS)
def test_leaving_the_tui_leaves_nothing_behind(tmp_path: Path, path: str) -> None:
    leave, code, how = PATHS[path]
    config = write_stack(tmp_path)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"), TERM="xterm-256color")
    devtui = subprocess.Popen(
        [sys.executable, "-m", "devtui", "--config", str(config)],
        preexec_fn=lambda: os.login_tty(slave),  # a new session, the pty its terminal
        pass_fds=(slave,),
        env=env,
        cwd=tmp_path,
    )
    os.close(slave)
    terminal = Terminal(master)
    processes = []
    try:
        escapees = wait_started(tmp_path, pump=terminal.pump)
        processes = family(devtui.pid, escapees)
        terminal.wait_for(b"ordinary")  # the dashboard is drawn: keys reach it
        leave(devtui, terminal)
        deadline = time.monotonic() + GRACE + 20
        while devtui.poll() is None and time.monotonic() < deadline:
            terminal.pump()
        assert devtui.poll() == code
        assert survivors(processes) == []
        if path in ("q", "Ctrl-C"):  # the last line says the stop had to kill
            terminal.pump()
            assert b"needed SIGKILL (it ignored SIGINT and SIGTERM)" in terminal.screen
        leftovers = logged_leftovers(tmp_path / ".devtui" / "logs")
        for mode in ("setsid", "daemon", "wiped"):
            assert f'"{escapees[mode]} ' in leftovers, f"the {mode} escapee was not named"
        (log,) = (tmp_path / ".devtui" / "logs").glob("session-*.jsonl")
        last = json.loads(log.read_text(encoding="utf-8").splitlines()[-1])
        assert last["kind"] == "end" and last["exit_code"] == code
        how(tmp_path / ".devtui" / "logs")
    finally:
        terminal.close()
        kill_survivors(processes)
        if devtui.poll() is None:
            devtui.kill()
