"""Recognise the Convex CLI's push cycle in `convex dev` output.

Invariant: pure (no I/O, no clock). Fed ANSI-stripped lines in order, a `PushCycle` reports
each push starting, succeeding (with the duration the CLI printed) or failing, on every
push. What a failed push's error says is the problem rules' business (`detector.py`).
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


class PushCycle:
    """Follows one `convex dev` run's pushes line by line."""

    def __init__(self, ready: re.Pattern[str]) -> None:
        self.ready = ready
        """The configured ready pattern (default `Convex functions ready!`)."""
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
            self.failed = False
            return PushSignal("ready", duration, text)
        if PUSH_STARTED.search(text):
            self.failed = False
            return PushSignal("pushing", None, text)
        if not self.failed and ERROR_START.match(text):
            self.failed = True
            return PushSignal("push-failed", None, text)
        return None

    def might_matter(self, text: str) -> bool:
        """Cheap pre-check: can `observe` return anything for this text?"""
        return "Convex functions" in text or "✘" in text or "✖" in text
