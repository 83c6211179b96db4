"""Find and load the built-in presets (TOML files under the repository's `config/`).

Invariant: the same files serve a source checkout (`config/`) and an installed wheel
(`devtui/presets/`, put there at build time), so tests exercise what users get.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from devtui.errors import DevtuiError

_PACKAGE_DIR = Path(__file__).resolve().parents[2]


def presets_dir() -> Path:
    """The folder holding the preset TOML files."""
    for candidate in (_PACKAGE_DIR / "presets", _PACKAGE_DIR.parent / "config"):
        if (candidate / "demo.toml").is_file():
            return candidate
    raise DevtuiError(
        f"devtui's presets are missing (looked in {_PACKAGE_DIR / 'presets'} and "
        f"{_PACKAGE_DIR.parent / 'config'}); reinstall devtui"
    )


def preset_path(name: str) -> Path:
    """The path of preset `name` (e.g. `demo` → demo.toml)."""
    return presets_dir() / f"{name}.toml"


def load_preset(name: str, placeholders: dict[str, str]) -> dict[str, object]:
    """Parse preset `name` and fill `{placeholder}`s in every string value.

    Placeholders are filled after parsing, so values such as a Python path never need
    TOML escaping.
    """
    with preset_path(name).open("rb") as handle:
        data = tomllib.load(handle)
    filled = _fill(data, placeholders)
    assert isinstance(filled, dict)
    return filled


def _fill(value: object, placeholders: dict[str, str]) -> object:
    if isinstance(value, str):
        for key, replacement in placeholders.items():
            value = value.replace("{" + key + "}", replacement)
        return value
    if isinstance(value, list):
        return [_fill(item, placeholders) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, placeholders) for key, item in value.items()}
    return value
