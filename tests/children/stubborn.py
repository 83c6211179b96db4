"""A child that ignores SIGINT and SIGTERM and starts a grandchild that does too.

Usage: stubborn.py PIDFILE

Writes "child_pid grandchild_pid" to PIDFILE, prints "stubborn ready", then sleeps.
Only SIGKILL stops either of them.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

GRANDCHILD = (
    "import signal, time\n"
    "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('grandchild up', flush=True)\n"
    "time.sleep(3600)\n"
)


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    grandchild = subprocess.Popen([sys.executable, "-c", GRANDCHILD])
    Path(sys.argv[1]).write_text(f"{__import__('os').getpid()} {grandchild.pid}")
    print("stubborn ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    raise SystemExit(main())
