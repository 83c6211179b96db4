"""Throughput: two children each writing 200,000 lines (30% on stderr, some ANSI) through
`devtui ci --keep-running` into a file, against the same children writing straight to it.

Prints the wall-time ratio (target ≤ 2.0), devtui's peak RSS (target ≤ 60 MiB) and whether
every line arrived exactly once and whole. Run: python benchmarks/throughput.py [--lines N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FLOOD = REPO / "tests" / "children" / "flood.py"
PAYLOAD = "abcdefghijklmnopqrstuvwxyz0123456789"

# Runs devtui's CLI and records its own peak RSS: VmHWM (KiB) belongs to the address space
# made by exec, unlike ru_maxrss, which keeps the forking parent's high-water mark.
WRAPPER = """
import re, sys
from devtui.cli import main
code = main(sys.argv[2:])
status = open("/proc/self/status").read()
with open(sys.argv[1], "w") as handle:
    handle.write(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
raise SystemExit(code)
"""


def direct(lines: int, out: Path) -> float:
    """Both children writing straight to `out` (stdout and stderr), in parallel."""
    started = time.perf_counter()
    with out.open("ab") as sink:
        children = [
            subprocess.Popen(
                [sys.executable, str(FLOOD), tag, str(lines)], stdout=sink, stderr=sink
            )
            for tag in ("a", "b")
        ]
        for child in children:
            child.wait()
    return time.perf_counter() - started


def through_devtui(lines: int, work: Path, keep_logs: int = 2) -> tuple[float, float, Path]:
    """Both children under `devtui ci --keep-running`, its stdout into a file."""
    config = work / "devtui.toml"
    config.write_text(
        f"[settings]\nkeep_logs = {keep_logs}\n\n"
        + "".join(
            f"[processes.{tag}]\ncommand = {json.dumps([sys.executable, str(FLOOD), tag, str(lines)])}\n\n"
            for tag in ("a", "b")
        )
    )
    out, rss_file = work / "devtui.out", work / "rss"
    started = time.perf_counter()
    with out.open("wb") as sink:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                WRAPPER,
                str(rss_file),
                "ci",
                "--keep-running",
                "--color",
                "never",
                "--config",
                str(config),
            ],
            stdout=sink,
            stderr=subprocess.PIPE,
            cwd=work,
        )
    took = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"devtui exited {result.returncode}:\n{result.stderr.decode()[-2000:]}")
    return took, int(rss_file.read_text()) / 1024, out


def verify(out: Path, lines: int) -> str:
    """Every line of both children exactly once, whole, on the stream it was written to."""
    pattern = re.compile(r"^\d\d:\d\d:\d\d (a|b)\s+([│┃]) (a|b) (\d+) (out|err) (.*)$")
    seen: dict[str, set[int]] = {"a": set(), "b": set()}
    problems = 0
    with out.open(encoding="utf-8") as handle:
        for text in handle:
            problems += check(pattern.match(text.rstrip("\n")), seen)
    missing = sum(lines - len(found) for found in seen.values())
    if problems or missing:
        return f"FAILED: {problems} bad or duplicated lines, {missing} missing"
    return f"ok: {2 * lines:,} lines, each exactly once and whole"


def check(match: re.Match[str] | None, seen: dict[str, set[int]]) -> int:
    """0 if the printed line is a whole, first-seen child line on its own stream, else 1."""
    if not match or match[1] != match[3] or match[6] != PAYLOAD:
        return 1
    index = int(match[4])
    on_stderr = index % 10 < 3
    bad = (
        (match[2] == "┃") != on_stderr
        or (match[5] == "err") != on_stderr
        or index in seen[match[1]]
    )
    seen[match[1]].add(index)
    return int(bad)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=200_000, help="lines per child")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--no-session-log",
        action="store_true",
        help="keep_logs = 0: shows what the session log costs",
    )
    args = parser.parse_args()
    ratios, rss, walls, bases = [], [], [], []
    verdict = ""
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            base = direct(args.lines, work / "direct.out")
            wall, peak, out = through_devtui(args.lines, work, 0 if args.no_session_log else 2)
            verdict = verify(out, args.lines)
            bases.append(base)
            walls.append(wall)
            ratios.append(wall / base)
            rss.append(peak)
    log = "without a session log" if args.no_session_log else "with the session log"
    print(
        f"throughput: 2 children x {args.lines:,} lines (30% stderr, 1 in 7 with ANSI), {args.runs} runs, "
        f"{os.cpu_count()} CPUs, {log}"
    )
    print(f"  direct to file     median {statistics.median(bases):.2f} s")
    print(f"  through devtui     median {statistics.median(walls):.2f} s")
    print(
        f"  wall ratio         median {statistics.median(ratios):.2f}  (runs: "
        f"{', '.join(f'{r:.2f}' for r in ratios)}; target <= 2.0)"
    )
    print(
        f"  devtui peak RSS    max {max(rss):.1f} MiB  (runs: {', '.join(f'{r:.0f}' for r in rss)}; "
        "target <= 60 MiB)"
    )
    print(f"  delivery           {verdict}")
    return 0 if verdict.startswith("ok") else 1


if __name__ == "__main__":
    raise SystemExit(main())
