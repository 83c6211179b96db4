"""`devtui ci` on the real CLI's captures, replayed with their timing: what it decides,
what it writes in `--json` and in GitHub annotations, and what it prints headless."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from devtui.errors import ExitCode
from tests.cli.test_cli import cli, replay_cmd, scripted_cmd, write_config

AI_TS = 'import { createHash } from "crypto";\nexport const h = createHash;\n'


def test_a_transient_deployment_error_does_not_fail_ci(tmp_path: Path) -> None:
    write_config(
        tmp_path / "devtui.toml", replay_cmd("backend-500-transient", "convex-dev", "--hold")
    )
    code, _, err = cli("ci", "--json", "summary.json")
    assert code == ExitCode.OK, err
    assert (
        "↻ convex the deployment http://127.0.0.1:40629 failed; the CLI pushes again in 331.47ms"
        in err
    )
    assert "deployment-retrying" in err and "internal-server-error" not in err
    document = json.loads((tmp_path / "summary.json").read_text())
    [problem] = document["problems"]
    assert (problem["rule"], problem["severity"], problem["count"], problem["resolved"]) == (
        "deployment-retrying",
        "warning",
        2,
        True,
    )
    assert problem["resolved_at"] is not None and problem["sources"] == ["push"]


def test_a_deployment_that_keeps_failing_fails_ci_after_retry_timeout(tmp_path: Path) -> None:
    write_config(
        tmp_path / "devtui.toml",
        replay_cmd(
            "backend-500-transient",
            "convex-dev",
            "--hold",
            "--repeat-failure",
            "50",
            "--retry-scale",
            "0.3",
        ),
        extra="",
    )
    text = (
        (tmp_path / "devtui.toml")
        .read_text()
        .replace("[processes.convex]", "[processes.convex]\nretry_timeout = 2")
    )
    (tmp_path / "devtui.toml").write_text(text)
    started = time.monotonic()
    code, _, err = cli("ci", "--json", "summary.json")
    took = time.monotonic() - started
    assert code == ExitCode.PROBLEM, err
    assert 2.0 <= took < 8.0
    document = json.loads((tmp_path / "summary.json").read_text())
    reason = document["exit_reason"]
    assert reason.startswith("convex: the deployment kept failing for ")
    assert "retry_timeout = 2 s" in reason and "attempts;" in reason
    assert "http://127.0.0.1:40629" in reason


def test_type_errors_fail_ci_with_their_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path / "devtui.toml", replay_cmd("typecheck-error", "convex-dev", "--hold"))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, _, err = cli("ci", "--json", "summary.json")
    assert code == ExitCode.PROBLEM, err
    document = json.loads((tmp_path / "summary.json").read_text())
    [problem] = [p for p in document["problems"] if p["severity"] == "error"]
    assert (problem["rule"], problem["file"], problem["line"], problem["column"]) == (
        "typescript-error",
        "convex/tasks.ts",
        14,
        11,
    )
    assert document["exit_reason"] == (
        "problem: typescript-error  convex/tasks.ts:14:11  "
        "TS2322 Type 'string' is not assignable to type 'boolean'."
    )
    annotations = [line for line in err.splitlines() if line.startswith("::error")]
    assert annotations[0].startswith(
        "::error file=convex/tasks.ts,line=14,col=11,title=TypeScript error (typescript-error)::"
    )
    assert "push was not attempted" not in err


def test_a_push_error_prints_once_with_its_1_based_place(tmp_path: Path) -> None:
    write_config(tmp_path / "devtui.toml", replay_cmd("node-in-v8", "convex-dev", "--hold"))
    code, _, err = cli("ci", "--json", "summary.json")
    assert code == ExitCode.PROBLEM
    headlines = [line for line in err.splitlines() if "node-builtin-in-v8  convex/ai.ts" in line]
    assert len(headlines) == 2  # the problem line, and the exit line naming it
    assert all("convex/ai.ts:1:28" in line for line in headlines)
    [problem] = json.loads((tmp_path / "summary.json").read_text())["problems"]
    assert (problem["line"], problem["column"], problem["count"]) == (1, 28, 1)
    assert "convex/ai.ts:1:27" not in problem["fix"]


def test_lint_and_push_are_one_problem_in_ci(tmp_path: Path) -> None:
    (tmp_path / "convex").mkdir()
    (tmp_path / "convex" / "ai.ts").write_text(AI_TS)
    write_config(
        tmp_path / "devtui.toml",
        replay_cmd("node-in-v8", "convex-dev", "--hold", "--push-delay", "0"),
    )
    code, _, err = cli("ci", "--json", "summary.json")
    assert code == ExitCode.PROBLEM
    problems = json.loads((tmp_path / "summary.json").read_text())["problems"]
    crypto = [p for p in problems if p["symbol"] == "crypto"]
    assert len(crypto) == 1 and crypto[0]["count"] == 1
    assert "problems: 1 error" in err


def test_one_failing_function_call_is_printed_once(tmp_path: Path) -> None:
    write_config(tmp_path / "devtui.toml", replay_cmd("function-logs", "convex-dev", "--exit", "0"))
    code, _, err = cli("up", "--headless")
    assert code == ExitCode.OK, err
    problem_lines = [line for line in err.splitlines() if "convex-function-error" in line]
    assert len(problem_lines) == 1, err
    assert "convex/ai.ts:12:12" in problem_lines[0] and "(×" not in problem_lines[0]
    assert "problems: 1 error" in err


def test_the_clis_use_node_check_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "convex").mkdir()
    (tmp_path / "convex" / "http.ts").write_text('"use node";\nexport default {};\n')
    write_config(
        tmp_path / "devtui.toml",
        replay_cmd("use-node-in-wrong-place", "convex-dev", "--hold"),
        extra="",
    )
    text = (
        (tmp_path / "devtui.toml")
        .read_text()
        .replace("shutdown_grace = 2", "shutdown_grace = 2\nlint = false")
    )
    (tmp_path / "devtui.toml").write_text(text)
    code, _, err = cli("ci", "--json", "summary.json")
    assert code == ExitCode.PROBLEM, err
    [problem] = json.loads((tmp_path / "summary.json").read_text())["problems"]
    assert (problem["rule"], problem["file"]) == ("use-node-not-allowed", "convex/http.ts")
    assert "push-failed" not in err.split("summary")[0].replace("push-failed\n", "")


def test_lint_finds_the_misplaced_use_node_directive(tmp_path: Path) -> None:
    (tmp_path / "convex").mkdir()
    (tmp_path / "convex" / "http.ts").write_text(
        '"use node";\nimport { httpRouter } from "convex/server";\nexport default httpRouter();\n'
    )
    code, out, _ = cli("lint", "--format", "json", str(tmp_path))
    assert code == ExitCode.PROCESS_FAILED
    [finding] = json.loads(out)
    assert (finding["rule"], finding["file"], finding["line"], finding["column"]) == (
        "use-node-not-allowed",
        "convex/http.ts",
        1,
        1,
    )


def test_function_logs_after_a_failed_push_do_not_hold_ci_back(tmp_path: Path) -> None:
    # A running deployment keeps logging (crons, polling clients) while a push fails:
    # that output is not the attempt's, so the attempt is over and ci fails fast.
    log = "err:11/22/2026, 4:34:10 AM [CONVEX Q(tasks:list)] [LOG] 'listed 3 tasks'"
    steps = [
        "err:- Preparing Convex functions...",
        "err:",
        'err:✘ [ERROR] Could not resolve "crypto"',
        "err:",
        "err:    convex/ai.ts:1:27:",
        *[step for _ in range(60) for step in (log, "sleep:0.2")],
        "hold",
    ]
    write_config(tmp_path / "devtui.toml", scripted_cmd(*steps))
    started = time.monotonic()
    code, _, err = cli("ci")
    assert code == ExitCode.PROBLEM, err
    assert time.monotonic() - started < 6


def test_the_summary_never_contradicts_a_state_printed_above_it(tmp_path: Path) -> None:
    # Live lint fails ci at once, while convex's first "Preparing" is still on its way to
    # the printer: the summary was taken then and said `starting` under `pushing (push 1)`.
    code, _, err = cli(
        "demo", "--ci", "--scenario", "use-node-mutation", "--dir", str(tmp_path / "demo")
    )
    assert code == ExitCode.PROBLEM
    lines = err.splitlines()
    summary_at = next(i for i, line in enumerate(lines) if "devtui summary:" in line)
    printed = [line for line in lines[:summary_at] if "● convex pushing" in line]
    row = next(line for line in lines[summary_at:] if line.split("│")[-1].split()[:1] == ["convex"])
    state = row.split("│")[-1].split()[1]
    if printed:
        assert state == "pushing", "\n".join(lines)
    else:
        assert state in ("starting", "pushing"), "\n".join(lines)
