"""One saved session opened for triage: its header, problems, states and line index.

Invariant: opening reads only the header and the non-line records (fast at any size); the
line index is built by `build`, which the caller runs in a worker thread; `refresh` picks
up what a live session wrote since.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devtui.core.triage.index import SessionIndex
from devtui.core.triage.problems import TriageProblem, group_problems, mark_problem_lines
from devtui.core.triage.records import EventRecord, scan_records


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What the header and the end record say about the run."""

    started: float | None
    ended: float | None
    exit_code: int | None
    origin: str
    processes: tuple[str, ...]


class TriageSession:
    """A session log, ready to be triaged."""

    def __init__(self, path: Path) -> None:
        """Open `path`; raises `NotASessionLog` if it is not a session log."""
        self.path = path
        self.index = SessionIndex(path)
        self.records: list[EventRecord] = []
        self.problems: list[TriageProblem] = []
        self.line_count = 0
        """Output lines in the log when the records were last read (before any indexing)."""
        self.skipped_records = 0
        """Problem, state and end records that could not be read (cut short, damaged)."""
        self.reload_records()

    def reload_records(self) -> None:
        """Read the problem, state and end records again (the file may have grown)."""
        scan = scan_records(self.path)
        problems = group_problems(scan.records)
        # Each list is replaced whole, never changed in place: a reader on the UI thread
        # holds a consistent list, whichever one it took.
        self.records, self.problems, self.line_count = scan.records, problems, scan.lines
        self.skipped_records = scan.skipped

    def build(
        self, cancel: threading.Event | None = None, on_chunk: Callable[[], None] | None = None
    ) -> None:
        """Index the lines (blocking; run it in a worker thread), then mark problem lines."""
        self.index.build(cancel, on_chunk)
        if self.index.done:
            mark_problem_lines(self.index, self.problems)

    def refresh(self, cancel: threading.Event | None = None) -> None:
        """Take in what was written since opening (the live session keeps writing)."""
        self.reload_records()
        self.build(cancel)

    @property
    def info(self) -> SessionInfo:
        header = self.index.header
        started = header.get("time")
        ended: float | None = None
        exit_code: int | None = None
        for event in reversed(self.records):
            if event.kind == "end":
                ended, exit_code = event.time, event.integer("exit_code")
                break
        declared = header.get("processes")
        names = (
            tuple(str(p.get("name")) for p in declared if isinstance(p, dict))
            if isinstance(declared, list)
            else ()
        )
        return SessionInfo(
            float(started) if isinstance(started, int | float) else None,
            ended,
            exit_code,
            str(header.get("origin", "")),
            names,
        )

    def close(self) -> None:
        """Release the files."""
        self.index.close()
