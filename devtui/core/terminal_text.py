"""Make child output safe to show on a terminal: it must never drive the terminal.

Invariant: text passed through `for_terminal` can only print and colour. Every escape
sequence but SGR colours (`ESC[…m`) is removed: OSC (titles, hyperlinks, the OSC 52
clipboard), DCS, cursor moves, mode switches such as the alternate screen, `ESC c` (reset),
device queries such as `ESC[6n` whose answers a terminal types into the user's shell. Every
other control character but tab (C0, DEL, C1, backspace, BEL, SO/SI) is shown visibly
(`^H`, `<9b>`) instead of acting, so `evil^H^H^H^Hgood` reads as what it is. With colour off
not even SGR stays. Both passes are C-level (`re.sub` with a template, `str.translate`).
"""

from __future__ import annotations

import re
from typing import Final

_ESCAPES: Final = re.compile(
    r"""
    (\x1b\[[0-9;:]*m)                          # SGR: colours and styles (group 1: kept)
    | \x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]  # any other CSI: cursor, modes, queries
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?          # OSC (title, hyperlink, clipboard), to BEL/ST
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?               # DCS, SOS, PM, APC strings
    | \x1b[\x20-\x2f]*[\x30-\x7e]                 # two-byte and nF escapes (ESC c, ESC ( B)
    | \x1b                                       # a lone ESC
    """,
    re.VERBOSE,
)
"""Every escape sequence; only SGR is captured, so substituting group 1 keeps just that."""


def _caret(code: int) -> str:
    if code < 0x20:
        return "^" + chr(code + 0x40)
    if code == 0x7F:
        return "^?"
    return f"<{code:02x}>"


_VISIBLE: Final = {
    code: _caret(code)
    for code in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))
    if code not in (0x09, 0x1B)  # tab prints; ESC is dealt with by `_ESCAPES`
}
"""Control characters → visible stand-ins (`^H` for backspace, `<9b>` for C1 CSI)."""


def for_terminal(text: str, colour: bool) -> str:
    """`text` (may hold newlines) as a terminal may safely show it: SGR colours kept when
    `colour`, every other escape removed, every other control made visible."""
    if "\x1b" in text:
        text = _ESCAPES.sub(r"\1" if colour else "", text)
    return text.translate(_VISIBLE_WITH_NEWLINE)


def visible_controls(text: str) -> str:
    """`text` (one line) with every control character but tab made visible, and every
    escape sequence removed: for plain text (a report, a summary) read on a terminal."""
    if "\x1b" in text:
        text = _ESCAPES.sub("", text)
    return text.translate(_VISIBLE)


_VISIBLE_WITH_NEWLINE: Final = {code: mark for code, mark in _VISIBLE.items() if code != 0x0A}
"""Newlines separate the lines of a chunk: they stay."""
