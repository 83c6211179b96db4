"""The key bar under the panes: the main keys, each clickable.

Invariant: drawn once. Textual's Footer rebuilds itself on every focus change, which cost a
tenth of a second per key press while output floods in; these keys never change.
"""

from __future__ import annotations

from typing import Final

from textual.widgets import Static

MAIN_KEYS: Final = (
    ("?", "help", "help"),
    ("q", "app.quit", "quit"),
    ("p", "problems", "problems"),
    ("m", "memory", "memory"),
    ("t", "triage", "triage"),
    ("/", "search", "search"),
    ("f", "filter", "filter"),
    ("a", "toggle_merged", "all"),
    ("z", "zoom", "zoom"),
    ("r", "restart", "restart"),
    ("n/N", "next_match", "next"),
    ("l", "toggle_layout", "layout"),
    ("End", "follow", "follow"),
    ("^p", "app.command_palette", "commands"),
)
"""(key, action, label), most important first: a narrow terminal cuts the end."""


def key_bar_markup() -> str:
    """The bar's content: each key bold and clickable."""
    parts = []
    for key, action, label in MAIN_KEYS:
        target = action if "." in action else f"screen.{action}"
        parts.append(f"[@click={target}][b]{key}[/b] {label}[/]")
    return "  ".join(parts)


class KeyBar(Static):
    """One line of the main keys."""

    def __init__(self) -> None:
        super().__init__(key_bar_markup(), id="key-bar")
