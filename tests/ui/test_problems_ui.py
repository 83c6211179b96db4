"""Problems in the TUI: marked lines, the problems bar, the problems screen, the editor."""

from __future__ import annotations

import asyncio
import io
import json
import stat
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from devtui.core.problems.book import Severity
from devtui.ui.editor import EditorNotSet, editor_command
from devtui.ui.screens.problems import ProblemsScreen
from devtui.ui.widgets.problems_bar import ProblemsBar
from tests.ui.fakes import FakeSession, crypto_problem, stack_config
from tests.ui.test_app_scripted import RecordingApp, recording_app, settle

ERROR_LINES = (
    "- Preparing Convex functions...",
    '✘ [ERROR] Could not resolve "crypto"',
    "",
    "    convex/ai.ts:1:27:",
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "convex").mkdir()
    (tmp_path / "convex" / "ai.ts").write_text('import { createHash } from "crypto";\n')
    return tmp_path


@pytest.fixture
def session(project: Path) -> FakeSession:
    return FakeSession(stack_config(project))


@pytest.fixture
async def running(session: FakeSession) -> AsyncIterator[tuple[RecordingApp, Pilot[int]]]:
    async with recording_app(session, (160, 45)) as running:
        yield running


def fake_editor(folder: Path, name: str = "fake-editor") -> tuple[Path, Path]:
    """An editor that writes its argv to a file; returns (the command, the record)."""
    record = folder / f"{name}.argv.json"
    script = folder / name
    script.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"open({str(record)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, record


@contextmanager
def terminal_handed_over() -> Iterator[None]:
    """Pilot has no real terminal to suspend; the hand-over itself is checked in tmux."""
    yield


async def test_a_problems_lines_are_marked_in_its_pane_and_the_merged_view(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    session.lines("convex", *ERROR_LINES, stream="stderr")
    session.problem(crypto_problem(seqs=(2, 3, 4)))
    await settle(pilot)
    for pane in ("convex", "all"):
        view = app.dashboard.view(pane)
        marks = [view.buffer.mark_of(view.buffer.entry(n)) for n in range(4)]
        assert marks == [None, Severity.ERROR, Severity.ERROR, Severity.ERROR], pane
    view = app.dashboard.view("convex")
    rendered = "".join(segment.text for segment in view.render_line(1))
    assert rendered.startswith('✖✘ [ERROR] Could not resolve "crypto"')
    assert "".join(segment.text for segment in view.render_line(0)).startswith("▏- Preparing")


async def test_the_problems_bar_counts_and_names_the_latest(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    bar = app.dashboard.query_one(ProblemsBar)
    await settle(pilot)
    assert not bar.has_class("-shown")
    problem = session.problem(crypto_problem(seqs=()))
    await settle(pilot)
    assert bar.has_class("-shown")
    text = str(bar.render())
    assert text.startswith("✖ 1 error")
    assert 'convex: convex/ai.ts:1:28  Could not resolve "crypto"' in text
    session.resolve(problem)
    await settle(pilot)
    assert str(bar.render()).startswith("✔ 1 resolved")


async def test_a_repeated_problem_is_announced_once_until_resolved(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    problem = session.problem(crypto_problem())
    session.problem(crypto_problem(at=1_800_000_010.0))
    await settle(pilot)
    titles = [title for title, _, _ in app.notes]
    assert titles.count("convex: Node built-in imported in a V8 file") == 1
    session.resolve(problem)
    session.problem(crypto_problem(at=1_800_000_020.0))
    await settle(pilot)
    titles = [title for title, _, _ in app.notes]
    assert titles.count("convex: Node built-in imported in a V8 file") == 2


async def test_the_problems_screen_lists_explains_and_follows_the_book(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    problem = session.problem(crypto_problem())
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, ProblemsScreen)
    assert screen.chosen == problem
    shown = screen.query_one("#problem-details", Static).content
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(shown)
    details = console.export_text()
    assert "Why" in details and "Fix" in details and '"use node" file' in details
    assert "convex/ai.ts:1:28  from convex" in details
    # A new problem while the screen is open shows up at once.
    other = replace(
        crypto_problem(at=1_800_000_030.0),
        rule="vite-port-fallback",
        severity=Severity.INFO,
        title="Vite port in use: another one taken",
        process="vite",
        fingerprint="vite-port-fallback||5173",
    )
    session.problem(other)
    await settle(pilot)
    assert screen.query_one(OptionList).option_count == 2
    session.resolve(problem)
    await settle(pilot)
    await pilot.press("r")  # hide resolved
    assert [p.rule for p in screen._problems] == ["vite-port-fallback"]
    await pilot.press("escape")
    assert not isinstance(app.screen, ProblemsScreen)


async def test_open_in_editor_without_an_editor_says_how(
    running: tuple[RecordingApp, Pilot[int]],
    session: FakeSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, pilot = running
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    session.problem(crypto_problem())
    await settle(pilot)
    await pilot.press("p", "enter")
    await settle(pilot)
    assert (
        "No editor",
        "Set $VISUAL or $EDITOR (e.g. export EDITOR=nvim) to open files from here; this one "
        "is convex/ai.ts:1:28",
        "warning",
    ) in app.notes


async def test_open_in_editor_hands_the_file_and_line_to_a_terminal_editor(
    running: tuple[RecordingApp, Pilot[int]],
    session: FakeSession,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, pilot = running
    editor, record = fake_editor(project)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.setattr(app, "suspend", terminal_handed_over)
    session.problem(crypto_problem())
    await settle(pilot)
    await pilot.press("p", "o")
    async with asyncio.timeout(10):
        while not record.exists():
            await pilot.pause(0.05)
    assert json.loads(record.read_text()) == ["+1", str(project / "convex" / "ai.ts")]


async def test_a_gui_editor_is_started_in_the_background(
    running: tuple[RecordingApp, Pilot[int]],
    session: FakeSession,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _app, pilot = running
    code, record = fake_editor(project, "code")
    monkeypatch.setenv("VISUAL", f"{code} --reuse-window")
    session.problem(crypto_problem())
    await settle(pilot)
    await pilot.press("p", "o")
    async with asyncio.timeout(10):
        while not record.exists() or not record.read_text():
            await pilot.pause(0.05)
    path = project / "convex" / "ai.ts"
    assert json.loads(record.read_text()) == ["--reuse-window", "-g", f"{path}:1:28"]


async def test_a_missing_file_or_editor_is_named(
    running: tuple[RecordingApp, Pilot[int]],
    session: FakeSession,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, pilot = running
    monkeypatch.setenv("VISUAL", "no-such-editor-xyz")
    monkeypatch.setattr(app, "suspend", terminal_handed_over)
    session.problem(crypto_problem())
    later = crypto_problem(at=1_800_000_010.0)
    session.problem(replace(later, file="agent.js", fingerprint="other"))
    await settle(pilot)
    await pilot.press("p", "o")  # the latest first: agent.js, not under the project
    await settle(pilot)
    assert any(f"agent.js: no such file under {project}" in m for _, m, _ in app.notes)
    await pilot.press("down", "o")
    async with asyncio.timeout(10):
        while not any("Cannot run no-such-editor-xyz" in m for _, m, _ in app.notes):
            await pilot.pause(0.05)


async def test_go_to_lines_shows_them_in_the_pane(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    session.lines("convex", *ERROR_LINES, stream="stderr")
    session.lines("convex", *[f"later line {i}" for i in range(200)])
    session.problem(crypto_problem(seqs=(2, 3, 4)))
    await settle(pilot)
    await pilot.press("p", "g")
    await settle(pilot)
    view = app.dashboard.view("convex")
    assert not isinstance(app.screen, ProblemsScreen)
    assert app.dashboard.focused is view and not view.following
    top = int(view.scroll_y)
    shown = [view.buffer.entry(view.buffer.number_at(top + row)).seq for row in range(5)]
    assert 2 in shown and top < 150  # the problem's first line is on screen, near the top


@pytest.mark.parametrize(
    ("setting", "argv"),
    [
        ("vim", ["vim", "+12", "/p/a.ts"]),
        ("nvim -p", ["nvim", "-p", "+12", "/p/a.ts"]),
        ("code --wait", ["code", "--wait", "-g", "/p/a.ts:12:3"]),
        ("/usr/bin/zed", ["/usr/bin/zed", "/p/a.ts:12:3"]),
        ("hx", ["hx", "/p/a.ts:12:3"]),
        ("idea", ["idea", "--line", "12", "--column", "3", "/p/a.ts"]),
    ],
)
def test_editor_commands_follow_each_editors_convention(setting: str, argv: list[str]) -> None:
    assert editor_command({"EDITOR": setting}, Path("/p/a.ts"), 12, 3).argv == argv


def test_visual_wins_over_editor_and_blank_means_unset() -> None:
    both = {"VISUAL": "code", "EDITOR": "vim"}
    assert editor_command(both, Path("/a"), 1, None).gui
    with pytest.raises(EditorNotSet):
        editor_command({"VISUAL": " ", "EDITOR": ""}, Path("/a"), 1, 1)


async def test_notifications_show_output_text_literally(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    message = "A(ai:streamChatWithAI): '[AI_STREAMING] Stream failed: 401'"
    session.problem(replace(crypto_problem(), message=message, fingerprint="logged"))
    await settle(pilot)
    from devtui.ui.widgets.notice_bar import NoticeBar

    shown = app.dashboard.query_one(NoticeBar).text
    assert message in shown, shown  # quoted literally: [AI_STREAMING] is not markup


def test_a_resolved_problems_detail_has_the_lists_mark_and_its_latest_output_whole() -> None:
    from devtui.ui.problem_text import problem_details, problem_row

    long = "    at handler (../convex/" + "deep/" * 40 + "ai.ts:12:12)"
    problem = replace(
        crypto_problem(),
        count=2,
        lines=("[ERROR] '401'", "Uncaught Error: 401", long),
        resolved=True,
        resolved_at=1_800_000_060.0,
    )
    console = Console(file=io.StringIO(), width=80, color_system=None)
    console.print(problem_details(problem))
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert str(problem_row(problem)).startswith("✔")
    assert shown.splitlines()[0].startswith("✔ ") and "✖" not in shown.splitlines()[0]
    assert "resolved at" in shown.splitlines()[0]
    assert "Output (latest occurrence, " in shown and "first time" not in shown
    assert "ai.ts:12:12)" in shown, "a long line wraps, it is not cut"
