"""Write N numbered lines fast: some on stderr, some with ANSI colour.

Usage: flood.py TAG N [--width W] [--colour-every K]

Line i is `TAG <i> out|err <payload>`; every line whose i % 10 < 3 goes to stderr (30%)
and every K-th (default 7) carries colour codes, so a reader can check each arrived
exactly once and whole. `--width` pads the payload so a line is about W characters
(default: a 36-character payload).
"""

from __future__ import annotations

import argparse
import sys

BASE = "abcdefghijklmnopqrstuvwxyz0123456789"


def payload_of(width: int | None) -> str:
    """The payload a line carries for `--width` (checkers rebuild it the same way)."""
    if width is None:
        return BASE
    size = max(len(BASE), width - 20)
    return (BASE * (size // len(BASE) + 1))[:size]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("tag")
    parser.add_argument("count", type=int)
    parser.add_argument("--width", type=int)
    parser.add_argument("--colour-every", type=int, default=7)
    args = parser.parse_args()
    tag, every = args.tag, args.colour_every
    out, err = sys.stdout, sys.stderr
    payload = payload_of(args.width)
    coloured = f"\x1b[32m{payload}\x1b[0m"
    for i in range(args.count):
        body = coloured if i % every == 0 else payload
        if i % 10 < 3:
            err.write(f"{tag} {i} err {body}\n")
        else:
            out.write(f"{tag} {i} out {body}\n")
    out.flush()
    err.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
