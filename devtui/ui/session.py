"""What the TUI needs from a running stack (a `RunSession` in real use, a fake in tests).

Invariant: the UI reaches the core only through these methods and the event bus; it never
decides readiness, restarts or stop order itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from devtui.core.bus import EventBus
from devtui.core.config.model import Config
from devtui.core.events import ProcessStatus
from devtui.core.memory.monitor import MemoryMonitor
from devtui.core.problems.book import ProblemBook
from devtui.core.redact import Redactor
from devtui.core.sessionlog.log import SessionLog


class StackControls(Protocol):
    """The supervisor's commands and queries the TUI uses."""

    problems: ProblemBook
    memory: MemoryMonitor | None
    redactor: Redactor

    @property
    def statuses(self) -> dict[str, ProcessStatus]: ...

    async def start(self) -> None: ...

    async def restart_process(self, name: str) -> None: ...

    async def stop_process(self, name: str) -> None: ...

    async def start_process(self, name: str) -> None: ...

    def hold(self, name: str, reason: str) -> None: ...

    def kill_now(self) -> None: ...

    async def restart_with_more_heap(self, name: str) -> int: ...


class StackSession(Protocol):
    """A run of the stack: its config, event bus, supervisor and session log."""

    config: Config
    warnings: list[str]
    log: SessionLog | None

    @property
    def bus(self) -> EventBus: ...

    @property
    def supervisor(self) -> StackControls: ...

    async def open(self, on_log_error: Callable[[str], None] | None = None) -> None: ...

    async def serve_control(
        self, on_stop: Callable[[str], None], on_note: Callable[[str], None] | None = None
    ) -> None: ...

    async def start(self) -> None: ...

    async def close(self, exit_code: int | None, reason: str = "shutting down") -> None: ...
