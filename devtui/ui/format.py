"""Words and small pictures for the TUI: state labels with elapsed time, a push sparkline,
memory figures.

Invariant: pure functions of a `ProcessStatus` and the time, so what the status strip says
is tested without a screen and never decides anything the core did not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from rich.style import Style

from devtui.core.events import MemorySampled, ProcessState, ProcessStatus
from devtui.core.memory import mib
from devtui.core.units import clock_time, format_seconds

SPARK: Final = "▁▂▃▄▅▆▇█"

STATE_SYMBOL: Final[dict[ProcessState, str]] = {
    ProcessState.WAITING: "…",
    ProcessState.STARTING: "◌",
    ProcessState.CONNECTING: "◌",
    ProcessState.UNREACHABLE: "✖",
    ProcessState.PUSHING: "◌",
    ProcessState.READY: "●",
    ProcessState.PUSH_FAILED: "✖",
    ProcessState.RESTARTING: "↻",
    ProcessState.EXITED: "■",
    ProcessState.CRASHED: "✖",
    ProcessState.OOM: "✖",
    ProcessState.STOPPED: "■",
    ProcessState.CRASH_LOOP: "✖",
    ProcessState.BLOCKED: "✖",
    ProcessState.FAILED: "✖",
}


NAME_COLOURS: Final = ("cyan", "magenta", "green", "yellow", "blue", "red")
"""Process names take these in config order (as the headless printer does), in every view."""


def name_styles(names: Sequence[str]) -> dict[str, Style]:
    """Each process name's colour, by its position among `names`."""
    return {name: Style(color=NAME_COLOURS[i % len(NAME_COLOURS)]) for i, name in enumerate(names)}


def sparkline(values: Sequence[float], width: int = 8) -> str:
    """The last `width` values as block characters, scaled between their min and max."""
    recent = list(values)[-width:]
    if not recent:
        return ""
    low, high = min(recent), max(recent)
    if high - low < 1e-9:
        return SPARK[len(SPARK) // 2] * len(recent)
    steps = len(SPARK) - 1
    return "".join(SPARK[round((value - low) / (high - low) * steps)] for value in recent)


def display_state(status: ProcessStatus) -> str:
    """The state as the strip names it: `stale` wins over `ready` while a dependency is down."""
    if status.stale_since is not None and status.state.is_running:
        return "stale"
    return status.state.value


def state_detail(status: ProcessStatus, now: float, since: float | None) -> str:
    """What the process is doing, with elapsed time for anything one waits on.

    Args:
        status: The process's latest status.
        now: The current wall-clock time.
        since: When it entered its current state (wall clock), if known.
    """
    state = status.state
    elapsed = format_seconds(max(0.0, now - since)) if since is not None else ""
    if state is ProcessState.WAITING:
        return f"{status.reason}… {elapsed}".rstrip()
    if state is ProcessState.STARTING:
        return f"starting… {elapsed}".rstrip() + (
            " (ready timeout passed)" if status.ready_timed_out else ""
        )
    if state is ProcessState.CONNECTING:
        return f"connecting… {elapsed}".rstrip()
    if state is ProcessState.UNREACHABLE:
        return "deployment unreachable"
    if state is ProcessState.PUSHING:
        started = status.push_started_at or since
        took = format_seconds(max(0.0, now - started)) if started is not None else ""
        return f"pushing… {took}".rstrip()
    if state is ProcessState.PUSH_FAILED:
        return "push failed" + (f" {clock_time(since)}" if since is not None else "")
    if state is ProcessState.RESTARTING:
        left = max(0.0, (status.restart_at or now) - now)
        return f"restarting in {format_seconds(left)}"
    if state is ProcessState.READY:
        return "ready" + (
            f" in {format_seconds(status.ready_after_s)}"
            if status.ready_after_s is not None and status.restarts == 0
            else ""
        )
    if state.is_final:
        return status.reason
    return state.value


def push_summary(status: ProcessStatus) -> str:
    """Convex: `3 pushes ▂▅▃ 802ms` (empty before the first push)."""
    if status.pushes == 0 and status.failed_pushes == 0:
        return ""
    noun = "push" if status.pushes == 1 else "pushes"
    failed = f", {status.failed_pushes} failed" if status.failed_pushes else ""
    counts = f"{status.pushes} {noun}{failed}"
    last = f" {format_seconds(status.last_push_s)}" if status.last_push_s is not None else ""
    spark = sparkline(status.push_durations)
    return f"{counts} {spark}{last}".replace("  ", " ").strip()


def is_waiting(status: ProcessStatus) -> bool:
    """Whether the strip shows a running clock for this process (so it needs ticking)."""
    return status.state in (
        ProcessState.WAITING,
        ProcessState.STARTING,
        ProcessState.CONNECTING,
        ProcessState.PUSHING,
        ProcessState.RESTARTING,
    )


MEMORY_STYLE: Final = {
    "ok": Style(dim=True),
    "warn": Style(color="yellow", bold=True),
    "limit": Style(color="red", bold=True),
}
"""How a memory figure looks against its thresholds."""


def memory_summary(sample: MemorySampled) -> str:
    """`221 MiB ↗ 35 MiB/min` (the trend only when it moves by a MiB a minute or more)."""
    text = mib(sample.rss_bytes)
    growth = sample.growth_mb_per_min
    if growth is not None and abs(growth) >= 1:
        arrow = "↗" if growth > 0 else "↘"
        text += f" {arrow} {abs(growth):.0f} MiB/min"
    return text
