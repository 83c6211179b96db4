"""The help screen: every key the screen under it answers to, grouped, with its own keys.

Invariant: built from the bindings themselves (`keys.help_sections`), so it cannot list a
key that does nothing or miss one that does something; it is a whole screen, so the key
bar under it is its own, not the dashboard's.
"""

from __future__ import annotations

from typing import ClassVar, Final

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from devtui.ui.keys import BarKey, bar_keys, bindings_of, help_sections
from devtui.ui.widgets.key_bar import KeyBar

KEY_COLUMN: Final = 18


class HelpScreen(Screen[None]):
    """Every key of the screen it was opened from; Esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", key_display="Esc"),
        Binding("up,k", "scroll('up')", "Scroll", key_display="↑↓", show=True),
        Binding("down,j", "scroll('down')", "Scroll", show=False),
        Binding("pageup", "scroll('page_up')", "Page up", show=False),
        Binding("pagedown,space", "scroll('page_down')", "Page down", show=False),
    ]

    def __init__(self, title: str, bindings: list[Binding], notes: str = "") -> None:
        """Args:
        title: What the keys are of (`devtui keys`, `devtui triage keys`).
        bindings: The keys, as the screen under it declares them.
        notes: A paragraph after the keys.
        """
        super().__init__(id="help")
        self._title = title
        self.listed = bindings
        """The keys shown (the screen's own bindings, as given)."""
        self._notes = notes

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(self._title, id="help-title")
            for section, rows in help_sections(self.listed).items():
                yield Static(Text(section, style="bold underline"), classes="help-section")
                table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=True)
                table.add_column(style="bold", no_wrap=True, width=KEY_COLUMN)
                table.add_column(ratio=1)
                for row in rows:
                    table.add_row(row.keys, row.what)
                yield Static(table, classes="help-table")
            if self._notes:
                yield Static(self._notes, id="help-notes")
        yield KeyBar(self._bar_keys, id="help-keys")

    def _bar_keys(self) -> list[BarKey]:
        return bar_keys(bindings_of(self.BINDINGS), frozenset({"dismiss"}), lambda _: True)

    def action_scroll(self, where: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        {
            "up": body.scroll_up,
            "down": body.scroll_down,
            "page_up": body.scroll_page_up,
            "page_down": body.scroll_page_down,
        }[where]()
