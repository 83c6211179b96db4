"""Write N numbered lines fast: some on stderr, some with ANSI colour.

Usage: flood.py TAG N [--stderr-every K]

Line i is `TAG <i> <payload>`; every line whose i % 10 < 3 goes to stderr (30%) and
every 7th carries colour codes, so a reader can check each arrived exactly once and whole.
"""

from __future__ import annotations

import sys


def main() -> int:
    tag, count = sys.argv[1], int(sys.argv[2])
    out, err = sys.stdout, sys.stderr
    payload = "abcdefghijklmnopqrstuvwxyz0123456789"
    for i in range(count):
        colour = i % 7 == 0
        body = f"\x1b[32m{payload}\x1b[0m" if colour else payload
        if i % 10 < 3:
            err.write(f"{tag} {i} err {body}\n")
        else:
            out.write(f"{tag} {i} out {body}\n")
    out.flush()
    err.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
