"""A simulated Vite dev server for the demo: a real HTTP server with Vite's startup output.

Run as `python -m devtui.demo.vite_server` in the demo project folder. Like Vite 8 on a
pipe it prints its banner on stdout; it tries port 5173 and, when that is taken, says
`Port 5173 is in use, trying another one...` and takes the next free one, so the URL devtui
shows is one you can open.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import signal
import sys
import threading
import time
from datetime import datetime
from types import FrameType

from devtui.demo import DEFAULT_SCENARIO, SCENARIOS

FIRST_PORT = 5173
MAX_TRIES = 20


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the demo folder; logs requests like Vite does (not at all)."""

    def log_message(self, format: str, *args: object) -> None:
        return


def _bind(first_port: int) -> tuple[http.server.ThreadingHTTPServer, int]:
    handler = functools.partial(_QuietHandler, directory=".")
    for port in range(first_port, first_port + MAX_TRIES):
        try:
            server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError:
            print(f"Port {port} is in use, trying another one...", flush=True)
            continue
        return server, port
    raise SystemExit(f"error when starting dev server:\nError: no free port from {first_port}")


def _quit(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Simulated Vite dev server for devtui demo.")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default=DEFAULT_SCENARIO)
    parser.add_argument("--port", type=int, default=FIRST_PORT)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, _quit)
    signal.signal(signal.SIGTERM, _quit)
    started = time.monotonic()
    server, port = _bind(args.port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    took = max(1, round((time.monotonic() - started) * 1000))
    print()
    print(f"  VITE v8.3.8  ready in {took} ms")
    print()
    print(f"  ➜  Local:   http://localhost:{port}/")
    print("  ➜  Network: use --host to expose", flush=True)
    reloads = 0
    while True:
        time.sleep(12)
        reloads += 1
        now = datetime.now()
        hour = now.hour % 12 or 12
        print(
            f"{hour}:{now:%M:%S} {'AM' if now.hour < 12 else 'PM'} [vite] (client) "
            f"hmr update /src/main.js (x{reloads})",
            flush=True,
        )


if __name__ == "__main__":
    raise SystemExit(main())
