"""Recognise the Convex CLI's push cycle in `convex dev` output.

Invariant: pure (no I/O, no clock). Fed ANSI-stripped lines in order, a `PushCycle` reports
each push attempt starting, succeeding (with the duration the CLI printed) or failing, on
every push, and what happens before the first push (the CLI retrying requests to a
deployment it cannot reach, then giving up): a failure before any push began is never a
failed push. What a failed push's error says is the problem rules' business
(`detector.py`). The patterns follow what convex 1.48.0 prints (see tests/fixtures/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from devtui.core.problems.patterns import TextPattern

PUSH_STARTED: Final = re.compile(r"Preparing Convex functions\.\.\.")
"""`- Preparing Convex functions...`: a push begins."""
PUSH_SUCCEEDED: Final = re.compile(
    r"Convex functions ready! \((?P<amount>[\d.,]+)\s*(?P<unit>ns|µs|μs|us|ms|s|m)\)"
)
"""`✔ 04:31:45 Convex functions ready! (891.93ms)`: a push succeeded, with its duration."""
ERROR_START: Final = re.compile(r"^\s*(?:✘ \[ERROR\]|✖)")
"""esbuild's `✘ [ERROR] …` or the CLI's `✖ …`: an error block begins."""
TYPECHECK_FAILED: Final = re.compile(r"TypeScript typecheck via `tsc` failed")
"""The typecheck header: tsc's own diagnostics follow about a second later."""
TYPECHECK_REPORTED: Final = re.compile(r"^Found \d+ errors?\b")
"""tsc's closing line: `Found 1 error in convex/tasks.ts:14`, `Found 3 errors in 2 files.`"""
PUSH_RETRYING: Final = re.compile(
    r"Failed due to network error, retrying in (?P<delay>[\d.]+\s*(?:ms|s))"
)
"""The deployment failed during a push (5xx, network); the CLI pushes again by itself."""
REQUEST_RETRYING: Final = re.compile(r"Retrying request \((?P<attempt>attempt \d+/\d+)\)")
"""A request to the deployment failed and is retried (before any push: still connecting)."""
UNREACHABLE: Final = re.compile(
    r"^✖ (?P<error>TypeError: fetch failed.*"
    r"|.*\b(?:ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN)\b.*)"
)
"""The CLI's own report that the deployment cannot be reached (not its telemetry's)."""
DEPLOYMENT: Final = re.compile(r"^▌ └─ (?P<url>https?://\S+)")
"""The banner's second line: `▌ └─ http://127.0.0.1:47725`, the deployment it talks to."""

_UNIT_SECONDS: Final = {
    "ns": 1e-9,
    "µs": 1e-6,
    "μs": 1e-6,
    "us": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
}
_WORTH_A_LOOK: Final = (
    "Convex functions",
    "✘",
    "✖",
    "retrying",
    "Retrying",
    "Found ",
    "└─",
)
"""Every line `observe` can act on holds one of these (a cheap pre-check for a chunk)."""

SignalKind = Literal[
    "pushing",
    "ready",
    "push-failed",
    "typecheck-failed",
    "typecheck-reported",
    "retrying",
    "connecting",
    "unreachable",
    "deployment",
]


def parse_push_duration(amount: str, unit: str) -> float:
    """Seconds from the CLI's `formatDuration` text: ("891.93", "ms") → 0.89193."""
    return float(amount.replace(",", "")) * _UNIT_SECONDS[unit]


@dataclass(frozen=True, slots=True)
class PushSignal:
    """A step of the push cycle seen in one line."""

    kind: SignalKind
    """`pushing`, `ready`, `push-failed` (`typecheck-failed`: the same, by tsc, whose
    diagnostics follow), `typecheck-reported` (tsc's diagnostics are all printed),
    `retrying` (the deployment failed and the CLI pushes again), `connecting` (no push yet:
    requests are retried), `unreachable` (no push yet: the CLI gave up), `deployment` (the
    banner named the deployment URL)."""
    duration_s: float | None = None
    """For `ready`: the push duration the CLI printed, if it printed one."""
    line: str = ""
    """The line that caused it."""
    value: str = ""
    """`retrying`: the delay; `connecting`: the attempt; `unreachable`: the error;
    `deployment`: the URL."""


class PushCycle:
    """Follows one `convex dev` run's pushes line by line."""

    def __init__(self, ready: TextPattern) -> None:
        self.ready = ready
        """The configured ready pattern (default `Convex functions ready!`)."""
        self.failed = False
        """Whether the current (latest) push failed."""
        self.pushed = False
        """Whether a push has begun in this run of the CLI."""

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
            self.pushed = True
            return PushSignal("ready", duration, text)
        if PUSH_STARTED.search(text):
            self.failed = False
            self.pushed = True
            return PushSignal("pushing", None, text)
        if (found := PUSH_RETRYING.search(text)) is not None:
            return PushSignal("retrying", None, text, found["delay"])
        if (found := DEPLOYMENT.match(text)) is not None:
            return PushSignal("deployment", None, text, found["url"])
        if not self.pushed:
            if (found := REQUEST_RETRYING.search(text)) is not None:
                return PushSignal("connecting", None, text, found["attempt"])
            if (found := UNREACHABLE.match(text)) is not None:
                return PushSignal("unreachable", None, text, found["error"].strip())
            return None
        if TYPECHECK_REPORTED.match(text):
            return PushSignal("typecheck-reported", None, text)
        if not self.failed and ERROR_START.match(text):
            self.failed = True
            kind: SignalKind = (
                "typecheck-failed" if TYPECHECK_FAILED.search(text) else "push-failed"
            )
            return PushSignal(kind, None, text)
        return None

    def might_matter(self, text: str) -> bool:
        """Cheap pre-check: can `observe` return anything for this text?"""
        return any(needle in text for needle in _WORTH_A_LOOK)
