"""Process groups: signal a whole group, find what of it is still alive, kill what is left.

Invariant: nothing here raises because a process vanished or is not ours (ESRCH, EPERM,
psutil's NoSuchProcess / AccessDenied are all "gone or untouchable"). The registry of live
groups lets the CLI kill every group synchronously if the event loop itself dies.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable


def signal_group(pgid: int, sig: signal.Signals, extra_pids: Iterable[int] = ()) -> None:
    """Send `sig` to process group `pgid` and to `extra_pids` (descendants that left it)."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
    for pid in extra_pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def descendants(pid: int) -> set[int]:
    """The pids of all living descendants of `pid` (empty if it is gone)."""
    import psutil  # imported on first use: only stopping needs it (faster start)

    try:
        return {child.pid for child in psutil.Process(pid).children(recursive=True)}
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return set()


def started_at(pids: Iterable[int]) -> dict[int, float]:
    """pid → start time, for those of `pids` alive now: what identifies a process, where a
    pid alone may be reused by another once it died."""
    import psutil

    found: dict[int, float] = {}
    for pid in pids:
        try:
            found[pid] = float(psutil.Process(pid).create_time())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def the_same(known: dict[int, float]) -> list[int]:
    """Those of `known` still the same processes (same start time): a pid that died and
    was reused since is left out, so a signal never reaches a stranger."""
    import psutil

    same = []
    for pid, started in known.items():
        try:
            if abs(float(psutil.Process(pid).create_time()) - started) <= 0.01:
                same.append(pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return same


def _is_gone(pid: int) -> bool:
    import psutil  # imported on first use: only stopping needs it (faster start)

    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return True


def group_members(pgid: int, also: Iterable[int] = ()) -> list[int]:
    """Living (non-zombie) processes in group or session `pgid`, plus those of `also` alive.

    A child started with `start_new_session=True` leads a session and a group whose ids
    equal its pid; its descendants stay in one or both unless they detach on purpose, and
    `also` covers those (a descendants snapshot taken while the leader was alive).
    """
    me = os.getpid()
    found: set[int] = set()
    import psutil

    for pid in psutil.pids():
        if pid == me:
            continue
        try:
            if os.getpgid(pid) == pgid or os.getsid(pid) == pgid:
                found.add(pid)
        except (ProcessLookupError, PermissionError, OSError):
            continue
    found.update(also)
    return sorted(pid for pid in found if pid != me and not _is_gone(pid))


def describe(pid: int) -> str:
    """`pid command line` for a message naming a survivor."""
    import psutil  # imported on first use: only stopping needs it (faster start)

    try:
        process = psutil.Process(pid)
        command = " ".join(process.cmdline()) or process.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        command = "?"
    return f"{pid} {command}"


class GroupRegistry:
    """The process groups devtui started and has not yet seen die, for the last-resort kill."""

    def __init__(self) -> None:
        self._groups: set[int] = set()

    def add(self, pgid: int) -> None:
        """Record a newly started group."""
        self._groups.add(pgid)

    def discard(self, pgid: int) -> None:
        """Forget a group once nothing of it is alive."""
        self._groups.discard(pgid)

    @property
    def live(self) -> frozenset[int]:
        """The recorded groups."""
        return frozenset(self._groups)

    def kill_all(self) -> list[int]:
        """SIGKILL every recorded group now; synchronous, needs no event loop.

        Returns:
            The groups that still had a living member (an orderly shutdown leaves none).
        """
        alive = []
        for pgid in sorted(self._groups):
            try:
                os.killpg(pgid, 0)
            except (ProcessLookupError, PermissionError):
                continue
            alive.append(pgid)
            signal_group(pgid, signal.SIGKILL)
        self._groups.clear()
        return alive


LIVE_GROUPS = GroupRegistry()
"""Every group any supervisor in this process started (the CLI's safety net reads it)."""
