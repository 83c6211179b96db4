"""`devtui triage`: the summary (text and JSON) field by field, the log it picks, and errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devtui.cli import main
from tests.helpers import REPO
from tests.triage_log import story


def run(argv: list[str], cwd: Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        code = main(argv, out, err)
    finally:
        os.chdir(previous)
    return code, out.getvalue(), err.getvalue()


def test_json_summary_field_by_field(tmp_path: Path) -> None:
    log = story(tmp_path / "session-20261122-080000-1.jsonl")
    code, out, _ = run(["triage", str(log), "--json"])
    assert code == 0
    document = json.loads(out)
    assert document["log"] == str(log)
    assert document["origin"] == "test stack"
    assert document["started"] == "2026-11-18T11:06:40Z"
    assert document["exit_code"] == 130 and document["ended"] is not None
    assert document["processes"] == ["convex", "vite"]
    assert document["lines"] == 15
    assert document["counts"] == {"error": 0, "warning": 1, "info": 0, "resolved": 1}
    retry, crypto = document["problems"]
    assert retry["rule"] == "deployment-retrying" and retry["severity"] == "warning"
    assert retry["location"] is None and retry["resolved"] is False
    assert crypto == {
        "rule": "node-builtin-in-v8",
        "severity": "error",
        "title": "Node built-in imported in a V8 file",
        "message": 'Could not resolve "crypto"',
        "process": "convex",
        "location": "convex/ai.ts:1:27",
        "file": "convex/ai.ts",
        "line": 1,
        "column": 27,
        "symbol": "crypto",
        "count": 2,
        "sources": [],
        "first_seen": "2026-11-18T11:06:41Z",
        "last_seen": "2026-11-18T11:06:43Z",
        "resolved": True,
        "fix": 'Move it into a "use node" file.',
        "docs": None,
    }


def test_text_summary_lists_each_problem(tmp_path: Path) -> None:
    log = story(tmp_path / "session-20261122-080000-1.jsonl")
    code, out, _ = run(["triage", str(log), "--summary", "--color", "never"])
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == str(log)
    assert lines[1] == "  test stack"
    assert lines[3] == "  15 output lines from convex, vite"
    assert lines[5] == "2 problems: 1 warning, 1 resolved"
    assert "▲ convex  deployment-retrying  ×1" in out
    assert "✔ convex  node-builtin-in-v8  convex/ai.ts:1:27  ×2  (resolved)" in out
    assert "    Retrying request (attempt 2/6)" in out
    assert "\x1b" not in out


def test_the_newest_log_of_the_project_is_the_default(tmp_path: Path) -> None:
    logs = tmp_path / ".devtui" / "logs"
    logs.mkdir(parents=True)
    older = story(logs / "session-20261122-070000-1.jsonl")
    newer = story(logs / "session-20261122-080000-2.jsonl")
    os.utime(older, (1, 1))
    (tmp_path / "devtui.toml").write_text('[processes.app]\ncommand = "true"\n')
    code, out, _ = run(["triage", "--json"], cwd=tmp_path)
    assert code == 0 and json.loads(out)["log"] == str(newer.resolve())
    code, out, _ = run(["triage", str(logs), "--json"])
    assert code == 0 and json.loads(out)["log"] == str(newer)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json\n", "is not a devtui session log"),
        ("", "is empty"),
    ],
)
def test_a_file_that_is_not_a_session_log_is_exit_2(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(content)
    code, out, err = run(["triage", str(path), "--summary"])
    assert code == 2 and out == ""
    assert message in err and str(path) in err


def test_no_logs_at_all_is_exit_2_with_a_hint(tmp_path: Path) -> None:
    (tmp_path / "devtui.toml").write_text('[processes.app]\ncommand = "true"\n')
    code, _, err = run(["triage", "--summary", "--config", str(tmp_path / "devtui.toml")])
    assert code == 2
    assert "no session logs yet" in err and "devtui triage PATH" in err


def test_the_summary_path_loads_neither_textual_nor_rich(tmp_path: Path) -> None:
    log = story(tmp_path / "session-1.jsonl")
    code = (
        "import sys, io; from devtui.cli import main; "
        f"main(['triage', {str(log)!r}, '--summary'], io.StringIO(), io.StringIO()); "
        "main(['triage', " + repr(str(log)) + ", '--json'], io.StringIO(), io.StringIO()); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.strip() == "[]"


def test_without_a_terminal_triage_prints_the_summary(tmp_path: Path) -> None:
    log = story(tmp_path / "session-1.jsonl")
    code, out, err = run(["triage", str(log)])
    assert code == 0 and "not a terminal" in err
    assert "2 problems" in out


def test_a_pipe_or_a_device_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "session-20261122-080000-1.jsonl"
    os.mkfifo(fifo)
    code, _, err = run(["triage", str(fifo), "--summary"])
    assert code == 2
    assert err == f"devtui: {fifo} is not a regular file (a pipe or a device), not a log\n"


def test_damaged_records_are_counted_not_silently_dropped(tmp_path: Path) -> None:
    log = story(tmp_path / "session-20261122-080000-1.jsonl")
    with log.open("a") as handle:
        handle.write('{"kind":"problem","time":1,"event":"detected","problem":{"rule":\n')
        handle.write('{"kind":"state","time":2,"process":"convex","state":"re')  # cut short
    code, out, _ = run(["triage", str(log), "--json"])
    assert code == 0
    assert json.loads(out)["skipped_records"] == 2
    _, text, _ = run(["triage", str(log), "--summary"])
    assert "  2 damaged records could not be read and were skipped" in text
