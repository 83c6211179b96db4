"""Record time.monotonic() to FILE, then exec the rest of the command line.

Usage: exec_after_mark.py FILE PROGRAM [ARG ...]

The mark is the wrapped program's "first instruction" as far as timing goes, which lets a
test or benchmark tell exactly when devtui started it.
"""

from __future__ import annotations

import os
import sys
import time


def main() -> None:
    with open(sys.argv[1], "w") as handle:
        handle.write(repr(time.monotonic()))
    os.execvp(sys.argv[2], sys.argv[2:])


if __name__ == "__main__":
    main()
