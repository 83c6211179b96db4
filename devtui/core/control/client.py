"""Reaching the devtui that runs in a project: for the CLI verbs and the MCP server.

Invariant: a client never hangs on a devtui that stopped answering (every read has a
deadline), and "nothing runs here" is one exception that says every place it looked.
"""

from __future__ import annotations

import itertools
import json
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

from devtui.core.control.place import connect, is_claimed, socket_path
from devtui.core.control.protocol import VERSION, ControlError, encode

ANSWER_TIMEOUT_S: Final = 10.0
"""How long a plain request may wait for its answer."""
REFUSAL_READ_S: Final = 1.0
"""How long a client whose request met a closed socket looks for the refusal sent first."""


class NotRunning(Exception):
    """No devtui answers in any of the places looked at; the message names them."""


SOCKET_HINT: Final = ".devtui/control.sock"


def find_project(start: Path, fallbacks: tuple[Path, ...] = ()) -> Path:
    """The nearest folder from `start` upwards (then each of `fallbacks`) where a devtui
    runs; raises `NotRunning` naming where it looked."""
    for folder in (start, *start.parents, *fallbacks):
        if socket_path(folder).exists() and is_claimed(folder):
            return folder
    places = f"{start} and its parents" + "".join(f", {f}" for f in fallbacks)
    raise NotRunning(f"no devtui is running here (looked for {SOCKET_HINT} in {places})")


class ControlClient:
    """One connection to a running devtui; requests are answered in order."""

    def __init__(self, sock: socket.socket, root: Path) -> None:
        self._sock = sock
        self._file = sock.makefile("rb")
        self._ids = itertools.count(1)
        self.root = root

    @classmethod
    def connect(cls, root: Path, timeout: float = ANSWER_TIMEOUT_S) -> ControlClient:
        """Connect to the devtui running in `root` (raises `NotRunning`)."""
        try:
            sock = connect(socket_path(root), timeout)
        except OSError:
            raise NotRunning(f"no devtui answers at {socket_path(root)}") from None
        return cls(sock, root)

    def request(
        self, op: str, /, answer_timeout: float | None = ANSWER_TIMEOUT_S, **args: object
    ) -> dict[str, object]:
        """`ask` with the protocol's arguments as keywords."""
        return self.ask(op, args, answer_timeout)

    def ask(
        self,
        op: str,
        args: Mapping[str, object],
        answer_timeout: float | None = ANSWER_TIMEOUT_S,
    ) -> dict[str, object]:
        """Send one request (`args` are the protocol's) and return its result. A `wait`
        waits for its answer as long as its own `timeout` and a little more.

        Raises:
            ControlError: the server refused it (its code and message).
            ConnectionError: the devtui went away (or took longer than `answer_timeout`).
        """
        request_id = self._send(op, args)
        waited = args.get("timeout")
        if op == "wait" and answer_timeout is not None:
            answer_timeout = max(
                answer_timeout,
                (float(waited) if isinstance(waited, int | float) else 60.0) + ANSWER_TIMEOUT_S,
            )
        self._sock.settimeout(answer_timeout)
        return self._result(request_id, self._read())

    def stream(self, op: str, args: Mapping[str, object]) -> Iterator[dict[str, object]]:
        """Send a following request (`logs` with follow): its result first, then each
        pushed line's message, until devtui ends the stream or stops."""
        request_id = self._send(op, args)
        self._sock.settimeout(ANSWER_TIMEOUT_S)
        yield self._result(request_id, self._read())
        self._sock.settimeout(None)
        while True:
            try:
                message = self._read()
            except ConnectionError:
                return
            if "line" in message:
                yield message
            else:
                yield self._result(request_id, message)
                return

    def close(self) -> None:
        self._file.close()
        self._sock.close()

    def __enter__(self) -> ControlClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _send(self, op: str, args: Mapping[str, object]) -> int:
        request_id = next(self._ids)
        try:
            self._sock.sendall(encode({"v": VERSION, "id": request_id, "op": op, **args}))
        except OSError as error:
            refusal = self._refusal()
            if refusal is not None:
                raise refusal from None
            raise ConnectionError(f"devtui in {self.root} went away: {error}") from None
        return request_id

    def _refusal(self) -> ControlError | None:
        """What devtui said before closing a connection it would not serve (too many
        clients: it answers at once, unasked, so the request may meet a closed socket)."""
        try:
            self._sock.settimeout(REFUSAL_READ_S)
            message = self._read()
        except (ConnectionError, ValueError):
            return None
        return _error_in(message)

    def _read(self) -> dict[str, object]:
        try:
            line = self._file.readline()
        except TimeoutError:
            raise ConnectionError(f"devtui in {self.root} did not answer in time") from None
        except OSError as error:
            raise ConnectionError(f"devtui in {self.root} went away: {error}") from None
        if not line:
            raise ConnectionError(f"devtui in {self.root} closed the connection")
        message = json.loads(line)
        if not isinstance(message, dict):
            raise ConnectionError(f"devtui in {self.root} answered something unreadable")
        return message

    @staticmethod
    def _result(request_id: int, message: dict[str, object]) -> dict[str, object]:
        if message.get("ok") is True and isinstance(message.get("result"), dict):
            result: dict[str, object] = message["result"]  # type: ignore[assignment]
            return result
        error = _error_in(message)
        if error is not None:
            raise error
        raise ConnectionError(f"unexpected answer to request {request_id}: {message!r:.200}")


def _error_in(message: dict[str, object]) -> ControlError | None:
    """The refusal an answer carries (its code and message), if it is one."""
    error = message.get("error")
    if not isinstance(error, dict):
        return None
    return ControlError(str(error.get("code")), str(error.get("message")))
