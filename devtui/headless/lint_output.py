"""What `devtui lint` prints: text for people, JSON for tools, GitHub workflow commands.

Invariant: pure formatting of a `LintReport`; the text form gives every finding's place,
severity, message and fix, and ends with one summary line (`findings_summary`, which the
live lint line of headless output shares).
"""

from __future__ import annotations

import json

from devtui.core.lint.linter import LintFinding, LintReport
from devtui.core.problems.book import Severity
from devtui.headless.annotations import workflow_command
from devtui.headless.colour import BOLD, DIM, RED, RESET, YELLOW

_LOOK = {Severity.ERROR: RED, Severity.WARNING: YELLOW, Severity.INFO: DIM}


def findings_summary(errors: int, warnings: int, files: int, affected: int) -> str:
    """`2 errors, 1 warning in 2 of 5 files` or `nothing Convex would reject in 5 files`.

    Both counts are said with what they count: `(2 files)` after the findings read as
    the files with findings when it was the files checked.
    """
    checked = f"{files} file{'s' if files != 1 else ''}"
    parts = [
        f"{count} {noun}{'s' if count != 1 else ''}"
        for count, noun in ((errors, "error"), (warnings, "warning"))
        if count
    ]
    if not parts:
        return f"nothing Convex would reject in {checked}"
    return f"{', '.join(parts)} in {affected} of {checked}"


def lint_text(report: LintReport, folder: str, colour: bool) -> list[str]:
    """Human-readable lines: each finding with its fix, then a summary."""

    def paint(style: str, text: str) -> str:
        return f"{style}{text}{RESET}" if colour else text

    lines: list[str] = []
    for finding in report.findings:
        severity = finding.severity
        lines.append(
            f"{paint(BOLD, finding.location)}  {paint(_LOOK[severity], severity.value)}  "
            f"{finding.message}  {paint(DIM, finding.rule)}"
        )
        lines.append(f"    fix: {finding.fix}")
    errors = sum(1 for f in report.findings if f.severity is Severity.ERROR)
    warnings = len(report.findings) - errors
    affected = len({finding.file for finding in report.findings})
    summary = f"{folder}: {findings_summary(errors, warnings, report.files, affected)}"
    if errors:
        lines.append(paint(RED, f"✖ {summary}"))
    elif warnings:
        lines.append(paint(YELLOW, f"▲ {summary}"))
    elif report.files:
        lines.append(f"✔ {summary}")
    else:
        lines.append(f"✔ {folder}: no Convex source files to check")
    return lines


def lint_json(report: LintReport) -> str:
    """The JSON array of findings (design.md's contract)."""
    return json.dumps([finding.record() for finding in report.findings], indent=2)


def lint_annotation(finding: LintFinding) -> str:
    """One GitHub `::error` (or `::warning`) line for a finding."""
    return workflow_command(
        finding.severity,
        f"{finding.message}\nFix: {finding.fix}",
        title=f"{finding.title} ({finding.rule})",
        file=finding.file,
        line=finding.line,
        column=finding.column,
    )
