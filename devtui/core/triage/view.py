"""Which lines a session view shows: processes, stream, level, time window, filter terms.

Invariant: every criterion is a mask of one byte per line; masks are combined with
big-integer AND (C speed) and turned into line numbers once, so narrowing a million-line
session costs tens of milliseconds plus one regex scan per filter term.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress
from typing import Final, Literal

from devtui.core.query import FilterQuery
from devtui.core.triage.index import SessionIndex
from devtui.core.triage.records import EventRecord
from devtui.core.triage.search import matching_lines

Window = Literal["all", "since-ready", "this-push", "last-5-minutes"]
WINDOWS: Final[tuple[Window, ...]] = ("all", "since-ready", "this-push", "last-5-minutes")
WINDOW_LABELS: Final = {
    "all": "whole session",
    "since-ready": "since last ready",
    "this-push": "this push",
    "last-5-minutes": "last 5 minutes",
}
_FLIP: Final = bytes([1, 0]) + bytes(254)
"""Translation table turning a 0/1 mask into its complement."""


@dataclass(frozen=True, slots=True)
class ViewSpec:
    """What the session view shows; the default shows everything."""

    processes: frozenset[str] | None = None
    """Only these processes (None: all)."""
    stream: Literal["stdout", "stderr"] | None = None
    min_level: int = 0
    """0 every line; `WARNING` warnings and errors; `ERROR` errors only."""
    window: Window = "all"
    filter: FilterQuery | None = None

    @property
    def is_everything(self) -> bool:
        return self == ViewSpec()


def window_start(index: SessionIndex, records: list[EventRecord], window: Window) -> int:
    """The first line number inside `window`."""
    if window == "since-ready" or window == "this-push":
        wanted = "ready" if window == "since-ready" else "pushing"
        for event in reversed(records):
            if event.kind == "state" and event.text("state") == wanted:
                return index.line_at_offset(event.offset)
        return 0
    if window == "last-5-minutes" and index.indexed:
        return index.first_line_after(index.times[index.indexed - 1] - 300.0)
    return 0


def view_lines(
    index: SessionIndex,
    records: list[EventRecord],
    spec: ViewSpec,
    cancel: threading.Event | None = None,
    *,
    first: int = 0,
    masks_too: Sequence[bytes] = (),
) -> array[int]:
    """The line numbers `spec` lets through, in order (raises `Cancelled` if cancelled):
    from line `first` on, and only lines every one of `masks_too` (0/1 per line) keeps.
    Masks are combined as big integers and the survivors taken by `compress`: no Python
    work per line."""
    total = index.indexed
    start = max(first, window_start(index, records, spec.window))
    if spec == ViewSpec(window=spec.window) and not masks_too:  # only the window narrows
        return array("I", range(start, total))
    masks: list[bytes] = list(masks_too)
    if spec.processes is not None:
        table = bytearray(256)
        for name in spec.processes:
            number = index.process_number(name)
            if number is not None:
                table[number] = 1
        masks.append(bytes(index.process_ids[:total]).translate(table))
    if spec.stream is not None:
        streams = bytes(index.streams[:total])
        masks.append(streams if spec.stream == "stderr" else streams.translate(_FLIP))
    if spec.min_level:
        at_least = bytes(1 if level >= spec.min_level else 0 for level in range(256))
        masks.append(bytes(index.levels[:total]).translate(at_least))
    if spec.filter is not None:
        for pattern in spec.filter.include:
            masks.append(bytes(matching_lines(index, pattern, cancel)[:total]))
        for pattern in spec.filter.exclude:
            masks.append(bytes(matching_lines(index, pattern, cancel)[:total]).translate(_FLIP))
    combined = _all_of(masks, total)
    return array("I", compress(range(start, total), combined[start:]))


def _all_of(masks: list[bytes], size: int) -> bytes:
    """The AND of 0/1 masks of `size` bytes."""
    if not masks:
        return b"\x01" * size
    value = int.from_bytes(masks[0].ljust(size, b"\x00"), "little")
    for mask in masks[1:]:
        value &= int.from_bytes(mask.ljust(size, b"\x00"), "little")
    return value.to_bytes(size, "little")
