"""Helpers shared by the tests: child scripts, configs, and waiting on core events."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from devtui.core.bus import EventBus, Subscription
from devtui.core.config import Config, build_config
from devtui.core.events import Event, OutputLine, OutputLines, ProcessState, ProcessStateChanged

TESTS = Path(__file__).resolve().parent
CHILDREN = TESTS / "children"
FIXTURES = TESTS / "fixtures"
REPO = TESTS.parent


def child(script: str, *args: str) -> list[str]:
    """argv running one of tests/children/ with this Python."""
    return [sys.executable, str(CHILDREN / script), *args]


def replay(case: str, *extra: str, stem: str = "convex-dev") -> list[str]:
    """argv replaying a captured run of tests/fixtures/CASE (see children/replay.py)."""
    return child("replay.py", str(FIXTURES / case), stem, *extra)


def make_config(
    processes: Mapping[str, Mapping[str, object]],
    settings: Mapping[str, object] | None = None,
    root: Path | None = None,
) -> Config:
    """A validated config from Python dicts (as if parsed from TOML)."""
    data: dict[str, object] = {"processes": {k: dict(v) for k, v in processes.items()}}
    if settings is not None:
        data["settings"] = dict(settings)
    return build_config(data, file="test.toml", root=root or Path.cwd(), origin="test")


class EventRecorder:
    """Records every event from a bus and lets a test wait for one, with a timeout."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[Event] = []
        self._subscription: Subscription = bus.subscribe("test")
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        async for batch in self._subscription.batches():
            self.events.extend(batch)
            self._changed.set()
        self._changed.set()

    async def wait_for(self, predicate: Callable[[Event], bool], timeout: float = 10.0) -> Event:
        """The first recorded event matching `predicate`, waiting up to `timeout` seconds."""
        async with asyncio.timeout(timeout):
            seen = 0
            while True:
                for event in self.events[seen:]:
                    if predicate(event):
                        return event
                seen = len(self.events)
                if self._task.done():
                    raise AssertionError("the bus closed before the expected event")
                self._changed.clear()
                await self._changed.wait()

    async def wait_state(
        self, process: str, state: ProcessState, timeout: float = 10.0
    ) -> ProcessStateChanged:
        """Wait for `process` to enter `state`."""
        event = await self.wait_for(
            lambda e: (
                isinstance(e, ProcessStateChanged) and e.process == process and e.state is state
            ),
            timeout,
        )
        assert isinstance(event, ProcessStateChanged)
        return event

    async def finish(self) -> None:
        """Wait until the bus is closed and everything was recorded."""
        await self._task

    def lines(self, process: str | None = None) -> list[OutputLine]:
        """Recorded output lines, optionally of one process."""
        return [
            line
            for event in self.events
            if isinstance(event, OutputLines) and (process is None or event.process == process)
            for line in event.lines()
        ]

    def states(self, process: str) -> list[ProcessState]:
        """The states `process` went through, in order."""
        return [
            e.state
            for e in self.events
            if isinstance(e, ProcessStateChanged) and e.process == process
        ]

    def index_of(self, predicate: Callable[[Event], bool]) -> int:
        """Position of the first recorded event matching `predicate` (-1 if none)."""
        return next((i for i, e in enumerate(self.events) if predicate(e)), -1)
