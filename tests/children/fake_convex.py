"""A stand-in for the Convex CLI's `convex dev`, for first-run tests.

Usage: fake_convex.py dev [--once]

With --once it asks its first-run question on the terminal (as the real CLI does when no
deployment is configured), reads the answer, writes CONVEX_DEPLOYMENT to .env.local and
exits 0 (1 if stdin is not a terminal: "Cannot prompt for input…"). Without --once it
prints the ready line on stderr and holds until signalled.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main() -> int:
    if "--once" in sys.argv:
        if not sys.stdin.isatty():
            print(
                "✖ Cannot prompt for input in non-interactive terminals. "
                "(Welcome to Convex! Would you like to login to your account?)",
                file=sys.stderr,
            )
            return 1
        print("? Project name: ", end="", flush=True)
        answer = sys.stdin.readline().strip()
        Path(".env.local").write_text(f"CONVEX_DEPLOYMENT=dev:{answer}-animal-123\n")
        print(f"✔ Created project {answer}", flush=True)
        return 0
    print("✔ 12:00:00 Convex functions ready! (0.1s)", file=sys.stderr, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
