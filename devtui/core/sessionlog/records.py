"""The session log's records: the one definition of what each event writes (and how a
problem record reads back).

Invariant: `event_record` is exhaustive over `Event` (a new event type fails the type check
until it says what it writes); output lines have their own byte layout, in `layout`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final, assert_never, cast, get_args

from devtui.core.events import (
    DescendantsLeft,
    Event,
    FilesChanged,
    LintChecked,
    MemorySampled,
    MemoryThresholdCrossed,
    OutputLines,
    ProblemDetected,
    ProblemRepeated,
    ProblemResolved,
    ProblemUpdated,
    ProcessStateChanged,
    ProcessStatus,
    ProcessUpdated,
    PushSettled,
    ReadyTimedOut,
    SignalSent,
    SupervisorStopping,
    SurvivorsFound,
)
from devtui.core.memory.figures import MIB
from devtui.core.problems.book import Problem, Severity, Source

ISO_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"
"""How the log writes wall-clock times (UTC, to the second)."""


def iso_time(at: float) -> str:
    """Wall-clock epoch seconds as an ISO 8601 UTC timestamp (`2026-11-22T04:27:19Z`)."""
    return datetime.fromtimestamp(at, UTC).strftime(ISO_FORMAT)


def parse_iso_time(text: object) -> float | None:
    """`iso_time`'s inverse: epoch seconds, or None for anything that is not one."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text, ISO_FORMAT).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


SOURCES: Final[frozenset[str]] = frozenset(get_args(Source))
"""Every reporter a record may name."""


def problem_from_record(data: Mapping[str, object], *, at: float = 0.0) -> Problem:
    """`problem_record`'s inverse: the `Problem` a record describes.

    Tolerant of what older devtuis wrote and of damage: a missing fingerprint is made from
    the rule and message, a missing severity is an error (problems had none before
    severities), an unknown one the mildest, a missing time is `at` (the record's own).
    """

    def text(name: str) -> str:
        value = data.get(name)
        return "" if value is None else str(value)

    def number(name: str) -> int | None:
        value = data.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def strings(name: str) -> tuple[str, ...]:
        value = data.get(name)
        return tuple(str(item) for item in value) if isinstance(value, list) else ()

    def numbers(name: str) -> tuple[int, ...]:
        value = data.get(name)
        return tuple(n for n in value if isinstance(n, int)) if isinstance(value, list) else ()

    first_seen = parse_iso_time(data.get("first_seen"))
    last_seen = parse_iso_time(data.get("last_seen"))
    sources = tuple(cast("Source", s) for s in strings("sources") if s in SOURCES)
    return Problem(
        rule=text("rule"),
        severity=_recorded_severity(text("severity")),
        title=text("title"),
        message=text("message"),
        process=text("process"),
        fingerprint=text("fingerprint") or f"{text('rule')}|{text('message')}",
        first_seen=first_seen if first_seen is not None else at,
        last_seen=last_seen if last_seen is not None else at,
        count=number("count") or 1,
        file=text("file") or None,
        line=number("line"),
        column=number("column"),
        symbol=text("symbol") or None,
        explanation=text("explanation"),
        fix=text("fix"),
        docs=text("docs"),
        lines=strings("lines"),
        first_seq=number("first_seq"),
        occurrence_seqs=numbers("occurrence"),
        resolved=bool(data.get("resolved")),
        sources=sources,
        attempt=number("attempt"),
        resolved_at=parse_iso_time(data.get("resolved_at")),
    )


def _recorded_severity(name: str) -> Severity:
    if not name:
        return Severity.ERROR
    try:
        return Severity(name)
    except ValueError:
        return Severity.INFO


def megabytes(value: int | None) -> float | None:
    """Bytes in MiB to a tenth, as the JSON answers give memory (None stays None)."""
    return round(value / MIB, 1) if value is not None else None


def process_record(status: ProcessStatus, rss_bytes: int | None = None) -> dict[str, object]:
    """A process's status as a JSON-ready dict (`--json`'s `processes` and the control
    endpoint's `status` share it; `peak_rss_mb` is `rss_bytes`, in MiB)."""
    convex = status.kind == "convex"
    entry: dict[str, object] = {
        "name": status.name,
        "kind": status.kind,
        "state": status.state.value,
        "ready_after_s": status.ready_after_s,
        "pushes": status.pushes if convex else None,
        "restarts": status.restarts,
        "exit_code": status.exit_code,
        "peak_rss_mb": megabytes(rss_bytes),
        "stale_since": status.stale_since,
        "killed": status.killed,
    }
    if status.kind == "vite" or status.url is not None:
        entry["url"] = status.url
    if convex:
        entry["failed_pushes"] = status.failed_pushes
        entry["last_push_s"] = status.last_push_s
    return entry


def problem_record(problem: Problem) -> dict[str, object]:
    """A problem as a JSON-ready dict (the `--json` summary and the session log share it)."""
    return {
        "rule": problem.rule,
        "severity": problem.severity.value,
        "title": problem.title,
        "message": problem.message,
        "process": problem.process,
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "symbol": problem.symbol,
        "count": problem.count,
        "first_seen": iso_time(problem.first_seen),
        "last_seen": iso_time(problem.last_seen),
        "resolved": problem.resolved,
        "explanation": problem.explanation,
        "fix": problem.fix,
        "docs": problem.docs,
        "fingerprint": problem.fingerprint,
        "sources": list(problem.sources),
        "attempt": problem.attempt,
        "resolved_at": iso_time(problem.resolved_at) if problem.resolved_at is not None else None,
        "first_seq": problem.first_seq,
        "occurrence": list(problem.occurrence_seqs),
        "lines": list(problem.lines),
    }


def event_record(event: Event) -> dict[str, object]:
    """Every event but `OutputLines` (which has a fast path) as a record.

    Exhaustive over `Event`: a new event type fails the type check here until it says
    what it writes.
    """
    match event:
        case ProcessStateChanged():
            return {
                "kind": "state",
                "time": event.at,
                "process": event.process,
                "state": event.state.value,
                "previous": event.previous.value,
                "reason": event.reason,
                "exit_code": event.status.exit_code,
                "pushes": event.status.pushes,
                "push_s": event.status.last_push_s,
            }
        case ProcessUpdated():
            return {
                "kind": "update",
                "time": event.at,
                "process": event.process,
                "what": event.what,
                "url": event.status.url,
                "stale_since": event.status.stale_since,
                "cause": event.status.stale_cause,
            }
        case ReadyTimedOut():
            return {
                "kind": "ready-timeout",
                "time": event.at,
                "process": event.process,
                "waited_for": event.waited_for,
                "timeout_s": event.timeout_s,
                "last_lines": list(event.last_lines),
            }
        case SignalSent():
            return {
                "kind": "signal",
                "time": event.at,
                "process": event.process,
                "signal": event.signal_name,
                "pgid": event.pgid,
                "kill_at": event.kill_at,
            }
        case SurvivorsFound():
            return {
                "kind": "survivors",
                "time": event.at,
                "process": event.process,
                "survivors": list(event.survivors),
            }
        case DescendantsLeft():
            return {
                "kind": "descendants-left",
                "time": event.at,
                "process": event.process,
                "cause": event.cause,
                "descendants": list(event.descendants),
            }
        case SupervisorStopping():
            return {"kind": "stopping", "time": event.at, "reason": event.reason}
        case ProblemDetected() | ProblemRepeated() | ProblemUpdated() | ProblemResolved():
            what = {
                ProblemDetected: "detected",
                ProblemRepeated: "repeated",
                ProblemUpdated: "updated",
                ProblemResolved: "resolved",
            }[type(event)]
            problem = event.problem
            if what == "resolved":
                at = problem.resolved_at if problem.resolved_at is not None else time.time()
            else:
                at = problem.last_seen
            return {
                "kind": "problem",
                "time": at,
                "event": what,
                "problem": problem_record(problem),
            }
        case PushSettled():
            return {
                "kind": "push",
                "time": event.at,
                "process": event.process,
                "attempt": event.attempt,
                "succeeded": event.succeeded,
                "problems": [p.fingerprint for p in event.problems],
            }
        case FilesChanged():
            return {"kind": "files-changed", "time": event.at, "paths": list(event.paths)}
        case LintChecked():
            return {
                "kind": "lint",
                "time": event.at,
                "folder": event.folder,
                "files": event.files,
                "violations": event.violations,
                "changed": list(event.changed),
                "unreadable": list(event.unreadable),
                "note": event.note,
            }
        case MemorySampled():
            return {
                "kind": "memory",
                "time": event.at,
                "process": event.process,
                "rss": event.rss_bytes,
                "pids": len(event.pids),
                "level": event.level,
            }
        case MemoryThresholdCrossed():
            return {
                "kind": "memory-threshold",
                "time": event.at,
                "process": event.process,
                "level": event.level,
                "rss": event.rss_bytes,
                "threshold": event.threshold_bytes,
            }
        case OutputLines():
            raise TypeError("output lines are written by layout.lines_record")
        case _:
            assert_never(event)
