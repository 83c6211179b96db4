"""Secrets a child prints never reach the session log, the summaries, `--json`, the
GitHub annotations, a triage report or its summary; reports are private files."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from devtui.core.triage.report import markdown_report, reports_folder, write_report
from devtui.core.triage.session import TriageSession
from devtui.errors import ExitCode
from tests.cli.test_cli import cli, toml_list
from tests.helpers import CHILDREN
from tests.secrets_corpus import SECRETS

FLAG_SECRET = "0ff1ce0ff1ce0ff1ce0ff1ce0ff1ce"
ENV_SECRET = "env-secret-value-123"
ALL_SECRETS = [*SECRETS, FLAG_SECRET, ENV_SECRET, "tk_live_0123456789abcdef"]


def leaks(text: str) -> list[str]:
    return [secret for secret in ALL_SECRETS if secret in text]


def project(tmp_path: Path) -> None:
    import sys

    command = toml_list([sys.executable, str(CHILDREN / "secrets.py"), "--admin-key", FLAG_SECRET])
    (tmp_path / "devtui.toml").write_text(
        "[settings]\nlint = false\n\n"
        f'[processes.convex]\ncommand = {command}\nkind = "convex"\n'
        f'env = {{ SERVICE_PASSWORD = "{ENV_SECRET}" }}\n'
    )


def test_no_secret_reaches_a_file_a_summary_or_a_report(tmp_path: Path) -> None:
    project(tmp_path)
    code, out, err = cli("up", "--headless")
    assert code == ExitCode.OK, err
    assert "sk-proj-Abcdefghijklmnop1234567890" in out  # stdout is the child's own stream
    assert leaks(err) == []  # what devtui says on stderr quotes it redacted
    [log] = (tmp_path / ".devtui" / "logs").glob("session-*.jsonl")
    assert leaks(log.read_text()) == []
    assert log.read_text().count("[REDACTED]") >= 29

    code, summary, _ = cli("triage", str(log), "--summary")
    assert code == 0 and leaks(summary) == []
    code, document, _ = cli("triage", str(log), "--json")
    assert code == 0 and leaks(document) == []

    session = TriageSession(log)
    try:
        session.build()
        report = markdown_report(session, session.problems)
        path = write_report(reports_folder(log, tmp_path), report)
    finally:
        session.close()
    assert leaks(report) == [] and "call failed" in report
    assert path.parent == tmp_path / ".devtui" / "reports"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_no_secret_reaches_the_json_summary_or_the_annotations(tmp_path: Path) -> None:
    project(tmp_path)
    code, _, err = cli("ci", "--json", "summary.json", "--annotations", "github")
    assert code == ExitCode.PROBLEM, err  # the function's error fails ci
    assert "::error" in err and leaks(err) == []
    document = (tmp_path / "summary.json").read_text()
    assert leaks(document) == []
    problems = json.loads(document)["problems"]
    assert problems and all("[REDACTED]" in " ".join(p["lines"]) for p in problems)
