"""An index over a session log's output lines, so a million lines open in a blink.

Invariant: the text is never loaded; the index holds, per output line, the byte offset of
its record, its process, stream, time and level (about 30 bytes a line), and a scratch file
of the lines' plain text (ANSI-stripped, JSON-unescaped, one per line) that searches scan
in chunks. Lines are read on demand with `pread`. Building runs in chunks (a worker thread
calls `build`); readers see a consistent prefix, `indexed` lines long, at any moment.
The file may still be growing (the live session): only whole records are indexed, and
`build` can be called again later to index what was added.
"""

from __future__ import annotations

import bisect
import json
import os
import tempfile
import threading
from array import array
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import accumulate, compress, repeat
from pathlib import Path
from typing import IO, Final

from devtui.core.problems.line_levels import (
    word_levels,
)
from devtui.core.run.lines import strip_ansi
from devtui.core.sessionlog.layout import (
    LINE_RECORD,
    LINE_RECORD_PREFIX,
    LINES_RECORD_PREFIX,
    line_from_record,
)
from devtui.core.triage.sessionfile import read_header

CHUNK_BYTES: Final = 1 << 20
"""Bytes of log per indexing step: small enough that the worker never holds the GIL long."""
_ONLY: Final = [bytes(p) + b"\x01" + bytes(255 - p) for p in range(256)]
"""Translation tables: `_ONLY[p]` maps byte p to 1 and every other byte to 0."""


@dataclass(frozen=True, slots=True)
class LogLine:
    """One output line, read back from the log."""

    number: int
    """Its position among the session's output lines (0-based, file order)."""
    process: str
    stream: str
    time: float
    seq: int
    raw: str
    """As the child wrote it, colours included (secrets already redacted)."""
    text: str
    """ANSI-stripped."""


@dataclass(frozen=True, slots=True)
class TextChunk:
    """Where the plain text of lines `first`..`first + count - 1` sits in the scratch file."""

    first: int
    count: int
    offset: int
    size: int


class SessionIndex:
    """Random access to the output lines of one session log."""

    def __init__(self, path: Path) -> None:
        """Open `path` (raises `NotASessionLog` for anything else) without indexing it."""
        self.path = path
        self.header = read_header(path)
        self._fd = os.open(path, os.O_RDONLY)
        # Lives as long as the index; `close` releases it.
        self._text: IO[bytes] = tempfile.TemporaryFile(prefix="devtui-triage-")  # noqa: SIM115
        self._lock = threading.Lock()
        self.offsets = array("Q")
        """Byte offset of each line's record (format 2: its chunk's record)."""
        self.within = array("I")
        """Each line's place in its chunk record (format 1: always 0)."""
        self._decoded: dict[int, dict[str, object]] = {}
        """The last chunk records read whole, by offset (lines are read near each other)."""
        self.times = array("d")
        self.process_ids = bytearray()
        self.streams = bytearray()
        """0 stdout, 1 stderr."""
        self.levels = bytearray()
        """Each line's level by its words (problem lines are marked by `mark`)."""
        self.processes: list[str] = []
        self._process_id: dict[bytes, int] = {}
        self._seqs: list[array[int]] = []
        """Per process: the seq of each of its lines, in order."""
        self.lines_of: list[array[int]] = []
        """Per process: the line numbers of its lines, in order."""
        self.chunks: list[TextChunk] = []
        self._scanned = 0
        """Bytes of the log indexed so far (always at a record boundary)."""
        self.size_at_open = os.fstat(self._fd).st_size
        self.done = False
        """Whether `build` reached the end of the file as it was when it started."""

    # ----------------------------------------------------------------- building

    @property
    def indexed(self) -> int:
        """Lines indexed so far."""
        return len(self.offsets)

    @property
    def progress(self) -> float:
        """Share of the file indexed, 0..1."""
        size = max(self.size_at_open, 1)
        return min(1.0, self._scanned / size)

    def build(
        self,
        cancel: threading.Event | None = None,
        on_chunk: Callable[[], None] | None = None,
    ) -> None:
        """Index every whole record from where the last call stopped to the end of the file.

        Args:
            cancel: Set it to stop between chunks.
            on_chunk: Called after each chunk (from this thread).
        """
        self.size_at_open = end = os.fstat(self._fd).st_size
        carry = b""
        position = self._scanned
        while position < end:
            if cancel is not None and cancel.is_set():
                return
            data = carry + os.pread(self._fd, min(CHUNK_BYTES, end - position), position)
            position += len(data) - len(carry)
            last = data.rfind(b"\n")
            if last < 0:
                carry = data
                continue
            chunk, carry = data[: last + 1], data[last + 1 :]
            base = position - len(data)
            self._index_chunk(chunk, base)
            self._scanned = base + len(chunk)
            if on_chunk is not None:
                on_chunk()
        self.done = True

    def _index_chunk(self, chunk: bytes, base: int) -> None:
        if LINES_RECORD_PREFIX in chunk:
            self._index_chunk_records(chunk, base)
            return
        records = chunk.split(b"\n")
        records.pop()  # after the last newline
        starts = accumulate(map((1).__add__, map(len, records[:-1])), initial=base)
        if chunk.count(LINE_RECORD_PREFIX) == len(records):  # the usual: output lines only
            offsets = list(starts)
            line_records = records
        else:  # the prefix cannot occur inside a record: JSON escapes the quotes of a raw
            is_line = list(map(bytes.startswith, records, repeat(LINE_RECORD_PREFIX)))
            offsets = list(compress(starts, is_line))
            line_records = list(compress(records, is_line))
        if not offsets:
            return
        fields = LINE_RECORD.findall(chunk)
        if len(fields) != len(offsets):  # an unusual record: decode each one
            fields = [_fields_of(r) for r in line_records]
        first = len(self.offsets)
        times, names, streams, seqs, raws = zip(*fields, strict=True)
        for name in dict.fromkeys(names):  # in order of appearance: stable process ids
            self._id_of(name)
        ids = bytes(map(self._process_id.__getitem__, names))
        text = _plain_text(raws)
        levels = word_levels(text, len(raws))
        encoded = text.encode("utf-8", "surrogatepass") + b"\n"
        numbers = range(first, first + len(raws))
        with self._lock:
            self._text.seek(0, os.SEEK_END)
            text_offset = self._text.tell()
            self._text.write(encoded)
            self._text.flush()
            self.chunks.append(TextChunk(first, len(raws), text_offset, len(encoded)))
            self.times.extend(map(float, times))
            self.process_ids.extend(ids)
            self.streams.extend(streams_mask(streams))
            self.levels.extend(levels)
            for pid in set(ids):
                mine = ids.translate(_ONLY[pid])
                self._seqs[pid].extend(map(int, compress(seqs, mine)))
                self.lines_of[pid].extend(compress(numbers, mine))
            self.within.extend(repeat(0, len(offsets)))
            self.offsets.extend(offsets)  # last: `indexed` only grows once all is in place

    def _index_chunk_records(self, chunk: bytes, base: int) -> None:
        """Format 2: each chunk record gives its lines in one JSON decode; every per-line
        array is filled by C-level repeats and ranges."""
        first = len(self.offsets)
        offsets, within, times = array("Q"), array("I"), array("d")
        ids, streams = bytearray(), bytearray()
        seqs: list[tuple[int, int, int, int]] = []  # (process id, first seq, first line, count)
        texts: list[str] = []
        offset = base
        for record in chunk.split(b"\n")[:-1]:
            at = offset
            offset += len(record) + 1
            if not record.startswith(LINES_RECORD_PREFIX):
                continue
            data = _json_of(record)
            raws = data.get("raws")
            if not isinstance(raws, list) or not raws:
                continue
            head = line_from_record(data)  # the chunk's own fields
            count = len(raws)
            pid = self._id_of(head.process.encode())
            seqs.append((pid, head.seq, first + len(offsets), count))
            offsets.extend(repeat(at, count))
            within.extend(range(count))
            times.extend(repeat(head.time, count))
            ids.extend(bytes((pid,)) * count)
            streams.extend((b"\x01" if head.stream == "stderr" else b"\x00") * count)
            try:
                texts.append("\n".join(raws))
            except TypeError:  # a damaged record: what it holds, as text
                texts.append("\n".join(map(str, raws)))
        if not offsets:
            return
        text = strip_ansi("\n".join(texts)).replace("\r", " ")
        levels = word_levels(text, len(offsets))
        encoded = text.encode("utf-8", "surrogatepass") + b"\n"
        with self._lock:
            self._text.seek(0, os.SEEK_END)
            text_offset = self._text.tell()
            self._text.write(encoded)
            self._text.flush()
            self.chunks.append(TextChunk(first, len(offsets), text_offset, len(encoded)))
            self.times.extend(times)
            self.process_ids.extend(ids)
            self.streams.extend(streams)
            self.levels.extend(levels)
            for pid, seq, line_number, count in seqs:
                self._seqs[pid].extend(range(seq, seq + count))
                self.lines_of[pid].extend(range(line_number, line_number + count))
            self.within.extend(within)
            self.offsets.extend(offsets)  # last: `indexed` only grows once all is in place

    def _id_of(self, name: bytes) -> int:
        known = self._process_id.get(name)
        if known is not None:
            return known
        number = self._process_id[name] = len(self.processes)
        self.processes.append(name.decode("utf-8", "replace"))
        self._seqs.append(array("q"))
        self.lines_of.append(array("I"))
        return number

    # ----------------------------------------------------------------- reading

    def line(self, number: int) -> LogLine:
        """Output line `number` (0-based), read from the log now."""
        offset = self.offsets[number]
        data = self._decoded.get(offset)
        if data is None:
            data = self.record_at(offset)
            if data.get("kind") == "lines":
                if len(self._decoded) >= 4:
                    self._decoded.pop(next(iter(self._decoded)))
                self._decoded[offset] = data
        if data.get("kind") == "lines":
            raws = data.get("raws")
            within = self.within[number]
            raw = raws[within] if isinstance(raws, list) and within < len(raws) else ""
            head = line_from_record(data)  # the chunk's own fields
            record = replace(head, seq=head.seq + within, raw=str(raw))
        else:
            record = line_from_record(data)
        return LogLine(
            number,
            record.process,
            record.stream,
            record.time,
            record.seq,
            record.raw,
            strip_ansi(record.raw),
        )

    def record_at(self, offset: int) -> dict[str, object]:
        """The JSON record that starts at byte `offset`."""
        size = 4096
        while True:
            data = os.pread(self._fd, size, offset)
            end = data.find(b"\n")
            if end >= 0 or len(data) < size:
                data = data if end < 0 else data[:end]
                break
            size *= 4
        try:
            record = json.loads(data)
        except ValueError:
            return {"kind": "broken", "raw": data.decode("utf-8", "replace")}
        return record if isinstance(record, dict) else {"kind": "broken", "raw": str(record)}

    def text_chunks(self) -> list[TextChunk]:
        """The chunks indexed so far (a snapshot)."""
        with self._lock:
            return list(self.chunks)

    def read_text(self, chunk: TextChunk) -> str:
        """The plain text of a chunk's lines, joined by newlines (with a final one)."""
        data = os.pread(self._text.fileno(), chunk.size, chunk.offset)
        return data.decode("utf-8", "surrogatepass")

    def line_of_seq(self, process: str, seq: int) -> int | None:
        """The line number of `process`'s line `seq`, if indexed."""
        pid = self.process_number(process)
        if pid is None:
            return None
        seqs = self._seqs[pid]
        at = bisect.bisect_left(seqs, seq)
        if at < len(seqs) and seqs[at] == seq:
            return self.lines_of[pid][at]
        return None

    def line_at_offset(self, offset: int) -> int:
        """How many output lines come before byte `offset` (where an event record sits)."""
        return bisect.bisect_left(self.offsets, offset)

    def first_line_after(self, at: float) -> int:
        """The first line written at or after time `at` (lines are in time order)."""
        return bisect.bisect_left(self.times, at)

    def process_number(self, process: str) -> int | None:
        """The id `process_ids` uses for `process` (None: it wrote no line)."""
        try:
            return self.processes.index(process)
        except ValueError:
            return None

    def close(self) -> None:
        """Release the file and the scratch text."""
        try:
            os.close(self._fd)
        except OSError:
            pass
        self._text.close()


def _json_of(record: bytes) -> dict[str, object]:
    """A record as JSON (a damaged one: empty)."""
    try:
        value = json.loads(record)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _fields_of(record: bytes) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """The slow path: one line record's fields, as `LINE_RECORD` would give them."""
    try:
        value = json.loads(record)
    except ValueError:
        value = {}
    raw = json.dumps(str(value.get("raw", record.decode("utf-8", "replace"))))[1:-1]
    stream = b"err" if value.get("stream") == "stderr" else b"out"
    return (
        str(value.get("time", 0)).encode(),
        str(value.get("process", "?")).encode(),
        stream,
        str(value.get("seq", 0)).encode(),
        raw.encode(),
    )


def _plain_text(raws: tuple[bytes, ...]) -> str:
    """The lines' text, ANSI-stripped and unescaped, joined by newlines (one JSON decode)."""
    joined = b"\n".join(raws)
    if b"\\" in joined:
        try:
            text = json.loads(b'"' + joined.replace(b"\n", b"\\n") + b'"')
        except ValueError:
            text = joined.decode("utf-8", "replace")
    else:
        text = joined.decode("utf-8", "replace")
    text = strip_ansi(text)
    return text.replace("\r", " ")


def streams_mask(streams: tuple[bytes, ...]) -> bytes:
    """1 for each stderr line, 0 for stdout."""
    return b"".join(streams).replace(b"out", b"\x00").replace(b"err", b"\x01")
