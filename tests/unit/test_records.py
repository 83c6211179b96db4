"""The session log's records round-trip: what the writer writes, the fast pattern and JSON
both read back, for the awkward lines output holds; a problem record decodes to the
`Problem` that wrote it."""

from __future__ import annotations

import json

import pytest

from devtui.core.problems.book import Problem, Severity
from devtui.core.sessionlog.layout import (
    LINE_RECORD,
    LINE_RECORD_PREFIX,
    LINES_RECORD_PREFIX,
    LineRecord,
    chunk_lines_in,
    line_from_record,
    line_records,
    lines_from_record,
    lines_record,
)
from devtui.core.sessionlog.records import problem_from_record, problem_record

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


def test_a_line_read_the_slow_way_decodes_to_the_same_fields() -> None:
    text = line_records("vite", "stderr", 12.5, 7, ['a "quoted" line'])
    line = line_from_record(json.loads(text))
    assert line == LineRecord("vite", "stderr", 12.5, 7, 'a "quoted" line')
    damaged = line_from_record({"kind": "line", "time": "soon", "seq": "x", "stream": "?"})
    assert damaged == LineRecord("?", "stdout", 0.0, 0, "")


def test_a_problem_record_decodes_to_the_problem_that_wrote_it() -> None:
    problem = Problem(
        rule="node-builtin-in-v8",
        severity=Severity.ERROR,
        title="Node built-in in a V8 file",
        message='Could not resolve "crypto"',
        process="convex",
        fingerprint="node-builtin|convex/ai.ts|crypto",
        first_seen=1_800_000_000.0,
        last_seen=1_800_000_042.0,
        count=3,
        file="convex/ai.ts",
        line=1,
        column=28,
        symbol="crypto",
        explanation="why",
        fix="fix",
        docs="https://docs.convex.dev",
        lines=("✘ [ERROR] Could not resolve", "  convex/ai.ts:1:28"),
        first_seq=4,
        occurrence_seqs=(9, 10),
        resolved=True,
        sources=("lint", "push"),
        reporters=(),
        attempt=2,
        resolved_at=1_800_000_050.0,
    )
    written = json.loads(json.dumps(problem_record(problem)))
    assert problem_from_record(written) == problem


def test_an_old_or_damaged_problem_record_still_decodes() -> None:
    decoded = problem_from_record(
        {"rule": "push-failed", "message": "boom", "severity": "dire", "sources": ["x", "lint"]},
        at=5.0,
    )
    assert decoded.fingerprint == "push-failed|boom"
    assert decoded.severity is Severity.INFO  # unknown: the mildest
    assert (decoded.first_seen, decoded.last_seen, decoded.count) == (5.0, 5.0, 1)
    assert decoded.sources == ("lint",)
    assert problem_from_record({"rule": "r"}).severity is Severity.ERROR  # before severities


def test_a_chunk_record_holds_what_the_standard_encoder_writes() -> None:
    # The lines are escaped by orjson for speed; the bytes must be the layout's own.
    data = lines_record("convex", "stderr", 12.5, 7, AWKWARD)
    standard = json.dumps(AWKWARD, ensure_ascii=False, separators=(",", ":"))
    assert data.decode("utf-8") == (
        '{"kind":"lines","time":12.500,"process":"convex","stream":"stderr","seq":7,'
        f'"count":{len(AWKWARD)},"raws":{standard}}}\n'
    )


def test_a_line_holding_a_lone_surrogate_still_makes_a_valid_record() -> None:
    data = lines_record("convex", "stdout", 1.0, 1, ["ok", "bad \udc80 byte"])
    assert json.loads(data)["raws"] == ["ok", "bad \udc80 byte"]


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_a_chunk_record_round_trips_through_its_pattern_and_json(stream: str) -> None:
    data = lines_record("convex", stream, 1_800_000_000.123456, 41, AWKWARD)
    text = data.decode("utf-8")
    assert text.endswith("}\n") and text.count("\n") == 1  # one record, one line
    assert data.startswith(LINES_RECORD_PREFIX)
    assert chunk_lines_in(b"\n" + data + data) == 2 * len(AWKWARD)  # counted from the heads
    decoded = json.loads(text)
    assert (decoded["time"], decoded["process"], decoded["stream"], decoded["seq"]) == (
        1_800_000_000.123,
        "convex",
        stream,
        41,
    )
    assert decoded["count"] == len(AWKWARD)
    assert decoded["raws"] == AWKWARD
    lines = lines_from_record(decoded)
    assert [line.raw for line in lines] == AWKWARD
    assert [line.seq for line in lines] == list(range(41, 41 + len(AWKWARD)))
    assert {(line.process, line.stream) for line in lines} == {("convex", stream)}
    assert data.count(LINE_RECORD_PREFIX) == 0 and data.count(LINES_RECORD_PREFIX) == 1
