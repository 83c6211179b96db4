"""Every process a supervised child ever started, wherever it went: found and stopped.

Invariant: nothing a child starts escapes devtui, whatever it does to detach: a grandchild
that calls `setsid()`, a double-forked daemon, `nohup … &` in a wrapper script. Three nets,
each catching what the others may miss:

- **Ownership mark**: every child is started with `DEVTUI_OWNER=<run>:<process>` in its
  environment, which every descendant inherits; `/proc/PID/environ` (psutil's reading of
  it on macOS) tells whose each process is, even one re-parented to init long ago.
  What devtui (or a library: `webbrowser`) starts for itself inherits `DEVTUI_HELPER`
  from devtui's own environment instead, so a child of devtui's with neither mark is an
  orphan of the stack that wiped its environment (`env -i`): the stack's too.
- **Subreaper** (Linux, `prctl(PR_SET_CHILD_SUBREAPER)`): orphans re-parent to devtui, not
  to init, so their exit is collected here and none is lost to init while devtui runs.
- **Tracked set** (everywhere; all there is where marks cannot be read): the descendants
  seen in the process tree while their ancestors lived (the memory sampler's walks, or a
  walk every second when sampling is off), each with its start time so a reused pid is
  never mistaken for one of ours.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Final

OWNER_VAR: Final = "DEVTUI_OWNER"
"""The environment variable that marks a process (and its descendants) as one of ours."""
HELPER_VAR: Final = "DEVTUI_HELPER"
"""Set to devtui's pid in its own environment: what devtui starts for itself inherits it."""
UNMARKED: Final = "(unmarked)"
"""Where orphans of the stack that carry no mark (they wiped their environment) are kept."""
PR_SET_CHILD_SUBREAPER: Final = 36
PROC: Final = Path("/proc")
ORPHAN_CHECK_S: Final = 0.5
"""How often devtui's own children are checked for orphans of ours at most."""


def become_subreaper() -> bool:
    """Make this process the subreaper of its descendants (Linux); False where impossible."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # imported on first use: only a supervisor needs it (faster start)

    try:
        # The running program's own symbols hold libc's (`find_library` would run
        # `ldconfig -p` in a child to find it: a fork of all of devtui at start-up).
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _start_time(pid: int) -> float | None:
    """When `pid` started (psutil's create time), or None if it is gone."""
    import psutil

    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def _alive(pid: int) -> bool:
    """Running (not a zombie, not gone)."""
    try:
        with open(PROC / str(pid) / "stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return _alive_by_psutil(pid)
    state = data[data.rfind(b")") + 2 : data.rfind(b")") + 3]
    return state not in (b"Z", b"X", b"")


def _alive_by_psutil(pid: int) -> bool:
    import psutil

    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


class Descendants:
    """The descendants of one devtui run's children, by the process they belong to."""

    def __init__(self, *, marks: bool = True, subreaper: bool = True) -> None:
        """Args:
        marks: Look for the ownership mark in `/proc` (Linux). Off: the tracked set alone,
            as on a system without `/proc` (a test of that fallback turns it off).
        subreaper: Become the subreaper of every descendant (Linux).
        """
        self.run = f"{os.getpid()}-{time.time_ns()}"
        """This run's part of the mark: no other devtui's children carry it."""
        self.marks = marks
        self.subreaper = subreaper and become_subreaper()
        """Whether orphans re-parent to devtui."""
        self._tracked: dict[str, dict[int, float]] = {}
        """process → {pid: start time} of every descendant seen."""
        self._lock = threading.Lock()
        """`tracked` runs in worker threads while the loop remembers new descendants."""
        self._adopted: set[int] = set()
        """Orphans of ours devtui became the parent of (to reap once they die)."""
        self._orphans_checked = -ORPHAN_CHECK_S
        self._leaders_seen: set[int] = set()
        """Every child devtui started for the stack (never reaped here)."""
        if self.marks and self.subreaper:
            helper_environment()
        LIVE_RUNS.add(self)

    def mark(self, process: str) -> str:
        """The `DEVTUI_OWNER` value for a child of `process`."""
        return f"{self.run}:{process}"

    # ------------------------------------------------------------------ tracking

    def remember(self, process: str, pids: Iterable[int], root: int | None = None) -> None:
        """Note descendants of `process` seen now (its root itself is left out)."""
        with self._lock:
            known = dict(self._tracked.get(process, {}))
        for pid in pids:
            if pid != root and pid not in known:
                started = _start_time(pid)
                if started is not None:
                    known[pid] = started
        with self._lock:
            self._tracked.setdefault(process, {}).update(known)

    def tracked(self, process: str) -> set[int]:
        """The descendants of `process` seen once and still alive (the same processes:
        a pid since reused by another is dropped)."""
        with self._lock:
            known = dict(self._tracked.get(process, {}))
        alive: set[int] = set()
        gone: list[int] = []
        for pid, started in known.items():
            now = _start_time(pid)
            same = now is not None and abs(now - started) <= 0.01
            if same and _alive(pid):
                alive.add(pid)
                continue
            gone.append(pid)
            if same:  # a zombie: if devtui is its parent (the subreaper's), collect it
                self._reap_orphan(pid)
        with self._lock:
            current = self._tracked.get(process, {})
            for pid in gone:
                current.pop(pid, None)
        return alive

    # ------------------------------------------------------------------ finding

    def all_living(self) -> dict[int, str]:
        """Every living process of this run, for any process ever tracked."""
        with self._lock:
            names = list(self._tracked)
        return self.everything(names)

    def owned(self, process: str | None = None) -> dict[int, str]:
        """Living processes marked as `process`'s (any of this run's with None): pid →
        the process it belongs to. Empty where marks are not read."""
        if not self.marks:
            return {}
        if not PROC.is_dir():
            return self._owned_by_psutil(process)
        wanted = f"{OWNER_VAR}={self.run}:".encode()
        exact = f"{OWNER_VAR}={self.mark(process)}".encode() if process is not None else None
        me = os.getpid()
        found: dict[int, str] = {}
        try:
            entries = os.listdir(PROC)
        except OSError:
            return found
        for entry in entries:
            if not entry.isdigit() or int(entry) == me:
                continue
            try:
                with open(PROC / entry / "environ", "rb") as handle:
                    environ = handle.read()
            except OSError:
                continue
            at = environ.find(wanted)
            if at < 0 or not (at == 0 or environ[at - 1] == 0):
                continue
            end = environ.find(b"\0", at)
            value = environ[at : end if end >= 0 else len(environ)]
            if exact is not None and value != exact:
                continue
            if _alive(int(entry)):
                found[int(entry)] = value.split(b":", 1)[1].decode(errors="replace")
        return found

    def _owned_by_psutil(self, process: str | None) -> dict[int, str]:
        """`owned` without `/proc` (macOS): psutil reads each environment (slower; a
        process whose environment cannot be read is left to the tracked set)."""
        import psutil

        me, prefix = os.getpid(), f"{self.run}:"
        found: dict[int, str] = {}
        for candidate in psutil.process_iter():
            if candidate.pid == me:
                continue
            try:
                value = candidate.environ().get(OWNER_VAR, "")
                alive = candidate.status() != psutil.STATUS_ZOMBIE
            except (psutil.Error, OSError):
                continue
            if value.startswith(prefix) and alive:
                owner = value[len(prefix) :]
                if process is None or owner == process:
                    found[candidate.pid] = owner
        return found

    def of(self, process: str) -> set[int]:
        """Every living descendant of `process` that devtui knows of, by either net."""
        return set(self.owned(process)) | self.tracked(process)

    def everything(self, processes: Iterable[str]) -> dict[int, str]:
        """Every living process of this run: pid → the process it belongs to."""
        found = dict(self.owned())
        for pid, process in found.items():  # tracked too: collected when it dies
            self.remember(process, (pid,))
        for process in processes:
            for pid in self.tracked(process):
                found.setdefault(pid, process)
        return found

    # ------------------------------------------------------------------ reaping

    def note_leader(self, pid: int) -> None:
        """A child devtui started itself: never taken for an orphan, never reaped here
        (its `ChildPipes` reaps it)."""
        self._leaders_seen.add(pid)

    def watch_orphans(self, leaders: Iterable[int], *, force: bool = False) -> None:
        """Remember the orphans of ours that now have devtui as their parent (the
        subreaper's), so they are stopped at the end and their exit is collected when
        they die; at most twice a second unless `force`d.

        A child of devtui is one of three things: a process devtui started for the stack
        (marked with its process; `leaders`), one devtui or a library started for itself
        (the log writer, an editor, a browser: every such one inherits `HELPER_VAR` from
        devtui's own environment), or an orphan of the stack. So one carrying neither
        mark (it wiped its environment: `env -i`) is an orphan of the stack too, kept
        under `UNMARKED`. The caller must not force this while a child is being spawned
        (it has no pid to name as a leader yet)."""
        if not (self.subreaper and self.marks) or not PROC.is_dir():
            return
        now = time.monotonic()
        if not force and now - self._orphans_checked < ORPHAN_CHECK_S:
            return
        self._orphans_checked = now
        with self._lock:
            known = {pid for pids in self._tracked.values() for pid in pids}
        me = str(os.getpid()).encode()
        for pid in _my_children() - set(leaders) - self._leaders_seen - known:
            environ = _environ(pid)
            if environ is not None and f"{HELPER_VAR}=".encode() + me in environ:
                continue  # devtui's own helper
            owner = self._owner_in(environ) if environ is not None else None
            self.remember(owner if owner is not None else UNMARKED, (pid,))

    def _owner(self, pid: int) -> str | None:
        """The process of this run that `pid` is marked as belonging to, if any."""
        environ = _environ(pid)
        return self._owner_in(environ) if environ is not None else None

    def _owner_in(self, environ: list[bytes]) -> str | None:
        prefix = f"{OWNER_VAR}={self.run}:".encode()
        for item in environ:
            if item.startswith(prefix):
                return item[len(prefix) :].decode(errors="replace")
        return None

    def adopt(self, pids: Iterable[int], leaders: Iterable[int]) -> None:
        """Note orphans of ours that devtui now parents (the subreaper's), to reap them once
        they die. The children devtui started itself (`leaders`) are asyncio's to reap."""
        if not self.subreaper:
            return
        me, leading = os.getpid(), set(leaders)
        for pid in pids:
            if pid in leading or pid in self._adopted:
                continue
            if _parent(pid) == me:
                self._adopted.add(pid)

    def reap(self) -> None:
        """Collect the exit of orphans of ours that died with devtui as their parent (the
        subreaper's), so no zombie of ours lingers through a long session."""
        for pid in list(self._adopted):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                self._adopted.discard(pid)
                continue
            if done:
                self._adopted.discard(pid)
        with self._lock:
            names = list(self._tracked)
        for name in names:
            self.tracked(name)  # drops the dead, collecting orphaned zombies on the way

    def _reap_orphan(self, pid: int) -> None:
        """waitpid a tracked descendant that died as devtui's child. Only pids tracked as
        descendants (never a child devtui started itself, which its `ChildPipes` or
        `subprocess` reaps) with the start time seen get here."""
        if not self.subreaper or pid in self._leaders_seen or _parent(pid) != os.getpid():
            return
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        self._adopted.discard(pid)

    def kill_all(self, groups: Iterable[int] = ()) -> dict[str, list[str]]:
        """SIGKILL every living process of this run now; synchronous, needs no event loop
        (a second Ctrl-C; the CLI's safety net when the loop itself died).

        Returns:
            By process, `pid command` of each one killed outside `groups` (the process
            groups and sessions the caller kills itself), so it can name them.
        """
        from devtui.core.run.groups import describe

        leaders = set(groups)
        killed: dict[str, list[str]] = {}
        for pid, process in sorted(self.all_living().items()):
            try:
                inside = os.getpgid(pid) in leaders or os.getsid(pid) in leaders
                described = describe(pid)
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                continue
            if not inside:
                killed.setdefault(process, []).append(described)
        return killed


def _environ(pid: int) -> list[bytes] | None:
    """`pid`'s environment entries, or None when it cannot be read (gone, not ours)."""
    try:
        with open(PROC / str(pid) / "environ", "rb") as handle:
            return handle.read().split(b"\0")
    except OSError:
        return None


def helper_environment() -> None:
    """Mark devtui's own environment, so everything devtui or a library starts for
    itself (the log writer, an editor, a browser) is known as a helper, never taken for
    an orphan of the stack. The stack's children get it removed (`stack_environment`)."""
    os.environ[HELPER_VAR] = str(os.getpid())


def stack_environment(env: dict[str, str], mark: str) -> dict[str, str]:
    """`env` for a child of the stack: its ownership mark, and no helper mark."""
    env.pop(HELPER_VAR, None)
    env[OWNER_VAR] = mark
    return env


def _my_children() -> set[int]:
    """This process's direct children (every thread's): from /proc where the kernel lists
    them, else psutil's walk of every process."""
    found: set[int] = set()
    try:
        tasks = os.listdir(PROC / "self" / "task")
        for task in tasks:
            text = (PROC / "self" / "task" / task / "children").read_text()
            found.update(int(pid) for pid in text.split())
    except FileNotFoundError:  # a kernel without CONFIG_PROC_CHILDREN
        import psutil

        return {child.pid for child in psutil.Process().children()}
    except (OSError, ValueError):
        pass  # a thread that ended meanwhile: the others were read
    return found


def _parent(pid: int) -> int | None:
    """The parent pid of `pid`, or None."""
    try:
        with open(PROC / str(pid) / "stat", "rb") as handle:
            data = handle.read()
        return int(data[data.rfind(b")") + 2 :].split()[1])
    except (OSError, ValueError, IndexError):
        return None


LIVE_RUNS: weakref.WeakSet[Descendants] = weakref.WeakSet()
"""Every `Descendants` of this devtui process (the CLI's safety net reads it)."""


def kill_all_runs() -> list[str]:
    """SIGKILL every living descendant of every run in this process (see `kill_all`);
    returns `pid command (process)` of each."""
    return [
        f"{described} ({process})"
        for run in list(LIVE_RUNS)
        for process, killed in run.kill_all().items()
        for described in killed
    ]
