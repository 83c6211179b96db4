"""The guards that keep devtui from outliving its terminal, on real pseudo-terminals."""

from __future__ import annotations

import os
import pty
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

import pytest

from devtui.ui.terminal_guard import StallWatchdog, ignore_resume_on_dead_terminal


@pytest.fixture
def terminal() -> Iterator[tuple[int, int]]:
    """(master, slave) of a fresh pty; close the master to hang the terminal up."""
    master, slave = pty.openpty()
    yield master, slave
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass


def test_a_terminal_whose_window_closed_reads_as_no_terminal(terminal: tuple[int, int]) -> None:
    """What both guards rely on to tell a gone terminal from a live one."""
    master, slave = terminal
    assert os.isatty(slave)
    os.close(master)
    assert not os.isatty(slave)
    read, write = os.pipe()
    assert not os.isatty(read), "a pipe is no terminal"
    os.close(read)
    os.close(write)


def test_sigcont_resumes_only_while_the_terminal_answers(terminal: tuple[int, int]) -> None:
    master, slave = terminal
    resumed: list[int] = []

    def resume(signum: int, frame: FrameType | None) -> None:
        resumed.append(signum)

    original = signal.signal(signal.SIGCONT, resume)
    try:
        ignore_resume_on_dead_terminal(slave)
        os.kill(os.getpid(), signal.SIGCONT)  # `fg` after Ctrl-Z: the terminal is there
        assert resumed == [signal.SIGCONT]
        os.close(master)
        os.kill(os.getpid(), signal.SIGCONT)  # the kernel's SIGCONT of a hangup
        assert resumed == [signal.SIGCONT], "no resume on a terminal that hung up"
    finally:
        signal.signal(signal.SIGCONT, original)


def test_a_stalled_loop_with_its_terminal_gone_ends(terminal: tuple[int, int]) -> None:
    master, slave = terminal
    ended = threading.Event()
    watchdog = StallWatchdog(slave, ended.set, stall_s=0.2, poll_s=0.02)
    watchdog.start()
    try:
        os.close(master)
        started = time.monotonic()
        assert ended.wait(timeout=5)
        assert time.monotonic() - started >= 0.1, "not before the loop had time to beat"
    finally:
        watchdog.stop()


def test_a_beating_loop_or_a_live_terminal_is_left_alone(terminal: tuple[int, int]) -> None:
    """A terminal paused with Ctrl-S stalls the loop too, and a loop still shutting down
    after a hangup still beats: neither is ended."""
    _master, slave = terminal
    stalled_alive = threading.Event()
    paused = StallWatchdog(slave, stalled_alive.set, stall_s=0.1, poll_s=0.02)
    paused.start()  # never beats, but the terminal answers

    other_master, other_slave = pty.openpty()
    os.close(other_master)  # gone, but the loop beats
    beating_ended = threading.Event()
    beating = StallWatchdog(other_slave, beating_ended.set, stall_s=0.3, poll_s=0.02)
    beating.start()
    try:
        until = time.monotonic() + 1.0  # ten stall periods of the first, three of the second
        while time.monotonic() < until:
            beating.beat()
            assert not beating_ended.wait(0.05)
        assert not stalled_alive.is_set()
    finally:
        paused.stop()
        beating.stop()
        os.close(other_slave)
