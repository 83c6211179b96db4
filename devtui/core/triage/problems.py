"""A saved session's problems, grouped by fingerprint, each with every sighting.

Invariant: one fingerprint is one `TriageProblem`, whose fields are those of its latest
record (count, last seen, resolved), and whose occurrences are its `detected` and
`repeated` records in order, each naming the output lines it came from.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from devtui.core.problems.book import SEVERITY_RANK, Severity, location_text
from devtui.core.triage.index import SEVERITY_LEVEL, SessionIndex
from devtui.core.triage.records import EventRecord

SORT_KEYS: Final = ("severity", "count", "last seen", "first seen", "process", "title")
"""The orders a problems table offers; `severity` is the default."""


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One sighting of a problem."""

    time: float
    process: str
    seqs: tuple[int, ...]
    """Its lines in the process's output (empty for lint findings, which have none)."""
    lines: tuple[str, ...]
    """The text it came from, as recorded (what shows when there are no output lines)."""
    offset: int
    """Where its record sits in the log."""


@dataclass(slots=True)
class TriageProblem:
    """One problem of the session, as the session log tells it."""

    fingerprint: str
    rule: str
    severity: Severity
    title: str
    message: str
    process: str
    count: int
    first_seen: str
    last_seen: str
    resolved: bool
    file: str | None = None
    line: int | None = None
    column: int | None = None
    symbol: str | None = None
    explanation: str = ""
    fix: str = ""
    docs: str = ""
    lines: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    """Who reported it (`lint`, `push`, `output`, `memory`); empty in older logs."""
    occurrences: list[Occurrence] = field(default_factory=list)

    @property
    def location(self) -> str:
        """`file:line:col` as far as known, else ""."""
        return location_text(self.file, self.line, self.column)

    @property
    def level(self) -> int:
        """The line level its lines are marked with."""
        return SEVERITY_LEVEL[self.severity]


def group_problems(records: Iterable[EventRecord]) -> list[TriageProblem]:
    """The problems in `records`: open ones first, by severity, then most recent first."""
    problems: dict[str, TriageProblem] = {}
    for event in records:
        if event.kind != "problem":
            continue
        data = event.record.get("problem")
        if not isinstance(data, dict):
            continue
        key = str(data.get("fingerprint") or f"{data.get('rule')}|{data.get('message')}")
        known = problems.get(key)
        problem = _problem_of(key, data)
        if known is not None:
            problem.occurrences = known.occurrences
            problem.first_seen = known.first_seen
        problems[key] = problem
        what = event.record.get("event")
        if what in ("detected", "repeated"):
            problem.occurrences.append(_occurrence(event, data))
        elif what == "updated" and problem.occurrences:
            # The same occurrence, seen by another source: a push's output lines give
            # context that a lint finding has none of.
            seen = _occurrence(event, data)
            if seen.seqs and not problem.occurrences[-1].seqs:
                problem.occurrences[-1] = seen
    return sort_problems(list(problems.values()))


def sort_problems(problems: list[TriageProblem], by: str = "severity") -> list[TriageProblem]:
    """`problems` in the order `by` (one of `SORT_KEYS`). Ties keep the default order: open
    ones first, gravest first, then most recent first."""
    newest_first = sorted(problems, key=lambda p: p.last_seen, reverse=True)  # ISO times
    ordered = sorted(newest_first, key=lambda p: (p.resolved, SEVERITY_RANK[p.severity]))
    if by == "severity":
        return ordered
    keys = {
        "count": lambda p: -p.count,
        "last seen": lambda p: p.last_seen,
        "first seen": lambda p: p.first_seen,
        "process": lambda p: p.process,
        "title": lambda p: p.title.lower(),
    }
    return sorted(ordered, key=keys[by], reverse=by == "last seen")


def _problem_of(key: str, data: dict[str, object]) -> TriageProblem:
    def text(name: str) -> str:
        value = data.get(name)
        return "" if value is None else str(value)

    def number(name: str) -> int | None:
        value = data.get(name)
        return value if isinstance(value, int) else None

    lines = data.get("lines")
    sources = data.get("sources")
    return TriageProblem(
        fingerprint=key,
        rule=text("rule"),
        severity=_severity(text("severity")),
        title=text("title"),
        message=text("message"),
        process=text("process"),
        count=number("count") or 1,
        first_seen=text("first_seen"),
        last_seen=text("last_seen"),
        resolved=bool(data.get("resolved")),
        file=text("file") or None,
        line=number("line"),
        column=number("column"),
        symbol=text("symbol") or None,
        explanation=text("explanation"),
        fix=text("fix"),
        docs=text("docs"),
        lines=tuple(str(line) for line in lines) if isinstance(lines, list) else (),
        sources=tuple(str(s) for s in sources) if isinstance(sources, list) else (),
    )


def _severity(name: str) -> Severity:
    """A recorded severity (none: an error, as problems were before severities; one this
    devtui does not know: the mildest)."""
    if not name:
        return Severity.ERROR
    try:
        return Severity(name)
    except ValueError:
        return Severity.INFO


def _occurrence(event: EventRecord, data: dict[str, object]) -> Occurrence:
    seqs = data.get("occurrence")
    if not isinstance(seqs, list) or not seqs:  # logs before `occurrence` was recorded
        first = data.get("first_seq")
        seqs = [first] if isinstance(first, int) and event.record.get("event") == "detected" else []
    lines = data.get("lines")
    at = event.record.get("time")
    return Occurrence(
        time=float(at) if isinstance(at, int | float) else 0.0,
        process=str(data.get("process", "")),
        seqs=tuple(s for s in seqs if isinstance(s, int)),
        lines=tuple(str(line) for line in lines) if isinstance(lines, list) else (),
        offset=event.offset,
    )


@dataclass(frozen=True, slots=True)
class Context:
    """An occurrence's lines with the lines around them, from its process's output."""

    numbers: tuple[int, ...]
    """Line numbers (session-wide), in order."""
    marked: frozenset[int]
    """Which of them are the occurrence's own lines."""


def occurrence_context(index: SessionIndex, occurrence: Occurrence, around: int) -> Context:
    """The occurrence's lines and `around` lines of the same process before and after.

    Empty when its lines are not (yet) indexed or it has none (a lint finding).
    """
    own = [index.line_of_seq(occurrence.process, seq) for seq in occurrence.seqs]
    marked = frozenset(n for n in own if n is not None)
    pid = index.process_number(occurrence.process)
    if not marked or pid is None:
        return Context((), frozenset())
    lines = index.lines_of[pid]
    first = bisect_left(lines, min(marked))
    last = bisect_left(lines, max(marked))
    start = max(0, first - around)
    stop = min(len(lines), last + around + 1)
    return Context(tuple(lines[start:stop]), marked)


def mark_problem_lines(index: SessionIndex, problems: Iterable[TriageProblem]) -> None:
    """Raise the level of every problem line to its problem's severity."""
    for problem in problems:
        for occurrence in problem.occurrences:
            for seq in occurrence.seqs:
                number = index.line_of_seq(occurrence.process, seq)
                if number is not None and index.levels[number] < problem.level:
                    index.levels[number] = problem.level
