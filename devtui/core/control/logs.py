"""Answering `logs`: a running session's output, filtered, the newest lines last.

Invariant: a query never scans the session log from the top: it reuses the triage index
(`SessionIndex`, built once and extended with what was written since), narrows by process,
stream and time with its byte masks, and greps the index's plain-text chunks with RE2
(linear time, whatever a client sends). Without a session log (keep_logs = 0) the answer
comes from the last lines each process keeps in memory, and says so.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

from devtui.core.control.protocol import MAX_LOG_LINES, ControlError, known_process
from devtui.core.problems.patterns import PatternError, re2_pattern
from devtui.core.terminal_text import visible_controls
from devtui.core.triage.index import SessionIndex
from devtui.core.triage.search import mark_lines
from devtui.core.triage.sessionfile import NotASessionLog
from devtui.core.triage.view import ViewSpec, view_lines

Stream = Literal["stdout", "stderr"]
T = TypeVar("T")
DEFAULT_LAST: Final = 100


@dataclass(frozen=True, slots=True)
class LogQuery:
    """What a `logs` request asks for."""

    process: str | None = None
    stream: Stream | None = None
    last: int = DEFAULT_LAST
    since: float | None = None
    grep: str | None = None

    @classmethod
    def of(cls, args: dict[str, object], processes: list[str]) -> LogQuery:
        """The query a request's arguments make (raises `ControlError` naming the bad one)."""
        process = args.get("process")
        if process is not None:
            known_process(process, processes)
        stream = args.get("stream")
        if stream not in (None, "stdout", "stderr"):
            raise ControlError("bad-request", "`stream` is stdout or stderr")
        last = args.get("last", DEFAULT_LAST)
        if not isinstance(last, int) or isinstance(last, bool) or last < 0:
            raise ControlError("bad-request", "`last` is a number of lines, 0 or more")
        since = args.get("since")
        if since is not None and (not isinstance(since, int | float) or isinstance(since, bool)):
            raise ControlError("bad-request", "`since` is a time in epoch seconds")
        grep = args.get("grep")
        if grep is not None and (not isinstance(grep, str) or not grep):
            raise ControlError("bad-request", "`grep` is a regular expression")
        if isinstance(grep, str):
            compile_grep(grep)  # refused now, before any work
        return cls(
            process if isinstance(process, str) else None,
            stream,  # checked above
            min(last, MAX_LOG_LINES),
            float(since) if since is not None else None,
            grep if isinstance(grep, str) else None,
        )


def compile_grep(source: str) -> Any:
    """`source` for RE2, case-insensitive unless it has a capital letter (smart case), `^`
    and `$` at each line's ends."""
    flags = "(?m)" if any(ch.isupper() for ch in source) else "(?mi)"
    try:
        return re2_pattern(flags + source)
    except PatternError as error:
        raise ControlError(
            "bad-request",
            f"grep {source!r} is not a pattern RE2 takes ({error}); lookaround and "
            "backreferences are not supported",
        ) from None


def grep_mask(index: SessionIndex, pattern: Any, total: int) -> bytearray:
    """1 for each of the first `total` indexed lines `pattern` finds a match in.

    One `finditer` per text chunk, over its UTF-8 bytes: RE2's Python binding encodes a str
    on every call and converts every match's offsets back.
    """
    mask = bytearray(total)
    for chunk in index.text_chunks():
        if chunk.first >= total:
            break
        # As UTF-8 bytes: the binding converts no offsets (per match, for a str), and a
        # newline is one byte, so the lines are the same.
        data = index.read_text(chunk).encode("utf-8", "surrogatepass")
        mark_lines(data, (hit.start() for hit in pattern.finditer(data)), chunk.first, mask)
    return mask


def newest(items: Sequence[T], last: int) -> Sequence[T]:
    """The last `last` of `items` (none for 0; all when there are fewer)."""
    return items[max(0, len(items) - last) :] if last else items[:0]


@dataclass(frozen=True, slots=True)
class LogAnswer:
    lines: list[dict[str, object]]
    matched: int
    truncated: bool
    source: Literal["session-log", "memory"]

    def as_result(self) -> dict[str, object]:
        return {
            "lines": self.lines,
            "matched": self.matched,
            "truncated": self.truncated,
            "source": self.source,
        }


class LogReader:
    """The running session's log, indexed on demand (one query at a time)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._index: SessionIndex | None = None
        self._lock = threading.Lock()

    def query(self, query: LogQuery) -> LogAnswer:
        """Run `query` over everything written so far (call from a worker thread)."""
        with self._lock:
            index = self._built_index()
            if index is None:  # its header is not written yet: nothing to read
                return LogAnswer([], 0, False, "session-log")
            total = index.indexed
            spec = ViewSpec(
                processes=frozenset({query.process}) if query.process else None,
                stream=query.stream,
            )
            first = index.first_line_after(query.since) if query.since is not None else 0
            grep = (
                [bytes(grep_mask(index, compile_grep(query.grep), total))]
                if query.grep is not None
                else []
            )
            numbers = view_lines(index, [], spec, first=first, masks_too=grep)
            lines = [_line_of(index, n) for n in newest(numbers, query.last)]
            return LogAnswer(lines, len(numbers), len(numbers) > len(lines), "session-log")

    def holds(self, seqs: dict[str, int]) -> bool:
        """Whether the log has been written up to each process's line `seqs[name]` (the
        writer is a step behind the bus; call from a worker thread)."""
        with self._lock:
            index = self._built_index()
            if index is None:
                return not any(seqs.values())
            return all(
                not seq or index.line_of_seq(name, seq) is not None for name, seq in seqs.items()
            )

    def _built_index(self) -> SessionIndex | None:
        """The index, opened on first use and extended to what was written since (None
        while the log's header is not written yet). Call holding the lock."""
        if self._index is None:
            try:
                self._index = SessionIndex(self.path)
            except NotASessionLog:
                return None
        self._index.build()
        return self._index

    def close(self) -> None:
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None


def _line_of(index: SessionIndex, number: int) -> dict[str, object]:
    line = index.line(number)
    return line_entry(line.process, line.stream, line.time, line.seq, line.text)


def line_entry(process: str, stream: str, at: float, seq: int, text: str) -> dict[str, object]:
    """One line as the protocol sends it: its text can only print (no control sequences)."""
    return {
        "process": process,
        "stream": stream,
        "time": round(at, 3),
        "seq": seq,
        "text": visible_controls(text),
    }
