"""What the status says is about the current launch and the dependencies' current state:
the URL, the ready time, the stale cause, the stop in progress, who needed SIGKILL."""

from __future__ import annotations

from pathlib import Path

from devtui.core.events import ProcessState, ProcessStateChanged, ProcessUpdated
from tests.core.conftest import StartStack
from tests.helpers import child, make_config

S = ProcessState
VITE_LINES = ("out:  VITE v8.3.8  ready in 48 ms", "out:  ➜  Local:   http://localhost:5173/")


async def test_a_stopped_process_keeps_no_url_and_each_launch_has_its_own_ready_time(
    run: StartStack,
) -> None:
    config = make_config(
        {
            # Vite waits 0.6 s for its dependency: that is not Vite's own start-up time.
            "convex": {
                "command": child("scripted.py", "sleep:0.6", "out:up", "hold"),
                "ready": "up",
            },
            "vite": {
                "kind": "vite",
                "depends_on": ["convex"],
                "command": child("scripted.py", *VITE_LINES, "hold"),
            },
        }
    )
    supervisor, recorder = await run(config)
    first = await recorder.wait_state("vite", S.READY)
    await recorder.wait_for(lambda e: isinstance(e, ProcessUpdated) and e.what == "url")
    vite = supervisor.status("vite")
    assert vite.url == "http://localhost:5173/"
    assert first.status.ready_after_s is not None and first.status.ready_after_s >= 0.6
    assert vite.launch_ready_s is not None and vite.launch_ready_s < first.status.ready_after_s
    await supervisor.stop_process("vite")
    stopped = supervisor.status("vite")
    assert (stopped.state, stopped.url) == (S.STOPPED, None)  # nothing serves there now
    await supervisor.start_process("vite")
    again = await recorder.wait_for(
        lambda e: (
            isinstance(e, ProcessStateChanged)
            and e.process == "vite"
            and e.state is S.READY
            and e.status.pid != first.status.pid
        )
    )
    assert isinstance(again, ProcessStateChanged)
    assert again.status.launch_ready_s is not None
    assert again.status.started_at is not None and first.status.started_at is not None
    assert again.status.started_at > first.status.started_at
    # The first ready (since devtui started) is kept for the summary; the strip shows this one.
    assert again.status.ready_after_s == first.status.ready_after_s


async def test_the_stale_cause_follows_the_dependency_as_it_moves_on(run: StartStack) -> None:
    config = make_config(
        {
            "convex": {
                "command": child("scripted.py", "sleep:0.3", "out:up", "hold"),
                "ready": "up",
            },
            "vite": {"depends_on": ["convex"], "command": child("scripted.py", "out:v", "hold")},
        }
    )
    supervisor, recorder = await run(config)
    await recorder.wait_state("vite", S.READY)
    await supervisor.stop_process("convex")
    stale = await recorder.wait_for(lambda e: isinstance(e, ProcessUpdated) and e.what == "stale")
    assert isinstance(stale, ProcessUpdated) and stale.status.stale_cause == "convex stopped"
    await supervisor.start_process("convex")
    moved = await recorder.wait_for(
        lambda e: isinstance(e, ProcessUpdated) and e.what == "stale-cause"
    )
    assert isinstance(moved, ProcessUpdated)
    assert moved.status.stale_cause == "convex starting"
    assert moved.status.stale_since == stale.status.stale_since  # still the same spell
    fresh = await recorder.wait_for(lambda e: isinstance(e, ProcessUpdated) and e.what == "fresh")
    assert isinstance(fresh, ProcessUpdated) and fresh.status.stale_cause == ""


async def test_a_stop_shows_its_steps_and_the_end_says_sigkill_was_needed(
    tmp_path: Path, run: StartStack
) -> None:
    config = make_config(
        {
            "stubborn": {
                "command": child("stubborn.py", str(tmp_path / "pids")),
                "ready": "stubborn ready",
                "shutdown_grace": 0.6,
            }
        }
    )
    supervisor, recorder = await run(config)
    await recorder.wait_state("stubborn", S.READY)
    await supervisor.stop_process("stubborn")
    stopping = [
        e for e in recorder.events if isinstance(e, ProcessStateChanged) and e.state is S.STOPPING
    ]
    assert len(stopping) == 1 and stopping[0].status.stop_signal is None
    steps = [
        (e.status.stop_signal, e.status.kill_at is not None)
        for e in recorder.events
        if isinstance(e, ProcessUpdated) and e.what == "stopping"
    ]
    assert steps == [("SIGINT", True), ("SIGTERM", True), ("SIGKILL", False)]
    final = supervisor.status("stubborn")
    assert final.state is S.STOPPED and final.killed
    assert final.reason == "stopped by devtui with SIGKILL (it ignored SIGINT and SIGTERM)"
    assert (final.stop_signal, final.kill_at) == (None, None)


async def test_a_problem_never_quotes_the_body_of_a_private_key(
    tmp_path: Path, run: StartStack
) -> None:
    from devtui.core.config.validate import build_config
    from devtui.core.events import ProblemDetected
    from tests.secrets_corpus import PGP_KEY, PGP_SECRET

    steps = ["out:BOOM the next lines belong to this problem", *(f"out:{line}" for line in PGP_KEY)]
    config = build_config(
        {
            "processes": {"app": {"command": child("scripted.py", *steps, "hold")}},
            "rules": [
                {
                    "id": "boom",
                    "title": "Boom",
                    "start": "BOOM",
                    "continue": ".*",  # a block that takes in whatever follows
                    "message": "boom",
                    "max_lines": 20,
                }
            ],
        },
        file="devtui.toml",
        root=tmp_path,
        origin="test",
    )
    supervisor, recorder = await run(config)
    detected = await recorder.wait_for(lambda e: isinstance(e, ProblemDetected), timeout=10)
    assert isinstance(detected, ProblemDetected)
    lines = "\n".join(detected.problem.lines)
    assert "BOOM" in lines and "-----BEGIN" in lines
    assert PGP_SECRET not in lines
    assert PGP_SECRET not in "\n".join(supervisor.last_lines("app"))
