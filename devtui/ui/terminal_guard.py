"""Keep devtui from outliving the terminal it draws on.

When a terminal window closes, the kernel sends the session SIGHUP *and* SIGCONT. Textual
answers SIGCONT by resuming its application mode, and on a terminal that has hung up that
resume starts a new writer thread which dies at its first write; thirty frames later the
main thread blocks for ever handing it output. The event loop stops, so the orderly
shutdown SIGHUP asked for never finishes: devtui lingered as an orphan, spinning on the dead
terminal, with its session log writer.

Two guards, both only for the real `devtui` command (never inside a test run or an
embedding program):

- `ignore_resume_on_dead_terminal`: SIGCONT resumes Textual only while the terminal is
  still there (after a real Ctrl-Z and `fg` it is).
- `StallWatchdog`: should anything else ever block the loop once the terminal is gone,
  every child process group is killed and devtui ends with 129 (SIGHUP's code).

Both tell a live terminal from a gone one with `os.isatty`: it asks the terminal for its
settings, which a hung-up one refuses (EIO), so it then reads as no terminal at all.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Final

STALL_S: Final = 10.0
"""How long the event loop may go without a beat, the terminal gone, before devtui ends."""
POLL_S: Final = 1.0
"""How often the watchdog looks."""


def ignore_resume_on_dead_terminal(fd: int) -> None:
    """Wrap the SIGCONT handler in place (Textual's) so it runs only while `fd` answers.

    Call from the main thread once the driver is up (it installs its handler then).
    """
    previous = signal.getsignal(signal.SIGCONT)
    if not callable(previous):
        return  # no handler to guard (e.g. a headless driver)

    def on_sigcont(signum: int, frame: FrameType | None) -> None:
        if os.isatty(fd):
            previous(signum, frame)

    signal.signal(signal.SIGCONT, on_sigcont)


class StallWatchdog:
    """Calls `on_stall` (from its own thread) once the terminal is gone and the event loop
    has not beaten for `stall_s` seconds.

    A stalled loop alone is no reason: a terminal paused with Ctrl-S blocks output too,
    and the user will resume it. A gone terminal alone is no reason either: SIGHUP's
    orderly shutdown is running and must be left to finish (it writes the log's end).
    """

    def __init__(
        self,
        fd: int,
        on_stall: Callable[[], None],
        *,
        stall_s: float = STALL_S,
        poll_s: float = POLL_S,
    ) -> None:
        self._fd = fd
        self._on_stall = on_stall
        self._stall_s = stall_s
        self._poll_s = poll_s
        self._last_beat = time.monotonic()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="devtui-stall-watchdog")
        self._thread.daemon = True

    def start(self) -> None:
        """Start watching (beats are expected from now on)."""
        self._last_beat = time.monotonic()
        self._thread.start()

    def beat(self) -> None:
        """Called from the event loop, more often than `stall_s`: it is still turning."""
        self._last_beat = time.monotonic()

    def stop(self) -> None:
        """Stop watching (devtui is ending normally)."""
        self._stopped.set()

    def _watch(self) -> None:
        while not self._stopped.wait(self._poll_s):
            stalled = time.monotonic() - self._last_beat > self._stall_s
            if stalled and not os.isatty(self._fd):
                self._on_stall()
                return
