"""The built wheel works on its own: presets inside, demo runnable from any folder."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.helpers import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
        text=True,
    )
    (built,) = out.glob("devtui-*.whl")
    return built


def test_the_wheel_ships_the_presets_and_the_demo(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for preset in ("demo.toml", "convex-vite.toml", "devtui.toml"):
        assert f"devtui/presets/{preset}" in names
    assert "devtui/demo/convex_cli.py" in names and "devtui/demo/vite_server.py" in names


def test_installed_in_a_fresh_virtualenv_the_demo_runs_from_another_folder(
    wheel: Path, tmp_path: Path
) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    pip = env_dir / "bin" / "pip"
    subprocess.run(
        [str(pip), "install", "--quiet", str(wheel)], check=True, capture_output=True, text=True
    )
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    result = subprocess.run(
        [
            str(env_dir / "bin" / "devtui"),
            "demo",
            "--ci",
            "--scenario",
            "ok",
            "--dir",
            str(tmp_path / "demo"),
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Convex functions ready!" in result.stdout
    assert "all ready: convex, vite" in result.stderr
    assert str(env_dir) in result.stderr, "the demo ran the installed copy"
