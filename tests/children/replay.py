"""Replay a captured `convex dev` or Vite run (tests/fixtures/CASE) on the same streams.

Usage: replay.py CASE_DIR STEM [--push-delay S] [--line-delay S] [--hold | --exit N]
                [--ready-mark FILE]

Lines go out on the stream they were captured from, byte for byte. A push takes
--push-delay seconds (the pause after "Preparing Convex functions..." and its blank line),
other lines --line-delay apart. Order: npx's leading `npm warn` stderr line, then stdout,
then the rest of stderr (true for every capture). --hold keeps running afterwards, like
`convex dev`, until SIGINT/SIGTERM; --exit N exits with N. --ready-mark FILE records
time.monotonic() just before a "Convex functions ready!" line is written.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("case", type=Path)
    parser.add_argument("stem")
    parser.add_argument("--push-delay", type=float, default=0.2)
    parser.add_argument("--line-delay", type=float, default=0.002)
    parser.add_argument("--hold", action="store_true")
    parser.add_argument("--exit", type=int, default=0)
    parser.add_argument("--ready-mark", type=Path)
    args = parser.parse_args()
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    out = (args.case / f"{args.stem}.stdout").read_bytes().splitlines(keepends=True)
    err = (args.case / f"{args.stem}.stderr").read_bytes().splitlines(keepends=True)
    plan: list[tuple[int, bytes]] = []
    if err and err[0].startswith(b"npm warn"):
        plan.append((2, err.pop(0)))
    plan += [(1, line) for line in out] + [(2, line) for line in err]

    after_preparing = False
    for fd, line in plan:
        if after_preparing and not line.strip():
            stream = sys.stdout.buffer if fd == 1 else sys.stderr.buffer
            stream.write(line)
            stream.flush()
            time.sleep(args.push_delay)
            after_preparing = False
            continue
        if b"Convex functions ready!" in line and args.ready_mark:
            args.ready_mark.write_text(repr(time.monotonic()))
        stream = sys.stdout.buffer if fd == 1 else sys.stderr.buffer
        stream.write(line)
        stream.flush()
        after_preparing = b"Preparing Convex functions" in line
        time.sleep(args.line_delay)
    while args.hold:
        time.sleep(3600)
    return args.exit


if __name__ == "__main__":
    raise SystemExit(main())
