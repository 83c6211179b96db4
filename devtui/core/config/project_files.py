"""Read the JavaScript project's own files that devtui's config depends on.

Invariant: a file that exists but cannot be used raises `ConfigError` naming it; a missing
file means "not there" (None or the default), never an error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from devtui.core.config.checker import ConfigError, ConfigProblem

DEFAULT_FUNCTIONS_DIR: Final = "convex"


def read_json(path: Path, shown: str) -> dict[str, object]:
    """The JSON object in `path` (`shown` is its name in messages)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError([ConfigProblem(shown, "", f"cannot read as JSON: {error}")]) from None
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem(shown, "", "must hold a JSON object")])
    return data


def functions_dir(root: Path, shown_root: str = "") -> str:
    """The Convex functions folder: convex.json's `functions`, else `convex`."""
    convex_json = root / "convex.json"
    if not convex_json.is_file():
        return DEFAULT_FUNCTIONS_DIR
    shown = f"{shown_root}/convex.json" if shown_root else str(convex_json)
    functions = read_json(convex_json, shown).get("functions")
    if isinstance(functions, str) and functions.strip().strip("/"):
        return functions.strip().strip("/")
    return DEFAULT_FUNCTIONS_DIR
