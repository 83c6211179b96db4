"""The supervisor: starts processes in dependency order, restarts them by policy, marks
dependents stale, and shuts everything down in reverse order.

Invariant: the `Supervisor` is the only owner of process lifecycle policy, and every
fact it learns goes out on its `EventBus`. `shutdown()` is idempotent and returns only when
every process group it started is gone or named as a survivor.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Final, Self

from devtui.core.bus import EventBus
from devtui.core.config.executables import process_environment
from devtui.core.config.model import Config, OomPolicy, ProcessConfig, ProcessKind
from devtui.core.events import (
    STACK,
    DescendantsLeft,
    LeftCause,
    ProblemResolved,
    ProcessState,
    ProcessStatus,
    SignalSent,
    SupervisorStopping,
    SurvivorsFound,
)
from devtui.core.memory.figures import MIB, Thresholds
from devtui.core.memory.monitor import MemoryMonitor
from devtui.core.problems.book import Problem, ProblemBook, Severity, fingerprint
from devtui.core.problems.detector import ProblemDetector
from devtui.core.problems.locate import SourceLocator
from devtui.core.problems.patterns import HOOKS
from devtui.core.problems.sightings import report_sighting
from devtui.core.redact import Redactor, secret_values
from devtui.core.run.child_pipes import StartedChild
from devtui.core.run.deployment import deployment_url
from devtui.core.run.descendants import UNMARKED, Descendants, stack_environment
from devtui.core.run.groups import describe
from devtui.core.run.heap import doubled_heap_mb, heap_limit_mb, with_heap_limit
from devtui.core.run.ports import PORT_RULE, is_listening, port_holder, port_problem
from devtui.core.run.process import ChildProcess, OnLeftovers, OnSignal, stop_processes
from devtui.core.run.restart import RestartTiming, RestartTracker
from devtui.core.run.slot import ProcessSlot
from devtui.core.units import format_seconds
from devtui.core.vocabulary import state_words

CAUSED_BY_DEVTUI: Final = frozenset({130, 143, -signal.SIGINT, -signal.SIGTERM})
"""Exit codes of a child stopped by SIGINT/SIGTERM; when devtui sent them they are clean."""
OOM_EXIT_CODES: Final = frozenset({-signal.SIGABRT, 128 + signal.SIGABRT})
"""Node aborts (SIGABRT; 134 through a shell) when it runs out of heap."""
MAX_OOM_RESTARTS: Final = 2
"""`on_oom = "restart-with-more-heap"` raises the heap at most this often per run."""
TRACK_EVERY_S: Final = 1.0
"""Without memory sampling, how often the process trees are walked to track descendants."""
DEFAULT_WARN_MB: Final = 1536
"""The tree's memory warning without `memory_warn_mb` and without a heap limit."""
HEAP_WARN_SHARE: Final = 0.8
NODE_OUTSIDE_HEAP_MB: Final = 128
"""What a Node process holds besides its old-space heap (code, young generation, stacks,
buffers): measured ~95-105 MiB for the Convex CLI's node (RSS 130-143 MiB with 35-38 MiB
of heap used under --max-old-space-size=64)."""


@dataclass(frozen=True, slots=True)
class EarlyStart:
    """A dependent started the instant it could be (or why it could not), and the
    environment it was given (its launch reports the same)."""

    started: StartedChild | OSError
    env: dict[str, str]


class Supervisor:
    """Runs the configured processes; commands are methods, facts are events on `bus`."""

    def __init__(
        self,
        config: Config,
        *,
        bus: EventBus | None = None,
        clock: Callable[[], float] = time.time,
        environ: Mapping[str, str] | None = None,
        restart_timing: RestartTiming | None = None,
        read_size: int | None = None,
        descendants: Descendants | None = None,
    ) -> None:
        self.config = config
        self._start_levels = config.start_levels()
        """The config's dependency levels, computed once (every state change walks them)."""
        self.bus = bus or EventBus()
        """Where every event goes; subscribe before `start()` to miss nothing."""
        self.problems = ProblemBook()
        """Every problem of this run."""
        self.started_at = clock()
        """Wall-clock start, the zero of `ready_after_s`."""
        self._clock = clock
        self.clock = clock
        """The wall clock every event's time comes from."""
        self._environ = environ
        self.secrets = secret_values(
            dict(os.environ if environ is None else environ),
            *(dict(process.env) for process in config.processes.values()),
        )
        """Values of secret-named environment variables (the session log redacts them)."""
        self.redactor = Redactor(self.secrets)
        """Redacts secrets from problems, summaries and copies (see `core.redact`)."""
        self._restart_timing = restart_timing
        self._read_size = read_size
        self._slots: dict[str, ProcessSlot] = {}
        self._trackers: dict[str, RestartTracker] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._wakeups: dict[str, asyncio.Event] = {}
        self._stop_requested: set[str] = set()
        self._restart_requested: set[str] = set()
        self._shutdown_task: asyncio.Task[None] | None = None
        self._all_ended = asyncio.Event()
        self._locator = SourceLocator(config.root, config.settings.functions_dir)
        self.descendants = descendants or Descendants()
        """Every process the children started, wherever it went (see `core.descendants`)."""
        self._tracker: asyncio.Task[None] | None = None
        self._killing = False
        """The user asked to kill everything now: strays get no grace either."""
        self._spawning = 0
        """Children being spawned right now (orphans are not looked for meanwhile)."""
        self._early: dict[str, EarlyStart] = {}
        """Dependents started the instant their last dependency became ready, awaiting
        their task to attach them (`_start_early`)."""
        self._heap_mb: dict[str, int] = {}
        """Heap limits devtui raised after running out of memory, by process."""
        self.statuses_at_stop: dict[str, ProcessStatus] | None = None
        """Every status as it was when devtui began stopping that process (at the latest
        when the shutdown was announced): where each stood, as the output above says."""
        interval = config.settings.memory_interval
        self.memory = (
            MemoryMonitor(
                self.bus,
                self.problems,
                clock,
                interval,
                self._running_pids,
                self._thresholds,
                on_tree=self._saw_tree,
            )
            if interval > 0
            else None
        )
        """The memory sampler (None when `memory_interval = 0`)."""
        for process in config.processes.values():
            self._add_slot(process)
        self.bus.on_congestion(self._on_congestion)
        HOOKS.on_give_up = self._pattern_given_up

    def _pattern_given_up(self, pattern: str, why: str) -> None:
        """A config pattern overran its time limit and is off now: say so, as a problem."""
        at = self._clock()
        report_sighting(
            self.problems,
            self.bus,
            Problem(
                rule="pattern-too-slow",
                severity=Severity.WARNING,
                title="A config pattern was switched off",
                message=f"the pattern {pattern!r} was switched off: {why}",
                process="devtui",
                fingerprint=fingerprint("pattern-too-slow", [pattern]),
                first_seen=at,
                last_seen=at,
                symbol=pattern,
                explanation="The pattern uses lookaround or backreferences, which devtui cannot "
                "run in linear time, and one line took it too long; it matches nothing "
                "for the rest of this run, so whatever waits on it (readiness, a rule) "
                "waits in vain.",
                fix="Rewrite it without lookaround or backreferences (`devtui config --check` "
                "names such patterns).",
            ),
        )

    # ------------------------------------------------------------------ queries

    @property
    def statuses(self) -> dict[str, ProcessStatus]:
        """The current status of every process, in config order."""
        return {name: slot.status for name, slot in self._slots.items()}

    def status(self, name: str) -> ProcessStatus:
        """The current status of process `name`."""
        return self._slots[name].status

    def inside_keys(self) -> frozenset[tuple[str, str]]:
        """Every (process, stream) whose last line was inside a private key's block."""
        return frozenset(key for slot in self._slots.values() for key in slot.inside_keys)

    def last_seqs(self) -> dict[str, int]:
        """Each process's last published output line's sequence number (0: none yet)."""
        return {name: slot.last_seq for name, slot in self._slots.items()}

    def last_lines(self, name: str, count: int = 10) -> tuple[str, ...]:
        """The last output lines of process `name`, ANSI-stripped, oldest first."""
        return self._slots[name].last_lines(count)

    @property
    def shutting_down(self) -> bool:
        """Whether `shutdown` has begun."""
        return self._shutdown_task is not None

    # ------------------------------------------------------------------ commands

    async def start(self) -> None:
        """Start every process (each waits for its dependencies to be ready)."""
        if self.memory is not None:
            self.memory.start()  # its tree walks also track the descendants
        elif self._tracker is None:
            self._tracker = asyncio.create_task(self._track(), name="devtui-descendants")
        for name, slot in self._slots.items():
            if name in self._tasks:
                continue
            if slot.config.held_reason:  # waits to be started by hand; dependents wait too
                slot.set_state(ProcessState.WAITING, slot.config.held_reason)
                continue
            self._spawn_run_loop(name)
        await asyncio.sleep(0)

    def hold(self, name: str, reason: str) -> None:
        """Say why a process that was held back at start (`held_reason`) still is."""
        slot = self._slots[name]
        task = self._tasks.get(name)
        if task is None or task.done():
            slot.set_state(ProcessState.WAITING, reason)

    def add_process(self, process: ProcessConfig) -> None:
        """Add and start a process while running (e.g. `devtui ci --then`)."""
        self._add_slot(process)
        self._all_ended.clear()
        self._spawn_run_loop(process.name)

    async def stop_process(self, name: str) -> None:
        """Stop one process (it stays stopped until `start_process`)."""
        self._stop_requested.add(name)
        self._wakeups[name].set()
        await self._stop_child(self._slots[name])
        task = self._tasks.get(name)
        if task is not None:
            await asyncio.shield(task)

    async def start_process(self, name: str) -> None:
        """Start a stopped or ended process again (no back-off: a person asked)."""
        if self.shutting_down:
            return
        task = self._tasks.get(name)
        if task is not None and not task.done():
            return
        self._stop_requested.discard(name)
        self._trackers[name].reset()
        self._all_ended.clear()
        self._spawn_run_loop(name)

    async def restart_process(self, name: str) -> None:
        """Restart one process now: stop it and start it again at once."""
        task = self._tasks.get(name)
        if task is None or task.done():
            await self.start_process(name)
            return
        self._trackers[name].reset()
        slot = self._slots[name]
        if slot.child is None:  # waiting for dependencies or backing off: start now
            self._wakeups[name].set()
            return
        self._restart_requested.add(name)
        await self._stop_child(slot)

    async def restart_with_more_heap(self, name: str) -> int:
        """Restart `name` with twice its Node heap limit; returns the new limit in MiB.

        The limit goes into NODE_OPTIONS (`--max-old-space-size`) for this and every later
        launch of the process in this run.
        """
        heap = doubled_heap_mb(self._heap_limit_mb(name))
        self._heap_mb[name] = heap
        await self.restart_process(name)
        return heap

    def node_options(self, name: str) -> str:
        """The NODE_OPTIONS the next launch of `name` gets."""
        return self._environment(name).get("NODE_OPTIONS", "")

    def _environment(self, name: str) -> dict[str, str]:
        """The environment the next launch of `name` gets: its config's, with the heap
        limit devtui raised after running out of memory, and the mark every descendant
        inherits (so none can escape, `core.descendants`)."""
        process = self._slots[name].config
        env = process_environment(process, dict(self._environ) if self._environ else None)
        stack_environment(env, self.descendants.mark(name))
        if name in self._heap_mb:
            env["NODE_OPTIONS"] = with_heap_limit(env.get("NODE_OPTIONS", ""), self._heap_mb[name])
        return env

    def _heap_limit_mb(self, name: str) -> int | None:
        return heap_limit_mb(self.node_options(name))

    def _saw_tree(self, name: str, root: int, pids: tuple[int, ...]) -> None:
        """A process's tree as the memory sampler walked it: remember its descendants."""
        self.descendants.remember(name, pids, root)
        if not self._spawning:  # a child being spawned has no pid to name as a leader yet
            self.descendants.watch_orphans(self._running_pids().values())
        self.descendants.reap()

    async def _track(self) -> None:
        """Without memory sampling, walk the trees every second to track descendants."""
        from devtui.core.memory.figures import ParentScanner

        scanner = ParentScanner()
        while True:
            await asyncio.sleep(TRACK_EVERY_S)
            roots = self._running_pids()
            if not roots:
                continue
            parents = await asyncio.to_thread(scanner.scan)
            children: dict[int, list[int]] = {}
            for pid, parent in parents.items():
                children.setdefault(parent, []).append(pid)
            for name, root in roots.items():
                tree, stack = [], [root]
                while stack:
                    pid = stack.pop()
                    tree.append(pid)
                    stack.extend(children.get(pid, ()))
                self._saw_tree(name, root, tuple(tree))

    def _running_pids(self) -> dict[str, int]:
        return {
            name: slot.child.pid for name, slot in self._slots.items() if slot.child is not None
        }

    def _thresholds(self, name: str) -> Thresholds:
        """A running process's memory thresholds: its config's (for the whole tree); else
        from the heap limit it was launched with, for its largest Node process: 80% of the
        limit plus what Node holds outside its heap; else 1.5 GiB for the tree."""
        slot = self._slots[name]
        process = slot.config
        limit = int(process.memory_limit_mb * MIB) if process.memory_limit_mb is not None else None
        if process.memory_warn_mb is not None:
            warn = int(process.memory_warn_mb * MIB)
            return Thresholds(warn, limit, "tree", f"memory_warn_mb = {process.memory_warn_mb:g}")
        heap = slot.status.heap_mb  # what the running launch got (no env built per sample)
        if heap is not None:
            warn_mb = heap * HEAP_WARN_SHARE + NODE_OUTSIDE_HEAP_MB
            return Thresholds(
                int(warn_mb * MIB),
                limit,
                "node",
                f"80% of --max-old-space-size={heap} plus {NODE_OUTSIDE_HEAP_MB} MiB Node "
                "holds outside its heap",
                tree_warn_bytes=DEFAULT_WARN_MB * MIB,
            )
        return Thresholds(
            DEFAULT_WARN_MB * MIB, limit, "tree", f"the default, {DEFAULT_WARN_MB} MiB"
        )

    async def wait_all_ended(self) -> None:
        """Wait until no process is running or due to start again."""
        await self._all_ended.wait()

    async def shutdown(self, reason: str = "shutting down") -> None:
        """Stop everything in reverse dependency order; idempotent."""
        if self._shutdown_task is None:
            self._shutdown_task = asyncio.create_task(self._shutdown(reason))
        await asyncio.shield(self._shutdown_task)

    def kill_now(self) -> None:
        """SIGKILL every running process group, and every process of the stack that left
        one, at once (a second Ctrl-C)."""
        self._killing = True
        leaders = [slot.child.pid for slot in self._slots.values() if slot.child is not None]
        for slot in self._slots.values():
            if slot.child is not None:
                slot.child.kill_now()
        if not self._spawning:
            self.descendants.watch_orphans(leaders, force=True)
        for name, killed in self.descendants.kill_all(leaders).items():
            owner = STACK if name == UNMARKED else name
            self.bus.publish(DescendantsLeft(owner, tuple(killed), self._clock(), "killed"))

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Self]:
        """Start everything; always shut down on leaving the block, however it is left."""
        try:
            await self.start()
            yield self
        finally:
            await self.shutdown()

    # ------------------------------------------------------------------ run loop

    def _add_slot(self, process: ProcessConfig) -> None:
        detector = ProblemDetector(
            process.name, self.config.rules_for(process), self._locator, self.redactor
        )
        if process.on_oom is OomPolicy.RESTART_WITH_MORE_HEAP:
            detector.context["on_oom_restarts"] = str(MAX_OOM_RESTARTS)
        slot = ProcessSlot(process, self.bus, self.problems, self._clock, self.started_at, detector)
        slot.on_state_change = self._refresh_staleness
        self._slots[process.name] = slot
        self._trackers[process.name] = RestartTracker(process.restart, self._restart_timing)
        self._wakeups[process.name] = asyncio.Event()

    def _spawn_run_loop(self, name: str) -> None:
        task = asyncio.create_task(self._run(self._slots[name]), name=f"devtui-run-{name}")
        self._tasks[name] = task
        task.add_done_callback(lambda _: self._check_all_ended())

    async def _run(self, slot: ProcessSlot) -> None:
        name = slot.name
        try:
            while True:
                if not await self._wait_for_dependencies(slot):
                    return
                if self._should_stay_down(name):
                    slot.set_state(ProcessState.STOPPED, "stopped before it started")
                    return
                child = await self._launch(slot)
                if child is None:
                    return
                if self._should_stay_down(name):
                    # A stop or shutdown arrived while it was being spawned.
                    await self._stop_child(slot)
                code = await child.wait(
                    slot.config.shutdown_grace,
                    self._announcer(slot, child),
                    self._leftovers_announcer(slot.name),
                )
                caused = child.stopping
                if child.survivors and not caused:  # leftovers of a leader that exited
                    self.bus.publish(SurvivorsFound(name, child.survivors, self._clock()))
                slot.ended()
                if name in self._restart_requested:
                    self._restart_requested.discard(name)
                    slot.count_restart()
                    continue
                if caused or self._should_stay_down(name):
                    reason = _stopped_reason(code, killed=slot.status.killed)
                    slot.set_state(ProcessState.STOPPED, reason, exit_code=code)
                    return
                if slot.config.oneshot and code == 0:
                    slot.step_done(code)  # its dependents go on
                    return
                if not await self._after_unplanned_exit(slot, code):
                    return
        except Exception as error:  # an internal fault must still leave a clean state
            slot.set_state(ProcessState.FAILED, f"internal error: {error!r}", last_lines=True)
            if slot.child is not None:
                await slot.child.stop(slot.config.shutdown_grace)
            raise
        finally:
            self._discard_early(name)  # started early, never attached (not wanted, cancelled)

    def _should_stay_down(self, name: str) -> bool:
        return self.shutting_down or name in self._stop_requested

    async def _wait_for_dependencies(self, slot: ProcessSlot) -> bool:
        """Wait until every dependency has been ready once; False if one never will be."""
        pending = [d for d in self._dependencies(slot) if not d.ever_ready.is_set()]
        if not pending:
            return True
        wakeup = self._wakeups[slot.name]
        while pending:
            names = ", ".join(d.name for d in pending)
            if (
                slot.status.state is not ProcessState.WAITING
                or slot.status.reason != f"waiting for {names}"
            ):
                slot.set_state(ProcessState.WAITING, f"waiting for {names}")
            dead = [d for d in pending if self._ended_for_good(d)]
            if dead:
                first = dead[0]
                slot.set_state(
                    ProcessState.BLOCKED,
                    f"not started: {first.name} {first.status.state.value} "
                    f"({first.status.reason}) before it was ready",
                )
                return False
            if self._should_stay_down(slot.name):
                slot.set_state(ProcessState.STOPPED, "stopped before it started")
                return False
            # One future any of them sets: a dependency ready (its latch calls at once),
            # a wakeup (a start by hand, a shutdown), a dependency's loop ending.
            woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()

            def wake(*_: object, woken: asyncio.Future[None] = woken) -> None:
                if not woken.done():
                    woken.set_result(None)

            woke_by_hand = asyncio.ensure_future(wakeup.wait())
            woke_by_hand.add_done_callback(wake)
            loops = [self._tasks[d.name] for d in pending if d.name in self._tasks]
            for task in loops:
                task.add_done_callback(wake)

            # Its environment made now: nothing it depends on changes while it waits, and
            # the instant its last dependency is ready is spent on the fork alone.
            env = self._environment(slot.name)

            def start_early(slot: ProcessSlot = slot, env: dict[str, str] = env) -> None:
                self._start_early(slot, env)

            for dependency in pending:
                dependency.ever_ready.add_listener(start_early)
                dependency.ever_ready.add_listener(wake)
            try:
                await woken
            finally:
                woke_by_hand.cancel()
                for task in loops:
                    task.remove_done_callback(wake)
                for dependency in pending:
                    dependency.ever_ready.remove_listener(start_early)
                    dependency.ever_ready.remove_listener(wake)
            wakeup.clear()
            pending = [d for d in pending if not d.ever_ready.is_set()]
        return True

    def _dependencies(self, slot: ProcessSlot) -> list[ProcessSlot]:
        return [self._slots[d] for d in slot.config.depends_on if d in self._slots]

    def _ended_for_good(self, slot: ProcessSlot) -> bool:
        task = self._tasks.get(slot.name)
        return task is not None and task.done()

    def _start_early(self, slot: ProcessSlot, env: dict[str, str]) -> None:
        """The instant a dependency of `slot` became ready (inside the very chunk that held
        its ready line): if it was the last one `slot` waited for, fork and exec `slot`
        now, ahead of the loop turn its task needs and of the rest of that chunk's work;
        its task attaches it (`_launch`) and announces it after the dependency's ready.
        A port someone holds takes the usual path, which names the holder."""
        name, process = slot.name, slot.config
        if name in self._early or self._should_stay_down(name):
            return
        if slot.status.state is not ProcessState.WAITING:
            return
        if not all(dependency.ever_ready.is_set() for dependency in self._dependencies(slot)):
            return
        try:
            if process.port is not None and is_listening(process.port):
                return
            try:
                started: StartedChild | OSError = StartedChild.start(
                    process.command, cwd=process.cwd, env=env, first=True
                )
            except OSError as error:
                started = error
        except Exception:  # never break the dependency's output: the usual path follows
            return
        if isinstance(started, StartedChild):
            self.descendants.note_leader(started.pid)
        self._spawning += 1  # no orphan hunt may take it for one before it is attached
        self._early[name] = EarlyStart(started, env)

    def _discard_early(self, name: str) -> None:
        """A child started early whose launch is not wanted after all: killed, reaped."""
        early = self._early.pop(name, None)
        if early is None:
            return
        self._spawning -= 1
        if isinstance(early.started, StartedChild):
            early.started.discard()

    async def _launch(self, slot: ProcessSlot) -> ChildProcess | None:
        process = slot.config
        env = self._environment(slot.name)
        early = self._early.get(slot.name)  # taken just before it is attached
        if early is not None and early.env != env:  # its heap was raised meanwhile
            self._discard_early(slot.name)
            early = None
        note = f"NODE_OPTIONS={env['NODE_OPTIONS']}" if slot.name in self._heap_mb else ""
        deployment = (
            deployment_url(process.cwd, env) if process.kind is ProcessKind.CONVEX else None
        )
        slot.begin_launch(
            heap_limit_mb(env.get("NODE_OPTIONS", "")),
            note,
            deployment,
            heap_raised=slot.name in self._heap_mb,
        )
        if process.port is not None:
            # Two refused connects when free (no thread); one started early found it free.
            await self._check_port(process, free=True if early is not None else None)
        if early is None:
            self._spawning += 1
        else:
            del self._early[slot.name]  # from here on this launch owns it (and the count)
        try:
            if early is None:
                started = StartedChild.start(process.command, cwd=process.cwd, env=env)
            elif isinstance(early.started, OSError):
                raise early.started
            else:
                started = early.started
            child = await ChildProcess.attach(
                started,
                slot.on_data,
                slot.on_eof,
                read_size=self._read_size,
                related=lambda: self.descendants.of(slot.name),
            )
        except OSError as error:
            reason = error.strerror or str(error)
            slot.set_state(ProcessState.FAILED, f"cannot start `{process.command_text}`: {reason}")
            return None
        finally:
            self._spawning -= 1
        self.descendants.note_leader(child.pid)
        if self.bus.congested:
            child.pause_reading()
        slot.launched(child)
        return child

    async def _check_port(self, process: ProcessConfig, free: bool | None = None) -> None:
        """Before a launch: name whoever holds the process's port (a problem), or resolve
        that problem once the port is free again (`free`: already found so)."""
        assert process.port is not None
        if free is None:
            free = not is_listening(process.port)
        holder = None if free else await asyncio.to_thread(port_holder, process.port)
        key = fingerprint(PORT_RULE, [process.name, str(process.port)])
        if holder is not None:
            report_sighting(self.problems, self.bus, port_problem(process, holder, self._clock()))
        else:
            resolved = self.problems.resolve_fingerprint(key, self._clock())
            if resolved is not None:
                self.bus.publish(ProblemResolved(resolved))

    async def _after_unplanned_exit(self, slot: ProcessSlot, code: int) -> bool:
        """Apply the restart policy; True to launch again."""
        state, reason = _exit_state(code, slot.ready_this_launch)
        if slot.saw_oom or code in OOM_EXIT_CODES:
            heap = slot.status.heap_mb
            limit = f"its heap limit {heap} MiB" if heap else "Node's default heap limit"
            state, reason = ProcessState.OOM, f"out of memory at {limit} ({reason})"
            if await self._restart_after_oom(slot, reason, code):
                return True
        started = slot.status.started_at or self._clock()
        decision = self._trackers[slot.name].on_exit(
            succeeded=code == 0, started_at=started, exited_at=self._clock()
        )
        if decision.crash_loop:
            timing = self._trackers[slot.name].timing
            slot.set_state(
                ProcessState.CRASH_LOOP,
                f"{reason}; gave up after {timing.loop_failures} failures within "
                f"{format_seconds(timing.loop_window_s)}",
                last_lines=True,
                exit_code=code,
            )
            return False
        if not decision.restart:
            slot.set_state(state, reason, last_lines=True, exit_code=code)
            return False
        restart_at = self._clock() + decision.delay_s
        slot.set_state(
            ProcessState.RESTARTING,
            f"{reason}; restarting in {format_seconds(decision.delay_s)}",
            last_lines=True,
            exit_code=code,
            restart_at=restart_at,
        )
        wakeup = self._wakeups[slot.name]
        wakeup.clear()
        with suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), decision.delay_s)
        if self._should_stay_down(slot.name):
            slot.set_state(
                ProcessState.STOPPED, "stopped while waiting to restart", restart_at=None
            )
            return False
        slot.count_restart()
        return True

    async def _restart_after_oom(self, slot: ProcessSlot, reason: str, code: int) -> bool:
        """`on_oom = "restart-with-more-heap"`: mark it `oom`, then restart it at once with
        twice the heap (at most `MAX_OOM_RESTARTS` times). True if it is to launch again."""
        if slot.config.on_oom is not OomPolicy.RESTART_WITH_MORE_HEAP:
            return False
        if slot.status.oom_restarts >= MAX_OOM_RESTARTS:
            return False
        # restart_at says a restart follows at once (front ends then offer no action).
        slot.set_state(
            ProcessState.OOM, reason, last_lines=True, exit_code=code, restart_at=self._clock()
        )
        heap = doubled_heap_mb(self._heap_limit_mb(slot.name))
        self._heap_mb[slot.name] = heap
        slot.set_state(
            ProcessState.RESTARTING,
            f"restarting with --max-old-space-size={heap} (on_oom, "
            f"{slot.status.oom_restarts + 1} of {MAX_OOM_RESTARTS})",
            restart_at=self._clock(),
            oom_restarts=slot.status.oom_restarts + 1,
        )
        if self._should_stay_down(slot.name):
            slot.set_state(ProcessState.STOPPED, "stopped while waiting to restart")
            return False
        slot.count_restart()
        return True

    def _check_all_ended(self) -> None:
        if all(task.done() for task in self._tasks.values()):
            self._all_ended.set()

    # ------------------------------------------------------------------ staleness

    def _refresh_staleness(self) -> None:
        """Mark running processes whose dependencies are not healthy as stale, and back."""
        if self.shutting_down:
            return
        for level in self._levels():  # dependencies first, so staleness passes down
            for name in level:
                slot = self._slots[name]
                cause = self._stale_cause(slot)
                running = slot.status.state.is_running
                if cause and running and slot.status.stale_since is None:
                    slot.update("stale", stale_since=self._clock(), stale_cause=cause)
                elif slot.status.stale_since is not None and (not cause or not running):
                    slot.update("fresh", stale_since=None, stale_cause="")
                elif cause and running and cause != slot.status.stale_cause:
                    slot.update("stale-cause", stale_cause=cause)  # the dependency moved on

    def _stale_cause(self, slot: ProcessSlot) -> str:
        for dep_name in slot.config.depends_on:
            dep = self._slots.get(dep_name)
            if dep is None:
                continue
            if not dep.healthy:
                return f"{dep.name} {state_words(dep.status.state)}"
            if dep.status.stale_since is not None:
                return dep.status.stale_cause
        return ""

    # ------------------------------------------------------------------ stopping

    def _on_congestion(self, congested: bool) -> None:
        for slot in self._slots.values():
            if slot.child is not None:
                if congested:
                    slot.child.pause_reading()
                else:
                    slot.child.resume_reading()

    def _leftovers_announcer(self, name: str, cause: LeftCause = "exited") -> OnLeftovers:
        def announce(leftovers: tuple[str, ...]) -> None:
            self.bus.publish(DescendantsLeft(name, leftovers, self._clock(), cause))

        return announce

    def _announcer(self, slot: ProcessSlot, child: ChildProcess) -> OnSignal:
        """A callback publishing each signal sent to `child`'s group."""

        def announce(sig: signal.Signals, kill_at: float | None) -> None:
            self.bus.publish(SignalSent(slot.name, sig.name, child.pid, self._clock(), kill_at))
            slot.stop_step(sig.name, kill_at)

        return announce

    async def _stop_child(self, slot: ProcessSlot) -> None:
        if self.statuses_at_stop is not None:
            # Where it stood when devtui began stopping it: a state it reached after the
            # announcement (its push began while others were stopped) was printed above.
            self.statuses_at_stop[slot.name] = slot.status
        child = slot.child
        if child is None:
            return
        if child.returncode is None:
            slot.stopping()
        await child.stop(
            slot.config.shutdown_grace,
            self._announcer(slot, child),
            self._leftovers_announcer(slot.name, "detached"),
        )
        if child.survivors:
            self.bus.publish(SurvivorsFound(slot.name, child.survivors, self._clock()))

    async def _shutdown(self, reason: str) -> None:
        if self.memory is not None:
            await self.memory.stop()
            with suppress(Exception):  # one last sample: a short run still has its peak
                await self.memory.sample_once()
        levels = [level for level in reversed(self._levels()) if level]
        self.statuses_at_stop = self.statuses  # taken with the event, nothing in between
        self.bus.publish(
            SupervisorStopping(reason, self._clock(), tuple(tuple(group) for group in levels))
        )
        for name in self._slots:
            self._wakeups[name].set()
        for level in levels:
            await asyncio.gather(*(self._stop_child(self._slots[name]) for name in level))
        tasks = list(self._tasks.values())
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self._stop_the_rest()
        if self._tracker is not None:
            self._tracker.cancel()
        self._all_ended.set()

    async def _stop_the_rest(self) -> None:
        """The last net: whatever of the stack still runs once every child is stopped
        (detached long ago, its ancestors gone) is named and stopped the same way."""
        leaders = [slot.child.pid for slot in self._slots.values() if slot.child is not None]
        # Every child has ended and nothing is being spawned: any child of devtui's that
        # is not its own helper is an orphan of the stack, marked or not.
        self.descendants.watch_orphans(leaders, force=True)
        names = list(self._slots)
        rest = await asyncio.to_thread(self.descendants.everything, names)
        for pid, owner in (await asyncio.to_thread(self.descendants.all_living)).items():
            rest.setdefault(pid, owner)
        if not rest:
            self.descendants.reap()
            return
        self.descendants.adopt(rest, leaders)
        described = await asyncio.to_thread(lambda: tuple(describe(pid) for pid in rest))
        self.bus.publish(DescendantsLeft(STACK, described, self._clock(), "outlived"))
        grace = 0.0 if self._killing else self.config.settings.shutdown_grace
        survivors = await stop_processes(
            sorted(rest),
            grace,
            lambda sig, kill_at: self.bus.publish(
                SignalSent(STACK, sig.name, 0, self._clock(), kill_at)
            ),
        )
        self.descendants.reap()
        if survivors:
            self.bus.publish(SurvivorsFound(STACK, survivors, self._clock()))

    def _levels(self) -> list[list[str]]:
        """Start levels, with processes added at run time (after all the others) last."""
        levels = self._start_levels
        extra = [n for n in self._slots if n not in self.config.processes]
        return [*levels, extra] if extra else levels


def _exit_state(code: int, was_ready: bool) -> tuple[ProcessState, str]:
    """The state and words for an exit devtui did not cause."""
    before = "" if was_ready else " before it was ready"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return ProcessState.CRASHED, f"killed by {name}{before}"
    return ProcessState.EXITED, f"exited with code {code}{before}"


def _stopped_reason(code: int, *, killed: bool = False) -> str:
    if killed:
        return "stopped by devtui with SIGKILL (it ignored SIGINT and SIGTERM)"
    if code in CAUSED_BY_DEVTUI or code == -signal.SIGKILL or code == 0:
        return "stopped by devtui"
    return f"stopped by devtui (exit code {code})"
