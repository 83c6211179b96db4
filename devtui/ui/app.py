"""The devtui TUI: a thin subscriber to the core's events, and the keys that command it.

Invariant: one worker moves event batches from the bus into `CoreEvents` messages, one batch
in flight at a time (so under a flood batches grow instead of queueing), and the handlers
only update widgets. Quitting always goes through the supervisor's shutdown before exit.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Final

from textual import events, work
from textual.app import App, SuspendNotSupported, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen

from devtui.core.config.model import ProcessConfig
from devtui.core.events import (
    Event,
    MemorySampled,
    ProblemDetected,
    ProblemRepeated,
    ProblemResolved,
    ProblemUpdated,
)
from devtui.core.problems.book import Problem
from devtui.core.run.outcome import up_outcome
from devtui.core.run.ports import held_ports, stop_holder
from devtui.core.run.signals import (
    QUIT_REQUEST,
    ShutdownRequests,
    StopRequest,
    control_request,
    install_shutdown_signals,
    signal_request,
)
from devtui.errors import ExitCode
from devtui.handoff import run_first_convex_dev_async
from devtui.ui.compat import stop_input_thread
from devtui.ui.editor import EditorCommand, EditorNotSet, editor_command
from devtui.ui.format import name_styles
from devtui.ui.keys import APP_KEYS, QUIT_WORDS, screen_commands, textual_extras
from devtui.ui.messages import CoreEvents
from devtui.ui.screens.dashboard import DashboardScreen
from devtui.ui.screens.help import HelpScreen
from devtui.ui.screens.memory import MemoryScreen
from devtui.ui.screens.port_holder import PortHolderScreen
from devtui.ui.screens.problems import ProblemsScreen
from devtui.ui.screens.shutdown import ShutdownScreen
from devtui.ui.session import StackSession
from devtui.ui.terminal_guard import STALL_S, StallWatchdog, ignore_resume_on_dead_terminal
from devtui.ui.widgets.log_view import LogView
from devtui.ui.widgets.notice_bar import NoticeBar

EXIT_WATCHDOG_S = 3.0
"""After the stack is down, Textual gets this long to restore the terminal and return."""


def _terminal_answers() -> bool:
    """Whether the terminal is still there (a hung-up one refuses `isatty`'s question)."""
    stdin = sys.__stdin__
    try:
        return stdin is not None and os.isatty(stdin.fileno())
    except (OSError, ValueError):
        return False


HELP_NOTES: Final = (
    "Filter: space-separated regexes, every one must match; !term hides lines matching term. "
    "Search and filter ignore case unless you type a capital. Long lines: ←/→ scroll "
    "sideways, w wraps them. Press Esc, q or ? to close."
)


class DevtuiApp(App[int]):
    """The dashboard over a running stack; returns devtui's exit code."""

    CSS_PATH = Path(__file__).with_name("devtui.tcss")  # absolute: subclasses live elsewhere
    TITLE = "devtui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", group=APP_KEYS, tooltip=QUIT_WORDS),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, group=APP_KEYS),
    ]

    def __init__(
        self, session: StackSession, subtitle: str = "", *, guard_exit: bool = False
    ) -> None:
        """Args:
        session: The stack to run and show.
        subtitle: Shown in the header (where the config came from).
        guard_exit: Make sure the *process* ends when its terminal vanishes (a closed
            tmux or ssh session): the exit watchdog once the stack is down, and the
            `terminal_guard`s while it runs. Only the `devtui` command asks for it: it
            must never end a test run or an embedding program. The caller disarms them
            with `disarm_guards()` once `run()` returns.
        """
        super().__init__()
        self.session = session
        """The running stack (commands and events go through it)."""
        self._guard_exit = guard_exit
        self.sub_title = subtitle
        statuses = list(session.supervisor.statuses.values())
        self.name_styles = name_styles([status.name for status in statuses])
        self.dashboard = DashboardScreen(
            statuses, session.config.settings.scrollback, self.name_styles
        )
        self._handled = asyncio.Event()
        self._shutdown_view: ShutdownScreen | None = None
        self._requests = ShutdownRequests(time.monotonic)
        """The core's one policy for stop requests (signals and the quit key alike)."""
        self.first_run: ProcessConfig | None = None
        """A Convex process whose first `convex dev --once` must get the terminal after
        the install step (no deployment configured); started once that succeeded."""
        self._handing_off = False
        """The terminal is the first `convex dev`'s: a Ctrl-C is for it, not for devtui."""
        self._terminal_gone = False
        """The terminal was closed under the app (drawing and reading keys stopped)."""
        self._problems_view: ProblemsScreen | None = None
        self._memory_view: MemoryScreen | None = None
        self._exit_code: int | None = None
        self._ended_notified = False
        self._stack_closed = False
        self._exit_watchdog: threading.Timer | None = None
        """Started once the stack is down (with `guard_exit`)."""
        self._stall_watchdog: StallWatchdog | None = None
        """Watches the event loop while the app runs (with `guard_exit`)."""

    # ------------------------------------------------------------------ start

    def on_mount(self) -> None:
        self.push_screen(self.dashboard)
        install_shutdown_signals(self._on_signal)  # for the app's life: never removed
        self._freeze_startup_objects()
        if self._guard_exit and sys.__stderr__ is not None:
            self._guard_against_a_vanished_terminal(sys.__stderr__.fileno())
        self._pump()

    def _guard_against_a_vanished_terminal(self, fd: int) -> None:
        """Textual draws on `fd`: see `terminal_guard` for what can go wrong when it goes."""
        ignore_resume_on_dead_terminal(fd)
        self._stall_watchdog = StallWatchdog(fd, self._end_stalled)
        self._stall_watchdog.start()
        self.set_interval(STALL_S / 10, self._stall_watchdog.beat)

    def _end_stalled(self) -> None:
        """From the watchdog's thread: the terminal is gone and the event loop is stuck, so
        no orderly shutdown can run. Kill every child's group and end with SIGHUP's code."""
        self.session.supervisor.kill_now()
        os._exit(int(ExitCode.HANGUP))

    def disarm_guards(self) -> None:
        """`run()` has returned: the process may now end in its own time."""
        if self._exit_watchdog is not None:
            self._exit_watchdog.cancel()
        if self._stall_watchdog is not None:
            self._stall_watchdog.stop()

    def _freeze_startup_objects(self) -> None:
        """Keep what lives as long as the app out of the garbage collector's full passes.

        Why: under a flood of output the full (oldest generation) collection walked every
        module, style and binding Textual had built, a 50-60 ms pause now and then: the
        largest single cause of a key answered late. Before the stack starts, one
        collection (about 15 ms) clears startup garbage and `gc.freeze()` parks what
        survives; objects made later are collected as usual, and `on_unmount` unfreezes
        the parked ones.
        """
        gc.collect()
        gc.freeze()

    @work(exclusive=True, group="core-events")
    async def _pump(self) -> None:
        """Start the stack and move its events to the UI, one batch in flight."""
        subscription = self.session.bus.subscribe("tui")
        await self.session.open(on_log_error=self._log_error)
        for warning in self.session.warnings:
            self.notify(warning, severity="warning", timeout=10)
        await self._offer_to_free_ports()
        await self.session.start()
        warned = len(self.session.warnings)
        # After the first spawns: the control socket costs the stack's start nothing.
        await self.session.serve_control(
            lambda reason: self._request(control_request(reason), from_signal=False),
            lambda note: self.notify(note, severity="warning", timeout=10),
        )
        for warning in self.session.warnings[warned:]:
            self.notify(warning, severity="warning", timeout=10)
        while True:
            batch = await subscription.next_batch(max_items=100_000)
            if not batch:
                return
            self._handled.clear()
            self.post_message(CoreEvents(batch))
            await self._handled.wait()

    async def _offer_to_free_ports(self) -> None:
        """Before the stack starts: a leftover dev server of the user's holding a port the
        stack needs is offered to be stopped (anything else is left to the problem the
        launch reports)."""
        processes = list(self.session.config.processes.values())
        for process, holder in await asyncio.to_thread(held_ports, processes):
            if not holder.is_dev_server:
                continue
            screen = PortHolderScreen(process.name, holder)
            if await self.push_screen_wait(screen):
                outcome = await asyncio.to_thread(stop_holder, holder)
                self.notify(outcome, title=f"Port {holder.port}", timeout=8)

    async def on_event(self, event: events.Event) -> None:
        """Run a key pressed in a log pane through its bindings at once.

        Why: by default the key travels pane → split → switcher → screen → app, one
        message queue per step, and during a flood each step waits behind output: 10-40 ms
        before the key acted at all. The bindings looked up are the same ones,
        in the same order (the focused pane's first, then the screen's and the app's), so
        this changes when a key acts, never what it does; a key no binding takes goes the
        usual way, and so does every key while a text field has focus.
        """
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and self.screen is self.dashboard
            and isinstance(self.focused, LogView)
        ):
            active = self.screen.active_bindings.get(event.key)
            if active is not None and active.enabled:
                self.app_focus = True
                if await self.run_action(active.binding.action, active.node):
                    return
        await super().on_event(event)

    def _log_error(self, message: str) -> None:
        self.notify(message, title="Session log", severity="warning", timeout=10)

    def on_core_events(self, message: CoreEvents) -> None:
        try:
            self._apply(message.events)
        finally:
            self._handled.set()

    def _apply(self, events: list[Event]) -> None:
        self.dashboard.apply(events)
        if self._problems_view is not None and any(
            isinstance(e, ProblemDetected | ProblemRepeated | ProblemUpdated | ProblemResolved)
            for e in events
        ):
            self._problems_view.refresh_problems()
        if self._memory_view is not None and any(isinstance(e, MemorySampled) for e in events):
            self._memory_view.refresh_memory()
        if self._shutdown_view is not None:
            self._shutdown_view.apply(events)
        elif not self._ended_notified:
            statuses = self.session.supervisor.statuses.values()
            if statuses and all(s.state.is_final for s in statuses):
                self._ended_notified = True
                code, reason = up_outcome(statuses)
                self.notify(
                    f"Every process has ended ({reason}). Press q to quit.",
                    title="Nothing is running",
                    severity="error" if code else "information",
                    timeout=30,
                )

    # ------------------------------------------------------------------ quitting

    @property
    def shutting_down(self) -> bool:
        """The stack is being stopped for good (the shutdown screen says what happens)."""
        return self._shutdown_view is not None

    @property
    def requested_exit_code(self) -> int | None:
        """The exit code a signal asked for (130/143/129), if one did."""
        return self._exit_code

    def _on_signal(self, sig: signal.Signals) -> None:
        if self._handing_off and sig is signal.SIGINT:
            return  # the Ctrl-C typed at the first `convex dev`
        if self._guard_exit and not _terminal_answers():
            # The terminal was closed under us (SIGHUP): Textual's input thread would spin
            # on a stdin that reads nothing, and nothing can be drawn any more.
            self._terminal_gone = True
            stop_input_thread(self)
        self._request(signal_request(sig), from_signal=True)

    async def action_quit(self) -> None:
        """Stop every process (shown step by step), then exit; a second press kills all."""
        self._request(QUIT_REQUEST, from_signal=False)

    def _request(self, request: StopRequest, *, from_signal: bool) -> None:
        verdict = self._requests.request(request, from_signal=from_signal)
        if verdict == "now":
            self.session.supervisor.kill_now()
        elif verdict == "first":
            self._begin_shutdown(request.code, request.reason)

    def _begin_shutdown(self, code: int | None, reason: str) -> None:
        self._exit_code = code
        statuses = self.session.supervisor.statuses
        ended = {name: status.reason for name, status in statuses.items() if status.state.is_final}
        self._shutdown_view = ShutdownScreen(self.dashboard.names, ended)
        if not self._terminal_gone:  # nothing to draw on otherwise
            self.push_screen(self._shutdown_view)
        self._shut_down(reason)

    @work(group="shutdown")
    async def _shut_down(self, reason: str) -> None:
        statuses = list(self.session.supervisor.statuses.values())
        code = self._exit_code
        if code is None:
            code = int(up_outcome(s for s in statuses if s.state.is_final)[0])
        await self._close_stack(code, reason)
        self.exit(code)

    async def _close_stack(self, code: int, reason: str) -> None:
        """Shut the stack down (once), then arm the exit watchdog."""
        if self._stack_closed:
            return
        self._stack_closed = True
        await self.session.close(code, reason)
        if not self._guard_exit:
            return
        # The stack is down. Should Textual not get out (its terminal vanished: a closed
        # tmux or ssh session, SIGHUP), end anyway rather than linger as an orphan.
        self._exit_watchdog = threading.Timer(EXIT_WATCHDOG_S, os._exit, args=(code,))
        self._exit_watchdog.daemon = True
        self._exit_watchdog.start()

    async def on_unmount(self) -> None:
        """However the app ends (Textual itself may give up on a dead terminal), the
        stack is shut down in order here unless quitting did it already."""
        gc.unfreeze()
        if not self._stack_closed:
            code = self._exit_code if self._exit_code is not None else int(ExitCode.PROCESS_FAILED)
            await self._close_stack(code, "the TUI ended")

    def copy_to_clipboard(self, text: str) -> None:
        """Every copy goes through here: no secret reaches the clipboard."""
        super().copy_to_clipboard(self.session.supervisor.redactor.redact(text))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Notifications quote process output (`[AI_STREAMING] …`, `✘ [ERROR] …`): never
        read them as markup, whatever the caller said."""
        on_dashboard = bool(self.screen_stack) and self.screen_stack[-1] is self.dashboard
        if on_dashboard and self.dashboard.is_mounted:
            # Its notice line says it: a toast would cover the panes (and would show up
            # again over the next screen opened).
            seconds = timeout if timeout is not None else self.NOTIFICATION_TIMEOUT
            self.dashboard.query_one(NoticeBar).show(message, title, severity, seconds)
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # ------------------------------------------------------------------ problems

    def show_problems(self) -> None:
        """Open the problems screen (live while it is open)."""
        if self._problems_view is not None:
            return
        self._problems_view = ProblemsScreen()

        def closed(_: None) -> None:
            self._problems_view = None

        self.push_screen(self._problems_view, closed)

    def show_memory(self) -> None:
        """Open the memory screen (live while it is open)."""
        if self._memory_view is not None:
            return
        self._memory_view = MemoryScreen(self.dashboard.names, self.dashboard.selected)

        def closed(_: None) -> None:
            self._memory_view = None

        self.push_screen(self._memory_view, closed)

    def show_triage(self) -> None:
        """Open the triage screen on this session's log (as written so far; `r` takes in
        what came since)."""
        log = self.session.log
        if log is None:
            self.notify("No session log this run, so nothing to triage", severity="warning")
            return
        from devtui.core.triage.session import TriageSession
        from devtui.core.triage.sessionfile import NotASessionLog
        from devtui.ui.screens.triage import TriageScreen

        try:
            triage = TriageSession(log.path)
        except NotASessionLog as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.push_screen(TriageScreen(triage, live=True), lambda _: triage.close())

    def restart_with_more_heap(self, name: str) -> None:
        """Restart `name` with twice its Node heap limit, saying what it gets."""
        self._more_heap(name)

    @work(group="process-commands")
    async def _more_heap(self, name: str) -> None:
        heap = await self.session.supervisor.restart_with_more_heap(name)
        self.notify(
            f"{name} restarts with NODE_OPTIONS=--max-old-space-size={heap}",
            title="More heap",
            timeout=6,
        )

    def show_problem_lines(self, problem: Problem) -> None:
        """Back on the dashboard, with the problem's lines shown in its pane."""
        self.dashboard.show_problem_lines(problem)

    def open_in_editor(self, problem: Problem) -> None:
        """Open the problem's file at its line in $VISUAL / $EDITOR."""
        if not problem.file:
            self.notify(f"{problem.rule} names no file", timeout=4)
            return
        path = self.session.config.root / problem.file
        if not path.is_file():
            self.notify(f"{problem.file}: no such file under {self.session.config.root}", timeout=6)
            return
        try:
            command = editor_command(os.environ, path, problem.line, problem.column)
        except EditorNotSet:
            self.notify(
                f"Set $VISUAL or $EDITOR (e.g. export EDITOR=nvim) to open files from here; "
                f"this one is {problem.location}",
                title="No editor",
                severity="warning",
                timeout=10,
            )
            return
        except ValueError as error:
            self.notify(f"Cannot read $VISUAL/$EDITOR: {error}", severity="error", timeout=8)
            return
        self._run_editor(command)

    @work(group="first-run", exclusive=True)
    async def hand_off_first_run(self) -> None:
        """After the install step: suspend the dashboard, run the first `convex dev
        --once` on the terminal (it asks its questions there), then start the process."""
        process = self.first_run
        if process is None:
            return
        self.first_run = None
        self._handing_off = True
        try:
            with self.suspend():
                code = await run_first_convex_dev_async(process, sys.stderr)
        except SuspendNotSupported:
            code = -1
        finally:
            self._handing_off = False
        supervisor = self.session.supervisor
        if code == 0:
            await supervisor.start_process(process.name)
            return
        supervisor.hold(process.name, "not started: no deployment configured (s starts it)")
        self.notify(
            f"The first `convex dev --once` exited with code {code}, so {process.name} was not "
            f"started: set CONVEX_DEPLOYMENT (or CONVEX_DEPLOY_KEY) and press s on it, or "
            "quit and run devtui again.",
            title="No Convex deployment",
            severity="error",
            timeout=30,
        )

    @work(group="editor", exclusive=True)
    async def _run_editor(self, command: EditorCommand) -> None:
        try:
            if command.gui:
                await asyncio.create_subprocess_exec(
                    *command.argv,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                    start_new_session=True,
                )
                self.notify(f"Opened: {command.shown}", timeout=3)
                return
            # The editor gets the terminal; the stack keeps running underneath (the event
            # loop is not blocked) and the screen is redrawn when the editor exits.
            with self.suspend():
                editor = await asyncio.create_subprocess_exec(*command.argv)
                code = await editor.wait()
        except SuspendNotSupported:
            self.notify("This terminal cannot be handed to an editor", severity="error")
            return
        except OSError as error:
            self.notify(
                f"Cannot run {command.argv[0]}: {error.strerror or error}",
                title="Editor",
                severity="error",
                timeout=8,
            )
            return
        if code != 0:
            self.notify(f"{command.shown} exited with code {code}", severity="warning")

    # ------------------------------------------------------------------ keys and commands

    def action_help(self) -> None:
        """Show every key of the dashboard and the app."""
        self.push_screen(HelpScreen("devtui keys", self.dashboard.key_bindings(), HELP_NOTES))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette: the actions of the screen it was opened on, from its bindings
        (their descriptions, never Textual's key names), then one Quit, Theme and
        Screenshot (Textual's Keys panel and Maximize are devtui's ? and z)."""
        yield from screen_commands(screen)
        if screen is self.dashboard:
            dashboard = self.dashboard
            for number, name in enumerate(dashboard.names, start=1):
                for verb in ("restart", "stop", "start"):
                    yield SystemCommand(
                        f"{verb.capitalize()} {name}",
                        f"{verb} the {name} process",
                        lambda number=number, verb=verb: self._palette_command(number, verb),
                    )
        yield SystemCommand("Quit", QUIT_WORDS, self.action_quit)
        yield from textual_extras(super().get_system_commands(screen))

    async def _palette_command(self, number: int, verb: str) -> None:
        self.dashboard.action_select(number)
        await self.dashboard.run_action(verb)
