"""Memory in the TUI: the status strip's figure, the memory screen, more heap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from rich.style import Style
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from devtui.core.events import ProcessState
from devtui.core.memory.figures import MIB
from devtui.ui.plot import bar_plot
from devtui.ui.screens.memory import MemoryScreen
from devtui.ui.widgets.status_strip import StatusStrip
from tests.helpers import make_config
from tests.ui.fakes import FakeSession
from tests.ui.test_app_scripted import RecordingApp, recording_app, settle

S = ProcessState


@pytest.fixture
def session(tmp_path: Path) -> FakeSession:
    config = make_config(
        {
            "convex": {"command": "true", "kind": "convex", "memory_warn_mb": 200},
            "vite": {"command": "true", "kind": "vite", "depends_on": ["convex"]},
        },
        root=tmp_path,
    )
    return FakeSession(config)


@pytest.fixture
async def running(session: FakeSession) -> AsyncIterator[tuple[RecordingApp, Pilot[int]]]:
    async with recording_app(session, (140, 40)) as running:
        yield running


async def test_the_status_strip_shows_tree_memory_coloured_by_threshold(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    session.state("convex", S.READY, "push 1 succeeded")
    for second in range(80):
        session.memory("convex", 50 + 2 * second, 30, at=1_800_000_000.0 + second)
    await settle(pilot)
    entry = app.dashboard.query_one(StatusStrip).entry("convex")
    text = entry.render()
    # 208 + 30 MiB, +2 MiB a second once start-up (the first 30 s) is over
    assert "238 MiB ↗ 120 MiB/min" in text.plain
    assert any(
        isinstance(span.style, Style) and span.style.color and span.style.color.name == "yellow"
        for span in text.spans
    )
    # The crossing is a warning problem.
    assert [p.rule for p in session.supervisor.problems.all()] == ["memory-high"]
    # No figure for a process that is not running.
    session.state("convex", S.EXITED, "exited with code 0")
    await settle(pilot)
    assert "MiB" not in entry.render().plain


async def test_the_memory_screen_plots_each_process_and_lists_the_chosen_tree(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    for second in range(5):
        session.memory("convex", 50 + second * 20, 25, 5, at=1_800_000_000.0 + second)
        session.memory("vite", 20, at=1_800_000_000.0 + second)
    await settle(pilot)
    await pilot.press("m")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, MemoryScreen)
    head = screen.query_one("#memory-head-convex", Static).render()
    assert "▶ convex  now 160 MiB" in str(head) and "peak 160 MiB  (warn 200 MiB)" in str(head)
    plot = str(screen.query_one("#memory-plot-convex", Static).render())
    assert plot.splitlines()[-1].strip().startswith("0 ┤")
    table = screen.query_one("#memory-children", DataTable)
    assert table.row_count == 3
    assert [str(cell) for cell in table.get_row_at(0)] == ["1000", "130 MiB", "convex process 0"]
    await pilot.press("down")  # vite
    assert screen.chosen == "vite" and table.row_count == 1
    session.memory("vite", 20, 12, at=1_800_000_010.0)  # live: the screen follows samples
    await settle(pilot)
    assert table.row_count == 2
    await pilot.press("H")
    await settle(pilot)
    assert ("more-heap", "vite") in session.supervisor.commands
    assert any(
        "vite restarts with NODE_OPTIONS=--max-old-space-size=8192" in m for _, m, _ in app.notes
    )
    await pilot.press("escape")
    assert not isinstance(app.screen, MemoryScreen)


async def test_out_of_memory_offers_the_restart_with_more_heap(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    session.state(
        "convex",
        S.OOM,
        "out of memory at its heap limit 4096 MiB (killed by SIGABRT)",
        heap_mb=4096,
    )
    await settle(pilot)
    assert (
        "convex: out of memory",
        "convex ran out of memory at its heap limit 4096 MiB (killed by SIGABRT). Press H to "
        "restart it with --max-old-space-size=8192.",
        "error",
    ) in app.notes
    await pilot.press("1", "H")
    await settle(pilot)
    assert ("more-heap", "convex") in session.supervisor.commands


def test_the_plot_starts_at_zero_and_grows_from_the_right() -> None:
    text = bar_plot([0, 50 * MIB, 100 * MIB], width=14, height=2, ceiling=100 * MIB, label="100")
    top, bottom = text.plain.splitlines()
    assert top == "    100 ┤    █" and bottom == "      0 ┤   ██"
    marked = bar_plot([10 * MIB], 12, 4, 100 * MIB, "100", threshold=80 * MIB).plain.splitlines()
    assert marked[0].endswith("┄┄┄") and "┄" not in marked[-1]
