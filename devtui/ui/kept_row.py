"""A rendered line as the scrolling widgets' row caches keep it.

Invariant: a kept row is plain segments, not a `Strip`. A `Strip` carries seven caches of
its own, which made each kept row some fifty objects for the garbage collector to walk;
with thousands kept, its full passes stalled frames by 80-100 ms during a flood. The
`Strip` is built when the row is shown and dropped with the frame.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip


class KeptRow(NamedTuple):
    """One rendered line, whole (not yet cut to the view)."""

    segments: list[Segment]
    cell_length: int
    pad: Style
    """Fills the view's width after the line (its background: a mark tint, the cursor)."""

    def shown(self, scroll_x: int, width: int) -> Strip:
        """The part of the row in view, `width` cells from `scroll_x`, padded with `pad`."""
        return Strip(self.segments, self.cell_length).crop_extend(
            scroll_x, scroll_x + width, self.pad
        )
