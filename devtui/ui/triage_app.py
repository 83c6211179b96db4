"""`devtui triage`: the triage screen on its own, over a saved session log."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from devtui.core.redact import Redactor
from devtui.core.triage.session import TriageSession
from devtui.ui.screens.triage import TriageScreen


class TriageApp(App[None]):
    """Shows one session log in the triage screen until the user quits."""

    CSS_PATH = Path(__file__).with_name("devtui.tcss")
    TITLE = "devtui triage"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, session: TriageSession) -> None:
        super().__init__()
        self.session = session
        self.triage = TriageScreen(session)

    def on_mount(self) -> None:
        self.push_screen(self.triage)

    def copy_to_clipboard(self, text: str) -> None:
        """Every copy goes through here: no secret reaches the clipboard."""
        super().copy_to_clipboard(Redactor().redact(text))
