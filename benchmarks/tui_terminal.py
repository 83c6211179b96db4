"""The dashboard on a real pseudo-terminal under a flood: how long from a key typed into
the terminal until devtui has written the screen that shows its effect?

`tui_flood.py` measures inside the app through Pilot. This one runs `devtui` as a user
does, as its own process on a pty that is its controlling terminal (160×45), with
Textual's real driver: the input thread parsing keys, the writer thread sending frames.
Two children flood their panes without end. Keys are written into the terminal, and the
latency is measured up to the moment the terminal has received the screen change. The
change is recognised in the raw output:

- `z` zoom: a border run of 120 or more `─` (only a full-width pane draws one);
- `z` again, or `a` back to split: a `╮` directly followed by a `╭` (two panes side by side);
- `a` merged view: its title, "all processes".

What a terminal emulator then takes to draw the change is not included.

Prints p50/p95/max with two quiet children (the baseline), then with two floods.
Run: python benchmarks/tui_terminal.py [--presses N]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FLOOD = REPO / "tests" / "children" / "flood.py"
ANSI = rb"(?:\x1b\[[0-9;?]*[A-Za-z])*"
ZOOMED = re.compile(b"(?:" + "─".encode() + b"){120,}")
SPLIT = re.compile("╮".encode() + ANSI + "╭".encode())
MERGED = re.compile(b"all processes")
KEYS = ((b"z", ZOOMED), (b"z", SPLIT), (b"a", MERGED), (b"a", SPLIT))
"""(key typed, what the output shows once it has acted), round and round."""
TIMEOUT_S = 10.0


class Screen:
    """Everything devtui writes to the terminal, read in a thread as a terminal would."""

    def __init__(self, master: int) -> None:
        self._master = master
        self._output = bytearray()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._master, 1 << 16)
            except OSError:
                data = b""
            with self._changed:
                if not data:
                    self._output += b"\0EOF"
                    self._changed.notify_all()
                    return
                self._output += data
                self._changed.notify_all()

    @property
    def size(self) -> int:
        with self._changed:
            return len(self._output)

    def wait_for(self, pattern: re.Pattern[bytes], after: int, timeout: float) -> float | None:
        """The time `pattern` first shows in the output written after byte `after`."""
        deadline = time.monotonic() + timeout
        searched = after
        with self._changed:
            while True:
                # Start a little back, so a match split across two reads is still found.
                match = pattern.search(self._output, max(after, searched - 512))
                if match is not None:
                    return time.monotonic()
                searched = len(self._output)
                left = deadline - time.monotonic()
                if left <= 0 or self._output.endswith(b"\0EOF"):
                    return None
                self._changed.wait(left)


def start_devtui(work: Path, flood: bool) -> tuple[subprocess.Popen[bytes], int]:
    """devtui over two children, on a new pty; returns the process and the pty's master."""
    if flood:
        args = [str(FLOOD), "{tag}", "1000000000"]
    else:
        args = ["-c", "import sys, time; print(sys.argv[1], flush=True); time.sleep(600)", "{tag}"]
    config = work / "devtui.toml"
    config.write_text(
        "".join(
            f"[processes.{tag}]\ncommand = {json.dumps([sys.executable, *args]).replace('{tag}', tag)}\n"
            for tag in ("a", "b")
        )
        + "[settings]\nkeep_logs = 1\n"
    )
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 160, 0, 0))
    env = dict(os.environ, XDG_STATE_HOME=str(work / "state"), TERM="xterm-256color")
    process = subprocess.Popen(
        [sys.executable, "-m", "devtui", "--config", str(config)],
        preexec_fn=lambda: os.login_tty(slave),  # its own session, the pty its terminal
        pass_fds=(slave,),
        env=env,
        cwd=work,
    )
    os.close(slave)
    return process, master


def measure(presses: int, flood: bool) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        process, master = start_devtui(Path(tmp), flood)
        screen = Screen(master)
        try:
            if screen.wait_for(SPLIT, 0, 30) is None:
                raise SystemExit("the dashboard never showed its two panes")
            time.sleep(1.0)  # let the flood get going in both panes
            latencies: list[float] = []
            for index in range(presses):
                key, shows = KEYS[index % len(KEYS)]
                after = screen.size
                sent = time.monotonic()
                os.write(master, key)
                shown = screen.wait_for(shows, after, TIMEOUT_S)
                if shown is None:
                    raise SystemExit(f"key {key.decode()} never showed on the screen")
                latencies.append(shown - sent)
                time.sleep(0.05)  # a person's pace, not a key-repeat burst
            return latencies
        finally:
            os.write(master, b"q")
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            os.close(master)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presses", type=int, default=100)
    args = parser.parse_args()
    print(
        f"tui on a pty (160x45), {args.presses} key presses each "
        f"(z zoom, z back, a merged, a back), key typed -> screen written:"
    )
    for flood, label in ((False, "2 quiet children  "), (True, "2 endless floods  ")):
        latencies = sorted(measure(args.presses, flood))
        p95 = latencies[max(0, round(len(latencies) * 0.95) - 1)]
        print(
            f"  {label} p50 {statistics.median(latencies) * 1000:.1f} ms  "
            f"p95 {p95 * 1000:.1f} ms  max {latencies[-1] * 1000:.1f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
