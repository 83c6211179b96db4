"""Durations and clock times written for people, shared by every front end.

Invariant: pure functions; the TUI, the headless printer and the summaries format times
the same way.
"""

from __future__ import annotations

import time


def format_seconds(seconds: float) -> str:
    """A duration for people: `891ms`, `1.2 s`, `21 s`, `1 min 30 s`."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def clock_time(at: float) -> str:
    """Wall-clock epoch seconds as local `HH:MM:SS`."""
    return time.strftime("%H:%M:%S", time.localtime(at))
