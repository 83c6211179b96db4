"""When `devtui ci` is done waiting, and with which exit code.

Invariant: pure; fed the core events in order, `CiJudge` gives one verdict: every process
ready (0), one ended before it was ready (1), one timed out (3), or an error-severity
problem appeared (4, failing fast: the Convex CLI never exits on a code error).
"""

from __future__ import annotations

from dataclasses import dataclass

from devtui.core.events import (
    Event,
    ProblemDetected,
    ProblemRepeated,
    ProcessState,
    ProcessStateChanged,
    ReadyTimedOut,
)
from devtui.core.problems import Severity
from devtui.core.slot import OOM_RULE
from devtui.core.units import format_seconds
from devtui.errors import ExitCode
from devtui.headless.diagnostics import problem_headline


@dataclass(frozen=True, slots=True)
class Verdict:
    """How the wait for readiness ended."""

    code: ExitCode
    reason: str
    """One line for the user and `exit_reason` in `--json`."""
    details: tuple[str, ...] = ()
    """Supporting lines (a process's last output)."""


class CiJudge:
    """Watches events until every named process is ready or something fails."""

    def __init__(self, processes: list[str], restart_on_oom: frozenset[str] = frozenset()) -> None:
        """Args:
        processes: Who must be ready.
        restart_on_oom: Processes with `on_oom = "restart-with-more-heap"`: running out of
            memory is not fatal for them (the restart decides; a final `oom` still fails).
        """
        self._waiting = set(processes)
        self._ready: set[str] = set()
        self._restart_on_oom = restart_on_oom

    @property
    def not_ready(self) -> list[str]:
        """Processes that have not been ready yet, sorted."""
        return sorted(self._waiting - self._ready)

    def observe(self, event: Event) -> Verdict | None:
        """Feed one event; return the verdict once there is one."""
        if isinstance(event, ProcessStateChanged) and event.process in self._waiting:
            if event.state is ProcessState.READY:
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
            forgiven = problem.rule == OOM_RULE and problem.process in self._restart_on_oom
            if problem.severity is Severity.ERROR and not problem.resolved and not forgiven:
                return Verdict(
                    ExitCode.PROBLEM, f"problem: {problem_headline(problem)}", problem.lines[:12]
                )
        return None
