"""Asks, before the stack starts, whether to stop a leftover dev server holding a port.

Invariant: it only asks; the core finds the holder (`run/ports.py`) and stops it, and
only the user's own dev servers are offered (anything else stays a problem to read).
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from devtui.core.run.ports import PortHolder
from devtui.core.units import format_seconds


class PortHolderScreen(ModalScreen[bool]):
    """`y` stops the holder, `n` (or Escape) leaves it; dismissed with the answer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Stop it"),
        Binding("n,escape", "answer(False)", "Leave it"),
    ]

    def __init__(self, process: str, holder: PortHolder) -> None:
        super().__init__(id="port-holder")
        self._process = process
        self._holder = holder

    def compose(self) -> ComposeResult:
        holder = self._holder
        age = (
            f", started {format_seconds(time.time() - holder.started)} ago"
            if holder.started is not None
            else ""
        )
        with Vertical(id="port-holder-body"):
            yield Static(f"Port {holder.port} is taken", id="port-holder-title")
            yield Static(
                f"{self._process} asks for port {holder.port}, but a dev server of yours "
                f"already holds it:\n\n  pid {holder.pid}{age}\n  {holder.command}\n"
                f"  in {holder.cwd or '?'}\n\nLeft running, {self._process} takes another port "
                "(or fails to start), and the URL you have open keeps showing the old app.",
                id="port-holder-text",
                markup=False,
            )
            yield Static("y  stop it and start on its port     n  leave it", id="port-holder-keys")

    def action_answer(self, stop: bool) -> None:
        self.dismiss(stop)
