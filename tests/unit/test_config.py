"""Configuration: validation with every problem at once, discovery, detection, rendering."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from devtui.core.config import (
    ConfigError,
    ProcessKind,
    discover,
    load_file,
    missing_executables,
    render_config,
)
from devtui.core.run.restart import RestartPolicy
from devtui.errors import DevtuiError, ExitCode
from tests.helpers import REPO, make_config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def problems_of(text: str, tmp_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_file(write(tmp_path / "devtui.toml", text))
    assert caught.value.exit_code == ExitCode.USAGE
    return [str(p) for p in caught.value.problems]


def test_the_documented_example_loads(tmp_path: Path) -> None:
    config = load_file(REPO / "config" / "devtui.toml")
    convex, vite = config.processes["convex"], config.processes["vite"]
    assert convex.command == ("npx", "convex", "dev")
    assert convex.kind is ProcessKind.CONVEX
    assert dict(convex.env) == {"NODE_OPTIONS": "--max-old-space-size=4096"}
    assert vite.depends_on == ("convex",)
    assert vite.url is not None and vite.url.search("  ➜  Local:   http://localhost:5173/")
    assert vite.restart is RestartPolicy.ON_FAILURE
    assert config.settings.shutdown_grace == 5


def test_kinds_bring_default_patterns(tmp_path: Path) -> None:
    config = make_config(
        {
            "convex": {"command": "x", "kind": "convex"},
            "vite": {"command": ["y", "--flag"], "kind": "vite"},
            "worker": {"command": "z"},
        }
    )
    assert config.processes["convex"].ready is not None
    assert config.processes["convex"].ready.search("✔ 04:31:45 Convex functions ready! (1.2s)")
    assert config.processes["vite"].ready is not None
    assert config.processes["vite"].ready.search("  VITE v8.3.8  ready in 271 ms")
    assert config.processes["vite"].command == ("y", "--flag")
    assert config.processes["worker"].ready is None


def test_empty_ready_means_ready_when_started() -> None:
    config = make_config({"vite": {"command": "y", "kind": "vite", "ready": ""}})
    assert config.processes["vite"].ready is None


def test_every_problem_is_reported_at_once_with_file_key_and_suggestion(tmp_path: Path) -> None:
    problems = problems_of(
        """
[settings]
redy_timeout = 5
shutdown_grace = "soon"

[processes.convex]
command = "npx convex dev"
kind = "convx"
ready = "Convex functions ready!("

[processes.vite]
comand = "npx vite"
depends_on = ["convexx"]
restart = "sometimes"
ready_streams = ["stdout", "stdrr"]
""",
        tmp_path,
    )
    assert problems == [
        "devtui.toml: settings.redy_timeout: unknown key; did you mean 'ready_timeout'?",
        "devtui.toml: settings.shutdown_grace: must be a number, not a string",
        "devtui.toml: processes.convex.kind: unknown kind 'convx' (use one of convex, vite, "
        "generic); did you mean 'convex'?",
        "devtui.toml: processes.convex.ready: invalid regular expression 'Convex functions "
        "ready!(': missing ), unterminated subpattern at position 23",
        "devtui.toml: processes.vite.comand: unknown key; did you mean 'command'?",
        "devtui.toml: processes.vite.command: missing: the command to run, e.g. command = "
        '"npx convex dev"',
        "devtui.toml: processes.vite.ready_streams: unknown stream 'stdrr' (use stdout, "
        "stderr); did you mean 'stderr'?",
        "devtui.toml: processes.vite.restart: unknown policy 'sometimes' (use one of never, "
        "on-failure, always)",
        "devtui.toml: processes.vite.depends_on: unknown process 'convexx'; did you mean 'convex'?",
    ]


def test_dependency_cycles_are_errors(tmp_path: Path) -> None:
    problems = problems_of(
        """
[processes.a]
command = "a"
depends_on = ["b"]
[processes.b]
command = "b"
depends_on = ["a"]
""",
        tmp_path,
    )
    assert problems == ["devtui.toml: processes.a.depends_on: dependency cycle: a → b → a"]


def test_toml_syntax_error_names_the_file_and_place(tmp_path: Path) -> None:
    problems = problems_of("[processes.convex\ncommand = 1\n", tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith("devtui.toml: not valid TOML:")
    assert "line 1" in problems[0]


def test_wrong_types_name_their_keys(tmp_path: Path) -> None:
    problems = problems_of(
        """
[processes.x]
command = 5
env = { PORT = 3000, BAD = [1] }
ready_timeout = -1
""",
        tmp_path,
    )
    assert problems == [
        "devtui.toml: processes.x.command: must be a string or a list of strings, not an integer",
        "devtui.toml: processes.x.env.BAD: must be a string or number, not a list",
        "devtui.toml: processes.x.ready_timeout: must be greater than 0, not -1",
    ]


def test_no_processes_is_an_error(tmp_path: Path) -> None:
    assert problems_of("[settings]\nkeep_logs = 3\n", tmp_path) == [
        "devtui.toml: processes: no processes defined; add at least one [processes.NAME] table"
    ]


def test_discovery_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "devtui.toml", '[processes.local]\ncommand = "x"\n')
    env_file = write(tmp_path / "env" / "env.toml", '[processes.from_env]\ncommand = "x"\n')
    explicit = write(tmp_path / "explicit.toml", '[processes.explicit]\ncommand = "x"\n')
    assert list(discover(cwd=tmp_path, environ={}).processes) == ["local"]
    assert list(discover(cwd=tmp_path, environ={"DEVTUI_CONFIG": str(env_file)}).processes) == [
        "from_env"
    ]
    assert list(
        discover(explicit, cwd=tmp_path, environ={"DEVTUI_CONFIG": str(env_file)}).processes
    ) == ["explicit"]


def test_relative_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "proj" / "web").mkdir(parents=True)
    config = load_file(
        write(tmp_path / "proj" / "devtui.toml", '[processes.web]\ncommand = "x"\ncwd = "web"\n')
    )
    assert config.processes["web"].cwd == (tmp_path / "proj" / "web").resolve()
    assert config.log_dir == (tmp_path / "proj" / ".devtui" / "logs").resolve()


def make_app(
    root: Path,
    deps: dict[str, str],
    lockfile: str | None,
    convex_dir: bool = True,
    extra: dict[str, object] | None = None,
) -> Path:
    package = {"name": "app", "dependencies": deps, **(extra or {})}
    write(root / "package.json", json.dumps(package))
    if convex_dir:
        (root / "convex").mkdir(parents=True, exist_ok=True)
    if lockfile:
        write(root / lockfile, "")
    return root


@pytest.mark.parametrize(
    ("lockfile", "runner"),
    [
        ("package-lock.json", "npx"),
        ("pnpm-lock.yaml", "pnpm exec"),
        ("yarn.lock", "yarn"),
        ("bun.lockb", "bunx"),
        ("bun.lock", "bunx"),
        (None, "npx"),
    ],
)
def test_zero_config_detects_convex_and_vite_with_the_lockfiles_runner(
    tmp_path: Path, lockfile: str | None, runner: str
) -> None:
    make_app(tmp_path, {"convex": "^1.48.0", "vite": "^8.3.8"}, lockfile)
    config = discover(cwd=tmp_path, environ={})
    convex, vite = config.processes["convex"], config.processes["vite"]
    assert convex.command == (*runner.split(), "convex", "dev")
    assert vite.command == (*runner.split(), "vite", "--clearScreen", "false")
    assert vite.depends_on == ("convex",)
    assert (convex.kind, vite.kind) == (ProcessKind.CONVEX, ProcessKind.VITE)
    assert "detected Convex + Vite app" in config.origin


def test_package_manager_field_is_used_without_a_lockfile(tmp_path: Path) -> None:
    make_app(tmp_path, {"convex": "1"}, None, extra={"packageManager": "pnpm@9.1.0"})
    assert discover(cwd=tmp_path, environ={}).processes["convex"].command[:2] == ("pnpm", "exec")


def test_convex_without_vite_runs_convex_only(tmp_path: Path) -> None:
    make_app(tmp_path, {"convex": "1"}, "package-lock.json")
    assert list(discover(cwd=tmp_path, environ={}).processes) == ["convex"]


def test_convex_json_functions_folder_is_respected(tmp_path: Path) -> None:
    make_app(tmp_path, {"convex": "1", "vite": "1"}, None, convex_dir=False)
    (tmp_path / "src" / "convex").mkdir(parents=True)
    write(tmp_path / "convex.json", json.dumps({"functions": "src/convex/"}))
    assert list(discover(cwd=tmp_path, environ={}).processes) == ["convex", "vite"]


def test_no_config_and_no_convex_app_is_a_clear_usage_error(tmp_path: Path) -> None:
    make_app(tmp_path, {"vite": "1"}, None, convex_dir=False)
    with pytest.raises(DevtuiError) as caught:
        discover(cwd=tmp_path, environ={})
    assert caught.value.exit_code == ExitCode.USAGE
    assert "no devtui.toml" in str(caught.value) and "devtui demo" in str(caught.value)


def test_broken_package_json_names_the_file(tmp_path: Path) -> None:
    write(tmp_path / "package.json", "{not json")
    with pytest.raises(ConfigError) as caught:
        discover(cwd=tmp_path, environ={})
    assert str(caught.value.problems[0]).startswith("package.json: cannot read as JSON")


def test_rendered_config_loads_back_the_same(tmp_path: Path) -> None:
    original = load_file(REPO / "config" / "devtui.toml")
    rendered = render_config(original)
    tomllib.loads(rendered)
    again = load_file(write(tmp_path / "again.toml", rendered))
    for name, process in original.processes.items():
        other = again.processes[name]
        assert other.command == process.command
        assert other.kind == process.kind
        assert (other.ready.pattern if other.ready else None) == (
            process.ready.pattern if process.ready else None
        )
        assert other.ready_streams == process.ready_streams
        assert other.depends_on == process.depends_on
        assert other.env == process.env
        assert (other.url.pattern if other.url else None) == (
            process.url.pattern if process.url else None
        )
        assert other.restart == process.restart
    assert again.settings == original.settings


def test_only_keeps_dependencies() -> None:
    config = make_config(
        {
            "convex": {"command": "a"},
            "vite": {"command": "b", "depends_on": ["convex"]},
            "docs": {"command": "c"},
        }
    )
    assert list(config.with_only(["vite"]).processes) == ["convex", "vite"]


def test_missing_executables_name_process_and_command(tmp_path: Path) -> None:
    config = make_config(
        {
            "convex": {"command": "no-such-tool-xyz dev"},
            "local": {"command": "./bin/run.sh"},
            "ok": {"command": "sh -c true"},
        },
        root=tmp_path,
    )
    missing = missing_executables(config)
    assert [str(m) for m in missing] == [
        "process 'convex': executable 'no-such-tool-xyz' not found on PATH "
        "(command: no-such-tool-xyz dev)",
        f"process 'local': executable './bin/run.sh' not found at {tmp_path}/bin/run.sh "
        "(not a file) (command: ./bin/run.sh)",
    ]
    assert all(m.exit_code == ExitCode.USAGE for m in missing)


def test_retry_timeout_is_for_convex_processes_and_capped_at_the_ready_timeout(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError) as raised:
        make_config({"vite": {"command": "true", "kind": "vite", "retry_timeout": 10}})
    assert [str(p) for p in raised.value.problems] == [
        "test.toml: processes.vite.retry_timeout: applies to kind = 'convex' only"
    ]
    config = make_config(
        {"convex": {"command": "true", "kind": "convex", "ready_timeout": 30}},
        settings={"retry_timeout": 90},
    )
    assert config.processes["convex"].retry_timeout == 30
