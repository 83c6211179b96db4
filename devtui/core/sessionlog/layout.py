"""The session log's byte layout of output records: written by the log writer, read by
triage's index and the control socket's log queries.

Invariant: the writer (`lines_record`) and every fast reader (`LINES_RECORD_PREFIX`,
`chunk_lines_in`, and for logs of format 1 `LINE_RECORD_PREFIX`, `LINE_RECORD`) use this
module, so the layout cannot change on one side only; tests/unit/test_records.py writes
awkward lines and reads them back through the fast patterns and `json.loads`. It imports
nothing of devtui's: the writer process starts with it alone.

Format 2 (`LOG_FORMAT_VERSION`): one record per chunk of output (the lines one pipe read
gave), keys in this order, no spaces:
    {"kind":"lines","time":T,"process":"P","stream":"stdout","seq":N,"count":K,"raws":[R…]}
The chunk's lines are `seq` … `seq + count - 1`; writing and indexing cost one C-level JSON
encode or decode per chunk, not per line. Format 1 (still read) had one record per line:
    {"kind":"line","time":T,"process":"P","stream":"stdout","seq":N,"raw":"R"}
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Final

import orjson

LINE_RECORD_PREFIX: Final = b'{"kind":"line",'
"""How every output-line record starts; it cannot occur inside a record, whose quotes JSON
escapes."""
LINE_RECORD: Final = re.compile(
    rb'^\{"kind":"line","time":([-+0-9.eE]+),"process":"([^"\\\n]*)",'
    rb'"stream":"std(out|err)","seq":(\d+),"raw":"(.*)"\}$',
    re.MULTILINE,
)
"""`line_records`' exact layout: groups time, process, out|err, seq, the raw line still
JSON-escaped (a process name with characters JSON escapes takes the slow path)."""


LINES_RECORD_PREFIX: Final = b'{"kind":"lines",'
"""How every chunk record starts (format 2); like every record's, never inside one."""
_LINES_COUNT: Final = re.compile(rb'\{"kind":"lines",[^\n]*?,"count":(\d+),"raws":\[')


def chunk_lines_in(data: bytes) -> int:
    """How many output lines the chunk records in `data` hold (records start after a
    newline, so `data` should begin with one): each record found at memchr speed, its
    count read from its head (a quote inside a process name is escaped, so the first
    `,"count":` is the head's)."""
    needle = b"\n" + LINES_RECORD_PREFIX
    total = 0
    at = data.find(needle)
    while at >= 0:
        head = _LINES_COUNT.match(data, at + 1)
        if head is not None:
            total += int(head[1])
        at = data.find(needle, at + 1)
    return total


def json_line(value: object) -> bytes:
    """`value` as one compact JSON line in UTF-8: a frame devtui hands its log writer, a
    record the writer writes. A lone surrogate (a file name of undecodable bytes, as
    Python decodes them) is written as its JSON escape, never an encoding error that
    would stop the log."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "backslashreplace") + b"\n"


def _encoded_raws(raws: Sequence[str]) -> bytes:
    """The lines as one compact JSON array in UTF-8: orjson escapes a whole chunk about
    ten times faster than the standard library's encoder, the log writer's largest cost.
    A line holding a lone surrogate (never one decoded from a pipe) takes the standard
    encoder's escapes."""
    try:
        return orjson.dumps(raws if isinstance(raws, list) else list(raws))
    except orjson.JSONEncodeError:
        return json.dumps(list(raws), separators=(",", ":")).encode("ascii")


def lines_record(
    process: str, stream: str, at: float, first_seq: int, raws: Sequence[str]
) -> bytes:
    """One chunk of output as one record, UTF-8, with its newline."""
    head = (
        f'{{"kind":"lines","time":{at:.3f},"process":{encode_basestring(process)},'
        f'"stream":{encode_basestring(stream)},"seq":{first_seq},"count":{len(raws)},"raws":'
    )
    return b"".join((head.encode("utf-8"), _encoded_raws(raws), b"}\n"))


def lines_from_record(record: Mapping[str, object]) -> list[LineRecord]:
    """A chunk record's lines, decoded (damaged fields read as `line_from_record` does)."""
    raws = record.get("raws")
    first = line_from_record(record)  # the chunk's own fields
    if not isinstance(raws, list):
        return []
    return [
        LineRecord(first.process, first.stream, first.time, first.seq + index, str(raw))
        for index, raw in enumerate(raws)
    ]


def line_records(process: str, stream: str, at: float, first_seq: int, raws: Sequence[str]) -> str:
    """Format 1: the JSON lines of one chunk of output, one record per line (devtui writes
    format 2; this writes old logs for the tests that check they are still read)."""
    head = (
        f'{{"kind":"line","time":{at:.3f},"process":{encode_basestring(process)},'
        f'"stream":{encode_basestring(stream)},"seq":'
    )
    return "".join(
        f'{head}{seq},"raw":{encode_basestring(raw)}}}\n' for seq, raw in enumerate(raws, first_seq)
    )


@dataclass(frozen=True, slots=True)
class LineRecord:
    """One output-line record, decoded."""

    process: str
    stream: str
    time: float
    seq: int
    raw: str


def line_from_record(record: Mapping[str, object]) -> LineRecord:
    """`line_records`' inverse for one record read the slow way (damaged fields read as
    an unnamed process's empty stdout line at time 0)."""
    at, seq = record.get("time"), record.get("seq")
    return LineRecord(
        process=str(record.get("process", "?")),
        stream="stderr" if record.get("stream") == "stderr" else "stdout",
        time=float(at) if isinstance(at, int | float) else 0.0,
        seq=seq if isinstance(seq, int) else 0,
        raw=str(record.get("raw", "")),
    )
