"""Memory of process trees: measure them (psutil) and follow each one's trend.

Invariant: measuring never fails because a process went away or is not ours to read
(`NoSuchProcess`, `AccessDenied`, `ZombieProcess` skip that process); a tree's RSS is the
sum over its root and every descendant, since `npx convex dev` is npx → node → esbuild and
tsc. `MemoryTrack` is pure: fed samples, it keeps the history, the peak and a trend, and says
when a threshold is crossed (with hysteresis, so a value hovering at the line is one
crossing, not one per sample). A threshold says what it compares: a Node heap limit is
compared with the Node process it limits (plus what Node holds outside its heap), never
with the whole tree. A trend is reported only when it is real: after start-up settled,
over enough samples, and a line that fits them.
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
"""The trend is the slope over at most the last minute."""
TREND_SETTLE_S: Final = 30.0
"""Samples this soon after a launch are start-up (npx, node, the first push's esbuild
coming up), not a trend."""
TREND_MIN_SPAN_S: Final = 30.0
TREND_MIN_SAMPLES: Final = 10
TREND_MIN_FIT: Final = 0.6
"""A slope counts only when a straight line explains this share of the variation (R²):
a flat line with noise, or one jump, is not a trend."""
TREND_MIN_MB_PER_MIN: Final = 2.0
"""Slower than this is flat."""
REARM: Final = 0.9
"""A threshold counts as crossed again only after the RSS fell below this share of it."""
NODE_NAMES: Final = frozenset({"node", "nodejs"})
"""Executable names of Node.js (npx and npm run as node too)."""

Level = Literal["ok", "warn", "limit"]
Threshold = Literal["warn", "limit"]
Compared = Literal["tree", "node"]
_GONE: Final = (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A process's memory thresholds, and what each compares."""

    warn_bytes: int | None
    limit_bytes: int | None = None
    warn_on: Compared = "tree"
    """`tree`: the tree's RSS; `node`: the RSS of its largest Node process (a heap limit
    applies to each Node process on its own)."""
    warn_source: str = ""
    """Where the warning comes from, in words (for messages)."""
    tree_warn_bytes: int | None = None
    """With `warn_on = "node"`: the tree's warning while no Node process is found in it
    (a heap limit limits nothing then, and a warning must still be possible)."""


@dataclass(frozen=True, slots=True)
class TreeMemory:
    """One measurement of a process tree."""

    rss_bytes: int
    children: tuple[ChildMemory, ...]
    """The root first, then its descendants, biggest first."""

    @property
    def largest_node(self) -> ChildMemory | None:
        """The Node process holding the most memory, if the tree has one."""
        nodes = [child for child in self.children if child.node]
        return max(nodes, key=lambda child: child.rss_bytes) if nodes else None


class TreeMeasurer:
    """Measures process trees; keeps each process's command between measurements."""

    def __init__(self) -> None:
        self._commands: dict[tuple[int, float], tuple[str, bool]] = {}
        """(pid, start time) → (command, is it Node), read once per process."""
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
                known = self._commands.get(key)
                if known is None:
                    known = self._commands[key] = (_command(process), _is_node(process))
        except _GONE:
            return None
        seen.add(key)
        return ChildMemory(pid, known[0], rss, known[1])


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


def _is_node(process: psutil.Process) -> bool:
    """Whether `process` runs Node.js (its executable; `npm exec` renames its title)."""
    try:
        executable = process.exe()
    except _GONE:
        executable = ""
    name = os.path.basename(executable) if executable else process.name()
    return name in NODE_NAMES


def _command(process: psutil.Process) -> str:
    try:
        words = process.cmdline()
    except _GONE:
        words = []
    text = " ".join(words) if words else process.name()
    return text if len(text) <= 120 else text[:119] + "…"


class MemoryTrack:
    """One process's memory over the session, across its restarts."""

    def __init__(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds
        self.history: deque[tuple[float, int]] = deque()
        """(time, tree RSS) samples, oldest first; thinned to `HISTORY` points."""
        self.peak_bytes = 0
        self.current_bytes = 0
        self.compared_bytes: dict[Threshold, int] = {"warn": 0, "limit": 0}
        """What each threshold was last compared with."""
        self.compared_on: Compared = thresholds.warn_on
        """What the warning last compared: a Node process, or the tree (no Node process
        found, or a tree threshold)."""
        self._warn_now: int | None = thresholds.warn_bytes
        """The warning threshold in force for what `compared_on` names."""
        self.level: Level = "ok"
        self.launched_at: float | None = None
        """When the current launch began (the trend ignores start-up)."""
        self._armed: dict[Threshold, bool] = {"warn": True, "limit": True}
        """Whether crossing each threshold upwards counts (re-armed below `REARM` of it)."""

    @property
    def warn_bytes(self) -> int | None:
        return self.thresholds.warn_bytes

    @property
    def limit_bytes(self) -> int | None:
        return self.thresholds.limit_bytes

    def set_thresholds(self, thresholds: Thresholds) -> None:
        """New thresholds (a restart with more heap raises the default warning)."""
        self.thresholds = thresholds
        self._armed = {"warn": True, "limit": True}
        self.compared_on = thresholds.warn_on
        self._warn_now = thresholds.warn_bytes

    def mark_launch(self, at: float) -> None:
        """A new launch began: its start-up is not part of a trend."""
        self.launched_at = at

    def observe(
        self, at: float, rss_bytes: int, node_rss_bytes: int | None = None
    ) -> list[Threshold]:
        """Add a sample of the tree (and of its largest Node process); returns the
        thresholds it crossed upwards (`warn`, `limit`)."""
        self.current_bytes = rss_bytes
        self.peak_bytes = max(self.peak_bytes, rss_bytes)
        self.history.append((at, rss_bytes))
        if len(self.history) > HISTORY:
            self._thin()
        on_node = self.thresholds.warn_on == "node" and node_rss_bytes is not None
        compared_on: Compared = "node" if on_node else "tree"
        if compared_on != self.compared_on:  # a Node process appeared or went: start over
            self._armed["warn"] = True
        self.compared_on = compared_on
        self._warn_now = (
            self.thresholds.warn_bytes
            if on_node or self.thresholds.warn_on == "tree"
            else self.thresholds.tree_warn_bytes
        )
        self.compared_bytes = {
            "warn": node_rss_bytes if on_node and node_rss_bytes is not None else rss_bytes,
            "limit": rss_bytes,
        }
        crossed: list[Threshold] = []
        for level in ("warn", "limit"):
            threshold = self._warn_now if level == "warn" else self.limit_bytes
            if threshold is None:
                continue
            value = self.compared_bytes[level]
            if value >= threshold and self._armed[level]:
                self._armed[level] = False
                crossed.append(level)
            elif value < threshold * REARM:
                self._armed[level] = True
        self.level = self._level()
        return crossed

    def back_under(self, level: Threshold) -> bool:
        """Whether what `level` compares is clearly below its threshold again."""
        threshold = self._warn_now if level == "warn" else self.limit_bytes
        return threshold is None or self.compared_bytes[level] < threshold * REARM

    @property
    def warn_in_force(self) -> int | None:
        """The warning threshold the last sample was compared with."""
        return self._warn_now

    def _level(self) -> Level:
        if self.limit_bytes is not None and self.compared_bytes["limit"] >= self.limit_bytes:
            return "limit"
        if self._warn_now is not None and self.compared_bytes["warn"] >= self._warn_now:
            return "warn"
        return "ok"

    @property
    def growth_mb_per_min(self) -> float | None:
        """The tree's RSS trend in MiB per minute, or None when there is none to speak of.

        The slope of a least-squares line over the last minute of samples taken after
        start-up settled (`TREND_SETTLE_S` after the launch), given at least
        `TREND_MIN_SAMPLES` samples spanning `TREND_MIN_SPAN_S`, a line that fits them
        (R² of `TREND_MIN_FIT`), and a slope of `TREND_MIN_MB_PER_MIN` or more that both
        halves of the window share (one jump is not a trend).
        """
        if not self.history:
            return None
        end_at = self.history[-1][0]
        since = end_at - TREND_WINDOW_S
        if self.launched_at is not None:
            since = max(since, self.launched_at + TREND_SETTLE_S)
        points: list[tuple[float, float]] = []
        for at, rss in reversed(self.history):
            if at < since:
                break
            points.append((at, rss / MIB))
        if len(points) < TREND_MIN_SAMPLES or points[0][0] - points[-1][0] < TREND_MIN_SPAN_S:
            return None
        points.reverse()
        slope, fit = _line(points)
        per_minute = slope * 60.0
        if fit < TREND_MIN_FIT or abs(per_minute) < TREND_MIN_MB_PER_MIN:
            return None
        half = len(points) // 2
        for part in (points[:half], points[half:]):  # sustained: both halves move so
            part_slope, _ = _line(part)
            if part_slope * slope <= 0 or abs(part_slope * 60.0) < TREND_MIN_MB_PER_MIN / 2:
                return None
        return per_minute

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


def _line(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The least-squares slope of (x, y) points, and R², how much of the variation it
    explains (1.0 for a perfectly flat line, which then has no slope to speak of)."""
    count = len(points)
    mean_x = sum(x for x, _ in points) / count
    mean_y = sum(y for _, y in points) / count
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    syy = sum((y - mean_y) ** 2 for _, y in points)
    if sxx == 0:
        return 0.0, 0.0
    slope = sxy / sxx
    fit = (sxy * sxy) / (sxx * syy) if syy > 0 else 1.0
    return slope, fit


def mib(value: int | float) -> str:
    """`312 MiB`, `1.6 GiB`."""
    megabytes = value / MIB
    if megabytes >= 1024:
        return f"{megabytes / 1024:.1f} GiB"
    return f"{megabytes:.0f} MiB"
