"""A sleep that another callback can end early.

Why not `asyncio.wait_for(event.wait(), delay)`: each one makes a task and four more loop
callbacks; an idle devtui pauses like this every second (the memory sampler) and for every
trickle of output (the session log's gathering), so a pause is one future and one timer.
"""

from __future__ import annotations

import asyncio


class Pause:
    """Sleeps until its delay passes or `end()` is called, whichever comes first."""

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None

    async def sleep(self, delay: float) -> None:
        """Wait `delay` seconds, or less if ended meanwhile."""
        loop = asyncio.get_running_loop()
        self._future = future = loop.create_future()
        timer = loop.call_later(delay, self.end)
        try:
            await future
        finally:
            timer.cancel()
            self._future = None

    def end(self) -> None:
        """End the sleep under way now (nothing if none is)."""
        future = self._future
        if future is not None and not future.done():
            future.set_result(None)
