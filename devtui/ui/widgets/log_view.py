"""A pane of output: renders a `LineBuffer`, only the rows on screen, child colours kept.

Invariant: the view follows new output until the user scrolls away from the end; from then
on it stays put and counts the lines it has not shown (`unseen`) until `follow()` or a
scroll back to the end. Rendered rows are cached by line number, so a flood costs the rows
on screen, not the lines received.
"""

from __future__ import annotations

import re
import time
from array import array
from bisect import bisect_right
from typing import ClassVar, Final

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip
from textual.timer import Timer

from devtui.core.events import OutputLines
from devtui.core.problems.book import Severity
from devtui.core.terminal_text import visible_controls
from devtui.ui.buffer import Entry, LineBuffer
from devtui.ui.compat import grow_virtual_size
from devtui.ui.kept_row import KeptRow
from devtui.ui.problem_text import SEVERITY_SYMBOL

REPAINT_EVERY: Final = 0.2
"""During a flood a pane repaints at most this often (seconds)."""
MAX_SHOWN_CHARS: Final = 2_000
"""Longer lines are cut in the pane with a marker; the session log keeps them whole."""
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters a terminal would act on (shown as `^H`, `<9b>`: `visible_controls`)."""


PANE_KEYS: Final = Binding.Group("Panes")
"""The help section of the keys a pane answers to (the dashboard's pane keys are there too)."""


class LogView(ScrollView, can_focus=True):
    """Scrollable output of one process, or of all processes with their names as prefixes."""

    ALLOW_SELECT = True
    BINDINGS: ClassVar[list[BindingType]] = [
        # Declared (not only inherited) so the help and the palette can say what they do;
        # End and Home mean what G and g mean.
        Binding("up", "scroll_up", "Scroll up", show=False, group=PANE_KEYS),
        Binding("down", "scroll_down", "Scroll down", show=False, group=PANE_KEYS),
        Binding(
            "left",
            "scroll_left",
            "Scroll left",
            show=False,
            group=PANE_KEYS,
            tooltip="Scroll long lines sideways (w wraps them instead)",
        ),
        Binding(
            "right",
            "scroll_right",
            "Scroll right",
            show=False,
            group=PANE_KEYS,
            tooltip="Scroll long lines sideways (w wraps them instead)",
        ),
        Binding("pageup", "page_up", "Page up", show=False, group=PANE_KEYS),
        Binding("pagedown", "page_down", "Page down", show=False, group=PANE_KEYS),
        Binding("home", "scroll_home", "Top", show=False, group=PANE_KEYS),
        Binding("end", "scroll_end", "Follow", show=False, group=PANE_KEYS),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-view--stderr",
        "log-view--match",
        "log-view--current",
        "log-view--cut",
        "log-view--error",
        "log-view--warning",
        "log-view--info",
        "log-view--error-mark",
        "log-view--warning-mark",
        "log-view--info-mark",
    }

    following: var[bool] = var(True)
    """Whether new output scrolls the view to the end."""
    wrap: var[bool] = var(False)
    """Long lines continue on the next rows instead of being cut (then no sideways
    scrolling); the gutter mark and the merged view's name stay at the left either way."""
    unseen: var[int] = var(0)
    """Lines added while not following."""

    class Changed(Message):
        """Following, unseen count, or search results changed (the pane title shows them)."""

        def __init__(self, view: LogView) -> None:
            super().__init__()
            self.view = view

    def __init__(
        self,
        buffer: LineBuffer,
        *,
        pane: str,
        prefixes: dict[str, Style] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Args:
        buffer: The lines to show.
        pane: A process name, or "all" for the merged view.
        prefixes: For the merged view, the style of each process name shown before its
            lines; None shows no prefixes.
        """
        super().__init__(id=id, classes=classes)
        self.buffer = buffer
        self.pane = pane
        """What this pane shows: a process name or "all"."""
        self.prefixes = prefixes
        self._prefix_width = max((len(name) for name in prefixes), default=0) if prefixes else 0
        self._cache: LRUCache[int, KeptRow] = LRUCache(2048)
        """Line number → its rendered segments and the style that pads it to the pane's width."""
        self._styles: dict[str, Style] = {}  # resolved once per style change, not per row
        self._styles_stale = True
        self._last_repaint = 0.0
        self._repaint_timer: Timer | None = None
        self._pending_unseen = 0
        self.current_match: int | None = None
        """Line number of the search match `n`/`N` last moved to."""
        self._wrap_starts: array[int] = array("l")
        """While wrapping: the first view row of each shown line (ascending)."""

    # ------------------------------------------------------------------ content

    def add(self, chunk: OutputLines) -> None:
        """Take a chunk of output; it is on screen within `REPAINT_EVERY` seconds.

        Output after a quiet spell shows at once; during a flood the pane repaints at most
        every `REPAINT_EVERY` seconds, which leaves the app time for the user's keys.
        """
        self._pending_unseen += self.buffer.append(chunk)
        now = time.monotonic()
        if now - self._last_repaint >= REPAINT_EVERY:
            self._repaint()
        elif self._repaint_timer is None:
            # Wake at the next shared boundary, so panes busy at once repaint in one frame.
            wait = REPAINT_EVERY - now % REPAINT_EVERY
            self._repaint_timer = self.set_timer(wait, self._repaint)

    def _repaint(self) -> None:
        self._repaint_timer = None
        self._last_repaint = time.monotonic()
        self._resize()
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        elif self._pending_unseen:
            self.unseen += self._pending_unseen
        self._pending_unseen = 0
        self.refresh()

    def mark(self, process: str, seqs: tuple[int, ...], severity: Severity) -> None:
        """Highlight the lines of a problem (they may have arrived a moment ago)."""
        if not seqs:
            return
        self.buffer.mark(process, seqs, severity)
        self._cache.clear()
        self.refresh()

    def scroll_to_seq(self, process: str, seq: int) -> bool:
        """Show `process`'s line `seq` near the top (stops following); False if it is gone."""
        number = self.buffer.number_of_seq(process, seq)
        if number is None:
            return False
        self.following = False
        row = self.row_of_line(self.buffer.row_of(number))
        self.scroll_to(y=max(0, row - 2), animate=False, immediate=True, force=True)
        self.refresh()
        return True

    def clear(self) -> None:
        """Empty the pane (the session log still has every line)."""
        self.buffer.clear()
        self._cache.clear()
        self.current_match = None
        self.unseen = 0
        self._resize()
        self.refresh()

    def rebuild(self) -> None:
        """Re-render after the filter, the search or wrapping changed."""
        self._cache.clear()
        self._resize()
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        self.refresh()
        self.post_message(self.Changed(self))

    @property
    def lead_cells(self) -> int:
        """Cells at the left that never scroll or wrap: the gutter (mark or stderr bar),
        and in the merged view the process name."""
        return 1 + (self._prefix_width + 3 if self.prefixes else 0)

    @property
    def wrap_width(self) -> int:
        """Cells of a line's text per row while wrapping."""
        return max(10, self.scrollable_content_region.width - self.lead_cells)

    def _resize(self) -> None:
        if self.wrap:
            body = self.wrap_width
            starts = array("l")
            row = 0
            for length in self.buffer.text_lengths():
                starts.append(row)
                row += max(1, -(-min(length, MAX_SHOWN_CHARS + 80) // body))
            self._wrap_starts = starts
            size = Size(self.scrollable_content_region.width, row)
        else:
            width = min(self.buffer.width, MAX_SHOWN_CHARS + 40) + self.lead_cells
            size = Size(width, len(self.buffer))
        old = self.virtual_size
        if size == old:
            return
        view_width, view_height = self.container_size
        if (
            self.show_vertical_scrollbar
            and size.height > view_height
            and (size.width > view_width) == self.show_horizontal_scrollbar
        ):
            # Only taller, scrollbars already as they will stay: update without a layout
            # pass (as Textual's own _size_updated(layout=False) does). A layout per chunk
            # of output made the whole screen lay out again at every frame of a flood.
            grow_virtual_size(self, size)
        else:
            self.virtual_size = size

    # ------------------------------------------------------------------ rows

    def row_of_line(self, view_row: int) -> int:
        """The first screen row (of the virtual height) of the line at `view_row`."""
        if not self.wrap or not self._wrap_starts:
            return view_row
        return self._wrap_starts[min(view_row, len(self._wrap_starts) - 1)]

    def line_at_row(self, row: int) -> tuple[int, int]:
        """(view row of the line shown at screen row `row`, which of its rows it is)."""
        if not self.wrap or not self._wrap_starts:
            return row, 0
        index = max(0, bisect_right(self._wrap_starts, row) - 1)
        return index, row - self._wrap_starts[index]

    def watch_wrap(self) -> None:
        self.scroll_to(x=0, animate=False, immediate=True, force=True)
        self.rebuild()  # every row renders again, at its new height

    # ------------------------------------------------------------------ following

    def follow(self) -> None:
        """Jump to the newest line and follow new output again.

        Scrolls are forced: before its first layout a pane does not know it needs a
        scrollbar, and Textual would otherwise ignore the scroll.
        """
        self.following = True
        self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)

    def action_scroll_end(self) -> None:
        """End (the scroll binding a pane inherits) means what G means: follow again.

        Inherited, it animated to where the end was when pressed, so output arriving
        meanwhile left the pane paused a line or more short of the bottom.
        """
        self.follow()

    def action_scroll_home(self) -> None:
        """Home means what g means: the first line, and stop following."""
        self.following = False
        self.scroll_home(animate=False, immediate=True, force=True)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.following = new_value >= self.max_scroll_y
        if not self.following and int(old_value) != int(new_value):
            self.post_message(self.Changed(self))  # the title shows where we are

    @property
    def position(self) -> tuple[int, int, int]:
        """(first row shown, last row shown, rows in the view), 1-based, for the title."""
        total = len(self.buffer)
        top = int(self.scroll_y)
        first = min(total, self.line_at_row(top)[0] + 1)
        bottom = max(top, min(self.virtual_size.height, top + self.size.height) - 1)
        return first, min(total, self.line_at_row(bottom)[0] + 1), total

    def on_resize(self) -> None:
        """Zoom, a layout toggle or a terminal resize keep a following pane at the end;
        wrapped lines take the new width once the layout has it; the title's position
        follows either way."""
        if self.wrap:
            self.call_after_refresh(self.rebuild)
        elif self.following:
            self.call_after_refresh(self.follow)
        self.call_after_refresh(self.post_message, self.Changed(self))

    def watch_following(self, following: bool) -> None:
        if following:
            self.unseen = 0
        self.post_message(self.Changed(self))

    def watch_unseen(self) -> None:
        self.post_message(self.Changed(self))

    # ------------------------------------------------------------------ search

    def step_match(self, backwards: bool = False) -> int | None:
        """Move to the next (or previous) search match; returns its line number."""
        after = self.current_match
        if after is None and len(self.buffer):  # the first time, start from the top row shown
            view_row = self.line_at_row(int(self.scroll_y))[0]
            top = self.buffer.number_at(min(view_row, len(self.buffer) - 1))
            after = top if backwards else top - 1
        target = self.buffer.next_match(after, backwards)
        if target is None:
            return None
        for number in (self.current_match, target):
            if number is not None:
                self._cache.discard(number)
        self.current_match = target
        row = self.row_of_line(self.buffer.row_of(target))
        self.following = False
        self.scroll_to(y=max(0, row - self.size.height // 2), animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Changed(self))
        return target

    # ------------------------------------------------------------------ rendering

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles_stale = True  # resolved at the next render (component styles exist then)

    def _style(self, name: str) -> Style:
        if self._styles_stale:
            self._styles_stale = False
            # Ancestors' class changes (layout toggles) land here too: keep the rendered
            # rows unless a style they use really changed.
            styles = {"base": self.rich_style}
            styles.update({c: self.get_component_rich_style(c) for c in self.COMPONENT_CLASSES})
            if styles != self._styles:
                self._styles = styles
                self._cache.clear()
        return self._styles[name]

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.size.width
        rich_style = self._style("base")
        view_row, part = self.line_at_row(row)
        if view_row >= len(self.buffer) or row >= self.virtual_size.height:
            return Strip.blank(width, rich_style)
        number = self.buffer.number_at(view_row)
        cached = self._cache.get(number)
        if cached is None:
            entry = self.buffer.entry(number)
            mark = self.buffer.mark_of(entry)
            pad = (
                rich_style if mark is None else rich_style + self._style(f"log-view--{mark.value}")
            )
            segments, cell_length = self._render_entry(number, entry)
            cached = KeptRow(segments, cell_length, pad)
            self._cache[number] = cached
        lead = self.lead_cells
        if self.wrap:  # this row's part of the line, after the lead (blank after the first)
            body = self.wrap_width
            start = cached.shown(0, lead) if part == 0 else Strip.blank(lead, cached.pad)
            strip = Strip.join([start, cached.shown(lead + part * body, width - lead)])
            return strip.apply_offsets(0, row)
        if scroll_x == 0 or width <= lead:
            return cached.shown(scroll_x, width).apply_offsets(scroll_x, row)
        # Sideways: the lead (the ✖ mark, the process name) stays where it is.
        strip = Strip.join([cached.shown(0, lead), cached.shown(lead + scroll_x, width - lead)])
        return strip.apply_offsets(scroll_x, row)

    def _render_entry(self, number: int, entry: Entry) -> tuple[list[Segment], int]:
        """The line's segments and its width in cells."""
        mark = self.buffer.mark_of(entry)
        if (
            mark is None
            and "\x1b" not in entry.raw
            and self.buffer.search is None
            and not self.prefixes
        ):
            plain = _plain_segments(
                entry,
                self._style("base"),
                self._style("log-view--stderr"),
                self._style("log-view--cut"),
            )
            if plain is not None:
                return plain
        line = Text(no_wrap=True, end="")
        if mark is not None:
            tint = self._style(f"log-view--{mark.value}")
            line.append(SEVERITY_SYMBOL[mark], tint + self._style(f"log-view--{mark.value}-mark"))
        elif entry.stream == "stderr":  # thin: Convex prints everything on stderr
            line.append("▏", self._style("log-view--stderr"))
        else:
            line.append(" ")
        if self.prefixes:
            style = self.prefixes.get(entry.process, Style())
            line.append(f"{entry.process:<{self._prefix_width}} │ ", style)
        body = coloured_text(entry.raw, entry.text)
        hidden = len(body.plain) - MAX_SHOWN_CHARS
        if hidden > 0:
            body.right_crop(hidden)
        search = self.buffer.search
        if search is not None:
            current = number == self.current_match
            style = self._style("log-view--current" if current else "log-view--match")
            for match in search.pattern.finditer(body.plain):
                if match.end() > match.start():
                    body.stylize(style, match.start(), match.end())
        line.append_text(body)
        if hidden > 0:
            line.append(
                f" … {hidden:,} more characters (the session log has the whole line)",
                self._style("log-view--cut"),
            )
        base = self._style("base")
        if mark is not None:
            base += self._style(f"log-view--{mark.value}")
        line.stylize_before(base)
        return list(line.render(self.app.console)), line.cell_len

    # ------------------------------------------------------------------ selection

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected rows as whole lines of text (what `y` copies)."""
        start = self.line_at_row(selection.start.y)[0] if selection.start is not None else 0
        end = (
            self.line_at_row(selection.end.y)[0] + 1
            if selection.end is not None
            else len(self.buffer)
        )
        lines = [entry.text for entry in self.buffer.entries(start, end)]
        return "\n".join(lines), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self._cache.clear()
        self.refresh()


def coloured_text(raw: str, text: str) -> Text:
    """A line (`raw` with colours, `text` without) with the child's colours, control
    characters made harmless."""
    if "\x1b" in raw:
        coloured = Text.from_ansi(raw, no_wrap=True, end="")
        # Trust the decoded colours only when they spell exactly the stripped line.
        if coloured.plain == text and not _UNSAFE.search(text):
            coloured.expand_tabs()
            return coloured
    return Text(visible_controls(text.expandtabs()), no_wrap=True, end="")


def _plain_segments(
    entry: Entry, base: Style, stderr: Style, cut: Style
) -> tuple[list[Segment], int] | None:
    """A colourless line's segments and width, built directly (most output); None when it
    needs the general path (control characters, wide characters, tabs)."""
    text = entry.text
    if _UNSAFE.search(text) or "\t" in text or not text.isascii():
        return None
    gutter = Segment("▏", base + stderr) if entry.stream == "stderr" else Segment(" ", base)
    hidden = len(text) - MAX_SHOWN_CHARS
    if hidden <= 0:
        return [gutter, Segment(text, base)], len(text) + 1
    marker = f" … {hidden:,} more characters (the session log has the whole line)"
    return (
        [gutter, Segment(text[:MAX_SHOWN_CHARS], base), Segment(marker, base + cut)],
        MAX_SHOWN_CHARS + len(marker) + 1,
    )
