"""Starting a child and watching it from the event loop, in two steps.

`StartedChild.start` forks and execs at once, synchronously: a dependent can be started in
the very callback that saw its dependency's ready line (no loop turn, no coroutine between
the two). `ChildPipes` then attaches it to the event loop: both pipes read by asyncio
read-pipe transports, and the leader's exit watched through a pidfd (Linux 5.3+; one
waiting thread per child elsewhere, as asyncio's own watcher does).

Invariant: `exited` is set once the leader has exited and been reaped (its code in
`returncode`), `closed` once it has exited and both pipes reached end of file or were
closed; only devtui reaps its own children, and only here.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from devtui.core.events import Stream
from devtui.core.run.groups import LIVE_GROUPS

OnData = Callable[[Stream, bytes], None]
"""Called with each chunk read from a pipe, in the order read."""
OnEof = Callable[[Stream], None]
"""Called once per pipe when it reaches end of file."""

_STREAMS: dict[int, Stream] = {1: "stdout", 2: "stderr"}
DISCARD_WAIT_S: Final = 1.0
"""How long a discarded child gets to die of SIGKILL before a thread waits for it."""


@dataclass(frozen=True, slots=True)
class StartedChild:
    """A child forked and exec'd but not yet read: its pipes fill until it is attached."""

    popen: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.popen.pid

    @classmethod
    def start(
        cls,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        first: bool = False,
    ) -> StartedChild:
        """Start `argv` in a new session, stdin from /dev/null, stdout and stderr piped.

        Args:
            first: Let the child run before devtui goes on (a dependent whose start is
                waited for): the fork woke devtui on the CPU the child is exec'ing on,
                and the scheduler lets the woken parent go first, so the child waited
                ~1 ms for devtui's next work to end (about half the starts measured).
                Not for every start: on a busy machine the yield can cost devtui a time
                slice, and the next process's start with it.

        Raises:
            OSError: the executable is missing or cannot be run, or `cwd` is missing.
        """
        popen = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            start_new_session=True,
            bufsize=0,
        )
        LIVE_GROUPS.add(popen.pid)  # the last-resort kill knows it from its first moment
        if first:
            os.sched_yield()
        return cls(popen)

    def discard(self) -> None:
        """SIGKILL a child that will never be attached (its start was not wanted after
        all, or attaching it failed) and reap it: at once, as it was started an instant
        ago. One that does not die (setuid, so not ours to signal) is reaped by a thread
        whenever it ends, and stays known to the last-resort kill."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for pipe in (self.popen.stdout, self.popen.stderr):
            if pipe is not None:
                pipe.close()
        try:
            self.popen.wait(timeout=DISCARD_WAIT_S)
        except subprocess.TimeoutExpired:
            threading.Thread(target=self.popen.wait, daemon=True).start()
            return
        LIVE_GROUPS.discard(self.popen.pid)


class _PipeReader(asyncio.Protocol):
    """Hands one pipe's chunks on; tells its owner when the pipe is done."""

    def __init__(self, fd: int, owner: ChildPipes) -> None:
        self._stream = _STREAMS[fd]
        self._fd = fd
        self._owner = owner

    def data_received(self, data: bytes) -> None:
        self._owner.on_data(self._stream, data)

    def eof_received(self) -> bool:
        return False  # close the transport: connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self._owner.pipe_done(self._fd)


class ChildPipes:
    """A started child attached to the running loop (create with `attach`)."""

    def __init__(self, started: StartedChild, on_data: OnData, on_eof: OnEof) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._popen = started.popen
        self.on_data = on_data
        self._on_eof = on_eof
        self.transports: dict[int, asyncio.ReadTransport] = {}
        self._open = {1, 2}
        self.exited: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()

    @classmethod
    async def attach(cls, started: StartedChild, on_data: OnData, on_eof: OnEof) -> ChildPipes:
        """Read both pipes from now on and watch the exit."""
        pipes = cls(started, on_data, on_eof)
        popen = started.popen
        try:
            for fd, file in ((1, popen.stdout), (2, popen.stderr)):
                assert file is not None
                transport, _ = await pipes._loop.connect_read_pipe(
                    lambda fd=fd: _PipeReader(fd, pipes),  # type: ignore[misc]
                    file,
                )
                pipes.transports[fd] = transport
            pipes._watch_exit()
        except BaseException:  # cancelled, or the loop refused a pipe: nothing left behind
            pipes._open.clear()  # closing the transports reports no end of output
            pipes.close()
            started.discard()
            raise
        return pipes

    @property
    def returncode(self) -> int | None:
        """The exit code once reaped (negative: the signal that killed it)."""
        return self._popen.returncode if self.exited.done() else None

    def close(self) -> None:
        """Stop reading both pipes (something outside the group still holds them)."""
        for transport in self.transports.values():
            transport.close()

    # ------------------------------------------------------------------ internals

    def pipe_done(self, fd: int) -> None:
        if fd not in self._open:
            return
        self._open.discard(fd)
        self._on_eof(_STREAMS[fd])
        self._maybe_closed()

    def _maybe_closed(self) -> None:
        if not self._open and self.exited.done() and not self.closed.done():
            self.closed.set_result(None)

    def _exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)
        self._maybe_closed()

    def _watch_exit(self) -> None:
        try:
            pidfd = os.pidfd_open(self._popen.pid)
        except (AttributeError, OSError):  # not Linux 5.3+: a thread waits, as asyncio's
            threading.Thread(
                target=self._wait_in_thread, name=f"devtui-wait-{self._popen.pid}", daemon=True
            ).start()
            return
        self._loop.add_reader(pidfd, self._pidfd_ready, pidfd)

    def _pidfd_ready(self, pidfd: int) -> None:
        self._loop.remove_reader(pidfd)
        os.close(pidfd)
        if self._popen.poll() is None:  # readable means exited; never expected
            threading.Thread(target=self._wait_in_thread, daemon=True).start()
            return
        self._exited()

    def _wait_in_thread(self) -> None:
        self._popen.wait()
        try:
            self._loop.call_soon_threadsafe(self._exited)
        except RuntimeError:  # the loop is closed: nobody waits any more
            pass
