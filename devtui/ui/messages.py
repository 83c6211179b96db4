"""The one bridge from the core to the UI: a batch of core events as a Textual message."""

from __future__ import annotations

from textual.message import Message

from devtui.core.events import Event


class CoreEvents(Message):
    """Core events, in the order published, delivered to the app in one message."""

    def __init__(self, events: list[Event]) -> None:
        super().__init__()
        self.events = events
