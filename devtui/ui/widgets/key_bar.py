"""The key bar under a screen: its main keys, each clickable, built from its bindings.

Invariant: redrawn only when the width or the enabled keys change (`refresh_keys()`), never
on a focus change: Textual's Footer rebuilt itself on every focus change, which cost a tenth
of a second per key press while output flooded in. At any width the kept keys (q, ?, p,
the palette) stay; the others are dropped from the least important up.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.markup import escape
from textual import events
from textual.widgets import Static

from devtui.ui.keys import BarKey, fit_bar


class KeyBar(Static):
    """One line of keys."""

    def __init__(self, keys: Callable[[], list[BarKey]], id: str = "key-bar") -> None:
        """Args:
        keys: The bar's keys now, most important first (asked again on refresh).
        """
        super().__init__("", id=id)
        self._keys = keys
        self.shown: list[BarKey] = []
        """The keys on the bar now."""
        self._drawn = False

    def on_mount(self) -> None:
        self.refresh_keys()

    def on_resize(self, _event: events.Resize) -> None:
        self.refresh_keys()

    def refresh_keys(self) -> None:
        """Lay the keys out again (the width or the enabled keys changed)."""
        width = self.size.width or self.app.size.width
        shown = fit_bar(self._keys(), width)
        if shown == self.shown and self._drawn:
            return
        self.shown = shown
        self._drawn = True
        self.update(
            "  ".join(
                f'[@click="{key.action}"][b]{escape(key.key)}[/b] {escape(key.word)}[/]'
                for key in shown
            )
        )
