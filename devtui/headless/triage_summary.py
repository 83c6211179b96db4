"""The text form of `devtui triage --summary`: the session, then one block per problem."""

from __future__ import annotations

from devtui.core.problems.book import Severity
from devtui.headless.colour import BOLD, DIM, GREEN, Palette
from devtui.headless.diagnostics import SEVERITY_LOOK


def summary_text(document: dict[str, object], colour: bool) -> list[str]:
    """Lines of the summary of `document` (see `core.triage.summary.summary_document`)."""
    paint = Palette(colour)
    counts = document["counts"]
    assert isinstance(counts, dict)
    problems = document["problems"]
    assert isinstance(problems, list)
    ended = (
        f"ended {document['ended']}, exit {document['exit_code']}"
        if document["ended"]
        else "no end record (still running, or killed)"
    )
    parts = [f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n and s != "resolved"]
    if counts.get("resolved"):
        parts.append(f"{counts['resolved']} resolved")
    lines = [
        paint(str(document["log"]), BOLD),
        f"  {document['origin']}",
        f"  started {document['started']}, {ended}",
        f"  {document['lines']:,} output lines from {', '.join(map(str, document['processes']))}",  # type: ignore[call-overload]
    ]
    skipped = document.get("skipped_records")
    if isinstance(skipped, int) and skipped:
        noun = "record" if skipped == 1 else "records"
        lines.append(f"  {skipped} damaged {noun} could not be read and were skipped")
    lines += [
        "",
        paint(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}", BOLD)
        + (": " + ", ".join(parts) if parts else ""),
    ]
    for problem in problems:
        assert isinstance(problem, dict)
        mark, style = SEVERITY_LOOK[Severity(str(problem["severity"]))]
        if problem["resolved"]:
            mark, style = "✔", GREEN
        where = f"  {problem['location']}" if problem["location"] else ""
        state = "  (resolved)" if problem["resolved"] else ""
        lines += [
            "",
            f"{paint(mark, style)} {problem['process']}  {paint(problem['rule'], BOLD)}{where}"
            f"  ×{problem['count']}{state}",
            f"    {problem['message']}",
            paint(f"    first {problem['first_seen']}, last {problem['last_seen']}", DIM),
        ]
        if problem["fix"] and not problem["resolved"]:
            lines.append(f"    fix: {problem['fix']}")
    return lines
