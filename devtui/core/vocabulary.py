"""The symbols and tones of states and severities: one vocabulary for every front end.

Invariant: the TUI, the headless printer, triage reports and the next front end take their
marks from here and only map a tone to their own colours, so a ready process is `✔` and a
warning `▲` wherever it is shown.
"""

from __future__ import annotations

from typing import Final, Literal

from devtui.core.events import ProcessState
from devtui.core.problems.book import Severity

Tone = Literal["good", "bad", "warn", "busy", "quiet", "plain"]
"""How a mark should look: good (green), bad (red), warn (yellow), busy (blue, something is
under way), quiet (dim), plain (the terminal's own colour)."""

STATE_SYMBOL: Final[dict[ProcessState, str]] = {
    ProcessState.WAITING: "…",
    ProcessState.STARTING: "▶",
    ProcessState.CONNECTING: "…",
    ProcessState.UNREACHABLE: "✖",
    ProcessState.PUSHING: "●",
    ProcessState.READY: "✔",
    ProcessState.PUSH_FAILED: "✖",
    ProcessState.RESTARTING: "↻",
    ProcessState.STOPPING: "■",
    ProcessState.EXITED: "■",
    ProcessState.CRASHED: "✖",
    ProcessState.OOM: "✖",
    ProcessState.STOPPED: "■",
    ProcessState.CRASH_LOOP: "✖",
    ProcessState.BLOCKED: "✖",
    ProcessState.FAILED: "✖",
}
STATE_TONE: Final[dict[ProcessState, Tone]] = {
    ProcessState.WAITING: "quiet",
    ProcessState.STARTING: "busy",
    ProcessState.CONNECTING: "warn",
    ProcessState.UNREACHABLE: "bad",
    ProcessState.PUSHING: "busy",
    ProcessState.READY: "good",
    ProcessState.PUSH_FAILED: "bad",
    ProcessState.RESTARTING: "warn",
    ProcessState.STOPPING: "quiet",
    ProcessState.EXITED: "plain",
    ProcessState.CRASHED: "bad",
    ProcessState.OOM: "bad",
    ProcessState.STOPPED: "quiet",
    ProcessState.CRASH_LOOP: "bad",
    ProcessState.BLOCKED: "bad",
    ProcessState.FAILED: "bad",
}
SEVERITY_SYMBOL: Final[dict[Severity, str]] = {
    Severity.ERROR: "✖",
    Severity.WARNING: "▲",  # not ⚠: terminals disagree on its width
    Severity.INFO: "•",
}
SEVERITY_TONE: Final[dict[Severity, Tone]] = {
    Severity.ERROR: "bad",
    Severity.WARNING: "warn",
    Severity.INFO: "busy",
}


def state_words(state: ProcessState) -> str:
    """`push failed` for `push-failed`: the state as a sentence says it."""
    return state.value.replace("-", " ")


def push_count_words(succeeded: int, failed: int) -> str:
    """`3 pushes (2 failed)`: every push attempt, the failed ones said inside (`1 push, 2
    failed` would read as one push of which two failed); "" before the first."""
    attempts = succeeded + failed
    if attempts == 0:
        return ""
    noun = "push" if attempts == 1 else "pushes"
    return f"{attempts} {noun}" + (f" ({failed} failed)" if failed else "")
