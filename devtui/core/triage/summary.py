"""`devtui triage --summary`: a session's grouped problems as a JSON-ready document.

Invariant: reads only what opening a `TriageSession` reads (the header, and one pass that
finds the non-line records and counts the lines), so it answers in well under a second for
any log size and never loads a user interface.
"""

from __future__ import annotations

import os

from devtui.core.redact import Redactor
from devtui.core.sessionlog.records import iso_time
from devtui.core.triage.session import TriageSession


def summary_document(session: TriageSession) -> dict[str, object]:
    """The summary (field names are the contract; README, "Log triage"), redacted again
    (the log was redacted when written; this catches what a pattern learned since)."""
    document = _document(session)
    redacted = Redactor().redact_value(document)
    assert isinstance(redacted, dict)
    return redacted


def _document(session: TriageSession) -> dict[str, object]:
    info = session.info
    problems = session.problems
    counts = {"error": 0, "warning": 0, "info": 0, "resolved": 0}
    for problem in problems:
        key = "resolved" if problem.resolved else problem.severity
        counts[key] = counts.get(key, 0) + 1
    return {
        "log": os.fspath(session.path),
        "origin": info.origin,
        "started": iso_time(info.started) if info.started is not None else None,
        "ended": iso_time(info.ended) if info.ended is not None else None,
        "exit_code": info.exit_code,
        "processes": list(info.processes),
        "lines": session.line_count,
        "skipped_records": session.skipped_records,
        "counts": counts,
        "problems": [
            {
                "rule": p.rule,
                "severity": p.severity,
                "title": p.title,
                "message": p.message,
                "process": p.process,
                "location": p.location or None,
                "file": p.file,
                "line": p.line,
                "column": p.column,
                "symbol": p.symbol,
                "count": p.count,
                "sources": list(p.sources),
                "first_seen": iso_time(p.first_seen),
                "last_seen": iso_time(p.last_seen),
                "resolved": p.resolved,
                "fix": p.fix,
                "docs": p.docs or None,
            }
            for p in problems
        ],
    }
