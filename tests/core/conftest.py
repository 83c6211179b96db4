"""Fixtures for tests that run supervisors with real children."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from devtui.core.config import Config
from devtui.core.run.supervisor import Supervisor
from tests.helpers import EventRecorder

StartStack = Callable[..., Awaitable[tuple[Supervisor, EventRecorder]]]


@pytest.fixture
async def run() -> AsyncIterator[StartStack]:
    """Start supervisors for a test; shut every one down afterwards, pass or fail."""
    started: list[tuple[Supervisor, EventRecorder]] = []

    async def start(config: Config, **kwargs: object) -> tuple[Supervisor, EventRecorder]:
        supervisor = Supervisor(config, **kwargs)  # type: ignore[arg-type]
        recorder = EventRecorder(supervisor.bus)
        started.append((supervisor, recorder))
        await supervisor.start()
        return supervisor, recorder

    yield start
    for supervisor, recorder in started:
        await supervisor.shutdown()
        supervisor.bus.close()
        await recorder.finish()
