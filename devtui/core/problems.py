"""Problems: what went wrong, where, and how often, deduplicated by fingerprint.

Invariant: one fingerprint (the rule and the fields it groups by, by default file and
symbol; never times, durations, ports or URLs) is one `Problem`; seeing it again grows its
count and moves `last_seen`, it never adds a second.
`ProblemBook` is the single owner of that bookkeeping for a run; the TUI, the headless
printer and the `--json` summary all read the problems it produced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final


class Severity(StrEnum):
    """How much a problem matters; `error` makes `devtui ci` fail fast."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_RANK: Final = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
"""Gravest first: how lists of problems are ordered."""


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

    def record(self, problem: Problem) -> tuple[Problem, bool]:
        """Add a sighting. Returns the stored problem and whether it is new.

        A repeat of a resolved problem reopens it; a repeat that names the place the first
        sighting did not (a stack line after a bare error) fills it in.
        """
        known = self._by_fingerprint.get(problem.fingerprint)
        if known is None:
            self._by_fingerprint[problem.fingerprint] = problem
            return problem, True
        place = problem if known.file is None and problem.file is not None else known
        updated = replace(
            known,
            count=known.count + 1,
            last_seen=problem.last_seen,
            occurrence_seqs=problem.occurrence_seqs,
            resolved=False,
            file=place.file,
            line=place.line,
            column=place.column,
        )
        self._by_fingerprint[problem.fingerprint] = updated
        return updated, False

    def resolve(self, process: str, rules: Iterable[str] | None = None) -> list[Problem]:
        """Mark the open problems of `process` resolved (only those of `rules`, if given)."""
        wanted = None if rules is None else frozenset(rules)
        resolved: list[Problem] = []
        for key, problem in self._by_fingerprint.items():
            if problem.process != process or problem.resolved:
                continue
            if wanted is not None and problem.rule not in wanted:
                continue
            updated = replace(problem, resolved=True)
            self._by_fingerprint[key] = updated
            resolved.append(updated)
        return resolved

    def resolve_fingerprint(self, key: str) -> Problem | None:
        """Mark one problem resolved; returns it, or None if unknown or already resolved."""
        problem = self._by_fingerprint.get(key)
        if problem is None or problem.resolved:
            return None
        updated = replace(problem, resolved=True)
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
