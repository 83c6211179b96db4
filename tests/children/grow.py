"""A process whose memory grows, optionally with children that hold memory too.

Usage: grow.py [--step MB] [--every S] [--to MB] [--children N] [--child-mb MB] [--oom]
Prints `NODE_OPTIONS=…` first, `ready` once its children run, `at N MiB` after each step,
then holds (or, with --oom, prints Node's out-of-memory report and dies of SIGABRT).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

HOLDER = "import sys, time; block = bytearray(int(sys.argv[1]) * 1024 * 1024); time.sleep(3600)"
OOM_REPORT = """
<--- Last few GCs --->

[{pid}:0x5e0a3c0]    41863 ms: Mark-Compact 4047.9 (4130.5) -> 4032.6 (4131.2) MB, 1698.21 / 0.00 ms  (average mu = 0.113, current mu = 0.040) allocation failure; scavenge might not succeed

<--- JS stacktrace --->

FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory
----- Native stack trace -----

 1: 0xb8ced1 node::OOMErrorHandler(char const*, v8::OOMDetails const&) [node]
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--step", type=int, default=8)
    parser.add_argument("--every", type=float, default=0.1)
    parser.add_argument("--to", type=int, default=0)
    parser.add_argument("--children", type=int, default=0)
    parser.add_argument("--child-mb", type=int, default=20)
    parser.add_argument("--oom", action="store_true")
    args = parser.parse_args()
    print(f"NODE_OPTIONS={os.environ.get('NODE_OPTIONS', '')}", flush=True)
    holders = [
        subprocess.Popen([sys.executable, "-c", HOLDER, str(args.child_mb)])
        for _ in range(args.children)
    ]
    if holders:
        time.sleep(0.5)  # let them allocate
    print("ready", flush=True)
    hoard: list[bytearray] = []
    grown = 0
    while grown < args.to:
        time.sleep(args.every)
        hoard.append(bytearray(b"x" * (args.step * 1024 * 1024)))  # touched: resident
        grown += args.step
        print(f"at {grown} MiB", flush=True)
    if args.oom:
        sys.stderr.write(OOM_REPORT.replace("{pid}", str(os.getpid())))
        sys.stderr.flush()
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.abort()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    raise SystemExit(main())
