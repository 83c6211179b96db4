"""The dashboard: the status strip, a pane per process (or all merged), search and controls.

Invariant: the screen shows what core events say and turns keys into supervisor commands;
it keeps no process state of its own beyond what it displays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Final, cast

from rich.style import Style
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import ContentSwitcher

from devtui.core.events import (
    DescendantsLeft,
    Event,
    MemorySampled,
    OutputLines,
    ProblemDetected,
    ProblemRepeated,
    ProblemResolved,
    ProblemUpdated,
    ProcessState,
    ProcessStateChanged,
    ProcessStatus,
    ProcessUpdated,
    ReadyTimedOut,
)
from devtui.core.problems.book import Problem, Severity
from devtui.core.query import QueryError, compile_filter, compile_search
from devtui.core.run.heap import doubled_heap_mb
from devtui.core.run.outcome import ended_badly
from devtui.core.run.preflight import INSTALL_PROCESS
from devtui.core.units import format_seconds
from devtui.core.vocabulary import state_words
from devtui.ui.buffer import LineBuffer
from devtui.ui.format import STATE_SYMBOL, display_state
from devtui.ui.keys import APP_KEYS, PALETTE, BarKey, bar_keys, bindings_of, from_screen
from devtui.ui.widgets.key_bar import KeyBar
from devtui.ui.widgets.log_view import LogView
from devtui.ui.widgets.notice_bar import NoticeBar
from devtui.ui.widgets.problems_bar import ProblemsBar
from devtui.ui.widgets.query_bar import QueryBar
from devtui.ui.widgets.status_strip import StatusEntry, StatusStrip

ALL = "all"
"""The merged view's pane name."""
WIDE = 120
"""From this many columns the panes start side by side; narrower, stacked."""

PANES: Final = Binding.Group("Panes")
SEARCH: Final = Binding.Group("Search and filter")
PROCESSES: Final = Binding.Group("Processes (the selected one)")
SCREENS: Final = Binding.Group("Problems, memory and triage")
KEPT_KEYS: Final = frozenset({"help", "app.quit", "problems", "app.command_palette", "install"})
"""The key bar keeps these at any width (`install` only shows while it is offered)."""


NOTED_STATES: Final = frozenset(
    {
        ProcessState.STARTING,
        ProcessState.RESTARTING,
        ProcessState.STOPPED,
        ProcessState.EXITED,
        ProcessState.CRASHED,
        ProcessState.OOM,
        ProcessState.CRASH_LOOP,
        ProcessState.FAILED,
        ProcessState.BLOCKED,
    }
)
"""State changes a pane notes among the output: launches, stops, exits, restarts."""


def pane_note(event: ProcessStateChanged) -> OutputLines | None:
    """A line for the process's pane saying what happened to it (a launch, a stop, an
    exit, a restart with more heap), so the output reads as the process's story.

    Its sequence number 0 is never a child's (those start at 1), so a note is never taken
    for a problem's line.
    """
    if event.state not in NOTED_STATES:
        return None
    symbol = STATE_SYMBOL[event.state]
    if event.state in (ProcessState.STOPPED, ProcessState.OOM):  # the reason says it
        text = f"{symbol} {event.reason}"
    else:
        text = f"{symbol} {state_words(event.state)}: {event.reason}"
    raw = f"\x1b[2;3m── {text}\x1b[0m"
    return OutputLines(event.process, "stdout", event.at, 0, (raw,), (f"── {text}",))


def newest_error_block(problems: list[Problem], process: str) -> Problem | None:
    """The problem whose latest occurrence `process` printed last, open ones first: what
    `Y` copies. Its lines are that whole occurrence (the book keeps the latest one's).

    A problem's `last_seen` also moves when lint or another process reports the same
    cause again, so the pane's line numbers of the occurrence decide, not the time.
    """
    printed = [p for p in problems if p.process == process and p.lines]
    if not printed:
        return None
    return max(
        printed, key=lambda p: (not p.resolved, max(p.occurrence_seqs, default=0), p.last_seen)
    )


if TYPE_CHECKING:
    from devtui.ui.host import ScreenHost


class DashboardScreen(Screen[None]):
    """The daily view of the running stack."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Their order is the key bar's, most important first (a narrow bar drops the end).
        Binding("question_mark", "help", "Help", group=APP_KEYS, tooltip="Every key, grouped"),
        Binding(
            "p",
            "problems",
            "Problems",
            group=SCREENS,
            tooltip="Problems: every problem with its explanation and fix; open the file in "
            "$VISUAL/$EDITOR, or jump to its lines",
        ),
        Binding(
            "m",
            "memory",
            "Memory",
            group=SCREENS,
            tooltip="Memory: each process tree's RSS over the session, peak, trend, "
            "thresholds, and the selected one's processes",
        ),
        Binding(
            "t",
            "triage",
            "Triage",
            group=SCREENS,
            tooltip="Triage: this session's problems grouped, each sighting in context, every "
            "line with filters, search, e/E w/W jumps, and a Markdown report (t comes back)",
        ),
        Binding(
            "slash",
            "search",
            "Search",
            key_display="/",
            group=SEARCH,
            tooltip="Search with a regex: matches highlighted, count shown",
        ),
        Binding(
            "f",
            "filter",
            "Filter",
            group=SEARCH,
            tooltip="Show only matching lines; !term hides lines matching term",
        ),
        Binding(
            "a",
            "toggle_merged",
            "All",
            group=PANES,
            tooltip="Merged view of every process (names as prefixes) / one pane each",
        ),
        Binding(
            "z",
            "zoom",
            "Zoom",
            group=PANES,
            tooltip="Zoom the focused pane to the whole screen (z or Esc restores)",
        ),
        Binding(
            "r", "restart", "Restart", group=PROCESSES, tooltip="Restart the selected process now"
        ),
        Binding(
            "i",
            "install",
            "Install",
            group=PROCESSES,
            tooltip="Run the install command in its pane (offered while packages are missing); "
            "the stack starts when it succeeds",
        ),
        Binding("n", "next_match", "Next", key_display="n/N", group=SEARCH, tooltip="Next match"),
        Binding("N", "previous_match", "Previous match", show=False, group=SEARCH),
        Binding(
            "l", "toggle_layout", "Layout", group=PANES, tooltip="Panes side by side / stacked"
        ),
        Binding(
            "end,G",
            "follow",
            "Follow",
            key_display="End",
            group=PANES,
            tooltip="Jump to the newest line and follow new output",
        ),
        Binding(
            "home,g",
            "top",
            "Top",
            show=False,
            group=PANES,
            tooltip="Jump to the oldest line kept (stops following)",
        ),
        Binding(
            "w",
            "wrap",
            "Wrap",
            show=False,
            group=PANES,
            tooltip="Wrap long lines / cut them (←/→ scroll sideways; the ✖ marks stay)",
        ),
        Binding(
            "c",
            "clear",
            "Clear pane",
            show=False,
            group=PANES,
            tooltip="Clear the pane (the session log keeps everything)",
        ),
        Binding(
            "escape",
            "escape",
            "Clear search/filter, unzoom",
            show=False,
            group=PANES,
            tooltip="Clear the search and filter; restore a zoomed pane",
        ),
        Binding(
            "x",
            "stop",
            "Stop",
            show=False,
            group=PROCESSES,
            tooltip="Stop the selected process (it stays stopped)",
        ),
        Binding(
            "s", "start", "Start", show=False, group=PROCESSES, tooltip="Start the selected process"
        ),
        Binding(
            "H",
            "more_heap",
            "More heap",
            show=False,
            group=PROCESSES,
            tooltip="Restart the selected process with twice its Node heap "
            "(--max-old-space-size in NODE_OPTIONS)",
        ),
        Binding(
            "y",
            "copy_selection",
            "Copy selection",
            show=False,
            group=PROCESSES,
            tooltip="Copy the lines selected with the mouse",
        ),
        Binding(
            "Y",
            "copy_error",
            "Copy error block",
            show=False,
            group=PROCESSES,
            tooltip="Copy the selected process's last error block, whole",
        ),
        *[
            Binding(
                str(n),
                f"select({n})",
                f"Process {n}",
                show=False,
                group=PROCESSES,
                tooltip="Pick process N (its pane, and the target of the process keys)",
            )
            for n in range(1, 10)
        ],
    ]

    def __init__(
        self, statuses: list[ProcessStatus], scrollback: int, name_styles: dict[str, Style]
    ) -> None:
        super().__init__(id="dashboard")
        self._statuses = statuses
        self.names = [status.name for status in statuses]
        """The processes, in config order."""
        self._scrollback = scrollback
        self._name_styles = name_styles
        self.selected: str | None = self.names[0] if self.names else None
        """The process the controls act on (the focused pane's, or the last one picked)."""
        self._query_target: LogView | None = None
        self._failed_since_ready: set[str] = set()
        self._layout_by_hand: tuple[bool, bool] | None = None
        """(stacked, wide) when the user chose the layout with `l`, at that width."""
        self._announced: set[str] = set()
        """Fingerprints of open problems already announced with a notification."""

    def key_bindings(self) -> list[Binding]:
        """Every key of this screen and the app's, in the bar's order of importance (the
        help, the bar and the palette are built from this)."""
        own = bindings_of(self.BINDINGS)
        app = from_screen(bindings_of(type(self.app).BINDINGS)) + from_screen([PALETTE])
        quit_keys = [b for b in app if b.action == "app.quit" and b.show]
        others = [b for b in app if b not in quit_keys]
        taken = {key for b in own for key in b.key.split(",")}
        pane = [  # the arrows and pages a pane answers to (End and Home are the screen's)
            b for b in bindings_of(LogView.BINDINGS) if not set(b.key.split(",")) & taken
        ]
        return own[:1] + quit_keys + own[1:] + pane + others

    def bar_keys(self) -> list[BarKey]:
        """The key bar's keys now (`i` only while the install step waits or failed)."""
        return bar_keys(
            self.key_bindings(),
            KEPT_KEYS,
            lambda action: "." in action or self.check_action(action, ()) is not False,
        )

    def refresh_bindings(self) -> None:
        super().refresh_bindings()
        for bar in self.query(KeyBar):
            bar.refresh_keys()

    @property
    def devtui(self) -> ScreenHost:
        """The app, as this screen may use it."""
        return cast("ScreenHost", self.app)

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield StatusStrip(self._statuses, self._name_styles)
        yield ProblemsBar()
        with ContentSwitcher(initial="split", id="views"):
            with Container(id="split"):
                for name in self.names:
                    yield LogView(
                        LineBuffer(self._scrollback), pane=name, id=f"pane-{name}", classes="pane"
                    )
            yield LogView(
                LineBuffer(self._scrollback),
                pane=ALL,
                prefixes=self._name_styles,
                id=f"pane-{ALL}",
                classes="pane",
            )
        yield QueryBar()
        yield NoticeBar()
        yield KeyBar(self.bar_keys)

    def on_mount(self) -> None:
        self.query_one("#split").set_class(self.app.size.width < WIDE, "-stacked")
        for view in self.query(LogView):
            self._update_title(view)
        if self.names:
            self.view(self.names[0]).focus()
        self.query_one(StatusStrip).select(self.selected)

    def view(self, pane: str) -> LogView:
        """The view of a process (or `all`)."""
        return self.query_one(f"#pane-{pane}", LogView)

    @property
    def current_view(self) -> LogView:
        """The view the keys act on: the focused one, else the one on screen."""
        focused = self.focused
        if isinstance(focused, LogView):
            return focused
        if self.query_one(ContentSwitcher).current == f"pane-{ALL}":
            return self.view(ALL)
        return self.view(self.selected or self.names[0])

    # ------------------------------------------------------------------ core events

    def apply(self, events: list[Event]) -> None:
        """Show a batch of core events."""
        merged = self.view(ALL)
        views = {name: self.view(name) for name in self.names}
        strip = self.query_one(StatusStrip)
        problems_changed = False
        for event in events:
            if isinstance(event, OutputLines):
                view = views.get(event.process)
                if view is not None:
                    view.add(event)
                merged.add(event)
            elif isinstance(event, ProcessStateChanged):
                if event.process in views:
                    strip.show(event.status, since=event.at)
                    self._update_title(views[event.process])
                    note = pane_note(event)
                    if note is not None:
                        views[event.process].add(note)
                        merged.add(note)
                if event.process == INSTALL_PROCESS:
                    self.refresh_bindings()  # `i` is offered while the install waits or failed
                    if event.state is ProcessState.EXITED and event.status.exit_code == 0:
                        self.devtui.hand_off_first_run()  # (when one is pending)
                self._notify_state(event)
            elif isinstance(event, MemorySampled):
                if event.process in views:
                    strip.show_memory(event)
            elif isinstance(event, ProcessUpdated):
                if event.process in views:
                    strip.show(event.status)
                    self._update_title(views[event.process])
            elif isinstance(event, ReadyTimedOut):
                if event.process in views:
                    strip.show(event.status)
                self.notify(
                    f"{event.process} is not ready after {format_seconds(event.timeout_s)}; "
                    f"still waiting for /{event.waited_for}/",
                    title="Readiness timed out",
                    severity="warning",
                    timeout=10,
                )
            elif (
                isinstance(event, DescendantsLeft)
                and event.process in views
                and not self.devtui.shutting_down  # the shutdown screen names them
            ):
                shown = "\n".join(event.descendants[:3])
                more = len(event.descendants) - 3
                self.notify(
                    f"{event.headline}\n{shown}" + (f"\n… and {more} more" if more > 0 else ""),
                    title=f"{event.process}: left processes behind",
                    severity="warning",
                    timeout=10,
                )
            elif isinstance(event, ProblemDetected | ProblemRepeated | ProblemUpdated):
                problem = event.problem
                problems_changed = True
                view = views.get(problem.process)
                if view is not None and problem.occurrence_seqs:
                    view.mark(problem.process, problem.occurrence_seqs, problem.severity)
                    merged.mark(problem.process, problem.occurrence_seqs, problem.severity)
                if (
                    problem.severity is Severity.ERROR
                    and not problem.resolved
                    and problem.fingerprint not in self._announced
                ):
                    # Once per problem until it is resolved: a push failing the same way
                    # again shows in the problems bar's count, not in another toast.
                    self._announced.add(problem.fingerprint)
                    # The place first: on a narrow terminal the notice has two rows.
                    where = f"{problem.location}  " if problem.location else ""
                    count = f" (×{problem.count})" if problem.count > 1 else ""
                    self.notify(
                        f"{where}{problem.message}{count} · p: why, and the fix",
                        title=f"{problem.process}: {problem.title}",
                        severity="error",
                        timeout=8,
                    )
            elif isinstance(event, ProblemResolved):
                problems_changed = True  # the ready-again notification says it
                self._announced.discard(event.problem.fingerprint)
        if problems_changed:
            self.query_one(ProblemsBar).show(self.devtui.session.supervisor.problems.all())

    def _notify_state(self, event: ProcessStateChanged) -> None:
        name, state, status = event.process, event.state, event.status
        if state is ProcessState.READY and name in self._failed_since_ready:
            self._failed_since_ready.discard(name)
            self.notify(f"{name} is ready again", title="Recovered", timeout=4)
        elif state in (ProcessState.PUSH_FAILED, ProcessState.RESTARTING) or ended_badly(status):
            self._failed_since_ready.add(name)
            if state is ProcessState.CRASH_LOOP:
                self.notify(
                    f"{name}: {event.reason}",
                    title="Crash loop: restarts stopped",
                    severity="error",
                    timeout=15,
                )
            elif state is ProcessState.OOM and status.restart_at is None:
                heap = doubled_heap_mb(status.heap_mb)
                self.notify(
                    f"{name} ran {event.reason}. Press H to restart it with "
                    f"--max-old-space-size={heap}.",
                    title=f"{name}: out of memory",
                    severity="error",
                    timeout=20,
                )
            elif state is ProcessState.RESTARTING and status.oom_restarts:
                self.notify(  # on_oom at work: said, but not as an error that needs you
                    event.reason, title=f"{name} ran out of memory", severity="warning", timeout=10
                )
            elif state is not ProcessState.PUSH_FAILED:
                what = "out of memory" if state is ProcessState.OOM else state.value
                title = name if event.reason.startswith(what) else f"{name}: {what}"
                self.notify(event.reason, title=title, severity="error", timeout=10)

    def _update_title(self, view: LogView) -> None:
        if view.pane == ALL:
            view.border_title = "all processes"
        else:
            status = self.query_one(StatusStrip).entry(view.pane).status
            view.border_title = f"{view.pane} · {display_state(status)}"
        if self.maximized is view:
            view.border_title = f"{view.border_title} · zoomed: z or Esc restores"
        parts = []
        buffer = view.buffer
        if buffer.filter is not None:
            parts.append(f"filter {buffer.filter.source!r}: {len(buffer):,} lines")
        if buffer.search is not None:
            total = len(buffer.matches)
            at = (
                buffer.matches.index(view.current_match) + 1
                if view.current_match in buffer.matches
                else 0
            )
            parts.append(f"/{buffer.search.source}/ {at or '-'} of {total:,}")
        if not view.following:
            first, last, total = view.position
            new = f", {view.unseen:,} new" if view.unseen else ""
            parts.append(f"paused at {first:,}–{last:,} of {total:,}{new} (End follows)")
        view.border_subtitle = " · ".join(parts)

    @on(LogView.Changed)
    def _view_changed(self, message: LogView.Changed) -> None:
        self._update_title(message.view)

    @on(StatusEntry.Selected)
    def _entry_selected(self, message: StatusEntry.Selected) -> None:
        self.action_select(self.names.index(message.process) + 1)

    def on_descendant_focus(self) -> None:
        focused = self.focused
        if isinstance(focused, LogView) and focused.pane != ALL:
            self.selected = focused.pane
            self.query_one(StatusStrip).select(self.selected)

    # ------------------------------------------------------------------ view keys

    def action_select(self, number: int) -> None:
        """Pick process `number` (1-based): focus its pane, or aim the controls at it."""
        if not 1 <= number <= len(self.names):
            return
        self.selected = self.names[number - 1]
        self.query_one(StatusStrip).select(self.selected)
        if self.query_one(ContentSwitcher).current == "split":
            self.view(self.selected).focus()

    def action_toggle_merged(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        merged = switcher.current != f"pane-{ALL}"
        switcher.current = f"pane-{ALL}" if merged else "split"
        shown = self.view(ALL if merged else (self.selected or self.names[0]))
        shown.focus()
        self._catch_up(shown if merged else None)

    def _catch_up(self, view: LogView | None) -> None:
        """Views filled while hidden could not scroll: bring following ones to the end."""
        views = [view] if view is not None else [self.view(n) for n in self.names]
        for each in views:
            if each.following:
                self.call_after_refresh(each.follow)

    def action_toggle_layout(self) -> None:
        if self.query_one(ContentSwitcher).current != "split":
            # The merged view has one pane: changing the hidden split silently surprised.
            self.notify("The layout is the split view's: press a to see the panes", timeout=3)
            return
        split = self.query_one("#split")
        split.toggle_class("-stacked")
        # A layout chosen by hand holds until the terminal crosses WIDE the other way.
        self._layout_by_hand = (split.has_class("-stacked"), self.app.size.width >= WIDE)

    def on_resize(self, event: events.Resize) -> None:
        """The layout follows the terminal: side by side from WIDE columns, else stacked
        (a hand-picked layout holds while the width stays on the same side of WIDE)."""
        wide = event.size.width >= WIDE
        if self._layout_by_hand is not None and self._layout_by_hand[1] == wide:
            return
        self._layout_by_hand = None
        self.query_one("#split").set_class(not wide, "-stacked")

    def action_wrap(self) -> None:
        """Wrap long lines in every pane, or cut them again (←/→ then scroll sideways)."""
        wrap = not self.current_view.wrap
        for view in self.query(LogView):
            view.wrap = wrap
        self.notify(
            "Long lines wrap (w cuts them again)"
            if wrap
            else "Long lines are cut: ←/→ scroll sideways (w wraps them)",
            timeout=3,
        )

    def action_zoom(self) -> None:
        view = self.current_view
        if self.maximized is not None:
            self.minimize()
        else:
            self.maximize(view, container=False)
        self._update_title(view)  # says how to leave the zoom while zoomed

    def action_follow(self) -> None:
        self.current_view.follow()

    def action_top(self) -> None:
        self.current_view.action_scroll_home()

    def action_clear(self) -> None:
        self.current_view.clear()

    def action_escape(self) -> None:
        if self.maximized is not None:
            self.action_zoom()
            return
        view = self.current_view
        if view.buffer.search is not None or view.buffer.filter is not None:
            view.buffer.set_filter(None)
            view.buffer.set_search(None)
            view.current_match = None
            view.rebuild()

    # ------------------------------------------------------------------ search and filter

    def action_search(self) -> None:
        self._open_query("search")

    def action_filter(self) -> None:
        self._open_query("filter")

    def _open_query(self, mode: str) -> None:
        view = self.current_view
        self._query_target = view
        current = view.buffer.search if mode == "search" else view.buffer.filter
        self.query_one(QueryBar).open(
            "search" if mode == "search" else "filter", current.source if current else ""
        )

    @on(QueryBar.Changed)
    def _query_changed(self, message: QueryBar.Changed) -> None:
        view = self._query_target or self.current_view
        bar = self.query_one(QueryBar)
        try:
            if message.mode == "search":
                view.buffer.set_search(compile_search(message.text) if message.text else None)
                view.current_match = None
            else:
                view.buffer.set_filter(compile_filter(message.text) if message.text else None)
        except QueryError as error:
            bar.tell(str(error), error=True)
            return  # (Enter too: the bar stays open on what was typed)
        if message.final:
            bar.action_close()
        view.rebuild()
        if message.mode == "search" and view.buffer.search is not None:
            bar.tell(f"{len(view.buffer.matches):,} matching lines · Enter, then n / N")
            if message.final:
                view.step_match()
        elif message.mode == "filter" and view.buffer.filter is not None:
            bar.tell(f"{len(view.buffer):,} lines shown")
        else:
            bar.tell("")

    @on(QueryBar.Closed)
    def _query_closed(self) -> None:
        (self._query_target or self.current_view).focus()

    def action_next_match(self) -> None:
        self._step(backwards=False)

    def action_previous_match(self) -> None:
        self._step(backwards=True)

    def _step(self, backwards: bool) -> None:
        view = self.current_view
        if view.buffer.search is None:
            self.notify("No search: press / first", timeout=3)
        elif view.step_match(backwards) is None:
            self.notify(f"No line matches /{view.buffer.search.source}/", timeout=3)

    # ------------------------------------------------------------------ process controls

    def action_restart(self) -> None:
        self._command("restart")

    def action_stop(self) -> None:
        self._command("stop")

    def action_start(self) -> None:
        self._command("start")

    def _command(self, verb: str) -> None:
        process = self.selected
        if process is None:
            return
        self.notify(f"{verb} {process}", timeout=2)
        self._run_command(verb, process)

    @work(group="process-commands")
    async def _run_command(self, verb: str, process: str) -> None:
        supervisor = self.devtui.session.supervisor
        command = {
            "restart": supervisor.restart_process,
            "stop": supervisor.stop_process,
            "start": supervisor.start_process,
        }[verb]
        await command(process)

    # ------------------------------------------------------------------ clipboard

    def action_copy_selection(self) -> None:
        text = self.get_selected_text()
        if not text:
            self.notify(
                "Select lines with the mouse first (drag over them), then press y", timeout=4
            )
            return
        self.app.copy_to_clipboard(text)
        count = text.count("\n") + 1
        self.notify(f"Copied {count} line{'s' if count != 1 else ''}", timeout=3)

    def action_copy_error(self) -> None:
        process = self.selected
        if process is None:
            self.notify("Choose a process first (1-9), then press e", timeout=3)
            return
        latest = newest_error_block(self.devtui.session.supervisor.problems.all(), process)
        if latest is None:
            self.notify(f"No error block from {process} yet", timeout=3)
            return
        self.app.copy_to_clipboard("\n".join(latest.lines))
        count = len(latest.lines)
        state = " (resolved)" if latest.resolved else ""
        self.notify(
            f"Copied {process}'s last error block{state}: {latest.title}, "
            f"{count} line{'s' if count != 1 else ''}",
            timeout=3,
        )

    def action_install(self) -> None:
        """Run the install step (shown only when packages were missing at start); the
        processes waiting for it start when it succeeds."""
        self._run_install()

    @work(group="install")
    async def _run_install(self) -> None:
        supervisor = self.devtui.session.supervisor
        self.action_select(self.names.index(INSTALL_PROCESS) + 1)
        await supervisor.start_process(INSTALL_PROCESS)
        for name, status in supervisor.statuses.items():  # blocked by a failed install
            if status.state is ProcessState.BLOCKED:
                await supervisor.start_process(name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "install":  # only while an install step waits or has failed
            status = self.devtui.session.supervisor.statuses.get(INSTALL_PROCESS)
            return status is not None and (
                status.state is ProcessState.WAITING or ended_badly(status)
            )
        return True

    def action_help(self) -> None:
        self.devtui.action_help()

    # ------------------------------------------------------------------ problems

    def action_problems(self) -> None:
        self.devtui.show_problems()

    def action_memory(self) -> None:
        self.devtui.show_memory()

    def action_triage(self) -> None:
        self.devtui.show_triage()

    def action_more_heap(self) -> None:
        if self.selected is not None:
            self.devtui.restart_with_more_heap(self.selected)

    def show_problem_lines(self, problem: Problem) -> None:
        """Show the latest lines of `problem` in its process's pane."""
        if problem.process not in self.names:
            self.notify(f"{problem.process} has no pane", timeout=3)
            return
        switcher = self.query_one(ContentSwitcher)
        if switcher.current != "split":
            switcher.current = "split"
        self.action_select(self.names.index(problem.process) + 1)
        view = self.view(problem.process)
        if not view.scroll_to_seq(problem.process, problem.occurrence_seqs[0]):
            self.notify(
                "Those lines have scrolled out of the pane (the session log keeps them)",
                timeout=4,
            )
