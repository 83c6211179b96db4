"""A scripted stack for UI tests: a real event bus, a supervisor that only records commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from devtui.core.bus import EventBus
from devtui.core.config import Config
from devtui.core.events import (
    ChildMemory,
    Event,
    OutputLines,
    ProblemResolved,
    ProcessState,
    ProcessStateChanged,
    ProcessStatus,
    Stream,
)
from devtui.core.memory.figures import MIB, Thresholds, TreeMemory
from devtui.core.memory.monitor import MemoryMonitor
from devtui.core.problems.book import Problem, ProblemBook, Severity
from devtui.core.problems.sightings import report_sighting
from devtui.core.redact import Redactor
from devtui.core.sessionlog.log import SessionLog
from tests.helpers import make_config


class FakeSupervisor:
    """Answers the TUI's queries from scripted statuses and records its commands."""

    def __init__(self, statuses: list[ProcessStatus], bus: EventBus, config: Config) -> None:
        self._statuses = {status.name: status for status in statuses}
        self.problems = ProblemBook()
        self.redactor = Redactor()
        self.clock: Callable[[], float] = lambda: 1_800_000_000.0
        self.commands: list[tuple[str, str]] = []
        self.memory: MemoryMonitor | None = MemoryMonitor(
            bus,
            self.problems,
            lambda: 1_800_000_000.0,
            1.0,
            dict,
            lambda name: _thresholds(config, name),
        )
        """A real monitor, never started: tests feed it samples (`FakeSession.memory`)."""

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

    def hold(self, name: str, reason: str) -> None:
        self.commands.append(("hold", name))

    def kill_now(self) -> None:
        self.commands.append(("kill", ""))

    async def restart_with_more_heap(self, name: str) -> int:
        self.commands.append(("more-heap", name))
        return 8192


class FakeSession:
    """A `StackSession` whose events the test publishes itself."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.bus = EventBus()
        statuses = [
            ProcessStatus(p.name, p.kind.value, ProcessState.WAITING, "not started")
            for p in config.processes.values()
        ]
        self.supervisor = FakeSupervisor(statuses, self.bus, config)
        self.warnings: list[str] = []
        self.log: SessionLog | None = None
        self.closed: tuple[int | None, str] | None = None
        self._seq: dict[str, int] = {}

    async def open(self, on_log_error: Callable[[str], None] | None = None) -> None:
        return None

    async def serve_control(
        self, on_stop: Callable[[str], None], on_note: Callable[[str], None] | None = None
    ) -> None:
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
        status = ProcessStatus(**fields)
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

    def memory(self, name: str, *children_mb: float, at: float = 1_800_000_000.0) -> None:
        """A memory sample of `name`'s tree: the root's and each child's RSS in MiB."""
        members = tuple(
            ChildMemory(1000 + index, f"{name} process {index}", int(mb * MIB))
            for index, mb in enumerate(children_mb)
        )
        monitor = self.supervisor.memory
        assert monitor is not None
        monitor.observe(name, TreeMemory(sum(m.rss_bytes for m in members), members), at)

    def problem(self, problem: Problem) -> Problem:
        """Record a sighting in the book and publish it, as a process slot does."""
        return report_sighting(self.supervisor.problems, self.bus, problem)

    def resolve(self, problem: Problem) -> None:
        """Resolve a problem in the book and publish it."""
        resolved = self.supervisor.problems.resolve_fingerprint(
            problem.fingerprint, self.supervisor.clock()
        )
        assert resolved is not None
        self.publish(ProblemResolved(resolved))


def _thresholds(config: Config, name: str) -> Thresholds:
    process = config.processes[name]
    warn = process.memory_warn_mb if process.memory_warn_mb is not None else 1536
    limit = process.memory_limit_mb
    return Thresholds(int(warn * MIB), int(limit * MIB) if limit is not None else None)


def crypto_problem(at: float = 1_800_000_000.0, seqs: tuple[int, ...] = ()) -> Problem:
    """The demo's push problem, as the detector reports it."""
    return Problem(
        "node-builtin-in-v8",
        Severity.ERROR,
        "Node built-in imported in a V8 file",
        'Could not resolve "crypto"',
        "convex",
        "node-builtin-in-v8|convex/ai.ts|crypto",
        at,
        at,
        file="convex/ai.ts",
        line=1,
        column=28,
        symbol="crypto",
        explanation='convex/ai.ts imports "crypto", which is built into Node.js.',
        fix='Move the code that needs "crypto" into a "use node" file.',
        docs="https://docs.convex.dev/functions/runtimes#nodejs-runtime",
        lines=('✘ [ERROR] Could not resolve "crypto"', "", "    convex/ai.ts:1:27:"),
        first_seq=seqs[0] if seqs else None,
        occurrence_seqs=seqs,
    )


def stack_config(tmp: Path | None = None) -> Config:
    """convex + vite, as the demo has them."""
    return make_config(
        {
            "convex": {"command": "true", "kind": "convex"},
            "vite": {"command": "true", "kind": "vite", "depends_on": ["convex"]},
        },
        root=tmp,
    )
