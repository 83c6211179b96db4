"""What the dashboard's screens may ask of the app that shows them.

Invariant: screens know this protocol, never the app class: the app pushes screens and
routes between them (`app → screens → widgets`, an import contract in pyproject), so no
screen imports the module that imports it.
"""

from __future__ import annotations

from typing import Protocol

from devtui.core.problems.book import Problem
from devtui.ui.session import StackSession


class ScreenHost(Protocol):
    """The app, as the dashboard, problems and memory screens use it."""

    session: StackSession
    """The running stack (its supervisor, problems and memory)."""

    @property
    def shutting_down(self) -> bool:
        """The stack is being stopped (the shutdown screen says what happens)."""
        ...

    def show_problems(self) -> None: ...

    def show_memory(self) -> None: ...

    def show_triage(self) -> None: ...

    def action_help(self) -> None: ...

    def restart_with_more_heap(self, name: str) -> None: ...

    def open_in_editor(self, problem: Problem) -> None: ...

    def show_problem_lines(self, problem: Problem) -> None:
        """Back on the dashboard, the problem's lines shown in its pane."""
        ...

    def hand_off_first_run(self) -> object:
        """After the install step: the first `convex dev` gets the terminal (if pending)."""
        ...
