"""How a problem reads in the TUI: a row for lists, the details, the counts line.

Invariant: pure (Rich text from core `Problem`s, no widgets), so the problems bar, the
problems screen and the triage screen word problems the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from rich.console import Group, RenderableType
from rich.style import Style
from rich.text import Text

from devtui.core.problems.book import SEVERITY_RANK, Problem, Severity
from devtui.core.units import clock_time
from devtui.core.vocabulary import SEVERITY_SYMBOL as CORE_SEVERITY_SYMBOL

SEVERITY_SYMBOL: Final = CORE_SEVERITY_SYMBOL
"""The core's vocabulary."""
SEVERITY_STYLE: Final = {
    Severity.ERROR: Style(color="red", bold=True),
    Severity.WARNING: Style(color="yellow", bold=True),
    Severity.INFO: Style(color="blue", bold=True),
}
_NOUNS: Final = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}


def open_problems(problems: Iterable[Problem]) -> list[Problem]:
    """The unresolved problems, gravest and then latest first."""
    open_ = [p for p in problems if not p.resolved]
    return sorted(open_, key=lambda p: (SEVERITY_RANK[p.severity], -p.last_seen))


def counts_text(problems: list[Problem]) -> Text:
    """`✖ 2 errors  ▲ 1 warning  ✔ 3 resolved` (only what there is)."""
    text = Text(no_wrap=True, end="")
    for severity in Severity:
        count = sum(1 for p in problems if p.severity is severity and not p.resolved)
        if count:
            noun = _NOUNS[severity] + ("s" if count != 1 and severity is not Severity.INFO else "")
            text.append(f"{SEVERITY_SYMBOL[severity]} {count} {noun}", SEVERITY_STYLE[severity])
            text.append("  ")
    resolved = sum(1 for p in problems if p.resolved)
    if resolved:
        text.append(f"✔ {resolved} resolved", Style(color="green"))
    text.rstrip()
    return text


def problem_row(problem: Problem) -> Text:
    """One line: mark, count, rule, process, place, message."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    if problem.resolved:
        text.append("✔ ", Style(color="green"))
    else:
        text.append(f"{SEVERITY_SYMBOL[problem.severity]} ", SEVERITY_STYLE[problem.severity])
    text.append(f"×{problem.count:<3}", Style(dim=True))
    text.append(problem.rule, Style(bold=not problem.resolved))
    text.append(f"  {problem.process}", Style(dim=True))
    if problem.location:
        text.append(f"  {problem.location}", Style(underline=True))
    text.append(f"  {problem.message}")
    if problem.resolved:
        text.stylize(Style(dim=True))
    return text


def problem_details(problem: Problem) -> RenderableType:
    """Everything about one problem: what, where, how often, why, the fix, the lines."""
    heading = Text()
    if problem.resolved:  # the same mark as its row in the list
        heading.append(f"✔ {problem.title}", Style(color="green"))
    else:
        heading.append(
            f"{SEVERITY_SYMBOL[problem.severity]} {problem.title}",
            SEVERITY_STYLE[problem.severity],
        )
    heading.append(f"  ({problem.rule})", Style(dim=True))
    if problem.resolved:
        when = f" at {clock_time(problem.resolved_at)}" if problem.resolved_at else ""
        heading.append(f"  resolved{when}", Style(color="green", bold=True))
    facts = Text()
    facts.append(problem.message + "\n", Style(bold=True))
    where = f"{problem.location}  " if problem.location else ""
    facts.append(f"{where}from {problem.process}\n")
    seen = f"seen {problem.count}×, first {clock_time(problem.first_seen)}"
    if problem.count > 1:
        seen += f", last {clock_time(problem.last_seen)}"
    facts.append(seen, Style(dim=True))
    parts: list[RenderableType] = [heading, facts]
    if problem.explanation:
        parts += [Text("\nWhy", Style(bold=True)), Text(problem.explanation)]
    if problem.fix:
        parts += [Text("\nFix", Style(bold=True, color="green")), Text(problem.fix)]
    if problem.docs:
        parts.append(Text(f"\n{problem.docs}", Style(link=problem.docs, underline=True)))
    if problem.lines:
        # The latest occurrence, whole: long lines wrap rather than being cut.
        lines = Text("\n".join(problem.lines), Style(dim=True), overflow="fold")
        which = "latest occurrence" if problem.count > 1 else "the occurrence"
        title = f"\nOutput ({which}, {clock_time(problem.last_seen)})"
        parts += [Text(title, Style(bold=True)), lines]
    return Group(*parts)
