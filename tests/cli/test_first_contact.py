"""A project met for the first time: found from a subfolder, packages not installed, no
deployment configured (ci stops with exit 2; up hands the first `convex dev` the terminal)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from devtui.core.config.discover import discover
from devtui.core.problems.detector import ProblemDetector
from devtui.core.run.preflight import missing_packages, runs_convex_dev, unconfigured_convex
from devtui.errors import ExitCode
from tests.cli.test_cli import cli
from tests.helpers import CHILDREN

AI_TS = 'import { createHash } from "crypto";\nexport const h = createHash;\n'


def convex_app(root: Path, *, installed: bool, lockfile: str | None = None) -> Path:
    """A Convex + Vite app as `npm create convex` leaves it (minus the packages)."""
    (root / "convex").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "package.json").write_text(
        json.dumps(
            {
                "name": "app",
                "dependencies": {"convex": "^1.48.0"},
                "devDependencies": {"vite": "^8"},
            }
        )
    )
    if lockfile:
        (root / lockfile).write_text("")
    if installed:
        for name in ("convex", "vite"):
            (root / "node_modules" / name).mkdir(parents=True)
            (root / "node_modules" / name / "package.json").write_text("{}")
    return root


def fake_convex_project(tmp_path: Path) -> Path:
    """A project whose `convex dev` is tests/children/fake_convex.py, run as `bin/convex`."""
    root = tmp_path / "app"
    (root / "bin").mkdir(parents=True)
    convex = root / "bin" / "convex"
    convex.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{CHILDREN / "fake_convex.py"}" "$@"\n')
    convex.chmod(0o755)
    (root / "devtui.toml").write_text(
        f'[processes.convex]\ncommand = ["{convex}", "dev"]\nkind = "convex"\n'
    )
    return root


def test_a_project_is_found_from_its_subfolders_and_the_root_is_named(tmp_path: Path) -> None:
    root = convex_app(tmp_path / "app", installed=True)
    (root / ".git").mkdir()
    for sub in ("src", "convex"):
        config = discover(cwd=root / sub, environ={})
        assert config.root == root
        assert config.origin.endswith(f"found from {sub}/")
    (root / "devtui.toml").write_text('[processes.web]\ncommand = ["true"]\n')
    assert discover(cwd=root / "src", environ={}).source == root / "devtui.toml"
    os.chdir(root / "src")
    code, out, err = cli("config", "--check")
    assert code == 0 and "found from src/" in out, err


def test_the_walk_stops_at_the_repository_root(tmp_path: Path) -> None:
    convex_app(tmp_path / "outer", installed=True)
    inner = tmp_path / "outer" / "vendored"
    (inner / ".git").mkdir(parents=True)
    (inner / "lib").mkdir()
    os.chdir(inner / "lib")
    code, _, err = cli("ci")
    assert code == ExitCode.USAGE
    assert "no devtui.toml and no Convex app in" in err and "or the folders above it" in err


def test_lint_inside_the_functions_folder_lints_it(tmp_path: Path) -> None:
    root = convex_app(tmp_path / "app", installed=True)
    (root / "convex" / "ai.ts").write_text(AI_TS)
    os.chdir(root / "convex")
    code, out, _ = cli("lint")
    assert code == ExitCode.PROCESS_FAILED
    assert "convex/ai.ts:1:28" in out and out.rstrip().endswith("1 error in 1 of 1 file")


@pytest.mark.parametrize(
    ("lockfile", "command"),
    [
        (None, "npm install"),
        ("pnpm-lock.yaml", "pnpm install"),
        ("yarn.lock", "yarn install"),
        ("bun.lock", "bun install"),
    ],
)
def test_packages_not_installed_stop_ci_before_any_child_with_the_install_command(
    tmp_path: Path, lockfile: str | None, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tools = tmp_path / "tools"  # the package managers' runners, present but never run
    tools.mkdir()
    for runner in ("pnpm", "yarn", "bunx"):
        (tools / runner).write_text("#!/bin/sh\nexit 99\n")
        (tools / runner).chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    root = convex_app(tmp_path / "app", installed=False, lockfile=lockfile)
    os.chdir(root)
    code, _, err = cli("ci")
    assert code == ExitCode.USAGE, err
    assert "convex and vite are not installed (no node_modules/convex, node_modules/vite" in err
    assert f"Run `{command}` in {root}" in err
    assert "npx canceled" not in err  # nothing was started


def test_a_package_installed_in_a_parent_folder_counts(tmp_path: Path) -> None:
    root = convex_app(tmp_path / "mono" / "apps" / "web", installed=False)
    for name in ("convex", "vite"):  # hoisted by a workspace
        (tmp_path / "mono" / "node_modules" / name).mkdir(parents=True)
        (tmp_path / "mono" / "node_modules" / name / "package.json").write_text("{}")
    assert missing_packages(discover(cwd=root, environ={})) is None


def test_no_deployment_stops_ci_naming_what_to_set(tmp_path: Path) -> None:
    root = convex_app(tmp_path / "app", installed=True)
    os.chdir(root)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVEX_")}
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        code, _, err = cli("ci")
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert code == ExitCode.USAGE, err
    for name in ("CONVEX_DEPLOYMENT", "CONVEX_DEPLOY_KEY", "CONVEX_SELF_HOSTED_URL"):
        assert name in err
    config = discover(cwd=root, environ={})
    assert unconfigured_convex(config, {}) is not None
    (root / ".env.local").write_text("CONVEX_DEPLOYMENT=dev:happy-animal-123\n")
    home = tmp_path / "home"
    home.mkdir()
    # A cloud deployment, but never logged in on this machine: the CLI would ask to log in.
    assert unconfigured_convex(config, {"HOME": str(home)}) is not None
    (home / ".convex").mkdir()
    (home / ".convex" / "config.json").write_text('{"accessToken": "x"}')
    assert unconfigured_convex(config, {"HOME": str(home)}) is None
    (root / ".env.local").write_text("CONVEX_DEPLOYMENT=anonymous:anonymous-app\n")
    assert unconfigured_convex(config, {"HOME": str(tmp_path)}) is None, "local: no login"
    (root / ".env.local").unlink()
    assert unconfigured_convex(config, {"CONVEX_DEPLOY_KEY": "prod:x|y"}) is None


def test_only_the_real_convex_dev_is_checked_for_a_deployment() -> None:
    assert runs_convex_dev(("npx", "convex", "dev"))
    assert runs_convex_dev(("node_modules/.bin/convex", "dev", "--tail-logs"))
    assert not runs_convex_dev((sys.executable, "-m", "devtui.demo.convex_cli"))
    assert not runs_convex_dev(("npx", "convex", "deploy"))


def test_cannot_prompt_is_the_no_deployment_problem_wherever_it_appears() -> None:
    from devtui.core.config.discover import demo_config

    config = demo_config(Path.cwd(), "ok")
    detector = ProblemDetector("convex", config.rules_for(config.processes["convex"]))
    found = [
        finding.problem
        for finding in detector.feed(
            "stderr",
            [
                "✖ Cannot prompt for input in non-interactive terminals. (Welcome to Convex! "
                "Would you like to login to your account?)"
            ],
            1,
            1.0,
        )
    ]
    found += detector.flush()
    [problem] = found
    assert problem.rule == "convex-no-deployment"
    assert problem.message == (
        "convex dev needs to ask: Welcome to Convex! Would you like to login to your account?"
    )
    assert "CONVEX_DEPLOY_KEY" in problem.fix


def test_headless_up_without_a_terminal_refuses_to_let_convex_ask(tmp_path: Path) -> None:
    root = fake_convex_project(tmp_path)
    os.chdir(root)
    code, _, err = cli("up", "--headless")
    assert code == ExitCode.USAGE
    assert "no Convex deployment is configured" in err


def test_npx_refusing_to_download_is_named_with_the_install_hint() -> None:
    from devtui.core.config.discover import demo_config

    config = demo_config(Path.cwd(), "ok")
    detector = ProblemDetector("convex", config.rules_for(config.processes["convex"]))
    line = 'npm error npx canceled due to missing packages and no YES option: ["convex@1.48.0"]'
    found = [f.problem for f in detector.feed("stderr", [line], 1, 1.0)] + detector.flush()
    [problem] = found
    assert problem.rule == "npx-missing-packages"
    assert problem.message == (
        'npx would have to download "convex@1.48.0": the project\'s packages are not installed'
    )
    assert "npm install" in problem.fix and "pnpm install" in problem.fix
