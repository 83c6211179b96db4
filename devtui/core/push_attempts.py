"""Convex push attempts: which problems each attempt reported, and when it is over.

Invariant: each attempt is the truth about push problems. When an attempt is over (it
reached ready, or every error it printed has been read), each open push problem of the
process that it did not report is resolved, with the time, and a `PushSettled` event
follows; a later attempt reporting it again reopens the same problem. A problem reported
twice within one attempt is one occurrence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Final

from devtui.core.bus import EventBus
from devtui.core.events import ProblemResolved, PushSettled
from devtui.core.problems import Problem, ProblemBook
from devtui.core.sightings import report_sighting

QUIET_S: Final = 0.6
"""A failed attempt is over once its output has been quiet this long (the CLI prints an
attempt's errors together; a problem block closes after 0.25 s of quiet)."""
TYPECHECK_WAIT_S: Final = 10.0
"""After the typecheck header, how long to wait for tsc's diagnostics and their closing
`Found N errors` line (the CLI runs tsc again to print them: about a second here)."""


@dataclass(slots=True)
class PushAttempt:
    """One attempt at pushing, from `Preparing Convex functions...` to its outcome."""

    number: int
    started_at: float
    failed: bool = False
    typecheck_until: float | None = None
    """While set: the typecheck failed and tsc's diagnostics are awaited until then."""
    reported: dict[str, str] = field(default_factory=dict)
    """The push problems it reported, in order: fingerprint → rule."""
    held: list[Problem] = field(default_factory=list)
    """Problems waiting for the attempt's end (a rule's `superseded_by`)."""


class PushAttempts:
    """The push attempts of one Convex process over the whole run."""

    def __init__(
        self,
        process: str,
        push_rules: frozenset[str],
        superseded_by: dict[str, frozenset[str]],
        book: ProblemBook,
        bus: EventBus,
        clock: Callable[[], float],
    ) -> None:
        """Args:
        push_rules: The rules whose problems belong to a push attempt (`resolves`).
        superseded_by: Rules held until the attempt is over, with the rules whose
            problems replace them.
        """
        self._process = process
        self._push_rules = push_rules
        self._superseded_by = superseded_by
        self._book = book
        self._bus = bus
        self._clock = clock
        self._count = 0
        self.current: PushAttempt | None = None
        """The attempt under way (or failed and not yet over); None between attempts."""

    @property
    def unsettled_failure(self) -> bool:
        """Whether the current attempt failed and its errors may still be coming."""
        return self.current is not None and self.current.failed

    def settle_delay(self, now: float) -> float:
        """Seconds from `now` until a failed attempt with no more output is over."""
        attempt = self.current
        if attempt is not None and attempt.typecheck_until is not None:
            return max(QUIET_S, attempt.typecheck_until - now)
        return QUIET_S

    def begin(self) -> int:
        """A push begins; an attempt still open (a failed one) is over first."""
        if self.current is not None:
            self.settle(succeeded=False)
        self._count += 1
        self.current = PushAttempt(self._count, self._clock())
        return self._count

    def failed(self, typecheck: bool) -> None:
        """The current attempt failed (tsc's diagnostics follow when `typecheck`)."""
        if self.current is None:  # an error with no push begun: still one attempt
            self.begin()
        assert self.current is not None
        self.current.failed = True
        if typecheck:
            self.current.typecheck_until = self._clock() + TYPECHECK_WAIT_S

    def typecheck_reported(self) -> None:
        """tsc printed its closing `Found N errors` line: its diagnostics are all in."""
        if self.current is not None:
            self.current.typecheck_until = None

    def record(self, problem: Problem) -> None:
        """Record a problem the process's output showed, as part of the current attempt
        when it is a push problem and an attempt is under way."""
        attempt = self.current
        if problem.rule not in self._push_rules:
            self._publish(problem)
        elif attempt is None:  # between attempts: resolved by the next one, or ready
            self._publish(replace(problem, sources=("push",)))
        elif problem.rule in self._superseded_by:
            attempt.held.append(problem)
        else:
            attempt.reported[problem.fingerprint] = problem.rule
            self._publish(replace(problem, sources=("push",), attempt=attempt.number))

    def settle(self, succeeded: bool) -> None:
        """The current attempt is over: release what it held, resolve what it did not
        report, and say so (`PushSettled`)."""
        attempt, self.current = self.current, None
        at = self._clock()
        if attempt is None:  # ready with no push under way: nothing of any push is left
            if succeeded:
                for resolved in self._book.resolve(self._process, at, self._push_rules):
                    self._bus.publish(ProblemResolved(resolved))
            return
        for problem in attempt.held:
            replacements = self._superseded_by[problem.rule]
            if succeeded or not replacements.isdisjoint(attempt.reported.values()):
                continue
            attempt.reported[problem.fingerprint] = problem.rule
            self._publish(replace(problem, sources=("push",), attempt=attempt.number))
        keep = () if succeeded else tuple(attempt.reported)
        for resolved in self._book.resolve(self._process, at, self._push_rules, keep):
            self._bus.publish(ProblemResolved(resolved))
        reported = tuple(
            stored
            for key in attempt.reported
            if (stored := self._book.get(key)) is not None and not stored.resolved
        )
        self._bus.publish(PushSettled(self._process, attempt.number, succeeded, reported, at))

    def _publish(self, problem: Problem) -> None:
        report_sighting(self._book, self._bus, problem)
