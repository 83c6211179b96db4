"""The search / filter bar: a one-line input docked under the panes.

Invariant: the bar only reports what the user typed; the dashboard compiles and applies it,
and an invalid regex comes back here as a message, never as an exception.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import HorizontalGroup
from textual.message import Message
from textual.widgets import Input, Label

QueryMode = Literal["search", "filter"]

PROMPTS: dict[QueryMode, str] = {
    "search": "search /",
    "filter": "filter (terms to keep, !terms to hide)",
}


class QueryBar(HorizontalGroup):
    """Where `/` (search) and `f` (filter) take their text."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", show=False),
    ]

    class Changed(Message):
        """The query text changed (`final` once Enter was pressed)."""

        def __init__(self, mode: QueryMode, text: str, final: bool) -> None:
            super().__init__()
            self.mode = mode
            self.text = text
            self.final = final

    class Closed(Message):
        """The bar was closed with Escape or Enter."""

    def __init__(self) -> None:
        super().__init__(id="query-bar")
        self.mode: QueryMode = "search"

    def compose(self) -> ComposeResult:
        yield Label(PROMPTS["search"], id="query-prompt")
        yield Input(id="query-input", placeholder="regex")
        yield Label("", id="query-message")

    def open(self, mode: QueryMode, text: str = "") -> None:
        """Show the bar for `mode`, pre-filled with `text`, and focus it."""
        self.mode = mode
        self.query_one("#query-prompt", Label).update(PROMPTS[mode])
        self.tell("")
        field = self.query_one(Input)
        field.value = text
        self.add_class("-open")
        field.focus()

    def tell(self, message: str, error: bool = False) -> None:
        """Show a short message after the input (match counts, a regex error)."""
        label = self.query_one("#query-message", Label)
        label.update(Text(message))  # a regex error may quote the regex: no markup
        label.set_class(error, "-error")

    def action_close(self) -> None:
        self.remove_class("-open")
        self.post_message(self.Closed())

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self.mode, event.value, final=False))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: the screen applies the query and closes the bar, unless the regex is
        invalid (then the bar stays, saying why, with what was typed)."""
        event.stop()
        self.post_message(self.Changed(self.mode, event.value, final=True))
