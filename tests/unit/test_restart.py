"""Restart policy: back-off, reset after a healthy run, crash-loop cap."""

from __future__ import annotations

from devtui.core.run.restart import RestartPolicy, RestartTracker


def test_never_does_not_restart() -> None:
    tracker = RestartTracker(RestartPolicy.NEVER)
    assert not tracker.on_exit(succeeded=False, started_at=0, exited_at=1).restart


def test_on_failure_restarts_only_failures() -> None:
    tracker = RestartTracker(RestartPolicy.ON_FAILURE)
    assert not tracker.on_exit(succeeded=True, started_at=0, exited_at=1).restart
    assert tracker.on_exit(succeeded=False, started_at=0, exited_at=1).restart


def test_always_restarts_clean_exits_too() -> None:
    tracker = RestartTracker(RestartPolicy.ALWAYS)
    assert tracker.on_exit(succeeded=True, started_at=0, exited_at=1).restart


def test_backoff_doubles_from_half_a_second_to_thirty() -> None:
    tracker = RestartTracker(RestartPolicy.ALWAYS)
    delays = []
    now = 0.0
    for _ in range(9):  # 61 s apart: never a crash loop, but never healthy long either
        decision = tracker.on_exit(succeeded=False, started_at=now + 61 - 5, exited_at=now + 61)
        delays.append(decision.delay_s)
        now += 61
    assert delays == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]


def test_backoff_resets_after_thirty_healthy_seconds() -> None:
    tracker = RestartTracker(RestartPolicy.ON_FAILURE)
    tracker.on_exit(succeeded=False, started_at=0, exited_at=1)
    tracker.on_exit(succeeded=False, started_at=2, exited_at=3)
    decision = tracker.on_exit(succeeded=False, started_at=4, exited_at=40)
    assert decision.delay_s == 0.5


def test_five_failures_within_a_minute_is_a_crash_loop() -> None:
    tracker = RestartTracker(RestartPolicy.ON_FAILURE)
    decisions = [
        tracker.on_exit(succeeded=False, started_at=t, exited_at=t + 1) for t in range(0, 50, 10)
    ]
    assert [d.restart for d in decisions] == [True, True, True, True, False]
    assert decisions[-1].crash_loop


def test_failures_spread_over_more_than_a_minute_are_not_a_loop() -> None:
    tracker = RestartTracker(RestartPolicy.ON_FAILURE)
    decisions = [
        tracker.on_exit(succeeded=False, started_at=t, exited_at=t + 1) for t in range(0, 100, 20)
    ]
    assert all(d.restart for d in decisions)
