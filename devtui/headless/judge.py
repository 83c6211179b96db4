"""When `devtui ci` is done waiting, and with which exit code.

Invariant: pure; fed the core events in order (and asked about the time in between), a
`CiJudge` gives one verdict: every process ready (0), one ended before it was ready (1),
one timed out (3), or an error-severity problem appeared (4, failing fast: the Convex CLI
never exits on a code error). A push problem fails once its push attempt is over, so the
verdict carries every error that attempt printed (tsc's diagnostics come a second after
its header). A deployment the CLI keeps retrying fails only after `retry_bounds` seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from devtui.core.events import (
    Event,
    ProblemDetected,
    ProblemRepeated,
    ProblemResolved,
    ProcessState,
    ProcessStateChanged,
    PushSettled,
    ReadyTimedOut,
)
from devtui.core.problems.book import SEVERITY_RANK, Problem, Severity
from devtui.core.run.slot import OOM_RULE
from devtui.core.units import format_seconds
from devtui.errors import ExitCode
from devtui.headless.diagnostics import problem_headline

RETRYING_RULE = "deployment-retrying"
"""The warning of a deployment the Convex CLI keeps retrying."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """How the wait for readiness ended."""

    code: ExitCode
    reason: str
    """One line for the user and `exit_reason` in `--json`."""
    details: tuple[str, ...] = ()
    """Supporting lines (a process's last output)."""


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
        ExitCode.PROBLEM, f"problem: {problem_headline(problem)}", (*problem.lines[:12], *others)
    )
