"""The control protocol: versioned JSON lines over the project's Unix socket.

Invariant: one definition of what travels on the socket, shared by the server (in every
running devtui), the CLI verbs and the MCP server. Version 1:

A connection carries requests one after another, each one JSON object on one line
(at most `MAX_REQUEST_BYTES`):

    {"v": 1, "id": 7, "op": "status"}

and gets, for each, one answer line with the same `id`:

    {"v": 1, "id": 7, "ok": true, "result": {...}}
    {"v": 1, "id": 7, "ok": false, "error": {"code": "unknown-process", "message": "..."}}

A `logs` request with `"follow": true` answers as usual, then sends one line per new
output line, `{"v": 1, "id": 7, "line": {...}}`, until the client closes the connection
or devtui stops (then `{"v": 1, "id": 7, "ok": true, "result": {"ended": "..."}}`).

Operations and their arguments (all optional unless said):

- `hello`: who answers: `devtui` (version), `protocol`, `pid`, `started` (epoch s),
  `front_end` (`tui` | `headless` | `ci`), `root`, `config`, `session_log`.
- `status`: `{devtui: <hello>, ready: bool, processes: [...], problems: {open: {error,
  warning, info}, resolved}}`; a process: `name, kind, state, reason, pid, ready_after_s,
  pushes, failed_pushes, last_push_s, restarts, exit_code, url, stale_since, rss_mb`.
- `problems`: `all` (bool: resolved ones too) → `{problems: [problem records]}` (the
  session log's and `--json`'s problem record).
- `logs`: `process` (name), `stream` (`stdout` | `stderr`), `last` (int, default 100,
  at most `MAX_LOG_LINES`), `since` (epoch s), `grep` (RE2 syntax, smart case),
  `follow` (bool) → `{lines: [{process, stream, time, seq, text}], matched: int,
  truncated: bool, source: "session-log" | "memory"}`; `text` has colours and control
  sequences removed.
- `restart`, `start`: `process` (required) → `{process, state}`.
- `stop`: `process` → `{process, state}`; without one, the whole devtui stops:
  `{stopping: true}`.
- `wait`: `timeout` (s, default 60), `until` (`ready`) → `{outcome: "ready" | "timeout" |
  "problem" | "exited", code: 0 | 3 | 4 | 1, reason, problem?}` (codes as `devtui ci`).

Error codes: `bad-request` (not JSON, not an object, a wrong argument), `too-large`,
`unknown-op`, `unknown-process`, `version` (a `v` this devtui does not speak), `busy`
(too many connections), `not-now` (e.g. devtui is stopping), `internal`.
"""

from __future__ import annotations

import json
from typing import Final

VERSION: Final = 1
"""The protocol version this devtui speaks (a request's `v`)."""
MAX_REQUEST_BYTES: Final = 64 * 1024
"""The longest request line: anything longer is answered `too-large` and the connection
closed."""
MAX_LOG_LINES: Final = 10_000
"""The most lines one `logs` answer carries."""
MAX_CONNECTIONS: Final = 64
"""Connections served at once; the next is answered `busy` and closed."""
IDLE_TIMEOUT_S: Final = 300.0
"""A connection that sends nothing for this long is closed (a follow is not idle)."""
SLOW_READER_BYTES: Final = 4 * 1024 * 1024
"""A follower that lets this much pile up unread is dropped, never waited for."""

OPS: Final = ("hello", "status", "problems", "logs", "restart", "start", "stop", "wait")


class ControlError(Exception):
    """A request the server refused; `code` is one of the protocol's error codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def known_process(name: object, names: list[str]) -> None:
    """Raise `ControlError` (naming the stack's processes) unless `name` is one of `names`."""
    if name not in names:
        raise ControlError("unknown-process", f"no process {name!r} (known: {', '.join(names)})")


def encode(message: dict[str, object]) -> bytes:
    """One protocol line."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def answer(request_id: object, result: dict[str, object]) -> bytes:
    """A successful answer to request `request_id`."""
    return encode({"v": VERSION, "id": request_id, "ok": True, "result": result})


def refusal(request_id: object, code: str, message: str) -> bytes:
    """An error answer to request `request_id`."""
    error = {"code": code, "message": message}
    return encode({"v": VERSION, "id": request_id, "ok": False, "error": error})


def decode_request(line: bytes) -> tuple[object, str, dict[str, object]]:
    """(id, op, arguments) of one request line.

    Raises:
        ControlError: not a request this protocol knows.
    """
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError):  # (nesting 60,000 deep)
        raise ControlError("bad-request", "a request is one JSON object per line") from None
    if not isinstance(message, dict):
        raise ControlError("bad-request", "a request is a JSON object")
    request_id = message.pop("id", None)
    version = message.pop("v", VERSION)
    if version != VERSION:
        raise ControlError("version", f"this devtui speaks protocol {VERSION}, not {version!r}")
    op = message.pop("op", None)
    if not isinstance(op, str):
        raise ControlError("bad-request", "a request names its `op`")
    if op not in OPS:
        raise ControlError("unknown-op", f"unknown op {op!r}; known: {', '.join(OPS)}")
    return request_id, op, message
