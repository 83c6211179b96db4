"""The lines one pane shows: a bounded ring of recent output, with a filter and a search.

Invariant: lines are addressed by an absolute number that never changes while the line is
kept; the filtered view and the search matches are sorted lists of those numbers, trimmed as
old lines fall out of the ring, so neither ever points at a line that is gone. The ring keeps
the chunks of output as they came (no object per line), so a flood costs a pane one list
append per chunk; an `Entry` is only built for a line that is shown or tested. Pure (no
Textual), so it is tested on its own.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from typing import Final, NamedTuple

from devtui.core.events import OutputLines, Stream
from devtui.core.problems.book import Severity
from devtui.core.query import FilterQuery, SearchQuery

MAX_MARKS: Final = 20_000
"""Problem marks kept per pane (the oldest go first; their lines are long gone by then)."""
_RANK: Final = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class Entry(NamedTuple):
    """One kept line."""

    process: str
    stream: Stream
    seq: int
    raw: str
    text: str


class LineBuffer:
    """Recent lines of one pane (one process, or all of them merged)."""

    def __init__(self, max_lines: int) -> None:
        self.max_lines = max_lines
        self._chunks: list[OutputLines] = []
        self._starts: list[int] = []  # absolute number of each chunk's first line
        self.first = 0
        """Absolute number of the oldest kept line."""
        self.end = 0
        """Absolute number one past the newest line."""
        self.width = 0
        """Length of the longest line kept so far (for horizontal scrolling)."""
        self.filter: FilterQuery | None = None
        self.search: SearchQuery | None = None
        self._view: list[int] | None = None  # numbers passing the filter; None: all lines
        self._matches: list[int] = []  # numbers in the view matching the search
        self.marks: dict[tuple[str, int], Severity] = {}
        """(process, seq) of lines that belong to a problem → its severity."""

    # ------------------------------------------------------------------ content

    def append(self, chunk: OutputLines) -> int:
        """Add a chunk of output; returns how many of its lines the view shows."""
        count = len(chunk.raws)
        if not count:
            return 0
        start = self.end
        self._chunks.append(chunk)
        self._starts.append(start)
        self.end += count
        self.width = max(self.width, max(map(len, chunk.texts)))
        if self.end - self.first > self.max_lines:
            self._evict(self.end - self.max_lines)
        start = max(start, self.first)  # a chunk longer than the ring keeps only its tail
        shown: Sequence[int]
        if self.filter is None:
            shown = range(start, self.end)
        else:
            accepts = self.filter.accepts
            skipped = start - (self.end - count)
            shown = [start + i for i, text in enumerate(chunk.texts[skipped:]) if accepts(text)]
            assert self._view is not None
            self._view.extend(shown)
        if self.search is not None:
            matches = self.search.matches
            self._matches.extend(n for n in shown if matches(self.entry(n).text))
        return len(shown)

    def _evict(self, first: int) -> None:
        """Forget every line before `first`."""
        self.first = first
        # Drop whole chunks that end at or before `first` (the first kept one may be partly old).
        keep_from = bisect_right(self._starts, first) - 1
        if keep_from > 0:
            del self._chunks[:keep_from]
            del self._starts[:keep_from]
        if self._view is not None:
            del self._view[: bisect_left(self._view, first)]
        del self._matches[: bisect_left(self._matches, first)]

    def clear(self) -> None:
        """Forget every line (the numbering goes on)."""
        self._chunks.clear()
        self._starts.clear()
        self.first = self.end
        self.width = 0
        if self._view is not None:
            self._view.clear()
        self._matches.clear()

    def mark(self, process: str, seqs: Iterable[int], severity: Severity) -> None:
        """Mark a problem's lines (a line in two problems keeps the graver mark)."""
        marks = self.marks
        for seq in seqs:
            key = (process, seq)
            known = marks.get(key)
            if known is None or _RANK[severity] > _RANK[known]:
                marks[key] = severity
        while len(marks) > MAX_MARKS:
            del marks[next(iter(marks))]

    def mark_of(self, entry: Entry) -> Severity | None:
        """The problem mark of a line, if it has one."""
        return self.marks.get((entry.process, entry.seq)) if self.marks else None

    def number_of_seq(self, process: str, seq: int) -> int | None:
        """The absolute number of `process`'s line `seq`, if the pane still keeps it."""
        for start, chunk in zip(self._starts, self._chunks, strict=True):
            if chunk.process == process and chunk.first_seq <= seq < chunk.first_seq + len(
                chunk.texts
            ):
                number = start + seq - chunk.first_seq
                return number if number >= self.first else None
        return None

    # ------------------------------------------------------------------ addressing

    def __len__(self) -> int:
        """How many lines the view shows."""
        return self.end - self.first if self._view is None else len(self._view)

    def number_at(self, row: int) -> int:
        """Absolute number of the line at `row` of the view."""
        return self.first + row if self._view is None else self._view[row]

    def row_of(self, number: int) -> int:
        """Row of line `number` in the view (or of the next shown line after it)."""
        if self._view is None:
            return number - self.first
        return bisect_left(self._view, number)

    def entry(self, number: int) -> Entry:
        """The line with absolute `number` (must be kept)."""
        index = bisect_right(self._starts, number) - 1
        chunk = self._chunks[index]
        offset = number - self._starts[index]
        return Entry(
            chunk.process,
            chunk.stream,
            chunk.first_seq + offset,
            chunk.raws[offset],
            chunk.texts[offset],
        )

    def entries(self, start_row: int, end_row: int) -> list[Entry]:
        """The lines at view rows `start_row` to `end_row` (exclusive)."""
        end_row = min(end_row, len(self))
        return [self.entry(self.number_at(row)) for row in range(max(0, start_row), end_row)]

    def text_lengths(self) -> list[int]:
        """The length of each line the view shows, in view order (what wrapping needs)."""
        if self._view is None:
            return [len(text) for _, text in self._texts()]
        return [len(self.entry(number).text) for number in self._view]

    def _texts(self) -> list[tuple[int, str]]:
        """(number, text) of every kept line, oldest first."""
        pairs: list[tuple[int, str]] = []
        for start, chunk in zip(self._starts, self._chunks, strict=True):
            skip = max(0, self.first - start)
            numbers = range(start + skip, start + len(chunk.texts))
            pairs.extend(zip(numbers, chunk.texts[skip:], strict=True))
        return pairs

    # ------------------------------------------------------------------ filter and search

    def set_filter(self, query: FilterQuery | None) -> None:
        """Show only lines passing `query` (None: all lines)."""
        self.filter = query
        if query is None:
            self._view = None
        else:
            accepts = query.accepts
            self._view = [number for number, text in self._texts() if accepts(text)]
        self.set_search(self.search)

    def set_search(self, query: SearchQuery | None) -> None:
        """Highlight and step through lines matching `query` (None: no search)."""
        self.search = query
        if query is None:
            self._matches = []
            return
        matches = query.matches
        if self._view is None:
            self._matches = [number for number, text in self._texts() if matches(text)]
        else:
            self._matches = [n for n in self._view if matches(self.entry(n).text)]

    @property
    def matches(self) -> list[int]:
        """Numbers of the shown lines matching the search, in order."""
        return self._matches

    def next_match(self, after: int | None, backwards: bool = False) -> int | None:
        """The first match after line `after` (before it when `backwards`), wrapping around."""
        matches = self._matches
        if not matches:
            return None
        if after is None:
            return matches[-1] if backwards else matches[0]
        if backwards:
            index = bisect_left(matches, after) - 1
            return matches[index]  # -1 wraps to the last
        index = bisect_right(matches, after)
        return matches[index % len(matches)]
