"""What `devtui lint` prints: text for people, JSON for tools, GitHub workflow commands.

Invariant: pure formatting of a `LintReport`; the text form gives every finding's place,
message and fix, and ends with one summary line.
"""

from __future__ import annotations

import json

from devtui.core.lint import LintFinding, LintReport
from devtui.core.problems import Severity
from devtui.headless.annotations import workflow_command
from devtui.headless.colour import BOLD, DIM, RED, RESET


def lint_text(report: LintReport, folder: str, colour: bool) -> list[str]:
    """Human-readable lines: each finding with its fix, then a summary."""

    def paint(style: str, text: str) -> str:
        return f"{style}{text}{RESET}" if colour else text

    lines: list[str] = []
    for finding in report.findings:
        lines.append(
            f"{paint(BOLD, finding.location)}  {paint(RED, 'error')}  "
            f"{finding.message}  {paint(DIM, finding.rule)}"
        )
        lines.append(f"    fix: {finding.fix}")
    count = len(report.findings)
    files = f"{report.files} file{'s' if report.files != 1 else ''}"
    if count:
        noun = "violation" if count == 1 else "violations"
        lines.append(paint(RED, f"✖ {count} runtime-separation {noun} in {folder} ({files})"))
    elif report.files:
        lines.append(f"✔ {folder}: no runtime-separation violations ({files})")
    else:
        lines.append(f"✔ {folder}: no Convex source files to check")
    return lines


def lint_json(report: LintReport) -> str:
    """The JSON array of findings (design.md's contract)."""
    return json.dumps([finding.record() for finding in report.findings], indent=2)


def lint_annotation(finding: LintFinding) -> str:
    """One GitHub `::error` line for a finding."""
    return workflow_command(
        Severity.ERROR,
        f"{finding.message}\nFix: {finding.fix}",
        title=f"{finding.title} ({finding.rule})",
        file=finding.file,
        line=finding.line,
        column=finding.column,
    )
