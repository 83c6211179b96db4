"""Requests to stop the stack, from any front end: one policy for signals, keys and a
vanished output.

Invariant: the first request starts an orderly shutdown and fixes the exit code and the
reason (SIGINT 130, SIGTERM 143, SIGHUP 129, a quit key or `devtui stop` 0 or 1 by how the
processes ended, stdout gone 141). A second signal within `REPEAT_WINDOW_S` of the first
is the same request delivered twice (a closing terminal can send SIGHUP twice; GNU
`timeout` and service managers signal both the process and its group) and is ignored. Any
other later request, a signal or a second quit key, means "now": every process group is
killed at once.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from devtui.errors import ExitCode

SHUTDOWN_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
REPEAT_WINDOW_S: Final = 0.3
"""A second signal sooner than this is the same request delivered twice, not an impatient
user."""
EXIT_CODES: Final = {
    signal.SIGINT: ExitCode.INTERRUPTED,
    signal.SIGTERM: ExitCode.TERMINATED,
    signal.SIGHUP: ExitCode.HANGUP,
}
STOP_CODES: Final = frozenset(
    {ExitCode.INTERRUPTED, ExitCode.TERMINATED, ExitCode.HANGUP, ExitCode.BROKEN_PIPE}
)
"""Exit codes of a run stopped on request (not a failure)."""

Verdict = Literal["first", "echo", "now"]
"""What a request means: start the orderly shutdown, ignore it, or kill everything now."""


@dataclass(frozen=True, slots=True)
class StopRequest:
    """Why the stack is stopping, and the exit code that fixes."""

    code: ExitCode | None
    """None: the front end decides from how the processes ended (a quit key)."""
    reason: str
    """In words, for the summary and the session log's `stopping` record."""


def signal_request(sig: signal.Signals) -> StopRequest:
    """The stop request a signal makes: `interrupted by SIGTERM`, exit 143."""
    return StopRequest(EXIT_CODES[sig], f"interrupted by {sig.name}")


QUIT_REQUEST: Final = StopRequest(None, "quit")
"""The user pressed the quit key."""


def control_request(reason: str) -> StopRequest:
    """A stop asked for through the control socket (`devtui stop`): like a quit key, the
    exit code follows from how the processes ended."""
    return StopRequest(None, reason)


STDOUT_GONE: Final = StopRequest(
    ExitCode.BROKEN_PIPE, "stdout was closed (whatever read it went away)"
)


class ShutdownRequests:
    """Tells a first stop request from a duplicate and from an impatient repeat."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.first: StopRequest | None = None
        """The request that started the shutdown."""
        self._first_at = 0.0
        self._first_was_signal = False

    def request(self, request: StopRequest, *, from_signal: bool) -> Verdict:
        """Take a request; say whether it starts the shutdown, echoes it, or means now."""
        now = self._clock()
        if self.first is None:
            self.first, self._first_at, self._first_was_signal = request, now, from_signal
            return "first"
        if from_signal and self._first_was_signal and now - self._first_at < REPEAT_WINDOW_S:
            return "echo"
        return "now"


def install_shutdown_signals(
    on_signal: Callable[[signal.Signals], None],
    signals: tuple[signal.Signals, ...] = SHUTDOWN_SIGNALS,
) -> Callable[[], None]:
    """Route `signals` to `on_signal` on the running loop; returns an uninstaller."""
    loop = asyncio.get_running_loop()
    for sig in signals:
        loop.add_signal_handler(sig, on_signal, sig)

    def uninstall() -> None:
        for sig in signals:
            loop.remove_signal_handler(sig)

    return uninstall
