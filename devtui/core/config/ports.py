"""The port a dev server will ask for, read from its command and its project's files.

Invariant: only what the project says is taken (a `--port` in the command or in the
package.json script it runs, `server.port` in vite.config), else Vite's documented default,
and only for a command that runs the real Vite; nothing is ever guessed from a running
process.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Final

VITE_DEFAULT_PORT: Final = 5173
VITE_CONFIGS: Final = tuple(
    f"vite.config.{ext}" for ext in ("ts", "js", "mts", "mjs", "cts", "cjs")
)
_SERVER_PORT: Final = re.compile(r"\bserver\s*:\s*\{[^{}]*?\bport\s*:\s*(\d{1,5})\b", re.S)
_RUNNERS: Final = frozenset({"npm", "pnpm", "yarn", "bun"})


def flag_port(argv: list[str] | tuple[str, ...]) -> int | None:
    """`--port 3000`, `--port=3000` or `-p`-less forms Vite takes, from an argv."""
    for index, word in enumerate(argv):
        value = None
        if word == "--port" and index + 1 < len(argv):
            value = argv[index + 1]
        elif word.startswith("--port="):
            value = word.partition("=")[2]
        if value is not None and value.isdigit() and 0 < int(value) < 65536:
            return int(value)
    return None


def package_script(command: tuple[str, ...], cwd: Path) -> str | None:
    """The package.json script text `npm run dev` / `pnpm dev` / `yarn dev` runs, if any."""
    if not command or Path(command[0]).name not in _RUNNERS:
        return None
    words = [w for w in command[1:] if not w.startswith("-")]
    if words[:1] == ["run"]:
        words = words[1:]
    if not words:
        return None
    try:
        scripts = json.loads((cwd / "package.json").read_text(encoding="utf-8")).get("scripts")
    except (OSError, ValueError, AttributeError):
        return None
    script = scripts.get(words[0]) if isinstance(scripts, dict) else None
    return script if isinstance(script, str) else None


_EXECUTORS: Final = frozenset({"npx", "bunx", "pnpx"})
_SUBCOMMANDS: Final = frozenset({"exec", "x", "dlx"})


def _starts_vite(argv: list[str] | tuple[str, ...]) -> bool:
    """`vite …`, `npx vite`, `pnpm exec vite`, `yarn vite`, `node …/vite/bin/vite.js`."""
    if not argv:
        return False
    program = Path(argv[0]).name
    if program == "vite":
        return True
    words = [w for w in argv[1:] if not w.startswith("-")]
    if program in ("node", "bun") and words and words[0].endswith("vite/bin/vite.js"):
        return True
    if program in _RUNNERS and words[:1] and words[0] in _SUBCOMMANDS:
        words = words[1:]
    elif program not in _EXECUTORS and program not in _RUNNERS:
        return False
    return bool(words) and words[0].split("@")[0] == "vite"


def runs_vite(command: tuple[str, ...], cwd: Path) -> bool:
    """Whether `command` starts the real Vite (directly, through a package runner, or as
    the package.json script it runs), not a stand-in (the demo's, a test's): only then is
    Vite's default port the process's."""
    if _starts_vite(command):
        return True
    script = package_script(command, cwd)
    if script is None:
        return False
    try:
        return _starts_vite(shlex.split(script))
    except ValueError:
        return False


def vite_port(command: tuple[str, ...], cwd: Path) -> int:
    """The port Vite will ask for: the command's `--port`, its package script's, the
    `server.port` of vite.config, else 5173."""
    port = flag_port(command)
    if port is not None:
        return port
    script = package_script(command, cwd)
    if script is not None:
        try:
            port = flag_port(shlex.split(script))
        except ValueError:
            port = None
        if port is not None:
            return port
    for name in VITE_CONFIGS:
        try:
            text = (cwd / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found = _SERVER_PORT.search(text)
        if found and 0 < int(found.group(1)) < 65536:
            return int(found.group(1))
    return VITE_DEFAULT_PORT
