"""The TUI over the real demo children: states, panes, live triage, restart, and quitting
leaving nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import psutil
from textual.pilot import Pilot

from devtui.core.config import demo_config
from devtui.core.events import ProcessState
from devtui.core.run.session import RunSession
from devtui.demo.project import prepare
from devtui.ui.app import DevtuiApp
from devtui.ui.screens.triage import TriageScreen
from devtui.ui.widgets.status_strip import StatusStrip


async def wait_until(pilot: Pilot[int], check: Callable[[], bool], timeout: float = 20.0) -> None:
    """Let the app run until `check()` holds (polling the screen state), or fail."""
    async with asyncio.timeout(timeout):
        while not check():
            await pilot.pause(0.05)


def children() -> list[psutil.Process]:
    return [
        p for p in psutil.Process().children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE
    ]


async def test_demo_stack_in_the_tui_triage_restart_and_quit(tmp_path: Path) -> None:
    root = prepare(tmp_path / "demo", "ok")
    session = RunSession(demo_config(root, "ok"), interactive=True)
    app = DevtuiApp(session)
    async with app.run_test(size=(120, 36)) as pilot:
        strip = app.dashboard.query_one(StatusStrip)
        await wait_until(pilot, lambda: strip.entry("vite").has_class("-ready"))
        assert strip.entry("convex").has_class("-ready")
        assert "http://localhost:" in str(strip.entry("vite").render())
        assert any(
            "Convex functions ready!" in e.text
            for e in app.dashboard.view("convex").buffer.entries(0, 50)
        )
        await pilot.press("t")  # triage of this very session, as written so far
        triage = app.screen
        assert isinstance(triage, TriageScreen) and triage.live
        await wait_until(pilot, lambda: triage.session.index.done)
        indexed = triage.session.index
        assert any(
            "Convex functions ready!" in indexed.line(n).text for n in range(indexed.indexed)
        )
        await pilot.press("t")
        assert app.screen is app.dashboard
        first_vite = session.supervisor.status("vite").pid
        await pilot.press("2", "r")
        await wait_until(
            pilot,
            lambda: (
                session.supervisor.status("vite").restarts == 1
                and session.supervisor.status("vite").state is ProcessState.READY
            ),
        )
        assert session.supervisor.status("vite").pid != first_vite
        assert children(), "the stack is running"
        await pilot.press("q")
        await wait_until(pilot, lambda: app.return_value is not None, timeout=30)
    assert app.return_value == 0
    assert children() == [], "quitting must leave no process behind"
    assert session.log is not None and session.log.path.is_file()
