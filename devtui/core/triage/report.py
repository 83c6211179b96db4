"""A Markdown report of a session's problems, to paste into an issue or a chat.

Invariant: every line that goes into a report passes the redactor again (the session log
is redacted when written; this catches anything a pattern learned since), its control
characters are made visible and its escape sequences removed (a report is read with `cat`
too), and code blocks are fenced with more backticks than any line holds, so output cannot
break the Markdown.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from devtui.core.redact import Redactor
from devtui.core.sessionlog.records import iso_time
from devtui.core.terminal_text import visible_controls
from devtui.core.triage.problems import TriageProblem, occurrence_context
from devtui.core.triage.session import TriageSession
from devtui.core.vocabulary import SEVERITY_SYMBOL

MAX_OCCURRENCES: Final = 3
"""A report shows this many of a problem's sightings (the latest), and says how many more."""
SEVERITY_MARK: Final = {severity.value: mark for severity, mark in SEVERITY_SYMBOL.items()}


def reports_folder(log: Path, cwd: Path) -> Path:
    """Where reports of `log` go: its project's `.devtui/reports/` (beside `.devtui/logs/`),
    else `.devtui/reports/` in `cwd`; never the project's own files."""
    folder = log.resolve().parent
    if folder.name == "logs" and folder.parent.name == ".devtui":
        return folder.parent / "reports"
    return cwd / ".devtui" / "reports"


def write_report(folder: Path, report: str) -> Path:
    """Write `report` to a new owner-only (0600) file in the owner-only `folder`.

    Raises:
        OSError: the folder or file cannot be written.
    """
    from devtui.core.sessionlog.log import PRIVATE_FILE, private_folder

    private_folder(folder)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for attempt in range(1, 1000):
        path = folder / f"devtui-report-{stamp}{'' if attempt == 1 else f'-{attempt}'}.md"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        except FileExistsError:
            continue
        os.fchmod(fd, PRIVATE_FILE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(report)
        return path
    raise FileExistsError(f"no free report name in {folder}")


def clock(at: float | None) -> str:
    """`2026-11-22 08:05:15 UTC` (or `?`)."""
    if at is None:
        return "?"
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def markdown_report(
    session: TriageSession,
    problems: list[TriageProblem],
    context: int = 3,
    redactor: Redactor | None = None,
) -> str:
    """The report of `problems` (one or all of the session's) with `context` lines around."""
    redactor = redactor or Redactor()

    def redact(text: str) -> str:
        return visible_controls(redactor.redact(text))

    info = session.info
    open_counts: dict[str, int] = {}
    for problem in problems:
        if not problem.resolved:
            open_counts[problem.severity] = open_counts.get(problem.severity, 0) + 1
    resolved = sum(1 for p in problems if p.resolved)
    counts = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in open_counts.items())
    if resolved:
        counts = f"{counts}, {resolved} resolved" if counts else f"{resolved} resolved"
    ending = f"exit {info.exit_code}" if info.exit_code is not None else "did not record its end"
    out = [
        f"# devtui triage: `{session.path.name}`",
        "",
        f"- Session: {redact(info.origin) or '?'}; started {clock(info.started)}, "
        f"{'ended ' + clock(info.ended) + ', ' if info.ended else ''}{ending}",
        f"- Processes: {', '.join(info.processes) or '?'}",
        f"- Problems: {counts or 'none'}",
    ]
    for problem in problems:
        out += ["", *_problem_section(session, problem, context, redact)]
    return "\n".join(out) + "\n"


def _problem_section(
    session: TriageSession, problem: TriageProblem, context: int, redact: Callable[[str], str]
) -> list[str]:
    mark = SEVERITY_MARK.get(problem.severity, "•")
    state = "resolved" if problem.resolved else "open"
    where = f" · `{problem.location}`" if problem.location else ""
    times = "once" if problem.count == 1 else f"{problem.count} times"
    lines = [
        f"## {mark} {redact(problem.title or problem.rule)} (`{problem.rule}`, {problem.severity})",
        "",
        f"- `{problem.process}`{where} · seen {times}, first {iso_time(problem.first_seen)}, "
        f"last {iso_time(problem.last_seen)} · {state}",
        f"- {redact(problem.message)}",
    ]
    if problem.explanation:
        lines += ["", f"**Why.** {redact(problem.explanation)}"]
    if problem.fix:
        lines += ["", f"**Fix.** {redact(problem.fix)}"]
    if problem.docs:
        lines += ["", f"Docs: {problem.docs}"]
    shown = problem.occurrences[-MAX_OCCURRENCES:]
    skipped = len(problem.occurrences) - len(shown)
    for number, occurrence in enumerate(shown, skipped + 1):
        total = len(problem.occurrences)
        lines += ["", f"### Occurrence {number} of {total} ({clock(occurrence.time)})", ""]
        found = occurrence_context(session.index, occurrence, context)
        if found.numbers:
            body = []
            for line_number in found.numbers:
                line = session.index.line(line_number)
                pointer = ">" if line_number in found.marked else " "
                stream = "!" if line.stream == "stderr" else " "
                body.append(f"{pointer}{stream}{line.process} │ {redact(line.text)}")
        else:
            body = [redact(text) for text in occurrence.lines] or ["(no output lines recorded)"]
        lines += _fenced(body)
    if skipped:
        lines += ["", f"({skipped} earlier occurrence{'s' if skipped != 1 else ''} not shown.)"]
    return lines


def _fenced(body: list[str]) -> list[str]:
    ticks = max(3, _longest_backtick_run(body) + 1)
    fence = "`" * ticks
    return [fence + "text", *body, fence]


def _longest_backtick_run(body: list[str]) -> int:
    best = 0
    for line in body:
        run = 0
        for ch in line:
            run = run + 1 if ch == "`" else 0
            best = max(best, run)
    return best
