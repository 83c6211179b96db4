"""The problems bar: how many problems there are and the latest one, under the status strip.

Invariant: hidden while there are no problems; it shows the book's counts and the gravest
latest open problem, and a click (or `p`) opens the problems screen.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from devtui.core.problems.book import Problem
from devtui.ui.problem_text import SEVERITY_STYLE, counts_text, open_problems


class ProblemsBar(Static):
    """One line: counts, the most pressing open problem, and the key to see them all."""

    def __init__(self) -> None:
        super().__init__(id="problems-bar")
        self._problems: list[Problem] = []

    def show(self, problems: list[Problem]) -> None:
        """Display the current problems (hidden when there are none)."""
        self.set_class(bool(problems), "-shown")
        if not problems:
            return
        self._problems = problems
        self._draw()

    def on_resize(self) -> None:
        if self._problems:
            self._draw()

    def _draw(self) -> None:
        """Counts, the pressing problem cut to fit, and the hint, which is never cut."""
        problems = self._problems
        text = counts_text(problems)
        hint = Text("   p: details", Style(dim=True))
        pressing = open_problems(problems)
        if pressing:
            top = pressing[0]
            place = f"{top.location}  " if top.location else ""
            line = Text("   ")
            line.append(f"{top.process}: ", SEVERITY_STYLE[top.severity])
            line.append(f"{place}{top.message}")
            room = (self.size.width or 10_000) - text.cell_len - hint.cell_len - 2
            if line.cell_len > room:
                line.truncate(max(4, room), overflow="ellipsis")
            text.append_text(line)
        text.append_text(hint)
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.update(text)

    async def on_click(self) -> None:
        await self.screen.run_action("problems")
