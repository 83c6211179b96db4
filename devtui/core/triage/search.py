"""Regex search over every line of an indexed session, in chunks, cancellable.

Invariant: a search reads the index's plain-text scratch file a chunk at a time, so its
memory is one chunk plus one byte per line (the result mask), whatever the log's size.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator

from devtui.core.scan import hit_lines
from devtui.core.triage.index import SessionIndex


class Cancelled(Exception):
    """The search was cancelled before it finished."""


def matching_lines(
    index: SessionIndex,
    pattern: re.Pattern[str],
    cancel: threading.Event | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> bytearray:
    """A mask with 1 for each indexed line whose text `pattern` finds a match in.

    Raises:
        Cancelled: `cancel` was set.
    """
    chunks = index.text_chunks()
    mask = bytearray(chunks[-1].first + chunks[-1].count if chunks else 0)
    search = pattern.search
    for number, chunk in enumerate(chunks, 1):
        if cancel is not None and cancel.is_set():
            raise Cancelled
        text = index.read_text(chunk)

        def starts(text: str = text) -> Iterator[int]:
            position = 0
            match = search(text)
            while match is not None:
                yield match.start()
                end_of_line = text.find("\n", match.start())
                if end_of_line < 0:
                    return
                position = end_of_line + 1
                match = search(text, position)

        mark_lines(text, starts(), chunk.first, mask)
        if on_progress is not None:
            on_progress(number / len(chunks))
    return mask


def mark_lines(text: str | bytes, starts: Iterable[int], first: int, mask: bytearray) -> None:
    """Set `mask[first + n]` for each line n of `text` (lines joined by newlines) holding
    a match start, given in order (see `hit_lines`)."""
    for line in hit_lines(text, starts):
        if first + line < len(mask):
            mask[first + line] = 1
