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
from devtui.core.memory.figures import mib
from devtui.core.units import clock_time, format_seconds
from devtui.core.vocabulary import STATE_SYMBOL as CORE_STATE_SYMBOL
from devtui.core.vocabulary import push_count_words

SPARK: Final = "▁▂▃▄▅▆▇█"

STATE_SYMBOL: Final = CORE_STATE_SYMBOL
"""The core's vocabulary (the strip, pane notes and titles use it)."""


NAME_COLOURS: Final = ("cyan", "magenta", "green", "yellow", "blue", "red")
"""Process names take these in config order (as the headless printer does), in every view."""


def name_styles(names: Sequence[str]) -> dict[str, Style]:
    """Each process name's colour, by its position among `names`."""
    return {name: Style(color=NAME_COLOURS[i % len(NAME_COLOURS)]) for i, name in enumerate(names)}


def sparkline(values: Sequence[float], width: int = 8) -> str:
    """The last `width` values as block characters, scaled from 0 to their max.

    From 0, not from the smallest value: 1.1 s against 690 ms is `█▅`, not `█▁` (a block
    as low as the scale goes would read as "almost nothing").
    """
    recent = list(values)[-width:]
    if not recent:
        return ""
    high = max(recent)
    if high < 1e-9:
        return SPARK[0] * len(recent)
    steps = len(SPARK) - 1
    return "".join(SPARK[max(0, round(value / high * steps))] for value in recent)


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
        return (
            f"starting… {elapsed}".rstrip()
            + (" (ready timeout passed)" if status.ready_timed_out else "")
            + _heap_note(status)
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
    if state is ProcessState.STOPPING:
        step = f" · {status.stop_signal} sent" if status.stop_signal else ""
        kill = (
            f" · SIGKILL in {format_seconds(max(0.0, status.kill_at - now))}"
            if status.kill_at is not None
            else ""
        )
        return f"stopping{step}{kill}"
    if state is ProcessState.READY:
        took = (
            f" in {format_seconds(status.launch_ready_s)}"
            if status.launch_ready_s is not None
            else ""
        )
        return f"ready{took}{_heap_note(status)}"
    if state.is_final:
        return status.reason
    return state.value


def _heap_note(status: ProcessStatus) -> str:
    """` · heap 8192 MiB` while a launch runs with a heap devtui raised."""
    return f" · heap {status.heap_mb} MiB" if status.heap_raised and status.heap_mb else ""


def push_summary(status: ProcessStatus) -> str:
    """Convex: `3 pushes ▂▅▃ 802ms`, `3 pushes (2 failed) …` (empty before the first push).

    The count is of every push attempt, the failed ones said inside it: `1 push, 2 failed`
    read as one push of which two failed.
    """
    counts = push_count_words(status.pushes, status.failed_pushes)
    if not counts:
        return ""
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
        ProcessState.STOPPING,
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
