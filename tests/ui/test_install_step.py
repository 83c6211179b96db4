"""Packages missing at start: the TUI shows the problem with the install command, `i` runs
the install in its own pane, and the stack starts when it succeeds (real processes)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from textual.pilot import Pilot

from devtui.core.events import ProcessState
from devtui.core.run.preflight import INSTALL_PROCESS, MissingPackages, with_install_step
from devtui.core.run.session import RunSession
from devtui.ui.app import DevtuiApp
from devtui.ui.widgets.key_bar import KeyBar
from devtui.ui.widgets.status_strip import StatusStrip
from tests.helpers import child, make_config

S = ProcessState


async def wait_until(pilot: Pilot[int], check: Callable[[], bool], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await pilot.pause(0.05)


async def test_i_runs_the_install_in_a_pane_and_the_stack_starts_after_it(
    tmp_path: Path,
) -> None:
    config = make_config(
        {"web": {"command": child("scripted.py", "out:web up", "hold"), "ready": "web up"}},
        root=tmp_path,
    )
    missing = MissingPackages(tmp_path, ("convex",), "npm")
    config = with_install_step(config, missing, "press i to run npm install")
    install = replace(
        config.processes[INSTALL_PROCESS],
        command=tuple(child("fake_install.py", "convex")),
    )
    config = replace(config, processes={**config.processes, INSTALL_PROCESS: install})
    session = RunSession(config, interactive=True)
    session.preflight.append(missing.problem(session.supervisor.clock()))
    app = DevtuiApp(session)
    supervisor = session.supervisor
    async with app.run_test(size=(120, 36)) as pilot:
        strip = app.dashboard.query_one(StatusStrip)
        await wait_until(pilot, lambda: supervisor.status("web").state is S.WAITING)
        await pilot.pause(0.3)
        assert supervisor.status(INSTALL_PROCESS).reason == "press i to run npm install"
        assert supervisor.status("web").reason == "waiting for install"
        [problem] = supervisor.problems.all()
        assert problem.rule == "dependencies-not-installed" and "npm install" in problem.fix
        assert "press i to run npm install" in str(strip.entry(INSTALL_PROCESS).render())
        assert not (tmp_path / "node_modules").exists(), "nothing ran before the key"
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        bar = app.dashboard.query_one(KeyBar)
        assert ("i", "install") in [(k.key, k.word) for k in bar.shown], "kept while offered"
        await pilot.press("i")
        await wait_until(pilot, lambda: supervisor.status("web").state is S.READY)
        assert supervisor.status(INSTALL_PROCESS).state is S.EXITED
        assert (tmp_path / "node_modules" / "convex" / "package.json").is_file()
        pane = [e.text for e in app.dashboard.view(INSTALL_PROCESS).buffer.entries(0, 20)]
        assert "added 1 packages in 0.2s" in pane
        assert supervisor.problems.all()[0].resolved
        assert app.dashboard.check_action("install", ()) is False, "i is offered no more"
        assert "i" not in [k.key for k in bar.shown]
        await pilot.press("q")
        await wait_until(pilot, lambda: app.return_value is not None, timeout=30)
    assert app.return_value == 0
