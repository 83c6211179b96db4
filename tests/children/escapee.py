"""A child that starts a process meant to escape its process group, then stays or exits.

Usage: escapee.py MODE PIDFILE [--exit] [--linger] [--on-stop]

MODE:
    setsid: a grandchild whose parent (an intermediate child) exits, after which it calls
        `setsid()` and runs on as an orphan in a session of its own. With --linger the
        intermediate (noted as "intermediate PID") sleeps until killed, so the grandchild
        can be seen in the tree first; it is noted and ready before it detaches.
    daemon: a classic double-forked daemon (fork, `setsid()`, fork, stdio closed, chdir /)
        that ignores SIGHUP and SIGINT as daemons do.
    wiped: the same daemon, which then replaces itself with an empty environment (as
        `env -i` does), so it carries no mark of whose it is.

Once the escapee runs it appends "MODE PID" to PIDFILE, and this process prints
"escapee ready". With --exit it then exits 0 (a wrapper that launched something and left),
else it sleeps until signalled. With --on-stop the escapee is started only when SIGINT
arrives (a tool that launches a helper as it shuts down), and this process exits then.
"""

from __future__ import annotations

import os
import signal
import sys
import time


def _note(pidfile: str, mode: str) -> None:
    """Append "MODE PID" to the pid file (one write: concurrent appenders never mix)."""
    with open(pidfile, "a", encoding="utf-8") as handle:
        handle.write(f"{mode} {os.getpid()}\n")


def _setsid_orphan(pidfile: str, ready_w: int, linger: bool) -> None:
    """Run in the intermediate child: start the grandchild, then exit (at once, or when
    killed with --linger)."""
    intermediate = os.getpid()
    if os.fork() == 0:
        if linger:
            _note(pidfile, "setsid")
            os.write(ready_w, b"x")
        while os.getppid() == intermediate:  # orphaned only once the intermediate is gone
            time.sleep(0.01)
        os.setsid()
        if not linger:
            _note(pidfile, "setsid")
            os.write(ready_w, b"x")
        os.close(ready_w)
        while True:
            time.sleep(3600)
    if linger:
        _note(pidfile, "intermediate")
        while True:
            time.sleep(3600)
    os._exit(0)


def _daemon(pidfile: str, ready_w: int, _linger: bool, mode: str = "daemon") -> None:
    """Run in the first fork: become a session leader, fork the daemon, exit."""
    os.setsid()
    if os.fork() != 0:
        os._exit(0)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.chdir("/")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    _note(pidfile, mode)
    os.write(ready_w, b"x")
    os.close(ready_w)
    if mode == "wiped":
        sleeper = (
            "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(3600)"
        )
        os.execve(sys.executable, [sys.executable, "-c", sleeper], {})
    while True:
        time.sleep(3600)


def main() -> int:
    mode, pidfile = sys.argv[1], os.path.abspath(sys.argv[2])
    leave, linger = "--exit" in sys.argv[3:], "--linger" in sys.argv[3:]
    if "--on-stop" in sys.argv[3:]:
        stopping = False

        def stop(_signal: int, _frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        print("escapee ready (waiting for SIGINT)", flush=True)
        while not stopping:
            time.sleep(0.05)
        leave = True
    ready_r, ready_w = os.pipe()
    first = os.fork()
    if first == 0:
        os.close(ready_r)
        if mode == "setsid":
            _setsid_orphan(pidfile, ready_w, linger)
        else:
            _daemon(pidfile, ready_w, linger, mode)
    os.close(ready_w)
    if not linger:
        os.waitpid(first, 0)
    os.read(ready_r, 1)  # the escapee is running and noted
    print(f"escapee ready ({mode})", flush=True)
    if leave:
        return 0
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    raise SystemExit(main())
