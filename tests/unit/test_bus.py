"""The event bus: every subscriber gets every event, in order, with congestion signals."""

from __future__ import annotations

import asyncio

from devtui.core.bus import TRICKLE, EventBus
from devtui.core.events import OutputLines


def line(seq: int, count: int = 1) -> OutputLines:
    texts = tuple(f"l{seq + i}" for i in range(count))
    return OutputLines("p", "stdout", 0.0, seq, texts, texts)


async def test_every_subscriber_gets_every_event_in_order() -> None:
    bus = EventBus()
    first, second = bus.subscribe("a"), bus.subscribe("b")
    bus.publish_many([line(1), line(2)])
    bus.publish(line(3))
    bus.close()
    for subscription in (first, second):
        seen = [e async for e in subscription.events()]
        assert [e.first_seq for e in seen if isinstance(e, OutputLines)] == [1, 2, 3]


async def test_batches_respect_max_items() -> None:
    bus = EventBus()
    subscription = bus.subscribe()
    bus.publish_many([line(i) for i in range(10)])
    bus.close()
    sizes = [len(batch) async for batch in subscription.batches(max_items=4)]
    assert sizes == [4, 4, 2]


async def test_congestion_counts_lines_and_clears_after_draining() -> None:
    bus = EventBus(high_water=100)
    subscription = bus.subscribe()
    signals: list[bool] = []
    bus.on_congestion(signals.append)
    bus.publish_many([line(1, 60)])
    assert signals == [] and subscription.pending == 60
    bus.publish_many([line(61, 41)])
    assert signals == [True] and bus.congested and subscription.pending == 101
    await subscription.next_batch(max_items=1)
    assert signals == [True], "41 lines left: still above the low-water mark of 25"
    await subscription.next_batch(max_items=1)
    assert signals == [True, False] and not bus.congested and subscription.pending == 0


async def test_closed_bus_ends_subscriptions_after_pending_events() -> None:
    bus = EventBus()
    subscription = bus.subscribe()
    bus.publish(line(1))
    bus.close()
    assert len(await subscription.next_batch()) == 1
    assert await subscription.next_batch() == []


async def test_a_batch_gathering_a_trickle_goes_at_once_when_the_bus_closes() -> None:
    # The session log gathers a trickle of output for a while; at the end of a run the
    # last batch must not wait out that delay (devtui's exit waited for it).
    bus = EventBus()
    sub = bus.subscribe("log")
    bus.publish(line(1))
    gathering = asyncio.ensure_future(sub.next_batch(max_delay=60))
    await asyncio.sleep(0)  # it is waiting for more to gather
    assert not gathering.done()
    bus.close()
    batch = await asyncio.wait_for(gathering, 5)
    assert len(batch) == 1


async def test_a_flood_arriving_while_a_trickle_gathers_ends_the_wait() -> None:
    bus = EventBus()
    sub = bus.subscribe("log")
    bus.publish(line(1))
    gathering = asyncio.ensure_future(sub.next_batch(max_delay=60))
    await asyncio.sleep(0)
    assert not gathering.done()
    bus.publish(line(2, TRICKLE))
    batch = await asyncio.wait_for(gathering, 5)
    assert sum(len(event.raws) for event in batch if isinstance(event, OutputLines)) == (
        1 + TRICKLE
    )
