"""A corpus of broken configs: every one is refused with exit 2, naming the file and the
key, from `config --check`, `ci` and `up`; none crashes, none passes."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from devtui.cli import main
from devtui.errors import ExitCode
from tests.helpers import FIXTURES

CORPUS = sorted((FIXTURES / "broken-configs").glob("*.toml"))
EXPECT = re.compile(rb"^# expect: (?P<key>.+)$", re.MULTILINE)


def test_the_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 60


@pytest.mark.parametrize("case", CORPUS, ids=[path.stem for path in CORPUS])
@pytest.mark.parametrize("command", [["config", "--check"], ["ci"], ["up", "--headless"]])
def test_every_broken_config_is_exit_2_naming_file_and_key(
    case: Path, command: list[str], tmp_path: Path
) -> None:
    shutil.copy(case, tmp_path / "devtui.toml")
    found = EXPECT.search(case.read_bytes())
    assert found is not None, f"{case.name} has no `# expect:` line"
    key = found["key"].decode()
    out, err = io.StringIO(), io.StringIO()
    code = main(command, out, err)
    message = err.getvalue()
    assert code == ExitCode.USAGE, message
    assert "Traceback" not in message
    assert "devtui.toml" in message, message
    if key != "-":
        assert f"devtui.toml: {key}:" in message, message


@pytest.mark.parametrize(
    "command",
    [["config", "--check", "--config"], ["ci", "--config"], ["triage"]],
    ids=["config", "ci", "triage"],
)
def test_a_path_the_system_refuses_is_named_not_a_traceback(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    code = main([*command, "a" * 5000], out, err)
    assert code == ExitCode.USAGE, err.getvalue()
    assert "File name too long" in err.getvalue()
    assert len(err.getvalue()) < 400, "the name is shortened in the message"
