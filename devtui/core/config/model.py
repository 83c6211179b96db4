"""The resolved configuration: frozen dataclasses with the defaults in them.

Invariant: a `Config` that exists is valid: regexes compiled, dependencies known and
acyclic, every time positive. Validation (`validate.py`) is the only way to build one from
user input.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import ClassVar, Final

from devtui.core.config.rules import Rule
from devtui.core.events import Stream
from devtui.core.problems.patterns import TextPattern
from devtui.core.run.restart import RestartPolicy


class OomPolicy(StrEnum):
    """What to do when a process runs out of memory."""

    NONE = "none"
    """Mark it `oom` and offer the restart with more heap (H in the dashboard)."""
    RESTART_WITH_MORE_HEAP = "restart-with-more-heap"
    """Restart it at once with twice the heap (`--max-old-space-size`), at most twice."""


class ProcessKind(StrEnum):
    """What a process is; turns on kind-specific states, defaults and problem rules."""

    CONVEX = "convex"
    VITE = "vite"
    GENERIC = "generic"


KIND_DEFAULT_READY: Final[dict[ProcessKind, str | None]] = {
    ProcessKind.CONVEX: "Convex functions ready!",
    ProcessKind.VITE: r"ready in \d+",
    ProcessKind.GENERIC: None,
}
"""The `ready` pattern a process of each kind gets when the config gives none."""

KIND_DEFAULT_URL: Final[dict[ProcessKind, str | None]] = {
    ProcessKind.CONVEX: None,
    ProcessKind.VITE: r"Local:\s+(https?://\S+)",
    ProcessKind.GENERIC: None,
}
"""The `url` pattern a process of each kind gets when the config gives none."""


READY_TIMEOUT_S: Final = 180.0
"""The default of `ready_timeout` (settings, and a process that does not set it)."""
SHUTDOWN_GRACE_S: Final = 5.0
"""The default of `shutdown_grace`."""
RETRY_TIMEOUT_S: Final = 60.0
"""The default of `retry_timeout`."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The `[settings]` table."""

    ready_timeout: float = READY_TIMEOUT_S
    """Seconds a process may take to become ready; a process's own value wins."""
    shutdown_grace: float = SHUTDOWN_GRACE_S
    """Seconds from the first stop signal to SIGKILL (SIGINT, SIGTERM at half, SIGKILL)."""
    log_dir: str = ".devtui/logs"
    """Where session logs go, relative to the project root."""
    keep_logs: int = 20
    """Older session logs beyond this many are deleted (0: write none)."""
    scrollback: int = 10_000
    """Lines per pane the TUI keeps; the session log has everything."""
    functions_dir: str = "convex"
    """The Convex functions folder, relative to the root (default: convex.json's
    `functions`, else `convex`); `devtui lint` and live lint check it."""
    lint: bool = True
    """Lint the functions folder at start and on every change (when a Convex process runs)."""
    memory_interval: float = 1.0
    """Seconds between memory samples of every process tree (0: no sampling)."""
    retry_timeout: float = RETRY_TIMEOUT_S
    """Convex: seconds the deployment may keep failing while the CLI retries before
    `devtui ci` fails (exit 4); never more than the ready timeout."""


@dataclass(frozen=True, slots=True)
class ProcessConfig:
    """One `[processes.NAME]` table, resolved."""

    name: str
    command: tuple[str, ...]
    """The argv, run without a shell."""
    kind: ProcessKind = ProcessKind.GENERIC
    ready: TextPattern | None = None
    """Matched against ANSI-stripped lines; None: ready as soon as started."""
    ready_streams: frozenset[Stream] = frozenset({"stdout", "stderr"})
    ready_timeout: float = READY_TIMEOUT_S
    retry_timeout: float = RETRY_TIMEOUT_S
    """Convex: how long the deployment may keep failing (the CLI retrying) before `ci`
    fails; at most `ready_timeout`."""
    depends_on: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    """Extra environment variables, on top of devtui's own environment."""
    cwd: Path = field(default_factory=Path.cwd)
    url: TextPattern | None = None
    """First group (or whole match) is the app URL."""
    restart: RestartPolicy = RestartPolicy.NEVER
    shutdown_grace: float = SHUTDOWN_GRACE_S
    memory_warn_mb: float | None = None
    """Warn above this tree RSS (default: 80% of NODE_OPTIONS' heap limit, else 1536)."""
    memory_limit_mb: float | None = None
    """An error above this tree RSS (default: none)."""
    on_oom: OomPolicy = OomPolicy.NONE
    port: int | None = None
    """The port it serves on (kind vite: read from its command, package script or
    vite.config, else 5173). Before each launch devtui names whoever already holds it."""
    port_fallback: bool = False
    """Another process on `port` is acceptable (the server takes another port): a
    warning, not an error, and `ci` does not refuse to start."""
    oneshot: bool = False
    """A step that runs to its end (an install): exiting with code 0 is its "ready" and
    lets its dependents start; it is never ready while it runs. Not a config key."""
    held_reason: str = ""
    """Not started with the stack: it waits, saying this, until started by hand (the TUI's
    install step). Not a config key."""

    NOT_KEYS: ClassVar[frozenset[str]] = frozenset({"name", "oneshot", "held_reason"})
    """Fields a `[processes.NAME]` table cannot set (every other field is a key of it)."""

    @property
    def command_text(self) -> str:
        """The command as a shell-like string, for messages."""
        import shlex

        return shlex.join(self.command)


@dataclass(frozen=True, slots=True)
class Config:
    """Everything devtui runs, and where it came from."""

    settings: Settings
    processes: dict[str, ProcessConfig]
    """In the order the config lists them."""
    root: Path
    """The project folder: relative paths (cwd, log_dir) are resolved against it."""
    origin: str
    """Where the config came from, in words (a file path, "detected …", "demo …")."""
    source: Path | None = None
    """The config file, if there was one."""
    rules: tuple[Rule, ...] = ()
    """The problem rules in effect: the built-in ones as changed by the file's [[rules]]."""
    rule_tables: tuple[dict[str, object], ...] = ()
    """The file's own [[rules]] tables, as written (`devtui config` prints them back)."""
    warnings: tuple[str, ...] = ()
    """What works, but not as well as it could (`file: key: message`), to tell the user."""

    @property
    def functions_path(self) -> Path:
        """The absolute Convex functions folder."""
        return (self.root / self.settings.functions_dir).resolve()

    def rules_for(self, process: ProcessConfig) -> tuple[Rule, ...]:
        """The rules that watch `process`."""
        return tuple(r for r in self.rules if r.applies_to(process.name, process.kind.value))

    @property
    def lints(self) -> bool:
        """Whether live lint runs: enabled, a Convex process, and the folder exists."""
        return (
            self.settings.lint
            and any(p.kind is ProcessKind.CONVEX for p in self.processes.values())
            and self.functions_path.is_dir()
        )

    @property
    def log_dir(self) -> Path:
        """The absolute session-log folder."""
        return (self.root / self.settings.log_dir).resolve()

    def start_levels(self) -> list[list[str]]:
        """Processes grouped by dependency depth: level 0 depends on nothing."""
        depth: dict[str, int] = {}

        def level(name: str) -> int:
            if name not in depth:
                deps = self.processes[name].depends_on
                depth[name] = 1 + max((level(d) for d in deps), default=-1)
            return depth[name]

        for name in self.processes:
            level(name)
        levels: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
        for name in self.processes:
            levels[depth[name]].append(name)
        return levels

    def with_only(self, names: list[str]) -> Config:
        """This config limited to `names` and everything they depend on."""
        keep: set[str] = set()

        def add(name: str) -> None:
            if name not in keep:
                keep.add(name)
                for dep in self.processes[name].depends_on:
                    add(dep)

        for name in names:
            add(name)
        processes = {n: p for n, p in self.processes.items() if n in keep}
        return replace(self, processes=processes)
