"""The event bus: the core publishes events, every front end subscribes.

Invariant: no event is ever dropped. Each subscription keeps its own queue; when any queue
holds more lines than its high-water mark the bus reports congestion, the supervisor stops
reading the children's pipes (the OS pipe then holds their output) and reading resumes
once every queue has drained below the low-water mark.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Final

from devtui.core.events import Event, OutputLines
from devtui.core.pause import Pause


def weight(event: Event) -> int:
    """How much an event counts towards congestion: its lines, or 1."""
    return len(event.raws) if type(event) is OutputLines else 1


DEFAULT_HIGH_WATER: Final = 5000
"""Pending lines (or other events) per subscription above which the bus is congested."""

TRICKLE: Final = 1_000
"""Below this many pending lines a batching consumer may wait (`max_delay`) for more."""

CongestionListener = Callable[[bool], None]
"""Called with True when the bus becomes congested and False when it clears."""


class Subscription:
    """One subscriber's queue of events, read in batches."""

    def __init__(self, bus: EventBus, name: str) -> None:
        self.name = name
        """Who subscribed (for diagnostics)."""
        self._bus = bus
        self._pending: deque[Event] = deque()
        self._pending_weight = 0
        self._wakeup = asyncio.Event()
        self._closed = False
        self._gathering = Pause()
        """A batching consumer's wait for more to gather: ended early by a flood
        (nothing to gain by waiting) or the end of the bus (the last batch goes now)."""

    @property
    def pending(self) -> int:
        """How many lines (and other events) are waiting to be read."""
        return self._pending_weight

    def _push(self, events: Sequence[Event], total_weight: int) -> None:
        self._pending.extend(events)
        self._pending_weight += total_weight
        self._wakeup.set()
        if self._pending_weight >= TRICKLE:
            self._gathering.end()

    def _close(self) -> None:
        self._closed = True
        self._wakeup.set()
        self._gathering.end()

    def take_nowait(self, max_items: int = 10_000) -> list[Event]:
        """Return up to `max_items` pending events without waiting."""
        pending = self._pending
        count = min(max_items, len(pending))
        if count == len(pending):
            batch = list(pending)
            pending.clear()
            self._pending_weight = 0
        else:
            popleft = pending.popleft
            batch = [popleft() for _ in range(count)]
            self._pending_weight -= sum(map(weight, batch))
        if not pending and not self._closed:
            self._wakeup.clear()
        if batch:
            self._bus._drained_some()
        return batch

    async def next_batch(self, max_items: int = 10_000, max_delay: float = 0.0) -> list[Event]:
        """Wait for events and return up to `max_items` of them.

        Args:
            max_items: The largest batch to return.
            max_delay: While output only trickles in (fewer than `TRICKLE` lines pending),
                wait this long for more to gather: fewer, larger batches for consumers with
                a per-batch cost. Under a flood there is no wait, so no congestion either;
                a flood arriving or the bus closing ends the wait at once.

        Returns:
            The batch; an empty list only once the bus is closed and everything was read.
        """
        while not self._pending:
            if self._closed:
                return []
            await self._wakeup.wait()
            if not self._pending and not self._closed:
                self._wakeup.clear()
        if max_delay > 0 and self._pending_weight < TRICKLE and not self._closed:
            await self._gathering.sleep(max_delay)
        return self.take_nowait(max_items)

    async def batches(
        self, max_items: int = 10_000, max_delay: float = 0.0
    ) -> AsyncIterator[list[Event]]:
        """Yield batches until the bus is closed and drained (see `next_batch`)."""
        while True:
            batch = await self.next_batch(max_items, max_delay)
            if not batch:
                return
            yield batch

    async def events(self) -> AsyncIterator[Event]:
        """Yield events one at a time until the bus is closed and drained."""
        async for batch in self.batches():
            for event in batch:
                yield event

    def unsubscribe(self) -> None:
        """Stop receiving events; pending ones are discarded."""
        self._bus._remove(self)
        self._pending.clear()
        self._pending_weight = 0
        self._close()


class EventBus:
    """Fan-out of core events to any number of subscriptions, with congestion signalling."""

    def __init__(self, high_water: int = DEFAULT_HIGH_WATER) -> None:
        self.high_water = high_water
        """Pending events in one subscription that make the bus congested."""
        self.low_water = max(1, high_water // 4)
        """Congestion clears when every subscription is below this."""
        self._subscriptions: list[Subscription] = []
        self._listeners: list[CongestionListener] = []
        self._congested = False
        self._closed = False

    @property
    def congested(self) -> bool:
        """Whether producers of output should pause."""
        return self._congested

    @property
    def closed(self) -> bool:
        """Whether `close` was called."""
        return self._closed

    def subscribe(self, name: str = "subscriber") -> Subscription:
        """Start receiving every event published from now on."""
        subscription = Subscription(self, name)
        if self._closed:
            subscription._close()
        else:
            self._subscriptions.append(subscription)
        return subscription

    def on_congestion(self, listener: CongestionListener) -> None:
        """Register a callback told when congestion starts (True) and ends (False)."""
        self._listeners.append(listener)

    def publish(self, event: Event) -> None:
        """Deliver one event to every subscription."""
        self.publish_many((event,))

    def publish_many(self, events: Sequence[Event]) -> None:
        """Deliver events, in order, to every subscription."""
        if self._closed or not events:
            return
        total = sum(map(weight, events))
        for subscription in self._subscriptions:
            subscription._push(events, total)
            if not self._congested and subscription.pending > self.high_water:
                self._set_congested(True)

    def close(self) -> None:
        """End the stream: subscriptions finish once they have read what is pending."""
        self._closed = True
        for subscription in self._subscriptions:
            subscription._close()
        if self._congested:
            self._set_congested(False)

    def _drained_some(self) -> None:
        if self._congested and all(s.pending < self.low_water for s in self._subscriptions):
            self._set_congested(False)

    def _remove(self, subscription: Subscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)
        self._drained_some()

    def _set_congested(self, congested: bool) -> None:
        self._congested = congested
        for listener in self._listeners:
            listener(congested)
