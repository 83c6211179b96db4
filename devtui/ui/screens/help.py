"""The help screen: every key the dashboard and the app answer to, grouped.

Invariant: built from the live bindings, so it cannot list a key that does nothing or miss
one that does something.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "escape": "Esc",
    "end": "End",
    "home": "Home",
    "ctrl+c": "Ctrl+C",
    "ctrl+p": "Ctrl+P",
    "tab": "Tab",
    "shift+tab": "Shift+Tab",
}
GROUPS: dict[str, tuple[str, ...]] = {
    "Panes": (
        "select",
        "toggle_merged",
        "toggle_layout",
        "zoom",
        "follow",
        "top",
        "clear",
        "escape",
    ),
    "Search and filter": ("search", "filter", "next_match", "previous_match"),
    "Processes (the selected one)": (
        "restart",
        "stop",
        "start",
        "more_heap",
        "copy_error",
        "copy_selection",
    ),
    "Problems, memory and triage": ("problems", "memory", "triage"),
    "App": ("help", "command_palette", "quit"),
}


def key_label(keys: str) -> str:
    """`end,G` → `End / G`."""
    return " / ".join(KEY_NAMES.get(key, key) for key in keys.split(","))


def describe_bindings(
    bindings: list[Binding], long_words: dict[str, str] | None = None
) -> dict[str, list[tuple[str, str]]]:
    """(keys, what) rows per group; the number keys fold into one row."""
    long_words = long_words or {}
    groups: dict[str, list[tuple[str, str]]] = {name: [] for name in GROUPS}
    seen_select = False
    for binding in bindings:
        action = binding.action.split("(")[0]
        if action == "select":
            if seen_select:
                continue
            seen_select = True
            row = ("1 … 9", "Pick process N (its pane, and the target of the process keys)")
        else:
            row = (key_label(binding.key), long_words.get(action, binding.description or action))
        group = next((name for name, actions in GROUPS.items() if action in actions), "App")
        groups[group].append(row)
    groups["Panes"].append(("Tab / Shift+Tab", "Next / previous pane"))
    return {name: rows for name, rows in groups.items() if rows}


class HelpScreen(ModalScreen[None]):
    """Every key, on top of the dashboard; any of Esc, q, ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def __init__(self, bindings: list[Binding], long_words: dict[str, str]) -> None:
        super().__init__(id="help")
        self._listed = bindings  # not `_bindings`: Textual's own attribute
        self._long_words = long_words

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2), expand=True)
        table.add_column(style="bold", no_wrap=True, width=16)
        table.add_column(ratio=1)
        for group, rows in describe_bindings(self._listed, self._long_words).items():
            table.add_row(f"[underline]{group}[/underline]", "")
            for keys, what in rows:
                table.add_row(keys, what)
            table.add_row("", "")
        with VerticalScroll(id="help-body"):
            yield Static("devtui keys", id="help-title")
            yield Static(table)
            yield Static(
                "Filter: space-separated regexes, every one must match; !term hides "
                "lines matching term. Search and filter ignore case unless you type a "
                "capital. Press Esc, q or ? to close.",
                id="help-notes",
            )
