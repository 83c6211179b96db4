"""Throughput against the peers, in one run: two children each write N lines (about 100
characters, 30% on stderr, 1 in 3 coloured) through each tool's plain-output mode into a
file, A B C A B C …:

- the floor: no supervisor, both children appending to the file themselves;
- concurrently (npm, installed into .cache/bench-peers on first use), prefixed output;
- devtui `up --headless`, session log on (`keep_logs = 2`).

For each: wall time, CPU (the tool and its children, from wait4), peak RSS of the tool's
largest process, and whether every line arrived once and whole (lost / torn counted).
Ratios devtui / concurrently are taken pair by pair (round k with round k).
Targets (issue 16): devtui wall <= 0.8x and CPU <= 1.0x concurrently's, RSS <= 60 MiB.

devtui's modules are byte-compiled first, as an installed wheel's are (this machine sets
PYTHONDONTWRITEBYTECODE, which would otherwise make every run compile its sources).
Run: python benchmarks/throughput.py [--lines N] [--rounds K]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "children"))
from flood import payload_of  # noqa: E402

FLOOD = REPO / "tests" / "children" / "flood.py"
PEERS = REPO / ".cache" / "bench-peers"
CONCURRENTLY_VERSION = "10.0.7"
WIDTH = 100
COLOUR_EVERY = 3
LINE = re.compile(r"(a|b) (\d+) (out|err) (?:\x1b\[32m)?([a-z0-9]+)(?:\x1b\[0m)?$")


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mib: float
    lost: int
    torn: int


def flood(tag: str, lines: int) -> list[str]:
    return [
        sys.executable,
        str(FLOOD),
        tag,
        str(lines),
        "--width",
        str(WIDTH),
        "--colour-every",
        str(COLOUR_EVERY),
    ]


def measured(argv: list[str], out: Path, cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run `argv` with stdout and stderr into `out`; wall, CPU and peak RSS from wait4."""
    with out.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=sink, stderr=sink, cwd=cwd, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{argv[:3]} exited {process.returncode}: {out.read_text()[-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, 0, 0)


def check(out: Path, lines: int, run: Run) -> Run:
    """Count lines lost (never seen whole) and torn (a line holding parts of others)."""
    payload = payload_of(WIDTH)
    seen: dict[str, bytearray] = {"a": bytearray(lines), "b": bytearray(lines)}
    torn = 0
    with out.open(encoding="utf-8", errors="replace") as handle:
        for text in handle:
            match = LINE.search(text.rstrip("\n"))
            if match is None or match[4] != payload:
                torn += "out " in text or "err " in text
                continue
            seen[match[1]][int(match[2])] = 1
    run.lost = sum(lines - sum(found) for found in seen.values())
    run.torn = torn
    return run


def floor(lines: int, work: Path) -> Run:
    script = (
        f"{' '.join(flood('a', lines))} >> out 2>&1 & "
        f"{' '.join(flood('b', lines))} >> out 2>&1; wait"
    )
    (work / "out").unlink(missing_ok=True)
    run = measured(["/bin/sh", "-c", script], work / "sh.out", work)
    return check(work / "out", lines, run)


def concurrently(lines: int, work: Path) -> Run:
    binary = PEERS / "node_modules" / ".bin" / "concurrently"
    commands = [" ".join(flood(tag, lines)) for tag in ("a", "b")]
    run = measured([str(binary), "-n", "a,b", *commands], work / "conc.out", work)
    return check(work / "conc.out", lines, run)


def devtui(lines: int, work: Path) -> Run:
    config = "[settings]\nkeep_logs = 2\nlint = false\n\n" + "".join(
        f'[processes.{tag}]\ncommand = {flood(tag, lines)!r}\nready = ""\n\n'.replace("'", '"')
        for tag in ("a", "b")
    )
    (work / "devtui.toml").write_text(config)
    shutil.rmtree(work / ".devtui", ignore_errors=True)
    run = measured(
        [sys.executable, "-m", "devtui", "up", "--headless", "--color", "never"],
        work / "devtui.out",
        work,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return check(work / "devtui.out", lines, run)


def install_concurrently() -> None:
    if (PEERS / "node_modules" / ".bin" / "concurrently").exists():
        return
    PEERS.mkdir(parents=True, exist_ok=True)
    if not (PEERS / "package.json").exists():
        (PEERS / "package.json").write_text('{"private": true}\n')
    subprocess.run(
        [
            "npm",
            "install",
            "--prefix",
            str(PEERS),
            "--no-audit",
            "--no-fund",
            f"concurrently@{CONCURRENTLY_VERSION}",
        ],
        check=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=200_000, help="lines per child")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    install_concurrently()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "devtui")],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    tools: dict[str, Callable[[int, Path], Run]] = {
        "floor (no supervisor)": floor,
        f"concurrently {CONCURRENTLY_VERSION}": concurrently,
        "devtui up --headless": devtui,
    }
    results: dict[str, list[Run]] = {name: [] for name in tools}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for _ in range(args.rounds):
            for name, tool in tools.items():
                results[name].append(tool(args.lines, work))
    print(
        f"throughput: 2 children x {args.lines:,} lines (~{WIDTH} chars, 30% stderr, "
        f"1 in {COLOUR_EVERY} coloured), {args.rounds} rounds A B C, {os.cpu_count()} CPUs"
    )
    print(f"  {'tool':28} {'wall s':>8} {'CPU s':>8} {'peak RSS':>10} {'lost':>6} {'torn':>6}")
    for name, runs in results.items():
        print(
            f"  {name:28} {statistics.median(r.wall for r in runs):8.3f} "
            f"{statistics.median(r.cpu for r in runs):8.3f} "
            f"{max(r.rss_mib for r in runs):7.1f} MiB {max(r.lost for r in runs):6} "
            f"{max(r.torn for r in runs):6}"
        )
    ours, theirs = results["devtui up --headless"], results[f"concurrently {CONCURRENTLY_VERSION}"]
    walls = [a.wall / b.wall for a, b in zip(ours, theirs, strict=True)]
    cpus = [a.cpu / b.cpu for a, b in zip(ours, theirs, strict=True)]
    print(
        f"  devtui / concurrently, pair by pair: wall median {statistics.median(walls):.2f} "
        f"({', '.join(f'{r:.2f}' for r in walls)}; target <= 0.80)"
    )
    print(
        f"                                       CPU  median {statistics.median(cpus):.2f} "
        f"({', '.join(f'{r:.2f}' for r in cpus)}; target <= 1.00)"
    )
    whole = all(r.lost == 0 and r.torn == 0 for r in ours)
    print(f"  devtui delivery: {'every line once and whole' if whole else 'LINES LOST OR TORN'}")
    return 0 if whole else 1


if __name__ == "__main__":
    raise SystemExit(main())
