"""Ready latency: from a child writing its ready line on stderr to its dependent's first
instruction, median of N, against the cost of starting the dependent at all, and against
the homemade peer: the child's stderr into a file, `tail -F file | grep -m1 ready && start`.

The dependent is a tiny C program whose first instruction records CLOCK_MONOTONIC (Python's
own start-up would swamp the milliseconds measured); without a C compiler it falls back to
`python -S -c` and says so. The ready child records the same clock just before writing.
Targets: devtui adds <= 2 ms over the baseline, and is at or below `tail | grep`.
Run: python benchmarks/ready_latency.py
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devtui.cli import main as devtui_main

MARK_C = r"""
#include <stdio.h>
#include <time.h>
int main(int argc, char **argv) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    FILE *out = fopen(argv[1], "w");
    fprintf(out, "%.9f", now.tv_sec + now.tv_nsec / 1e9);
    fclose(out);
    return 0;
}
"""
READY_CHILD = (
    "import sys, time\n"
    "time.sleep(0.2)\n"
    "open(sys.argv[1], 'w').write(repr(time.monotonic()))\n"
    "sys.stderr.write('✔ 04:31:45 Convex functions ready! (891.93ms)\\n'); sys.stderr.flush()\n"
    "time.sleep(30)\n"
)


def build_marker(work: Path) -> tuple[list[str], str]:
    """argv prefix of a program that writes its first-instruction time to argv[-1]."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler:
        source = work / "mark.c"
        source.write_text(MARK_C)
        binary = work / "mark"
        subprocess.run([compiler, "-O2", "-o", str(binary), str(source)], check=True)
        return [str(binary)], "C program"
    code = "import sys, time; open(sys.argv[1], 'w').write(repr(time.monotonic()))"
    return [sys.executable, "-S", "-c", code], "python -S (no C compiler found)"


async def baseline_once(marker: list[str], mark: Path) -> float:
    """Seconds from asking asyncio to spawn the marker to its first instruction."""
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    transport, _ = await loop.subprocess_exec(asyncio.SubprocessProtocol, *marker, str(mark))
    while transport.get_returncode() is None:
        await asyncio.sleep(0.01)
    transport.close()
    return float(mark.read_text()) - started


def through_devtui_once(marker: list[str], work: Path) -> float:
    """Seconds from the ready line being written to the dependent's first instruction."""
    ready_mark, start_mark = work / "ready", work / "start"
    config = work / "devtui.toml"
    config.write_text(
        "[settings]\nkeep_logs = 0\nshutdown_grace = 1\n\n"
        f"[processes.convex]\ncommand = {json.dumps([sys.executable, '-c', READY_CHILD, str(ready_mark)])}\n"
        'kind = "convex"\n\n'
        f"[processes.vite]\ncommand = {json.dumps([*marker, str(start_mark)])}\n"
        'depends_on = ["convex"]\n'
    )
    err = io.StringIO()
    code = devtui_main(["ci", "--config", str(config)], io.StringIO(), err)
    if code != 0:
        raise SystemExit(f"devtui ci exited {code}:\n{err.getvalue()}")
    return float(start_mark.read_text()) - float(ready_mark.read_text())


TAIL_GREP = r"""
"$PYTHON" -c "$READY_CHILD" "$READY_MARK" 2> "$LOG" &
child=$!
exec 3< <(tail -n +1 -F "$LOG" 2>/dev/null)
tail_pid=$!
grep -q -m1 'Convex functions ready' <&3
"$@" "$START_MARK"
kill "$tail_pid" "$child" 2>/dev/null
wait "$child" 2>/dev/null
exit 0
"""


def tail_grep_once(marker: list[str], work: Path) -> float:
    """The homemade way: the same ready child, its stderr in a file, `tail -F | grep -m1`
    starting the dependent."""
    ready_mark, start_mark, log = work / "ready", work / "start", work / "convex.log"
    log.unlink(missing_ok=True)
    env = {
        "PYTHON": sys.executable,
        "READY_CHILD": READY_CHILD,
        "READY_MARK": str(ready_mark),
        "START_MARK": str(start_mark),
        "LOG": str(log),
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(["bash", "-c", TAIL_GREP, "tail-grep", *marker], env=env, check=True, timeout=60)
    return float(start_mark.read_text()) - float(ready_mark.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        marker, kind = build_marker(work)
        baseline = [asyncio.run(baseline_once(marker, work / "b")) for _ in range(args.runs)]
        latency: list[float] = []
        peer: list[float] = []
        for _ in range(args.runs):  # A B A B: the same machine state for both
            latency.append(through_devtui_once(marker, work))
            peer.append(tail_grep_once(marker, work))
    base, total = statistics.median(baseline), statistics.median(latency)
    homemade = statistics.median(peer)
    print(f"ready latency: {args.runs} runs, dependent = {kind}")
    print(f"  spawn alone (baseline)         median {base * 1000:.2f} ms")
    print(
        f"  ready line -> dependent start  median {total * 1000:.2f} ms "
        f"(min {min(latency) * 1000:.2f}, max {max(latency) * 1000:.2f})"
    )
    print(
        f"  tail -F | grep -m1 (homemade)  median {homemade * 1000:.2f} ms "
        f"(min {min(peer) * 1000:.2f}, max {max(peer) * 1000:.2f})"
    )
    print(
        f"  devtui's share                 {max(0.0, total - base) * 1000:.2f} ms  (target <= 2 ms); "
        f"tail | grep's {max(0.0, homemade - base) * 1000:.2f} ms"
    )
    pairs = [a - b for a, b in zip(latency, peer, strict=True)]
    print(
        f"  devtui - tail|grep, pair by pair: median {statistics.median(pairs) * 1000:+.2f} ms "
        f"(target <= 0)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
