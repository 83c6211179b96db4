"""Words for the headless front end: what each core event means, as stderr lines.

Invariant: pure formatting; every state change, problem and stop step the core publishes
gets at most one headline (plus indented detail lines), the same for `ci` and `up`.
"""

from __future__ import annotations

from dataclasses import dataclass

from devtui.core.events import (
    DescendantsLeft,
    Event,
    LintChecked,
    ProblemDetected,
    ProblemRepeated,
    ProblemResolved,
    ProcessState,
    ProcessStateChanged,
    ProcessUpdated,
    ReadyTimedOut,
    SignalSent,
    SupervisorStopping,
    SurvivorsFound,
)
from devtui.core.problems.book import Severity, problem_headline
from devtui.core.units import clock_time, format_seconds
from devtui.core.vocabulary import (
    SEVERITY_SYMBOL,
    SEVERITY_TONE,
    STATE_SYMBOL,
    STATE_TONE,
    Tone,
)
from devtui.headless.colour import BLUE, DIM, GREEN, RED, YELLOW


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One thing to tell the user on stderr."""

    symbol: str
    process: str
    text: str
    style: str = ""
    details: tuple[str, ...] = ()
    """Indented lines under the headline (e.g. a process's last output)."""


TONE_COLOUR: dict[Tone, str] = {
    "good": GREEN,
    "bad": RED,
    "warn": YELLOW,
    "busy": BLUE,
    "quiet": DIM,
    "plain": "",
}
"""The core's tones in the headless printer's colours."""
STATE_LOOK: dict[ProcessState, tuple[str, str]] = {
    state: (STATE_SYMBOL[state], TONE_COLOUR[STATE_TONE[state]]) for state in ProcessState
}
SEVERITY_LOOK: dict[Severity, tuple[str, str]] = {  # (mark, colour) of a problem line
    severity: (SEVERITY_SYMBOL[severity], TONE_COLOUR[SEVERITY_TONE[severity]])
    for severity in Severity
}


def describe(event: Event) -> Diagnostic | None:
    """The stderr line for a core event, or None for events not worth a line."""
    if isinstance(event, ProcessStateChanged):
        return _state(event)
    if isinstance(event, ProcessUpdated):
        status = event.status
        if event.what == "url" and status.url:
            return Diagnostic("→", event.process, status.url, BLUE)
        if event.what == "stale" and status.stale_since is not None:
            return Diagnostic(
                "!",
                event.process,
                f"stale since {clock_time(status.stale_since)}: "
                f"{status.stale_cause} (still serving the last good state)",
                YELLOW,
            )
        if event.what == "stale-cause" and status.stale_since is not None:
            return Diagnostic("!", event.process, f"still stale: {status.stale_cause}", YELLOW)
        if event.what == "fresh":
            return Diagnostic("✔", event.process, "fresh again: its dependencies are ready", GREEN)
        return None
    if isinstance(event, ReadyTimedOut):
        return Diagnostic(
            "✖",
            event.process,
            f"not ready after {format_seconds(event.timeout_s)}, waiting for "
            f"/{event.waited_for}/; last lines:",
            RED,
            event.last_lines,
        )
    if isinstance(event, ProblemDetected | ProblemRepeated):
        problem = event.problem
        symbol, style = SEVERITY_LOOK[problem.severity]
        count = f" (×{problem.count})" if problem.count > 1 else ""
        fix = (f"fix: {problem.fix}",) if isinstance(event, ProblemDetected) and problem.fix else ()
        return Diagnostic(symbol, problem.process, problem_headline(problem) + count, style, fix)
    if isinstance(event, ProblemResolved):
        problem = event.problem
        return Diagnostic(
            "✔", problem.process, f"resolved: {problem.rule}  {problem.message}", GREEN
        )
    if isinstance(event, LintChecked):
        return _lint(event)
    if isinstance(event, SignalSent):
        return _signal(event)
    if isinstance(event, SurvivorsFound):
        return Diagnostic("✖", event.process, "still alive after SIGKILL:", RED, event.survivors)
    if isinstance(event, DescendantsLeft):
        return Diagnostic("!", event.process, event.headline, YELLOW, event.descendants)
    if isinstance(event, SupervisorStopping):
        order = ", then ".join(" + ".join(group) for group in event.order)
        return Diagnostic(
            "■", "devtui", f"{event.reason}: stopping {order}" if order else event.reason, DIM
        )
    return None


def _state(event: ProcessStateChanged) -> Diagnostic | None:
    symbol, style = STATE_LOOK[event.state]
    status = event.status
    if event.state is ProcessState.STOPPING:
        return None  # each signal sent gets its own line
    if event.state is ProcessState.STARTING:
        return Diagnostic(symbol, event.process, f"starting: {event.reason}", style)
    if event.state is ProcessState.READY:
        text = event.reason if event.reason.startswith("ready") else f"ready: {event.reason}"
        if status.ready_after_s is not None and status.pushes <= 1 and status.restarts == 0:
            text += f" ({format_seconds(status.ready_after_s)} after devtui started)"
        if status.url:
            text += f" → {status.url}"
        return Diagnostic(symbol, event.process, text, style)
    if event.state is ProcessState.PUSHING:
        attempt = status.pushes + status.failed_pushes + 1
        if status.retry_in is not None:  # the deployment failed; the CLI retries by itself
            return Diagnostic("↻", event.process, event.reason, YELLOW)
        return Diagnostic(symbol, event.process, f"pushing (push {attempt})", style)
    if event.state in (ProcessState.CONNECTING, ProcessState.UNREACHABLE):
        return Diagnostic(symbol, event.process, event.reason, style)
    if event.state is ProcessState.PUSH_FAILED:  # the problem line that follows says what
        attempt = status.pushes + status.failed_pushes
        return Diagnostic(symbol, event.process, f"push {attempt} failed", style)
    failure = event.state in (
        ProcessState.CRASHED,
        ProcessState.OOM,
        ProcessState.CRASH_LOOP,
        ProcessState.FAILED,
        ProcessState.BLOCKED,
        ProcessState.RESTARTING,
    ) or (event.state is ProcessState.EXITED and status.exit_code not in (0, None))
    details = event.last_lines if failure and event.last_lines else ()
    header = event.reason + ("; last lines:" if details else "")
    if event.state is ProcessState.OOM and status.restart_at is None:
        details = (
            *details,
            f'restart it with more heap: on_oom = "restart-with-more-heap" for {event.process} '
            "in devtui.toml",
        )
    return Diagnostic(
        symbol, event.process, header, RED if failure and style == "" else style, details
    )


def _lint(event: LintChecked) -> Diagnostic | None:
    """The check at start gets a line; later ones speak through their problems."""
    from devtui.headless.lint_output import findings_summary

    details = tuple(f"cannot read {what}" for what in event.unreadable)
    if event.note:
        return Diagnostic("!", "lint", event.note, YELLOW, details)
    if event.changed and not details:
        return None
    found = findings_summary(
        event.violations, event.warnings, event.files, event.files_with_findings
    )
    summary = f"{event.folder}/: {found}"
    if event.violations:
        return Diagnostic("✖", "lint", summary, RED, details)
    if event.warnings:
        return Diagnostic("▲", "lint", summary, YELLOW, details)
    return Diagnostic("✔", "lint", summary, GREEN, details)


def _signal(event: SignalSent) -> Diagnostic:
    when = ""
    if event.kill_at is not None:
        when = f"; SIGKILL in {format_seconds(max(0.0, event.kill_at - event.at))}"
    target = f"process group {event.pgid}" if event.pgid else "them"
    if event.signal_name == "SIGINT":
        return Diagnostic("■", event.process, f"stopping: SIGINT to {target}{when}", DIM)
    verb = "killing" if event.signal_name == "SIGKILL" else "still running"
    return Diagnostic("!", event.process, f"{verb}: {event.signal_name} to {target}{when}", YELLOW)
