"""Search and filter queries typed by the user, compiled once.

Invariant: a bad regex is a `QueryError` with a message for the user, never an exception
escaping into the UI. Matching is case-insensitive unless the pattern has a capital letter
("smart case", as in vim and less -i).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class QueryError(ValueError):
    """The query cannot be compiled; the message says why, for the user."""


def _compile(source: str) -> re.Pattern[str]:
    # MULTILINE: `^` and `$` are each line's ends, also where a whole chunk is searched.
    flags = re.MULTILINE if any(ch.isupper() for ch in source) else re.IGNORECASE | re.MULTILINE
    try:
        return re.compile(source, flags)
    except re.error as error:
        raise QueryError(f"invalid regex {source!r}: {error}") from None


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A regex to highlight and step through (`/`, `n`, `N`)."""

    source: str
    pattern: re.Pattern[str]

    def matches(self, text: str) -> bool:
        """Whether `text` contains a match."""
        return self.pattern.search(text) is not None


def compile_search(source: str) -> SearchQuery:
    """Compile a search; raises `QueryError` for an empty or invalid pattern."""
    if not source:
        raise QueryError("type a regular expression to search for")
    return SearchQuery(source, _compile(source))


@dataclass(frozen=True, slots=True)
class FilterQuery:
    """Lines must match every include term and no `!exclude` term."""

    source: str
    include: tuple[re.Pattern[str], ...]
    exclude: tuple[re.Pattern[str], ...]

    def accepts(self, text: str) -> bool:
        """Whether a line passes the filter."""
        return all(p.search(text) for p in self.include) and not any(
            p.search(text) for p in self.exclude
        )


def compile_filter(source: str) -> FilterQuery:
    """Whitespace-separated regexes; `!term` excludes lines matching term.

    Raises:
        QueryError: empty, or a term is not a valid regex.
    """
    terms = source.split()
    if not terms:
        raise QueryError("type terms to keep, or !terms to hide")
    include = tuple(_compile(t) for t in terms if not t.startswith("!"))
    exclude = tuple(_compile(t[1:]) for t in terms if t.startswith("!") and len(t) > 1)
    return FilterQuery(source, include, exclude)
