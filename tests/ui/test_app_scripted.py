"""The TUI driven by scripted core events (no processes): what it shows, what keys do."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from rich.segment import Segment
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.pilot import Pilot
from textual.widgets import ContentSwitcher, Static

from devtui.core.events import DescendantsLeft, ProblemDetected, ProcessState, ProcessUpdated
from devtui.core.problems.book import Problem, Severity
from devtui.ui.app import DevtuiApp
from devtui.ui.keys import help_sections
from devtui.ui.screens.dashboard import DashboardScreen
from devtui.ui.screens.help import HelpScreen
from devtui.ui.screens.shutdown import ShutdownScreen
from devtui.ui.widgets.key_bar import KeyBar
from devtui.ui.widgets.log_view import REPAINT_EVERY, LogView
from devtui.ui.widgets.query_bar import QueryBar
from devtui.ui.widgets.status_strip import StatusStrip
from tests.ui.fakes import FakeSession, stack_config

S = ProcessState


class RecordingApp(DevtuiApp):
    """DevtuiApp that keeps every notification for the test to read."""

    notes: list[tuple[str, str, str]]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        self.notes.append((title, message, severity))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)


@pytest.fixture
def session(tmp_path: Path) -> FakeSession:
    return FakeSession(stack_config(tmp_path))


@asynccontextmanager
async def recording_app(
    session: FakeSession, size: tuple[int, int]
) -> AsyncIterator[tuple[RecordingApp, Pilot[int]]]:
    """The app over a scripted session, running under Pilot, keeping its notifications."""
    app = RecordingApp(session)
    app.notes = []
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        yield app, pilot


@pytest.fixture
async def running(session: FakeSession) -> AsyncIterator[tuple[RecordingApp, Pilot[int]]]:
    async with recording_app(session, (120, 40)) as running:
        yield running


def dash(app: DevtuiApp) -> DashboardScreen:
    return app.dashboard


def line_segments(view: LogView, number: int) -> list[Segment]:
    """The whole rendered line `number` of a pane (not cut to the pane's width)."""
    segments, _cells = view._render_entry(number, view.buffer.entry(number))
    return segments


async def settle(pilot: Pilot[int]) -> None:
    """Let the pump deliver what was published and the panes repaint (at most every 50 ms)."""
    for _ in range(3):
        await pilot.pause()
    await pilot.pause(REPAINT_EVERY + 0.02)


async def test_states_colour_the_strip_and_titles(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    session.state("convex", S.PUSH_FAILED, '✘ [ERROR] Could not resolve "crypto"', failed_pushes=1)
    session.state(
        "vite", S.READY, "ready after 71ms", ready_after_s=1.0, url="http://localhost:5173/"
    )
    await settle(pilot)
    strip = app.dashboard.query_one(StatusStrip)
    assert strip.entry("convex").has_class("-push-failed")
    assert strip.entry("vite").has_class("-ready")
    assert "http://localhost:5173/" in str(strip.entry("vite").render())
    assert dash(app).view("convex").border_title == "convex · push-failed"
    status = session.supervisor.statuses["vite"]
    from dataclasses import replace

    stale = replace(status, stale_since=1_800_000_100.0, stale_cause="convex push-failed")
    session.publish(ProcessUpdated("vite", "stale", 1_800_000_100.0, stale))
    await settle(pilot)
    assert strip.entry("vite").has_class("-stale")
    assert "stale since" in str(strip.entry("vite").render())


async def test_panes_fill_and_the_merged_view_prefixes_names(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    session.lines("convex", "- Preparing Convex functions...", stream="stderr")
    session.lines("vite", "  VITE v8.3.8  ready in 271 ms")
    session.lines("convex", "ok", raws=("\x1b[32mok\x1b[0m",), stream="stderr")
    await settle(pilot)
    d = dash(app)
    assert [e.text for e in d.view("convex").buffer.entries(0, 10)] == [
        "- Preparing Convex functions...",
        "ok",
    ]
    assert len(d.view("vite").buffer) == 1
    assert len(d.view("all").buffer) == 3
    await pilot.press("a")
    assert d.query_one(ContentSwitcher).current == "pane-all"
    merged = d.view("all")
    rendered = "".join(segment.text for segment in merged.render_line(0))
    assert "convex │ - Preparing Convex functions..." in rendered
    coloured = line_segments(merged, 2)
    assert any(
        seg.text == "ok" and seg.style and seg.style.color and seg.style.color.number == 2
        for seg in coloured
    ), "the child's green (ANSI 32) is kept"


async def test_following_pauses_when_scrolled_up_and_resumes_at_the_end(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    session.lines("convex", *[f"line {i}" for i in range(200)])
    await settle(pilot)
    view = dash(app).view("convex")
    assert view.following and view.scroll_y == view.max_scroll_y
    await pilot.press("1", "home")
    assert not view.following
    session.lines("convex", *[f"more {i}" for i in range(7)])
    await settle(pilot)
    assert view.unseen == 7 and view.scroll_y == 0
    assert "paused at 1–" in str(view.border_subtitle)
    assert "of 207, 7 new (End follows)" in str(view.border_subtitle)
    await pilot.press("end")
    await settle(pilot)
    assert view.following and view.unseen == 0 and view.scroll_y == view.max_scroll_y


@pytest.mark.parametrize("key", ["end", "G"])
async def test_end_and_g_resume_following_at_the_true_bottom_while_lines_arrive(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession, key: str
) -> None:
    app, pilot = running
    session.lines("convex", *[f"line {i}" for i in range(200)])
    await settle(pilot)
    view = dash(app).view("convex")
    await pilot.press("1", "home")
    assert not view.following
    for burst in range(6):  # output keeps coming before, while and after the key
        session.lines("convex", *[f"burst {burst} {i}" for i in range(5)])
        await pilot.pause()
        if burst == 2:
            await pilot.press(key)
    await settle(pilot)
    assert view.following, view.border_subtitle
    assert view.scroll_y == view.max_scroll_y
    last_row = int(view.scroll_y) + view.scrollable_content_region.height - 1
    assert view.buffer.entry(view.buffer.number_at(last_row)).text == "burst 5 4"
    assert "paused" not in str(view.border_subtitle)


async def test_search_highlights_counts_steps_and_clears(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    session.lines(
        "convex", "a", 'Could not resolve "crypto"', "b", "import crypto", "c", "crypto again"
    )
    await settle(pilot)
    view = dash(app).view("convex")
    await pilot.press("1", "slash", *"crypto")
    bar = dash(app).query_one(QueryBar)
    assert bar.has_class("-open")
    assert "3 matching lines" in str(bar.query_one("#query-message").render())
    await pilot.press("enter")
    assert view.current_match == view.buffer.matches[0] and "1 of 3" in str(view.border_subtitle)
    await pilot.press("n")
    assert "2 of 3" in str(view.border_subtitle)
    await pilot.press("N", "N")
    assert "3 of 3" in str(view.border_subtitle)
    assert view.current_match is not None
    highlighted = [
        seg.text for seg in line_segments(view, view.current_match) if seg.style and seg.style.bold
    ]
    assert highlighted == ["crypto"]
    await pilot.press("escape")
    assert view.buffer.search is None
    assert str(view.border_subtitle).startswith("paused at "), "the view stays where the user was"


async def test_an_invalid_regex_is_a_message_not_a_crash(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    await pilot.press("slash", "(")
    message = dash(app).query_one(QueryBar).query_one("#query-message")
    assert message.has_class("-error")
    assert "invalid regex '(': missing ), unterminated subpattern" in str(message.render())
    await pilot.press("backspace", *"ok")
    assert not message.has_class("-error")
    # Enter on an invalid regex keeps the bar open on what was typed (it used to close
    # and quietly search the last valid prefix); the input keeps room beside the error.
    bar = dash(app).query_one(QueryBar)
    await pilot.press(*" (x", "enter")
    assert bar.has_class("-open") and message.has_class("-error")
    field = bar.query_one("#query-input")
    assert field.value == "ok (x" and field.size.width >= 20  # type: ignore[attr-defined]
    await pilot.press("backspace", "backspace", "backspace", "enter")
    assert not bar.has_class("-open")
    assert dash(app).view("convex").buffer.search is not None


async def test_filter_keeps_terms_and_hides_bang_terms(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    session.lines("convex", "[ERROR] boom", "[LOG] heartbeat", "[ERROR] heartbeat failed", "fine")
    await settle(pilot)
    await pilot.press("1", "f", *"error", "space", *"!heartbeat", "enter")
    view = dash(app).view("convex")
    assert [e.text for e in view.buffer.entries(0, 9)] == ["[ERROR] boom"]
    assert "filter 'error !heartbeat': 1 lines" in str(view.border_subtitle)


async def test_layout_merged_view_and_zoom_keys(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    d = dash(app)
    session.lines("vite", *[f"line {i}" for i in range(300)])
    await settle(pilot)
    split = d.query_one("#split")
    assert not split.has_class("-stacked"), "120 columns: side by side"
    await pilot.press("l")
    assert split.has_class("-stacked")
    await pilot.press("a")
    assert d.query_one(ContentSwitcher).current == "pane-all"
    await pilot.press("a")
    assert d.query_one(ContentSwitcher).current == "split"
    await pilot.press("2", "z")
    assert d.maximized is d.view("vite")
    await settle(pilot)
    vite = d.view("vite")
    assert vite.following and vite.scroll_y == vite.max_scroll_y, (
        "a zoomed pane still shows the end"
    )
    await pilot.press("z")
    assert d.maximized is None


async def test_a_key_in_a_pane_acts_without_bubbling_through_the_tree(session: FakeSession) -> None:
    """A bound key pressed in a log pane is run by the app at once (one dispatch), not
    after a trip pane → split → switcher → screen → app; an unbound key still reaches
    the pane, and keys typed into the search field still type."""
    keys: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, events.Key):
            keys.append(message.key)

    app = RecordingApp(session)
    app.notes = []
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await pilot.pause()
        d = dash(app)
        assert isinstance(app.focused, LogView)
        keys.clear()
        await pilot.press("z")
        assert d.maximized is d.view("convex")
        assert keys == ["z"], "dispatched by the app alone"
        keys.clear()
        await pilot.press("k")  # bound to nothing
        assert keys.count("k") > 1, "an unbound key goes the usual way, through the pane"
        await pilot.press("z", "slash", *"zap", "enter")
        assert d.maximized is None, "z unzoomed; the z typed in the search field did not zoom"
        assert d.current_view.buffer.search is not None
        assert d.current_view.buffer.search.source == "zap"


async def test_startup_objects_are_frozen_while_the_app_runs(session: FakeSession) -> None:
    """The collector's full passes skip what Textual built at startup, and only while
    the app runs."""
    app = RecordingApp(session)
    app.notes = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert gc.get_freeze_count() > 1000
    assert gc.get_freeze_count() == 0


async def test_process_keys_command_the_selected_process(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    _app, pilot = running
    await pilot.press("2", "r", "x", "s", "1", "r")
    await settle(pilot)
    commands = [c for c in session.supervisor.commands if c[0] != "start-all"]
    assert commands == [
        ("restart", "vite"),
        ("stop", "vite"),
        ("start", "vite"),
        ("restart", "convex"),
    ]


async def test_notifications_for_what_must_not_be_missed(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    problem = Problem(
        "push-failed",
        Severity.ERROR,
        "Convex push failed",
        'Could not resolve "crypto"',
        "convex",
        "fp",
        1.0,
        1.0,
        file="convex/ai.ts",
        line=1,
        column=27,
    )
    session.state("convex", S.PUSH_FAILED, "✘ [ERROR] …")
    session.publish(ProblemDetected(problem))
    session.state("convex", S.READY, "push 2 succeeded in 802ms")
    session.state("vite", S.CRASH_LOOP, "exited with code 1; gave up after 5 failures within 1 min")
    await settle(pilot)
    titles = [title for title, _, _ in app.notes]
    assert "convex: Convex push failed" in titles
    assert (
        "convex: Convex push failed",
        'convex/ai.ts:1:27  Could not resolve "crypto" · p: why, and the fix',
        "error",
    ) in app.notes
    assert "Recovered" in titles
    assert "Crash loop: restarts stopped" in titles


async def test_long_lines_are_cut_with_a_marker(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    session.lines("convex", "x" * 5000)
    await settle(pilot)
    view = dash(app).view("convex")
    text = "".join(seg.text for seg in line_segments(view, 0))
    assert "x" * 2000 in text and "x" * 2001 not in text
    assert "3,000 more characters (the session log has the whole line)" in text


async def test_copy_error_block_and_selection_hint(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    problem = Problem(
        "push-failed",
        Severity.ERROR,
        "Convex push failed",
        "x",
        "convex",
        "fp",
        1.0,
        1.0,
        lines=('✘ [ERROR] Could not resolve "crypto"', "", "    convex/ai.ts:1:27:"),
        occurrence_seqs=(4, 5, 6),
    )
    session.supervisor.problems.record(problem)
    await pilot.press("1", "Y")
    assert app.clipboard == '✘ [ERROR] Could not resolve "crypto"\n\n    convex/ai.ts:1:27:'
    # After a restart: the previous run's push error was resolved later (its last_seen is
    # the newest), and the new run printed a function error, three lines, at seq 40-42.
    from dataclasses import replace

    session.supervisor.problems._by_fingerprint["fp"] = replace(
        problem, resolved=True, resolved_at=9.0, last_seen=9.0
    )
    session.supervisor.problems.record(
        Problem(
            "convex-function-error",
            Severity.ERROR,
            "Convex function error",
            "A(ai:stream): 401",
            "convex",
            "fp2",
            5.0,
            5.0,
            lines=(
                "[CONVEX A(ai:stream)] [ERROR] '401'",
                "[CONVEX A(ai:stream)] Uncaught Error: 401",
                "    at handler (../convex/ai.ts:12:12)",
            ),
            occurrence_seqs=(40, 41, 42),
        )
    )
    await pilot.press("Y")
    assert app.clipboard.splitlines() == [
        "[CONVEX A(ai:stream)] [ERROR] '401'",
        "[CONVEX A(ai:stream)] Uncaught Error: 401",
        "    at handler (../convex/ai.ts:12:12)",
    ]
    assert app.notes[-1][1] == ("Copied convex's last error block: Convex function error, 3 lines")
    await pilot.press("y")
    assert any("Select lines with the mouse" in message for _, message, _ in app.notes)


async def test_help_lists_every_key(running: tuple[RecordingApp, Pilot[int]]) -> None:
    app, pilot = running
    await pilot.press("question_mark")
    assert isinstance(app.screen, HelpScreen)
    sections = help_sections(app.screen.listed)
    rows = [row.keys for rows in sections.values() for row in rows]
    for expected in (
        "?",
        "/",
        "f",
        "n",
        "N",
        "a",
        "l",
        "z",
        "w",
        "End / G",
        "Home / g",
        "←",
        "r",
        "x",
        "s",
        "c",
        "y",
        "Y",
        "Esc",
        "1 … 9",
        "q / Ctrl+C",
        "Ctrl+P",
    ):
        assert any(row == expected or row.startswith(expected) for row in rows), expected
    assert "e" not in rows, "e means 'next error' in triage; the dashboard copies with Y"
    assert list(sections) == [
        "App",
        "Problems, memory and triage",
        "Search and filter",
        "Panes",
        "Processes (the selected one)",
    ]
    # Its own key bar, not the dashboard's (a whole screen, not a modal over it).
    bar = app.screen.query_one("#help-keys", KeyBar)
    assert [key.action for key in bar.shown][:1] == ["screen.dismiss"]
    assert not app.screen.query("#key-bar")
    await pilot.press("escape")
    assert isinstance(app.screen, DashboardScreen)


async def test_help_headings_are_whole_at_80_columns(session: FakeSession) -> None:
    async with recording_app(session, (80, 24)) as (app, pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        headings = [
            static.render_lines(Region(0, 0, static.size.width, 2))[-1].text.rstrip()
            for static in app.screen.query(".help-section").results(Static)
        ]
        assert "Processes (the selected one)" in headings, headings


async def test_the_command_palette_speaks_in_words_with_one_quit(
    running: tuple[RecordingApp, Pilot[int]],
) -> None:
    app, _ = running
    commands = list(app.get_system_commands(app.screen))
    titles = [command.title for command in commands]
    assert {
        "Restart vite",
        "Stop convex",
        "Start convex",
        "Search",
        "Filter",
        "Zoom",
        "Help",
        "Quit",
        "Follow",
        "Theme",
    } <= set(titles)
    assert titles.count("Quit") == 1
    assert "Keys" not in titles and "Maximize" not in titles, "devtui's ? and z do that"
    assert "Install" not in titles, "no install step in this stack"
    helps = {command.title: command.help for command in commands}
    assert helps["Follow"].endswith("key End / G")
    assert helps["Help"].endswith("key ?")
    assert not any("question_mark" in text or "key:" in text for text in helps.values())


async def test_the_key_bar_keeps_quit_help_problems_and_the_palette_when_narrow(
    session: FakeSession,
) -> None:
    for size in ((160, 45), (80, 24), (50, 20)):
        async with recording_app(session, size) as (app, pilot):
            await pilot.pause()
            bar = app.dashboard.query_one(KeyBar)
            shown = [key.key for key in bar.shown]
            assert {"?", "q", "p", "^p"} <= set(shown), (size, shown)
            text = bar.render_lines(Region(0, 0, size[0], 1))[0].text
            assert "^p commands" in text, (size, text)
            if size[0] >= 160:
                assert "End follow" in text and "r restart" in text


async def test_zoom_says_how_to_leave_it(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    await pilot.press("1", "z")
    view = dash(app).view("convex")
    assert dash(app).maximized is view
    assert str(view.border_title).endswith("zoomed: z or Esc restores")
    await pilot.press("escape")
    assert dash(app).maximized is None
    assert "zoomed" not in str(view.border_title)


async def test_unfocused_pane_borders_stay_visible_in_every_theme(
    running: tuple[RecordingApp, Pilot[int]],
) -> None:
    app, pilot = running
    for theme in ("textual-dark", "textual-light", "catppuccin-latte", "nord", "gruvbox"):
        app.theme = theme
        await pilot.pause()
        view = dash(app).view("vite")  # convex has the focus
        border = view.styles.border_top[1]
        background = app.screen.styles.background
        seen = background + border  # the border as drawn over the screen's background
        distance = sum(abs(a - b) for a, b in zip(seen.rgb, background.rgb, strict=True))
        assert distance > 60, (theme, seen, background)


async def test_quit_shows_each_process_stopping_then_exits(session: FakeSession) -> None:
    app = RecordingApp(session)
    app.notes = []
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("q")
        assert isinstance(app.screen, ShutdownScreen) or session.closed is not None
        await settle(pilot)
    assert session.closed == (0, "quit")
    assert app.return_value == 0


async def test_ctrl_c_also_quits_and_a_second_press_kills(session: FakeSession) -> None:
    app = RecordingApp(session)
    app.notes = []

    async def slow_close(exit_code: int | None, reason: str = "") -> None:
        await pilot.press("ctrl+c")  # the user presses again while stopping
        session.closed = (exit_code, reason)
        session.bus.close()

    session.close = slow_close  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+c")
        await settle(pilot)
    assert ("kill", "") in session.supervisor.commands
    assert session.closed is not None


async def test_nothing_copied_to_the_clipboard_holds_a_secret(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    app, pilot = running
    problem = Problem(
        "convex-function-error",
        Severity.ERROR,
        "Convex function error",
        "A(ai:chat): call failed",
        "convex",
        "fp-secret",
        1.0,
        1.0,
        lines=("[CONVEX A(ai:chat)] [ERROR] 'key sk-proj-Abcdefghijklmnop1234567890'",),
    )
    session.supervisor.problems.record(problem)
    await pilot.press("1", "Y")
    assert "sk-proj" not in app.clipboard and "[REDACTED]" in app.clipboard
    app.copy_to_clipboard("password=hunter2-really")  # every other copy takes this path
    assert app.clipboard == "password=[REDACTED]"


async def test_a_second_q_while_stopping_kills_at_once(session: FakeSession) -> None:
    app = RecordingApp(session)
    app.notes = []

    async def slow_close(exit_code: int | None, reason: str = "") -> None:
        await pilot.press("q")  # the shutdown screen says "Ctrl+C or q again"
        session.closed = (exit_code, reason)
        session.bus.close()

    session.close = slow_close  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("q")
        await settle(pilot)
    assert ("kill", "") in session.supervisor.commands


async def test_two_sighups_10_ms_apart_are_one_request_not_a_kill(session: FakeSession) -> None:
    import signal
    import time

    app = RecordingApp(session)
    app.notes = []
    async with app.run_test(size=(100, 30)) as pilot:
        app._on_signal(signal.SIGHUP)
        time.sleep(0.01)
        app._on_signal(signal.SIGHUP)  # what a closing terminal can send
        await settle(pilot)
    assert ("kill", "") not in session.supervisor.commands
    assert session.closed == (129, "interrupted by SIGHUP")


async def test_command_lines_of_children_are_shown_as_written_not_as_markup(
    session: FakeSession,
) -> None:
    """A detached child's command line reaches the shutdown screen: `[/x]` once crashed
    the TUI mid-shutdown (no `end` record), `[name].js` lost its brackets."""
    app = RecordingApp(session)
    app.notes = []
    seen: list[str] = []

    async def close_naming_a_detached_child(exit_code: int | None, reason: str = "") -> None:
        session.publish(
            DescendantsLeft(
                "convex", ("4242 webpack --out [name].[contenthash].js [/x]",), 1.0, "detached"
            )
        )
        await settle(pilot)
        table = app.screen.query_one("#shutdown-table", Static)
        drawn = table.render_lines(Region(0, 0, table.size.width, table.size.height))
        seen.append(" ".join(line.text.strip() for line in drawn))
        session.closed = (exit_code, reason)
        session.bus.close()

    session.close = close_naming_a_detached_child  # type: ignore[method-assign]
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("q")
        await settle(pilot)
    assert session.closed == (0, "quit")
    (table,) = seen
    assert "[name].[contenthash].js [/x]" in table


async def test_panes_note_stops_restarts_and_out_of_memory_and_the_strip_follows(
    running: tuple[RecordingApp, Pilot[int]], session: FakeSession
) -> None:
    import time

    app, pilot = running
    session.lines("vite", "  VITE v8.3.8  ready in 48 ms")
    session.state("vite", S.READY, "ready", ready_after_s=9.2, launch_ready_s=0.048)
    await settle(pilot)
    strip = app.dashboard.query_one(StatusStrip)
    # Vite's own 48 ms, not the 9.2 s since devtui started.
    assert "ready in 48ms" in str(strip.entry("vite").render())
    session.state("vite", S.STOPPING, "stopping")
    status = session.supervisor.statuses["vite"]
    from dataclasses import replace

    stepped = replace(status, stop_signal="SIGINT", kill_at=time.time() + 4.2)
    session.supervisor._statuses["vite"] = stepped
    session.publish(ProcessUpdated("vite", "stopping", 1_800_000_001.0, stepped))
    await settle(pilot)
    shown = str(strip.entry("vite").render())
    assert "stopping · SIGINT sent · SIGKILL in" in shown and "ready" not in shown
    session.state(
        "vite", S.STOPPED, "stopped by devtui with SIGKILL (it ignored SIGINT and SIGTERM)"
    )
    session.state(
        "convex",
        S.OOM,
        "out of memory at its heap limit 4096 MiB (killed by SIGABRT)",
        heap_mb=4096,
    )
    session.state(
        "convex",
        S.STARTING,
        "npx convex dev (NODE_OPTIONS=--max-old-space-size=8192)",
        heap_mb=8192,
        heap_raised=True,
    )
    await settle(pilot)
    assert "heap 8192 MiB" in str(strip.entry("convex").render())
    texts = [e.text for e in dash(app).view("vite").buffer.entries(0, 10)]
    assert texts == [
        "  VITE v8.3.8  ready in 48 ms",
        "── ■ stopped by devtui with SIGKILL (it ignored SIGINT and SIGTERM)",
    ]
    convex = [e.text for e in dash(app).view("convex").buffer.entries(0, 10)]
    assert convex == [
        "── ✖ out of memory at its heap limit 4096 MiB (killed by SIGABRT)",
        "── ▶ starting: npx convex dev (NODE_OPTIONS=--max-old-space-size=8192)",
    ]
    assert len(dash(app).view("all").buffer) == 4  # the merged view tells the story too


async def test_notices_take_their_own_line_and_never_cover_the_panes(
    session: FakeSession,
) -> None:
    from devtui.ui.widgets.notice_bar import NoticeBar

    async with recording_app(session, (80, 24)) as (app, pilot):
        before = dash(app).view("convex").region
        app.notify("vite is ready again", title="Recovered")
        app.notify("convex ran out of memory. Press H to restart it.", severity="error")
        await pilot.pause()
        notice = dash(app).query_one(NoticeBar)
        assert notice.display and notice.text.startswith("✖ convex ran out of memory")
        app.notify("x " * 60, title="A long one", severity="error")  # two rows under its rule
        await pilot.pause()
        assert notice.region.height == 3
        app.notify("convex ran out of memory. Press H to restart it.", severity="error")
        await pilot.pause()
        assert notice.text.endswith("(+3 earlier)")
        assert not app._notifications, "no toast (it would cover the panes)"
        for name in ("convex", "vite"):
            assert not dash(app).view(name).region.overlaps(notice.region), name
        assert dash(app).view("convex").region.height <= before.height
        notice.clear()
        await pilot.pause()
        assert not notice.display


async def test_w_wraps_long_lines_and_the_mark_stays_put_when_scrolling_sideways(
    session: FakeSession,
) -> None:
    async with recording_app(session, (80, 24)) as (app, pilot):
        long = "x" * 150 + "END"
        session.lines("convex", "short", long, "after")
        await settle(pilot)
        view = dash(app).view("convex")
        view.buffer.mark("convex", (2,), Severity.ERROR)
        view._cache.clear()
        view.refresh()
        await pilot.press("1", "w")
        await settle(pilot)
        assert view.wrap
        rows = [view.render_line(y).text for y in range(view.size.height)]
        shown = [row.rstrip() for row in rows if row.strip()]
        assert shown[0].lstrip() == "short"
        assert shown[1].startswith("✖x") and "END" not in shown[1]
        assert any(row.rstrip().endswith("END") for row in shown[2:4])
        assert shown[-1].strip() == "after"
        assert view.virtual_size.height > len(view.buffer), "the long line takes several rows"
        assert view.position[2] == 3
        await pilot.press("home")  # paused, as after a search
        for size, keys in (((160, 45), ()), ((160, 45), ("l",)), ((80, 24), ())):
            await pilot.resize_terminal(*size)  # the rows follow the new width: none blank
            await pilot.press(*keys)
            await settle(pilot)
            rows = [view.render_line(y).text.rstrip() for y in range(view.size.height)]
            last = max(i for i, row in enumerate(rows) if row.strip())
            assert all(row.strip() for row in rows[: last + 1]), (size, rows)
            assert rows[last].strip() == "after"
        await pilot.press("w")
        await settle(pilot)
        assert not view.wrap and view.virtual_size.height == len(view.buffer)
        view.scroll_to(x=100, animate=False, immediate=True, force=True)
        await pilot.pause()
        row = view.render_line(1).text
        assert row.startswith("✖") and "x" in row, "the mark stays at the left"


async def test_at_80_columns_the_stale_marker_keeps_its_time_and_reason_and_the_url(
    session: FakeSession,
) -> None:
    from dataclasses import replace

    async with recording_app(session, (80, 24)) as (app, pilot):
        session.state("vite", S.READY, "ready", launch_ready_s=0.078, url="http://localhost:5173/")
        session.memory("vite", 20, at=1_800_000_000.0)
        status = session.supervisor.statuses["vite"]
        stale = replace(status, stale_since=1_800_000_100.0, stale_cause="convex push failed")
        session.supervisor._statuses["vite"] = stale
        session.publish(ProcessUpdated("vite", "stale", 1_800_000_100.0, stale))
        await settle(pilot)
        entry = dash(app).query_one(StatusStrip).entry("vite")
        shown = entry.render_lines(Region(0, 0, entry.size.width, 1))[0].text
        assert "stale since " in shown and ": convex push failed" in shown, shown
        assert "http://localhost:5173/" in shown and "…" not in shown, shown


async def test_l_in_the_merged_view_says_so_instead_of_changing_the_hidden_layout(
    running: tuple[RecordingApp, Pilot[int]],
) -> None:
    app, pilot = running
    split = dash(app).query_one("#split")
    before = split.has_class("-stacked")
    await pilot.press("a", "l")
    assert split.has_class("-stacked") == before
    assert app.notes[-1][1] == "The layout is the split view's: press a to see the panes"
    await pilot.press("a", "l")
    assert split.has_class("-stacked") != before
