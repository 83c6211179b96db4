"""The session log's records: the one definition of what each event writes, and of the
byte layout of output-line records.

Invariant: the writer (`line_records`) and every fast reader (`LINE_RECORD_PREFIX`,
`LINE_RECORD`) use this module, so the layout cannot change on one side only;
tests/unit/test_records.py writes awkward lines and reads them back through both the fast
pattern and `json.loads`. Anything that does not match the pattern is still JSON, which a
reader decodes the slow way.

Layout, one JSON object per line, keys in this order, no spaces:
    {"kind":"line","time":T,"process":"P","stream":"stdout","seq":N,"raw":"R"}
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Final

from devtui.core.events import (
    DescendantsLeft,
    Event,
    FilesChanged,
    LintChecked,
    MemorySampled,
    MemoryThresholdCrossed,
    ProblemDetected,
    ProblemRepeated,
    ProblemResolved,
    ProblemUpdated,
    ProcessStateChanged,
    ProcessUpdated,
    PushSettled,
    ReadyTimedOut,
    SignalSent,
    SupervisorStopping,
    SurvivorsFound,
)
from devtui.core.problems.book import Problem

LINE_RECORD_PREFIX: Final = b'{"kind":"line",'
"""How every output-line record starts; it cannot occur inside a record, whose quotes JSON
escapes."""
LINE_RECORD: Final = re.compile(
    rb'^\{"kind":"line","time":([-+0-9.eE]+),"process":"([^"\\\n]*)",'
    rb'"stream":"std(out|err)","seq":(\d+),"raw":"(.*)"\}$',
    re.MULTILINE,
)
"""`line_records`' exact layout: groups time, process, out|err, seq, the raw line still
JSON-escaped (a process name with characters JSON escapes takes the slow path)."""


def line_records(process: str, stream: str, at: float, first_seq: int, raws: Sequence[str]) -> str:
    """The JSON lines of one chunk of output, one record per line."""
    head = (
        f'{{"kind":"line","time":{at:.3f},"process":{encode_basestring(process)},'
        f'"stream":{encode_basestring(stream)},"seq":'
    )
    return "".join(
        f'{head}{seq},"raw":{encode_basestring(raw)}}}\n' for seq, raw in enumerate(raws, first_seq)
    )


def iso_time(at: float) -> str:
    """Wall-clock epoch seconds as an ISO 8601 UTC timestamp (`2026-11-22T04:27:19Z`)."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
    """Every event but `OutputLines` (which has a fast path) as a record."""
    if isinstance(event, ProcessStateChanged):
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
    if isinstance(event, ProcessUpdated):
        return {
            "kind": "update",
            "time": event.at,
            "process": event.process,
            "what": event.what,
            "url": event.status.url,
            "stale_since": event.status.stale_since,
            "cause": event.status.stale_cause,
        }
    if isinstance(event, ReadyTimedOut):
        return {
            "kind": "ready-timeout",
            "time": event.at,
            "process": event.process,
            "waited_for": event.waited_for,
            "timeout_s": event.timeout_s,
            "last_lines": list(event.last_lines),
        }
    if isinstance(event, SignalSent):
        return {
            "kind": "signal",
            "time": event.at,
            "process": event.process,
            "signal": event.signal_name,
            "pgid": event.pgid,
            "kill_at": event.kill_at,
        }
    if isinstance(event, SurvivorsFound):
        return {
            "kind": "survivors",
            "time": event.at,
            "process": event.process,
            "survivors": list(event.survivors),
        }
    if isinstance(event, DescendantsLeft):
        return {
            "kind": "descendants-left",
            "time": event.at,
            "process": event.process,
            "cause": event.cause,
            "descendants": list(event.descendants),
        }
    if isinstance(event, SupervisorStopping):
        return {"kind": "stopping", "time": event.at, "reason": event.reason}
    if isinstance(event, ProblemDetected | ProblemRepeated | ProblemUpdated | ProblemResolved):
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
        return {"kind": "problem", "time": at, "event": what, "problem": problem_record(problem)}
    if isinstance(event, PushSettled):
        return {
            "kind": "push",
            "time": event.at,
            "process": event.process,
            "attempt": event.attempt,
            "succeeded": event.succeeded,
            "problems": [p.fingerprint for p in event.problems],
        }
    if isinstance(event, FilesChanged):
        return {"kind": "files-changed", "time": event.at, "paths": list(event.paths)}
    if isinstance(event, LintChecked):
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
    if isinstance(event, MemorySampled):
        return {
            "kind": "memory",
            "time": event.at,
            "process": event.process,
            "rss": event.rss_bytes,
            "pids": len(event.pids),
            "level": event.level,
        }
    if isinstance(event, MemoryThresholdCrossed):
        return {
            "kind": "memory-threshold",
            "time": event.at,
            "process": event.process,
            "level": event.level,
            "rss": event.rss_bytes,
            "threshold": event.threshold_bytes,
        }
    raise TypeError(f"no session-log record for {type(event).__name__}")
