"""The CLI in-process with injected streams: exit codes and the stdout/stderr split."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import psutil
import pytest

from devtui.cli import main
from devtui.errors import ExitCode
from tests.helpers import CHILDREN, FIXTURES


def toml_list(argv: list[str]) -> str:
    return "[" + ", ".join(json.dumps(part) for part in argv) + "]"


def replay_cmd(case: str, stem: str = "convex-dev", *extra: str) -> str:
    return toml_list(
        [sys.executable, str(CHILDREN / "replay.py"), str(FIXTURES / case), stem, *extra]
    )


def scripted_cmd(*steps: str) -> str:
    return toml_list([sys.executable, str(CHILDREN / "scripted.py"), *steps])


def write_config(path: Path, convex: str, vite: str | None = None, extra: str = "") -> Path:
    text = f'[settings]\nshutdown_grace = 2\n\n[processes.convex]\ncommand = {convex}\nkind = "convex"\n'
    if vite:
        text += f'\n[processes.vite]\ncommand = {vite}\nkind = "vite"\ndepends_on = ["convex"]\n'
    path.write_text(text + extra)
    return path


def cli(*argv: str) -> tuple[int, str, str]:
    """Run devtui in-process; whatever the exit path, nothing it started may outlive it."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    leftovers = [
        f"{p.pid} {' '.join(p.cmdline())}"
        for p in psutil.Process().children(recursive=True)
        if p.status() != psutil.STATUS_ZOMBIE
    ]
    assert leftovers == [], f"still running after devtui returned: {leftovers}"
    assert "killed process groups still running at exit" not in err.getvalue(), (
        "the orderly shutdown left processes for the safety net"
    )
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def stack(tmp_path: Path) -> Path:
    """A devtui.toml whose Convex stand-in prints its ready line only on stderr."""
    return write_config(
        tmp_path / "devtui.toml",
        replay_cmd("ok-once", "convex-dev", "--hold", "--push-delay", "0.2"),
        replay_cmd("vite-ok", "vite", "--hold"),
    )


def test_ci_until_ready_exits_0_with_child_output_only_on_stdout(
    stack: Path, tmp_path: Path
) -> None:
    code, out, err = cli("ci", "--json", str(tmp_path / "summary.json"))
    assert code == ExitCode.OK, err
    for line in out.splitlines():
        assert line[8:9] == " " and line[9:16] in ("convex ", "vite   "), line
        assert line[16] in "│┃"
    assert "convex ┃ ✔" in out and "Convex functions ready!" in out
    assert "vite   │   VITE v8.3.8  ready in 271 ms" in out
    assert "all ready: convex, vite" in err and "exit 0: all processes ready" in err
    assert "summary:" in err and "session log:" in err
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["exit_code"] == 0 and summary["exit_reason"] == "all processes ready"
    convex, vite = summary["processes"]
    assert (convex["name"], convex["state"], convex["pushes"]) == ("convex", "ready", 1)
    assert convex["ready_after_s"] > 0
    assert (vite["state"], vite["url"], vite["pushes"]) == ("ready", "http://localhost:5173/", None)
    assert summary["problems"] == []


def test_ci_fails_fast_with_4_naming_the_failed_push(tmp_path: Path) -> None:
    write_config(
        tmp_path / "devtui.toml",
        replay_cmd("use-node-mutation", "convex-dev", "--hold"),
        scripted_cmd("hold"),
    )
    code, out, err = cli("ci", "--json", "s.json")
    assert code == ExitCode.PROBLEM
    headline = (
        "problem: non-action-in-node-file  agent.js  "
        "createChatMessage in agent.js is a Mutation: only actions can be defined in Node.js"
    )
    assert f"exit 4: {headline}" in err
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["exit_reason"] == headline
    assert [p["state"] for p in summary["processes"]] == ["push-failed", "waiting"]
    problem = summary["problems"][0]
    assert (problem["rule"], problem["severity"], problem["count"], problem["resolved"]) == (
        "non-action-in-node-file",
        "error",
        1,
        False,
    )
    assert (problem["file"], problem["symbol"]) == ("agent.js", "createChatMessage")
    assert "vite" not in out, "Vite must never start"


def test_ci_exit_before_ready_is_1_with_code_and_last_lines(tmp_path: Path) -> None:
    write_config(tmp_path / "devtui.toml", scripted_cmd("err:Error: listen EADDRINUSE", "exit:1"))
    code, _, err = cli("ci")
    assert code == ExitCode.PROCESS_FAILED
    assert "exit 1: convex failed: exited with code 1 before it was ready" in err
    assert "│ Error: listen EADDRINUSE" in err


def test_ci_an_error_block_before_the_exit_is_the_problem_it_names(tmp_path: Path) -> None:
    write_config(tmp_path / "devtui.toml", replay_cmd("unreachable", "convex-dev", "--exit", "1"))
    code, _, err = cli("ci")
    assert code == ExitCode.PROBLEM
    assert "exit 4: problem: deployment-unreachable  TypeError: fetch failed" in err


def test_ci_timeout_is_3_naming_who_waited(tmp_path: Path) -> None:
    write_config(
        tmp_path / "devtui.toml", scripted_cmd("err:- Preparing Convex functions...", "hold")
    )
    code, _, err = cli("ci", "--timeout", "0.5")
    assert code == ExitCode.READY_TIMEOUT
    assert "exit 3: not ready after 500ms (--timeout): convex" in err
    assert "convex: pushing (preparing Convex functions)" in err
    assert "- Preparing Convex functions..." in err


def test_ci_then_runs_the_command_and_passes_its_code_through(stack: Path) -> None:
    code, out, err = cli("ci", "--then", "echo from-then; exit 3")
    assert code == 3
    assert "then   │ from-then" in out
    assert "exit 3: --then command exited with code 3" in err


def test_ci_then_success_is_0(stack: Path) -> None:
    code, out, _ = cli("ci", "--then", "echo ok")
    assert code == 0 and "then   │ ok" in out


def test_missing_executable_is_2_naming_process_and_command(tmp_path: Path) -> None:
    write_config(tmp_path / "devtui.toml", '"npx-not-installed-here convex dev"')
    code, out, err = cli("ci")
    assert code == ExitCode.USAGE
    assert err == (
        "devtui: process 'convex': executable 'npx-not-installed-here' not found on PATH "
        "(command: npx-not-installed-here convex dev)\n"
    )
    assert out == ""


def test_config_prints_the_resolved_toml(stack: Path) -> None:
    code, out, _ = cli("config")
    assert code == 0
    assert out.startswith("# resolved from: devtui.toml\n")
    assert "[processes.vite]" in out and "depends_on = ['convex']" in out


def test_config_check_ok_and_with_every_problem(tmp_path: Path, stack: Path) -> None:
    code, out, _ = cli("config", "--check")
    assert code == 0 and out == "devtui.toml: OK (2 processes: convex, vite)\n"
    (tmp_path / "bad.toml").write_text('[processes.a]\ncomand = "x"\nready = "("\n')
    code, _, err = cli("config", "--check", "--config", "bad.toml")
    assert code == ExitCode.USAGE
    assert "invalid configuration (3 problems):" in err
    assert "bad.toml: processes.a.comand: unknown key; did you mean 'command'?" in err


def test_config_check_reports_missing_executables(tmp_path: Path) -> None:
    write_config(tmp_path / "devtui.toml", '"no-such-convex dev"')
    code, _, err = cli("config", "--check")
    assert code == ExitCode.USAGE
    assert (
        "processes.convex.command: process 'convex': executable 'no-such-convex' not found" in err
    )


def test_only_with_an_unknown_name_is_2(stack: Path) -> None:
    code, _, err = cli("ci", "--only", "vtie")
    assert code == ExitCode.USAGE and "no such process" in err and "did you mean 'vite'?" in err


def test_up_headless_exit_code_reflects_how_processes_ended(tmp_path: Path) -> None:
    (tmp_path / "devtui.toml").write_text(
        f"[processes.a]\ncommand = {scripted_cmd('out:a', 'exit:0')}\n"
        f"[processes.b]\ncommand = {scripted_cmd('out:b', 'exit:0')}\n"
    )
    code, out, err = cli("up", "--headless")
    assert code == 0
    assert sorted(line[9:] for line in out.splitlines()) == ["a      │ a", "b      │ b"]
    (tmp_path / "devtui.toml").write_text(
        f"[processes.a]\ncommand = {scripted_cmd('exit:0')}\n[processes.b]\ncommand = {scripted_cmd('exit:5')}\n"
    )
    code, _, err = cli("up", "--headless")
    assert code == 1 and "failed: b exited" in err


def test_no_config_and_no_project_is_2_with_a_hint(tmp_path: Path) -> None:
    code, _, err = cli("up", "--headless")
    assert code == ExitCode.USAGE and "devtui demo" in err


def test_bad_timeout_is_2() -> None:
    assert cli("ci", "--timeout", "0")[0] == ExitCode.USAGE
    assert cli("ci", "--timeout", "soon")[0] == ExitCode.USAGE
    for value in ("nan", "inf", "1e308"):
        code, _, err = cli("ci", "--timeout", value)
        assert code == ExitCode.USAGE and "--timeout must be more than 0" in err


def test_version() -> None:
    code, _, _ = cli("--version")
    assert code == 0


def test_demo_ci_scenario_ok_exits_0(tmp_path: Path) -> None:
    code, out, err = cli("demo", "--ci", "--scenario", "ok", "--dir", str(tmp_path / "demo"))
    assert code == 0, err
    assert "Convex functions ready!" in out and "http://localhost:" in err
    assert (tmp_path / "demo" / "convex" / "ai.ts").is_file()


def test_ci_under_github_actions_annotates_each_new_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path / "devtui.toml", replay_cmd("node-in-v8", "convex-dev", "--hold"))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, err = cli("ci")
    assert code == ExitCode.PROBLEM
    annotations = [line for line in err.splitlines() if line.startswith("::")]
    assert annotations == [
        # esbuild prints the 0-based column 27: the annotation points at the quote, 28
        "::error file=convex/ai.ts,line=1,col=28,title=Node built-in imported in a V8 file "
        '(node-builtin-in-v8)::Could not resolve "crypto"%0AFix: Move the code that needs '
        '"crypto" into a separate file that starts with "use node" and holds only actions, '
        "and call it from your queries and mutations with ctx.runAction / ctx.scheduler. "
        "Often a Web API does the job in V8 instead (crypto.randomUUID(), crypto.subtle, "
        "TextEncoder, fetch)."
    ]
    assert "::" not in out, "stdout carries child output only"


def test_live_lint_problems_are_annotated_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "convex").mkdir()
    (tmp_path / "convex" / "ai.ts").write_text(
        'import { createHash } from "crypto";\nexport const h = createHash;\n'
    )
    write_config(tmp_path / "devtui.toml", scripted_cmd("hold"))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, _, err = cli("ci")
    assert code == ExitCode.PROBLEM
    assert "✖ lint   convex/: 1 error in 1 of 1 file" in err
    assert (
        "::error file=convex/ai.ts,line=1,col=28,title=Node built-in imported in a V8 file "
        '(node-builtin-in-v8)::"crypto" is a Node built-in, imported in a V8 file'
    ) in err


def test_ci_annotations_can_be_forced_or_turned_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path / "devtui.toml", replay_cmd("use-node-mutation", "convex-dev", "--hold"))
    code, _, err = cli("ci", "--annotations", "github")
    assert code == ExitCode.PROBLEM
    assert (
        '::error file=agent.js,title=Query or mutation in a "use node" file '
        "(non-action-in-node-file)::createChatMessage in agent.js is a Mutation"
    ) in err
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    _, _, err = cli("ci", "--annotations", "none")
    assert "::error" not in err


def test_a_new_problem_prints_its_fix_once(tmp_path: Path) -> None:
    write_config(tmp_path / "devtui.toml", replay_cmd("node-in-v8", "convex-dev", "--hold"))
    _, _, err = cli("ci")
    lines = err.splitlines()
    headline = next(
        i for i, line in enumerate(lines) if "node-builtin-in-v8  convex/ai.ts:1:28" in line
    )
    assert lines[headline].endswith(
        '✖ convex node-builtin-in-v8  convex/ai.ts:1:28  Could not resolve "crypto"'
    )
    assert '│ fix: Move the code that needs "crypto" into a separate file' in lines[headline + 1]


def test_a_folder_named_devtui_toml_is_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "devtui.toml").mkdir()
    code, _, err = cli("config", "--check")
    assert code == ExitCode.USAGE
    assert "devtui.toml: is a folder, not a file" in err


def test_a_config_that_is_a_pipe_is_refused_not_waited_on(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.toml")
    code, _, err = cli("config", "--check", "--config", "pipe.toml")
    assert code == ExitCode.USAGE
    assert "pipe.toml: is not a regular file" in err
