"""Memory sampler cost: one sample of a 20-process tree, and devtui idle with sampling at 1 Hz.

Part 1 starts a real tree (a root with 19 sleeping descendants, two levels deep) and times
`TreeMeasurer.measure` over many samples: wall time per sample and the CPU it costs.
Part 2 runs `devtui up --headless` with two idle children and `memory_interval = 1`, and
reads devtui's CPU time over a window once both are ready (target <= 25 ms over 10 s, the
figure honcho reaches idle without sampling).

Run: python benchmarks/memory.py [--samples 200] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from devtui.core.memory.figures import TreeMeasurer

SLEEPER = "import time; time.sleep(3600)"
PARENT = (
    "import subprocess, sys, time\n"
    "kids = [subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)'])"
    " for _ in range(int(sys.argv[1]))]\n"
    "time.sleep(3600)\n"
)
IDLE_CHILD = "import time; print('up', flush=True); time.sleep(3600)"


def start_tree(size: int) -> subprocess.Popen[bytes]:
    """A root whose descendants number `size - 1`: 3 parents of 5 sleepers each, + 1 sleeper."""
    script = (
        "import subprocess, sys, time\n"
        f"parent = {PARENT!r}\n"
        "kids = [subprocess.Popen([sys.executable, '-c', parent, '5']) for _ in range(3)]\n"
        f"kids.append(subprocess.Popen([sys.executable, '-c', {SLEEPER!r}]))\n"
        "time.sleep(3600)\n"
    )
    root = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    deadline = time.monotonic() + 30
    while len(psutil.Process(root.pid).children(recursive=True)) < size - 1:
        if time.monotonic() > deadline:
            raise SystemExit("the tree did not start in 30 s")
        time.sleep(0.05)
    return root


def sampler_cost(samples: int) -> None:
    root = start_tree(20)
    try:
        measurer = TreeMeasurer()
        measurer.measure({"tree": root.pid})  # first sample reads each command line once
        walls: list[float] = []
        me = psutil.Process()
        cpu_before = me.cpu_times()
        for _ in range(samples):
            started = time.perf_counter()
            trees = measurer.measure({"tree": root.pid})
            walls.append(time.perf_counter() - started)
        cpu_after = me.cpu_times()
        members = len(trees["tree"].children)
        cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
        walls.sort()
        print(f"sampler: tree of {members} processes, {samples} samples")
        print(
            f"  wall per sample  p50 {statistics.median(walls) * 1000:.2f} ms"
            f"  p95 {walls[int(len(walls) * 0.95)] * 1000:.2f} ms"
        )
        print(
            f"  CPU per sample   {cpu / samples * 1000:.2f} ms"
            f"  (at 1 Hz: {cpu / samples * 10 * 1000:.0f} ms per 10 s)"
        )
        print(f"  processes on the machine: {len(psutil.pids())}")
    finally:
        os.killpg(root.pid, signal.SIGKILL)
        root.wait()


def idle_with_sampling(seconds: float, interval: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        command = json.dumps([sys.executable, "-c", IDLE_CHILD])
        (work / "devtui.toml").write_text(
            f"[settings]\nmemory_interval = {interval:g}\n\n"
            f'[processes.api]\ncommand = {command}\nready = "up"\n\n'
            f'[processes.web]\ncommand = {command}\nready = "up"\ndepends_on = ["api"]\n'
        )
        devtui = subprocess.Popen(
            [sys.executable, "-m", "devtui", "up", "--headless"],
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert devtui.stderr is not None
        for line in devtui.stderr:  # wait until both children are ready
            if "web" in line and "ready after" in line:
                break
        process = psutil.Process(devtui.pid)
        time.sleep(1.0)  # let start-up work settle
        before = process.cpu_times()
        time.sleep(seconds)
        after = process.cpu_times()
        devtui.send_signal(signal.SIGINT)
        devtui.communicate(timeout=30)
    used = (after.user - before.user) + (after.system - before.system)
    sampling = f"memory sampled every {interval:g} s" if interval else "no memory sampling"
    print(f"idle: devtui, two idle children, {sampling}, {seconds:g} s")
    per_10s = used * 10 / seconds
    print(
        f"  devtui CPU  {used * 1000:.0f} ms, {per_10s * 1000:.0f} ms per 10 s  "
        f"(target <= 25 ms per 10 s; clock tick 10 ms: a longer --seconds reads finer)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=1, help="idle windows per setting")
    args = parser.parse_args()
    sampler_cost(args.samples)
    for interval in (1.0, 0.0):
        for _ in range(args.runs):
            idle_with_sampling(args.seconds, interval)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
