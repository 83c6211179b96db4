"""SVG snapshots of the main layouts (pytest-textual-snapshot); update with --snapshot-update."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from devtui.core.events import ProcessState
from devtui.ui.app import DevtuiApp
from devtui.ui.widgets.log_view import REPAINT_EVERY
from tests.ui.fakes import FakeSession, crypto_problem, stack_config

S = ProcessState
AT = 1_795_324_920.0  # a fixed moment: clock times in the strip are part of the picture


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def story(session: FakeSession) -> None:
    """The end of the demo's violation story: two failed pushes, the fix, both ready."""
    session.state("convex", S.STARTING, "npx convex dev", at=AT)
    session.lines(
        "convex",
        "▌ Developing against deployment:",
        "▌ └─ http://127.0.0.1:3210",
        "- Preparing Convex functions...",
        "",
        stream="stderr",
        at=AT,
    )
    session.lines(
        "convex",
        '✘ [ERROR] Could not resolve "crypto"',
        "",
        "    convex/ai.ts:1:27:",
        '      1 │ import { createHash } from "crypto";',
        stream="stderr",
        raws=(
            '\x1b[31m✘\x1b[39m [ERROR] Could not resolve "crypto"',
            "",
            "    convex/ai.ts:1:27:",
            '      1 │ import { createHash } from "crypto";',
        ),
        at=AT,
    )
    problem = session.problem(crypto_problem(AT, seqs=(5, 6, 7, 8)))
    session.lines(
        "convex",
        "- Preparing Convex functions...",
        "",
        "✔ 04:42:00 Convex functions ready! (801.56ms)",
        stream="stderr",
        raws=(
            "- Preparing Convex functions...",
            "",
            "\x1b[32m✔\x1b[39m 04:42:00 Convex functions ready! (801.56ms)",
        ),
        at=AT,
    )
    session.state(
        "convex",
        S.READY,
        "push 3 succeeded in 802ms",
        at=AT,
        ready_after_s=9.1,
        pushes=1,
        failed_pushes=2,
        last_push_s=0.80156,
        push_durations=(0.80156,),
    )
    session.resolve(problem)
    session.state("vite", S.STARTING, "npx vite", at=AT)
    session.lines(
        "vite",
        "",
        "  VITE v8.3.8  ready in 271 ms",
        "",
        "  ➜  Local:   http://localhost:5173/",
        "  ➜  Network: use --host to expose",
        at=AT,
    )
    session.state(
        "vite", S.READY, "ready after 71ms", at=AT, ready_after_s=9.2, url="http://localhost:5173/"
    )


def run_story(session: FakeSession) -> Any:
    async def before(pilot: Pilot[int]) -> None:
        story(session)
        for _ in range(4):
            await pilot.pause()
        await pilot.pause(REPAINT_EVERY + 0.05)  # panes repaint at most every REPAINT_EVERY

    return before


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_dashboard_layout(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    session = FakeSession(stack_config(tmp_path))
    assert snap_compare(
        DevtuiApp(session, "demo"), terminal_size=size, run_before=run_story(session)
    )


def test_merged_view_with_a_search(snap_compare: Any, tmp_path: Path) -> None:
    session = FakeSession(stack_config(tmp_path))
    assert snap_compare(
        DevtuiApp(session, "demo"),
        terminal_size=(120, 30),
        run_before=run_story(session),
        press=["a", "slash", *"crypto", "enter"],
    )


SIZES = [(80, 24), (160, 45)]
SCREENS = {
    "problems": ["p"],
    "memory": ["m"],
    "help": ["question_mark"],
    "zoomed": ["1", "z"],
    "wrapped": ["1", "w"],
}
"""Each screen (and mode) of the dashboard, by the keys that open it."""


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_screen_at_both_sizes(
    snap_compare: Any, tmp_path: Path, screen: str, size: tuple[int, int]
) -> None:
    session = FakeSession(stack_config(tmp_path))

    def before(pilot: Pilot[int]) -> Any:
        async def run() -> None:
            await run_story(session)(pilot)
            if screen == "memory":
                for second in range(40):
                    session.memory("convex", 120 + second, 30, at=AT + second)
                    session.memory("vite", 80, at=AT + second)
            if screen == "wrapped":
                session.lines("convex", "x" * 200 + " END", at=AT)
                await pilot.pause(REPAINT_EVERY + 0.05)

        return run()

    assert snap_compare(
        DevtuiApp(session, "demo"), terminal_size=size, run_before=before, press=SCREENS[screen]
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_the_shutdown_screen_at_both_sizes(
    snap_compare: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    session = FakeSession(stack_config(tmp_path))
    stop = asyncio.Event()

    async def held_close(exit_code: int | None, reason: str = "") -> None:
        await stop.wait()  # the stop in progress is what the picture shows

    session.close = held_close  # type: ignore[method-assign]

    async def before(pilot: Pilot[int]) -> None:
        await run_story(session)(pilot)
        await pilot.press("q")
        await pilot.pause(0.1)

    try:
        assert snap_compare(DevtuiApp(session, "demo"), terminal_size=size, run_before=before)
    finally:
        stop.set()


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_standalone_triage_at_both_sizes(
    snap_compare: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    from devtui.core.triage.session import TriageSession
    from devtui.ui.triage_app import TriageApp
    from tests.triage_log import story as triage_story

    app = TriageApp(TriageSession(triage_story(tmp_path / "session-1.jsonl")))

    async def before(pilot: Pilot[int]) -> None:
        await app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=before)


async def test_the_layout_follows_a_live_resize(tmp_path: Path) -> None:
    from devtui.ui.widgets.key_bar import KeyBar

    session = FakeSession(stack_config(tmp_path))
    app = DevtuiApp(session, "demo")
    async with app.run_test(size=(160, 45)) as pilot:
        await run_story(session)(pilot)
        split = app.dashboard.query_one("#split")
        convex, vite = app.dashboard.view("convex"), app.dashboard.view("vite")
        assert not split.has_class("-stacked") and convex.region.y == vite.region.y
        wide_keys = len(app.dashboard.query_one(KeyBar).shown)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert split.has_class("-stacked") and convex.region.x == vite.region.x
        assert convex.region.width > 70, "stacked panes take the whole width"
        assert len(app.dashboard.query_one(KeyBar).shown) < wide_keys
        await pilot.press("l")  # by hand: side by side even at 80 columns
        await pilot.resize_terminal(90, 30)  # still narrow: the hand-picked layout holds
        await pilot.pause()
        assert not split.has_class("-stacked")
        await pilot.resize_terminal(160, 45)
        await pilot.pause()
        assert not split.has_class("-stacked") and convex.region.y == vite.region.y
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert split.has_class("-stacked")
