"""`devtui triage --summary`: a session's grouped problems as a JSON-ready document.

Invariant: reads only the header and the non-line records, plus one counting pass for the
number of output lines, so it answers in well under a second for any log size and never
loads a user interface.
"""

from __future__ import annotations

import os
from typing import Final

from devtui.core.sessionlog import iso_time
from devtui.core.triage.index import LINE_PREFIX
from devtui.core.triage.session import TriageSession

COUNT_CHUNK: Final = 8 << 20


def count_lines(session: TriageSession) -> int:
    """How many output lines the log holds (whole records only)."""
    total = 0
    carry = b""
    with open(session.path, "rb") as handle:
        while block := handle.read(COUNT_CHUNK):
            data = carry + block
            cut = data.rfind(b"\n") + 1
            total += data.count(LINE_PREFIX, 0, cut)
            carry = data[cut:]
    return total


def summary_document(session: TriageSession) -> dict[str, object]:
    """The summary (field names are the contract; README, "Log triage")."""
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
        "lines": count_lines(session),
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
                "first_seen": p.first_seen,
                "last_seen": p.last_seen,
                "resolved": p.resolved,
                "fix": p.fix,
                "docs": p.docs or None,
            }
            for p in problems
        ],
    }
