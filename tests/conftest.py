"""Test isolation: nothing reads the developer's config, colours or home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devtui.core.run.groups import LIVE_GROUPS


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run each test in its own folder with a clean devtui environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("DEVTUI_CONFIG", "NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS", "CI_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    yield tmp_path
    # A test that fails half-way must not leave children behind for the next one.
    LIVE_GROUPS.kill_all()
