"""Idle cost: devtui's own CPU time over 10 s while its two children sit idle.

Starts `devtui up --headless` with two children that print a ready line and then sleep,
waits until both are ready, then reads devtui's user+system CPU time before and after the
window. Target: <= 25 ms over 10 s. The run itself is `memory.idle_with_sampling`, here with
the default memory sampling (every second) unless --memory-interval says otherwise.
Run: python benchmarks/idle.py [--seconds 10] [--memory-interval 1]
"""

from __future__ import annotations

import argparse

from memory import idle_with_sampling  # benchmarks/ is the script's folder: sys.path[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--memory-interval", type=float, default=1.0, help="0: no sampling")
    args = parser.parse_args()
    idle_with_sampling(args.seconds, args.memory_interval)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
