"""A small JavaScript/TypeScript tokenizer: enough to find imports, exports and directives.

Invariant: comments never produce tokens and string, template and regex literals are
single tokens, so text inside them (`// import fs from "fs"`, `"crypto"`) is never
mistaken for code. Positions are character offsets; `LineIndex` turns them into 1-based
line and column. Malformed input (an unterminated string, stray characters) never raises:
the damage stays local (an unterminated string ends at its line's end).

It is not a parser: `/` after `)` `]` `}`, a name or a number is division, elsewhere a
regex, which is right for the code Convex functions are made of.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from typing import Final, Literal, NamedTuple

TokenKind = Literal[
    "name", "string", "template", "template-part", "template-tail", "number", "regex", "punct"
]
"""`template` is a whole template literal without `${…}` (usable like a string); a template
with substitutions is `template-part`s (each ending at a `${`) and a `template-tail`."""

_SKIP: Final = re.compile(
    r"""(?:[\s\ufeff]+|//[^\n]*|/\*[\s\S]*?(?:\*/|\Z))+""",
)
_NAME: Final = re.compile(r"[A-Za-z_$\u0080-\U0010ffff][\w$\u0080-\U0010ffff]*")
_NUMBER: Final = re.compile(r"\d[\w.]*|\.\d\w*")
_STRING: Final = {
    '"': re.compile(r'"((?:[^"\\\n]|\\[\s\S])*)"?'),
    "'": re.compile(r"'((?:[^'\\\n]|\\[\s\S])*)'?"),
}
_TEMPLATE_CHUNK: Final = re.compile(r"(?:[^`\\$]|\\[\s\S]|\$(?!\{))*")
_REGEX: Final = re.compile(r"/(?:[^/\\\[\n]|\\.|\[(?:[^\]\\\n]|\\.)*\]?)+/?[A-Za-z]*")
_PUNCT: Final = re.compile(r"\.\.\.|\?\.|=>|[^\s]")
_REGEX_AFTER_NAMES: Final = frozenset(
    {
        "return",
        "typeof",
        "instanceof",
        "in",
        "of",
        "new",
        "delete",
        "void",
        "throw",
        "case",
        "do",
        "else",
        "yield",
        "await",
    }
)


class Token(NamedTuple):
    """One token: its kind, its text (a string's or template's content without quotes),
    and the offset of its first character in the source."""

    kind: TokenKind
    text: str
    offset: int


class LineIndex:
    """Offsets → 1-based (line, column), for reporting."""

    def __init__(self, source: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer(r"\n", source)]

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column of `offset`."""
        line = bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


def tokenize(source: str) -> Iterator[Token]:
    """The tokens of `source`, in order (comments and whitespace left out)."""
    position = 0
    length = len(source)
    if source.startswith("#!"):
        newline = source.find("\n")
        position = length if newline == -1 else newline
    templates: list[int] = []
    """For each open `${` of a template literal: the brace depth at which it closes."""
    depth = 0
    previous: Token | None = None
    while True:
        skipped = _SKIP.match(source, position)
        if skipped is not None:
            position = skipped.end()
        if position >= length:
            return
        char = source[position]
        token: Token
        if char in _STRING:
            match = _STRING[char].match(source, position)
            assert match is not None
            token = Token("string", match.group(1), position)
            position = match.end()
        elif char == "`" or (char == "}" and templates and templates[-1] == depth):
            if char == "}":
                templates.pop()
            token, position, opened = _template(source, position)
            if opened:
                templates.append(depth)
        elif char == "/" and _regex_allowed(previous):
            match = _REGEX.match(source, position)
            if match is None:
                token = Token("punct", "/", position)
                position += 1
            else:
                token = Token("regex", match.group(0), position)
                position = match.end()
        elif (name := _NAME.match(source, position)) is not None:
            token = Token("name", name.group(0), position)
            position = name.end()
        elif (number := _NUMBER.match(source, position)) is not None:
            token = Token("number", number.group(0), position)
            position = number.end()
        else:
            punct = _PUNCT.match(source, position)
            assert punct is not None
            text = punct.group(0)
            if text == "{":
                depth += 1
            elif text == "}":
                depth -= 1
            token = Token("punct", text, position)
            position = punct.end()
        previous = token
        yield token


def _template(source: str, position: int) -> tuple[Token, int, bool]:
    """Scan a template literal from its "`" (or the "}" ending a `${…}` in it).

    Returns the token, the position after it, and whether it stopped at a `${`.
    """
    start = position
    position += 1
    chunk = _TEMPLATE_CHUNK.match(source, position)
    assert chunk is not None
    text = chunk.group(0)
    position = chunk.end()
    if source.startswith("${", position):
        return Token("template-part", text, start), position + 2, True
    # the closing "`", or the end of the source (unterminated)
    kind: TokenKind = "template" if source[start] == "`" else "template-tail"
    return Token(kind, text, start), min(position + 1, len(source)), False


def _regex_allowed(previous: Token | None) -> bool:
    if previous is None:
        return True
    if previous.kind == "name":
        return previous.text in _REGEX_AFTER_NAMES
    if previous.kind in ("number", "string", "template", "template-tail", "regex"):
        return False
    if previous.kind == "template-part":
        return True
    return previous.text not in (")", "]", "}")
