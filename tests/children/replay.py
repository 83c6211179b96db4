"""Replay a captured `convex dev` or Vite run (tests/fixtures/CASE) on the same streams,
with the timing of the real run.

Usage: replay.py CASE_DIR STEM [--push-delay S] [--line-delay S] [--edit-delay S]
                [--tsc-delay S] [--retry-scale X] [--repeat-failure N]
                [--hold | --exit N] [--ready-mark FILE]

Lines go out on the stream they were captured from, byte for byte. The pauses are those
of the real CLI:

- a push takes --push-delay seconds (after "Preparing Convex functions..." and its blank
  line);
- tsc's diagnostics come --tsc-delay seconds after `- Collecting TypeScript errors` and
  its blank line (about a second with the real CLI);
- `Failed due to network error, retrying in 331.47ms...` waits the delay it names
  (times --retry-scale) before the next push, as the CLI does;
- a push that follows a failed one without a retry line was caused by a file change: the
  developer's edit takes --edit-delay seconds;
- other lines go out --line-delay apart.

Order: npx's leading `npm warn` stderr line, then stdout, then the rest of stderr (true
for every capture). --repeat-failure N replays the capture's first failed push attempt N
more times before the rest (a deployment that keeps failing). --hold keeps running
afterwards, like `convex dev`, until SIGINT/SIGTERM; --exit N exits with N. --ready-mark
FILE records time.monotonic() just before a "Convex functions ready!" line is written.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import time
from pathlib import Path

PREPARING = b"Preparing Convex functions"
COLLECTING = b"Collecting TypeScript errors"
RETRY = re.compile(rb"retrying in (?P<amount>[\d.]+)(?P<unit>ms|s)")
READY = b"Convex functions ready!"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("case", type=Path)
    parser.add_argument("stem")
    parser.add_argument("--push-delay", type=float, default=0.2)
    parser.add_argument("--line-delay", type=float, default=0.002)
    parser.add_argument("--edit-delay", type=float, default=0.5)
    parser.add_argument("--tsc-delay", type=float, default=1.0)
    parser.add_argument("--retry-scale", type=float, default=1.0)
    parser.add_argument("--repeat-failure", type=int, default=0)
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
    plan = repeat_first_failure(plan, args.repeat_failure)

    pause_after_blank = 0.0
    pushes = 0
    retried = False
    for fd, line in plan:
        stream = sys.stdout.buffer if fd == 1 else sys.stderr.buffer
        if PREPARING in line:
            if pushes and not retried:
                time.sleep(args.edit_delay)  # the developer saved a file
            pushes += 1
            retried = False
        if READY in line and args.ready_mark:
            args.ready_mark.write_text(repr(time.monotonic()))
        stream.write(line)
        stream.flush()
        if pause_after_blank and not line.strip():
            time.sleep(pause_after_blank)
            pause_after_blank = 0.0
            continue
        if PREPARING in line:
            pause_after_blank = args.push_delay
        elif COLLECTING in line:
            pause_after_blank = args.tsc_delay
        elif (found := RETRY.search(line)) is not None:
            amount = float(found["amount"]) / (1000 if found["unit"] == b"ms" else 1)
            time.sleep(amount * args.retry_scale)
            retried = True
            continue
        time.sleep(args.line_delay)
    while args.hold:
        time.sleep(3600)
    return int(args.exit)


def repeat_first_failure(plan: list[tuple[int, bytes]], times: int) -> list[tuple[int, bytes]]:
    """`plan` with its first push attempt that did not reach ready played `times` more
    times right after itself."""
    if times <= 0:
        return plan
    starts = [i for i, (_, line) in enumerate(plan) if PREPARING in line]
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(plan)
        attempt = plan[start:end]
        if not any(READY in line for _, line in attempt):
            return plan[:end] + attempt * times + plan[end:]
    return plan


if __name__ == "__main__":
    raise SystemExit(main())
