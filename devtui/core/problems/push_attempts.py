"""Convex push attempts: which problems each attempt reported, and when it is over.

Invariant: each attempt is the truth about the push problems it could see. The CLI works
through a push in steps (its own file checks, bundling, the deployment's `start_push`, tsc;
a rule's `stage`): an attempt that failed at one step got through the earlier ones, and
says nothing about the later ones. When an attempt is over (it reached ready, or every error
it printed has been read), each open push problem of the process at a step it got through
that it did not report is resolved, with the time, and a `PushSettled` event follows; a
later attempt reporting it again reopens the same problem. A problem reported twice within
one attempt is one occurrence. An attempt that ended without an outcome (the process
stopped mid-push, or the next push began first) settles nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Final

from devtui.core.bus import EventBus
from devtui.core.events import ProblemResolved, PushSettled
from devtui.core.problems.book import Problem, ProblemBook
from devtui.core.problems.sightings import report_sighting

QUIET_S: Final = 0.6
"""A failed attempt is over once its errors have been quiet this long (the CLI prints an
attempt's errors together; a problem block closes after 0.25 s of quiet). Other output
(function logs of a running deployment) does not hold it open."""
LONGEST_S: Final = 5.0
"""However its errors keep coming, a failed attempt is over this long after it failed."""
TYPECHECK_WAIT_S: Final = 10.0
"""After the typecheck header, how long to wait for tsc's diagnostics and their closing
`Found N errors` line (the CLI runs tsc again to print them: about a second here)."""


@dataclass(slots=True)
class PushAttempt:
    """One attempt at pushing, from `Preparing Convex functions...` to its outcome."""

    number: int
    started_at: float
    failed_at: float | None = None
    """When it failed (None: it has not)."""
    last_error_at: float | None = None
    """When it last showed an error (its failure, or a problem it reported)."""
    typecheck_until: float | None = None
    """While set: the typecheck failed and tsc's diagnostics are awaited until then."""
    reported: dict[str, str] = field(default_factory=dict)
    """The push problems it reported, in order: fingerprint → rule."""
    held: list[Problem] = field(default_factory=list)
    """Problems waiting for the attempt's end (a rule's `superseded_by`)."""

    @property
    def failed(self) -> bool:
        return self.failed_at is not None


class PushAttempts:
    """The push attempts of one Convex process over the whole run."""

    def __init__(
        self,
        process: str,
        stages: Mapping[str, int],
        superseded_by: Mapping[str, frozenset[str]],
        book: ProblemBook,
        bus: EventBus,
        clock: Callable[[], float],
    ) -> None:
        """Args:
        stages: The rules whose problems belong to a push attempt (`resolves`), with the
            step of the push each one fails at (0: unknown, any failed attempt vouches).
        superseded_by: Rules held until the attempt is over, with the rules whose
            problems replace them.
        """
        self._process = process
        self._stages = dict(stages)
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
        """Seconds from `now` until the failed current attempt is over, if no more of its
        errors come: a quiet spell after its last error, at most `LONGEST_S` after it
        failed, or until tsc's diagnostics are due."""
        attempt = self.current
        if attempt is None or attempt.failed_at is None:
            return QUIET_S
        if attempt.typecheck_until is not None:
            return max(0.0, attempt.typecheck_until - now)
        quiet_end = (attempt.last_error_at or attempt.failed_at) + QUIET_S
        return max(0.0, min(quiet_end, attempt.failed_at + LONGEST_S) - now)

    def begin(self) -> int:
        """A push begins. A failed attempt still open is over first; one that had no
        outcome yet is dropped (it proved nothing)."""
        if self.current is not None and self.current.failed:
            self.settle(succeeded=False)
        self._count += 1
        self.current = PushAttempt(self._count, self._clock())
        return self._count

    def failed(self, typecheck: bool) -> None:
        """The current attempt failed (tsc's diagnostics follow when `typecheck`)."""
        if self.current is None:  # an error with no push begun: still one attempt
            self.begin()
        assert self.current is not None
        now = self._clock()
        self.current.failed_at = self.current.last_error_at = now
        if typecheck:
            self.current.typecheck_until = now + TYPECHECK_WAIT_S

    def touch(self) -> None:
        """Errors of the current attempt are still being read (a problem block is open)."""
        if self.current is not None:
            self.current.last_error_at = self._clock()

    def typecheck_reported(self) -> None:
        """tsc printed its closing `Found N errors` line: its diagnostics are all in."""
        if self.current is not None:
            self.current.typecheck_until = None

    def abandon(self) -> None:
        """The process ended: a failed attempt is over; one with no outcome proves nothing."""
        if self.current is not None and self.current.failed:
            self.settle(succeeded=False)
        self.current = None

    def record(self, problem: Problem) -> None:
        """Record a problem the process's output showed, as part of the current attempt
        when it is a push problem and an attempt is under way."""
        attempt = self.current
        if problem.rule not in self._stages:
            report_sighting(self._book, self._bus, problem)
            return
        if attempt is None:  # between attempts: resolved by the next one, or ready
            report_sighting(self._book, self._bus, replace(problem, sources=("push",)))
            return
        attempt.last_error_at = self._clock()
        if problem.rule in self._superseded_by:
            attempt.held.append(problem)
            return
        attempt.reported[problem.fingerprint] = problem.rule
        report_sighting(
            self._book, self._bus, replace(problem, sources=("push",), attempt=attempt.number)
        )

    def settle(self, succeeded: bool) -> None:
        """The current attempt is over: release what it held, resolve the push problems it
        vouches for and did not report, and say so (`PushSettled`)."""
        attempt, self.current = self.current, None
        at = self._clock()
        if attempt is None:  # ready with no push under way: nothing of any push is left
            if succeeded:
                self._resolve(at, list(self._stages), ())
            return
        for problem in attempt.held:
            replacements = self._superseded_by[problem.rule]
            if succeeded or not replacements.isdisjoint(attempt.reported.values()):
                continue
            attempt.reported[problem.fingerprint] = problem.rule
            report_sighting(
                self._book, self._bus, replace(problem, sources=("push",), attempt=attempt.number)
            )
        if succeeded:
            self._resolve(at, list(self._stages), ())
        else:
            reached = max((self._stages[rule] for rule in attempt.reported.values()), default=0)
            vouched = [rule for rule, stage in self._stages.items() if stage <= reached]
            self._resolve(at, vouched, tuple(attempt.reported))
        reported = tuple(
            stored
            for key in attempt.reported
            if (stored := self._book.get(key)) is not None and not stored.resolved
        )
        self._bus.publish(PushSettled(self._process, attempt.number, succeeded, reported, at))

    def _resolve(self, at: float, rules: list[str], keep: tuple[str, ...]) -> None:
        for resolved in self._book.resolve(self._process, at, rules, keep):
            self._bus.publish(ProblemResolved(resolved))
