"""The dashboard offers to stop a leftover dev server holding a port the stack needs, and
the stack then starts on that port; the control socket answers for the TUI too."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from devtui.core.config.model import Config
from devtui.core.control.client import ControlClient
from devtui.core.control.place import Instance, ProjectClaim
from devtui.core.events import ProcessState
from devtui.core.run.session import RunSession
from devtui.ui.app import DevtuiApp
from devtui.ui.screens.port_holder import PortHolderScreen
from tests.helpers import CHILDREN, make_config
from tests.port_holders import free_port, leftover_dev_server
from tests.ui.test_app_real import wait_until


def _config(root: Path, port: int) -> Config:
    command = [sys.executable, str(CHILDREN / "scripted.py"), "out:ready in 3 ms", "hold"]
    web = {"command": command, "ready": "ready in", "port": port}
    return make_config({"web": web}, {"keep_logs": 1, "lint": False}, root=root)


async def test_y_stops_the_leftover_and_the_server_gets_its_port(tmp_path: Path) -> None:
    port = free_port()
    leftover = leftover_dev_server(port, tmp_path / "old-app")
    config = _config(tmp_path, port)
    claim = ProjectClaim(tmp_path, Instance(os.getpid(), time.time(), "tui", str(tmp_path), ""))
    claim.take()
    session = RunSession(config, interactive=True, claim=claim)
    app = DevtuiApp(session)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, PortHolderScreen))
            assert session.supervisor.status("web").state is ProcessState.WAITING
            await pilot.press("y")
            await wait_until(pilot, lambda: leftover.poll() is not None)
            await wait_until(
                pilot, lambda: session.supervisor.status("web").state is not ProcessState.WAITING
            )
            assert not [p for p in session.supervisor.problems.all() if p.rule == "port-in-use"]
            await wait_until(pilot, lambda: session.control is not None)

            def hello_from_another_client() -> dict[str, object]:
                with ControlClient.connect(tmp_path) as client:
                    return client.request("hello")

            hello = await asyncio.to_thread(hello_from_another_client)  # (the app's loop serves)
            assert hello["front_end"] == "tui" and hello["pid"] == os.getpid()
            await pilot.press("q")
            await wait_until(pilot, lambda: app.return_value is not None, timeout=30)
    finally:
        leftover.kill()
        leftover.wait(5)
        claim.release()


async def test_n_leaves_it_and_the_launch_reports_the_holder(tmp_path: Path) -> None:
    port = free_port()
    leftover = leftover_dev_server(port, tmp_path / "old-app")
    session = RunSession(_config(tmp_path, port))
    app = DevtuiApp(session)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, PortHolderScreen))
            await pilot.press("n")
            await wait_until(
                pilot,
                lambda: any(p.rule == "port-in-use" for p in session.supervisor.problems.all()),
            )
            [problem] = session.supervisor.problems.all()
            assert f"held by pid {leftover.pid}" in problem.message
            assert leftover.poll() is None  # left alone
            await pilot.press("q")
            await wait_until(pilot, lambda: app.return_value is not None, timeout=30)
    finally:
        leftover.kill()
        leftover.wait(5)
