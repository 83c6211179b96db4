"""`devtui lint` as a user runs it: folders, formats, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from devtui.errors import ExitCode
from tests.cli.test_cli import cli
from tests.helpers import FIXTURES


@pytest.fixture
def seed_project(tmp_path: Path) -> Path:
    """A project folder (package.json + convex/) holding the two seed violations."""
    shutil.copytree(FIXTURES / "lint-seed" / "convex", tmp_path / "convex")
    (tmp_path / "package.json").write_text('{"dependencies": {"convex": "^1.48.0"}}')
    return tmp_path


def test_text_output_names_each_violation_with_its_fix(seed_project: Path) -> None:
    code, out, err = cli("lint")
    assert code == ExitCode.PROCESS_FAILED and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("convex/agent.ts:9:14  error  createChatMessage is a Mutation")
    assert lines[1].startswith('    fix: Move createChatMessage into a file without "use node"')
    assert lines[2].startswith('convex/knowledge.ts:3:20  error  "crypto" is a Node built-in')
    assert lines[-1] == "✖ convex/: 2 errors in 2 of 2 files"
    assert "::error" not in out


def test_json_output_is_the_documented_array(seed_project: Path) -> None:
    code, out, _ = cli("lint", "--format", "json", "convex")
    assert code == 1
    findings = json.loads(out)
    assert [set(f) for f in findings] == [
        {"rule", "severity", "file", "line", "column", "symbol", "message", "fix"}
    ] * 2
    assert [(f["rule"], f["file"], f["line"], f["column"], f["symbol"]) for f in findings] == [
        ("non-action-in-node-file", "convex/agent.ts", 9, 14, "createChatMessage"),
        ("node-builtin-in-v8", "convex/knowledge.ts", 3, 20, "crypto"),
    ]


def test_github_format_prints_workflow_commands(seed_project: Path) -> None:
    code, out, _ = cli("lint", "--format", "github", str(seed_project))
    assert code == 1
    first, second = out.splitlines()
    assert first.startswith(
        "::error file=convex/agent.ts,line=9,col=14,title=Query or mutation in a "
        '"use node" file (non-action-in-node-file)::createChatMessage is a Mutation'
    )
    assert "%0AFix: Move createChatMessage" in first
    assert second.startswith("::error file=convex/knowledge.ts,line=3,col=20,")


def test_under_github_actions_text_output_also_annotates(
    seed_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    _, out, _ = cli("lint")
    assert out.splitlines()[-2].startswith("::error file=convex/agent.ts,line=9,col=14,")
    assert "✖ convex/: 2 errors in 2 of 2 files" in out


def test_a_clean_folder_exits_0(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "lint-clean" / "convex", tmp_path / "convex")
    code, out, _ = cli("lint", "convex")
    assert code == ExitCode.OK
    assert out == "✔ convex/: nothing Convex would reject in 4 files\n"
    code, out, _ = cli("lint", "--format", "json")
    assert (code, out) == (0, "[]\n")


def test_convex_json_names_the_functions_folder(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "lint-seed" / "convex", tmp_path / "src" / "backend")
    (tmp_path / "convex.json").write_text('{"functions": "src/backend/"}')
    code, out, _ = cli("lint", "--format", "json", str(tmp_path))
    assert code == 1
    assert {f["file"] for f in json.loads(out)} == {
        "src/backend/agent.ts",
        "src/backend/knowledge.ts",
    }


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli("lint")
    assert code == ExitCode.USAGE
    assert "no Convex functions folder here (convex/ does not exist); pass DIR" in err
    code, _, err = cli("lint", "nowhere")
    assert (code, err) == (ExitCode.USAGE, "devtui: lint: nowhere is not a folder\n")
    code, _, _ = cli("lint", "--format", "xml")
    assert code == ExitCode.USAGE and "invalid choice: 'xml'" in capsys.readouterr().err
