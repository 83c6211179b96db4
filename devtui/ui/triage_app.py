"""`devtui triage`: the triage screen on its own, over a saved session log."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from devtui.core.redact import Redactor
from devtui.core.triage.session import TriageSession
from devtui.ui.keys import APP_KEYS, screen_commands, textual_extras
from devtui.ui.screens.triage import TriageScreen


class TriageApp(App[None]):
    """Shows one session log in the triage screen until the user quits."""

    CSS_PATH = Path(__file__).with_name("devtui.tcss")
    TITLE = "devtui triage"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", group=APP_KEYS, tooltip="Quit triage"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, group=APP_KEYS),
    ]

    def __init__(self, session: TriageSession) -> None:
        super().__init__()
        self.session = session
        self.triage = TriageScreen(session)

    def on_mount(self) -> None:
        self.push_screen(self.triage)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette: the triage screen's actions (from its bindings), Quit, Theme."""
        yield from screen_commands(screen)
        yield SystemCommand("Quit", "Quit triage", self.action_quit)
        yield from textual_extras(super().get_system_commands(screen))

    def copy_to_clipboard(self, text: str) -> None:
        """Every copy goes through here: no secret reaches the clipboard."""
        super().copy_to_clipboard(Redactor().redact(text))
