"""Recognise the Convex CLI's push cycle in `convex dev` output.

Invariant: pure (no I/O, no clock). Fed ANSI-stripped lines in order, a `PushCycle` reports
each push starting, succeeding (with the duration the CLI printed) or failing, on every
push, and collects the error block of a failed push for the problem that describes it.
The patterns follow what convex 1.48.0 prints (see tests/fixtures/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

PUSH_STARTED: Final = re.compile(r"Preparing Convex functions\.\.\.")
"""`- Preparing Convex functions...`: a push begins."""
PUSH_SUCCEEDED: Final = re.compile(
    r"Convex functions ready! \((?P<amount>[\d.,]+)\s*(?P<unit>ns|µs|μs|us|ms|s|m)\)"
)
"""`✔ 04:31:45 Convex functions ready! (891.93ms)`: a push succeeded, with its duration."""
ERROR_START: Final = re.compile(r"^\s*(?:✘ \[ERROR\]|✖)")
"""esbuild's `✘ [ERROR] …` or the CLI's `✖ …`: an error block begins."""
FUNCTION_LOG: Final = re.compile(r"\[CONVEX [QMAH]\(")
"""A tailed function log line (`[CONVEX A(ai:stream)] …`); never part of a push error."""
MAX_BLOCK_LINES: Final = 200
"""An error block is cut here (the session log keeps everything)."""

_UNIT_SECONDS: Final = {
    "ns": 1e-9,
    "µs": 1e-6,
    "μs": 1e-6,
    "us": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
}


def parse_push_duration(amount: str, unit: str) -> float:
    """Seconds from the CLI's `formatDuration` text: ("891.93", "ms") → 0.89193."""
    return float(amount.replace(",", "")) * _UNIT_SECONDS[unit]


@dataclass(frozen=True, slots=True)
class PushSignal:
    """A step of the push cycle seen in one line."""

    kind: Literal["pushing", "ready", "push-failed"]
    duration_s: float | None = None
    """For `ready`: the push duration the CLI printed, if it printed one."""
    line: str = ""
    """The line that caused it."""
    finished_block: tuple[str, ...] | None = None
    """For `pushing`/`ready` right after a failed push: that push's complete error block."""


class PushCycle:
    """Follows one `convex dev` run's pushes line by line."""

    def __init__(self, ready: re.Pattern[str]) -> None:
        self.ready = ready
        """The configured ready pattern (default `Convex functions ready!`)."""
        self.block: list[str] = []
        """The error block of the current failed push, first line first."""
        self.failed = False
        """Whether the current (latest) push failed."""

    def observe(self, text: str, may_be_ready: bool = True) -> PushSignal | None:
        """Feed one ANSI-stripped line; return the push step it marks, if any.

        Args:
            text: The line without ANSI codes.
            may_be_ready: False when the line came on a stream `ready_streams` excludes.
        """
        if may_be_ready and self.ready.search(text):
            match = PUSH_SUCCEEDED.search(text)
            duration = parse_push_duration(match["amount"], match["unit"]) if match else None
            return PushSignal("ready", duration, text, self._close_block())
        if PUSH_STARTED.search(text):
            return PushSignal("pushing", None, text, self._close_block())
        if self.failed:
            if len(self.block) < MAX_BLOCK_LINES and not FUNCTION_LOG.search(text):
                self.block.append(text)
            return None
        if ERROR_START.match(text):
            self.failed = True
            self.block = [text]
            return PushSignal("push-failed", None, text)
        return None

    @property
    def error_block(self) -> tuple[str, ...]:
        """The current failed push's error lines so far, without trailing blank lines."""
        end = len(self.block)
        while end and not self.block[end - 1].strip():
            end -= 1
        return tuple(self.block[:end])

    def _close_block(self) -> tuple[str, ...] | None:
        """End the current push: hand over its error block if it had failed."""
        finished = self.error_block if self.failed else None
        self.failed = False
        self.block = []
        return finished

    def might_matter(self, text: str) -> bool:
        """Cheap pre-check: can `observe` return anything, or must it collect the line?"""
        return self.failed or "Convex functions" in text or "✘" in text or "✖" in text
