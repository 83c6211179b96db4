"""Problems: what went wrong, where, and how often, deduplicated by fingerprint.

Invariant: one fingerprint (the rule family and the fields it groups by, by default file
and symbol; never times, durations, ports or URLs) is one `Problem`, whoever noticed it:
live lint and a Convex push reporting the same import are one problem with two sources.
Its count is the number of *occurrences* of the cause (a push attempt, a function call, a
lint pass that found it again after it was gone), never of lines or of reporters.
`ProblemBook` is the single owner of that bookkeeping for a run; the TUI, the headless
printer and the `--json` summary all read the problems it produced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final, Literal


class Severity(StrEnum):
    """How much a problem matters; `error` makes `devtui ci` fail fast."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_RANK: Final = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
"""Gravest first: how lists of problems are ordered."""

Source = Literal["lint", "push", "output", "memory"]
"""Who noticed a problem: live lint reading the source, a Convex push's output, any other
output of a process (function logs, Vite), or the memory sampler."""
Change = Literal["new", "repeat", "update"]
"""What a sighting did to the book: a new problem, a new occurrence of a known one (its
count grew), or more facts about the current occurrence (another source, a place)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One distinct problem, with where it came from and what to do about it."""

    rule: str
    """Stable rule id, e.g. `push-failed`."""
    severity: Severity
    title: str
    """What kind of problem, e.g. "Convex push failed"."""
    message: str
    """The specific line that says what happened."""
    process: str
    fingerprint: str
    first_seen: float
    """Wall-clock time first seen."""
    last_seen: float
    count: int = 1
    file: str | None = None
    line: int | None = None
    column: int | None = None
    symbol: str | None = None
    """The thing the problem is about (module name, function, …), when known."""
    explanation: str = ""
    fix: str = ""
    docs: str = ""
    lines: tuple[str, ...] = ()
    """The output lines it came from (ANSI-stripped), first occurrence."""
    first_seq: int | None = None
    """Sequence number of its first line in the process's output (for context lookups)."""
    occurrence_seqs: tuple[int, ...] = ()
    """Sequence numbers of the lines of its latest sighting (what a pane highlights)."""
    resolved: bool = False
    sources: tuple[Source, ...] = ()
    """Everyone who reported it during the run, first reporter first."""
    reporters: tuple[str, ...] = ()
    """Who reported its current occurrence and still stands by it: `lint`, or the name of
    the process whose output showed it (lint and the push of the same save are one
    occurrence; so are two Convex processes failing on the same file)."""
    attempt: int | None = None
    """The Convex push attempt its current occurrence belongs to (None: not a push's)."""
    resolved_at: float | None = None
    """Wall-clock time it was last resolved (None while open, or never resolved)."""

    @property
    def location(self) -> str:
        """`file:line:col` as far as known, else ""."""
        return location_text(self.file, self.line, self.column)


def location_text(file: str | None, line: int | None, column: int | None) -> str:
    """`file:line:col` as far as known, else ""."""
    if not file:
        return ""
    parts = [file]
    if line is not None:
        parts.append(str(line))
        if column is not None:
            parts.append(str(column))
    return ":".join(parts)


def problem_headline(problem: Problem) -> str:
    """`rule  file:line:col  message` as the headless line and CI messages show it."""
    parts = [problem.rule]
    if problem.location:
        parts.append(problem.location)
    parts.append(problem.message)
    return "  ".join(parts)


_VOLATILE: Final = re.compile(r"[a-z]+://\S+|\d+(?:[.,:]\d+)*")
"""URLs and numbers (ports, attempt counts, durations): they differ between sightings."""


def fingerprint(rule: str, parts: Iterable[str]) -> str:
    """The identity of a problem across repeats: the rule and what it groups by."""
    return "|".join((rule, *parts))


def stable_text(text: str) -> str:
    """`text` without the URLs and numbers that change from one sighting to the next."""
    return _VOLATILE.sub("#", text).strip()[:300]


class ProblemBook:
    """All problems of a run, keyed by fingerprint."""

    def __init__(self) -> None:
        self._by_fingerprint: dict[str, Problem] = {}

    def record(self, problem: Problem) -> tuple[Problem, Change]:
        """Add a sighting (its `sources[0]` says who saw it, `attempt` which push).

        Returns the stored problem and what the sighting was:

        - `new`: the first sighting of this fingerprint;
        - `repeat`: a new occurrence (the count grows): it was resolved, or the same
          source saw it again in another push attempt or another call;
        - `update`: the current occurrence seen by another source (lint and the push it
          predicted), or again within the same push attempt: the count stays.

        A repeat takes the sighting's words (a retry's attempt number moves on) and place,
        when it names one; an update keeps the occurrence's words and fills in a missing
        place.
        """
        source: Source = problem.sources[0] if problem.sources else "output"
        reporter = "lint" if source == "lint" else problem.process
        known = self._by_fingerprint.get(problem.fingerprint)
        if known is None:
            stored = replace(problem, sources=(source,), reporters=(reporter,))
            self._by_fingerprint[problem.fingerprint] = stored
            return stored, "new"
        same_occurrence = not known.resolved and (
            reporter not in known.reporters
            or (
                problem.attempt is not None
                and problem.attempt == known.attempt
                and problem.process == known.process
            )
        )
        sources = known.sources if source in known.sources else (*known.sources, source)
        if same_occurrence:
            stored = _merged(known, problem, source, sources, reporter)
            self._by_fingerprint[problem.fingerprint] = stored
            return stored, "update"
        place = _better_place(problem, known)
        stored = replace(
            known,
            count=known.count + 1,
            last_seen=problem.last_seen,
            message=problem.message,
            explanation=problem.explanation or known.explanation,
            fix=problem.fix or known.fix,
            process=problem.process,
            lines=problem.lines or known.lines,
            occurrence_seqs=problem.occurrence_seqs,
            resolved=False,
            resolved_at=None,
            file=place.file,
            line=place.line,
            column=place.column,
            symbol=known.symbol or problem.symbol,
            sources=sources,
            reporters=(reporter,),
            attempt=problem.attempt,
        )
        self._by_fingerprint[problem.fingerprint] = stored
        return stored, "repeat"

    def resolve(
        self,
        process: str,
        at: float,
        rules: Iterable[str] | None = None,
        keep: Iterable[str] = (),
    ) -> list[Problem]:
        """`process` no longer reports its open problems (only those of `rules`, if given),
        except the fingerprints in `keep` (what a failed push attempt reported again).

        A problem another process still reports stays open without `process`; the rest
        are resolved at `at` and returned.
        """
        wanted = None if rules is None else frozenset(rules)
        kept = frozenset(keep)
        resolved: list[Problem] = []
        for key, problem in self._by_fingerprint.items():
            if process not in problem.reporters or problem.resolved or key in kept:
                continue
            if wanted is not None and problem.rule not in wanted:
                continue
            others = tuple(r for r in problem.reporters if r != process)
            if any(other != "lint" for other in others):
                self._by_fingerprint[key] = replace(problem, reporters=others)
                continue
            updated = replace(problem, resolved=True, resolved_at=at)
            self._by_fingerprint[key] = updated
            resolved.append(updated)
        return resolved

    def resolve_fingerprint(self, key: str, at: float) -> Problem | None:
        """Mark one problem resolved; returns it, or None if unknown or already resolved."""
        problem = self._by_fingerprint.get(key)
        if problem is None or problem.resolved:
            return None
        updated = replace(problem, resolved=True, resolved_at=at)
        self._by_fingerprint[key] = updated
        return updated

    def relocate(self, key: str, line: int | None, column: int | None) -> None:
        """Move a known problem to another line of its file (the code above it changed)."""
        problem = self._by_fingerprint.get(key)
        if problem is not None:
            self._by_fingerprint[key] = replace(problem, line=line, column=column)

    def get(self, key: str) -> Problem | None:
        """The problem with fingerprint `key`, if any."""
        return self._by_fingerprint.get(key)

    def all(self) -> list[Problem]:
        """Every problem, in the order first seen."""
        return list(self._by_fingerprint.values())


def _better_place(first: Problem, second: Problem) -> Problem:
    """`first` if it names a file (and, in the same file, a line), else `second`."""
    if first.file is None:
        return second
    if first.line is None and second.file == first.file and second.line is not None:
        return second
    return first


def _merged(
    known: Problem,
    sighting: Problem,
    source: Source,
    sources: tuple[Source, ...],
    reporter: str,
) -> Problem:
    """`known`'s current occurrence, also seen by `sighting` (another source, or the same
    push attempt again): its count and words stay, what it lacked is filled in, and the
    output lines of a process (what its pane marks) win over a lint finding's none."""
    place = _better_place(known, sighting)
    from_output = source != "lint" and bool(sighting.occurrence_seqs)
    reporters = known.reporters if reporter in known.reporters else (*known.reporters, reporter)
    return replace(
        known,
        last_seen=max(known.last_seen, sighting.last_seen),
        process=sighting.process if from_output else known.process,
        lines=sighting.lines if from_output else known.lines or sighting.lines,
        occurrence_seqs=sighting.occurrence_seqs if from_output else known.occurrence_seqs,
        first_seq=known.first_seq if known.first_seq is not None else sighting.first_seq,
        file=place.file,
        line=place.line,
        column=place.column,
        symbol=known.symbol or sighting.symbol,
        sources=sources,
        reporters=reporters,
        attempt=sighting.attempt if from_output and sighting.attempt is not None else known.attempt,
    )
