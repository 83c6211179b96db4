"""ChildProcess with real children: pipes, session, environment, group shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import psutil
import pytest

from devtui.core.events import Stream
from devtui.core.run.child_pipes import StartedChild
from devtui.core.run.groups import LIVE_GROUPS
from devtui.core.run.lines import LineAssembler
from devtui.core.run.process import ChildProcess
from tests.helpers import child


class Collector:
    """Assembles what a child writes, per stream."""

    def __init__(self) -> None:
        self.assemblers = {"stdout": LineAssembler(), "stderr": LineAssembler()}
        self.lines: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self.got_line = asyncio.Event()

    def on_data(self, stream: Stream, data: bytes) -> None:
        self.lines[stream] += self.assemblers[stream].feed(data)
        self.got_line.set()

    def on_eof(self, stream: Stream) -> None:
        self.lines[stream] += self.assemblers[stream].finish()

    async def wait_for(self, text: str, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not any(text in line for lines in self.lines.values() for line in lines):
                self.got_line.clear()
                await self.got_line.wait()


async def spawn(
    argv: list[str], collector: Collector, env: dict[str, str] | None = None
) -> ChildProcess:
    environment = dict(os.environ, FORCE_COLOR="1", **(env or {}))
    return await ChildProcess.spawn(
        argv, cwd=Path.cwd(), env=environment, on_data=collector.on_data, on_eof=collector.on_eof
    )


async def test_streams_session_stdin_and_environment() -> None:
    collector = Collector()
    process = await spawn(
        child(
            "scripted.py",
            "out:to stdout",
            "err:to stderr",
            "pgid",
            "stdin",
            "env:FORCE_COLOR",
            "env:EXTRA",
        ),
        collector,
        {"EXTRA": "yes"},
    )
    assert await process.wait() == 0
    assert collector.lines["stderr"] == ["to stderr"]
    out = collector.lines["stdout"]
    assert out[0] == "to stdout"
    assert out[1] == f"pgid={process.pid} sid={process.pid} pid={process.pid}"
    assert out[2:] == ["stdin=b''", "FORCE_COLOR=1", "EXTRA=yes"]


async def test_awkward_output_shapes_arrive_whole() -> None:
    collector = Collector()
    process = await spawn(child("shapes.py"), collector)
    assert await process.wait() == 0
    out = collector.lines["stdout"]
    assert out[:3] == ["crlf line", "progress 100%", "bad utf8 \ufffd\ufffd end"]
    assert out[3] == "L" * (1536 * 1024)
    assert out[4:] == ["split é done", "no newline at the end"]
    assert collector.lines["stderr"] == ["on stderr"]


async def test_exit_codes_and_signals() -> None:
    collector = Collector()
    assert await (await spawn(child("scripted.py", "exit:3"), collector)).wait() == 3
    assert await (await spawn(child("scripted.py", "abort"), collector)).wait() == -signal.SIGABRT


async def test_stubborn_child_and_grandchild_are_gone_after_the_grace(tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    collector = Collector()
    process = await spawn(child("stubborn.py", str(pidfile)), collector)
    await collector.wait_for("grandchild up")
    child_pid, grandchild_pid = map(int, pidfile.read_text().split())
    sent: list[tuple[str, float | None]] = []
    started = time.monotonic()
    stopping = asyncio.create_task(
        process.stop(1.0, lambda sig, kill_at: sent.append((sig.name, kill_at)))
    )
    assert await process.wait() == -signal.SIGKILL
    await stopping
    took = time.monotonic() - started
    assert [name for name, _ in sent] == ["SIGINT", "SIGTERM", "SIGKILL"]
    assert sent[-1][1] is None
    assert 0.9 <= took < 5, took
    for pid in (child_pid, grandchild_pid):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert process.survivors == ()


async def test_stop_is_idempotent() -> None:
    collector = Collector()
    process = await spawn(child("scripted.py", "out:up", "hold"), collector)
    await collector.wait_for("up")
    await asyncio.gather(process.stop(2.0), process.stop(2.0), process.stop(2.0))
    assert await process.wait() == 0
    await process.stop(2.0)


async def test_leader_exit_does_not_orphan_a_grandchild_holding_the_pipe(tmp_path: Path) -> None:
    # The grandchild inherits stdout and ignores SIGTERM, so only its group kill ends it.
    script = (
        "import subprocess, sys\n"
        "code = 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(\"gc\", flush=True); time.sleep(60)'\n"
        f"p = subprocess.Popen([sys.executable, '-c', code])\n"
        f"open({str(tmp_path / 'gc')!r}, 'w').write(str(p.pid))\n"
        "import time; time.sleep(0.3)\n"
        "print('leader leaving', flush=True)\n"
    )
    collector = Collector()
    process = await spawn([sys.executable, "-c", script], collector)
    started = time.monotonic()
    assert await process.wait(grace=0.5) == 0
    assert time.monotonic() - started < 8
    grandchild = int((tmp_path / "gc").read_text())
    assert (
        not psutil.pid_exists(grandchild)
        or psutil.Process(grandchild).status() == psutil.STATUS_ZOMBIE
    )
    assert collector.lines["stdout"] == ["gc", "leader leaving"]


async def test_a_child_that_exits_at_once_is_not_an_error() -> None:
    for _ in range(20):  # /bin/true is gone before devtui has looked at its pipes
        collector = Collector()
        process = await spawn(["true"], collector)
        assert await process.wait() == 0


def test_the_safety_net_kills_and_names_live_groups_only() -> None:
    import subprocess

    from devtui.core.run.groups import GroupRegistry

    registry = GroupRegistry()
    sleeper = subprocess.Popen(["sleep", "60"], start_new_session=True)
    gone = subprocess.Popen(["true"], start_new_session=True)
    gone.wait()
    registry.add(sleeper.pid)
    registry.add(gone.pid)
    assert registry.kill_all() == [sleeper.pid]
    assert sleeper.wait(timeout=5) == -signal.SIGKILL
    assert registry.live == frozenset()


async def test_without_a_pidfd_a_waiting_thread_reports_the_exit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Where the kernel has no pidfd (before Linux 5.3, other systems), the exit is
    # collected by a thread; the code and the output must come through the same.
    def no_pidfd(pid: int, flags: int = 0) -> int:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(os, "pidfd_open", no_pidfd)
    collector = Collector()
    process = await spawn(child("scripted.py", "out:last words", "exit:3"), collector)
    assert await process.wait() == 3
    assert collector.lines["stdout"] == ["last words"]
    killed = await spawn(child("scripted.py", "hold"), Collector())
    os.killpg(killed.pid, signal.SIGKILL)
    assert await killed.wait() == -signal.SIGKILL


async def test_a_started_child_never_attached_is_killed_and_reaped() -> None:
    started = StartedChild.start(child("scripted.py", "hold"), cwd=Path.cwd(), env=os.environ)
    assert started.pid in LIVE_GROUPS.live
    started.discard()
    assert started.popen.returncode == -signal.SIGKILL  # reaped: no zombie left
    assert started.pid not in LIVE_GROUPS.live
    assert not psutil.pid_exists(started.pid)


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _running_with(marker: str) -> list[int]:
    """Living descendants of this process whose command line holds `marker` (zombies
    left by other tests' orphaned grandchildren have none to read)."""
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            if marker in " ".join(process.cmdline()):
                found.append(process.pid)
        except psutil.Error:
            continue
    return found


async def test_a_spawn_cancelled_while_attaching_leaves_no_child_and_no_descriptor() -> None:
    # asyncio's own subprocess transport killed a child whose start was cancelled; the
    # two-step start must too (a shutdown can cancel a launch at any await).
    before, groups = _open_fds(), LIVE_GROUPS.live
    marker = "cancelled-attach-marker"
    task = asyncio.ensure_future(spawn(child("scripted.py", f"out:{marker}", "hold"), Collector()))
    await asyncio.sleep(0)  # started (forked), now awaiting its pipes' connection
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)  # the closed transports' last callbacks
    assert not _running_with(marker), "the child lives on"
    assert _open_fds() == before
    assert LIVE_GROUPS.live == groups
