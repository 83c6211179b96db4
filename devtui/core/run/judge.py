"""When `devtui ci` (and a control client's `wait`) is done waiting, and with which exit
code.

Invariant: pure; fed the core events in order (and asked about the time in between), a
`CiJudge` gives one verdict: every process ready (0), one ended before it was ready (1),
one timed out (3), or an error-severity problem appeared (4, failing fast: the Convex CLI
never exits on a code error). A push problem fails once its push attempt is over, so the
verdict carries every error that attempt printed (tsc's diagnostics come a second after
its header). A deployment the CLI keeps retrying fails only after `retry_bounds` seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from devtui.core.bus import Subscription
from devtui.core.config.model import Config, OomPolicy, ProcessKind
from devtui.core.events import (
    Event,
    ProblemDetected,
    ProblemRepeated,
    ProblemResolved,
    ProcessState,
    ProcessStateChanged,
    ProcessStatus,
    PushSettled,
    ReadyTimedOut,
)
from devtui.core.problems.book import SEVERITY_RANK, Problem, Severity, problem_headline
from devtui.core.run.slot import OOM_RULE
from devtui.core.units import format_seconds
from devtui.errors import ExitCode

RETRYING_RULE = "deployment-retrying"
_UNDER_WAY: Final = frozenset(
    {
        ProcessState.PUSHING,
        ProcessState.STARTING,
        ProcessState.RESTARTING,
        ProcessState.CONNECTING,
    }
)
"""States in which a process is working on its next outcome."""
"""The warning of a deployment the Convex CLI keeps retrying."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """How the wait for readiness ended."""

    code: ExitCode
    reason: str
    """One line for the user and `exit_reason` in `--json`."""
    details: tuple[str, ...] = ()
    """Supporting lines (a process's last output)."""
    problem: Problem | None = None
    """The problem that failed it (code 4)."""


@dataclass(slots=True)
class _Retrying:
    """A deployment failing while the CLI retries: since when, and how often."""

    since: float
    attempts: int
    message: str


class CiJudge:
    """Watches events until every named process is ready or something fails."""

    def __init__(
        self,
        processes: list[str],
        restart_on_oom: frozenset[str] = frozenset(),
        retry_bounds: Mapping[str, float] | None = None,
    ) -> None:
        """Args:
        processes: Who must be ready.
        restart_on_oom: Processes with `on_oom = "restart-with-more-heap"`: running out of
            memory is not fatal for them (the restart decides; a final `oom` still fails).
        retry_bounds: For each process, how many seconds its deployment may keep failing
            while the CLI retries before that fails the run (its `retry_timeout`).
        """
        self._waiting = set(processes)
        self._ready: set[str] = set()
        self._restart_on_oom = restart_on_oom
        self._retry_bounds = dict(retry_bounds or {})
        self._retrying: dict[str, _Retrying] = {}
        self._present: Verdict | None = None

    @classmethod
    def for_config(cls, config: Config) -> CiJudge:
        """A judge of every process of `config`, with its OOM and retry policies."""
        return cls(
            list(config.processes),
            frozenset(
                p.name
                for p in config.processes.values()
                if p.on_oom is OomPolicy.RESTART_WITH_MORE_HEAP
            ),
            {
                p.name: p.retry_timeout
                for p in config.processes.values()
                if p.kind is ProcessKind.CONVEX
            },
        )

    def seed(self, statuses: Iterable[ProcessStatus], problems: Iterable[Problem]) -> None:
        """Start from a running stack's present (a control client's `wait` mid-run): who is
        ready now, and what already failed it (see `at_present`): an open error counts only
        for a process whose push failed or that ended, not one pushing again."""
        statuses_seen = list(statuses)
        for status in statuses_seen:
            if status.name not in self._waiting:
                continue
            if status.state is ProcessState.READY:
                self._ready.add(status.name)
            elif status.state.is_final and self._present is None:
                self._present = Verdict(
                    ExitCode.PROCESS_FAILED, f"{status.name} {status.state.value}: {status.reason}"
                )
        # An open error fails the wait only where nothing is under way that could clear it:
        # a process whose push failed, or one that ended; a push in progress is waited for.
        settled = {
            status.name
            for status in statuses_seen
            if status.state is ProcessState.PUSH_FAILED or status.state.is_final
        }
        errors = sorted(
            (p for p in problems if self._fails(p) and p.process in settled),
            key=lambda p: (SEVERITY_RANK[p.severity], -p.last_seen),
        )
        if errors and self._present is None:
            others = tuple(f"also: {problem_headline(p)}" for p in errors[1:])
            self._present = _failure(errors[0], others)

    def moved_on(self, event: Event) -> bool:
        """Whether `event` starts something that may clear the present's failure (a new
        push or launch of the process that failed)."""
        present = self._present
        return (
            present is not None
            and present.problem is not None
            and isinstance(event, ProcessStateChanged)
            and event.process == present.problem.process
            and event.state in _UNDER_WAY
        )

    def forget_present(self) -> None:
        """The present's failure is being worked on: judge what happens next."""
        self._present = None

    def at_present(self) -> Verdict | None:
        """The verdict on the seeded present: ready if every process is ready now (open
        problems or not), else what already failed it, else None (wait for events)."""
        if self._ready >= self._waiting:
            return Verdict(ExitCode.OK, "all processes ready")
        return self._present

    @property
    def not_ready(self) -> list[str]:
        """Processes that have not been ready yet, sorted."""
        return sorted(self._waiting - self._ready)

    @property
    def deadline(self) -> float | None:
        """When a deployment still failing will have failed for too long (wall clock)."""
        ends = [
            retrying.since + self._retry_bounds[name]
            for name, retrying in self._retrying.items()
            if name in self._retry_bounds
        ]
        return min(ends, default=None)

    def at_time(self, now: float) -> Verdict | None:
        """The verdict, if a retry bound has passed by `now`."""
        for name, retrying in self._retrying.items():
            bound = self._retry_bounds.get(name)
            if bound is None or now < retrying.since + bound:
                continue
            attempts = f"{retrying.attempts} attempt{'s' if retrying.attempts != 1 else ''}"
            return Verdict(
                ExitCode.PROBLEM,
                f"{name}: the deployment kept failing for {format_seconds(now - retrying.since)}"
                f" ({attempts}; retry_timeout = {bound:g} s): {retrying.message}",
            )
        return None

    def observe(self, event: Event) -> Verdict | None:
        """Feed one event; return the verdict once there is one."""
        if isinstance(event, ProcessStateChanged) and event.process in self._waiting:
            if event.state is ProcessState.READY:
                self._retrying.pop(event.process, None)
                self._ready.add(event.process)
                if self._ready >= self._waiting:
                    return Verdict(ExitCode.OK, "all processes ready")
            elif event.state.is_final:
                what = "died" if event.process in self._ready else "failed"
                return Verdict(
                    ExitCode.PROCESS_FAILED,
                    f"{event.process} {what}: {event.reason}",
                    event.last_lines,
                )
        elif isinstance(event, ReadyTimedOut) and event.process in self._waiting:
            return Verdict(
                ExitCode.READY_TIMEOUT,
                f"{event.process} not ready after {format_seconds(event.timeout_s)} "
                f"(waiting for /{event.waited_for}/)",
                event.last_lines,
            )
        elif isinstance(event, ProblemDetected | ProblemRepeated):
            problem = event.problem
            if problem.rule == RETRYING_RULE:
                self._note_retry(problem)
            elif self._fails(problem) and problem.attempt is None:
                return _failure(problem, ())
        elif isinstance(event, ProblemResolved) and event.problem.rule == RETRYING_RULE:
            self._retrying.pop(event.problem.process, None)
        elif isinstance(event, PushSettled) and not event.succeeded:
            errors = [p for p in event.problems if self._fails(p)]
            if errors:
                errors.sort(key=lambda p: SEVERITY_RANK[p.severity])
                others = tuple(f"also: {problem_headline(p)}" for p in errors[1:])
                return _failure(errors[0], others)
        return None

    def _fails(self, problem: Problem) -> bool:
        forgiven = problem.rule == OOM_RULE and problem.process in self._restart_on_oom
        return problem.severity is Severity.ERROR and not problem.resolved and not forgiven

    def _note_retry(self, problem: Problem) -> None:
        known = self._retrying.get(problem.process)
        if known is None:
            self._retrying[problem.process] = _Retrying(problem.last_seen, 1, problem.message)
        else:
            known.attempts += 1
            known.message = problem.message


def _failure(problem: Problem, others: tuple[str, ...]) -> Verdict:
    return Verdict(
        ExitCode.PROBLEM,
        f"problem: {problem_headline(problem)}",
        (*problem.lines[:12], *others),
        problem,
    )


async def first_verdict(
    judge: CiJudge, events: Subscription, clock: Callable[[], float]
) -> Verdict | None:
    """The judge's verdict on the events as they come (and on the time, for a deployment
    the CLI keeps retrying); None if the event stream ends first."""
    while True:
        deadline = judge.deadline
        wait = None if deadline is None else max(0.0, deadline - clock())
        try:
            async with asyncio.timeout(wait):
                batch = await events.next_batch()
        except TimeoutError:
            verdict = judge.at_time(clock())
            if verdict is not None:
                return verdict
            continue
        if not batch:
            return None
        for event in batch:
            verdict = judge.observe(event)
            if verdict is not None:
                return verdict
