"""What must hold before any child starts, checked from the files: the project's packages
are installed, and (Convex) a deployment is configured.

Invariant: read-only. Each finding names what is missing and the exact command or the
variables that fix it; front ends decide what to do with it (headless and `ci` stop with
exit 2, the TUI offers the install in a pane and hands the first `convex dev` the terminal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import Final

from devtui.core.config.checker import ConfigError
from devtui.core.config.model import Config, ProcessConfig, ProcessKind
from devtui.core.problems.book import Problem, Severity, fingerprint
from devtui.core.run.deployment import env_file_values

INSTALL_PROCESS: Final = "install"
"""The name of the install step the TUI adds when packages are missing."""
INSTALL_RULE: Final = "dependencies-not-installed"

INSTALL_COMMANDS: Final = {
    "npm": ("npm", "install"),
    "pnpm": ("pnpm", "install"),
    "yarn": ("yarn", "install"),
    "bun": ("bun", "install"),
}
"""The package manager → the command that installs a project's dependencies."""
PACKAGE_OF_KIND: Final = {ProcessKind.CONVEX: "convex", ProcessKind.VITE: "vite"}
"""The npm package a process of this kind runs from node_modules."""

DEPLOYMENT_VARIABLES: Final = ("CONVEX_DEPLOYMENT", "CONVEX_DEPLOY_KEY", "CONVEX_SELF_HOSTED_URL")
"""Any one of these (in the environment, `.env.local` or `.env`) tells `convex dev` which
deployment to use, so it never has to ask."""
SELF_HOSTED_VARIABLES: Final = ("CONVEX_SELF_HOSTED_URL", "CONVEX_SELF_HOSTED_ADMIN_KEY")


@dataclass(frozen=True, slots=True)
class MissingPackages:
    """Packages the stack runs from node_modules that are not installed."""

    root: Path
    """The folder holding package.json: where the install runs."""
    packages: tuple[str, ...]
    manager: str
    """npm, pnpm, yarn or bun (from the lockfile or `packageManager`)."""

    @property
    def install_command(self) -> tuple[str, ...]:
        return INSTALL_COMMANDS.get(self.manager, INSTALL_COMMANDS["npm"])

    @property
    def install_text(self) -> str:
        return " ".join(self.install_command)

    @property
    def summary(self) -> str:
        """`convex and vite are not installed (no node_modules/convex, node_modules/vite)`."""
        names = " and ".join(self.packages)
        verb = "is" if len(self.packages) == 1 else "are"
        where = ", ".join(f"node_modules/{name}" for name in self.packages)
        return f"{names} {verb} not installed (no {where} in {self.root})"

    def problem(self, at: float) -> Problem:
        """The problem the TUI shows until the install succeeds."""
        return Problem(
            rule=INSTALL_RULE,
            severity=Severity.ERROR,
            title="Dependencies not installed",
            message=self.summary,
            process=INSTALL_PROCESS,
            fingerprint=fingerprint(INSTALL_RULE, [str(self.root)]),
            first_seen=at,
            last_seen=at,
            explanation="The stack runs its tools from node_modules; without them `npx convex "
            'dev` stops with "npx canceled due to missing packages" before doing anything.',
            fix=f"Run `{self.install_text}` in {self.root} (the package manager its lockfile "
            "names), then start devtui again.",
            sources=("output",),
        )


def missing_packages(config: Config) -> MissingPackages | None:
    """The Convex/Vite packages the config's processes need that no node_modules holds.

    Node looks for a package in `node_modules` of the folder and of every folder above it
    (workspaces hoist), so each of those counts. Only packages package.json declares are
    checked: a stack that runs tools some other way is not second-guessed.
    """
    from devtui.core.config.discover import declared_packages, package_manager
    from devtui.core.config.project_files import read_json

    root = config.root
    package_json = root / "package.json"
    if not package_json.is_file():
        return None
    try:
        package = read_json(package_json, str(package_json))
    except (ConfigError, RecursionError):  # a broken package.json is discovery's to report
        return None
    declared = declared_packages(package)
    wanted = [
        PACKAGE_OF_KIND[p.kind]
        for p in config.processes.values()
        if p.kind in PACKAGE_OF_KIND and runs_package(p.command, PACKAGE_OF_KIND[p.kind])
    ]
    missing = tuple(
        dict.fromkeys(name for name in wanted if name in declared and not _installed(root, name))
    )
    if not missing:
        return None
    manager, _ = package_manager(root, package)
    return MissingPackages(root, missing, manager)


def _installed(root: Path, package: str) -> bool:
    return any(
        (folder / "node_modules" / package / "package.json").is_file()
        for folder in (root, *root.parents)
    )


def with_install_step(config: Config, missing: MissingPackages, held_reason: str) -> Config:
    """`config` with an `install` step first, which every process waits for; it runs only
    when asked (`held_reason` says how), and its successful exit lets the others start."""
    install = ProcessConfig(
        name=INSTALL_PROCESS,
        command=missing.install_command,
        cwd=missing.root,
        oneshot=True,
        held_reason=held_reason,
    )
    processes = {INSTALL_PROCESS: install}
    for name, process in config.processes.items():
        processes[name] = replace(process, depends_on=(INSTALL_PROCESS, *process.depends_on))
    return replace(config, processes=processes)


FIRST_RUN_HELD: Final = "waits for the install; then its first run gets the terminal"


def hold_for_first_run(config: Config, name: str) -> Config:
    """`config` with Convex process `name` not started with the stack: its first `convex
    dev --once` runs in the terminal after the install step, then it is started."""
    process = replace(config.processes[name], held_reason=FIRST_RUN_HELD)
    return replace(config, processes={**config.processes, name: process})


def unconfigured_convex(config: Config, environ: Mapping[str, str]) -> ProcessConfig | None:
    """The Convex process that has no deployment to use, if any: none of
    `DEPLOYMENT_VARIABLES` in the environment, its own env, `.env.local` or `.env`.

    Such a `convex dev` would ask its first-run questions (log in, choose a project),
    which it cannot do without a terminal.
    """
    for process in config.processes.values():
        if process.kind is not ProcessKind.CONVEX or not runs_convex_dev(process.command):
            continue
        values = {**env_file_values(process.cwd), **environ, **dict(process.env)}
        if not any(values.get(name, "").strip() for name in DEPLOYMENT_VARIABLES):
            return process
        if _needs_login(values, environ):
            return process
    return None


def _needs_login(values: Mapping[str, str], environ: Mapping[str, str]) -> bool:
    """A cloud deployment named (`dev:happy-animal-123`) with no deploy key, on a machine
    the CLI has never logged in on (no access token in ~/.convex/config.json): its first
    `convex dev` asks to log in."""
    deployment = values.get("CONVEX_DEPLOYMENT", "").strip()
    if not deployment.startswith(("dev:", "prod:", "preview:")):
        return False  # local and anonymous deployments need no login
    if values.get("CONVEX_DEPLOY_KEY", "").strip():
        return False
    home = Path(environ.get("HOME") or Path.home())
    return not (home / ".convex" / "config.json").is_file()


def _names_binary(word: str, package: str) -> bool:
    """`convex` or `…/node_modules/.bin/convex`: the word runs `package`'s binary."""
    return word == package or word.endswith(f"/{package}")


def runs_package(command: tuple[str, ...], package: str) -> bool:
    """Whether `command` runs `package`'s binary (`npx convex dev`, `pnpm exec vite`,
    `node_modules/.bin/vite`), not a script standing in for it (the demo's)."""
    return any(_names_binary(word, package) for word in command)


def runs_convex_dev(command: tuple[str, ...]) -> bool:
    """Whether `command` runs the Convex CLI's `dev` (`npx convex dev`, `bunx convex dev`,
    `node_modules/.bin/convex dev …`), as opposed to a script standing in for it."""
    return any(
        _names_binary(word, "convex") and after == "dev" for word, after in pairwise(command)
    )


def no_deployment_message(process: ProcessConfig) -> str:
    """What `ci` says (exit 2) when `process` has no deployment configured."""
    return (
        f"{process.name}: no Convex deployment is configured for {process.cwd} (no "
        "CONVEX_DEPLOYMENT in the environment, .env.local or .env), or this machine is not "
        "logged in to the one named (no ~/.convex/config.json), and `convex dev` cannot ask "
        "its first-run questions without a terminal.\n"
        "Set one of: CONVEX_DEPLOY_KEY (a deploy key from the Convex dashboard, for CI), "
        "CONVEX_DEPLOYMENT (e.g. dev:happy-animal-123), or for a self-hosted backend "
        f"{' and '.join(SELF_HOSTED_VARIABLES)}; or run `npx convex dev --once` once in a "
        "terminal (devtui up does this for you) to create .env.local."
    )


def first_run_command(process: ProcessConfig) -> tuple[str, ...]:
    """The process's `convex dev` command run once, in the foreground: `… dev --once`
    (the CLI asks its questions, writes .env.local, pushes once and exits)."""
    command = list(process.command)
    if "dev" in command and "--once" not in command:
        command.insert(command.index("dev") + 1, "--once")
    return tuple(command)
