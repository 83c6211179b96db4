"""The control client reads a refusal devtui sent before closing (no server needed)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from devtui.core.control.client import ControlClient
from devtui.core.control.protocol import ControlError, refusal


def test_a_refusal_sent_before_the_request_arrived_is_read_not_a_broken_pipe() -> None:
    # devtui at its client limit answers "busy" at once and closes without reading: the
    # request then meets a closed socket (EPIPE), and the client must say why.
    server, client_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    server.sendall(refusal(None, "busy", "too many clients connected; try again"))
    server.close()
    with (
        ControlClient(client_end, Path("/project")) as client,
        pytest.raises(ControlError) as refused,
    ):
        client.request("status")
    assert refused.value.code == "busy"


def test_a_connection_closed_without_a_word_is_a_connection_error() -> None:
    server, client_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    server.close()
    with (
        ControlClient(client_end, Path("/project")) as client,
        pytest.raises(ConnectionError, match="went away"),
    ):
        client.request("status")
