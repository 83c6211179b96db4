"""Every process a child starts is found and stopped, wherever it went (real processes).

A `setsid()` orphan and a double-forked daemon leave their process group, so the group
signals miss them: the ownership mark, the subreaper and the tracked set must not.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psutil

from devtui.core.events import DescendantsLeft, ProcessState
from devtui.core.run.descendants import Descendants
from tests.core.conftest import StartStack
from tests.escape_stack import ESCAPEE
from tests.helpers import EventRecorder, make_config

S = ProcessState


def _escapee(mode: str, folder: Path, *flags: str) -> dict[str, object]:
    return {
        "command": [sys.executable, str(ESCAPEE), mode, str(folder / "pids"), *flags],
        "ready": "escapee ready",
        "shutdown_grace": 1.0,
    }


def _noted(folder: Path) -> dict[str, int]:
    words = (folder / "pids").read_text().split()
    return dict(zip(words[0::2], map(int, words[1::2]), strict=True))


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for a condition of the process table (polled: no event says it)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


def _left(recorder: EventRecorder) -> list[DescendantsLeft]:
    return [e for e in recorder.events if isinstance(e, DescendantsLeft)]


async def test_a_daemon_left_by_a_process_that_exited_is_named_and_stopped(
    tmp_path: Path, run: StartStack
) -> None:
    config = make_config({"wrapper": _escapee("daemon", tmp_path, "--exit")}, root=tmp_path)
    _supervisor, recorder = await run(config)
    left = await recorder.wait_for(lambda e: isinstance(e, DescendantsLeft))
    daemon = _noted(tmp_path)["daemon"]
    assert isinstance(left, DescendantsLeft) and left.cause == "exited"
    assert left.process == "wrapper" and left.descendants[0].startswith(f"{daemon} ")
    await recorder.wait_state("wrapper", S.EXITED)
    assert not _running(daemon), "the daemon ignores SIGINT: SIGTERM ended it"


async def test_escapees_of_running_processes_are_named_and_stopped_with_them(
    tmp_path: Path, run: StartStack
) -> None:
    config = make_config(
        {
            "orphaner": _escapee("setsid", tmp_path),
            "daemonizer": _escapee("daemon", tmp_path),
        },
        root=tmp_path,
    )
    supervisor, recorder = await run(config)
    await recorder.wait_state("orphaner", S.READY)
    await recorder.wait_state("daemonizer", S.READY)
    noted = _noted(tmp_path)
    await asyncio.wait_for(supervisor.shutdown(), 15)
    named = {e.process: e for e in _left(recorder)}
    assert set(named) == {"orphaner", "daemonizer"}
    assert all(e.cause == "detached" for e in named.values())
    assert named["orphaner"].descendants[0].startswith(f"{noted['setsid']} ")
    assert named["daemonizer"].descendants[0].startswith(f"{noted['daemon']} ")
    assert not _running(noted["setsid"]) and not _running(noted["daemon"])


async def test_a_helper_started_during_the_stop_is_stopped_as_outliving_the_stack(
    tmp_path: Path, run: StartStack
) -> None:
    config = make_config({"tool": _escapee("daemon", tmp_path, "--on-stop")}, root=tmp_path)
    supervisor, recorder = await run(config)
    await recorder.wait_state("tool", S.READY)
    await asyncio.wait_for(supervisor.shutdown(), 15)
    daemon = _noted(tmp_path)["daemon"]
    (left,) = _left(recorder)
    assert left.process == "devtui" and left.cause == "outlived"
    assert left.descendants[0].startswith(f"{daemon} ")
    assert left.headline == "1 process of the stack outlived what started it; stopping it:"
    assert not _running(daemon)


async def test_without_marks_or_a_subreaper_the_tracked_set_finds_a_setsid_orphan(
    tmp_path: Path, run: StartStack
) -> None:
    """macOS has neither a subreaper nor /proc: descendants seen in the process tree
    while their parent lived are all devtui knows of. The grandchild is seen first, then
    its parent dies and it detaches into a session of its own."""
    config = make_config(
        {"orphaner": _escapee("setsid", tmp_path, "--linger")},
        settings={"memory_interval": 0.2},
        root=tmp_path,
    )
    descendants = Descendants(marks=False, subreaper=False)
    assert descendants.owned() == {}, "marks are not read"
    supervisor, recorder = await run(config, descendants=descendants)
    await recorder.wait_state("orphaner", S.READY)
    noted = _noted(tmp_path)
    await _until(lambda: noted["setsid"] in descendants.tracked("orphaner"))
    os.kill(noted["intermediate"], signal.SIGKILL)  # the parent dies: the grandchild detaches
    await _until(lambda: os.getsid(noted["setsid"]) == noted["setsid"])
    await asyncio.wait_for(supervisor.shutdown(), 15)
    named = [pid for e in _left(recorder) for pid in e.descendants]
    assert any(d.startswith(f"{noted['setsid']} ") for d in named), named
    assert not _running(noted["setsid"])


async def test_orphans_that_die_under_devtui_leave_no_zombie(
    tmp_path: Path, run: StartStack
) -> None:
    """As the subreaper devtui becomes the parent of its children's orphans, so it must
    collect their exit: a long session would otherwise pile up zombies."""
    config = make_config(
        {"orphaner": _escapee("setsid", tmp_path)}, settings={"memory_interval": 0.2}, root=tmp_path
    )
    supervisor, recorder = await run(config)
    assert supervisor.descendants.subreaper
    await recorder.wait_state("orphaner", S.READY)
    orphan = _noted(tmp_path)["setsid"]
    assert psutil.Process(orphan).ppid() == os.getpid(), "re-parented to the subreaper"
    await _until(lambda: orphan in supervisor.descendants.tracked("orphaner"))
    os.kill(orphan, signal.SIGKILL)
    await _until(lambda: not psutil.pid_exists(orphan))  # reaped: not even a zombie


def test_marks_of_another_run_are_not_ours(tmp_path: Path) -> None:
    mine, theirs = Descendants(subreaper=False), Descendants(subreaper=False)
    env = dict(os.environ, DEVTUI_OWNER=theirs.mark("web"))
    other = psutil.Popen(
        [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(30)"],
        env=env,
        stdout=subprocess.PIPE,
    )
    try:
        assert other.stdout is not None
        assert other.stdout.readline() == b"up\n"  # exec'd: /proc shows its own environment
        assert other.pid in theirs.owned("web")
        assert other.pid not in mine.owned() and other.pid not in theirs.owned("api")
    finally:
        other.kill()
        other.wait()


def test_a_pid_now_held_by_another_process_is_never_signalled() -> None:
    """Descendants are remembered with their start time: once one died and its pid went
    to a stranger, the stranger must not get the stop signals."""
    from devtui.core.run.groups import started_at, the_same

    stranger = psutil.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        known = started_at([stranger.pid])
        assert the_same(known) == [stranger.pid]
        as_if_reused = {stranger.pid: known[stranger.pid] - 5.0}  # an earlier process's
        assert the_same(as_if_reused) == []
    finally:
        stranger.kill()
        stranger.wait()
    assert the_same(known) == [], "gone"


async def test_an_orphan_that_wiped_its_environment_is_still_stopped(
    tmp_path: Path, run: StartStack
) -> None:
    """`env -i` drops the mark; as the subreaper devtui is still its parent, and nothing
    devtui starts for itself lacks the helper mark, so it is known as the stack's."""
    config = make_config({"wrapper": _escapee("wiped", tmp_path)}, root=tmp_path)
    supervisor, recorder = await run(config)
    await recorder.wait_state("wrapper", S.READY)
    wiped = _noted(tmp_path)["wiped"]
    await _until(lambda: Path(f"/proc/{wiped}/environ").read_bytes() == b"")
    await asyncio.wait_for(supervisor.shutdown(), 15)
    named = [d for e in _left(recorder) for d in e.descendants if e.process == "devtui"]
    assert any(d.startswith(f"{wiped} ") for d in named), _left(recorder)
    assert not _running(wiped)


async def test_what_devtui_starts_for_itself_is_never_taken_for_the_stack(
    tmp_path: Path, run: StartStack
) -> None:
    """A browser opened from the dashboard detaches into a session of its own, as
    Python's `webbrowser` does: quitting devtui must leave it running."""
    config = make_config({"app": _escapee("daemon", tmp_path)}, root=tmp_path)
    supervisor, recorder = await run(config)
    await recorder.wait_state("app", S.READY)
    browser = psutil.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )
    try:
        await asyncio.wait_for(supervisor.shutdown(), 15)
        assert _running(browser.pid), "devtui's own helper was stopped"
        assert not _running(_noted(tmp_path)["daemon"])
    finally:
        browser.kill()
        browser.wait()
