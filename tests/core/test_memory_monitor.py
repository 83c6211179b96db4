"""The memory sampler and out-of-memory handling with real growing, aborting children."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from typing import Any, TypeGuard

import pytest

from devtui.core.events import (
    MemorySampled,
    MemoryThresholdCrossed,
    OutputLines,
    ProblemDetected,
    ProblemResolved,
    ProcessState,
    ProcessStateChanged,
)
from devtui.core.memory.figures import MIB
from tests.core.conftest import StartStack
from tests.helpers import CHILDREN, EventRecorder, child, make_config

S = ProcessState
FAST = {"memory_interval": 0.1, "shutdown_grace": 2}


def samples(recorder: EventRecorder, process: str) -> list[MemorySampled]:
    return [e for e in recorder.events if isinstance(e, MemorySampled) and e.process == process]


def output(recorder: EventRecorder, process: str) -> list[str]:
    return [line.text for line in recorder.lines(process)]


def is_state(process: str, state: ProcessState) -> Callable[[Any], TypeGuard[ProcessStateChanged]]:
    def matches(e: Any) -> TypeGuard[ProcessStateChanged]:
        return isinstance(e, ProcessStateChanged) and e.process == process and e.state is state

    return matches


async def test_a_growing_process_crosses_its_warning_then_its_limit(run: StartStack) -> None:
    config = make_config(
        {
            "app": {
                "command": child("grow.py", "--step", "10", "--every", "0.1", "--to", "150"),
                "ready": "ready",
                "memory_warn_mb": 70,
                "memory_limit_mb": 120,
            }
        },
        settings=FAST,
    )
    supervisor, recorder = await run(config)
    limit = await recorder.wait_for(
        lambda e: isinstance(e, MemoryThresholdCrossed) and e.level == "limit", timeout=20
    )
    assert isinstance(limit, MemoryThresholdCrossed) and limit.threshold_bytes == 120 * MIB
    crossings = [e.level for e in recorder.events if isinstance(e, MemoryThresholdCrossed)]
    assert crossings == ["warn", "limit"]
    problems = {p.rule: p for p in supervisor.problems.all()}
    assert problems["memory-high"].severity == "warning"
    assert problems["memory-limit"].severity == "error"
    assert problems["memory-limit"].message.startswith("its process tree (1 process) holds ")
    assert "above its limit of 120 MiB (memory_limit_mb)" in problems["memory-limit"].message
    assert "(memory_warn_mb = 70)" in problems["memory-high"].message
    assert "memory_limit_mb" in problems["memory-limit"].fix
    sampled = samples(recorder, "app")
    assert sampled[-1].level == "limit" and sampled[-1].warn_bytes == 70 * MIB
    assert sampled[-1].peak_bytes >= 120 * MIB
    rss = [s.rss_bytes for s in sampled]
    assert rss[-1] > rss[0] + 50 * MIB


async def test_the_whole_tree_is_summed(run: StartStack) -> None:
    config = make_config(
        {
            "app": {
                "command": child("grow.py", "--children", "2", "--child-mb", "40"),
                "ready": "ready",
            }
        },
        settings=FAST,
    )
    supervisor, recorder = await run(config)
    await recorder.wait_state("app", S.READY)
    # The children show up before they have filled their memory: the sum is waited for.
    sample = await recorder.wait_for(
        lambda e: isinstance(e, MemorySampled) and len(e.pids) == 3 and e.rss_bytes >= 80 * MIB,
        timeout=10,
    )
    assert isinstance(sample, MemorySampled)
    assert sample.rss_bytes == sum(c.rss_bytes for c in sample.children)
    root, *holders = sample.children
    assert root.pid == supervisor.status("app").pid
    assert all("bytearray" in c.command for c in holders)
    assert sample.warn_bytes == 1536 * MIB  # no memory_warn_mb, no heap limit in NODE_OPTIONS


async def test_a_heap_limit_warns_on_its_node_process_not_the_tree(run: StartStack) -> None:
    config = make_config(
        {
            "app": {
                "command": child("scripted.py", "out:up", "hold"),
                "ready": "up",
                "env": {"NODE_OPTIONS": "--max-old-space-size=1000"},
            }
        },
        settings=FAST,
    )
    _supervisor, recorder = await run(config)
    sample = await recorder.wait_for(lambda e: isinstance(e, MemorySampled))
    # 80% of the heap plus what a Node process holds outside it, per Node process
    assert isinstance(sample, MemorySampled) and sample.warn_bytes == (800 + 128) * MIB
    assert sample.warn_on == "node"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js (node on PATH)")
async def test_a_healthy_stack_with_a_64_mib_heap_limit_raises_no_warning(
    run: StartStack,
) -> None:
    # The shape of `npx convex dev` under NODE_OPTIONS=--max-old-space-size=64: two Node
    # processes (npx, the CLI) and a big non-Node helper (esbuild), together well over
    # 200 MiB, each Node process far from its heap limit. It used to warn "uses 213 MiB,
    # above its warning threshold of 51 MiB".
    holder = f"{sys.executable} {CHILDREN / 'grow.py'} --children 1 --child-mb 160"
    idle_node = "node -e 'setInterval(() => {}, 1000)'"
    config = make_config(
        {
            "convex": {
                "command": ["sh", "-c", f"{idle_node} & {idle_node} & {holder} & wait"],
                "ready": "ready",
                "env": {"NODE_OPTIONS": "--max-old-space-size=64"},
            }
        },
        settings={"memory_interval": 0.2, "shutdown_grace": 2},
    )
    _supervisor, recorder = await run(config)
    await recorder.wait_for(
        lambda e: (
            isinstance(e, MemorySampled)
            and sum(1 for c in e.children if c.node) == 2
            and e.rss_bytes > 200 * MIB
        ),
        timeout=20,
    )
    await recorder.wait_for(
        lambda e: isinstance(e, MemorySampled) and e.at > getattr(recorder.events[0], "at", 0) + 4,
        timeout=20,
    )
    sampled = samples(recorder, "convex")
    last = sampled[-1]
    assert last.warn_on == "node" and last.warn_bytes == int((64 * 0.8 + 128) * MIB)
    assert last.rss_bytes > 200 * MIB and last.level == "ok"
    assert not any(isinstance(e, MemoryThresholdCrossed) for e in recorder.events)
    assert not any(isinstance(e, ProblemDetected) for e in recorder.events)
    assert all(s.growth_mb_per_min is None for s in sampled)  # a flat line: no trend


async def test_out_of_memory_marks_the_process_and_more_heap_restarts_it(
    run: StartStack,
) -> None:
    config = make_config(
        {"api": {"command": child("grow.py", "--to", "30", "--oom"), "ready": "ready"}},
        settings=FAST,
    )
    supervisor, recorder = await run(config)
    oom = await recorder.wait_for(is_state("api", S.OOM), timeout=15)
    assert isinstance(oom, ProcessStateChanged)
    assert oom.reason == "out of memory at Node's default heap limit (killed by SIGABRT)"
    assert oom.status.restart_at is None  # no automatic restart: the user is offered one
    assert [p.rule for p in supervisor.problems.all()] == ["node-out-of-memory"]
    fix = supervisor.problems.all()[0].fix
    assert fix.startswith("Give Node more heap: on_oom")
    assert "dashboard" not in fix  # the same text reaches CI logs; the TUI offers H itself
    assert supervisor.memory is not None
    before = len(supervisor.memory.tracks["api"].history)
    assert before > 0

    heap = await supervisor.restart_with_more_heap("api")
    assert heap == 8192
    starting = await recorder.wait_for(
        lambda e: (
            is_state("api", S.STARTING)(e)
            and e.status.restarts == 0
            and e is not oom
            and recorder.events.index(e) > recorder.events.index(oom)
        )
    )
    assert isinstance(starting, ProcessStateChanged)
    assert starting.reason.endswith("(NODE_OPTIONS=--max-old-space-size=8192)")
    assert starting.status.heap_mb == 8192
    await recorder.wait_for(
        lambda e: isinstance(e, OutputLines) and "NODE_OPTIONS=--max-old-space-size=8192" in e.texts
    )
    await recorder.wait_for(is_state("api", S.READY))
    assert len(supervisor.memory.tracks["api"].history) >= before  # the history goes on


async def test_on_oom_restarts_with_twice_the_heap_at_most_twice(run: StartStack) -> None:
    config = make_config(
        {
            "api": {
                "command": child("grow.py", "--to", "16", "--oom"),
                "ready": "ready",
                "env": {"NODE_OPTIONS": "--max-old-space-size=1000 --enable-source-maps"},
                "on_oom": "restart-with-more-heap",
            }
        },
        settings=FAST,
    )
    supervisor, recorder = await run(config)
    final = await recorder.wait_for(
        lambda e: is_state("api", S.OOM)(e) and e.status.restart_at is None, timeout=30
    )
    assert isinstance(final, ProcessStateChanged)
    printed = [t for t in output(recorder, "api") if t.startswith("NODE_OPTIONS=")]
    assert printed == [
        "NODE_OPTIONS=--max-old-space-size=1000 --enable-source-maps",
        "NODE_OPTIONS=--enable-source-maps --max-old-space-size=2000",
        "NODE_OPTIONS=--enable-source-maps --max-old-space-size=4000",
    ]
    restarting = [
        e.reason
        for e in recorder.events
        if isinstance(e, ProcessStateChanged) and e.state is S.RESTARTING
    ]
    assert restarting == [
        "restarting with --max-old-space-size=2000 (on_oom, 1 of 2)",
        "restarting with --max-old-space-size=4000 (on_oom, 2 of 2)",
    ]
    assert final.status.oom_restarts == 2 and final.status.restarts == 2
    oom_problem = supervisor.problems.all()[0]
    assert (oom_problem.rule, oom_problem.count) == ("node-out-of-memory", 3)
    # The fix fits the configuration: on_oom is set, so it is not offered again.
    assert oom_problem.fix.startswith('on_oom = "restart-with-more-heap" is set: devtui')
    assert "2 times at most" in oom_problem.fix
    ooms = [
        e.reason for e in recorder.events if isinstance(e, ProcessStateChanged) and e.state is S.OOM
    ]
    assert [reason.split(" (")[0] for reason in ooms] == [
        "out of memory at its heap limit 1000 MiB",
        "out of memory at its heap limit 2000 MiB",
        "out of memory at its heap limit 4000 MiB",
    ]


async def test_a_threshold_problem_resolves_when_memory_falls(run: StartStack) -> None:
    config = make_config(
        {
            "app": {
                "command": child("grow.py", "--step", "40", "--every", "0.2", "--to", "80"),
                "ready": "ready",
                "memory_warn_mb": 60,
                "restart": "always",
            },
        },
        settings=FAST,
    )
    supervisor, recorder = await run(config)
    await recorder.wait_for(lambda e: isinstance(e, ProblemDetected), timeout=15)
    await supervisor.restart_process("app")  # a fresh process starts small again
    resolved = await recorder.wait_for(lambda e: isinstance(e, ProblemResolved), timeout=15)
    assert isinstance(resolved, ProblemResolved)
    assert resolved.problem.rule == "memory-high"


async def test_no_sampling_when_turned_off(run: StartStack) -> None:
    config = make_config(
        {"app": {"command": child("scripted.py", "out:up", "hold"), "ready": "up"}},
        settings={"memory_interval": 0},
    )
    supervisor, recorder = await run(config)
    await recorder.wait_state("app", S.READY)
    assert supervisor.memory is None
    assert not any(isinstance(e, MemorySampled) for e in recorder.events)
