"""The memory sampler: every interval, each running process tree's RSS, on the bus.

Invariant: the blocking psutil work runs in a worker thread, one scan per interval for all
trees; the tracks, the events and the problem book are only touched on the event loop. A
process's track lives for the whole session (a crash keeps the history from before it).
Crossing a threshold publishes `MemoryThresholdCrossed` and records a problem (`memory-high`,
a warning, or `memory-limit`, an error); falling clearly below it resolves the problem.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Final

from devtui.core.bus import EventBus
from devtui.core.events import MemorySampled, MemoryThresholdCrossed, ProblemResolved
from devtui.core.memory.figures import (
    MemoryTrack,
    Threshold,
    Thresholds,
    TreeMeasurer,
    TreeMemory,
    mib,
)
from devtui.core.pause import Pause
from devtui.core.problems.book import Problem, ProblemBook, Severity, fingerprint
from devtui.core.problems.sightings import report_sighting

RULES: Final = {"warn": "memory-high", "limit": "memory-limit"}
"""The problem each threshold makes."""

log = logging.getLogger(__name__)


class MemoryMonitor:
    """Samples the running processes' trees until stopped."""

    def __init__(
        self,
        bus: EventBus,
        problems: ProblemBook,
        clock: Callable[[], float],
        interval: float,
        roots: Callable[[], dict[str, int]],
        thresholds: Callable[[str], Thresholds],
        on_tree: Callable[[str, int, tuple[int, ...]], None] | None = None,
    ) -> None:
        """Args:
        roots: The pid of each running process (its tree's root), by name.
        thresholds: A process's thresholds, asked at every sample (a restart with more
            heap moves the default warning).
        on_tree: Told each tree walked (name, root, every pid): the supervisor tracks the
            descendants with it.
        """
        self._bus = bus
        self._problems = problems
        self._clock = clock
        self.interval = interval
        self._roots = roots
        self._thresholds = thresholds
        self._on_tree = on_tree
        self._measurer = TreeMeasurer()
        self.tracks: dict[str, MemoryTrack] = {}
        """Each process's memory over the session."""
        self.latest: dict[str, MemorySampled] = {}
        """Each process's latest sample (its tree, process by process)."""
        self._open: dict[tuple[str, Threshold], str] = {}
        """(process, level) → fingerprint of its open threshold problem."""
        self._roots_seen: dict[str, int] = {}
        """Each process's root pid at its last sample (a new one is a new launch)."""
        self._stop = asyncio.Event()
        self._pause = Pause()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin sampling in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="devtui-memory")

    async def stop(self) -> None:
        """Stop sampling; returns once the sampler is done."""
        self._stop.set()
        self._pause.end()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    def peak_bytes(self, name: str) -> int | None:
        """The highest tree RSS `name` reached this session (None: never sampled)."""
        track = self.tracks.get(name)
        return track.peak_bytes if track is not None and track.history else None

    async def sample_once(self) -> None:
        """Measure every running tree now and publish the results."""
        roots = self._roots()
        if not roots:
            return
        trees = await asyncio.to_thread(self._measurer.measure, roots)
        at = self._clock()
        for name, tree in trees.items():
            self.observe(name, tree, at)
            if self._on_tree is not None:
                self._on_tree(name, roots[name], tuple(child.pid for child in tree.children))

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.sample_once()
            except Exception:  # a sampler fault must never take the stack down
                log.exception("memory sampling failed")
            if not self._stop.is_set():
                await self._pause.sleep(self.interval)

    # ------------------------------------------------------------------ one sample

    def observe(self, name: str, tree: TreeMemory, at: float) -> None:
        """Take one measurement of `name`'s tree: update its track, publish, check thresholds."""
        thresholds = self._thresholds(name)
        track = self.tracks.get(name)
        if track is None:
            track = self.tracks[name] = MemoryTrack(thresholds)
        elif track.thresholds != thresholds:
            track.set_thresholds(thresholds)
        root = tree.children[0].pid if tree.children else 0
        if self._roots_seen.get(name) != root:
            self._roots_seen[name] = root
            track.mark_launch(at)
        node = tree.largest_node
        crossed = track.observe(at, tree.rss_bytes, node.rss_bytes if node else None)
        sample = self.latest[name] = MemorySampled(
            name,
            tree.rss_bytes,
            tuple(child.pid for child in tree.children),
            at,
            tree.children,
            track.peak_bytes,
            track.growth_mb_per_min,
            track.level,
            track.warn_bytes,
            track.limit_bytes,
            thresholds.warn_on,
        )
        self._bus.publish(sample)
        for level in crossed:
            threshold = track.warn_in_force if level == "warn" else track.limit_bytes
            assert threshold is not None
            compared = track.compared_on if level == "warn" else "tree"
            self._bus.publish(
                MemoryThresholdCrossed(
                    name, level, track.compared_bytes[level], threshold, at, compared
                )
            )
            self._record(name, level, tree, track, threshold, at)
        for (process, level), key in list(self._open.items()):
            if process == name and track.back_under(level):
                del self._open[(process, level)]
                resolved = self._problems.resolve_fingerprint(key, at)
                if resolved is not None:
                    self._bus.publish(ProblemResolved(resolved))

    def _record(
        self,
        name: str,
        level: Threshold,
        tree: TreeMemory,
        track: MemoryTrack,
        threshold: int,
        at: float,
    ) -> None:
        rule = RULES[level]
        growth = track.growth_mb_per_min
        trend = f", growing {growth:+.0f} MiB/min" if growth is not None else ""
        which = "warning threshold" if level == "warn" else "limit"
        setting = "memory_warn_mb" if level == "warn" else "memory_limit_mb"
        source = track.thresholds.warn_source if level == "warn" else setting
        if level == "warn" and track.thresholds.warn_on != track.compared_on:
            source = "no Node process to hold to its heap limit; the tree's default"
        node = tree.largest_node
        count = len(tree.children)
        if level == "warn" and track.compared_on == "node" and node is not None:
            what = f"its Node process {node.pid} (`{node.command}`)"
            held = node.rss_bytes
        else:
            what = f"its process tree ({count} process{'es' if count != 1 else ''})"
            held = tree.rss_bytes
        biggest = max(tree.children, key=lambda child: child.rss_bytes)
        problem = Problem(
            rule=rule,
            severity=Severity.WARNING if level == "warn" else Severity.ERROR,
            title="Memory above the warning threshold" if level == "warn" else "Memory limit",
            message=f"{what} holds {mib(held)}, above its {which} of "  # (its process says whose)
            f"{mib(threshold)} ({source}){trend}",
            process=name,
            fingerprint=fingerprint(rule, [name]),
            first_seen=at,
            last_seen=at,
            symbol=name,
            explanation=f"The whole process tree of {name} ({count} processes) holds "
            f"{mib(tree.rss_bytes)}; its biggest process is `{biggest.command}` "
            f"({mib(biggest.rss_bytes)}). A Node process that keeps growing ends with "
            "'JavaScript heap out of memory'.",
            fix=f"If it keeps growing, give Node more heap (env = "
            f'{{ NODE_OPTIONS = "--max-old-space-size=8192" }} for {name} in devtui.toml, or '
            f'on_oom = "restart-with-more-heap" to have devtui raise it when it runs out) '
            f"and look for what grows. `{setting}` sets a threshold "
            f"for the whole tree instead (now: {source}).",
            docs="https://nodejs.org/api/cli.html#--max-old-space-sizesize-in-mib",
            sources=("memory",),
        )
        stored = report_sighting(self._problems, self._bus, problem)
        self._open[(name, level)] = stored.fingerprint
