"""Idle cost: devtui's own CPU time over 10 s while its two children sit idle.

Starts `devtui up --headless` with two children that print a ready line and then sleep,
waits until both are ready, then reads devtui's user+system CPU time before and after the
window. Target: <= 25 ms over 10 s. Run: python benchmarks/idle.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

IDLE_CHILD = "import time; print('up', flush=True); time.sleep(3600)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        command = json.dumps([sys.executable, "-c", IDLE_CHILD])
        (work / "devtui.toml").write_text(
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
        time.sleep(1.0)  # let start-up work (session log, first batches) settle
        before = process.cpu_times()
        time.sleep(args.seconds)
        after = process.cpu_times()
        devtui.send_signal(signal.SIGINT)
        devtui.communicate(timeout=30)
    used = (after.user - before.user) + (after.system - before.system)
    print(f"idle: devtui with two idle children for {args.seconds:g} s")
    print(f"  devtui CPU  {used * 1000:.0f} ms  (target <= 25 ms; clock tick 10 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
