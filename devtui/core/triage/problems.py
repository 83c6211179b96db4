"""A saved session's problems, grouped by fingerprint, each with every sighting.

Invariant: one fingerprint is one `TriageProblem`, the core's `Problem` as its latest
record says (count, last seen, resolved; first seen from its first record), whose
occurrences are its `detected` and `repeated` records in order, each naming the output
lines it came from.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any, Final

from devtui.core.problems.book import SEVERITY_RANK, Problem
from devtui.core.problems.line_levels import SEVERITY_LEVEL
from devtui.core.sessionlog.records import problem_from_record
from devtui.core.triage.index import SessionIndex
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


@dataclass(frozen=True, slots=True)
class TriageProblem(Problem):
    """One problem of the session, as the session log tells it: the core's `Problem` (its
    latest record, decoded by `problem_from_record`) with every sighting of it."""

    occurrences: tuple[Occurrence, ...] = ()

    @classmethod
    def of(cls, problem: Problem, occurrences: tuple[Occurrence, ...]) -> TriageProblem:
        """`problem` with its sightings."""
        values: dict[str, Any] = {f.name: getattr(problem, f.name) for f in fields(Problem)}
        return cls(**values, occurrences=occurrences)

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
        decoded = problem_from_record(data, at=event.time or 0.0)
        known = problems.get(decoded.fingerprint)
        occurrences = known.occurrences if known is not None else ()
        what = event.text("event")
        if what in ("detected", "repeated"):
            occurrences = (*occurrences, _occurrence(event, decoded))
        elif what == "updated" and occurrences:
            # The same occurrence, seen by another source: a push's output lines give
            # context that a lint finding has none of.
            seen = _occurrence(event, decoded)
            if seen.seqs and not occurrences[-1].seqs:
                occurrences = (*occurrences[:-1], seen)
        if known is not None:
            decoded = replace(decoded, first_seen=known.first_seen)
        problems[decoded.fingerprint] = TriageProblem.of(decoded, occurrences)
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


def _occurrence(event: EventRecord, problem: Problem) -> Occurrence:
    seqs = problem.occurrence_seqs
    if not seqs and problem.first_seq is not None and event.text("event") == "detected":
        seqs = (problem.first_seq,)  # logs before `occurrence` was recorded
    return Occurrence(
        time=event.time or 0.0,
        process=problem.process,
        seqs=seqs,
        lines=problem.lines,
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
