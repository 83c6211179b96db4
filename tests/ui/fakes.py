"""A scripted stack for UI tests: a real event bus, a supervisor that only records commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from devtui.core.bus import EventBus
from devtui.core.config import Config
from devtui.core.events import (
    Event,
    OutputLines,
    ProcessState,
    ProcessStateChanged,
    ProcessStatus,
    Stream,
)
from devtui.core.problems import ProblemBook
from tests.helpers import make_config


class FakeSupervisor:
    """Answers the TUI's queries from scripted statuses and records its commands."""

    def __init__(self, statuses: list[ProcessStatus]) -> None:
        self._statuses = {status.name: status for status in statuses}
        self.problems = ProblemBook()
        self.commands: list[tuple[str, str]] = []

    @property
    def statuses(self) -> dict[str, ProcessStatus]:
        return dict(self._statuses)

    async def start(self) -> None:
        self.commands.append(("start-all", ""))

    async def restart_process(self, name: str) -> None:
        self.commands.append(("restart", name))

    async def stop_process(self, name: str) -> None:
        self.commands.append(("stop", name))

    async def start_process(self, name: str) -> None:
        self.commands.append(("start", name))

    def kill_now(self) -> None:
        self.commands.append(("kill", ""))


class FakeSession:
    """A `StackSession` whose events the test publishes itself."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.bus = EventBus()
        statuses = [
            ProcessStatus(p.name, p.kind.value, ProcessState.WAITING, "not started")
            for p in config.processes.values()
        ]
        self.supervisor = FakeSupervisor(statuses)
        self.warnings: list[str] = []
        self.log = None
        self.closed: tuple[int | None, str] | None = None
        self._seq: dict[str, int] = {}

    async def open(self, on_log_error: Callable[[str], None] | None = None) -> None:
        return None

    async def start(self) -> None:
        await self.supervisor.start()

    async def close(self, exit_code: int | None, reason: str = "shutting down") -> None:
        self.closed = (exit_code, reason)
        self.bus.close()

    # ------------------------------------------------------------------ scripting

    def publish(self, *events: Event) -> None:
        self.bus.publish_many(list(events))

    def state(
        self,
        name: str,
        state: ProcessState,
        reason: str = "",
        at: float = 1_800_000_000.0,
        **changes: object,
    ) -> ProcessStateChanged:
        """Set and publish a state (the fake supervisor's status follows)."""
        old = self.supervisor._statuses[name]
        fields = {
            **{f: getattr(old, f) for f in old.__dataclass_fields__},
            "state": state,
            "reason": reason,
            **changes,
        }
        status = ProcessStatus(**fields)  # type: ignore[arg-type]
        self.supervisor._statuses[name] = status
        event = ProcessStateChanged(name, state, old.state, reason, at, status)
        self.publish(event)
        return event

    def lines(
        self,
        name: str,
        *texts: str,
        stream: Stream = "stdout",
        raws: tuple[str, ...] | None = None,
        at: float = 1_800_000_000.0,
    ) -> OutputLines:
        first = self._seq.get(name, 0) + 1
        self._seq[name] = first + len(texts) - 1
        chunk = OutputLines(name, stream, at, first, raws or texts, texts)
        self.publish(chunk)
        return chunk


def stack_config(tmp: Path | None = None) -> Config:
    """convex + vite, as the demo has them."""
    return make_config(
        {
            "convex": {"command": "true", "kind": "convex"},
            "vite": {"command": "true", "kind": "vite", "depends_on": ["convex"]},
        },
        root=tmp,
    )
