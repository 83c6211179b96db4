"""A bar plot of memory over time in text: one column per sample, eighth-block heights.

Invariant: pure; the scale starts at zero (so two processes' plots compare by eye), the
newest sample is the rightmost column, and a short history is not stretched: it grows
from the right as samples come.
"""

from __future__ import annotations

from typing import Final

from rich.style import Style
from rich.text import Text

EIGHTHS: Final = " ▁▂▃▄▅▆▇█"
LABEL_WIDTH: Final = 9


def bar_plot(
    values: list[int],
    width: int,
    height: int,
    ceiling: int,
    label: str,
    threshold: int | None = None,
    bar_style: Style | None = None,
) -> Text:
    """`height` rows of bars for the last `width - LABEL_WIDTH` values, scaled 0..ceiling.

    Args:
        label: Written at the top left (the ceiling, in words).
        threshold: Drawn as a dotted line where it falls inside the plot.
    """
    columns = max(1, width - LABEL_WIDTH)
    shown = values[-columns:]
    pad = columns - len(shown)
    ceiling = max(ceiling, 1)
    levels = [round(value / ceiling * height * 8) for value in shown]
    threshold_row = (
        height - 1 - min(height - 1, int(threshold / ceiling * height))
        if threshold is not None and threshold <= ceiling
        else None
    )
    text = Text(no_wrap=True, end="")
    style = bar_style or Style()
    for row in range(height):
        floor = (height - 1 - row) * 8
        head = label if row == 0 else ("0" if row == height - 1 else "")
        text.append(f"{head:>{LABEL_WIDTH - 2}} ┤", Style(dim=True))
        if threshold_row == row:
            text.append("┄" * pad, Style(color="yellow", dim=True))
        else:
            text.append(" " * pad)
        for level in levels:
            eighths = min(8, max(0, level - floor))
            if eighths == 0 and threshold_row == row:
                text.append("┄", Style(color="yellow", dim=True))
            else:
                text.append(EIGHTHS[eighths], style)
        if row < height - 1:
            text.append("\n")
    return text
