"""GitHub Actions workflow commands, so problems show on a pull request's diff.

Invariant: pure formatting; one line per problem in the documented form
`::error file=…,line=…,col=…,title=…::message`, with GitHub's escaping of `%`, CR, LF
(and in properties `:` and `,`), so no text can break or inject a command.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from devtui.core.problems.book import Problem, Severity

AnnotationChoice = Literal["auto", "github", "none"]

_LEVELS: Final = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def annotations_wanted(choice: AnnotationChoice, environ: Mapping[str, str]) -> bool:
    """`--annotations github` forces them, `none` turns them off; `auto` follows
    GITHUB_ACTIONS=true (set by GitHub's runners)."""
    if choice == "auto":
        return environ.get("GITHUB_ACTIONS", "").lower() == "true"
    return choice == "github"


def workflow_command(
    severity: Severity,
    message: str,
    *,
    title: str = "",
    file: str | None = None,
    line: int | None = None,
    column: int | None = None,
) -> str:
    """One `::error …::message` line (`notice` for info, `warning` for warnings)."""
    properties: list[str] = []
    if file:
        properties.append(f"file={_property(file)}")
        if line is not None:
            properties.append(f"line={line}")
            if column is not None:
                properties.append(f"col={column}")
    if title:
        properties.append(f"title={_property(title)}")
    joined = " " + ",".join(properties) if properties else ""
    return f"::{_LEVELS[severity]}{joined}::{_data(message)}"


def problem_annotation(problem: Problem) -> str:
    """The annotation of a core problem: its title and rule, message, and fix."""
    body = problem.message
    if problem.fix:
        body += f"\nFix: {problem.fix}"
    return workflow_command(
        problem.severity,
        body,
        title=f"{problem.title} ({problem.rule})",
        file=problem.file,
        line=problem.line,
        column=problem.column,
    )


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
