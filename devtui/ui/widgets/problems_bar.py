"""The problems bar: how many problems there are and the latest one, under the status strip.

Invariant: hidden while there are no problems; it shows the book's counts and the gravest
latest open problem, and a click (or `p`) opens the problems screen.
"""

from __future__ import annotations

from rich.style import Style
from textual.widgets import Static

from devtui.core.problems.book import Problem
from devtui.ui.problem_text import SEVERITY_STYLE, counts_text, open_problems


class ProblemsBar(Static):
    """One line: counts, the most pressing open problem, and the key to see them all."""

    def __init__(self) -> None:
        super().__init__(id="problems-bar")

    def show(self, problems: list[Problem]) -> None:
        """Display the current problems (hidden when there are none)."""
        self.set_class(bool(problems), "-shown")
        if not problems:
            return
        text = counts_text(problems)
        pressing = open_problems(problems)
        if pressing:
            top = pressing[0]
            place = f"{top.location}  " if top.location else ""
            text.append("   ")
            text.append(f"{top.process}: ", SEVERITY_STYLE[top.severity])
            text.append(f"{place}{top.message}")
        text.append("   p: details", Style(dim=True))
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.update(text)

    async def on_click(self) -> None:
        await self.screen.run_action("problems")
