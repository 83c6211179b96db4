"""Turn the byte chunks read from a child's pipe into whole lines.

Invariant: every byte read ends up in exactly one emitted line, in order. Lines end at `\\n`,
`\\r\\n`, or the end of the stream; a bare `\\r` (a progress redraw) keeps only the last
state of the line; invalid UTF-8 becomes U+FFFD. A line longer than `max_line_chars` is
passed on in pieces of that size, so an endless line can neither exhaust memory nor stop
devtui from reading (and so never blocks the child).
"""

from __future__ import annotations

import codecs
import re
from typing import Final

MAX_LINE_CHARS: Final = 4 * 1024 * 1024
"""Lines up to this many characters pass whole; longer ones are passed on in pieces."""

_ANSI_ESCAPE: Final = re.compile(
    r"""
    \x1b\[[0-?]*[\x20-/]*[@-~]            # CSI: colours, cursor moves, erase line
    | \x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)  # OSC: hyperlinks, window titles
    | \x1b[PX^_][^\x1b\n]*\x1b\\           # DCS, SOS, PM, APC strings
    | \x1b[@-Z\\-_]                      # other two-byte escapes
    | \x1b                               # a lone ESC left by a truncated sequence
    """,
    re.VERBOSE,
)


def strip_ansi(raw: str) -> str:
    """Return `raw` without ANSI escape sequences (colours, cursor movement, hyperlinks)."""
    if "\x1b" not in raw:
        return raw
    return _ANSI_ESCAPE.sub("", raw)


def plain_chunk(raws: list[str]) -> tuple[str, list[str]]:
    """A chunk's lines without ANSI escapes, joined by newlines and one by one, from one
    pass over the joined chunk (an escape never spans a newline, so the lines stay the
    same lines); without any escape, `raws` itself."""
    joined = "\n".join(raws)
    if "\x1b" not in joined:
        return joined, raws
    plain = _ANSI_ESCAPE.sub("", joined)
    return plain, plain.split("\n")


def _last_redraw(line: str) -> str:
    """Resolve bare carriage returns: keep the last non-empty state of a redrawn line."""
    if "\r" not in line:
        return line
    for state in reversed(line.split("\r")):
        if state:
            return state
    return ""


def _collapse_redraws(text: str) -> str:
    """An unfinished line redrawn with bare `\r`s, down to its last non-empty state (and
    a final `\r`, which may yet turn out to be half of `\r\n`): a spinner that never
    prints a newline keeps one state in memory, not every frame."""
    trailing = text.endswith("\r")
    body = text[:-1] if trailing else text
    if "\r" not in body:
        return text
    last = next((state for state in reversed(body.split("\r")) if state), "")
    return last + ("\r" if trailing else "")


class LineAssembler:
    """Assembles one stream's byte chunks into complete lines (one assembler per pipe)."""

    def __init__(self, max_line_chars: int = MAX_LINE_CHARS) -> None:
        self.max_line_chars = max_line_chars
        """Longest line passed on whole."""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._partial: list[str] = []
        self._partial_chars = 0

    def feed(self, data: bytes) -> list[str]:
        """Add a chunk; return the lines it completed (possibly none)."""
        decoded = self._decoder.decode(data)
        if not decoded:
            return []
        if "\n" not in decoded:
            self._partial.append(decoded)
            self._partial_chars += len(decoded)
            if "\r" in decoded:  # a redraw: only its last state can ever be shown
                kept = _collapse_redraws("".join(self._partial))
                self._partial = [kept]
                self._partial_chars = len(kept)
            return self._split_oversized()
        if self._partial:
            self._partial.append(decoded)
            decoded = "".join(self._partial)
        if "\r" in decoded:
            decoded = decoded.replace("\r\n", "\n")
        lines = decoded.split("\n")
        rest = lines.pop()
        self._partial = [rest] if rest else []
        self._partial_chars = len(rest)
        if "\r" in decoded:
            lines = [_last_redraw(line) for line in lines]
        if len(decoded) > self.max_line_chars:
            lines = self._cut(lines)
        if self._partial_chars > self.max_line_chars:
            lines.extend(self._split_oversized())
        return lines

    def _cut(self, lines: list[str]) -> list[str]:
        """Replace each line longer than the limit by its full-size pieces and the rest."""
        limit = self.max_line_chars
        if all(len(line) <= limit for line in lines):
            return lines
        cut: list[str] = []
        for line in lines:
            if len(line) <= limit:
                cut.append(line)
            else:
                cut.extend(line[i : i + limit] for i in range(0, len(line), limit))
        return cut

    def finish(self) -> list[str]:
        """Flush at end of stream: the final line without a newline, if any."""
        tail = self._decoder.decode(b"", final=True)
        if tail:
            self._partial.append(tail)
        text = "".join(self._partial)
        self._partial = []
        self._partial_chars = 0
        if not text.strip("\r"):
            return []
        return [_last_redraw(text)]

    def _split_oversized(self) -> list[str]:
        """Pass on full-size pieces of a line that grew past `max_line_chars`."""
        if self._partial_chars <= self.max_line_chars:
            return []
        text = "".join(self._partial)
        limit = self.max_line_chars
        pieces = [text[i : i + limit] for i in range(0, len(text) - limit + 1, limit)]
        rest = text[len(pieces) * limit :]
        self._partial = [rest] if rest else []
        self._partial_chars = len(rest)
        return pieces
