"""The control socket: a status round trip (new connection, as `devtui status` makes),
idle and while two children flood 200,000 lines each; and `logs --grep` over a session of
1,000,000 lines (the first query builds the triage index, later ones reuse it).

Targets: status p95 ≤ 20 ms during the flood; a grep over 1,000,000 lines ≤ 1 s.
Run: python benchmarks/control.py [--lines N] [--session-lines N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from devtui.core.control.client import ControlClient, NotRunning  # noqa: E402

FLOOD = REPO / "tests" / "children" / "flood.py"
HOLD = "import time\nwhile True: time.sleep(3600)"


def start_stack(work: Path, lines: int, extra_hold: bool = True) -> subprocess.Popen[bytes]:
    processes = "".join(
        f"[processes.{tag}]\ncommand = {json.dumps([sys.executable, str(FLOOD), tag, str(lines)])}\n"
        f'ready = ""\n\n'
        for tag in ("a", "b")
    )
    if extra_hold:
        processes += f"[processes.idle]\ncommand = {json.dumps([sys.executable, '-c', HOLD])}\n"
    (work / "devtui.toml").write_text(f"[settings]\nkeep_logs = 2\n\n{processes}")
    return subprocess.Popen(
        [sys.executable, "-m", "devtui", "up", "--headless"],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def connect(root: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with ControlClient.connect(root) as client:
                client.request("hello")
            return
        except (NotRunning, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def status_round_trips(root: Path, seconds: float) -> tuple[list[float], list[float]]:
    """Round trips (ms) for up to `seconds`, one new connection each, as the CLI makes
    them: those answered while a flood child still ran, and those after."""
    flooding: list[float] = []
    after: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.perf_counter()
        with ControlClient.connect(root) as client:
            status = client.request("status")
        took = (time.perf_counter() - started) * 1000
        states = [p["state"] for p in status["processes"] if p["name"] in ("a", "b")]  # type: ignore[union-attr,index]
        (flooding if "ready" in states else after).append(took)
    return flooding, after


def flood_done(root: Path) -> bool:
    with ControlClient.connect(root) as client:
        status = client.request("status")
    states = {p["name"]: p["state"] for p in status["processes"]}  # type: ignore[union-attr,index]
    return states.get("a") == "exited" and states.get("b") == "exited"


def percentiles(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1] if len(ordered) >= 20 else max(ordered)
    return (
        f"n={len(times)}  p50 {statistics.median(ordered):.2f} ms  p95 {p95:.2f} ms  "
        f"max {ordered[-1]:.2f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--session-lines", type=int, default=1_000_000)
    parser.add_argument("--floods", type=int, default=5)
    args = parser.parse_args()

    flooding: list[float] = []
    idle: list[float] = []
    for _ in range(args.floods):  # a 2 x 200k flood lasts about a second: several of them
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            stack = start_stack(work, args.lines)
            try:
                connect(work)
                during, after = status_round_trips(work, 4.0)
                flooding += during
                idle += after
            finally:
                stack.terminate()
                stack.wait(30)
    print(
        f"status while 2 x {args.lines:,} lines flood ({args.floods} floods): {percentiles(flooding)}"
    )
    print(f"status once the flood is over:          {percentiles(idle)}")

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        stack = start_stack(work, args.session_lines // 2)
        try:
            connect(work)
            deadline = time.monotonic() + 300
            while not flood_done(work) and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1.0)  # the session log's writer catches up
            for label, query in (
                ("grep, first query (builds the index)", {"grep": r"a 4\d{3}77 ", "last": 100}),
                ("grep, index reused", {"grep": r"b 12345\d ", "last": 100}),
                (
                    "grep + process + stream",
                    {"grep": "err", "process": "a", "stream": "stderr", "last": 100},
                ),
                ("last 100 lines, no filter", {"last": 100}),
            ):
                with ControlClient.connect(work) as client:
                    started = time.perf_counter()
                    result = client.ask("logs", query, answer_timeout=120)
                    took = time.perf_counter() - started
                print(
                    f"logs over {args.session_lines:,} lines, {label}: {took * 1000:.0f} ms "
                    f"({result['matched']:,} matched, {len(result['lines'])} returned)"
                )  # type: ignore[arg-type]
        finally:
            stack.terminate()
            stack.wait(60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
