"""The shutdown view: each process stopping, the signal sent, the time left before SIGKILL.

Invariant: it only displays the stop events the core publishes (SignalSent, state changes,
SurvivorsFound, DescendantsLeft); the supervisor alone decides what is sent when.
"""

from __future__ import annotations

import time
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from devtui.core.events import (
    DescendantsLeft,
    Event,
    ProcessState,
    ProcessStateChanged,
    SignalSent,
    SupervisorStopping,
    SurvivorsFound,
)
from devtui.core.units import format_seconds


class ShutdownScreen(ModalScreen[None]):
    """Shown from the moment the user quits until every process is gone."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", "Kill everything now", show=False),
    ]
    """A modal screen keeps the app's own `q` from it: pressed again, it means now."""

    def __init__(self, names: list[str], ended: dict[str, str] | None = None) -> None:
        """Args:
        names: Every process, in the dashboard's order.
        ended: Why each process that had already ended did (nothing to stop there).
        """
        super().__init__(id="shutdown")
        self._names = list(names)
        self._rows: dict[str, str] = {name: "waiting to be stopped" for name in names}
        self._rows.update(ended or {})
        self._kill_at: dict[str, float | None] = {}
        self._notes: dict[str, str] = {}
        """What each stop found outside its group (detached or stray processes)."""
        self._order = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="shutdown-body"):
            yield Static("Stopping…", id="shutdown-title")
            yield Static(id="shutdown-table")
            yield Static("Press Ctrl+C or q again to kill everything at once.", id="shutdown-hint")

    def on_mount(self) -> None:
        self.set_interval(0.2, self._redraw)
        self._redraw()

    def apply(self, events: list[Event]) -> None:
        """Take in the stop events of a batch."""
        for event in events:
            if isinstance(event, SupervisorStopping):
                self._order = ", then ".join(" + ".join(group) for group in event.order)
            elif isinstance(event, DescendantsLeft):
                if event.process not in self._rows:  # "devtui": the stack's stray processes
                    self._names.append(event.process)
                    self._rows[event.process] = ""
                self._notes[event.process] = f"{event.headline} " + "; ".join(event.descendants)
            elif isinstance(event, SignalSent) and event.process in self._rows:
                target = f"group {event.pgid}" if event.pgid else "them"
                self._rows[event.process] = f"{event.signal_name} sent to {target}"
                self._kill_at[event.process] = event.kill_at
            elif isinstance(event, ProcessStateChanged) and event.process in self._rows:
                if not event.state.is_running and event.state is not ProcessState.WAITING:
                    self._rows[event.process] = event.reason
                    self._kill_at[event.process] = None
            elif isinstance(event, SurvivorsFound) and event.process in self._rows:
                self._rows[event.process] = "still alive after SIGKILL: " + "; ".join(
                    event.survivors
                )
                self._kill_at[event.process] = None
        self._redraw()

    def _redraw(self) -> None:
        if not self.is_mounted:  # events can arrive before the screen is composed
            return
        table = Table(box=None, show_header=False, padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        now = time.time()
        for name in self._names:
            row = self._rows[name]
            kill_at = self._kill_at.get(name)
            if kill_at is not None:
                row += f" · SIGKILL in {format_seconds(max(0.0, kill_at - now))}"
            if name in self._notes:
                row = f"{row}\n{self._notes[name]}" if row else self._notes[name]
            # Plain text: command lines come from children (`[name].js` is not markup).
            table.add_row(Text(name), Text(row))
        if self._order:
            self.query_one("#shutdown-title", Static).update(Text(f"Stopping {self._order}…"))
        self.query_one("#shutdown-table", Static).update(table)
