"""One child process: spawned in its own session with two pipes read concurrently, and
stopped group-wide with escalating signals.

Invariant: once `wait()` returns, the child and everything left of its process group are
gone (or named as survivors) and both pipes have been read to the end, so no output is lost
and nothing is orphaned, even when the leader exits and a grandchild keeps a pipe open.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Final

from devtui.core.run.child_pipes import ChildPipes, OnData, OnEof, StartedChild
from devtui.core.run.groups import (
    LIVE_GROUPS,
    descendants,
    describe,
    group_members,
    signal_group,
    started_at,
    the_same,
)

OnSignal = Callable[[signal.Signals, "float | None"], None]
"""Told each signal sent while stopping, and when SIGKILL follows (None once sent)."""
Related = Callable[[], "set[int]"]
"""The living descendants known of the child beyond its group (marked, or tracked)."""
OnLeftovers = Callable[[tuple[str, ...]], None]
"""Told (`pid command` of each) what the child left running when it exited on its own."""

_LINGER_AFTER_EXIT: Final = 0.5
"""How long pipes may stay open after the leader exits before the rest of the group is
stopped (a grandchild that inherited stdout would otherwise keep it open forever)."""
_POLL: Final = 0.05
"""How often a group with no leader left is checked while waiting for it to die."""
_FINAL_WAIT: Final = 1.0
"""How long processes get to disappear after SIGKILL before they are named survivors."""


class ChildProcess:
    """A spawned child; create with `ChildProcess.spawn` (or `StartedChild.start`, then
    `ChildProcess.attach`)."""

    def __init__(self, pipes: ChildPipes, pid: int, related: Related | None = None) -> None:
        self._pipes = pipes
        self._related = related
        self.pid = pid
        """The leader's pid; also its session and process-group id."""
        self._stopping = False
        self._stop_finished = asyncio.Event()
        self._known_descendants: dict[int, float] = {}
        """Descendants seen (pid → start time): signalled only while still the same."""
        self.survivors: tuple[str, ...] = ()
        """Processes of the group still alive after SIGKILL (`pid command`), if any."""

    @classmethod
    async def spawn(
        cls,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        on_data: OnData,
        on_eof: OnEof,
        read_size: int | None = None,
        related: Related | None = None,
    ) -> ChildProcess:
        """Start `argv` in a new session, stdin from /dev/null, stdout and stderr piped.

        Args:
            read_size: Most bytes handed to `on_data` per read (None: asyncio's 256 KiB).
                Smaller reads let an interactive UI interleave with a flood of output.
            related: Finds the descendants that left the child's group and session (a
                `setsid()` grandchild, a daemon): stopped along with it.

        Raises:
            OSError: the executable is missing or cannot be run (FileNotFoundError,
                PermissionError, ...).
        """
        started = StartedChild.start(argv, cwd=cwd, env=env)
        return await cls.attach(started, on_data, on_eof, read_size=read_size, related=related)

    @classmethod
    async def attach(
        cls,
        started: StartedChild,
        on_data: OnData,
        on_eof: OnEof,
        *,
        read_size: int | None = None,
        related: Related | None = None,
    ) -> ChildProcess:
        """Read the pipes of a child already started (see `spawn` for the arguments)."""
        pipes = await ChildPipes.attach(started, on_data, on_eof)
        for transport in pipes.transports.values():
            enlarge_pipe(transport)
            if read_size is not None and hasattr(transport, "max_size"):  # asyncio's chunk
                transport.max_size = read_size
        return cls(pipes, started.pid, related)

    @property
    def returncode(self) -> int | None:
        """The exit code once exited (negative: the signal that killed it)."""
        return self._pipes.returncode

    @property
    def stopping(self) -> bool:
        """Whether `stop` was called (an exit now is devtui's doing)."""
        return self._stopping

    def pause_reading(self) -> None:
        """Stop reading both pipes (the child blocks once the OS pipe buffer is full)."""
        for pipe in self._pipes.transports.values():
            if not pipe.is_closing():
                pipe.pause_reading()

    def resume_reading(self) -> None:
        """Resume reading both pipes."""
        for pipe in self._pipes.transports.values():
            if not pipe.is_closing():
                pipe.resume_reading()

    async def wait(
        self,
        grace: float = 5.0,
        on_signal: OnSignal | None = None,
        on_leftovers: OnLeftovers | None = None,
    ) -> int:
        """Wait until the leader exited, the pipes are drained and every descendant is gone.

        Args:
            grace: How long descendants get from SIGINT to SIGKILL when the leader exits on
                its own and leaves them behind.
            on_signal: Told each signal sent to such leftovers.
            on_leftovers: Told what was left (`pid command` each), before it is stopped.

        Returns:
            The leader's exit code.
        """
        await asyncio.shield(self._pipes.exited)
        if self._stopping:
            await self._stop_finished.wait()
        try:
            await asyncio.wait_for(asyncio.shield(self._pipes.closed), _LINGER_AFTER_EXIT)
        except TimeoutError:
            pass
        leftovers: list[int] = []
        if not self._stopping:
            related = await asyncio.to_thread(self._related_now)
            self._known_descendants.update(await asyncio.to_thread(started_at, related))
            leftovers = await asyncio.to_thread(self._members)
        if leftovers:
            # The leader is gone but what it started lives on: say so, stop it, never
            # orphan it (the same steps as a stop).
            if on_leftovers is not None:
                on_leftovers(tuple(await asyncio.to_thread(lambda: list(map(describe, leftovers)))))
            await self._escalate((signal.SIGINT, signal.SIGTERM, signal.SIGKILL), grace, on_signal)
        await self._finish_pipes()
        if not await asyncio.to_thread(self._members):
            LIVE_GROUPS.discard(self.pid)
        code = self.returncode
        return code if code is not None else -1

    async def stop(
        self,
        grace: float,
        on_signal: OnSignal | None = None,
        on_detached: OnLeftovers | None = None,
    ) -> None:
        """Stop the whole group and every descendant known beyond it: SIGINT, then SIGTERM
        at grace/2, then SIGKILL at grace.

        Idempotent: a second call while stopping waits for the first to finish. Survivors
        after SIGKILL are recorded in `survivors`.

        Args:
            on_detached: Told (`pid command` each) the descendants that had left the group
                and session, before they are stopped with it.
        """
        if self._stopping:
            await self._stop_finished.wait()
            return
        self._stopping = True
        try:
            related = await asyncio.to_thread(self._related_now)
            found = set(related)
            if self.returncode is None:
                found |= await asyncio.to_thread(descendants, self.pid)
            self._known_descendants.update(await asyncio.to_thread(started_at, found))
            if on_detached is not None and related:
                detached = await asyncio.to_thread(self._outside_group, related)
                if detached:
                    on_detached(detached)
            await self._escalate((signal.SIGINT, signal.SIGTERM, signal.SIGKILL), grace, on_signal)
        finally:
            self._stop_finished.set()

    def kill_now(self) -> None:
        """SIGKILL the group immediately (a second Ctrl-C); a running `stop` then ends."""
        signal_group(self.pid, signal.SIGKILL, the_same(self._known_descendants))

    async def _escalate(
        self, signals: Sequence[signal.Signals], grace: float, on_signal: OnSignal | None
    ) -> None:
        """Send each signal in turn until the group is gone; the last one is SIGKILL."""
        step = grace / max(1, len(signals) - 1)
        loop = asyncio.get_running_loop()
        for index, sig in enumerate(signals):
            final = index == len(signals) - 1
            kill_at = None if final else time.time() + step * (len(signals) - 1 - index)
            if not await asyncio.to_thread(self._members) and self.returncode is not None:
                break
            signal_group(self.pid, sig, await asyncio.to_thread(the_same, self._known_descendants))
            if on_signal is not None:
                on_signal(sig, kill_at)
            deadline = loop.time() + (_FINAL_WAIT if final else step)
            if await self._gone_by(deadline):
                break
        else:
            remaining = await asyncio.to_thread(self._members)
            self.survivors = tuple(describe(pid) for pid in remaining)

    async def _gone_by(self, deadline: float) -> bool:
        """Wait until the leader exited and no group member is alive, or the deadline."""
        loop = asyncio.get_running_loop()
        remaining = deadline - loop.time()
        if remaining > 0:
            try:
                await asyncio.wait_for(asyncio.shield(self._pipes.exited), remaining)
            except TimeoutError:
                return False
        while True:
            if not await asyncio.to_thread(self._members):
                return True
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(_POLL)

    def _outside_group(self, pids: set[int]) -> tuple[str, ...]:
        """`pid command` of those of `pids` alive outside the group and session (blocking)."""
        outside = []
        for pid in sorted(pids):
            try:
                if os.getpgid(pid) == self.pid or os.getsid(pid) == self.pid:
                    continue
            except OSError:  # gone
                continue
            if _alive(pid):
                outside.append(describe(pid))
        return tuple(outside)

    def _related_now(self) -> set[int]:
        """The descendants found beyond the group (blocking; call in a thread)."""
        return self._related() if self._related is not None else set()

    def _members(self) -> list[int]:
        """Living members of the group (blocking; call in a thread)."""
        alive_descendants = {pid for pid in the_same(self._known_descendants) if pid != self.pid}
        members = group_members(self.pid, alive_descendants)
        if self.returncode is None and self.pid not in members:
            members.append(self.pid)
        return members

    async def _finish_pipes(self) -> None:
        """Read the pipes to EOF; if something outside the group still holds them, close."""
        try:
            await asyncio.wait_for(asyncio.shield(self._pipes.closed), _FINAL_WAIT)
        except TimeoutError:
            self._pipes.close()
            try:
                await asyncio.wait_for(asyncio.shield(self._pipes.closed), _FINAL_WAIT)
            except TimeoutError:
                pass


PIPE_BUFFER_BYTES: Final = 1 << 20
"""Linux pipe capacity to ask for (default 64 KiB): a chatty child blocks less and devtui
reads in fewer, larger chunks. Capped by /proc/sys/fs/pipe-max-size; failure is harmless."""


def enlarge_pipe(pipe: asyncio.BaseTransport) -> None:
    """Ask Linux for a `PIPE_BUFFER_BYTES` pipe (F_SETPIPE_SZ); harmless where it fails."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    file = pipe.get_extra_info("pipe")
    if set_size is None or file is None:
        return
    try:
        fcntl.fcntl(file.fileno(), set_size, PIPE_BUFFER_BYTES)
    except (OSError, ValueError):  # ValueError: a child that exited at once closed it
        pass


async def stop_processes(
    pids: Sequence[int], grace: float, on_signal: OnSignal | None = None
) -> tuple[str, ...]:
    """Stop single processes (not a group) with the same steps as a child: SIGINT, SIGTERM
    at half the grace, SIGKILL at its end; returns `pid command` of any survivor."""
    loop = asyncio.get_running_loop()
    steps = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)
    step = grace / (len(steps) - 1)
    known = await asyncio.to_thread(started_at, pids)
    remaining = [pid for pid in known if _alive(pid)]
    for index, sig in enumerate(steps):
        if not remaining:
            return ()
        final = index == len(steps) - 1
        for pid in the_same({pid: known[pid] for pid in remaining}):
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        if on_signal is not None:
            on_signal(sig, None if final else time.time() + step * (len(steps) - 1 - index))
        deadline = loop.time() + (_FINAL_WAIT if final else step)
        while remaining and loop.time() < deadline:
            await asyncio.sleep(_POLL)
            remaining = [pid for pid in the_same({p: known[p] for p in remaining}) if _alive(pid)]
    return tuple(describe(pid) for pid in remaining if _alive(pid))


def _alive(pid: int) -> bool:
    from devtui.core.run.groups import _is_gone

    return not _is_gone(pid)
