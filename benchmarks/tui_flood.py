"""TUI under a flood: two children write 200,000 lines each into the dashboard while key
presses arrive; how long until the screen reflects each key, and does the session log
still hold every line?

Each key's action is wrapped so its handling is noticed without polling; the latency is from
the key reaching the app to the first screen refresh after its action ran. The keys are a
person's mix while output floods: pause (g, like Home), follow (G, like End), switch pane (1/2), zoom (z),
merged view (a), layout (l). The flood is repeated (--runs) for a steadier p95.

Prints p50/p95 key latency (target p95 <= 100 ms), devtui's peak RSS (target <= 150 MiB)
and a check of each session log. Run: python benchmarks/tui_flood.py [--lines N] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events

from devtui.core.config import build_config
from devtui.core.run.session import RunSession
from devtui.ui.app import DevtuiApp
from devtui.ui.screens.dashboard import DashboardScreen

REPO = Path(__file__).resolve().parents[1]
FLOOD = REPO / "tests" / "children" / "flood.py"
KEYS = (
    ("g", "top"),
    ("G", "follow"),
    ("2", "select"),
    ("1", "select"),
    ("z", "zoom"),
    ("z", "zoom"),
    ("a", "toggle_merged"),
    ("a", "toggle_merged"),
    ("l", "toggle_layout"),
)
"""(key, dashboard action it runs), pressed in this order, round and round."""


def peak_rss_mib() -> float:
    status = Path("/proc/self/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def instrument(dashboard: DashboardScreen) -> dict[str, asyncio.Event]:
    """Wrap the dashboard's actions so each sets an event when it has run."""
    handled: dict[str, asyncio.Event] = {}
    for _, action in KEYS:
        if action in handled:
            continue
        handled[action] = asyncio.Event()
        original: Callable[..., Any] = getattr(dashboard, f"action_{action}")

        def wrapped(
            *args: Any,
            _original: Callable[..., Any] = original,
            _event: asyncio.Event = handled[action],
        ) -> Any:
            result = _original(*args)
            _event.set()
            return result

        setattr(dashboard, f"action_{action}", wrapped)
    return handled


async def press_and_time(app: DevtuiApp, key: str, handled: asyncio.Event) -> float:
    """Seconds from a key arriving to the first refresh after its action ran."""
    driver = app._driver
    assert driver is not None
    handled.clear()
    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    started = time.perf_counter()
    driver.send_message(event)
    await handled.wait()
    painted: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    app.call_after_refresh(lambda: painted.set_result(time.perf_counter()))
    return await painted - started


async def flood_once(lines: int, work: Path) -> tuple[list[tuple[str, float]], float, bool]:
    processes = {
        tag: {"command": [sys.executable, str(FLOOD), tag, str(lines)]} for tag in ("a", "b")
    }
    config = build_config(
        {"processes": processes, "settings": {"keep_logs": 2}},
        file="bench",
        root=work,
        origin="benchmark",
    )
    session = RunSession(config, interactive=True)
    app = DevtuiApp(session)
    latencies: list[tuple[str, float]] = []
    async with app.run_test(size=(160, 45)) as pilot:
        dashboard = app.dashboard
        handled = instrument(dashboard)
        while not any(len(dashboard.view(name).buffer) for name in ("a", "b")):
            await pilot.pause(0.01)
        started = time.perf_counter()
        index = 0
        while any(s.state.is_running for s in session.supervisor.statuses.values()):
            key, action = KEYS[index % len(KEYS)]
            latencies.append((key, await press_and_time(app, key, handled[action])))
            index += 1
        took = time.perf_counter() - started
        await pilot.press("q")
        while app.return_value is None:
            await pilot.pause(0.05)
    assert session.log is not None
    seqs: dict[str, set[int]] = {"a": set(), "b": set()}
    for line in session.log.path.open(encoding="utf-8"):
        record = json.loads(line)
        if record["kind"] == "lines":
            seqs[record["process"]].update(range(record["seq"], record["seq"] + record["count"]))
    complete = all(seqs[t] == set(range(1, lines + 1)) for t in ("a", "b"))
    return latencies, took, complete


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    presses: list[tuple[str, float]] = []
    floods: list[float] = []
    complete = True
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            found, took, ok = asyncio.run(flood_once(args.lines, Path(tmp)))
        presses += found
        floods.append(took)
        complete = complete and ok
    latencies = [took for _, took in presses]
    ordered = sorted(latencies)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    print(
        f"tui flood: 2 children x {args.lines:,} lines into the dashboard (160x45), {args.runs} floods "
        f"of {', '.join(f'{t:.1f}' for t in floods)} s, keys pressed back to back during each"
    )
    print(
        f"  key -> screen   p50 {statistics.median(latencies) * 1000:.1f} ms  p95 {p95 * 1000:.1f} ms  "
        f"max {ordered[-1] * 1000:.1f} ms  ({len(latencies)} presses; target p95 <= 100 ms)"
    )
    by_key: dict[str, list[float]] = {}
    for key, took in presses:
        by_key.setdefault(key, []).append(took)
    print(
        "  by key (median): "
        + ", ".join(f"{key} {statistics.median(v) * 1000:.0f} ms" for key, v in by_key.items())
    )
    print(f"  devtui peak RSS {peak_rss_mib():.1f} MiB  (target <= 150 MiB)")
    print(f"  session logs    {'every line of every flood, once' if complete else 'LINES MISSING'}")
    return 0 if complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
