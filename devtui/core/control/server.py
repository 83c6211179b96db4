"""The control endpoint of a running devtui: a Unix socket other terminals, scripts and
coding agents ask and steer the stack through (see `protocol` for the requests).

Invariant: the server never slows supervision down. Requests are read with a size limit
and an idle timeout, connections are capped, peers of another user are refused at
accept (SO_PEERCRED), and answers are written without waiting on a reader: a follower
that stops reading is dropped once `SLOW_READER_BYTES` pile up. It takes events from the
bus only while someone follows or waits, through one subscription it always drains
at once, so a client can never congest the bus (which would pause the children's pipes).
The socket is served by its own thread and event loop, so an answer never waits behind
the stack's event loop (whose every turn handles up to four 256 KiB pipe reads under a
flood): read-only answers (hello, status, problems, logs) are made there; what acts on the
stack (restart, start, stop, follow and wait listeners) is handed to the stack's loop.
Whatever a client sends, the stack keeps running; refusals are counted and said once
through `on_note`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import socket
import struct
import threading
from collections.abc import Callable, Coroutine
from functools import partial
from typing import TYPE_CHECKING, Any, Final, TypeVar

from devtui import __version__
from devtui.core.control.place import ProjectClaim, reachable_path, socket_path
from devtui.core.control.protocol import (
    IDLE_TIMEOUT_S,
    MAX_CONNECTIONS,
    MAX_REQUEST_BYTES,
    SLOW_READER_BYTES,
    VERSION,
    ControlError,
    answer,
    decode_request,
    encode,
    known_process,
    refusal,
)
from devtui.core.events import Event, OutputLines, ProcessState, ProcessStateChanged
from devtui.core.problems.book import SEVERITY_RANK, Severity
from devtui.core.redact import PemTracker
from devtui.core.sessionlog.records import megabytes, problem_record, process_record
from devtui.errors import ExitCode

if TYPE_CHECKING:
    from devtui.core.bus import Subscription
    from devtui.core.control.logs import LogQuery, LogReader
    from devtui.core.run.judge import CiJudge, Verdict
    from devtui.core.run.session import RunSession

log = logging.getLogger(__name__)

WRITE_TIMEOUT_S: Final = 5.0
"""How long an answer may wait for its reader before the connection is dropped."""
ACTION_TIMEOUT_S: Final = 60.0
"""The longest a restart, start or stop is waited for before its answer gives the state
it has then."""
_ON_THE_WAY_DOWN: Final = frozenset(
    {ProcessState.STOPPING, ProcessState.STOPPED, ProcessState.RESTARTING, ProcessState.EXITED}
)
"""States a restarted process passes through before its new launch."""
DEFAULT_WAIT_S: Final = 60.0
MAX_WAIT_S: Final = 86_400.0
CATCH_UP_S: Final = 2.0
"""How long a follow waits for the session log to hold what was published before it."""
HANG_UP_CHECK_S: Final = 0.5
"""How often a long request looks whether its client is still there."""
PRESENT_GRACE_S: Final = 1.5
"""How long a `wait` that finds a failed push watches for a new push before answering 4."""
STATUS_RETRIES: Final = 3
"""Reads of the stack's tables from the control thread that may meet a process being added
(`ci --then`) are tried again."""

Listener = Callable[[Event], None]
T = TypeVar("T")


class ControlServer:
    """Serves one running stack's control socket."""

    def __init__(
        self,
        session: RunSession,
        claim: ProjectClaim,
        on_stop: Callable[[str], None],
        on_note: Callable[[str], None] | None = None,
    ) -> None:
        """Args:
        session: The stack it answers for.
        claim: This devtui's claim on the project (where the socket goes, who it is).
        on_stop: Asks the front end to stop the whole stack (its reason in words), as a
            quit key would.
        on_note: Told, once per kind, of clients refused (another user, garbage, too many).
        """
        self.session = session
        self.claim = claim
        self._on_stop = on_stop
        self._on_note = on_note
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._listeners: set[Listener] = set()
        self._events: Subscription | None = None
        self._pump: asyncio.Task[None] | None = None
        self._reader: LogReader | None = None
        self._noted: set[str] = set()
        self.refused: dict[str, int] = {}
        """How many clients were refused, by reason (for tests and the log)."""
        self._main: asyncio.AbstractEventLoop | None = None
        """The stack's event loop (everything that acts on the stack runs there)."""
        self._loop: asyncio.AbstractEventLoop | None = None
        """The control thread's event loop (every connection is served there)."""
        self._thread: threading.Thread | None = None
        self._closing: asyncio.Event | None = None
        """Set (in the control loop) when devtui stops: follows end, the loop winds up."""

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on the project's socket (owner-only), served by the control thread."""
        path = socket_path(self.claim.root)
        with reachable_path(path) as where:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.bind(where)
                os.chmod(where, 0o600)  # inside an owner-only folder: no window for others
                sock.listen(128)
            except BaseException:
                sock.close()
                raise
        sock.setblocking(False)
        self._main = asyncio.get_running_loop()
        started: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=self._run_thread, args=(sock, started), name="devtui-control", daemon=True
        )
        self._thread.start()
        await asyncio.wrap_future(started)

    def _run_thread(self, sock: socket.socket, started: concurrent.futures.Future[None]) -> None:
        """The control thread: its own loop, serving until `close()`."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._closing = asyncio.Event()
            self._server = loop.run_until_complete(
                asyncio.start_unix_server(self._accept, sock=sock, limit=MAX_REQUEST_BYTES)
            )
            started.set_result(None)
            loop.run_until_complete(self._serve_until_closed())
        except BaseException as error:
            if not started.done():
                started.set_exception(error)
            else:
                log.exception("the control thread failed")
        finally:
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    async def _serve_until_closed(self) -> None:
        assert self._closing is not None
        await self._closing.wait()
        if self._server is not None:
            self._server.close()
        if self._connections:  # follows say "ended"; the rest are cut
            await asyncio.wait(set(self._connections), timeout=1.0)
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def close(self) -> None:
        """Stop listening, end every follow and wait, and close every connection."""
        loop, thread = self._loop, self._thread
        if loop is not None and self._closing is not None:
            with contextlib.suppress(RuntimeError):  # (its loop already closed)
                loop.call_soon_threadsafe(self._closing.set)
        if thread is not None:
            await asyncio.to_thread(thread.join, 10.0)
        self._stop_pump()
        if self._reader is not None:
            await asyncio.to_thread(self._reader.close)

    # ------------------------------------------------------------------ the stack's loop

    def _on_main(self, callback: Callable[..., object], *args: object) -> None:
        """Run `callback(*args)` on the stack's loop (from the control thread)."""
        if self._main is not None:
            with contextlib.suppress(RuntimeError):  # (the stack's loop is gone)
                self._main.call_soon_threadsafe(callback, *args)

    def _on_control(self, callback: Callable[..., object], *args: object) -> None:
        """Run `callback(*args)` on the control loop (from the stack's loop)."""
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # (the control loop is closed)
                self._loop.call_soon_threadsafe(callback, *args)

    async def _in_main(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Await `coroutine` run on the stack's loop."""
        assert self._main is not None
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self._main))

    # ------------------------------------------------------------------ connections

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        try:
            if len(self._connections) >= MAX_CONNECTIONS:
                self._refuse("busy", f"more than {MAX_CONNECTIONS} clients at once")
                writer.write(refusal(None, "busy", "too many clients connected; try again"))
                return
            uid = _peer_uid(writer)
            if uid != os.getuid():
                self._refuse("uid", f"a client of user id {uid} (not this devtui's user)")
                return
            self._connections.add(task)
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception:  # a client must never take the server down
            log.exception("control connection failed")
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                line = await asyncio.wait_for(reader.readuntil(b"\n"), IDLE_TIMEOUT_S)
            except (asyncio.LimitOverrunError, ValueError):
                self._refuse("too-large", "a request longer than the limit")
                writer.write(
                    refusal(None, "too-large", f"a request is at most {MAX_REQUEST_BYTES} bytes")
                )
                return
            except (asyncio.IncompleteReadError, TimeoutError):
                return  # the client is done (or went quiet)
            try:
                request_id, op, args = decode_request(line)
            except ControlError as error:
                self._refuse("garbage", "a request that is not the protocol's")
                await self._send(writer, refusal(None, error.code, error.message))
                continue
            try:
                if op == "logs" and args.get("follow") is True:
                    await self._follow(reader, writer, request_id, args)
                    return
                result = await self._answer(op, args, reader.at_eof)
            except ControlError as error:
                await self._send(writer, refusal(request_id, error.code, error.message))
                continue
            except ConnectionError:
                raise  # the client went away or stopped reading: nobody to answer
            except Exception as error:  # a fault answering is the client's to hear about
                log.exception("control request %s failed", op)
                await self._send(writer, refusal(request_id, "internal", str(error)))
                continue
            await self._send(writer, answer(request_id, result))

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        try:
            await asyncio.wait_for(writer.drain(), WRITE_TIMEOUT_S)
        except TimeoutError:
            raise ConnectionError("the client does not read its answers") from None

    def _refuse(self, kind: str, what: str) -> None:
        self.refused[kind] = self.refused.get(kind, 0) + 1
        if kind not in self._noted and self._on_note is not None:
            self._noted.add(kind)
            self._on_main(self._on_note, f"control socket: refused {what} (said once)")

    # ------------------------------------------------------------------ answers

    async def _answer(
        self, op: str, args: dict[str, object], gone: Callable[[], bool]
    ) -> dict[str, object]:
        if op == "logs":  # its lines are redacted as the session log has them
            return await self.logs(args)
        result = await self._plain_answer(op, args, gone)
        # Whatever a process printed or was started with (reasons, problem texts, a port
        # holder's command line) leaves devtui redacted, as in `--json`.
        redacted = self.session.supervisor.redactor.redact_value(result)
        return redacted if isinstance(redacted, dict) else result

    async def _plain_answer(
        self, op: str, args: dict[str, object], gone: Callable[[], bool]
    ) -> dict[str, object]:
        if op == "hello":
            return self.hello()
        if op == "status":
            return _read_stack(self.status)
        if op == "problems":
            return self.problems(all_of_them=args.get("all") is True)
        if op == "wait":
            return await self.wait(args, gone)
        if op == "stop" and args.get("process") is None:
            self._on_main(self._on_stop, "stopped by `devtui stop` (control socket)")
            return {"stopping": True}
        return await self._in_main(self.act(op, self._process(args)))

    def hello(self) -> dict[str, object]:
        instance = self.claim.instance
        log_file = self.session.log
        return {
            "devtui": __version__,
            "protocol": VERSION,
            **instance.as_record(),
            "session_log": str(log_file.path) if log_file is not None else None,
        }

    def status(self) -> dict[str, object]:
        supervisor = self.session.supervisor
        monitor = supervisor.memory
        statuses = list(supervisor.statuses.values())
        processes = []
        for status in statuses:
            sample = monitor.latest.get(status.name) if monitor is not None else None
            entry = process_record(status, monitor.peak_bytes(status.name) if monitor else None)
            entry["rss_mb"] = megabytes(sample.rss_bytes if sample is not None else None)
            entry["reason"] = status.reason
            entry["pid"] = status.pid
            processes.append(entry)
        open_counts = {severity.value: 0 for severity in Severity}
        resolved = 0
        for problem in supervisor.problems.all():
            if problem.resolved:
                resolved += 1
            else:
                open_counts[problem.severity.value] += 1
        ready = all(s.state is ProcessState.READY for s in statuses)
        return {
            "devtui": self.hello(),
            "ready": ready,
            "stopping": supervisor.shutting_down,
            "processes": processes,
            "problems": {"open": open_counts, "resolved": resolved},
        }

    def problems(self, *, all_of_them: bool) -> dict[str, object]:
        problems = [
            p for p in self.session.supervisor.problems.all() if all_of_them or not p.resolved
        ]
        problems.sort(key=lambda p: (p.resolved, SEVERITY_RANK[p.severity], -p.last_seen))
        return {"problems": [problem_record(p) for p in problems]}

    async def logs(self, args: dict[str, object]) -> dict[str, object]:
        from devtui.core.control.logs import LogQuery

        query = LogQuery.of(args, self._process_names())
        reader = self._log_reader()
        if reader is None:
            return self._logs_from_memory(query)
        return (await asyncio.to_thread(reader.query, query)).as_result()

    def _log_reader(self) -> LogReader | None:
        """The reader of this run's session log (None without a usable one: then the
        answers come from memory)."""
        log_file = self.session.log
        if log_file is None or log_file.error is not None:
            return None
        if self._reader is None:
            # Imported by the first query: the triage index is no cost to a stack never asked.
            from devtui.core.control.logs import LogReader

            self._reader = LogReader(log_file.path)
        return self._reader

    async def _log_caught_up(self, seqs: dict[str, int]) -> None:
        """Until the session log holds every line up to `seqs` (at most `CATCH_UP_S`)."""
        reader = self._log_reader()
        if reader is None:
            return  # memory answers hold every line published
        deadline = asyncio.get_running_loop().time() + CATCH_UP_S
        while not await asyncio.to_thread(reader.holds, seqs):
            if asyncio.get_running_loop().time() > deadline:
                return
            await asyncio.sleep(0.02)

    def _logs_from_memory(self, query: LogQuery) -> dict[str, object]:
        """No session log: the last lines each process keeps (no stream or time known)."""
        from devtui.core.control.logs import LogAnswer, compile_grep, line_entry, newest

        supervisor = self.session.supervisor
        names = [query.process] if query.process else self._process_names()
        pattern = compile_grep(query.grep) if query.grep else None
        lines: list[dict[str, object]] = []
        for name in names:
            kept = _read_stack(partial(supervisor.last_lines, name, count=10_000))
            for line in kept:
                text = supervisor.redactor.redact(line)
                if pattern is None or pattern.search(text):
                    lines.append(line_entry(name, "", 0.0, 0, text))
        chosen = list(newest(lines, query.last))
        return LogAnswer(chosen, len(lines), len(lines) > len(chosen), "memory").as_result()

    def _process_names(self) -> list[str]:
        return _read_stack(lambda: list(self.session.supervisor.statuses))

    def _process(self, args: dict[str, object]) -> str:
        name = args.get("process")
        if not isinstance(name, str):
            raise ControlError("bad-request", "name the `process`")
        known_process(name, self._process_names())
        return name

    async def act(self, op: str, name: str) -> dict[str, object]:
        """Restart, start or stop process `name`; answers with its state afterwards: a
        restart or start once the new launch has a state of its own (starting, waiting for
        a dependency, or already failed), a stop once it has stopped."""
        supervisor = self.session.supervisor
        if supervisor.shutting_down:
            raise ControlError("not-now", "devtui is stopping")
        action = {
            "restart": supervisor.restart_process,
            "start": supervisor.start_process,
            "stop": supervisor.stop_process,
        }[op]
        launched: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def listen(event: Event) -> None:
            if (
                type(event) is ProcessStateChanged
                and event.process == name
                and event.state not in _ON_THE_WAY_DOWN
                and not launched.done()
            ):
                launched.set_result(None)

        self._listen(listen)
        try:
            async with asyncio.timeout(ACTION_TIMEOUT_S):
                await action(name)
                if op != "stop" and supervisor.status(name).state in _ON_THE_WAY_DOWN:
                    await launched
        except TimeoutError:
            pass  # answered with the state it has now
        finally:
            self._unlisten(listen)
        status = supervisor.status(name)
        return {"process": name, "state": status.state.value, "reason": status.reason}

    async def wait(
        self, args: dict[str, object], gone: Callable[[], bool] = lambda: False
    ) -> dict[str, object]:
        """Until every process is ready, one fails, an error problem stops it, or timeout;
        given up (ConnectionError) as soon as `gone()` says the client hung up."""
        timeout = args.get("timeout", DEFAULT_WAIT_S)
        if (
            not isinstance(timeout, int | float)
            or isinstance(timeout, bool)
            or not 0 <= timeout <= MAX_WAIT_S  # (NaN fails both)
        ):
            raise ControlError("bad-request", f"`timeout` is 0 to {MAX_WAIT_S:g} seconds")
        loop = asyncio.get_running_loop()
        found: asyncio.Future[Verdict] = loop.create_future()
        judge: CiJudge | None = None
        present: Verdict | None = None

        def resolve(seen: Verdict) -> None:  # on the control loop
            if not found.done():
                found.set_result(seen)

        def listen(event: Event) -> None:  # on the stack's loop
            assert judge is not None
            if present is not None and judge.moved_on(event):
                judge.forget_present()
            seen = judge.observe(event)
            if seen is not None:
                self._on_control(resolve, seen)

        async def begin() -> Verdict | None:  # on the stack's loop: no event in between
            nonlocal judge, present
            judge = self._seeded_judge()
            present = judge.at_present()
            if present is None or present.code is ExitCode.PROBLEM:
                self._listen(listen)
            return present

        verdict = await self._in_main(begin())
        assert judge is not None
        if verdict is None or verdict.code is ExitCode.PROBLEM:
            # A failed push is the answer only if nothing moves on from it at once: a
            # client asking right after saving a fix is answered by the push it started.
            started = loop.time()
            limit = float(timeout) if present is None else min(float(timeout), PRESENT_GRACE_S)
            try:
                clock = self.session.supervisor.clock
                async with asyncio.timeout(limit) as scope:
                    while not found.done():  # a client that hung up frees its slot
                        await asyncio.wait({found}, timeout=HANG_UP_CHECK_S)
                        if gone():
                            raise ConnectionError("the client hung up during a wait")
                        if present is not None and judge.at_present() is None:
                            present = None  # moved on: wait the whole timeout for it
                            scope.reschedule(started + float(timeout))
                        # retry_timeout, as in ci (the judge is fed on the stack's loop)
                        retried_out = _read_stack(partial(judge.at_time, clock()))
                        if retried_out is not None:
                            resolve(retried_out)
                verdict = found.result()
            except TimeoutError:
                verdict = judge.at_present() if present is not None else None
                if verdict is None:
                    waiting = ", ".join(_read_stack(lambda: judge.not_ready))
                    return {
                        "outcome": "timeout",
                        "code": int(ExitCode.READY_TIMEOUT),
                        "reason": f"not ready after {float(timeout):g} s: {waiting}",
                    }
            finally:
                self._on_main(self._unlisten, listen)
        outcome = {
            ExitCode.OK: "ready",
            ExitCode.PROBLEM: "problem",
            ExitCode.READY_TIMEOUT: "timeout",
        }.get(verdict.code, "exited")
        result: dict[str, object] = {
            "outcome": outcome,
            "code": int(verdict.code),
            "reason": verdict.reason,
        }
        if verdict.problem is not None:
            result["problem"] = problem_record(verdict.problem)
        return result

    def _seeded_judge(self) -> CiJudge:
        from devtui.core.run.judge import CiJudge

        judge = CiJudge.for_config(self.session.config)
        supervisor = self.session.supervisor
        judge.seed(supervisor.statuses.values(), supervisor.problems.all())
        return judge

    # ------------------------------------------------------------------ follow

    async def _follow(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        request_id: object,
        args: dict[str, object],
    ) -> None:
        """Answer as `logs` does, then push each new line that passes the query."""
        from devtui.core.control.logs import LogQuery, compile_grep, line_entry

        query = LogQuery.of(args, self._process_names())
        pattern = compile_grep(query.grep) if query.grep else None
        dropped = asyncio.Event()
        transport = writer.transport
        redactor = self.session.supervisor.redactor
        keys = PemTracker()
        # Listening first, then answering: no line falls between the answer and the follow.
        # Lines seen meanwhile are held and sent after the answer, less those it holds.
        held: list[tuple[str, int, bytes]] | None = []
        held_bytes = 0

        def listen(event: Event) -> None:  # on the stack's loop
            if type(event) is not OutputLines or dropped.is_set():
                return
            if query.process is not None and event.process != query.process:
                return
            if query.stream is not None and event.stream != query.stream:
                return
            out: list[bytes] = []
            seqs: list[int] = []
            texts = keys.lines((event.process, event.stream), list(event.texts))
            for seq, text in enumerate(texts, event.first_seq):
                if redactor.might_hold_secrets(text):  # as the session log has it
                    text = redactor.redact(text)
                if pattern is None or pattern.search(text):
                    entry = line_entry(event.process, event.stream, event.at, seq, text)
                    out.append(encode({"v": VERSION, "id": request_id, "line": entry}))
                    seqs.append(seq)
            if out:
                self._on_control(deliver, event.process, seqs, out)

        def deliver(process: str, seqs: list[int], out: list[bytes]) -> None:  # control loop
            nonlocal held_bytes
            if dropped.is_set():
                return
            if held is not None:  # the answer is not out yet: after it, in order
                held.extend((process, seq, line) for seq, line in zip(seqs, out, strict=True))
                held_bytes += sum(map(len, out))
                if held_bytes > SLOW_READER_BYTES:  # bounded like a slow reader's
                    self._refuse("slow", "a follower whose answer took too long (dropped)")
                    dropped.set()
                return
            if transport.get_write_buffer_size() > SLOW_READER_BYTES:
                self._refuse("slow", "a follower that stopped reading (dropped)")
                dropped.set()
                return
            writer.write(b"".join(out))

        async def begin() -> dict[str, int]:  # on the stack's loop: no line in between
            nonlocal keys
            # A follow that starts inside a private key's block knows it is inside one.
            keys = PemTracker(self.session.supervisor.inside_keys())
            self._listen(listen)
            return self.session.supervisor.last_seqs()

        waiters: tuple[asyncio.Future[Any], ...] = ()
        marks = await self._in_main(begin())
        try:
            # Lines published before the listener came are the answer's to give: wait
            # (bounded) until the log writer has written them.
            await self._log_caught_up(marks)
            result = await self.logs({**args, "follow": False})
            await self._send(writer, answer(request_id, result))
            answered: dict[str, int] = {}  # the last line the answer holds, by process
            lines = result.get("lines")
            for line in lines if isinstance(lines, list) else []:
                name, seq = str(line["process"]), int(line["seq"])
                answered[name] = max(answered.get(name, 0), seq)
            writer.write(
                b"".join(line for name, seq, line in held or [] if seq > answered.get(name, 0))
            )
            held = None
            assert self._closing is not None
            closing = asyncio.ensure_future(self._closing.wait())
            gone = asyncio.ensure_future(dropped.wait())
            # A follower only listens: anything it sends, or its end closing, ends it.
            ended = asyncio.ensure_future(reader.read(MAX_REQUEST_BYTES))
            waiters = (closing, gone, ended)
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            if self._closing.is_set():
                with contextlib.suppress(Exception):
                    await self._send(writer, answer(request_id, {"ended": "devtui stopped"}))
        finally:
            self._on_main(self._unlisten, listen)
            for waiter in waiters:
                waiter.cancel()

    # ------------------------------------------------------------------ events

    def _listen(self, listener: Listener) -> None:
        self._listeners.add(listener)
        if self._events is None and not self.session.bus.closed:
            self._events = self.session.bus.subscribe("control")
            self._pump = asyncio.create_task(self._fan_out(self._events))

    def _unlisten(self, listener: Listener) -> None:
        self._listeners.discard(listener)
        if not self._listeners:
            self._stop_pump()

    def _stop_pump(self) -> None:
        if self._events is not None:
            self._events.unsubscribe()
            self._events = None
        if self._pump is not None:
            self._pump.cancel()
            self._pump = None

    async def _fan_out(self, events: Subscription) -> None:
        """Drain the subscription, always: a listener that fails is dropped, never the
        pump (an undrained subscription would congest the bus and pause every pipe)."""
        try:
            async for batch in events.batches():
                for event in batch:
                    for listener in list(self._listeners):
                        try:
                            listener(event)
                        except Exception:
                            log.exception("control listener failed; dropped")
                            self._listeners.discard(listener)
            if self._closing is not None:  # the bus closed: the stack is down
                self._on_control(self._closing.set)
        finally:
            if self._events is events:
                events.unsubscribe()
                self._events = None


def _read_stack(read: Callable[[], T]) -> T:
    """`read()` of the stack's tables from the control thread, tried again if it met a
    change under way (a process added by `ci --then`, a line appended to a tail)."""
    for _ in range(STATUS_RETRIES - 1):
        try:
            return read()
        except RuntimeError:  # changed size / mutated during iteration
            continue
    return read()


def _peer_uid(writer: asyncio.StreamWriter) -> int:
    sock = writer.get_extra_info("socket")
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)
