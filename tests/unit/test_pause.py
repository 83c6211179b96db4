"""A pause ends at its delay, or at once when ended."""

from __future__ import annotations

import asyncio

from devtui.core.pause import Pause


async def test_a_pause_ended_by_another_callback_returns_at_once() -> None:
    pause = Pause()
    sleeping = asyncio.ensure_future(pause.sleep(60))
    await asyncio.sleep(0)
    assert not sleeping.done()
    pause.end()
    await asyncio.wait_for(sleeping, 5)
    pause.end()  # none under way: nothing happens


async def test_a_pause_left_alone_ends_at_its_delay() -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(Pause().sleep(0.01), 5)
    assert loop.time() - started >= 0.009
