"""The supervisor with real children: ordering, readiness, failures, restarts, staleness."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from devtui.core.events import (
    DescendantsLeft,
    OutputLines,
    ProblemDetected,
    ProblemResolved,
    ProcessState,
    ProcessStateChanged,
    ProcessUpdated,
    ReadyTimedOut,
    SignalSent,
)
from devtui.core.run.restart import RestartTiming
from devtui.core.run.supervisor import Supervisor
from tests.core.conftest import StartStack
from tests.core.test_process import _running_with
from tests.helpers import EventRecorder, child, make_config, replay

S = ProcessState
FAST_RESTARTS = RestartTiming(
    first_delay_s=0.01, max_delay_s=0.05, loop_window_s=60, loop_failures=5
)


async def finish(supervisor: Supervisor, recorder: EventRecorder) -> None:
    """Shut down and wait until every event is recorded (for checks on the whole run)."""
    await supervisor.shutdown()
    supervisor.bus.close()
    await recorder.finish()


async def test_vite_starts_only_after_convex_ready_line_on_stderr(
    tmp_path: Path, run: StartStack
) -> None:
    ready_mark, vite_mark = tmp_path / "convex-ready", tmp_path / "vite-start"
    config = make_config(
        {
            "convex": {
                "kind": "convex",
                "command": replay(
                    "ok", "--hold", "--push-delay", "0.3", "--ready-mark", str(ready_mark)
                ),
            },
            "vite": {
                "kind": "vite",
                "depends_on": ["convex"],
                "command": child(
                    "exec_after_mark.py", str(vite_mark), *replay("vite-ok", "--hold", stem="vite")
                ),
            },
        }
    )
    supervisor, recorder = await run(config)
    await recorder.wait_state("vite", S.READY)
    await recorder.wait_for(lambda e: isinstance(e, ProcessUpdated) and e.what == "url")
    assert float(vite_mark.read_text()) > float(ready_mark.read_text())
    first_ready_line = recorder.index_of(
        lambda e: isinstance(e, OutputLines) and any("functions ready" in t for t in e.texts)
    )
    vite_starting = recorder.index_of(
        lambda e: (
            isinstance(e, ProcessStateChanged) and e.process == "vite" and e.state is S.STARTING
        )
    )
    ready_chunk = recorder.events[first_ready_line]
    assert isinstance(ready_chunk, OutputLines) and ready_chunk.stream == "stderr"
    assert "functions ready" in ready_chunk.texts[-1], "the state change follows its line at once"
    assert 0 <= first_ready_line < vite_starting
    assert not any(line.stream == "stdout" for line in recorder.lines("convex"))
    assert supervisor.status("vite").url == "http://localhost:5173/"
    await recorder.wait_for(
        lambda e: (
            isinstance(e, ProcessStateChanged)
            and e.process == "convex"
            and e.state is S.READY
            and e.status.pushes == 2
        )
    )
    convex = supervisor.status("convex")
    assert convex.push_durations == pytest.approx((0.89193, 0.77894))
    assert recorder.states("convex")[:5] == [S.STARTING, S.PUSHING, S.READY, S.PUSHING, S.READY]
    assert supervisor.status("vite").restarts == 0, "a Convex re-push never restarts Vite"


async def test_ready_streams_narrows_where_the_pattern_counts(run: StartStack) -> None:
    config = make_config(
        {
            "svc": {
                "command": child("scripted.py", "err:server ready", "hold"),
                "ready": "server ready",
                "ready_streams": ["stdout"],
                "ready_timeout": 0.5,
            }
        }
    )
    _supervisor, recorder = await run(config)
    timed_out = await recorder.wait_for(lambda e: isinstance(e, ReadyTimedOut))
    assert isinstance(timed_out, ReadyTimedOut)
    assert timed_out.last_lines == ("server ready",)


async def test_readiness_timeout_names_pattern_and_last_ten_lines(run: StartStack) -> None:
    steps = [f"out:line {i}" for i in range(1, 16)] + ["hold"]
    config = make_config(
        {
            "api": {
                "command": child("scripted.py", *steps),
                "ready": r"listening on \d+",
                "ready_timeout": 0.5,
            }
        }
    )
    supervisor, recorder = await run(config)
    event = await recorder.wait_for(lambda e: isinstance(e, ReadyTimedOut))
    assert isinstance(event, ReadyTimedOut)
    assert (event.process, event.waited_for, event.timeout_s) == ("api", r"listening on \d+", 0.5)
    assert event.last_lines == tuple(f"line {i}" for i in range(6, 16))
    assert supervisor.status("api").state is S.STARTING, "it keeps running: the line may still come"


async def test_exit_before_ready_reports_code_and_last_lines_and_blocks_dependents(
    run: StartStack,
) -> None:
    config = make_config(
        {
            "convex": {
                "kind": "convex",
                "command": child("scripted.py", "err:Error: cannot connect", "exit:2"),
            },
            "vite": {
                "kind": "vite",
                "depends_on": ["convex"],
                "command": child("scripted.py", "hold"),
            },
        }
    )
    supervisor, recorder = await run(config)
    exited = await recorder.wait_state("convex", S.EXITED)
    assert exited.reason == "exited with code 2 before it was ready"
    assert exited.status.exit_code == 2
    assert exited.last_lines == ("Error: cannot connect",)
    blocked = await recorder.wait_state("vite", S.BLOCKED)
    assert blocked.reason.startswith("not started: convex exited")
    await supervisor.wait_all_ended()


async def test_no_ready_pattern_means_ready_when_started(run: StartStack) -> None:
    config = make_config({"worker": {"command": child("scripted.py", "hold")}})
    _supervisor, recorder = await run(config)
    await recorder.wait_state("worker", S.READY)


async def test_on_failure_restarts_with_backoff_until_a_crash_loop(run: StartStack) -> None:
    config = make_config(
        {"flaky": {"command": child("scripted.py", "out:try", "exit:1"), "restart": "on-failure"}}
    )
    _supervisor, recorder = await run(config, restart_timing=FAST_RESTARTS)
    loop = await recorder.wait_state("flaky", S.CRASH_LOOP)
    assert "gave up after 5 failures within 1 min" in loop.reason
    assert loop.status.restarts == 4
    restarting = [
        e for e in recorder.events if isinstance(e, ProcessStateChanged) and e.state is S.RESTARTING
    ]
    assert [e.reason for e in restarting][:2] == [
        "exited with code 1; restarting in 10ms",
        "exited with code 1; restarting in 20ms",
    ]
    assert len([line for line in recorder.lines("flaky") if line.text == "try"]) == 5


async def test_on_failure_leaves_a_clean_exit_alone_but_always_restarts_it(run: StartStack) -> None:
    config = make_config(
        {
            "once": {"command": child("scripted.py", "exit:0"), "restart": "on-failure"},
            "again": {"command": child("scripted.py", "exit:0"), "restart": "always"},
        }
    )
    _supervisor, recorder = await run(config, restart_timing=FAST_RESTARTS)
    exited = await recorder.wait_state("once", S.EXITED)
    assert exited.reason == "exited with code 0" and exited.status.restarts == 0
    loop = await recorder.wait_state("again", S.CRASH_LOOP)
    assert loop.status.restarts == 4


async def test_push_failure_after_vite_is_up_marks_vite_stale_without_restarting_it(
    run: StartStack,
) -> None:
    convex_steps = [
        "err:- Preparing Convex functions...",
        "err:",
        "err:✔ 04:31:45 Convex functions ready! (891.93ms)",
        "sleep:0.6",
        "err:- Preparing Convex functions...",
        "err:",
        'err:✘ [ERROR] Could not resolve "crypto"',
        "err:",
        "err:    convex/ai.ts:1:27:",
        "sleep:0.8",
        "err:- Preparing Convex functions...",
        "err:",
        "err:✔ 04:31:50 Convex functions ready! (1.03s)",
        "hold",
    ]
    config = make_config(
        {
            "convex": {"kind": "convex", "command": child("scripted.py", *convex_steps)},
            "vite": {
                "kind": "vite",
                "depends_on": ["convex"],
                "command": child("scripted.py", "out:  VITE v8.3.8  ready in 99 ms", "hold"),
            },
        }
    )
    supervisor, recorder = await run(config)
    vite_ready = await recorder.wait_state("vite", S.READY)
    stale = await recorder.wait_for(lambda e: isinstance(e, ProcessUpdated) and e.what == "stale")
    assert isinstance(stale, ProcessUpdated)
    assert stale.status.stale_cause == "convex push failed"
    assert stale.status.state is S.READY and stale.status.stale_since is not None
    problem = await recorder.wait_for(lambda e: isinstance(e, ProblemDetected))
    assert isinstance(problem, ProblemDetected)
    assert (problem.problem.message, problem.problem.location) == (
        'Could not resolve "crypto"',
        "convex/ai.ts:1:28",  # esbuild's 0-based column 27, shown 1-based
    )
    fresh = await recorder.wait_for(lambda e: isinstance(e, ProcessUpdated) and e.what == "fresh")
    assert isinstance(fresh, ProcessUpdated) and fresh.status.stale_since is None
    resolved = await recorder.wait_for(lambda e: isinstance(e, ProblemResolved))
    assert isinstance(resolved, ProblemResolved) and resolved.problem.resolved
    vite = supervisor.status("vite")
    # The same launch (its ready line can beat the spawn, before the pid is known).
    assert vite.started_at == vite_ready.status.started_at and vite.restarts == 0
    assert (
        supervisor.status("convex").pushes == 2 and supervisor.status("convex").failed_pushes == 1
    )


@pytest.mark.parametrize(
    ("case", "rule", "message", "location"),
    [
        (
            "fix-after-error",
            "node-builtin-in-v8",
            'Could not resolve "crypto"',
            "convex/ai.ts:1:28",
        ),
        (
            "use-node-mutation",
            "non-action-in-node-file",
            "createChatMessage in agent.js is a Mutation: only actions can be defined in Node.js",
            "agent.js",
        ),
    ],
)
async def test_replayed_captures_give_one_named_problem(
    case: str, rule: str, message: str, location: str, run: StartStack
) -> None:
    config = make_config({"convex": {"kind": "convex", "command": replay(case, "--hold")}})
    supervisor, recorder = await run(config)
    detected = await recorder.wait_for(lambda e: isinstance(e, ProblemDetected))
    assert isinstance(detected, ProblemDetected)
    problem = detected.problem
    assert (problem.rule, problem.message, problem.location) == (rule, message, location)
    assert detected.problem.lines[0].startswith(("✘", "✖"))
    if case == "fix-after-error":
        await recorder.wait_for(lambda e: isinstance(e, ProblemResolved))
        await recorder.wait_state("convex", S.READY)
    else:
        assert supervisor.status("convex").state is S.PUSH_FAILED
    assert len(supervisor.problems.all()) == 1


async def test_shutdown_stops_dependents_first_and_is_idempotent(run: StartStack) -> None:
    config = make_config(
        {
            "convex": {"command": child("scripted.py", "hold")},
            "vite": {"depends_on": ["convex"], "command": child("scripted.py", "hold")},
        }
    )
    supervisor, recorder = await run(config)
    await recorder.wait_state("vite", S.READY)
    await asyncio.gather(supervisor.shutdown(), supervisor.shutdown())
    await supervisor.shutdown()
    signals = [e.process for e in recorder.events if isinstance(e, SignalSent)]
    assert signals == ["vite", "convex"]
    assert supervisor.status("vite").state is S.STOPPED
    assert supervisor.status("convex").state is S.STOPPED
    supervisor.bus.close()
    await recorder.finish()


async def test_user_stop_start_and_restart(run: StartStack) -> None:
    config = make_config(
        {"api": {"command": child("scripted.py", "out:up", "hold"), "ready": "up"}}
    )
    supervisor, recorder = await run(config)
    first = await recorder.wait_state("api", S.READY)
    await supervisor.restart_process("api")
    second = await recorder.wait_for(
        lambda e: (
            isinstance(e, ProcessStateChanged) and e.state is S.READY and e.status.restarts == 1
        )
    )
    assert isinstance(second, ProcessStateChanged)
    assert second.status.pid not in (None, first.status.pid)
    await supervisor.stop_process("api")
    assert supervisor.status("api").state is S.STOPPED
    await supervisor.start_process("api")
    await recorder.wait_for(
        lambda e: (
            isinstance(e, ProcessStateChanged)
            and e.state is S.READY
            and e.status.pid not in (None, first.status.pid, second.status.pid)
        )
    )


async def test_a_command_that_cannot_run_fails_with_a_reason(
    tmp_path: Path, run: StartStack
) -> None:
    script = tmp_path / "not-executable.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    config = make_config({"bad": {"command": str(script)}}, root=tmp_path)
    _supervisor, recorder = await run(config)
    failed = await recorder.wait_state("bad", S.FAILED)
    assert failed.reason == f"cannot start `{script}`: Permission denied"


async def test_flood_of_two_times_200000_lines_loses_merges_and_splits_nothing(
    run: StartStack,
) -> None:
    count = 200_000
    config = make_config(
        {
            "a": {"command": child("flood.py", "a", str(count))},
            "b": {"command": child("flood.py", "b", str(count))},
        }
    )
    supervisor, recorder = await run(config)
    await supervisor.wait_all_ended()
    await finish(supervisor, recorder)
    payload = "abcdefghijklmnopqrstuvwxyz0123456789"
    for tag in ("a", "b"):
        lines = recorder.lines(tag)
        assert len(lines) == count
        assert [line.seq for line in lines] == list(range(1, count + 1))
        seen = set()
        for line in lines:
            name, index, stream, body = line.text.split(" ")
            i = int(index)
            assert name == tag and body == payload
            assert stream == ("err" if i % 10 < 3 else "out") and line.stream == (
                "stderr" if i % 10 < 3 else "stdout"
            )
            assert ("\x1b[32m" in line.raw) == (i % 7 == 0)
            seen.add(i)
        assert seen == set(range(count))


async def test_shutdown_during_a_spawn_still_stops_that_process(run: StartStack) -> None:
    config = make_config(
        {"api": {"command": child("scripted.py", "out:up", "hold"), "ready": "up"}}
    )
    supervisor, recorder = await run(config)
    await recorder.wait_state("api", S.STARTING)
    await asyncio.wait_for(supervisor.shutdown(), 10)
    assert supervisor.status("api").state is S.STOPPED
    assert supervisor.status("api").pid is None


async def test_a_crashed_dependency_makes_dependents_stale_naming_the_crash(
    run: StartStack,
) -> None:
    config = make_config(
        {
            "convex": {
                "command": child("scripted.py", "out:up", "sleep:0.5", "die:SEGV"),
                "ready": "up",
            },
            "vite": {"depends_on": ["convex"], "command": child("scripted.py", "hold")},
        }
    )
    supervisor, recorder = await run(config)
    stale = await recorder.wait_for(lambda e: isinstance(e, ProcessUpdated) and e.what == "stale")
    assert isinstance(stale, ProcessUpdated)
    assert stale.status.stale_cause == "convex crashed"
    assert supervisor.status("convex").reason == "killed by SIGSEGV"


async def test_leftovers_of_a_leader_that_exited_are_stopped_visibly(
    tmp_path: Path, run: StartStack
) -> None:
    leaver = [
        sys.executable,
        "-c",
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import signal, time; "
        "signal.signal(signal.SIGTERM, signal.SIG_IGN); signal.signal(signal.SIGINT, "
        "signal.SIG_IGN); time.sleep(60)'], stdout=subprocess.DEVNULL)\n"
        "print('leaving', flush=True)\n",
    ]
    config = make_config({"npx": {"command": leaver, "shutdown_grace": 0.4}}, root=tmp_path)
    _supervisor, recorder = await run(config)
    exited = await recorder.wait_state("npx", S.EXITED)
    assert exited.status.exit_code == 0
    signals = [e.signal_name for e in recorder.events if isinstance(e, SignalSent)]
    assert signals == ["SIGINT", "SIGTERM", "SIGKILL"], "the grandchild ignored both; killed"
    (left,) = [e for e in recorder.events if isinstance(e, DescendantsLeft)]
    assert left.process == "npx" and "time.sleep(60)" in left.descendants[0]
    assert left.headline == "exited and left 1 process running; stopping it:"


async def test_a_ready_line_that_beats_the_spawn_is_one_ready(run: StartStack) -> None:
    # `sh` prints its ready line before spawning has even returned to devtui.
    config = make_config(
        {"app": {"command": ["sh", "-c", "echo ready; exec sleep 30"], "ready": "ready"}}
    )
    supervisor, recorder = await run(config)
    await recorder.wait_state("app", S.READY)
    await finish(supervisor, recorder)
    assert recorder.states("app") == [S.STARTING, S.READY, S.STOPPING, S.STOPPED]


async def test_a_dependent_started_early_but_stopped_before_its_turn_is_killed(
    run: StartStack,
) -> None:
    # A dependent is forked the instant its last dependency's ready line is read; if a
    # stop comes before its own task takes it over, that child must not live on.
    marker = "started-early-marker"
    config = make_config(
        {
            "convex": {
                "command": child("scripted.py", "sleep:0.3", "err:svc ready", "hold"),
                "ready": "svc ready",
            },
            "vite": {
                "depends_on": ["convex"],
                "command": child("scripted.py", f"out:{marker}", "hold"),
            },
        }
    )
    supervisor, recorder = await run(config)
    await recorder.wait_state("vite", S.WAITING)
    # Told after the supervisor's own listeners (the early start among them), in the
    # same callback: the stop lands between the fork and the dependent's turn.
    convex = supervisor._slots["convex"]
    convex.ever_ready.add_listener(lambda: supervisor._stop_requested.add("vite"))
    stopped = await recorder.wait_state("vite", S.STOPPED)
    assert isinstance(stopped, ProcessStateChanged)
    assert stopped.reason == "stopped before it started"
    assert S.STARTING not in recorder.states("vite")
    assert not _running_with(marker), "the early child was left running"


async def test_a_dependent_that_cannot_start_fails_the_same_when_started_early(
    run: StartStack,
) -> None:
    config = make_config(
        {
            "convex": {
                "command": child("scripted.py", "err:svc ready", "hold"),
                "ready": "svc ready",
            },
            "vite": {"depends_on": ["convex"], "command": ["/nonexistent/devtui-test-vite"]},
        }
    )
    _, recorder = await run(config)
    failed = await recorder.wait_state("vite", S.FAILED)
    assert isinstance(failed, ProcessStateChanged)
    assert failed.reason.startswith("cannot start `/nonexistent/devtui-test-vite`: ")
    assert recorder.states("vite")[-2:] == [S.STARTING, S.FAILED]


async def test_a_dependent_whose_environment_changed_after_its_early_start_is_started_anew() -> (
    None
):
    # Started the instant convex was ready, with the environment made when it began
    # waiting; its heap limit raised in that same instant: the launch must not keep a
    # child running with the old environment (nor fail over it).
    config = make_config(
        {
            "convex": {
                "command": child("scripted.py", "err:svc ready", "hold"),
                "ready": "svc ready",
            },
            "vite": {
                "depends_on": ["convex"],
                "command": child("scripted.py", "env:NODE_OPTIONS", "hold"),
            },
        }
    )
    supervisor = Supervisor(config)
    recorder = EventRecorder(supervisor.bus)
    # Told before vite's own listeners (registered when it begins waiting).
    raise_heap = lambda: supervisor._heap_mb.__setitem__("vite", 256)  # noqa: E731
    supervisor._slots["convex"].ever_ready.add_listener(raise_heap)
    await supervisor.start()
    try:
        await recorder.wait_for(
            lambda e: isinstance(e, OutputLines) and any("NODE_OPTIONS=" in t for t in e.texts)
        )
        shown = [line.text for line in recorder.lines("vite") if "NODE_OPTIONS" in line.text]
        assert shown and "--max-old-space-size=256" in shown[0]
        assert supervisor.status("vite").state is not S.FAILED
    finally:
        await finish(supervisor, recorder)
