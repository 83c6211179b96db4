"""The session view's lines: a window onto a million-line log, read row by row on demand.

Invariant: it holds the line numbers of its view (an array), never the lines; each row on
screen is read from the index and rendered when shown, and kept in a small cache. The
cursor is a position in the view; search matches are a mask over line numbers.
"""

from __future__ import annotations

import bisect
import re
from array import array
from datetime import datetime
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from devtui.core.problems.line_levels import ERROR, LEVEL_SEVERITY, WARNING
from devtui.core.triage.index import SessionIndex
from devtui.ui.kept_row import KeptRow
from devtui.ui.problem_text import SEVERITY_STYLE, SEVERITY_SYMBOL
from devtui.ui.widgets.log_view import MAX_SHOWN_CHARS, coloured_text


class SessionLines(ScrollView, can_focus=True):
    """Rows of a session view, with a cursor, level marks and search highlights."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "session-lines--cursor",
        "session-lines--match",
        "session-lines--stderr",
        "session-lines--error",
        "session-lines--warning",
        "session-lines--time",
    }
    cursor: var[int] = var(0)
    """Position of the current row in the view."""

    class Moved(Message):
        """The cursor moved (the screen's status line shows where)."""

    def __init__(
        self, index: SessionIndex, name_styles: dict[str, Style], **kwargs: object
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.index = index
        self.view: array[int] = array("I")
        self.search: re.Pattern[str] | None = None
        self.matches: array[int] = array("I")
        """Line numbers in the view that match the search, in order."""
        self._name_styles = name_styles
        self._width = max((len(name) for name in index.processes), default=6)
        self._cache: LRUCache[tuple[int, bool], KeptRow] = LRUCache(1024)
        """(line, is the cursor's) → the rendered row."""

    # ----------------------------------------------------------------- content

    def set_view(self, view: array[int], keep_line: int | None = None) -> None:
        """Show `view`; keep the cursor on `keep_line` (or the nearest line after it)."""
        self.view = view
        self._width = max((len(name) for name in self.index.processes), default=6)
        self._cache.clear()
        self.virtual_size = Size(self.size.width, len(view))
        if keep_line is not None and view:
            self.cursor = min(bisect.bisect_left(view, keep_line), len(view) - 1)
            self.scroll_to_cursor(center=True)
        else:
            self.cursor = min(self.cursor, max(0, len(view) - 1))
        self.refresh()

    def set_search(self, pattern: re.Pattern[str] | None, mask: bytearray | None) -> None:
        """Highlight `pattern`; `mask` marks every matching line number."""
        self.search = pattern
        if pattern is None or mask is None:
            self.matches = array("I")
        else:
            mask_bytes = bytes(mask)
            get = mask_bytes.__getitem__
            size = len(mask_bytes)
            self.matches = array("I", (n for n in self.view if n < size and get(n)))
        self._cache.clear()
        self.refresh()

    @property
    def current_line(self) -> int | None:
        """The line number under the cursor."""
        return self.view[self.cursor] if self.view else None

    # ----------------------------------------------------------------- moving

    def go_to_line(self, number: int) -> None:
        """Put the cursor on line `number` (or the nearest shown line after it)."""
        if self.view:
            self.cursor = min(bisect.bisect_left(self.view, number), len(self.view) - 1)
            self.scroll_to_cursor(center=True)

    def step_match(self, backwards: bool = False) -> bool:
        """Move to the next (previous) search match; False when there is none."""
        if not self.matches or not self.view:
            return False
        here = self.view[self.cursor]
        if backwards:
            at = bisect.bisect_left(self.matches, here) - 1
            target = self.matches[at if at >= 0 else len(self.matches) - 1]
        else:
            at = bisect.bisect_right(self.matches, here)
            target = self.matches[at if at < len(self.matches) else 0]
        self.go_to_line(target)
        return True

    def step_level(self, level: int, backwards: bool = False) -> bool:
        """Move to the first line of the next (previous) run of lines of exactly `level`
        (a multi-line error block is one stop); False when there is none."""
        view, levels = self.view, self.index.levels
        if not view:
            return False

        def at(position: int) -> bool:
            return levels[view[position]] == level

        position = self.cursor
        if backwards:
            while position > 0 and at(position - 1) and at(position):  # to this run's start
                position -= 1
            position -= 1
            while position >= 0 and not at(position):
                position -= 1
            if position < 0:
                return False
            while position > 0 and at(position - 1):
                position -= 1
        else:
            contiguous = view[-1] - view[0] + 1 == len(view)
            while position < len(view) and at(position):  # past this run
                position += 1
            if contiguous and position < len(view):  # C-speed search over a long stretch
                found = levels.find(bytes([level]), view[position], view[-1] + 1)
                position = len(view) if found < 0 else found - view[0]
            else:
                while position < len(view) and not at(position):
                    position += 1
            if position >= len(view):
                return False
        self.cursor = position
        self.scroll_to_cursor(center=True)
        return True

    def move(self, rows: int) -> None:
        if self.view:
            self.cursor = max(0, min(len(self.view) - 1, self.cursor + rows))
            self.scroll_to_cursor()

    def scroll_to_cursor(self, center: bool = False) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = int(self.scroll_y)
        if center:
            self.scroll_to(y=max(0, self.cursor - height // 2), animate=False)
        elif self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def watch_cursor(self) -> None:
        self.refresh()
        self.post_message(self.Moved())

    def key_up(self) -> None:
        self.move(-1)

    def key_down(self) -> None:
        self.move(1)

    def key_pageup(self) -> None:
        self.move(-max(1, self.scrollable_content_region.height - 1))

    def key_pagedown(self) -> None:
        self.move(max(1, self.scrollable_content_region.height - 1))

    def key_home(self) -> None:
        self.move(-len(self.view))

    def key_end(self) -> None:
        self.move(len(self.view))

    def on_click(self, event: object) -> None:
        offset = getattr(event, "y", None)
        if isinstance(offset, int):
            self.cursor = max(0, min(len(self.view) - 1, int(self.scroll_y) + offset))

    # ----------------------------------------------------------------- drawing

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        position = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        if position >= len(self.view):
            return Strip.blank(width, self.rich_style)
        number = self.view[position]
        current = position == self.cursor
        key = (number, current)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._render_row(number, current)
            self._cache[key] = cached
        return cached.shown(int(self.scroll_x), width)

    def _render_row(self, number: int, current: bool) -> KeptRow:
        line = self.index.line(number)
        level = self.index.levels[number]
        base = self.rich_style
        if current:
            base = base + self.get_component_rich_style("session-lines--cursor")
        elif level == ERROR:
            base = base + self.get_component_rich_style("session-lines--error")
        elif level == WARNING:
            base = base + self.get_component_rich_style("session-lines--warning")
        clock = datetime.fromtimestamp(line.time).strftime("%H:%M:%S")
        name_style = self._name_styles.get(line.process, Style())
        stream = "┃" if line.stream == "stderr" else "│"
        stream_style = (
            self.get_component_rich_style("session-lines--stderr")
            if line.stream == "stderr"
            else Style(dim=True)
        )
        text = Text.assemble(
            _gutter(level),
            (f"{clock} ", self.get_component_rich_style("session-lines--time")),
            (line.process.ljust(self._width), name_style),
            (f" {stream} ", stream_style),
        )
        raw, plain = line.raw, line.text
        if len(raw) > MAX_SHOWN_CHARS:  # as the panes do: a huge line's text, cut, no colours
            raw = plain = plain[:MAX_SHOWN_CHARS]
        body = coloured_text(raw, plain)
        if self.search is not None:
            body.highlight_regex(self.search, self.get_component_rich_style("session-lines--match"))
        text.append_text(body)
        segments = [
            Segment(s.text, base + s.style if s.style else base)
            for s in text.render(self.app.console)
        ]
        return KeptRow(segments, text.cell_len, base)


def _gutter(level: int) -> tuple[str, Style]:
    """A problem's or a word-marked line's mark (as the panes mark problem lines)."""
    severity = LEVEL_SEVERITY.get(level)
    if severity is None:
        return "  ", Style()
    return SEVERITY_SYMBOL[severity] + " ", SEVERITY_STYLE[severity]
