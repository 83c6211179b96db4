"""Problem detection and lint costs: figures, not assertions (machines are noisy).

- detector: lines per second through one Convex process's rules, for ordinary output,
  for a flood of function logs (needles present, no problem) and for a flood of function
  errors (every line a problem sighting);
- lint: a cold pass over a generated functions folder, and a warm pass after one file
  changed (what live lint does on save);
- lint corpus: precision and recall on tests/fixtures/lint-corpus.

Run: python benchmarks/problems.py
"""

from __future__ import annotations

import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from devtui.core.config.rules import builtin_rules
from devtui.core.lint.linter import ConvexLinter
from devtui.core.problems.book import ProblemBook
from devtui.core.problems.detector import ProblemDetector

REPO = Path(__file__).resolve().parents[1]
CHUNK = 500
"""Lines per chunk, about what one 64 KiB pipe read holds."""


def best_of(runs: int, job: Callable[[], None]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return min(times)


def detector_rate(lines: list[str]) -> tuple[float, int]:
    """Lines per second through the Convex rules, and how many problems came out."""
    rules = [rule for rule in builtin_rules() if rule.applies_to("convex", "convex")]
    found = 0

    def run() -> None:
        nonlocal found
        detector = ProblemDetector("convex", rules)
        book = ProblemBook()
        for start in range(0, len(lines), CHUNK):
            for finding in detector.feed("stderr", lines[start : start + CHUNK], start + 1, 0.0):
                book.record(finding.problem)
        for problem in detector.flush():
            book.record(problem)
        found = sum(p.count for p in book.all())

    seconds = best_of(3, run)
    return len(lines) / seconds, found


def generated_project(root: Path, files: int) -> Path:
    functions = root / "convex"
    (functions / "lib").mkdir(parents=True)
    for index in range(files):
        body = [
            'import { v } from "convex/values";',
            'import { query, mutation } from "./_generated/server";',
            f'import {{ helper{index % 10} }} from "./lib/helpers{index % 10}";',
        ]
        if index % 25 == 0:
            body.append('import { createHash } from "crypto";')
            body.append("export const digest = createHash;")
        for fn in range(20):
            body.append(
                f"export const q{fn} = query({{ args: {{ id: v.string() }}, "
                f"handler: async (ctx, {{ id }}) => helper{index % 10}(id) + `{fn}` }});"
            )
        (functions / f"module{index}.ts").write_text("\n".join(body) + "\n")
    for index in range(10):
        (functions / "lib" / f"helpers{index}.ts").write_text(
            f"export function helper{index}(id: string): string {{ return id.trim(); }}\n"
        )
    return functions


def main() -> None:
    ordinary = [f"{i:06d} GET /api/items?page={i % 40} 200 in {i % 90} ms" for i in range(200_000)]
    logs = [
        f"11/22/2026, 4:34:{i % 60:02d} AM [CONVEX Q(messages:list)] [LOG] 'listed {i} messages'"
        for i in range(100_000)
    ]
    errors = [
        f"11/22/2026, 4:34:{i % 60:02d} AM [CONVEX A(ai:stream{i % 5})] [ERROR] 'failed {i}'"
        for i in range(100_000)
    ]
    print("detector (Convex rules, chunks of 500 lines, best of 3):")
    for name, lines in (
        ("ordinary output", ordinary),
        ("function logs", logs),
        ("function errors", errors),
    ):
        rate, found = detector_rate(lines)
        print(f"  {name:<16} {rate / 1e6:6.2f} M lines/s   sightings: {found:,}")

    with tempfile.TemporaryDirectory() as scratch:
        functions = generated_project(Path(scratch), 300)
        linter = ConvexLinter(functions)
        cold = []
        for _ in range(3):
            fresh = ConvexLinter(functions)
            start = time.perf_counter()
            report = fresh.lint()
            cold.append(time.perf_counter() - start)
        linter.lint()
        target = functions / "module7.ts"
        warm = []
        for round_ in range(5):
            target.write_text(target.read_text() + f"// edit {round_}\n")
            start = time.perf_counter()
            linter.lint()
            warm.append(time.perf_counter() - start)
        size = sum(p.stat().st_size for p in functions.rglob("*.ts")) / 1024
        print(f"lint: {report.files} files ({size:,.0f} KiB), {len(report.findings)} violations")
        print(f"  cold pass          median {statistics.median(cold) * 1000:6.1f} ms")
        print(f"  after one change   median {statistics.median(warm) * 1000:6.1f} ms")

    corpus = REPO / "tests" / "fixtures" / "lint-corpus"
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "app"
        shutil.copytree(corpus, root)
        shadow = root / "node_modules" / "punycode"
        shadow.mkdir(parents=True)
        (shadow / "package.json").write_text('{"name": "punycode"}')
        expected = set()
        marker = re.compile(r"// expect: (\S+) (\S+)")
        for path in (root / "convex").rglob("*"):
            if path.is_file():
                for number, line in enumerate(path.read_text().splitlines(), start=1):
                    match = marker.search(line)
                    if match:
                        expected.add((str(path.relative_to(root)), number, *match.groups()))
        reported = {
            (f.file, f.line or 0, f.rule, f.symbol or "-")  # `-`: a finding without a symbol
            for f in ConvexLinter(root / "convex").lint().findings
        }
        hits = len(reported & expected)
        files = sum(1 for p in (root / "convex").rglob("*") if p.is_file())
        print(
            f"lint corpus: {files} files, {len(expected)} violations expected, {len(reported)} found: "
            f"precision {hits / max(1, len(reported)):.0%}, recall {hits / max(1, len(expected)):.0%}"
        )


if __name__ == "__main__":
    main()
