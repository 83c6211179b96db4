"""Run the stack without a TUI: `devtui up --headless` and `devtui ci`.

Invariant: whatever ends the run (readiness, a failure, `--then`'s exit, a signal, an
internal error), the stack is shut down, every event is printed, the summary goes to
stderr, `--json` is written, and the exit code is the documented one.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TextIO

from devtui.core.bus import Subscription
from devtui.core.config.model import Config, ProcessConfig
from devtui.core.control.place import ProjectClaim
from devtui.core.events import ProcessState, ProcessStateChanged, ProcessStatus
from devtui.core.run.judge import CiJudge, first_verdict
from devtui.core.run.outcome import killed_note, up_outcome
from devtui.core.run.session import RunSession
from devtui.core.run.signals import (
    STDOUT_GONE,
    STOP_CODES,
    ShutdownRequests,
    StopRequest,
    control_request,
    install_shutdown_signals,
    signal_request,
)
from devtui.core.units import format_seconds
from devtui.errors import ExitCode
from devtui.headless.annotations import AnnotationChoice, annotations_wanted
from devtui.headless.colour import DIM, GREEN, RED, YELLOW, ColorChoice, use_colour
from devtui.headless.diagnostics import Diagnostic
from devtui.headless.printer import HeadlessPrinter
from devtui.headless.summary import json_summary, summary_table, write_json

THEN_SHELL = "/bin/sh"
URL_GRACE_S = 1.0
"""After all are ready, how long `ci` waits for a URL printed after a ready line."""


@dataclass(frozen=True, slots=True)
class HeadlessOptions:
    """What the command line asked of a headless run."""

    mode: Literal["up", "ci"] = "up"
    color: ColorChoice = "auto"
    then: str | None = None
    """`ci --then CMD`: run CMD once all are ready and exit with its code."""
    keep_running: bool = False
    """`ci --keep-running`: after ready, run on like `up` until a signal."""
    timeout: float | None = None
    """`ci --timeout`: bound on the whole wait for readiness, in seconds."""
    json_path: Path | None = None
    annotations: AnnotationChoice = "auto"
    """GitHub workflow commands for problems: auto (when GITHUB_ACTIONS=true), github, none."""
    environ: Mapping[str, str] = field(default_factory=dict)
    claim: ProjectClaim | None = None
    """This run's claim on its project (opens the control socket)."""


@dataclass(slots=True)
class _Outcome:
    code: int = ExitCode.OK
    reason: str = ""
    details: tuple[str, ...] = ()


class HeadlessRun:
    """One headless run; `await HeadlessRun(...).run()` returns the exit code."""

    def __init__(self, config: Config, options: HeadlessOptions, out: TextIO, err: TextIO) -> None:
        self.config = config
        self.options = options
        self.session = RunSession(config, claim=options.claim)
        self.printer = HeadlessPrinter(
            out,
            err,
            list(config.processes),
            colour_out=use_colour(options.color, out, options.environ),
            colour_err=use_colour(options.color, err, options.environ),
            annotations=annotations_wanted(options.annotations, options.environ),
            on_stdout_gone=lambda: self._request(STDOUT_GONE, from_signal=False),
            on_stdout_error=self._stdout_failing,
            redact=self.session.supervisor.redactor.redact,
        )
        self._stop = asyncio.Event()
        self._requests = ShutdownRequests(time.monotonic)

    def _stdout_failing(self, error: str) -> None:
        log = self.session.log
        kept = (
            f"; the session log {log.path} keeps it"
            if log is not None and log.error is None
            else ""
        )
        self._note(
            "!",
            f"cannot write child output to stdout ({error}): the stack keeps running{kept}",
            YELLOW,
        )

    def _on_signal(self, sig: signal.Signals) -> None:
        self._request(signal_request(sig), from_signal=True)

    def _request(self, request: StopRequest, *, from_signal: bool) -> None:
        verdict = self._requests.request(request, from_signal=from_signal)
        if verdict == "first":
            self._stop.set()
        elif verdict == "now":
            self._note("!", f"{request.reason} again: killing every process group now", YELLOW)
            self.session.supervisor.kill_now()

    def _note(self, symbol: str, text: str, style: str = "", details: tuple[str, ...] = ()) -> None:
        self.printer.write_diagnostic(Diagnostic(symbol, "devtui", text, style, details))

    async def _note_in_order(self, symbol: str, text: str, style: str = "") -> None:
        """A note printed after every event published before it."""
        await self.printer.caught_up()
        self._note(symbol, text, style)

    async def run(self) -> int:
        """Start, wait for the outcome, shut down, summarise."""
        self.session.check_executables()
        supervisor = self.session.supervisor
        printer_feed = self.session.bus.subscribe("printer")
        events = self.session.bus.subscribe("runner")
        uninstall = install_shutdown_signals(self._on_signal)
        await self.session.open(on_log_error=lambda message: self._note("!", message, YELLOW))
        for warning in self.session.warnings:
            self._note("!", warning, YELLOW)
        warned = len(self.session.warnings)
        printer_task = asyncio.create_task(self.printer.consume(printer_feed))
        outcome = _Outcome(ExitCode.PROCESS_FAILED, "internal error")
        final: list[ProcessStatus] = []
        try:
            await self.session.start()
            # After the first spawns: the control socket costs the stack's start nothing.
            await self.session.serve_control(
                lambda reason: self._request(control_request(reason), from_signal=False),
                lambda note: self._note("!", note, YELLOW),
            )
            for warning in self.session.warnings[warned:]:
                self._note("!", warning, YELLOW)
            warned = len(self.session.warnings)
            if self.options.mode == "ci":
                outcome = await self._ci(events)
            else:
                events.unsubscribe()
                outcome = await self._until_all_ended()
        finally:
            stopped = self._requests.first
            if stopped is not None and stopped.code is not None:
                outcome = _Outcome(stopped.code, stopped.reason)
            events.unsubscribe()
            await self.session.close(outcome.code, _stop_reason(outcome))
            # The summary shows where each process stood when devtui announced the stop
            # (e.g. convex push-failed, vite waiting), not the "stopped" that followed: the
            # state the lines above the "stopping" line say. Who needed SIGKILL is added.
            after = supervisor.statuses
            before = supervisor.statuses_at_stop or after
            final = [replace(s, killed=after[s.name].killed) for s in before.values()]
            await printer_task
            self.printer.settle_stdout()
            uninstall()
        for warning in self.session.warnings[warned:]:
            self._note("!", warning, YELLOW)
        self._finish(outcome, final)
        return outcome.code

    # ------------------------------------------------------------------ modes

    async def _race(self, awaitable: asyncio.Future[Any], timeout: float | None = None) -> bool:
        """Wait for `awaitable` or a signal (or the timeout); True if `awaitable` finished."""
        stop: asyncio.Future[Any] = asyncio.ensure_future(self._stop.wait())
        done, _ = await asyncio.wait(
            {awaitable, stop}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        stop.cancel()
        if awaitable not in done:
            awaitable.cancel()
            return False
        return True

    async def _until_all_ended(self) -> _Outcome:
        ended = asyncio.ensure_future(self.session.supervisor.wait_all_ended())
        if not await self._race(ended):
            return _Outcome(ExitCode.OK, "stopped")
        return _ended_outcome(list(self.session.supervisor.statuses.values()))

    async def _ci(self, events: Subscription) -> _Outcome:
        judge = CiJudge.for_config(self.config)
        clock = self.session.supervisor.clock
        verdict_task = asyncio.ensure_future(first_verdict(judge, events, clock))
        if not await self._race(verdict_task, self.options.timeout):
            if self._stop.is_set():
                return _Outcome(ExitCode.INTERRUPTED)
            return self._timed_out(judge)
        verdict = verdict_task.result()
        if verdict is None:
            return _Outcome(ExitCode.PROCESS_FAILED, "the stack ended before it was ready")
        if verdict.code is not ExitCode.OK:
            return _Outcome(verdict.code, verdict.reason, verdict.details)
        await self._await_urls(events)
        ready = ", ".join(self.config.processes)
        await self._note_in_order("✔", f"all ready: {ready}", GREEN)
        if self.options.then:
            return await self._then(events, self.options.then)
        events.unsubscribe()
        if self.options.keep_running:  # on like `up` (a signal's code replaces this outcome)
            return await self._until_all_ended()
        return _Outcome(ExitCode.OK, "all processes ready")

    async def _await_urls(self, events: Subscription) -> None:
        """Give processes that print a URL (Vite) a moment to print it after their ready
        line, so the summary and `--json` carry it."""
        supervisor = self.session.supervisor

        def missing() -> bool:
            return any(
                p.url is not None and supervisor.status(p.name).url is None
                for p in self.config.processes.values()
            )

        with suppress(TimeoutError):
            async with asyncio.timeout(URL_GRACE_S):
                while missing():
                    if not await events.next_batch():
                        return

    def _timed_out(self, judge: CiJudge) -> _Outcome:
        waiting = judge.not_ready
        supervisor = self.session.supervisor
        details: list[str] = []
        for name in waiting:
            status = supervisor.status(name)
            details.append(f"{name}: {status.state.value} ({status.reason})")
            details += [f"  {line}" for line in supervisor.last_lines(name)]
        timeout = format_seconds(self.options.timeout or 0)
        return _Outcome(
            ExitCode.READY_TIMEOUT,
            f"not ready after {timeout} (--timeout): {', '.join(waiting)}",
            tuple(details),
        )

    async def _then(self, events: Subscription, command: str) -> _Outcome:
        name = "then" if "then" not in self.config.processes else "then-cmd"
        self.printer.add_name(name)
        process = ProcessConfig(
            name=name,
            command=(THEN_SHELL, "-c", command),
            cwd=self.config.root,
            shutdown_grace=self.config.settings.shutdown_grace,
        )
        await self._note_in_order("▶", f"running --then: {command}", DIM)
        self.session.supervisor.add_process(process)
        finished = asyncio.ensure_future(_process_ended(events, name))
        if not await self._race(finished):
            return _Outcome(ExitCode.INTERRUPTED)
        status = finished.result()
        code = status.exit_code if status.exit_code is not None else 1
        if code < 0:
            code = 128 - code
        if status.state is ProcessState.FAILED:
            return _Outcome(ExitCode.PROCESS_FAILED, f"--then could not start: {status.reason}")
        return _Outcome(code, f"--then command exited with code {code}")

    # ------------------------------------------------------------------ the end

    def _finish(self, outcome: _Outcome, statuses: list[ProcessStatus]) -> None:
        supervisor = self.session.supervisor
        problems = supervisor.problems.all()
        log_path = self.session.log.path if self.session.log else None
        monitor = supervisor.memory
        peaks = {s.name: monitor.peak_bytes(s.name) for s in statuses} if monitor else {}
        table = summary_table(statuses, problems, peaks)
        if log_path is not None:
            table.append(f"session log: {log_path}")
        self._note("■", "summary:", DIM, tuple(table))
        if outcome.code == ExitCode.OK:
            symbol, style = "✔", GREEN
        elif outcome.code in STOP_CODES:
            symbol, style = "■", DIM  # stopped on request: not a failure
        else:
            symbol, style = "✖", RED
        reason = (outcome.reason or "done") + killed_note(statuses)
        self._note(symbol, f"exit {outcome.code}: {reason}", style, outcome.details)
        if self.options.json_path is not None:
            document = json_summary(outcome.code, reason, statuses, problems, log_path, peaks)
            document = supervisor.redactor.redact_value(document)  # type: ignore[assignment]
            try:
                write_json(self.options.json_path, document)
            except OSError as error:
                self._note("!", f"cannot write {self.options.json_path}: {error.strerror}", YELLOW)


async def _process_ended(events: Subscription, name: str) -> ProcessStatus:
    async for batch in events.batches():
        for event in batch:
            if (
                isinstance(event, ProcessStateChanged)
                and event.process == name
                and (event.state.is_final)
            ):
                return event.status
    raise RuntimeError(f"the event stream ended before {name} did")


def _ended_outcome(statuses: list[ProcessStatus]) -> _Outcome:
    """`up`: 0 when each process ended with 0 or was stopped by devtui, else 1."""
    code, reason = up_outcome(statuses)
    return _Outcome(code, f"every process ended; {reason}" if code else reason)


def _stop_reason(outcome: _Outcome) -> str:
    if outcome.code in STOP_CODES:
        return outcome.reason or "interrupted"
    if outcome.code == ExitCode.OK:
        return "done"
    return f"failing fast (exit {outcome.code})"


def run_headless(
    config: Config, options: HeadlessOptions, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run headless in a fresh event loop and return the exit code."""
    runner = HeadlessRun(config, options, out or sys.stdout, err or sys.stderr)
    return asyncio.run(runner.run())
