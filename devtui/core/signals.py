"""devtui's own signals: SIGINT, SIGTERM and SIGHUP all mean "shut the stack down".

Invariant: the first signal starts an orderly shutdown and fixes the exit code
(130 / 143 / 129); a second one while stopping kills every group at once.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Final, Literal

from devtui.errors import ExitCode

SHUTDOWN_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
REPEAT_WINDOW_S: Final = 0.3
"""A second signal sooner than this is the same request delivered twice (GNU `timeout`
and service managers signal both the process and its group), not an impatient user."""
EXIT_CODES: Final = {
    signal.SIGINT: ExitCode.INTERRUPTED,
    signal.SIGTERM: ExitCode.TERMINATED,
    signal.SIGHUP: ExitCode.HANGUP,
}


class SignalCounter:
    """Tells a first shutdown request from a deliberate repeat."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.first: signal.Signals | None = None
        """The signal that started the shutdown."""
        self._first_at = 0.0

    def observe(self, sig: signal.Signals) -> Literal["first", "repeat", "echo"]:
        """`first` starts a shutdown, `repeat` means "now", `echo` is a duplicate to ignore."""
        now = self._clock()
        if self.first is None:
            self.first, self._first_at = sig, now
            return "first"
        return "echo" if now - self._first_at < REPEAT_WINDOW_S else "repeat"


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
