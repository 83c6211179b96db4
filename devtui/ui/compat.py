"""Every use of Textual beyond its public API, in one place, each with why.

Invariant: nothing else in devtui reaches into Textual's private names; tests/ui/
test_compat.py fails the day an upstream release renames or removes one of these, so an
upgrade is a change here and nowhere else (textual is pinned to the 8.x series).
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.geometry import Size
from textual.scroll_view import ScrollView


def grow_virtual_size(view: ScrollView, size: Size) -> None:
    """Set `view`'s virtual size without a layout pass (only taller, scrollbars as they
    stay), as Textual's own `_size_updated(layout=False)` does: a layout per chunk of
    output made the whole screen lay out again at every frame of a flood."""
    view.set_reactive(ScrollView.virtual_size, size)
    view._scroll_update(size)


def stop_input_thread(app: App[Any]) -> None:
    """Stop Textual's input thread: on a closed terminal its `select` says stdin is ready
    and `read` returns nothing, for ever, a core spinning while devtui shuts down."""
    driver = getattr(app, "_driver", None)  # Textual's: the driver of a running app
    exit_event = getattr(driver, "exit_event", None)  # LinuxDriver ends its loop on it
    if exit_event is not None and hasattr(exit_event, "set"):
        exit_event.set()
