"""One supervised process's live state: its status, its output, its readiness.

Invariant: a `ProcessSlot` is the only writer of its process's `ProcessStatus` and the only
publisher of its output lines, and it publishes each line before the state change that
line causes. A state names only what happened: before a Convex push begins, failing to
reach the deployment is `connecting` / `unreachable`, never `push-failed`. It knows nothing
of other processes; the `Supervisor` reacts to its hooks.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Final, Literal, Unpack

from devtui.core.bus import EventBus
from devtui.core.config.model import ProcessConfig, ProcessKind
from devtui.core.events import (
    OutputLines,
    ProblemResolved,
    ProcessState,
    ProcessStateChanged,
    ProcessStatus,
    ProcessUpdated,
    ReadyTimedOut,
    StatusChanges,
    Stream,
)
from devtui.core.problems.book import Problem, ProblemBook
from devtui.core.problems.detector import Finding, ProblemDetector
from devtui.core.problems.push_attempts import PushAttempts
from devtui.core.problems.sightings import report_sighting
from devtui.core.redact import PemTracker
from devtui.core.run.lines import LineAssembler, plain_chunk
from devtui.core.run.process import ChildProcess
from devtui.core.run.readiness import OutputWatcher, ReadySignal
from devtui.core.units import format_seconds

TAIL_LINES: Final = 200
"""Recent lines kept per process for failure messages and problem context."""
BLOCK_QUIET_S: Final = 0.25
"""A problem's block of lines is complete after this long without more output."""
MAX_PUSH_HISTORY: Final = 30
OOM_RULE: Final = "node-out-of-memory"
"""The problem rule whose sighting means the process is dying out of memory."""
_WAITING_TO_BE_READY: Final = frozenset(
    {
        ProcessState.STARTING,
        ProcessState.CONNECTING,
        ProcessState.UNREACHABLE,
        ProcessState.PUSHING,
    }
)
"""States in which the readiness timeout still applies."""


class ReadyLatch:
    """Set once a process has been ready; tells its listeners at that very moment.

    Why not an `asyncio.Event`: a dependent waiting on one wakes two loop turns later (the
    event's waiter, then whoever awaited it), behind every subscriber woken meanwhile; a
    listener sets the dependent's own future, one turn (the ready-to-start latency).
    """

    def __init__(self) -> None:
        self._set = False
        self._listeners: list[Callable[[], None]] = []

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        if self._set:
            return
        self._set = True
        listeners, self._listeners = self._listeners, []
        for listener in listeners:
            listener()

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call `listener` once, when set (at once if it already is)."""
        if self._set:
            listener()
        else:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)


class ProcessSlot:
    """The live state of one configured process across its launches."""

    def __init__(
        self,
        config: ProcessConfig,
        bus: EventBus,
        problems: ProblemBook,
        clock: Callable[[], float],
        devtui_started_at: float,
        detector: ProblemDetector | None = None,
    ) -> None:
        self.config = config
        self.name = config.name
        self._bus = bus
        self._problems = problems
        self._detector = detector or ProblemDetector(config.name, ())
        self._resolved_by_ready = frozenset(
            rule.id for rule in self._detector.rules if rule.resolves == "ready"
        )
        self._attempts = (
            PushAttempts(
                config.name,
                {r.id: r.stage for r in self._detector.rules if r.resolves == "ready"},
                {r.id: r.superseded_by for r in self._detector.rules if r.superseded_by},
                problems,
                bus,
                clock,
            )
            if config.kind is ProcessKind.CONVEX
            else None
        )
        """Convex: the push attempts, each the truth about push problems."""
        self._clock = clock
        self._devtui_started_at = devtui_started_at
        self.status = ProcessStatus(
            config.name, config.kind.value, ProcessState.WAITING, "not started"
        )
        self.child: ChildProcess | None = None
        self.ever_ready = ReadyLatch()
        """Set once the process has been ready at least once (dependents may start)."""
        self.healthy = False
        """Ready, and has not failed since (a push failure or an exit clears it)."""
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        """The last output lines (ANSI-stripped, keys masked), both streams, in arrival
        order."""
        self._keys = PemTracker()
        """Follows private keys printed over several lines, per stream."""
        self.on_state_change: Callable[[], None] = lambda: None
        """Called after every state change (the supervisor recomputes staleness)."""
        self._seq = 0
        """The sequence number of the last output line published (0: none yet)."""
        self._launch = 0
        self._watcher: OutputWatcher | None = None
        self._assemblers: dict[Stream, LineAssembler] = {}
        self._ready_timer: asyncio.TimerHandle | None = None
        self._block_timer: asyncio.TimerHandle | None = None
        self._settle_timer: asyncio.TimerHandle | None = None
        self._deployment: str | None = None
        """Convex: the deployment URL the CLI talks to, as far as known."""
        self.saw_oom = False
        """This launch printed Node's out-of-memory report (the `node-out-of-memory` rule)."""
        self._ready_published = False
        """This launch's first ready was published (output can beat `launched()` to it)."""

    # ------------------------------------------------------------------ status

    def set_state(
        self,
        state: ProcessState,
        reason: str,
        last_lines: bool = False,
        **changes: Unpack[StatusChanges],
    ) -> None:
        """Move to `state` and publish the change."""
        previous = self.status.state
        if not state.is_running:
            changes.setdefault("url", None)  # nothing serves there any more
        if state is not ProcessState.STOPPING:
            changes.setdefault("stop_signal", None)
            changes.setdefault("kill_at", None)
        self.status = replace(self.status, state=state, reason=reason, **changes)
        if state is ProcessState.READY:
            self.healthy = True
        elif not state.is_running or state is ProcessState.PUSH_FAILED:
            self.healthy = False
        self._bus.publish(
            ProcessStateChanged(
                self.name,
                state,
                previous,
                reason,
                self._clock(),
                self.status,
                self.last_lines() if last_lines else (),
            )
        )
        self.on_state_change()

    def update(
        self,
        what: Literal["url", "stale", "stale-cause", "fresh", "stopping"],
        **changes: Unpack[StatusChanges],
    ) -> None:
        """Change details other than the state and publish a `ProcessUpdated`."""
        self.status = replace(self.status, **changes)
        self._bus.publish(ProcessUpdated(self.name, what, self._clock(), self.status))

    @property
    def ready_this_launch(self) -> bool:
        """Whether the current (or last) launch became ready."""
        return self._watcher is not None and self._watcher.ready_seen

    @property
    def inside_keys(self) -> frozenset[tuple[str, str]]:
        """The (process, stream)s whose last line was inside a private key's block."""
        return self._keys.inside

    @property
    def last_seq(self) -> int:
        """The sequence number of the last output line published (0: none yet)."""
        return self._seq

    def last_lines(self, count: int = 10) -> tuple[str, ...]:
        """The last `count` output lines, ANSI-stripped, oldest first."""
        return tuple(list(self.tail)[-count:])

    # ------------------------------------------------------------------ launches

    def begin_launch(
        self,
        heap_mb: int | None = None,
        note: str = "",
        deployment: str | None = None,
        heap_raised: bool = False,
    ) -> int:
        """Reset per-launch state before a spawn; returns the launch number.

        Args:
            heap_mb: The Node heap limit this launch runs with, if NODE_OPTIONS sets one.
            note: Said after the command in the `starting` reason (e.g. a raised heap).
            deployment: Convex: the deployment URL the project's files name, if any.
            heap_raised: `heap_mb` is one devtui raised after running out of memory.
        """
        self._launch += 1
        self._ready_published = False
        self.saw_oom = False
        self._set_deployment(deployment)
        config = self.config
        self._watcher = OutputWatcher(
            config.ready, config.ready_streams, config.url, convex=config.kind is ProcessKind.CONVEX
        )
        self._assemblers = {"stdout": LineAssembler(), "stderr": LineAssembler()}
        self.set_state(
            ProcessState.STARTING,
            f"{config.command_text} ({note})" if note else config.command_text,
            heap_mb=heap_mb,
            heap_raised=heap_raised,
            started_at=self._clock(),
            exit_code=None,
            ready_timed_out=False,
            restart_at=None,
            url=None,
            launch_ready_s=None,
            killed=False,
        )
        return self._launch

    def stopping(self) -> None:
        """devtui begins to stop the running child."""
        if self.status.state.is_running and self.status.state is not ProcessState.STOPPING:
            self.set_state(ProcessState.STOPPING, "stopping", killed=False)

    def stop_step(self, signal_name: str, kill_at: float | None) -> None:
        """A stop signal was sent to the child's group (while `stopping`)."""
        if self.status.state is not ProcessState.STOPPING:
            return
        killed = self.status.killed or signal_name == "SIGKILL"
        self.update("stopping", stop_signal=signal_name, kill_at=kill_at, killed=killed)

    def launched(self, child: ChildProcess) -> None:
        """The child is running: arm the readiness timeout, or be ready at once."""
        self.child = child
        self.status = replace(self.status, pid=child.pid)
        assert self._watcher is not None
        if self.config.oneshot:  # ready means done: step_done() at its exit, no timeout
            return
        if self._watcher.ready_seen:  # no pattern, or its line came before spawn returned
            if not self._ready_published:
                self._become_ready(None)
            return
        loop = asyncio.get_running_loop()
        launch = self._launch
        self._ready_timer = loop.call_later(
            self.config.ready_timeout, self._ready_timed_out, launch
        )

    def step_done(self, code: int) -> None:
        """A `oneshot` step exited with code 0: that is its ready. Its dependents start,
        and what it reported (a missing install) is resolved."""
        self.set_state(ProcessState.EXITED, f"done (exited with code {code})", exit_code=code)
        self.healthy = True  # done counts as up for its dependents' staleness
        self.ever_ready.set()
        at = self._clock()
        for problem in self._problems.resolve(self.name, at):
            self._bus.publish(ProblemResolved(problem))
        self.on_state_change()

    def count_restart(self) -> None:
        """The next launch is a restart (no event: the launch that follows says it)."""
        self.status = replace(self.status, restarts=self.status.restarts + 1, restart_at=None)

    def ended(self) -> None:
        """The child and its pipes are gone: settle what the output left open."""
        self._cancel_timers()
        self._flush_problems()
        if self._attempts is not None:
            self._attempts.abandon()
        self.child = None
        self.status = replace(self.status, pid=None)
        self.healthy = False  # staleness follows with the exit state the supervisor sets

    def _cancel_timers(self) -> None:
        for timer in (self._ready_timer, self._block_timer, self._settle_timer):
            if timer is not None:
                timer.cancel()
        self._ready_timer = self._block_timer = self._settle_timer = None

    def _ready_timed_out(self, launch: int) -> None:
        state = self.status.state
        if launch != self._launch or state not in _WAITING_TO_BE_READY:
            return
        assert self._watcher is not None
        self.status = replace(self.status, ready_timed_out=True)
        self._bus.publish(
            ReadyTimedOut(
                self.name,
                self._watcher.waiting_for,
                self.config.ready_timeout,
                self.last_lines(),
                self._clock(),
                self.status,
            )
        )

    # ------------------------------------------------------------------ output

    def on_data(self, stream: Stream, data: bytes) -> None:
        """A chunk arrived on one pipe."""
        raws = self._assemblers[stream].feed(data)
        if raws:
            self._emit(stream, raws)

    def on_eof(self, stream: Stream) -> None:
        """A pipe closed: flush its last line."""
        raws = self._assemblers[stream].finish()
        if raws:
            self._emit(stream, raws)

    def _emit(self, stream: Stream, raws: list[str]) -> None:
        at = self._clock()
        # The chunk's work is done on the whole chunk at once (C-level joins, one ANSI
        # pass, one scan for every rule's needles), never line by line.
        joined, texts = plain_chunk(raws)
        first = self._seq + 1
        self._seq += len(raws)
        # What problems and last lines quote never holds a private key's body (its lines
        # look like nothing alone); the panes and readiness see the output as it came.
        quoted = self._keys.lines((self.name, stream), texts, joined)
        self.tail.extend(quoted[-TAIL_LINES:])
        watcher = self._watcher
        signals = watcher.scan(texts, stream) if watcher is not None and not watcher.idle else []
        first_ready = not self.ever_ready.is_set() and not self.config.oneshot
        if first_ready and any(signal.kind == "ready" for signal in signals):
            # Its dependents' start is scheduled now, ahead of every subscriber this chunk
            # wakes; what they publish still comes after this chunk's events.
            self.ever_ready.set()
        findings = self._detector.feed(
            stream, quoted, first, at, joined if quoted is texts else None
        )
        steps: list[tuple[int, Finding | ReadySignal]] = [(f.after, f) for f in findings]
        if signals:
            steps += [(signal.index + 1, signal) for signal in signals]
            steps.sort(key=lambda step: (step[0], isinstance(step[1], ReadySignal)))
        raw_lines, text_lines = tuple(raws), tuple(texts)
        name, publish = self.name, self._bus.publish
        start = 0
        for stop, step in steps:
            if stop > start:
                publish(
                    OutputLines(
                        name,
                        stream,
                        at,
                        first + start,
                        raw_lines[start:stop],
                        text_lines[start:stop],
                    )
                )
                start = stop
            if isinstance(step, Finding):
                self._record(step.problem)
            else:
                self._apply(step, at)
        if self._detector.has_open_block:
            self._arm_block_timer()
        elif self._block_timer is not None:
            self._block_timer.cancel()
            self._block_timer = None
        if self._attempts is not None and self._attempts.unsettled_failure:
            if self._detector.has_open_block:
                self._attempts.touch()  # its errors are still being printed
            self._arm_settle_timer(at)
        if start < len(raw_lines):
            if start:
                raw_lines, text_lines = raw_lines[start:], text_lines[start:]
            publish(OutputLines(name, stream, at, first + start, raw_lines, text_lines))

    def _apply(self, signal: ReadySignal, at: float) -> None:
        kind = signal.kind
        if kind == "url":
            self.update("url", url=signal.value)
        elif kind == "deployment":
            self._set_deployment(signal.value)
        elif kind == "pushing":
            if self._attempts is not None:
                self._cancel_settle_timer()
                self._attempts.begin()
            self.set_state(
                ProcessState.PUSHING,
                "preparing Convex functions",
                push_started_at=at,
                retry_in=None,
            )
        elif kind in ("push-failed", "typecheck-failed"):
            if self._attempts is not None:
                self._attempts.failed(typecheck=kind == "typecheck-failed")
            self.set_state(
                ProcessState.PUSH_FAILED,
                signal.value.strip(),
                failed_pushes=self.status.failed_pushes + 1,
                retry_in=None,
            )
        elif kind == "typecheck-reported":
            current = self._attempts.current if self._attempts is not None else None
            if self._attempts is not None and current is not None and current.failed:
                self._attempts.typecheck_reported()
                self._settle_failed_attempt(current.number)
        elif kind == "retrying":
            self.set_state(
                ProcessState.PUSHING,
                f"{self._deployment_named} failed; the CLI pushes again in {signal.value}",
                push_started_at=at,
                retry_in=signal.value,
            )
        elif kind == "connecting":
            self.set_state(
                ProcessState.CONNECTING,
                f"cannot reach {self._deployment_named} yet; the CLI is retrying ({signal.value})",
            )
        elif kind == "unreachable":
            self.set_state(
                ProcessState.UNREACHABLE,
                f"{self._deployment_named} is unreachable ({signal.value}); no push began",
            )
        else:
            self._become_ready(signal.duration_s)

    @property
    def _deployment_named(self) -> str:
        """`the deployment http://…` (or just `the deployment` when its URL is unknown)."""
        return f"the deployment {self._deployment}" if self._deployment else "the deployment"

    def _set_deployment(self, url: str | None) -> None:
        self._deployment = url
        if url:
            self._detector.context["deployment"] = url
        else:
            self._detector.context.pop("deployment", None)

    def _become_ready(self, push_s: float | None) -> None:
        if self.config.oneshot:
            return
        now = self._clock()
        changes: StatusChanges = {"ready_at": now, "retry_in": None}
        if self.status.ready_after_s is None:
            changes["ready_after_s"] = round(now - self._devtui_started_at, 3)
        if self.status.launch_ready_s is None:
            changes["launch_ready_s"] = round(now - (self.status.started_at or now), 3)
        convex = self.config.kind is ProcessKind.CONVEX
        if convex:
            durations = (
                (*self.status.push_durations, push_s)
                if push_s is not None
                else (self.status.push_durations)
            )
            changes["pushes"] = self.status.pushes + 1
            changes["last_push_s"] = push_s
            changes["push_durations"] = durations[-MAX_PUSH_HISTORY:]
            changes["push_started_at"] = None
            took = f" in {format_seconds(push_s)}" if push_s is not None else ""
            attempt = self.status.pushes + self.status.failed_pushes + 1
            reason = f"push {attempt} succeeded{took}"
        else:
            started = self.status.started_at or now
            reason = f"ready after {format_seconds(now - started)}"
        if self._ready_timer is not None:
            self._ready_timer.cancel()
            self._ready_timer = None
        self._ready_published = True
        # Dependents first: their start is scheduled before any subscriber of the state
        # below gets its turn (what they publish still comes after it).
        self.ever_ready.set()
        self.set_state(ProcessState.READY, reason, **changes)
        if self._attempts is not None:
            self._flush_problems()  # a block still open belongs to this attempt
            self._attempts.settle(succeeded=True)
            self._cancel_settle_timer()
        elif self._resolved_by_ready:
            for problem in self._problems.resolve(self.name, now, self._resolved_by_ready):
                self._bus.publish(ProblemResolved(problem))

    # ------------------------------------------------------------------ problems

    def _record(self, problem: Problem) -> None:
        if problem.rule == OOM_RULE:
            self.saw_oom = True
        if self._attempts is not None:
            self._attempts.record(problem)
        else:
            report_sighting(self._problems, self._bus, problem)

    def _arm_settle_timer(self, at: float) -> None:
        """A failed attempt is over after a quiet spell (longer while tsc's diagnostics
        are awaited); every new chunk of output restarts the wait."""
        attempts = self._attempts
        assert attempts is not None and attempts.current is not None
        self._cancel_settle_timer()
        loop = asyncio.get_running_loop()
        delay = attempts.settle_delay(at)
        self._settle_timer = loop.call_later(
            delay, self._settle_failed_attempt, attempts.current.number
        )

    def _cancel_settle_timer(self) -> None:
        if self._settle_timer is not None:
            self._settle_timer.cancel()
            self._settle_timer = None

    def _settle_failed_attempt(self, number: int) -> None:
        """Attempt `number` failed and its errors are all in: it is over (unless it is no
        longer the current one)."""
        self._cancel_settle_timer()
        current = self._attempts.current if self._attempts is not None else None
        if current is None or current.number != number or not current.failed:
            return
        self._flush_problems()
        if self._attempts is not None:
            self._attempts.settle(succeeded=False)

    def _arm_block_timer(self) -> None:
        if self._block_timer is not None:
            self._block_timer.cancel()
        loop = asyncio.get_running_loop()
        self._block_timer = loop.call_later(BLOCK_QUIET_S, self._flush_problems)

    def _flush_problems(self) -> None:
        """End the problem blocks still open: output went quiet, or the process ended."""
        if self._block_timer is not None:
            self._block_timer.cancel()
            self._block_timer = None
        for problem in self._detector.flush():
            self._record(problem)
