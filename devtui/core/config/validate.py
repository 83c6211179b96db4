"""Turn a parsed TOML table into a `Config`, reporting every problem at once.

Invariant: either a fully valid `Config` comes out or a `ConfigError` listing each problem
with the file, the dotted key and, for a misspelling, a suggestion. Nothing unknown or
mistyped is silently ignored or defaulted.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import Final, TypeVar, cast

from devtui.core.config.model import (
    KIND_DEFAULT_READY,
    KIND_DEFAULT_URL,
    Config,
    ProcessConfig,
    ProcessKind,
    Settings,
)
from devtui.core.events import Stream
from devtui.core.restart import RestartPolicy
from devtui.errors import DevtuiError, ExitCode

ChoiceT = TypeVar("ChoiceT", bound=StrEnum)

TOP_LEVEL_KEYS: Final = ("settings", "processes")
SETTINGS_KEYS: Final = tuple(f.name for f in fields(Settings))
PROCESS_KEYS: Final = (
    "command",
    "kind",
    "ready",
    "ready_streams",
    "ready_timeout",
    "depends_on",
    "env",
    "cwd",
    "url",
    "restart",
    "shutdown_grace",
    "memory_warn_mb",
    "memory_limit_mb",
)
PROCESS_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
STREAMS: Final = ("stdout", "stderr")


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong with a config."""

    file: str
    key: str
    """Dotted key, e.g. `processes.vite.ready`; empty for file-level problems."""
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.key}: {self.message}"
            if self.key
            else f"{self.file}: {self.message}"
        )


class ConfigError(DevtuiError):
    """The config is unusable; `problems` lists every reason (exit 2)."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        lines = [f"invalid configuration ({len(problems)} {noun}):"]
        lines += [f"  {p}" for p in problems]
        super().__init__("\n".join(lines), ExitCode.USAGE)


def suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """`; did you mean 'x'?` for the closest choice, or ""."""
    import difflib  # only needed when something is misspelled

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class _Checker:
    """Collects problems while reading one file's values."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[ConfigProblem] = []

    def add(self, key: str, message: str) -> None:
        self.problems.append(ConfigProblem(self.file, key, message))

    def unknown_keys(self, table: dict[str, object], allowed: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                dotted = f"{prefix}.{key}" if prefix else key
                self.add(dotted, f"unknown key{suggest(key, allowed)}")

    def number(
        self,
        table: dict[str, object],
        key: str,
        dotted: str,
        minimum: float,
        *,
        integer: bool = False,
        strict: bool = False,
    ) -> float | None:
        if key not in table:
            return None
        value = table[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (integer and not isinstance(value, int))
        ):
            kind = "an integer" if integer else "a number"
            self.add(dotted, f"must be {kind}, not {_describe(value)}")
            return None
        if value < minimum or (strict and value == minimum):
            relation = "greater than" if strict else "at least"
            self.add(dotted, f"must be {relation} {minimum:g}, not {value}")
            return None
        return float(value)

    def string(self, table: dict[str, object], key: str, dotted: str) -> str | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, str):
            self.add(dotted, f"must be a string, not {_describe(value)}")
            return None
        return value

    def regex(self, table: dict[str, object], key: str, dotted: str) -> re.Pattern[str] | None:
        text = self.string(table, key, dotted)
        if text is None:
            return None
        try:
            return re.compile(text)
        except re.error as error:
            self.add(dotted, f"invalid regular expression {text!r}: {error}")
            return None

    def choice(
        self,
        table: dict[str, object],
        key: str,
        dotted: str,
        choices: type[ChoiceT],
        default: ChoiceT,
        noun: str | None = None,
    ) -> ChoiceT:
        """One value of a string enum, or `default` (with a problem if it is not one)."""
        text = self.string(table, key, dotted)
        if text is None:
            return default
        try:
            return choices(text)
        except ValueError:
            names = [c.value for c in choices]
            self.add(
                dotted,
                f"unknown {noun or key} {text!r} (use one of {', '.join(names)})"
                f"{suggest(text, names)}",
            )
            return default

    def string_list(self, table: dict[str, object], key: str, dotted: str) -> list[str] | None:
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(dotted, f"must be a list of strings, not {_describe(value)}")
            return None
        return cast(list[str], value)


def _describe(value: object) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def build_config(
    data: dict[str, object],
    *,
    file: str,
    root: Path,
    origin: str,
    source: Path | None = None,
) -> Config:
    """Validate parsed TOML and build a `Config`.

    Args:
        data: The parsed TOML document.
        file: The name to use in messages (the path as the user would know it).
        root: The folder relative paths resolve against.
        origin: Where it came from, in words, for `devtui config`.
        source: The config file path, if any.

    Raises:
        ConfigError: listing every problem found.
    """
    check = _Checker(file)
    check.unknown_keys(data, TOP_LEVEL_KEYS, "")
    settings = _settings(check, data.get("settings", {}))
    raw_processes = data.get("processes", {})
    processes: dict[str, ProcessConfig] = {}
    if not isinstance(raw_processes, dict):
        check.add("processes", f"must be a table of processes, not {_describe(raw_processes)}")
    elif not raw_processes:
        check.add("processes", "no processes defined; add at least one [processes.NAME] table")
    else:
        for name, table in raw_processes.items():
            process = _process(check, name, table, settings, root)
            if process is not None:
                processes[name] = process
        _check_dependencies(check, raw_processes, processes)
    if check.problems:
        raise ConfigError(check.problems)
    return Config(settings, processes, root, origin, source)


def _settings(check: _Checker, table: object) -> Settings:
    if not isinstance(table, dict):
        check.add("settings", f"must be a table, not {_describe(table)}")
        return Settings()
    check.unknown_keys(table, SETTINGS_KEYS, "settings")
    defaults = Settings()
    ready_timeout = check.number(table, "ready_timeout", "settings.ready_timeout", 0, strict=True)
    grace = check.number(table, "shutdown_grace", "settings.shutdown_grace", 0)
    log_dir = check.string(table, "log_dir", "settings.log_dir")
    keep_logs = check.number(table, "keep_logs", "settings.keep_logs", 0, integer=True)
    scrollback = check.number(table, "scrollback", "settings.scrollback", 100, integer=True)
    return Settings(
        ready_timeout=defaults.ready_timeout if ready_timeout is None else ready_timeout,
        shutdown_grace=defaults.shutdown_grace if grace is None else grace,
        log_dir=defaults.log_dir if log_dir is None else log_dir,
        keep_logs=defaults.keep_logs if keep_logs is None else int(keep_logs),
        scrollback=defaults.scrollback if scrollback is None else int(scrollback),
    )


def _process(
    check: _Checker, name: str, table: object, settings: Settings, root: Path
) -> ProcessConfig | None:
    prefix = f"processes.{name}"
    if not PROCESS_NAME.match(name):
        check.add(prefix, "process names use letters, digits, '.', '_' and '-' (at most 32)")
    if not isinstance(table, dict):
        check.add(prefix, f"must be a table, not {_describe(table)}")
        return None
    check.unknown_keys(table, PROCESS_KEYS, prefix)
    before = len(check.problems)

    command = _command(check, table, prefix)
    kind = check.choice(table, "kind", f"{prefix}.kind", ProcessKind, ProcessKind.GENERIC)
    # `ready = ""` means "ready as soon as started", also for kinds that have a default.
    ready = None if table.get("ready") == "" else check.regex(table, "ready", f"{prefix}.ready")
    if ready is None and "ready" not in table and KIND_DEFAULT_READY[kind]:
        ready = re.compile(cast(str, KIND_DEFAULT_READY[kind]))
    url = check.regex(table, "url", f"{prefix}.url")
    if url is None and "url" not in table and KIND_DEFAULT_URL[kind]:
        url = re.compile(cast(str, KIND_DEFAULT_URL[kind]))
    streams = check.string_list(table, "ready_streams", f"{prefix}.ready_streams")
    if streams is not None:
        bad = [s for s in streams if s not in STREAMS]
        for stream in bad:
            check.add(
                f"{prefix}.ready_streams",
                f"unknown stream {stream!r} (use stdout, stderr){suggest(stream, STREAMS)}",
            )
        if not streams:
            check.add(f"{prefix}.ready_streams", "must name at least one stream")
    restart = check.choice(
        table, "restart", f"{prefix}.restart", RestartPolicy, RestartPolicy.NEVER, "policy"
    )
    env = _env(check, table, prefix)
    cwd_text = check.string(table, "cwd", f"{prefix}.cwd")
    cwd = (root / cwd_text).resolve() if cwd_text is not None else root
    if cwd_text is not None and not cwd.is_dir():
        check.add(f"{prefix}.cwd", f"folder {cwd} does not exist")
    ready_timeout = check.number(table, "ready_timeout", f"{prefix}.ready_timeout", 0, strict=True)
    grace = check.number(table, "shutdown_grace", f"{prefix}.shutdown_grace", 0)
    warn_mb = check.number(table, "memory_warn_mb", f"{prefix}.memory_warn_mb", 0, strict=True)
    limit_mb = check.number(table, "memory_limit_mb", f"{prefix}.memory_limit_mb", 0, strict=True)
    depends = check.string_list(table, "depends_on", f"{prefix}.depends_on") or []

    if len(check.problems) > before or command is None:
        return None
    return ProcessConfig(
        name=name,
        command=tuple(command),
        kind=kind,
        ready=ready,
        ready_streams=frozenset(cast(list[Stream], streams)) if streams else frozenset(STREAMS),
        ready_timeout=settings.ready_timeout if ready_timeout is None else ready_timeout,
        depends_on=tuple(depends),
        env=env,
        cwd=cwd,
        url=url,
        restart=restart,
        shutdown_grace=settings.shutdown_grace if grace is None else grace,
        memory_warn_mb=warn_mb,
        memory_limit_mb=limit_mb,
    )


def _command(check: _Checker, table: dict[str, object], prefix: str) -> list[str] | None:
    key = f"{prefix}.command"
    if "command" not in table:
        check.add(key, 'missing: the command to run, e.g. command = "npx convex dev"')
        return None
    value = table["command"]
    if isinstance(value, str):
        try:
            argv = shlex.split(value)
        except ValueError as error:
            check.add(key, f"cannot split {value!r}: {error}")
            return None
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        argv = cast(list[str], value)
    else:
        check.add(key, f"must be a string or a list of strings, not {_describe(value)}")
        return None
    if not argv or not argv[0]:
        check.add(key, "is empty")
        return None
    return argv


def _env(check: _Checker, table: dict[str, object], prefix: str) -> tuple[tuple[str, str], ...]:
    if "env" not in table:
        return ()
    value = table["env"]
    if not isinstance(value, dict):
        check.add(f"{prefix}.env", f"must be a table of NAME = value, not {_describe(value)}")
        return ()
    pairs: list[tuple[str, str]] = []
    for name, item in value.items():
        if isinstance(item, bool):
            pairs.append((name, "1" if item else "0"))
        elif isinstance(item, str | int | float):
            pairs.append((name, str(item)))
        else:
            check.add(f"{prefix}.env.{name}", f"must be a string or number, not {_describe(item)}")
    return tuple(pairs)


def _check_dependencies(
    check: _Checker, raw: dict[str, object], processes: dict[str, ProcessConfig]
) -> None:
    names = list(raw)
    for name, table in raw.items():
        if not isinstance(table, dict):
            continue
        deps = table.get("depends_on", [])
        for dep in [deps] if isinstance(deps, str) else deps if isinstance(deps, list) else []:
            if isinstance(dep, str) and dep not in raw:
                check.add(
                    f"processes.{name}.depends_on", f"unknown process {dep!r}{suggest(dep, names)}"
                )
    cycle = _find_cycle(processes)
    if cycle:
        check.add(f"processes.{cycle[0]}.depends_on", f"dependency cycle: {' → '.join(cycle)}")


def _find_cycle(processes: dict[str, ProcessConfig]) -> list[str]:
    """A dependency cycle as a path that returns to its start, or []."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> list[str]:
        if name in visiting:
            return [*visiting[visiting.index(name) :], name]
        if name in done or name not in processes:
            return []
        visiting.append(name)
        for dep in processes[name].depends_on:
            found = visit(dep)
            if found:
                return found
        visiting.pop()
        done.add(name)
        return []

    for name in processes:
        found = visit(name)
        if found:
            return found
    return []
