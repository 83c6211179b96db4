"""Triage at scale: a 1,000,000-line session log opened, indexed and searched.

Writes a session log like a busy morning's (two processes, Convex function logs, a failing
push every 5,000 lines with its problem record), then reports: time until the triage
screen's first screen is up (problems table drawn, first lines readable), time to index
every line, a search over all lines, how fast a search stops when cancelled, and peak RSS.
Targets: first screen <= 1 s, search <= 2 s, RSS < 200 MiB.

Run: python benchmarks/triage.py [--lines 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import tempfile
import threading
import time
from pathlib import Path

from devtui.core.sessionlog.layout import lines_record
from devtui.core.triage.search import Cancelled, matching_lines
from devtui.core.triage.session import TriageSession
from devtui.ui.triage_app import TriageApp

ORDINARY = (
    "11/22/2026, 8:16:22 AM [CONVEX Q(messages:list)] [LOG] 'listed 20 messages (poll {n})'",
    "\x1b[2m[vite]\x1b[22m hmr update /src/App.tsx, /src/index.css ({n})",
    "\x1b[32m✔\x1b[39m 08:16:20 Convex functions ready! (801.56ms) {n}",
    "- Preparing Convex functions... {n}",
)
FAILURE = (
    '\x1b[31m✘ [ERROR]\x1b[0m Could not resolve "crypto"',
    "",
    "    convex/ai.ts:1:27:",
    '      1 │ import { createHash } from "crypto";',
)


def write_log(path: Path, total: int) -> None:
    """Stream a session log of `total` output lines to `path`."""

    seq = {"convex": 0, "vite": 0}
    now = 1_795_000_000.0
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            json.dumps(
                {
                    "kind": "session",
                    "version": 2,
                    "time": now,
                    "origin": "benchmark",
                    "processes": [{"name": "convex"}, {"name": "vite"}],
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
            + "\n"
        )
        written = 0
        count = 0
        while written < total:
            process = "convex" if written % 3 else "vite"
            batch = [
                ORDINARY[(written + i) % len(ORDINARY)].format(n=written + i) for i in range(50)
            ]
            if process == "convex" and written % 5_000 < 50:
                batch[-len(FAILURE) :] = FAILURE
                first = seq["convex"] + 51 - len(FAILURE)
                count += 1
                problem = {
                    "rule": "node-builtin-in-v8",
                    "severity": "error",
                    "title": "Node built-in imported in a V8 file",
                    "message": 'Could not resolve "crypto"',
                    "process": "convex",
                    "file": "convex/ai.ts",
                    "line": 1,
                    "column": 27,
                    "symbol": "crypto",
                    "count": count,
                    "first_seen": "2026-11-18T11:06:41Z",
                    "last_seen": "2026-11-18T11:06:41Z",
                    "resolved": False,
                    "explanation": "",
                    "fix": "",
                    "docs": "",
                    "fingerprint": "node-builtin-in-v8|convex/ai.ts|crypto",
                    "first_seq": first,
                    "occurrence": list(range(first, first + len(FAILURE))),
                    "lines": list(FAILURE),
                }
            else:
                problem = None
            out.write(lines_record(process, "stderr", now, seq[process] + 1, batch).decode())
            if problem is not None:
                event = "detected" if count == 1 else "repeated"
                out.write(
                    json.dumps(
                        {"kind": "problem", "time": now, "event": event, "problem": problem},
                        ensure_ascii=False,
                        separators=(",", ":"),
                    )
                    + "\n"
                )
            seq[process] += len(batch)
            written += len(batch)
            now += 0.05
        out.write(json.dumps({"kind": "end", "time": now, "exit_code": 130}) + "\n")


async def first_screen(path: Path) -> tuple[float, float, int]:
    """Seconds to the first screen, then to a complete index; lines indexed.

    The first screen is up once the screen is mounted with the problems table filled and
    the title drawn (polled every 10 ms; `pilot.pause()` would also wait for the index's
    progress messages, which are not part of the first screen).
    """
    started = time.perf_counter()
    session = TriageSession(path)
    app = TriageApp(session)
    async with app.run_test(size=(160, 45)):
        while True:
            screen = app.triage
            if screen.is_mounted and screen.query("#triage-problems"):
                table = screen.query_one("#triage-problems")
                title = str(screen.query_one("#triage-title").render())
                if table.row_count >= 1 and "Triage" in title:  # type: ignore[attr-defined]
                    break
            await asyncio.sleep(0.01)
        shown = time.perf_counter() - started
        while not session.index.done:
            await asyncio.sleep(0.05)
        indexed = time.perf_counter() - started
        lines = session.index.indexed
    session.close()
    return shown, indexed, lines


def search_times(path: Path) -> None:
    session = TriageSession(path)
    session.build()
    for source in ("crypto", r"poll \d+9\)", "(?i)no such text anywhere"):
        started = time.perf_counter()
        mask = matching_lines(session.index, re.compile(source))
        took = time.perf_counter() - started
        print(f"  search /{source}/  {took:.2f} s  ({sum(mask):,} matching lines)")
    cancel = threading.Event()
    stopped: list[float] = []

    def run() -> None:
        try:
            matching_lines(session.index, re.compile("(?i)no such text anywhere"), cancel)
        except Cancelled:
            stopped.append(time.perf_counter())

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.1)
    asked = time.perf_counter()
    cancel.set()
    thread.join()
    if stopped:
        print(f"  a cancelled search stopped {1000 * (stopped[0] - asked):.0f} ms after cancel")
    session.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "session-benchmark.jsonl"
        started = time.perf_counter()
        write_log(path, args.lines)
        size = path.stat().st_size / 1024 / 1024
        print(
            f"triage: {args.lines:,} lines, {size:.0f} MiB log "
            f"(written in {time.perf_counter() - started:.1f} s)"
        )
        shown, indexed, lines = asyncio.run(first_screen(path))
        print(f"  first screen      {shown:.2f} s  (target <= 1 s)")
        print(f"  every line indexed {indexed:.2f} s  ({lines:,} lines, in the background)")
        search_times(path)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS          {peak:.0f} MiB  (target < 200 MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
