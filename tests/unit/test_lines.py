"""LineAssembler: byte chunks to whole lines, whatever the chunking."""

from __future__ import annotations

from devtui.core.run.lines import LineAssembler, plain_chunk, strip_ansi


def assemble(*chunks: bytes, limit: int | None = None) -> list[str]:
    assembler = LineAssembler(limit) if limit else LineAssembler()
    lines: list[str] = []
    for chunk in chunks:
        lines += assembler.feed(chunk)
    return lines + assembler.finish()


def test_newline_and_crlf_end_lines() -> None:
    assert assemble(b"a\nb\r\nc\n") == ["a", "b", "c"]


def test_blank_lines_are_kept() -> None:
    assert assemble(b"\n\nx\n\n") == ["", "", "x", ""]


def test_bare_carriage_return_keeps_the_last_state() -> None:
    assert assemble(b"progress 10%\rprogress 50%\rprogress 100%\n") == ["progress 100%"]


def test_trailing_carriage_return_keeps_the_drawn_state() -> None:
    assert assemble(b"50%\r\n") == ["50%"]
    assert assemble(b"done\r") == ["done"]


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    assert assemble(b"first\r", b"\nsecond\n") == ["first", "second"]


def test_final_line_without_newline_is_flushed_at_the_end() -> None:
    assert assemble(b"a\nno newline") == ["a", "no newline"]


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert assemble(b"bad \xff\xfe end\n") == ["bad \ufffd\ufffd end"]


def test_multibyte_character_split_across_chunks() -> None:
    encoded = "café ✔\n".encode()
    for cut in range(1, len(encoded)):
        assert assemble(encoded[:cut], encoded[cut:]) == ["café ✔"], cut


def test_a_line_arriving_in_many_chunks_is_one_line() -> None:
    chunks = [b"x" * 1000] * 300 + [b"\n"]
    assert assemble(*chunks) == ["x" * 300_000]


def test_a_line_over_the_limit_is_passed_on_in_pieces_with_nothing_lost() -> None:
    data = b"0123456789" * 25 + b"\nnext\n"
    lines = assemble(data[:100], data[100:], limit=64)
    assert "".join(lines[:-1]) == "0123456789" * 25
    assert all(len(piece) <= 64 for piece in lines)
    assert lines[-1] == "next"


def test_a_mebibyte_line_passes_whole() -> None:
    line = b"L" * (1536 * 1024)
    assert assemble(line[:65536], line[65536:] + b"\n") == ["L" * (1536 * 1024)]


def test_strip_ansi_removes_colours_cursor_moves_and_hyperlinks() -> None:
    raw = "\x1b[32m✔\x1b[39m ready\x1b[K \x1b]8;;http://x\x07link\x1b]8;;\x07"
    assert strip_ansi(raw) == "✔ ready link"


def test_strip_ansi_leaves_plain_text_alone() -> None:
    text = "plain [not an escape] text"
    assert strip_ansi(text) is text


def test_stripping_a_chunk_keeps_one_text_per_line() -> None:
    raws = [
        "\x1b[32mgreen\x1b[0m",
        "plain",
        "\x1b]8;;http://x\x07link\x1b]8;;\x07",
        "",
        "\x1b",
        "\x1b[",  # a cut sequence at a line's end never eats the newline after it
        "next",
    ]
    joined, texts = plain_chunk(raws)
    assert texts == ["green", "plain", "link", "", "", "[", "next"]
    assert texts == [strip_ansi(raw) for raw in raws]
    assert joined == "\n".join(texts)
    plain = ["a", "b"]
    assert plain_chunk(plain) == ("a\nb", plain) and plain_chunk(plain)[1] is plain


def test_a_spinner_that_never_ends_its_line_keeps_one_state_in_memory() -> None:
    assembler = LineAssembler(max_line_chars=1024)
    for frame in range(100_000):  # 100,000 redraws, ~2 MB, and never a newline
        assert assembler.feed(f"⠋ pushing {frame:06d}\r".encode()) == []
    assert assembler._partial_chars < 64
    assert assembler.feed(b"done\n") == ["done"]


def test_collapsing_keeps_a_final_carriage_return_for_a_split_crlf() -> None:
    assembler = LineAssembler()
    assert assembler.feed(b"one\rtwo\r") == []
    assert assembler.feed(b"\nthree\n") == ["two", "three"]
    assert assembler.feed(b"abc\r\r") == []
    assert assembler.feed(b"\n") == ["abc"]
