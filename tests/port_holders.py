"""A port to ask for and a leftover "vite" of this user's holding it, for port tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from devtui.core.run.ports import port_holder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def leftover_dev_server(port: int, folder: Path) -> subprocess.Popen[bytes]:
    """An HTTP server in `folder` on `port`, its command line naming vite; once it listens."""
    folder.mkdir()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import http.server, sys; http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), "
            "http.server.BaseHTTPRequestHandler).serve_forever()",
            str(port),
            "node_modules/.bin/vite",
        ],
        cwd=folder,
    )
    deadline = time.monotonic() + 10
    while port_holder(port) is None:
        assert time.monotonic() < deadline and server.poll() is None
        time.sleep(0.02)
    return server
