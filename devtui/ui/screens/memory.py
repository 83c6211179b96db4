"""The memory screen: each process tree's RSS over the session, and one tree's processes.

Invariant: it draws the core's memory tracks and latest samples (refreshed on every
`MemorySampled`); `H` asks the supervisor for a restart with more heap and changes nothing
itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from devtui.core.memory.figures import MemoryTrack, mib
from devtui.ui.format import MEMORY_STYLE, memory_summary
from devtui.ui.plot import LABEL_WIDTH, bar_plot
from devtui.ui.screens.keyed import KeyedScreen
from devtui.ui.widgets.key_bar import KeyBar

PLOT_HEIGHT = 4
"""Rows of each process's plot."""


if TYPE_CHECKING:
    from devtui.ui.host import ScreenHost


class MemoryScreen(KeyedScreen):
    """Plots and numbers of every process's memory; the chosen one's process tree."""

    HELP_TITLE = "memory keys"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,m", "close", "Back", key_display="Esc", tooltip="Back to the dashboard"),
        Binding("up,k", "move(-1)", "Choose", key_display="↑↓", tooltip="Previous process"),
        Binding("down,j", "move(1)", "Next process", show=False),
        Binding("H", "more_heap", "More heap", tooltip="Restart it with twice the Node heap"),
        Binding("question_mark", "help", "Help", tooltip="Every key of this screen"),
        *[
            Binding(str(n), f"choose({n})", f"Process {n}", show=False, tooltip="Choose process N")
            for n in range(1, 10)
        ],
    ]

    def __init__(self, names: list[str], chosen: str | None) -> None:
        super().__init__(id="memory")
        self.names = names
        self.chosen = chosen if chosen in names else (names[0] if names else None)

    @property
    def devtui(self) -> ScreenHost:
        """The app, as this screen may use it."""
        return cast("ScreenHost", self.app)

    def compose(self) -> ComposeResult:
        yield Static(id="memory-title")
        with VerticalScroll(id="memory-processes"):
            for name in self.names:
                with Vertical(id=f"memory-{name}", classes="memory-process"):
                    yield Static(id=f"memory-head-{name}", classes="memory-head")
                    yield Static(id=f"memory-plot-{name}", classes="memory-plot")
        yield DataTable(id="memory-children", cursor_type="row", zebra_stripes=True)
        yield KeyBar(self.bar_keys, id="memory-keys")

    def on_mount(self) -> None:
        table = self.query_one("#memory-children", DataTable)
        table.add_columns("pid", "RSS", "command")
        self.refresh_memory()

    # ------------------------------------------------------------------ content

    def refresh_memory(self) -> None:
        """Redraw from the core's tracks and latest samples."""
        monitor = self.devtui.session.supervisor.memory
        tracks = monitor.tracks if monitor is not None else {}
        interval = f"sampled every {monitor.interval:g} s" if monitor else "sampling is off"
        self.query_one("#memory-title", Static).update(
            Text.assemble(("Memory", Style(bold=True)), f" · whole process trees · {interval}")
        )
        for name in self.names:
            track = tracks.get(name)
            sample = monitor.latest.get(name) if monitor is not None else None
            head = Text(no_wrap=True, overflow="ellipsis", end="")
            head.append("▶ " if name == self.chosen else "  ", Style(bold=True))
            head.append(name, Style(bold=True))
            if track is None or sample is None:
                head.append("  not sampled yet", Style(dim=True))
            else:
                head.append("  now ")
                head.append(memory_summary(sample), MEMORY_STYLE[sample.level])
                head.append(f"  peak {mib(track.peak_bytes)}")
                head.append(_thresholds(track), Style(dim=True))
            self.query_one(f"#memory-head-{name}", Static).update(head)
            plot = self.query_one(f"#memory-plot-{name}", Static)
            if track is not None and track.history:
                width = max(20, plot.size.width or self.size.width - 2)
                ceiling = _ceiling(track)
                style = MEMORY_STYLE[sample.level] if sample is not None else None
                plot.update(
                    bar_plot(
                        track.points(width - LABEL_WIDTH),
                        width,
                        PLOT_HEIGHT,
                        ceiling,
                        mib(ceiling),
                        _tree_warning(track),
                        None if style is None or sample is None or sample.level == "ok" else style,
                    )
                )
            else:
                plot.update("")
            self.query_one(f"#memory-{name}").set_class(name == self.chosen, "-chosen")
        self._show_children()

    def _show_children(self) -> None:
        monitor = self.devtui.session.supervisor.memory
        table = self.query_one("#memory-children", DataTable)
        table.clear()
        sample = monitor.latest.get(self.chosen) if monitor and self.chosen else None
        table.border_title = f"{self.chosen}'s processes" if self.chosen else ""
        if sample is None:
            return
        for child in sample.children:
            # Text: a str cell is read as markup, and a command line is the child's.
            table.add_row(str(child.pid), mib(child.rss_bytes), Text(child.command))

    # ------------------------------------------------------------------ actions

    def action_close(self) -> None:
        self.dismiss()

    def action_move(self, step: int) -> None:
        if not self.names or self.chosen is None:
            return
        index = (self.names.index(self.chosen) + step) % len(self.names)
        self.chosen = self.names[index]
        self.refresh_memory()

    def action_choose(self, number: int) -> None:
        if 1 <= number <= len(self.names):
            self.chosen = self.names[number - 1]
            self.refresh_memory()

    def action_more_heap(self) -> None:
        if self.chosen is not None:
            self.devtui.restart_with_more_heap(self.chosen)


def _tree_warning(track: MemoryTrack) -> int | None:
    """The warning line the plot of the tree's RSS can show (not a per-Node-process one)."""
    return track.warn_bytes if track.thresholds.warn_on == "tree" else None


def _ceiling(track: MemoryTrack) -> int:
    """The top of a plot: above the peak, and high enough to show a warning that is near."""
    top = int(track.peak_bytes * 1.15) or 1
    warn = _tree_warning(track)
    if warn is not None and warn < 2 * track.peak_bytes:
        top = max(top, int(warn * 1.1))
    return top


def _thresholds(track: MemoryTrack) -> str:
    parts = []
    if track.warn_bytes is not None:
        per = " per Node process" if track.thresholds.warn_on == "node" else ""
        parts.append(f"warn {mib(track.warn_bytes)}{per}")
    if track.limit_bytes is not None:
        parts.append(f"limit {mib(track.limit_bytes)}")
    return f"  ({', '.join(parts)})" if parts else ""
