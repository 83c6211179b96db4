"""What the status strip says, without a screen."""

from __future__ import annotations

from devtui.core.events import ProcessState, ProcessStatus
from devtui.ui.format import display_state, push_summary, sparkline, state_detail


def test_sparkline_scales_between_min_and_max() -> None:
    assert sparkline([1.0, 2.0, 3.0]) == "▃▆█"
    assert sparkline([0.8, 0.8]) == "██"
    assert sparkline([1.1, 0.69]) == "█▅", "scaled from 0: 690 ms is not nearly nothing"
    assert sparkline([]) == ""
    assert len(sparkline([float(i) for i in range(20)], width=8)) == 8


def test_waits_show_elapsed_time() -> None:
    waiting = ProcessStatus("vite", "vite", ProcessState.WAITING, "waiting for convex")
    assert state_detail(waiting, now=114.0, since=100.0) == "waiting for convex… 14 s"
    pushing = ProcessStatus("convex", "convex", ProcessState.PUSHING, push_started_at=90.0)
    assert state_detail(pushing, now=104.0, since=None) == "pushing… 14 s"
    restarting = ProcessStatus("vite", "vite", ProcessState.RESTARTING, restart_at=104.0)
    assert state_detail(restarting, now=100.0, since=None) == "restarting in 4.0 s"


def test_ready_convex_summary_and_stale_naming() -> None:
    status = ProcessStatus(
        "convex",
        "convex",
        ProcessState.READY,
        ready_after_s=9.2,
        launch_ready_s=1.2,
        pushes=3,
        failed_pushes=1,
        last_push_s=0.802,
        push_durations=(0.9, 0.7, 0.802),
    )
    assert state_detail(status, 0, None) == "ready in 1.2 s"
    assert push_summary(status) == "4 pushes (1 failed) █▆▇ 802ms"
    once = ProcessStatus("convex", "convex", ProcessState.READY, pushes=1, failed_pushes=2)
    assert push_summary(once) == "3 pushes (2 failed)", "not '1 push, 2 failed'"
    stale = ProcessStatus("vite", "vite", ProcessState.READY, stale_since=5.0)
    assert display_state(stale) == "stale"
