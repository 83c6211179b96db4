"""Decide from a process's output when it is ready, what URL it serves, and (Convex) where
it is in its push cycle.

Invariant: pure (no I/O, no clock). `OutputWatcher.scan` sees every line of a launch in
order and reports each signal with the index of the line that caused it, so the supervisor
can publish the line before the state change it triggers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from devtui.core.events import Stream
from devtui.core.problems.patterns import TextPattern
from devtui.core.run.convex import PushCycle, SignalKind

DEFAULT_CONVEX_READY: Final = "Convex functions ready!"


@dataclass(frozen=True, slots=True)
class ReadySignal:
    """Something a line told us about the process."""

    kind: SignalKind | Literal["url"]
    """`ready`, `url`, or (Convex) a step of the push cycle (see `PushSignal.kind`)."""
    index: int
    """Index, in the scanned chunk, of the line that caused it."""
    duration_s: float | None = None
    """For a Convex `ready`: the push duration the CLI printed."""
    value: str = ""
    """For `url`: the URL; for a push-cycle step, what `PushSignal.value` says (for
    `push-failed`: the error line)."""


class OutputWatcher:
    """Watches one launch's output for readiness, the URL and the Convex push cycle."""

    def __init__(
        self,
        ready: TextPattern | None,
        ready_streams: frozenset[Stream],
        url: TextPattern | None,
        convex: bool,
    ) -> None:
        self._ready = ready
        self._ready_streams = ready_streams
        self._url = url
        self._push_cycle = (
            PushCycle(ready or re.compile(re.escape(DEFAULT_CONVEX_READY))) if convex else None
        )
        self._custom_ready = convex and ready is not None and ready.pattern != DEFAULT_CONVEX_READY
        self.ready_seen = ready is None and not convex
        """Whether this launch has become ready (a process without a pattern is at once)."""
        self.url_seen = url is None
        """Whether the URL was found (or there is no `url` pattern)."""

    @property
    def waiting_for(self) -> str:
        """The pattern readiness waits for, for messages."""
        if self._ready is not None:
            return self._ready.pattern
        return DEFAULT_CONVEX_READY if self._push_cycle else "(nothing: ready when started)"

    @property
    def idle(self) -> bool:
        """True when no further line can produce a signal (lets callers skip scanning)."""
        return self._push_cycle is None and self.ready_seen and self.url_seen

    def scan(self, texts: Sequence[str], stream: Stream) -> list[ReadySignal]:
        """Feed one chunk's ANSI-stripped lines, in order; return their signals, in order."""
        if self.idle:
            return []
        signals: list[ReadySignal] = []
        may_be_ready = stream in self._ready_streams
        cycle = self._push_cycle
        if cycle is not None:
            signals += self._scan_push_cycle(cycle, texts, may_be_ready)
        elif not self.ready_seen and may_be_ready:
            assert self._ready is not None
            for index, text in enumerate(texts):
                if self._ready.search(text):
                    self.ready_seen = True
                    signals.append(ReadySignal("ready", index))
                    break
        if not self.url_seen:
            assert self._url is not None
            for index, text in enumerate(texts):
                match = self._url.search(text)
                if match:
                    self.url_seen = True
                    url = match.group(1) if match.groups() else match.group(0)
                    signals.append(ReadySignal("url", index, value=url))
                    break
        signals.sort(key=lambda signal: signal.index)
        return signals

    def _scan_push_cycle(
        self, cycle: PushCycle, texts: Sequence[str], may_be_ready: bool
    ) -> list[ReadySignal]:
        custom = self._custom_ready
        # One check over the whole chunk skips the common case: function logs, nothing else.
        if not (custom or cycle.might_matter("\n".join(texts))):
            return []
        signals: list[ReadySignal] = []
        for index, text in enumerate(texts):
            if custom or cycle.might_matter(text):
                step = cycle.observe(text, may_be_ready)
                if step is not None:
                    if step.kind == "ready":
                        self.ready_seen = True
                    signals.append(
                        ReadySignal(step.kind, index, step.duration_s, step.value or text)
                    )
        return signals
