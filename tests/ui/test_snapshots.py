"""SVG snapshots of the main layouts (pytest-textual-snapshot); update with --snapshot-update."""

from __future__ import annotations

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


def test_help_screen(snap_compare: Any, tmp_path: Path) -> None:
    session = FakeSession(stack_config(tmp_path))
    assert snap_compare(
        DevtuiApp(session, "demo"),
        terminal_size=(80, 24),
        run_before=run_story(session),
        press=["question_mark"],
    )


def test_problems_screen(snap_compare: Any, tmp_path: Path) -> None:
    session = FakeSession(stack_config(tmp_path))
    assert snap_compare(
        DevtuiApp(session, "demo"),
        terminal_size=(160, 45),
        run_before=run_story(session),
        press=["p"],
    )
