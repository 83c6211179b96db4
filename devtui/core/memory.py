"""Memory of process trees: measure them (psutil) and follow each one's trend.

Invariant: measuring never fails because a process went away or is not ours to read
(`NoSuchProcess`, `AccessDenied`, `ZombieProcess` skip that process); a tree's RSS is the
sum over its root and every descendant, since `npx convex dev` is npx → node → esbuild and
tsc. `MemoryTrack` is pure: fed samples, it keeps the history, the peak, the growth over
the last minute, and says when a threshold is crossed (with hysteresis, so a value hovering
at the line is one crossing, not one per sample).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import psutil

from devtui.core.events import ChildMemory

MIB: Final = 1024 * 1024
HISTORY: Final = 7200
"""Samples kept per process (two hours at 1 Hz); older ones are thinned, not dropped."""
TREND_WINDOW_S: Final = 60.0
REARM: Final = 0.9
"""A threshold counts as crossed again only after the RSS fell below this share of it."""

Level = Literal["ok", "warn", "limit"]
Threshold = Literal["warn", "limit"]
_GONE: Final = (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess)


@dataclass(frozen=True, slots=True)
class TreeMemory:
    """One measurement of a process tree."""

    rss_bytes: int
    children: tuple[ChildMemory, ...]
    """The root first, then its descendants, biggest first."""


class TreeMeasurer:
    """Measures process trees; keeps each process's command between measurements."""

    def __init__(self) -> None:
        self._commands: dict[tuple[int, float], str] = {}
        self._parents = ParentScanner()

    def measure(self, roots: Mapping[str, int]) -> dict[str, TreeMemory]:
        """The memory of each named tree (blocking: run it off the event loop).

        One scan of the process table serves every tree.
        """
        parents = self._parents.scan()
        children_of: dict[int, list[int]] = {}
        for pid, parent in parents.items():
            children_of.setdefault(parent, []).append(pid)
        seen: set[tuple[int, float]] = set()
        result: dict[str, TreeMemory] = {}
        for name, root in roots.items():
            members: list[ChildMemory] = []
            stack = [root]
            visited: set[int] = set()
            while stack:
                pid = stack.pop()
                if pid in visited:
                    continue
                visited.add(pid)
                stack.extend(children_of.get(pid, ()))
                measured = self._one(pid, seen)
                if measured is not None:
                    members.append(measured)
            if members:
                rest = sorted(members[1:], key=lambda m: -m.rss_bytes)
                ordered = (members[0], *rest) if members[0].pid == root else tuple(rest)
                result[name] = TreeMemory(sum(m.rss_bytes for m in members), ordered)
        for key in set(self._commands) - seen:
            del self._commands[key]
        return result

    def _one(self, pid: int, seen: set[tuple[int, float]]) -> ChildMemory | None:
        try:
            process = psutil.Process(pid)
            with process.oneshot():
                rss = process.memory_info().rss
                key = (pid, process.create_time())
                command = self._commands.get(key)
                if command is None:
                    command = _command(process)
                    self._commands[key] = command
        except _GONE:
            return None
        seen.add(key)
        return ChildMemory(pid, command, rss)


class ParentScanner:
    """pid → parent pid for every process, kept up to date cheaply between scans.

    Invariant: on Linux only new pids are read (`/proc/PID/stat`); a pid that has gone is
    dropped. A process's parent changes only when its parent dies (it is re-parented to init
    or a subreaper), and then the dead parent's pid is gone too, so the orphan is no longer
    reachable from a root, exactly as with a fresh scan. Elsewhere psutil's full scan runs.
    """

    def __init__(self, proc: Path = Path("/proc")) -> None:
        self._proc = proc
        self._linux = proc.is_dir() and (proc / "self" / "stat").exists()
        self._parents: dict[int, int] = {}

    def scan(self) -> dict[int, int]:
        """The current parent map (blocking)."""
        if not self._linux:
            return _psutil_parent_map()
        try:
            pids = {int(entry) for entry in os.listdir(self._proc) if entry.isdigit()}
        except OSError:
            return _psutil_parent_map()
        parents = {pid: ppid for pid, ppid in self._parents.items() if pid in pids}
        for pid in pids - parents.keys():
            ppid = self._read_parent(pid)
            if ppid is not None:
                parents[pid] = ppid
        self._parents = parents
        return parents

    def _read_parent(self, pid: int) -> int | None:
        try:
            with open(self._proc / str(pid) / "stat", "rb") as handle:
                data = handle.read()
        except OSError:  # gone between the listing and the read
            return None
        # `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after
        # the last `)`.
        fields = data[data.rfind(b")") + 2 :].split()
        try:
            return int(fields[1])
        except (IndexError, ValueError):
            return None


def _psutil_parent_map() -> dict[int, int]:
    """pid → parent pid for every process (psutil's own scan, used by `children()`)."""
    ppid_map = getattr(psutil, "_ppid_map", None)
    if ppid_map is not None:
        try:
            return dict(ppid_map())
        except Exception:  # an internal of psutil changed: use the public way
            pass
    parents: dict[int, int] = {}
    for process in psutil.process_iter(["ppid"]):
        ppid = process.info.get("ppid")
        if ppid is not None:
            parents[process.pid] = ppid
    return parents


def _command(process: psutil.Process) -> str:
    try:
        words = process.cmdline()
    except _GONE:
        words = []
    text = " ".join(words) if words else process.name()
    return text if len(text) <= 120 else text[:119] + "…"


class MemoryTrack:
    """One process's memory over the session, across its restarts."""

    def __init__(self, warn_bytes: int | None, limit_bytes: int | None) -> None:
        self.warn_bytes = warn_bytes
        self.limit_bytes = limit_bytes
        self.history: deque[tuple[float, int]] = deque()
        """(time, tree RSS) samples, oldest first; thinned to `HISTORY` points."""
        self.peak_bytes = 0
        self.current_bytes = 0
        self.level: Level = "ok"
        self._armed: dict[Threshold, bool] = {"warn": True, "limit": True}
        """Whether crossing each threshold upwards counts (re-armed below `REARM` of it)."""

    def set_thresholds(self, warn_bytes: int | None, limit_bytes: int | None) -> None:
        """New thresholds (a restart with more heap raises the default warning)."""
        self.warn_bytes, self.limit_bytes = warn_bytes, limit_bytes
        self._armed = {"warn": True, "limit": True}

    def observe(self, at: float, rss_bytes: int) -> list[Threshold]:
        """Add a sample; returns the thresholds it crossed upwards (`warn`, `limit`)."""
        self.current_bytes = rss_bytes
        self.peak_bytes = max(self.peak_bytes, rss_bytes)
        self.history.append((at, rss_bytes))
        if len(self.history) > HISTORY:
            self._thin()
        crossed: list[Threshold] = []
        thresholds: tuple[tuple[Threshold, int | None], ...] = (
            ("warn", self.warn_bytes),
            ("limit", self.limit_bytes),
        )
        for level, threshold in thresholds:
            if threshold is None:
                continue
            if rss_bytes >= threshold and self._armed[level]:
                self._armed[level] = False
                crossed.append(level)
            elif rss_bytes < threshold * REARM:
                self._armed[level] = True
        self.level = self._level_of(rss_bytes)
        return crossed

    def back_under(self, level: Threshold) -> bool:
        """Whether the RSS is clearly below the `level` threshold again."""
        threshold = self.warn_bytes if level == "warn" else self.limit_bytes
        return threshold is None or self.current_bytes < threshold * REARM

    def _level_of(self, rss_bytes: int) -> Level:
        if self.limit_bytes is not None and rss_bytes >= self.limit_bytes:
            return "limit"
        if self.warn_bytes is not None and rss_bytes >= self.warn_bytes:
            return "warn"
        return "ok"

    @property
    def growth_mb_per_min(self) -> float | None:
        """RSS change over the last minute, in MiB per minute (None before 5 s of data)."""
        if not self.history:
            return None
        end_at, end_rss = self.history[-1]
        start_at, start_rss = end_at, end_rss
        for at, rss in reversed(self.history):
            if end_at - at > TREND_WINDOW_S:
                break
            start_at, start_rss = at, rss
        span = end_at - start_at
        if span < 5.0:
            return None
        return (end_rss - start_rss) / MIB / span * 60.0

    def _thin(self) -> None:
        """Halve the older half of the history (every other sample, the first one kept)."""
        points = list(self.history)
        half = len(points) // 2
        older = points[0:half:2]
        self.history = deque([*older, *points[half:]])

    def points(self, count: int) -> list[int]:
        """The history as `count` values (the maximum of each span), for a plot."""
        values = [rss for _, rss in self.history]
        if len(values) <= count or count <= 0:
            return values
        step = len(values) / count
        spans = ((int(i * step), max(int((i + 1) * step), int(i * step) + 1)) for i in range(count))
        return [max(values[start:end]) for start, end in spans]


def mib(value: int | float) -> str:
    """`312 MiB`, `1.6 GiB`."""
    megabytes = value / MIB
    if megabytes >= 1024:
        return f"{megabytes / 1024:.1f} GiB"
    return f"{megabytes:.0f} MiB"
