"""The status strip: one entry per process, coloured by state, with what matters about it.

Invariant: entries only display the latest `ProcessStatus` the core published; the strip
ticks once a second only while some process is being waited on, so an idle TUI does no work.
"""

from __future__ import annotations

import time

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalGroup
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from devtui.core.events import MemorySampled, ProcessStatus
from devtui.core.units import clock_time
from devtui.ui.format import (
    MEMORY_STYLE,
    STATE_SYMBOL,
    display_state,
    is_waiting,
    memory_summary,
    push_summary,
    state_detail,
)


class StatusEntry(Static):
    """One process in the strip; its CSS class (`-ready`, `-push-failed`, …) is its state."""

    class Selected(Message):
        """The entry was clicked: show and focus this process."""

        def __init__(self, process: str) -> None:
            super().__init__()
            self.process = process

    def __init__(self, status: ProcessStatus, name_style: Style) -> None:
        super().__init__(id=f"status-{status.name}", classes="status-entry")
        self.status = status
        self.since: float | None = None
        """When the process entered its current state (for elapsed times)."""
        self._name_style = name_style
        self._shown_state = ""
        self.memory: MemorySampled | None = None
        """The latest memory sample of the process's tree."""

    def show_memory(self, sample: MemorySampled) -> None:
        """Display a new memory sample."""
        self.memory = sample
        self.refresh()

    def show(self, status: ProcessStatus, since: float | None = None) -> None:
        """Display a new status (`since`: when its state began, if it changed)."""
        if since is not None or status.state is not self.status.state:
            self.since = since if since is not None else time.time()
        self.status = status
        state = display_state(status)
        if state != self._shown_state:
            if self._shown_state:
                self.remove_class(f"-{self._shown_state}")
            self.add_class(f"-{state}")
            self._shown_state = state
        self.refresh()

    def render(self) -> Text:
        """The entry, fitted to its width: what matters most is never cut (the state,
        the stale marker with its time and reason, the URL); the memory figure and then
        the push summary give way first on a narrow terminal."""
        status = self.status
        parts: list[tuple[int, Text]] = []  # (importance: 0 most, Text), in display order
        head = Text(f"{STATE_SYMBOL[status.state]} ")
        head.append(status.name, self._name_style + Style(bold=True))
        parts.append((0, head))
        # What it waits on (starting… 12 s) matters; "ready in 78ms" gives way to the URL.
        detail = Text(state_detail(status, time.time(), self.since))
        parts.append((1 if is_waiting(status) else 2, detail))
        if status.stale_since is not None and status.state.is_running:
            stale = f"stale since {clock_time(status.stale_since)}: {status.stale_cause}"
            parts.append((0, Text(stale, Style(bold=True))))
        if status.url:
            parts.append((1, Text(status.url, Style(link=status.url, underline=True))))
        if self.memory is not None and status.state.is_running:
            parts.append((4, Text(memory_summary(self.memory), MEMORY_STYLE[self.memory.level])))
        pushes = push_summary(status) if status.kind == "convex" else ""
        if pushes:
            parts.append((3, Text(pushes, Style(dim=True))))
        width = self.size.width or 10_000
        while len(parts) > 1 and sum(p.cell_len + 2 for _, p in parts) - 2 > width:
            least = max(importance for importance, _ in parts)
            if least == 0:
                break
            index = max(i for i, (importance, _) in enumerate(parts) if importance == least)
            del parts[index]
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        for index, (_, part) in enumerate(parts):
            if index:
                text.append("  ")
            text.append_text(part)
        return text

    def on_click(self) -> None:
        self.post_message(self.Selected(self.status.name))


class StatusStrip(VerticalGroup):
    """Every process's entry, one row each (so a URL or a sparkline is never cut off)."""

    def __init__(self, statuses: list[ProcessStatus], name_styles: dict[str, Style]) -> None:
        super().__init__(id="status-strip")
        self._initial = statuses
        self._name_styles = name_styles
        self._ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        for status in self._initial:
            entry = StatusEntry(status, self._name_styles.get(status.name, Style()))
            yield entry

    def on_mount(self) -> None:
        for entry in self.query(StatusEntry):
            entry.show(entry.status)

    def entry(self, process: str) -> StatusEntry:
        """The entry of `process`."""
        return self.query_one(f"#status-{process}", StatusEntry)

    def show(self, status: ProcessStatus, since: float | None = None) -> None:
        """Update one process's entry and start or stop the clock."""
        self.entry(status.name).show(status, since)
        waiting = any(is_waiting(entry.status) for entry in self.query(StatusEntry))
        if waiting and self._ticker is None:
            self._ticker = self.set_interval(1.0, self._tick)
        elif not waiting and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def show_memory(self, sample: MemorySampled) -> None:
        """Update one process's memory figure."""
        self.entry(sample.process).show_memory(sample)

    def select(self, process: str | None) -> None:
        """Mark the entry of the process the controls act on."""
        for entry in self.query(StatusEntry):
            entry.set_class(entry.status.name == process, "-selected")

    def _tick(self) -> None:
        for entry in self.query(StatusEntry):
            if is_waiting(entry.status):
                entry.refresh()
