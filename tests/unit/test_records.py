"""The line-record layout round-trips: what the writer writes, the fast pattern and JSON
both read back, for the awkward lines output holds."""

from __future__ import annotations

import json

import pytest

from devtui.core.sessionlog.records import LINE_RECORD, LINE_RECORD_PREFIX, line_records

AWKWARD = [
    "plain",
    "",
    'quotes " and backslashes \\ and a tab\t',
    "colours \x1b[31mred\x1b[0m and a bell \x07",
    "unicode ✔ ✖ 日本語 and an emoji 🚀",
    "a \u2028 line separator and \u2029",
    '{"kind":"line","looks":"like a record"}',
    "x" * 5000,
]


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_what_the_writer_writes_both_readers_read_back(stream: str) -> None:
    text = line_records("convex", stream, 1_800_000_000.123456, 41, AWKWARD)
    records = text.encode().splitlines()
    assert len(records) == len(AWKWARD)
    assert all(record.startswith(LINE_RECORD_PREFIX) for record in records)
    assert text.encode().count(LINE_RECORD_PREFIX) == len(AWKWARD), "never inside a record"
    fast = LINE_RECORD.findall(text.encode())
    assert len(fast) == len(AWKWARD)
    for (at, process, out_err, seq, raw), record, expected in zip(
        fast, records, AWKWARD, strict=True
    ):
        decoded = json.loads(record)
        assert decoded == {
            "kind": "line",
            "time": 1_800_000_000.123,
            "process": "convex",
            "stream": stream,
            "seq": decoded["seq"],
            "raw": expected,
        }
        assert (float(at), process, b"std" + out_err) == (
            1_800_000_000.123,
            b"convex",
            stream.encode(),
        )
        assert json.loads(b'"' + raw + b'"') == expected  # the group is still JSON-escaped
        assert int(seq) == decoded["seq"]
    assert [json.loads(r)["seq"] for r in records] == list(range(41, 41 + len(AWKWARD)))


def test_a_process_name_json_must_escape_is_still_json() -> None:
    text = line_records('we"ird', "stdout", 1.0, 1, ["x"])
    assert LINE_RECORD.findall(text.encode()) == []  # the slow path takes it
    assert json.loads(text)["process"] == 'we"ird'
