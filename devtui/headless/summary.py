"""The end-of-run summary: a table on stderr and the `--json` document.

Invariant: both are built from the supervisor's final statuses and problem book, so the
table, the JSON and the TUI report the same numbers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from devtui.core.events import ProcessStatus
from devtui.core.memory.figures import mib
from devtui.core.problems.book import Problem, Severity
from devtui.core.sessionlog.records import problem_record, process_record
from devtui.core.units import format_seconds

COLUMNS = ("process", "state", "ready after", "pushes", "restarts", "exit", "peak memory")


def summary_table(
    statuses: list[ProcessStatus],
    problems: list[Problem],
    peaks: Mapping[str, int | None] | None = None,
) -> list[str]:
    """Plain-text lines of the summary table, then a problem count line.

    Args:
        peaks: Each process's peak tree RSS in bytes (None or missing: not sampled).
    """
    peaks = peaks or {}
    rows = [COLUMNS]
    for status in statuses:
        ready = format_seconds(status.ready_after_s) if status.ready_after_s is not None else "-"
        pushes = "-"
        if status.kind == "convex":
            failed = f" (+{status.failed_pushes} failed)" if status.failed_pushes else ""
            pushes = f"{status.pushes}{failed}"
        exit_code = "-" if status.exit_code is None else str(status.exit_code)
        state = status.state.value + (" (stale)" if status.stale_since is not None else "")
        if status.killed:  # its stop needed SIGKILL
            state += ", killed"
        peak = peaks.get(status.name)
        memory = mib(peak) if peak is not None else "-"
        rows.append((status.name, state, ready, pushes, str(status.restarts), exit_code, memory))
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    ]
    if problems:
        counts = {
            s: sum(1 for p in problems if p.severity is s and not p.resolved) for s in Severity
        }
        resolved = sum(1 for p in problems if p.resolved)
        parts = [f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items() if n]
        if resolved:
            parts.append(f"{resolved} resolved")
        lines.append("problems: " + ", ".join(parts))
    return lines


def json_summary(
    exit_code: int,
    exit_reason: str,
    statuses: list[ProcessStatus],
    problems: list[Problem],
    session_log: Path | None,
    peaks: Mapping[str, int | None] | None = None,
) -> dict[str, object]:
    """The `--json` document (field names are the contract; see design.md)."""
    peaks = peaks or {}
    processes = [process_record(s, peaks.get(s.name)) for s in statuses]
    return {
        "exit_code": exit_code,
        "exit_reason": exit_reason,
        "processes": processes,
        "problems": [problem_record(p) for p in problems],
        "session_log": str(session_log) if session_log else None,
    }


def write_json(path: Path, document: dict[str, object]) -> None:
    """Write `document` to `path` atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    temporary.replace(path)
