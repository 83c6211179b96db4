"""Find the configuration: `--config PATH`, then `$DEVTUI_CONFIG`, then the nearest project
walking up from the current folder: a `devtui.toml`, else a Convex (+ Vite) app detected from
package.json, convex/ and the lockfile (so `devtui` works from `src/` or `convex/`).

Invariant: every failure is a `DevtuiError` (exit 2) naming the file it is about.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from devtui.core.config.checker import ConfigError, ConfigProblem
from devtui.core.config.model import Config
from devtui.core.config.presets import load_preset
from devtui.core.config.project_files import functions_dir, read_json
from devtui.core.config.validate import build_config
from devtui.errors import DevtuiError

CONFIG_FILE: Final = "devtui.toml"
CONFIG_ENV: Final = "DEVTUI_CONFIG"

LOCKFILE_RUNNERS: Final = (
    ("pnpm-lock.yaml", "pnpm", "pnpm exec"),
    ("yarn.lock", "yarn", "yarn"),
    ("bun.lockb", "bun", "bunx"),
    ("bun.lock", "bun", "bunx"),
    ("package-lock.json", "npm", "npx"),
    ("npm-shrinkwrap.json", "npm", "npx"),
)
"""Lockfile → (package manager, the command that runs a package's binary)."""
MANAGER_RUNNERS: Final = {"pnpm": "pnpm exec", "yarn": "yarn", "bun": "bunx", "npm": "npx"}


def display_path(path: Path, cwd: Path | None = None) -> str:
    """`path` relative to the current folder when inside it, else absolute."""
    base = (cwd or Path.cwd()).resolve()
    try:
        shown = str(path.resolve().relative_to(base))
    except ValueError:
        shown = str(path.resolve())
    return shown if len(shown) <= 160 else f"{shown[:80]}…{shown[-60:]}"


def load_file(path: Path) -> Config:
    """Read and validate one devtui.toml.

    Raises:
        ConfigError: the file is missing, unreadable, not TOML, or invalid.
    """
    name = display_path(path)
    try:
        special = path.exists() and not path.is_file() and not path.is_dir()
    except OSError as error:  # a name too long, a loop of links
        raise ConfigError([ConfigProblem(name, "", f"cannot read: {error.strerror}")]) from None
    if special:  # a FIFO would block
        raise ConfigError([ConfigProblem(name, "", "is not a regular file")])
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError([ConfigProblem(name, "", "file not found")]) from None
    except IsADirectoryError:
        raise ConfigError([ConfigProblem(name, "", "is a folder, not a file")]) from None
    except OSError as error:
        raise ConfigError([ConfigProblem(name, "", f"cannot read: {error.strerror}")]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([ConfigProblem(name, "", f"not valid TOML: {error}")]) from None
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        raise ConfigError(
            [
                ConfigProblem(
                    name,
                    "",
                    f"not UTF-8 text: byte 0x{error.object[error.start]:02x} on line {line} "
                    "(TOML files are UTF-8)",
                )
            ]
        ) from None
    except RecursionError:
        raise ConfigError(
            [ConfigProblem(name, "", "not usable TOML: arrays or tables nested too deep")]
        ) from None
    root = path.resolve().parent
    return build_config(data, file=name, root=root, origin=name, source=path.resolve())


@dataclass(frozen=True, slots=True)
class DetectedStack:
    """What zero-config detection found in a folder."""

    root: Path
    manager: str
    """npm, pnpm, yarn or bun."""
    runner: str
    """How to run a package binary: npx, pnpm exec, yarn, bunx."""
    convex: bool
    vite: bool
    functions_dir: str
    """The Convex functions folder (convex.json `functions`, default `convex`)."""


def detect_stack(root: Path) -> DetectedStack | None:
    """Look at package.json, the Convex functions folder and the lockfile in `root`.

    Returns:
        What was found, or None when `root` is not a Convex app.

    Raises:
        ConfigError: package.json or convex.json exists but cannot be read as JSON.
    """
    package_json = root / "package.json"
    if not package_json.is_file():
        return None
    package = read_json(package_json, display_path(package_json))
    deps = declared_packages(package)
    functions = functions_dir(root, display_path(root))
    convex = "convex" in deps and (root / functions).is_dir()
    if not convex:
        return None
    manager, runner = package_manager(root, package)
    return DetectedStack(root, manager, runner, convex, "vite" in deps, functions)


def declared_packages(package: dict[str, object]) -> set[str]:
    """The packages a package.json depends on (`dependencies` and `devDependencies`)."""
    declared: set[str] = set()
    for section in ("dependencies", "devDependencies"):
        table = package.get(section)
        if isinstance(table, dict):
            declared.update(str(name) for name in table)
    return declared


def package_manager(root: Path, package: dict[str, object]) -> tuple[str, str]:
    """(package manager, binary runner) of the project in `root`: its lockfile's, else
    package.json's `packageManager`, else npm."""
    for lockfile, manager, runner in LOCKFILE_RUNNERS:
        if (root / lockfile).is_file():
            return manager, runner
    declared = package.get("packageManager")
    if isinstance(declared, str):
        name = declared.split("@", 1)[0]
        if name in MANAGER_RUNNERS:
            return name, MANAGER_RUNNERS[name]
    return "npm", "npx"


def detected_config(stack: DetectedStack) -> Config:
    """The config the `convex-vite` preset gives for a detected stack."""
    data = load_preset("convex-vite", {"runner": stack.runner})
    processes = data["processes"]
    assert isinstance(processes, dict)
    if not stack.vite:
        processes.pop("vite", None)
    what = "Convex + Vite" if stack.vite else "Convex"
    origin = f"detected {what} app in {stack.root} ({stack.manager}: {stack.runner})"
    return build_config(data, file="preset convex-vite.toml", root=stack.root, origin=origin)


def demo_config(root: Path, scenario: str) -> Config:
    """The bundled demo stack, run in `root` (a scratch project folder)."""
    data = load_preset("demo", {"python": sys.executable, "scenario": scenario})
    return build_config(
        data, file="preset demo.toml", root=root, origin=f"demo (scenario {scenario}) in {root}"
    )


def discover(
    explicit: Path | None = None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Resolve the configuration the way every command does.

    Raises:
        ConfigError: the file found is invalid (every problem listed).
        DevtuiError: no config and no Convex app here.
    """
    cwd = (cwd or Path.cwd()).resolve()
    environ = os.environ if environ is None else environ
    if explicit is not None:
        return load_file(explicit if explicit.is_absolute() else cwd / explicit)
    from_env = environ.get(CONFIG_ENV, "").strip()
    if from_env:
        path = Path(from_env).expanduser()
        if not path.is_file():
            raise DevtuiError(f"${CONFIG_ENV} points at {from_env}, which is not a file")
        return load_file(path)
    for folder in _folders_up(cwd):
        config = _project_in(folder, cwd)
        if config is None:
            continue
        if folder != cwd:  # say which root was chosen, and from where
            config = replace(
                config, origin=f"{config.origin}, found from {display_path(cwd, folder)}/"
            )
        return config
    raise DevtuiError(
        f"no {CONFIG_FILE} and no Convex app in {cwd} or the folders above it (looked for "
        "package.json with a `convex` dependency beside a convex/ folder).\n"
        f"Create {CONFIG_FILE} (see `devtui config --help` and the README), pass "
        "--config PATH, or try the bundled demo: devtui demo"
    )


def _folders_up(cwd: Path) -> list[Path]:
    """`cwd` and the folders above it, as far as a project can reach: up to the root of
    its git repository, never into the home folder or above it (npm and Vite look up for
    package.json and their config the same way)."""
    home = Path.home().resolve()
    folders: list[Path] = []
    for folder in (cwd, *cwd.parents):
        if folder != cwd and (folder == home or folder in home.parents):
            break
        folders.append(folder)
        if (folder / ".git").exists():
            break
    return folders


def _project_in(folder: Path, cwd: Path) -> Config | None:
    """The project `folder` holds: its devtui.toml, else a detected Convex app, else None."""
    local = folder / CONFIG_FILE
    if local.is_file():
        return load_file(local)
    if local.exists():
        raise ConfigError(
            [
                ConfigProblem(
                    display_path(local, cwd),
                    "",
                    "is a folder, not a file; remove it or "
                    "put the configuration in a file of that name",
                )
            ]
        )
    stack = detect_stack(folder)
    return detected_config(stack) if stack is not None else None
