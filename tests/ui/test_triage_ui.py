"""The triage screen through Pilot, on a generated session log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from devtui.core.triage.session import TriageSession
from devtui.ui.screens import triage as triage_screen
from devtui.ui.screens.triage import TriageScreen
from devtui.ui.triage_app import TriageApp
from devtui.ui.widgets.session_lines import SessionLines
from tests.triage_log import LogBuilder, story


async def indexed(app: TriageApp, pilot: object) -> TriageScreen:
    """Wait until the worker has indexed the whole log."""
    screen = app.triage
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    assert screen.session.index.done
    return screen


def rendered(widget: Static) -> str:
    return str(widget.render())


def current_text(screen: TriageScreen) -> str:
    lines = screen.query_one(SessionLines)
    assert lines.current_line is not None
    return screen.session.index.line(lines.current_line).text


async def test_problems_are_listed_with_counts_and_context(tmp_path: Path) -> None:
    app = TriageApp(TriageSession(story(tmp_path / "session-1.jsonl")))
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await indexed(app, pilot)
        table = screen.query_one("#triage-problems", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [str(r[1]) for r in rows] == [
            "Convex deployment retrying",
            "Node built-in imported in a V8 file",
        ]
        assert [r[4] for r in rows] == ["1", "2"]
        await pilot.press("down")
        detail = rendered(screen.query_one("#triage-detail", Static))
        assert "Occurrence 2 of 2" in detail and "Fix  Move it into" in detail
        assert '▶ ✘ [ERROR] Could not resolve "crypto"' in detail
        await pilot.press("left_square_bracket")
        assert "Occurrence 1 of 2" in rendered(screen.query_one("#triage-detail", Static))
        await pilot.press("o")  # sort by count: the crypto problem (2) first
        assert str(table.get_row_at(0)[1]) == "Node built-in imported in a V8 file"


async def test_show_in_session_jumps_to_the_occurrence(tmp_path: Path) -> None:
    app = TriageApp(TriageSession(story(tmp_path / "session-1.jsonl")))
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await indexed(app, pilot)
        await pilot.press("down", "g")
        assert current_text(screen) == '✘ [ERROR] Could not resolve "crypto"'
        assert screen.query_one(SessionLines).cursor == 5  # the second occurrence


async def test_search_steps_through_matches_and_error_warning_jumps(tmp_path: Path) -> None:
    app = TriageApp(TriageSession(story(tmp_path / "session-1.jsonl")))
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await indexed(app, pilot)
        await pilot.press("2", "slash", *"preparing", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        lines = screen.query_one(SessionLines)
        assert len(lines.matches) == 3
        assert "/preparing: 3 matches" in rendered(screen.query_one("#session-status", Static))
        await pilot.press("n")
        assert lines.cursor == 4
        await pilot.press("N")
        assert lines.cursor == 0
        await pilot.press("e")
        assert lines.cursor == 1  # the first error block
        await pilot.press("e")
        assert lines.cursor == 5  # the next block, not the next line of this one
        await pilot.press("E")
        assert lines.cursor == 1
        await pilot.press("w")
        assert current_text(screen) == "Retrying request (attempt 2/6)"
        here = lines.cursor
        await pilot.press("W")  # no warning before it: the cursor stays, and says so
        await pilot.pause()
        assert lines.cursor == here
        assert any("No warning line before" in str(n.message) for n in app._notifications)


async def test_a_long_search_shows_its_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search over many chunks of the log repaints "searching… N%" as it goes (every
    update here, so the test does not depend on how fast this machine is)."""
    monkeypatch.setattr(triage_screen, "PROGRESS_EVERY", 0.0)
    log = LogBuilder()
    for block in range(40):  # about 4 MiB: several chunks of the index's scratch text
        log.lines("convex", *[f"block {block} line {i} " + "x" * 80 for i in range(1000)])
    app = TriageApp(TriageSession(log.write(tmp_path / "session-1.jsonl")))
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await indexed(app, pilot)
        status = screen.query_one("#session-status", Static)
        shown: list[str] = []
        update = screen._update_status

        def recording_update() -> None:
            update()
            shown.append(rendered(status))

        monkeypatch.setattr(screen, "_update_status", recording_update)
        await pilot.press("2", "slash", *"line 999", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        progress = [
            int(m.group(1))
            for text in shown
            if (m := re.search(r"searching /line 999… (\d+)%", text))
        ]
        assert any(0 < share < 100 for share in progress), shown
        assert progress == sorted(progress)
        assert "/line 999: 40 matches" in rendered(status)


async def test_filters_by_process_level_and_terms(tmp_path: Path) -> None:
    app = TriageApp(TriageSession(story(tmp_path / "session-1.jsonl")))
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await indexed(app, pilot)
        lines = screen.query_one(SessionLines)

        async def settled() -> list[str]:
            await app.workers.wait_for_complete()
            await pilot.pause()
            return [screen.session.index.line(n).text for n in lines.view]

        await pilot.press("2", "p")  # convex only
        assert len(await settled()) == 12
        await pilot.press("p")  # vite only
        assert await settled() == [
            "  VITE v8.3.8  ready in 271 ms",
            "  ➜  Local:   http://localhost:5173/",
            "[vite] hmr update /src/App.tsx",
        ]
        await pilot.press("p", "v", "v")  # all processes, errors only
        assert len(await settled()) == 6
        await pilot.press("v", "f", *"preparing !nothing", "enter")
        assert await settled() == ["- Preparing Convex functions..."] * 3
        status = rendered(screen.query_one("#session-status", Static))
        assert "filter: preparing !nothing" in status
        await pilot.press("escape")  # clears the filter
        assert len(await settled()) == 15
        await pilot.press("T")  # since last ready
        assert (await settled())[0] == "  VITE v8.3.8  ready in 271 ms"


async def test_an_invalid_regex_is_a_message_not_a_crash(tmp_path: Path) -> None:
    app = TriageApp(TriageSession(story(tmp_path / "session-1.jsonl")))
    async with app.run_test(size=(160, 45)) as pilot:
        await indexed(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        app.triage.query_one("#session-query", Input).value = "(unclosed"
        await pilot.press("enter")
        await pilot.pause()
        assert any("invalid regex" in str(n.message) for n in app._notifications), [
            n.message for n in app._notifications
        ]


async def test_export_writes_a_markdown_report(tmp_path: Path) -> None:
    app = TriageApp(TriageSession(story(tmp_path / "session-1.jsonl")))
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await indexed(app, pilot)
        screen.reports_dir = tmp_path
        await pilot.press("down", "x")
        await pilot.pause()
        (report,) = tmp_path.glob("devtui-report-*.md")
        text = report.read_text()
        assert "## ✖ Node built-in imported in a V8 file" in text
        assert "Convex deployment retrying" not in text  # x: the chosen problem only
        assert '>!convex │ ✘ [ERROR] Could not resolve "crypto"' in text
        assert app.clipboard == text


async def test_standalone_triage_has_help_and_its_actions_in_the_palette(tmp_path: Path) -> None:
    from devtui.ui.keys import help_sections
    from devtui.ui.screens.help import HelpScreen
    from devtui.ui.widgets.key_bar import KeyBar

    app = TriageApp(TriageSession(story(tmp_path / "session-1.jsonl")))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await indexed(app, pilot)
        bar = [(key.key, key.word) for key in screen.query_one("#triage-bar", KeyBar).shown]
        assert ("?", "help") in bar and ("Esc", "quit") in bar and ("^p", "commands") in bar
        commands = list(app.get_system_commands(screen))
        titles = [command.title for command in commands]
        assert {"Search", "Errors", "Export", "Sort", "Help", "Quit", "Theme"} <= set(titles)
        assert titles.count("Quit") == 1 and "Keys" not in titles
        helps = {c.title: c.help for c in commands}
        assert helps["Errors"].endswith("key e") and "right_square_bracket" not in str(helps)
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = {
            row.keys: row.what
            for rows in help_sections(help_screen.listed).values()
            for row in rows
        }
        assert rows["e"].startswith("Next error block") and rows["] / ."].startswith("Next occ")
        await pilot.press("escape")
        assert app.screen is screen


async def test_standalone_triage_help_names_each_tab_key_and_offers_no_dashboard(
    tmp_path: Path,
) -> None:
    from devtui.ui.keys import help_sections

    app = TriageApp(TriageSession(story(tmp_path / "session-1.jsonl")))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await indexed(app, pilot)
        rows = {
            row.keys: row.what
            for rows in help_sections(screen.key_bindings()).values()
            for row in rows
        }
        assert rows["1"] == "The problems tab" and rows["2"].startswith("Every line")
        assert "1 … 9" not in rows and "t" not in rows, "no dashboard here"
        titles = {c.title: c.help for c in app.get_system_commands(screen)}
        assert titles["Export all"].startswith("A Markdown report of every problem")
