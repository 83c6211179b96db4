"""LineBuffer: ring, filter, search, stepping through matches."""

from __future__ import annotations

import pytest

from devtui.core.events import OutputLines
from devtui.core.query import QueryError, compile_filter, compile_search
from devtui.ui.buffer import LineBuffer


def chunk(*texts: str, first: int = 1, stream: str = "stdout") -> OutputLines:
    return OutputLines("convex", stream, 0.0, first, texts, texts)  # type: ignore[arg-type]


def shown(buffer: LineBuffer) -> list[str]:
    return [entry.text for entry in buffer.entries(0, len(buffer))]


def test_the_ring_keeps_the_newest_lines_and_numbers_stay_stable() -> None:
    buffer = LineBuffer(3)
    buffer.append(chunk("a", "b"))
    buffer.append(chunk("c", "d", "e", first=3))
    assert shown(buffer) == ["c", "d", "e"]
    assert (buffer.first, buffer.end) == (2, 5)
    assert buffer.entry(4).text == "e" and buffer.entry(4).seq == 5


def test_a_chunk_longer_than_the_ring_keeps_its_tail() -> None:
    buffer = LineBuffer(2)
    buffer.set_filter(compile_filter("x"))
    assert buffer.append(chunk("x1", "x2", "x3", "x4")) == 2
    assert shown(buffer) == ["x3", "x4"]


def test_filter_keeps_include_terms_and_hides_excluded_ones() -> None:
    buffer = LineBuffer(100)
    buffer.append(chunk("ERROR one", "error deprecated", "info", "Error two"))
    buffer.set_filter(compile_filter("error !deprecated"))
    assert shown(buffer) == ["ERROR one", "Error two"]
    buffer.append(chunk("error three", "error deprecated again", first=5))
    assert shown(buffer) == ["ERROR one", "Error two", "error three"]
    buffer.set_filter(None)
    assert len(buffer) == 6


def test_search_matches_follow_the_filter_and_evictions() -> None:
    buffer = LineBuffer(4)
    buffer.append(chunk("crypto a", "b", "crypto c"))
    buffer.set_search(compile_search("crypto"))
    assert buffer.matches == [0, 2]
    buffer.append(chunk("d", "crypto e", first=4))
    assert buffer.matches == [2, 4]  # line 0 fell out of the ring


def test_next_match_wraps_both_ways() -> None:
    buffer = LineBuffer(100)
    buffer.append(chunk("x", "hit", "y", "hit", "z"))
    buffer.set_search(compile_search("hit"))
    assert buffer.next_match(None) == 1
    assert buffer.next_match(1) == 3
    assert buffer.next_match(3) == 1
    assert buffer.next_match(1, backwards=True) == 3
    assert buffer.next_match(None, backwards=True) == 3


def test_smart_case_and_clear_errors() -> None:
    assert compile_search("error").matches("ERROR here")
    assert not compile_search("Error").matches("ERROR here")
    with pytest.raises(
        QueryError, match=r"invalid regex '\(': missing \), unterminated subpattern"
    ):
        compile_search("(")
    with pytest.raises(QueryError, match="invalid regex '\\['"):
        compile_filter("ok ![")


def test_clear_forgets_lines_but_keeps_numbering() -> None:
    buffer = LineBuffer(10)
    buffer.append(chunk("a", "b"))
    buffer.clear()
    assert len(buffer) == 0
    buffer.append(chunk("c", first=3))
    assert buffer.first == 2 and shown(buffer) == ["c"]
