"""Print every secret form of tests/secrets_corpus.py, on both streams, and some in a
failing Convex function's log, then exit. Arguments are ignored (the config passes a
secret flag, as `--admin-key` would be)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tests.secrets_corpus import CORPUS, PEM_KEY, PGP_KEY


def main() -> int:
    for _, line, _ in CORPUS:
        print(line, flush=True)
        print(f"{line} (stderr)", file=sys.stderr, flush=True)
    for line in [*PEM_KEY, *PGP_KEY]:
        print(line, flush=True)
    print(f"the service password is {os.environ.get('SERVICE_PASSWORD')}", flush=True)
    for _, line, _ in CORPUS[:6]:
        print(
            f"11/22/2026, 4:34:11 AM [CONVEX A(ai:chat)] [ERROR] 'call failed: {line}'",
            file=sys.stderr,
            flush=True,
        )
    print(
        "11/22/2026, 4:34:11 AM [CONVEX A(ai:chat)] Uncaught Error: token=tk_live_0123456789abcdef",
        file=sys.stderr,
        flush=True,
    )
    print("    at handler (../convex/ai.ts:12:12)", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
