"""Session logs for triage tests, written with the session log's own record code."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from devtui.core.problems.book import Problem, Severity
from devtui.core.sessionlog.layout import line_records, lines_record
from devtui.core.sessionlog.log import LOG_FORMAT_VERSION
from devtui.core.sessionlog.records import problem_record

START = 1_795_000_000.0


def _compact(record: dict[str, object]) -> str:
    """As the writer writes records: no spaces, UTF-8 kept."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


class LogBuilder:
    """Appends records in order; `lines` returns each output line's seq."""

    def __init__(
        self, processes: tuple[str, ...] = ("convex", "vite"), version: int = LOG_FORMAT_VERSION
    ) -> None:
        """`version` 1 writes a record per line, as devtui did before format 2."""
        self.version = version
        header = {
            "kind": "session",
            "version": version,
            "time": START,
            "origin": "test stack",
            "processes": [{"name": name} for name in processes],
        }
        self.parts = [_compact(header) + "\n"]
        self.seq = {name: 0 for name in processes}
        self.now = START

    def lines(
        self, process: str, *raws: str, stream: str = "stderr", at: float | None = None
    ) -> list[int]:
        """Output lines; returns their seqs."""
        self.now = at if at is not None else self.now + 1
        first = self.seq[process] + 1
        if self.version == 1:
            text = line_records(process, stream, self.now, first, list(raws))
        else:
            text = lines_record(process, stream, self.now, first, list(raws)).decode()
        self.parts.append(text)
        self.seq[process] += len(raws)
        return list(range(first, first + len(raws)))

    def state(self, process: str, state: str) -> None:
        self.parts.append(
            _compact({"kind": "state", "time": self.now, "process": process, "state": state}) + "\n"
        )

    def problem(self, event: str, problem: Problem) -> None:
        record = {
            "kind": "problem",
            "time": self.now,
            "event": event,
            "problem": problem_record(problem),
        }
        self.parts.append(_compact(record) + "\n")

    def end(self, exit_code: int) -> None:
        self.parts.append(
            _compact({"kind": "end", "time": self.now, "exit_code": exit_code}) + "\n"
        )

    def write(self, path: Path) -> Path:
        path.write_text("".join(self.parts), encoding="utf-8")
        return path


def crypto_problem(seqs: list[int], count: int = 1, resolved: bool = False) -> Problem:
    return Problem(
        rule="node-builtin-in-v8",
        severity=Severity.ERROR,
        title="Node built-in imported in a V8 file",
        message='Could not resolve "crypto"',
        process="convex",
        fingerprint="node-builtin-in-v8|convex/ai.ts|crypto",
        first_seen=START + 1,
        last_seen=START + 1 + count,
        count=count,
        file="convex/ai.ts",
        line=1,
        column=27,
        symbol="crypto",
        explanation="V8 has no Node built-ins.",
        fix='Move it into a "use node" file.',
        lines=('✘ [ERROR] Could not resolve "crypto"',),
        first_seq=seqs[0],
        occurrence_seqs=tuple(seqs),
        resolved=resolved,
    )


def retry_problem(seqs: list[int]) -> Problem:
    return replace(
        crypto_problem(seqs),
        rule="deployment-retrying",
        severity=Severity.WARNING,
        title="Convex deployment retrying",
        message="Retrying request (attempt 2/6)",
        fingerprint="deployment-retrying|",
        file=None,
        line=None,
        column=None,
        symbol=None,
    )


def story(path: Path, version: int = LOG_FORMAT_VERSION) -> Path:
    """Two pushes failing on "crypto", a fix, ready, Vite, a retry warning, then the end."""
    log = LogBuilder(version=version)
    log.state("convex", "pushing")
    log.lines("convex", "- Preparing Convex functions...")
    first = log.lines(
        "convex",
        '\x1b[31m✘ [ERROR]\x1b[0m Could not resolve "crypto"',
        "",
        "    convex/ai.ts:1:27:",
    )
    log.problem("detected", crypto_problem(first))
    log.state("convex", "push-failed")
    log.lines("convex", "- Preparing Convex functions...")
    second = log.lines(
        "convex",
        '\x1b[31m✘ [ERROR]\x1b[0m Could not resolve "crypto"',
        "",
        "    convex/ai.ts:1:27:",
    )
    log.problem("repeated", crypto_problem(second, count=2))
    log.lines("convex", "- Preparing Convex functions...")
    log.lines("convex", "✔ 08:00:09 Convex functions ready! (1.2s)")
    log.state("convex", "ready")
    log.problem("resolved", crypto_problem(second, count=2, resolved=True))
    log.lines(
        "vite",
        "  VITE v8.3.8  ready in 271 ms",
        "  ➜  Local:   http://localhost:5173/",
        stream="stdout",
    )
    warned = log.lines("convex", "Retrying request (attempt 2/6)")
    log.problem("detected", retry_problem(warned))
    log.lines("vite", "[vite] hmr update /src/App.tsx", stream="stdout")
    log.lines("convex", "API_KEY=sk-abcdefghijklmnopqrstuvwx in the output")
    log.end(130)
    return log.write(path)
