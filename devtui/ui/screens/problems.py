"""The problems screen: every problem of the run, its details, and a way to its place.

Invariant: it shows the run's `ProblemBook` as it is (refreshed on every problem event);
choosing one shows why and how to fix it, and the keys open the file in the user's editor
or jump to the problem's lines in its pane. It changes nothing in the core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from devtui.core.problems.book import Problem
from devtui.ui.problem_text import counts_text, open_problems, problem_details, problem_row
from devtui.ui.screens.keyed import KeyedScreen
from devtui.ui.widgets.key_bar import KeyBar

WIDE = 120
"""From this many columns the list and the details sit side by side."""


if TYPE_CHECKING:
    from devtui.ui.host import ScreenHost


class ProblemsScreen(KeyedScreen):
    """The list of problems with the chosen one's explanation and fix."""

    HELP_TITLE = "problems keys"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,p", "close", "Back", key_display="Esc", tooltip="Back to the dashboard"),
        Binding(
            "enter,o",
            "open_editor",
            "Open",
            key_display="Enter",
            tooltip="Open the problem's file at its line in $VISUAL/$EDITOR",
        ),
        Binding("g", "go_to_lines", "Show lines", tooltip="Show its lines in the process's pane"),
        Binding("y", "copy", "Copy", tooltip="Copy the problem (what, where, why, fix, lines)"),
        Binding("r", "toggle_resolved", "Resolved on/off", tooltip="Show or hide resolved ones"),
        Binding("question_mark", "help", "Help", tooltip="Every key of this screen"),
    ]

    def __init__(self) -> None:
        super().__init__(id="problems")
        self.show_resolved = True
        self._problems: list[Problem] = []

    @property
    def devtui(self) -> ScreenHost:
        """The app, as this screen may use it."""
        return cast("ScreenHost", self.app)

    def compose(self) -> ComposeResult:
        yield Static(id="problems-title")
        with Horizontal(id="problems-body"):
            yield OptionList(id="problem-list")
            with VerticalScroll(id="problem-details-scroll"):
                yield Static(id="problem-details")
        yield KeyBar(self.bar_keys, id="problems-keys")

    def on_mount(self) -> None:
        self.refresh_problems()
        self.query_one(OptionList).focus()

    def on_resize(self) -> None:
        self.query_one("#problems-body").set_class(self.size.width < WIDE, "-stacked")

    # ------------------------------------------------------------------ content

    def refresh_problems(self) -> None:
        """Show the book as it is now, keeping the highlighted problem."""
        book = self.devtui.session.supervisor.problems.all()
        chosen = self.chosen
        resolved = [p for p in book if p.resolved]
        resolved.sort(key=lambda p: -p.last_seen)
        shown = open_problems(book) + (resolved if self.show_resolved else [])
        self._problems = shown
        title = counts_text(book) if book else "no problems so far"
        self.query_one("#problems-title", Static).update(title)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(Option(problem_row(p), id=p.fingerprint) for p in shown)
        if shown:
            keys = [p.fingerprint for p in shown]
            index = keys.index(chosen.fingerprint) if chosen and chosen.fingerprint in keys else 0
            options.highlighted = index
        self._show_details()

    @property
    def chosen(self) -> Problem | None:
        """The highlighted problem."""
        options = self.query_one(OptionList)
        index = options.highlighted
        if index is None or not 0 <= index < len(self._problems):
            return None
        return self._problems[index]

    @on(OptionList.OptionHighlighted)
    def _show_details(self) -> None:
        problem = self.chosen
        details = self.query_one("#problem-details", Static)
        if problem is None:
            details.update("Problems show up here as devtui finds them in the output.")
        else:
            details.update(problem_details(problem))

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.action_open_editor()

    # ------------------------------------------------------------------ actions

    def action_close(self) -> None:
        self.dismiss()

    def action_toggle_resolved(self) -> None:
        self.show_resolved = not self.show_resolved
        self.refresh_problems()
        self.notify(
            "Showing resolved problems" if self.show_resolved else "Hiding resolved problems",
            timeout=2,
        )

    def action_open_editor(self) -> None:
        problem = self.chosen
        if problem is not None:
            self.devtui.open_in_editor(problem)

    def action_go_to_lines(self) -> None:
        problem = self.chosen
        if problem is None:
            return
        if not problem.occurrence_seqs:
            self.notify(f"{problem.rule} did not come from output lines", timeout=3)
            return
        self.dismiss()
        self.devtui.show_problem_lines(problem)

    def action_copy(self) -> None:
        problem = self.chosen
        if problem is None:
            return
        place = f" at {problem.location}" if problem.location else ""
        parts = [f"{problem.title} ({problem.rule}){place}: {problem.message}"]
        if problem.fix:
            parts.append(f"Fix: {problem.fix}")
        parts += problem.lines
        self.app.copy_to_clipboard("\n".join(parts))
        self.notify("Copied the problem", timeout=2)
