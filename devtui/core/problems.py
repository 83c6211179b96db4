"""Problems: what went wrong, where, and how often, deduplicated by fingerprint.

Invariant: one fingerprint (rule + file + symbol, never times or durations) is one
`Problem`; seeing it again grows its count and moves `last_seen`, it never adds a second.
`ProblemBook` is the single owner of that bookkeeping for a run; the TUI, the headless
printer and the `--json` summary all read the problems it produced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final


class Severity(StrEnum):
    """How much a problem matters; `error` makes `devtui ci` fail fast."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


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
    resolved: bool = False

    @property
    def location(self) -> str:
        """`file:line:col` as far as known, else ""."""
        if not self.file:
            return ""
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


def fingerprint(rule: str, file: str | None, symbol: str | None) -> str:
    """The identity of a problem across repeats: rule + file + symbol."""
    return f"{rule}|{file or ''}|{symbol or ''}"


class ProblemBook:
    """All problems of a run, keyed by fingerprint."""

    def __init__(self) -> None:
        self._by_fingerprint: dict[str, Problem] = {}

    def record(self, problem: Problem) -> tuple[Problem, bool]:
        """Add a sighting. Returns the stored problem and whether it is new.

        A repeat of a resolved problem reopens it.
        """
        known = self._by_fingerprint.get(problem.fingerprint)
        if known is None:
            self._by_fingerprint[problem.fingerprint] = problem
            return problem, True
        updated = replace(known, count=known.count + 1, last_seen=problem.last_seen, resolved=False)
        self._by_fingerprint[problem.fingerprint] = updated
        return updated, False

    def resolve(self, process: str, rule_prefixes: tuple[str, ...] = ()) -> list[Problem]:
        """Mark the open problems of `process` resolved (optionally only some rules)."""
        resolved: list[Problem] = []
        for key, problem in self._by_fingerprint.items():
            if problem.process != process or problem.resolved:
                continue
            if rule_prefixes and not problem.rule.startswith(rule_prefixes):
                continue
            updated = replace(problem, resolved=True)
            self._by_fingerprint[key] = updated
            resolved.append(updated)
        return resolved

    def all(self) -> list[Problem]:
        """Every problem, in the order first seen."""
        return list(self._by_fingerprint.values())


# ---------------------------------------------------------------- push failures

_GENERIC_PUSH_LINES: Final = re.compile(
    r"""^\s*(?:
        ✖\s*$                                   # the CLI's bare marker before a hint
      | ✖\s*Error:\ Unable\ to\ start\ push     # wrapper around the server's answer
      | ✖\s*Error\ fetching\ \w+\s              # the HTTP request that carried the error
      | Loading\ the\ pushed\ modules\ encountered
      | error:\s*$
      | $
    )""",
    re.VERBOSE,
)
_MARKER: Final = re.compile(r"^\s*(?:✘ \[ERROR\]|✖)\s*")
_LOCATION: Final = re.compile(
    r"^\s*(?P<file>(?:[\w.@$-]+/)*[\w.@$-]+\.(?:[cm]?[jt]sx?|json)):(?P<line>\d+):(?P<col>\d+)"
)
_VOLATILE: Final = re.compile(r"https?://\S+|\d+(?:\.\d+)?")


@dataclass(frozen=True, slots=True)
class PushFailureSummary:
    """The most telling line of a failed push's error block, and the place it names."""

    headline: str
    file: str | None
    line: int | None
    column: int | None


def summarize_push_failure(block: list[str]) -> PushFailureSummary:
    """Pick the line that says what went wrong, skipping the CLI's generic wrappers.

    `✖ Error: Unable to start push …` and `Error fetching POST …` only say *that* the push
    failed; the deployment's reason comes lines later (e.g. "`createChatMessage` defined in
    `agent.js` is a Mutation function…"), and esbuild's `✘ [ERROR]` line is specific itself.
    """
    headline = ""
    for text in block:
        if not _GENERIC_PUSH_LINES.match(text):
            headline = _MARKER.sub("", text).strip()
            break
    if not headline:
        headline = next((_MARKER.sub("", t).strip() for t in block if t.strip()), "push failed")
    for text in block:
        match = _LOCATION.match(text)
        if match:
            return PushFailureSummary(
                headline, match["file"], int(match["line"]), int(match["col"])
            )
    return PushFailureSummary(headline, None, None, None)


def push_failure_problem(
    process: str, block: list[str], at: float, first_seq: int | None
) -> Problem:
    """The generic `push-failed` problem for a Convex error block."""
    summary = summarize_push_failure(block)
    symbol = _VOLATILE.sub("#", summary.headline)[:200]
    return Problem(
        rule="push-failed",
        severity=Severity.ERROR,
        title="Convex push failed",
        message=summary.headline,
        process=process,
        fingerprint=fingerprint("push-failed", summary.file, symbol),
        first_seen=at,
        last_seen=at,
        file=summary.file,
        line=summary.line,
        column=summary.column,
        symbol=symbol,
        explanation="The Convex CLI could not push your functions; the deployment still "
        "runs the last good push, so the app may be serving stale code.",
        fix="Read the error above, fix the file it names and save: `convex dev` pushes again "
        "on every change.",
        lines=tuple(block),
        first_seq=first_seq,
    )
