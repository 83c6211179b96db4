"""Which Convex deployment a project's `convex dev` talks to, as far as the files say.

Invariant: read-only and forgiving: a missing or unreadable `.env.local` is no
deployment, never an error. The environment wins over the files, `.env.local` over `.env`
(the order the Convex CLI loads them in).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

ENV_FILES: Final = (".env.local", ".env")
URL_KEYS: Final = (
    "CONVEX_SELF_HOSTED_URL",
    "CONVEX_URL",
    "VITE_CONVEX_URL",
    "NEXT_PUBLIC_CONVEX_URL",
    "PUBLIC_CONVEX_URL",
    "EXPO_PUBLIC_CONVEX_URL",
    "REACT_APP_CONVEX_URL",
)
"""Variables that hold the deployment's URL, most specific first."""
_ASSIGNMENT: Final = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
_CLOUD_NAME: Final = re.compile(r"^(?:(?:dev|prod|preview):)?([a-z]+-[a-z]+-\d+)$")
"""`CONVEX_DEPLOYMENT=dev:happy-animal-123`: a cloud deployment's name."""


def env_file_values(folder: Path) -> dict[str, str]:
    """The variables `.env.local` and `.env` in `folder` set (`.env.local` wins)."""
    values: dict[str, str] = {}
    for name in reversed(ENV_FILES):
        try:
            text = (folder / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            found = _ASSIGNMENT.match(line)
            if found is None or line.lstrip().startswith("#"):
                continue
            value = found[2]
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            else:
                value = value.split(" #", 1)[0].strip()
            values[found[1]] = value
    return values


def deployment_url(folder: Path, environ: Mapping[str, str]) -> str | None:
    """The URL of the deployment `convex dev` in `folder` uses, if the files or the
    environment name one."""
    values = {**env_file_values(folder), **environ}
    for key in URL_KEYS:
        url = values.get(key, "").strip()
        if url.startswith(("http://", "https://")):
            return url.rstrip("/")
    found = _CLOUD_NAME.match(values.get("CONVEX_DEPLOYMENT", "").strip())
    return f"https://{found[1]}.convex.cloud" if found else None
