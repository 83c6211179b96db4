"""The triage screen: a saved (or the live) session's problems and every line, searchable.

Invariant: all reading, grouping, filtering and searching is core code (`devtui.core.
triage`) run in worker threads; this screen only shows results and turns keys into view
specs. Indexing, filtering and searching never block the screen, and a new search or
filter cancels the one running.
"""

from __future__ import annotations

import re
import threading
import time
from array import array
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Final

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from devtui.core.problems.line_levels import ERROR, WARNING
from devtui.core.query import FilterQuery, QueryError, compile_filter, compile_search
from devtui.core.triage.problems import (
    SORT_KEYS,
    TriageProblem,
    occurrence_context,
    sort_problems,
)
from devtui.core.triage.report import markdown_report, reports_folder, write_report
from devtui.core.triage.search import Cancelled, matching_lines
from devtui.core.triage.session import TriageSession
from devtui.core.triage.view import WINDOW_LABELS, WINDOWS, ViewSpec, view_lines
from devtui.core.units import clock_time
from devtui.ui.format import name_styles
from devtui.ui.keys import APP_KEYS, BarKey, bar_keys
from devtui.ui.problem_text import SEVERITY_STYLE, SEVERITY_SYMBOL
from devtui.ui.screens.keyed import KeyedScreen
from devtui.ui.widgets.key_bar import KeyBar
from devtui.ui.widgets.log_view import coloured_text
from devtui.ui.widgets.session_lines import SessionLines

LEVEL_LABELS = {0: "all levels", WARNING: "warnings and errors", ERROR: "errors only"}
PROGRESS_EVERY = 0.2
"""Seconds between indexing or search progress updates on screen."""


VIEWS: Final = Binding.Group("Views")
FIND: Final = Binding.Group("Search and jump (session)")
FILTERS: Final = Binding.Group("Filters (session)")
PROBLEM: Final = Binding.Group("The chosen problem")


class TriageScreen(KeyedScreen):
    """Problems table with occurrences in context, and the session's lines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", group=APP_KEYS, tooltip="Every key, grouped"),
        Binding(
            "escape",
            "back",
            "Back",
            key_display="Esc",
            group=APP_KEYS,
            tooltip="Close the query or cancel a search; else back to the dashboard (live "
            "triage) or quit",
        ),
        Binding(
            "t",
            "leave",
            "Back to the dashboard",
            show=False,
            group=APP_KEYS,
            tooltip="Back to the dashboard (live triage only)",
        ),
        Binding("1", "tab('problems')", "Problems", group=VIEWS, tooltip="The problems tab"),
        Binding("2", "tab('session')", "Session", group=VIEWS, tooltip="Every line of the session"),
        Binding(
            "slash",
            "query('search')",
            "Search",
            key_display="/",
            group=FIND,
            tooltip="Search the session's lines with a regex (highlighted, counted)",
        ),
        Binding("n", "match", "Next", key_display="n/N", group=FIND, tooltip="Next match"),
        Binding("N", "match(True)", "Previous match", show=False, group=FIND),
        Binding(
            "f",
            "query('filter')",
            "Filter",
            group=FIND,
            tooltip="Show only matching lines; !term hides lines matching term",
        ),
        Binding(
            "e",
            "level(3)",
            "Errors",
            key_display="e/E",
            group=FIND,
            tooltip="Next error block (E: previous)",
        ),
        Binding("E", "level(3, True)", "Previous error", show=False, group=FIND),
        Binding(
            "w",
            "level(2)",
            "Warnings",
            key_display="w/W",
            group=FIND,
            tooltip="Next warning block (W: previous)",
        ),
        Binding("W", "level(2, True)", "Previous warning", show=False, group=FIND),
        Binding(
            "p",
            "cycle_process",
            "Process",
            group=FILTERS,
            tooltip="Show one process's lines, then the next (all, then each)",
        ),
        Binding("s", "cycle_stream", "Stream", group=FILTERS, tooltip="stdout / stderr / both"),
        Binding(
            "v",
            "cycle_level",
            "Level",
            group=FILTERS,
            tooltip="Only errors / warnings and errors / every line",
        ),
        Binding(
            "T",
            "cycle_window",
            "Time",
            group=FILTERS,
            tooltip="Whole session / since the last ready / this push / the last 5 minutes",
        ),
        Binding(
            "right_square_bracket,full_stop",
            "occurrence(1)",
            "Occurrences",
            key_display="[ ]",
            group=PROBLEM,
            tooltip="Next occurrence of the problem",
        ),
        Binding(
            "left_square_bracket,comma",
            "occurrence(-1)",
            "Previous occurrence",
            show=False,
            group=PROBLEM,
        ),
        Binding(
            "plus",
            "context(2)",
            "Context",
            key_display="+/-",
            group=PROBLEM,
            tooltip="More lines around the occurrence (- fewer)",
        ),
        Binding("minus", "context(-2)", "Less context", show=False, group=PROBLEM),
        Binding(
            "g,enter",
            "show_in_session",
            "In session",
            group=PROBLEM,
            tooltip="Show the occurrence among every line of the session",
        ),
        Binding(
            "o",
            "sort",
            "Sort",
            group=PROBLEM,
            tooltip="Sort the problems: severity, count, first or last seen, process",
        ),
        Binding(
            "x",
            "export(False)",
            "Export",
            key_display="x/X",
            group=PROBLEM,
            tooltip="A Markdown report of the problem (X: of all) to .devtui/reports/ "
            "and the clipboard",
        ),
        Binding(
            "X",
            "export(True)",
            "Export all",
            show=False,
            group=PROBLEM,
            tooltip="A Markdown report of every problem to .devtui/reports/ and the clipboard",
        ),
        Binding(
            "r",
            "refresh_log",
            "Refresh",
            show=False,
            group=VIEWS,
            tooltip="Read what the session log gained since it was opened",
        ),
    ]
    BAR: ClassVar[dict[str, frozenset[str]]] = {
        "problems": frozenset(
            {"help", "back", "occurrence", "context", "show_in_session", "sort", "export", "tab"}
        ),
        "session": frozenset(
            {
                "help",
                "back",
                "query",
                "match",
                "level",
                "cycle_process",
                "cycle_stream",
                "cycle_level",
                "cycle_window",
                "tab",
            }
        ),
    }
    """What each tab's key bar shows (every key works in both)."""

    def __init__(self, session: TriageSession, *, live: bool = False, context: int = 3) -> None:
        super().__init__(id="triage")
        self.session = session
        self.live = live
        self.context = context
        self.spec = ViewSpec()
        self.sort_key = "severity"
        self.problems: list[TriageProblem] = list(session.problems)
        self.occurrence = 0
        """Which occurrence of the chosen problem is shown (index, -1 is the latest)."""
        self.searching: str | None = None
        self.search_progress = 0.0
        self.status_note = ""
        self._cancel_view = threading.Event()
        self._cancel_search = threading.Event()
        self._query_mode = "search"
        self._search_mask: bytearray | None = None
        self._last_progress = 0.0
        self.reports_dir = reports_folder(session.path, Path.cwd())
        self._shown_columns: list[tuple[str, int]] = []
        """Where `x` writes report files."""

    # ----------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield Static(id="triage-title")
        with TabbedContent(initial="problems"):
            with TabPane("Problems [1]", id="problems"):
                yield DataTable(id="triage-problems", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="triage-detail-scroll"):
                    yield Static(id="triage-detail")
            with TabPane("Session [2]", id="session"):
                yield Static(id="session-status")
                yield SessionLines(self.session.index, self._name_styles(), id="session-lines")
                yield Input(id="session-query")
        yield KeyBar(self.bar_keys, id="triage-bar")

    def _name_styles(self) -> dict[str, Style]:
        return name_styles(self.session.info.processes or self.session.index.processes)

    def on_mount(self) -> None:
        self.query_one("#session-query", Input).display = False
        self._fill_table()
        self._update_title()
        self._update_keys()
        if self.problems:
            self.query_one("#triage-problems", DataTable).focus()
        else:
            self.query_one(TabbedContent).active = "session"
            self.query_one(SessionLines).focus()
        self.call_after_refresh(self._build_index)  # the first screen first, then the index

    # ----------------------------------------------------------------- indexing

    @work(thread=True, exclusive=True, group="index")
    def _build_index(self) -> None:
        cancel = threading.Event()
        worker = get_current_worker()

        def progress() -> None:
            if worker.is_cancelled:
                cancel.set()
            time.sleep(0)  # hand the GIL to the screen between chunks
            now = time.monotonic()
            if now - self._last_progress >= PROGRESS_EVERY:
                self._last_progress = now
                self.app.call_from_thread(self._indexed, False)

        if self.live:
            self.session.reload_records()
        self.session.build(cancel, progress)
        if not cancel.is_set():
            self.app.call_from_thread(self._indexed, True)

    def _indexed(self, done: bool) -> None:
        lines = self.query_one(SessionLines)
        if self.spec.is_everything:
            first = not lines.view
            lines.set_view(array("I", range(self.session.index.indexed)))
            if first:
                lines.cursor = 0
        if done:
            self._fill_table()  # the problems again (a live log has more), and the detail
            if not self.spec.is_everything:
                self._recompute_view()
        self._update_title()
        self._update_status()

    # ----------------------------------------------------------------- problems

    def _columns(self) -> list[tuple[str, int]]:
        """(label, width) of the problems table for the screen's width: every column
        whole (a cut `first seen` read `fir`); narrower, the last-seen time goes and the
        titles give way."""
        width = self.app.size.width
        shown = [("", 1), ("problem", 0), ("process", 8), ("where", 20), ("count", 5)]
        shown.append(("first seen", 10))
        if width >= 100:
            shown.append(("last seen", 9))
        used = sum(w for _, w in shown) + 2 * len(shown) + 2  # cell padding, border
        title = max(12, min(48, width - used))
        return [(label, w or title) for label, w in shown]

    def on_resize(self) -> None:
        if self.is_mounted and self._columns() != self._shown_columns:
            self._fill_table()

    def _fill_table(self) -> None:
        table = self.query_one("#triage-problems", DataTable)
        chosen = self.chosen
        self.problems = sort_problems(self.session.problems, self.sort_key)
        columns = self._columns()
        if columns != self._shown_columns:
            table.clear(columns=True)
            for label, width in columns:
                table.add_column(label, width=width)
            self._shown_columns = columns
        table.clear()
        last_seen = len(columns) == 7
        for problem in self.problems:
            mark, style = SEVERITY_SYMBOL[problem.severity], SEVERITY_STYLE[problem.severity]
            if problem.resolved:
                mark, style = "✔", Style(color="green")
            table.add_row(
                Text(mark, style=style),
                Text(problem.title or problem.rule, style="dim" if problem.resolved else ""),
                Text(problem.process),
                Text(problem.location or "-"),  # `app/[id]/page.tsx` is no markup
                str(problem.count),
                clock_time(problem.first_seen),
                *([clock_time(problem.last_seen)] if last_seen else []),
                key=problem.fingerprint,
            )
        if chosen is not None and chosen in self.problems:
            table.move_cursor(row=self.problems.index(chosen))
        self._show_detail()

    @property
    def chosen(self) -> TriageProblem | None:
        table = self.query_one("#triage-problems", DataTable)
        if not self.problems or table.cursor_row is None:
            return None
        return self.problems[min(table.cursor_row, len(self.problems) - 1)]

    @on(DataTable.RowHighlighted, "#triage-problems")
    def _row_changed(self) -> None:
        self.occurrence = -1
        self._show_detail()

    @on(DataTable.HeaderSelected, "#triage-problems")
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        labels = {"": "severity", "problem": "title", "process": "process", "count": "count"}
        labels |= {"first seen": "first seen", "last seen": "last seen", "where": "title"}
        self.sort_key = labels.get(str(event.label), "severity")
        self._fill_table()
        self._update_keys()

    def _show_detail(self) -> None:
        detail = self.query_one("#triage-detail", Static)
        problem = self.chosen
        if problem is None:
            detail.update(Text("No problems in this session.", style="green"))
            return
        text = Text()
        text.append(
            f"{SEVERITY_SYMBOL[problem.severity]} {problem.title or problem.rule}",
            style=SEVERITY_STYLE[problem.severity],
        )
        text.append(f"  {problem.rule} · {problem.process}", style="dim")
        if problem.location:
            text.append(f" · {problem.location}", style="bold")
        state = "resolved" if problem.resolved else "open"
        text.append(
            f"\n{problem.count}× · first {clock_time(problem.first_seen)} · last "
            f"{clock_time(problem.last_seen)} · {state}\n",
            style="dim",
        )
        text.append(problem.message + "\n")
        if problem.explanation:
            text.append("\nWhy  ", style="bold")
            text.append(problem.explanation + "\n")
        if problem.fix:
            text.append("Fix  ", style="bold green")
            text.append(problem.fix + "\n")
        if problem.docs:
            text.append("Docs ", style="bold")
            text.append(problem.docs + "\n", style="underline")
        occurrences = problem.occurrences
        if occurrences:
            position = self.occurrence % len(occurrences)
            occurrence = occurrences[position]
            when = clock_time(occurrence.time)
            text.append(
                f"\nOccurrence {position + 1} of {len(occurrences)} at {when}"
                f"  ([ ] step · +/- context: {self.context} lines · g show in session)\n",
                style="bold",
            )
            context = occurrence_context(self.session.index, occurrence, self.context)
            if context.numbers:
                for number in context.numbers:
                    line = self.session.index.line(number)
                    own = number in context.marked
                    text.append("▶ " if own else "  ", style="bold red" if own else "")
                    body = coloured_text(line.raw, line.text)[:500]
                    if own:
                        body.stylize("on #3a1d1d")
                    text.append_text(body)
                    text.append("\n")
            elif not self.session.index.done:
                text.append("  (indexing the log…)\n", style="dim")
            else:
                for recorded in occurrence.lines or ("(no output lines recorded)",):
                    text.append(f"  {recorded}\n")
        detail.update(text)

    # ----------------------------------------------------------------- session view

    def _recompute_view(self, keep_line: int | None = None) -> None:
        self._cancel_view.set()
        self._cancel_view = threading.Event()
        lines = self.query_one(SessionLines)
        keep = keep_line if keep_line is not None else lines.current_line
        self.status_note = "filtering…"
        self._update_status()
        self._view_worker(self.spec, self._cancel_view, keep)

    @work(thread=True, group="view")
    def _view_worker(self, spec: ViewSpec, cancel: threading.Event, keep: int | None) -> None:
        try:
            view = view_lines(self.session.index, self.session.records, spec, cancel)
        except Cancelled:
            return
        if not cancel.is_set():
            self.app.call_from_thread(self._view_ready, view, keep)

    def _view_ready(self, view: array[int], keep: int | None) -> None:
        lines = self.query_one(SessionLines)
        lines.set_view(view, keep)
        if self._search_mask is not None:
            lines.set_search(lines.search, self._search_mask)
        self.status_note = ""
        self._update_status()

    def _start_search(self, source: str) -> None:
        try:
            query = compile_search(source)
        except QueryError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self._cancel_search.set()
        self._cancel_search = threading.Event()
        self.searching = source
        self.search_progress = 0.0
        self._update_status()
        self._search_worker(query.pattern, self._cancel_search)

    @work(thread=True, group="search")
    def _search_worker(self, pattern: re.Pattern[str], cancel: threading.Event) -> None:
        started = time.monotonic()
        shown = started

        def progress(share: float) -> None:
            nonlocal shown
            self.search_progress = share
            now = time.monotonic()
            if now - shown >= PROGRESS_EVERY and not cancel.is_set():
                shown = now
                self.app.call_from_thread(self._update_status)

        try:
            mask = matching_lines(self.session.index, pattern, cancel, progress)
        except Cancelled:
            return
        took = time.monotonic() - started
        self.app.call_from_thread(self._search_done, pattern, mask, took)

    def _search_done(self, pattern: re.Pattern[str], mask: bytearray, took: float) -> None:
        lines = self.query_one(SessionLines)
        self._search_mask = mask
        lines.set_search(pattern, mask)
        self.searching = None
        self.status_note = f"searched {len(mask):,} lines in {took:.2f} s"
        if (
            lines.matches
            and lines.current_line is not None
            and lines.current_line not in lines.matches
        ):
            lines.step_match()
        self._update_status()

    # ----------------------------------------------------------------- status lines

    def _update_title(self) -> None:
        info = self.session.info
        index = self.session.index
        started = (
            datetime.fromtimestamp(info.started).strftime("%Y-%m-%d %H:%M:%S")
            if info.started
            else "?"
        )
        ended = (
            f"exit {info.exit_code}"
            if info.exit_code is not None
            else ("live" if self.live else "no end record")
        )
        indexing = "" if index.done else f" · indexing {index.progress:.0%}"
        title = Text.assemble(
            (" Triage ", "bold reverse"),
            f" {self.session.path.name} · {info.origin} · {started} · {ended}",
            f" · {index.indexed:,} lines{indexing}",
        )
        self.query_one("#triage-title", Static).update(title)

    def _update_status(self) -> None:
        lines = self.query_one(SessionLines)
        spec = self.spec
        parts = [
            f"{'all processes' if spec.processes is None else ', '.join(sorted(spec.processes))}",
            spec.stream or "both streams",
            LEVEL_LABELS.get(spec.min_level, ""),
            WINDOW_LABELS[spec.window],
        ]
        if spec.filter is not None:
            parts.append(f"filter: {spec.filter.source}")
        position = f"{lines.cursor + 1:,}/{len(lines.view):,}" if lines.view else "0 lines"
        text = Text.assemble((position, "bold"), "  ", " · ".join(parts))
        if self.searching is not None:
            text.append(
                f"  searching /{self.searching}… {self.search_progress:.0%} (Esc cancels)",
                style="yellow",
            )
        elif lines.search is not None:
            text.append(f"  /{lines.search.pattern}: {len(lines.matches):,} matches", style="bold")
        if self.status_note:
            text.append(f"  {self.status_note}", style="dim")
        self.query_one("#session-status", Static).update(text)

    def bar_keys(self) -> list[BarKey]:
        """The key bar of the tab shown (every key works in both tabs)."""
        shown = self.BAR[self.query_one(TabbedContent).active or "problems"]
        keys = bar_keys(
            self.key_bindings(),
            frozenset({"help", "back", "app.command_palette"}),
            lambda action: (
                action.split("(")[0] in shown
                or action == "app.command_palette"
                or (action == "app.quit" and not self.live)  # live: q would end devtui
            ),
        )
        if not self.live:  # standalone: Esc leaves the app too
            keys = [replace(k, word="quit") if k.action == "screen.back" else k for k in keys]
        return keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.live or action != "leave"  # `devtui triage` has no dashboard to go to

    def help_title(self) -> str:
        return "triage keys" if self.live else "devtui triage keys"

    def _update_keys(self) -> None:
        self.query_one("#triage-bar", KeyBar).refresh_keys()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self._update_keys()
        if self.query_one("#session-query", Input).display:
            return  # `/` or `f` from the problems tab: the query keeps the focus
        if self.query_one(TabbedContent).active == "session":
            self.query_one(SessionLines).focus()
        else:
            self.query_one("#triage-problems", DataTable).focus()

    @on(SessionLines.Moved)
    def _moved(self) -> None:
        self._update_status()

    # ----------------------------------------------------------------- actions

    def action_back(self) -> None:
        query = self.query_one("#session-query", Input)
        if query.display:
            query.display = False
            self.query_one(SessionLines).focus()
            return
        if self.searching is not None:
            self._cancel_search.set()
            self.searching = None
            self.status_note = "search cancelled"
            self._update_status()
            return
        lines = self.query_one(SessionLines)
        if lines.search is not None or self.spec.filter is not None:
            self._search_mask = None
            lines.set_search(None, None)
            if self.spec.filter is not None:
                self.spec = ViewSpec(
                    self.spec.processes, self.spec.stream, self.spec.min_level, self.spec.window
                )
                self._recompute_view()
            self._update_status()
            return
        self.workers.cancel_group(self, "index")
        if self.live:
            self.dismiss()
        else:
            self.app.exit()

    def action_leave(self) -> None:
        """`t` again: back to the live dashboard (in `devtui triage`, nothing to go back to)."""
        if self.live:
            self.workers.cancel_group(self, "index")
            self.dismiss()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_query(self, mode: str) -> None:
        self.action_tab("session")
        self._query_mode = mode
        query = self.query_one("#session-query", Input)
        query.placeholder = (
            "search (regex; n/N step; Esc closes)"
            if mode == "search"
            else "filter: terms all lines must match; !term hides lines (Esc closes)"
        )
        query.value = self.spec.filter.source if mode == "filter" and self.spec.filter else ""
        query.display = True
        query.focus()

    @on(Input.Submitted, "#session-query")
    def _query_submitted(self, event: Input.Submitted) -> None:
        query = self.query_one("#session-query", Input)
        source = event.value.strip()
        query.display = False
        self.query_one(SessionLines).focus()
        if self._query_mode == "search":
            if source:
                self._start_search(source)
            return
        filter_query: FilterQuery | None = None
        if source:
            try:
                filter_query = compile_filter(source)
            except QueryError as error:
                self.notify(str(error), severity="error", markup=False)
                return
        spec = self.spec
        self.spec = ViewSpec(spec.processes, spec.stream, spec.min_level, spec.window, filter_query)
        self._recompute_view()

    def action_match(self, backwards: bool = False) -> None:
        lines = self.query_one(SessionLines)
        if lines.search is None:
            self.notify("Search first: press / and type a regex", timeout=3)
        elif not lines.step_match(backwards):
            self.notify("No matches in this view", timeout=3)

    def action_level(self, level: int, backwards: bool = False) -> None:
        self.action_tab("session")
        lines = self.query_one(SessionLines)
        if not lines.step_level(level, backwards):
            kind = "error" if level == ERROR else "warning"
            where = "before" if backwards else "after"
            self.notify(f"No {kind} line {where} this one", timeout=3)

    def action_cycle_process(self) -> None:
        names = list(self.session.index.processes)
        current = self.spec.processes
        if current is None:
            chosen: frozenset[str] | None = frozenset(names[:1]) if names else None
        else:
            name = next(iter(current))
            at = names.index(name) + 1 if name in names else len(names)
            chosen = frozenset([names[at]]) if at < len(names) else None
        self._respec(processes=chosen)

    def action_cycle_stream(self) -> None:
        order: list[str | None] = [None, "stdout", "stderr"]
        self._respec(stream=order[(order.index(self.spec.stream) + 1) % 3])

    def action_cycle_level(self) -> None:
        order = [0, WARNING, ERROR]
        self._respec(min_level=order[(order.index(self.spec.min_level) + 1) % 3])

    def action_cycle_window(self) -> None:
        self._respec(window=WINDOWS[(WINDOWS.index(self.spec.window) + 1) % len(WINDOWS)])

    def _respec(self, **changes: object) -> None:
        spec = self.spec
        values = {
            "processes": spec.processes,
            "stream": spec.stream,
            "min_level": spec.min_level,
            "window": spec.window,
            "filter": spec.filter,
        } | changes
        self.spec = ViewSpec(**values)  # type: ignore[arg-type]
        self.action_tab("session")
        self._recompute_view()

    def action_sort(self) -> None:
        self.sort_key = SORT_KEYS[(SORT_KEYS.index(self.sort_key) + 1) % len(SORT_KEYS)]
        self._fill_table()
        self._update_keys()

    def action_occurrence(self, step: int) -> None:
        problem = self.chosen
        if problem is None or not problem.occurrences:
            return
        self.occurrence = (self.occurrence % len(problem.occurrences) + step) % len(
            problem.occurrences
        )
        self._show_detail()

    def action_context(self, change: int) -> None:
        self.context = max(0, min(50, self.context + change))
        self._show_detail()

    def action_show_in_session(self) -> None:
        if self.query_one(TabbedContent).active != "problems":
            return
        problem = self.chosen
        if problem is None or not problem.occurrences:
            return
        occurrence = problem.occurrences[self.occurrence % len(problem.occurrences)]
        numbers = [self.session.index.line_of_seq(occurrence.process, s) for s in occurrence.seqs]
        found = [n for n in numbers if n is not None]
        if not found:
            self.notify("This occurrence has no output lines (a lint finding)", timeout=3)
            return
        self.action_tab("session")
        lines = self.query_one(SessionLines)
        if found[0] not in lines.view:
            self.spec = ViewSpec()
            self._recompute_view(found[0])
        else:
            lines.go_to_line(found[0])

    def action_export(self, everything: bool) -> None:
        chosen = self.chosen
        problems = self.problems if everything or chosen is None else [chosen]
        if not problems:
            self.notify("No problems to report", timeout=3)
            return
        report = markdown_report(self.session, problems, self.context)
        try:
            path = write_report(self.reports_dir, report)
        except OSError as error:
            self.notify(
                f"Cannot write a report in {self.reports_dir}: {error.strerror or error}",
                severity="error",
                markup=False,
            )
            return
        self.app.copy_to_clipboard(report)
        what = "all problems" if len(problems) > 1 else "the problem"
        self.notify(f"Report of {what} written to {path} and copied to the clipboard", markup=False)

    def action_refresh_log(self) -> None:
        self._build_index()
