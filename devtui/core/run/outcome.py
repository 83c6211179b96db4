"""How a run of `devtui up` ended, as one exit code, for the TUI and headless alike.

Invariant: 0 when every process ended with code 0 or was stopped by devtui (or is still
running when the user stops everything), 1 when any ended badly; the reason names them.
"""

from __future__ import annotations

from collections.abc import Iterable

from devtui.core.events import ProcessState, ProcessStatus
from devtui.errors import ExitCode

_BAD_ENDINGS = frozenset(
    {
        ProcessState.CRASHED,
        ProcessState.OOM,
        ProcessState.CRASH_LOOP,
        ProcessState.BLOCKED,
        ProcessState.FAILED,
    }
)


def ended_badly(status: ProcessStatus) -> bool:
    """Whether a process's final state counts as a failure."""
    return status.state in _BAD_ENDINGS or (
        status.state is ProcessState.EXITED and status.exit_code != 0
    )


def up_outcome(statuses: Iterable[ProcessStatus]) -> tuple[ExitCode, str]:
    """The exit code and reason of `devtui up` from the processes' states."""
    bad = [s for s in statuses if ended_badly(s)]
    if not bad:
        return ExitCode.OK, "every process ended cleanly"
    names = ", ".join(f"{s.name} {s.state.value}" for s in bad)
    return ExitCode.PROCESS_FAILED, f"failed: {names}"


def killed_note(statuses: Iterable[ProcessStatus]) -> str:
    """`; convex needed SIGKILL (it ignored SIGINT and SIGTERM)` for the final line of a run
    whose stop had to kill processes, else "" (an `exit 0` alone would hide it)."""
    killed = [s.name for s in statuses if s.killed]
    if not killed:
        return ""
    verb = "needed" if len(killed) == 1 else "each needed"
    they = "it" if len(killed) == 1 else "they"
    return f"; {', '.join(killed)} {verb} SIGKILL ({they} ignored SIGINT and SIGTERM)"
