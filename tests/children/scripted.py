"""Print scripted lines on chosen streams with pauses, then hold or exit.

Usage: scripted.py STEP [STEP ...]
  out:TEXT   print TEXT on stdout        err:TEXT   print TEXT on stderr
  sleep:S    pause S seconds             exit:N     exit with code N now
  hold       sleep until signalled       abort      die of SIGABRT
  die:SIG    die of signal SIG (e.g. die:SEGV)
  env:NAME   print NAME=value of an environment variable on stdout
  stdin      print what reading stdin returns (b'' for /dev/null) on stdout
  mark:FILE  write time.monotonic() to FILE (for ordering checks)
  pgid       print "pgid=<process group> sid=<session> pid=<pid>" on stdout
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    for step in sys.argv[1:]:
        kind, _, value = step.partition(":")
        if kind == "out":
            print(value, flush=True)
        elif kind == "err":
            print(value, file=sys.stderr, flush=True)
        elif kind == "sleep":
            time.sleep(float(value))
        elif kind == "exit":
            return int(value)
        elif kind == "hold":
            while True:
                time.sleep(3600)
        elif kind in ("abort", "die"):
            import resource

            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if kind == "abort":
                os.abort()
            sig = getattr(signal, f"SIG{value}")
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
            time.sleep(10)
        elif kind == "env":
            print(f"{value}={os.environ.get(value)}", flush=True)
        elif kind == "stdin":
            print(f"stdin={sys.stdin.buffer.read()!r}", flush=True)
        elif kind == "mark":
            Path(value).write_text(repr(time.monotonic()))
        elif kind == "pgid":
            pid = os.getpid()
            print(f"pgid={os.getpgid(0)} sid={os.getsid(0)} pid={pid}", flush=True)
        else:
            raise SystemExit(f"unknown step {step!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
