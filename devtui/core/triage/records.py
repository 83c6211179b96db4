"""The few records of a session log that are not output lines: problems, states, the end.

Invariant: found with `bytes.find` for each kind's exact prefix, a chunk at a time
(memchr speed: a 150 MB log is scanned in a fraction of a second, and never mapped whole
into memory), so the problems table is up before the lines are indexed. The writer starts
every record with `{"kind":"…"`; a raw line's quotes are escaped, so the prefix after a
newline can only start a record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from devtui.core.sessionlog.layout import LINE_RECORD_PREFIX, chunk_lines_in

KINDS: Final = ("problem", "state", "end", "lint")
"""The record kinds triage reads."""
SCAN_CHUNK: Final = 8 << 20


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One record and where it sits in the file."""

    offset: int
    record: dict[str, object]

    @property
    def kind(self) -> str:
        return self.text("kind")

    @property
    def time(self) -> float | None:
        """When it was written (epoch seconds), if it says."""
        at = self.record.get("time")
        return float(at) if isinstance(at, int | float) else None

    def text(self, key: str) -> str:
        """Field `key` as text ("" when absent)."""
        value = self.record.get(key)
        return "" if value is None else str(value)

    def integer(self, key: str) -> int | None:
        """Field `key` when it is a whole number."""
        value = self.record.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class RecordScan:
    """What one pass over the log found."""

    records: list[EventRecord]
    """Every record of the kinds asked for, in file order."""
    lines: int
    """How many output-line records the log holds."""
    skipped: int = 0
    """Records of the kinds asked for that could not be read (cut short, not JSON)."""


def scan_records(path: Path, kinds: tuple[str, ...] = KINDS) -> RecordScan:
    """Every record of `kinds` in the log, and the number of output lines (whole records
    only), in one pass."""
    needles = [b'\n{"kind":"' + kind.encode() + b'"' for kind in kinds]
    found: list[EventRecord] = []
    lines = 0
    skipped = 0
    carry = b""
    position = 0  # file offset of the first byte of `carry`
    with open(path, "rb") as handle:
        while block := handle.read(SCAN_CHUNK):
            data = carry + block
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                continue
            part = b"\n" + data[:cut]  # starts and ends at record boundaries
            lines += part.count(LINE_RECORD_PREFIX)  # format 1: a record per line
            lines += chunk_lines_in(part)  # format 2: a record per chunk, saying its count
            for needle in needles:
                at = part.find(needle)
                while at >= 0:
                    end = part.find(b"\n", at + 1)
                    try:
                        record = json.loads(part[at + 1 : end])
                    except ValueError:
                        record = None
                    if isinstance(record, dict):
                        found.append(EventRecord(position + at, record))
                    else:
                        skipped += 1
                    at = part.find(needle, end)
            carry = data[cut:]
            position += cut
    found.sort(key=lambda r: r.offset)
    if carry.strip():  # a last record without its newline: cut short (or still written)
        skipped += sum(carry.startswith(needle[1:]) for needle in needles)
    return RecordScan(found, lines, skipped)
