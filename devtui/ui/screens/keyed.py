"""A screen whose key bar, help and palette come from its own bindings and the app's.

Invariant: every screen of devtui but the dashboard (whose bar has its own order and pane
keys) takes its keys from here, so `?`, the bar and the palette agree on every screen.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding
from textual.screen import Screen

from devtui.ui.keys import PALETTE, BarKey, bar_keys, bindings_of, from_screen


class KeyedScreen(Screen[None]):
    """A screen with `?`, a key bar (`bar_keys`) and palette entries from its bindings."""

    HELP_TITLE: ClassVar[str] = "keys"
    """The help screen's title."""
    KEPT: ClassVar[frozenset[str]] = frozenset({"close", "help"})
    """The actions its key bar keeps at any width."""

    def key_bindings(self) -> list[Binding]:
        """This screen's keys and the app's: its help, bar and palette are built from them."""
        app = [*bindings_of(type(self.app).BINDINGS), PALETTE]
        own = [  # what the screen turns off here (live triage's `t`) is not offered
            b
            for b in bindings_of(type(self).BINDINGS)
            if self.check_action(b.action.split("(")[0], ()) is not False
        ]
        return own + from_screen(app)

    def bar_keys(self) -> list[BarKey]:
        """The key bar's keys."""
        return bar_keys(self.key_bindings(), self.KEPT, lambda _: True)

    def help_title(self) -> str:
        """The help screen's title (`HELP_TITLE` unless the screen knows better)."""
        return self.HELP_TITLE

    def action_help(self) -> None:
        from devtui.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.help_title(), self.key_bindings()))
