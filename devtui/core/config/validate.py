"""Turn a parsed TOML table into a `Config`, reporting every problem at once.

Invariant: either a fully valid `Config` comes out or a `ConfigError` listing each problem
with the file, the dotted key and, for a misspelling, a suggestion. Nothing unknown or
mistyped is silently ignored or defaulted.
"""

from __future__ import annotations

import math
import re
import shlex
from dataclasses import fields
from pathlib import Path
from typing import Final, cast

from devtui.core.config.checker import (
    Checker,
    ChoiceT,
    ConfigError,
    describe,
    suggest,
)
from devtui.core.config.model import (
    KIND_DEFAULT_READY,
    KIND_DEFAULT_URL,
    Config,
    OomPolicy,
    ProcessConfig,
    ProcessKind,
    Settings,
)
from devtui.core.config.ports import runs_vite, vite_port
from devtui.core.config.project_files import functions_dir
from devtui.core.config.rules import builtin_rules, merge_rules
from devtui.core.events import Stream
from devtui.core.run.restart import RestartPolicy

TOP_LEVEL_KEYS: Final = ("settings", "processes", "rules")
SETTINGS_KEYS: Final = tuple(f.name for f in fields(Settings))
PROCESS_KEYS: Final = tuple(
    f.name for f in fields(ProcessConfig) if f.name not in ProcessConfig.NOT_KEYS
)
"""The keys of a `[processes.NAME]` table: the fields of `ProcessConfig` (declared once)."""
PROCESS_DEFAULTS: Final[dict[str, object]] = {f.name: f.default for f in fields(ProcessConfig)}
MAX_SECONDS: Final = 7 * 24 * 3600
"""The longest timeout a setting may give (a week): anything longer is a typo, and an
event loop cannot wait for 1e308 seconds."""
MAX_GRACE: Final = 3600
MAX_INTERVAL: Final = 3600
MAX_LOGS: Final = 10_000
MAX_SCROLLBACK: Final = 10_000_000
MAX_MEMORY_MB: Final = 16 * 1024 * 1024
"""16 TiB: no machine devtui runs on has more."""
ENV_NAME: Final = re.compile(r"^[^=\x00]+$")
"""What POSIX allows in an environment variable's name: anything but `=` and NUL."""
PROCESS_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
STREAMS: Final = ("stdout", "stderr")


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
    check = Checker(file)
    check.unknown_keys(data, TOP_LEVEL_KEYS, "")
    settings = _settings(check, data.get("settings", {}), root, file)
    raw_processes = data.get("processes", {})
    processes: dict[str, ProcessConfig] = {}
    if not isinstance(raw_processes, dict):
        check.add("processes", f"must be a table of processes, not {describe(raw_processes)}")
    elif not raw_processes:
        check.add("processes", "no processes defined; add at least one [processes.NAME] table")
    else:
        for name, table in raw_processes.items():
            process = _process(check, name, table, settings, root)
            if process is not None:
                processes[name] = process
        _check_dependencies(check, raw_processes, processes)
    rule_tables = data.get("rules", [])
    rules = merge_rules(check, builtin_rules(), rule_tables)
    if check.problems:
        raise ConfigError(check.problems)
    return Config(
        settings,
        processes,
        root,
        origin,
        source,
        rules=rules,
        rule_tables=tuple(cast(list[dict[str, object]], rule_tables)),
        warnings=tuple(str(warning) for warning in check.warnings),
    )


def _shown(path: Path, limit: int = 120) -> str:
    """`path` for a message: a name of thousands of characters is cut in the middle."""
    text = str(path)
    return text if len(text) <= limit else f"{text[: limit // 2]}…{text[-limit // 3 :]}"


def _unusable_folder(where: Path, *, missing_ok: bool) -> str | None:
    """Why `where` cannot serve as a folder (None when it can): it is a file, it is
    missing (unless `missing_ok`: devtui creates it), or the system refuses the name."""
    try:
        if where.is_dir():
            return None
        if where.exists():
            return "exists and is not a folder"
    except OSError as error:  # a name too long, a loop of links, …
        return f"cannot be used: {error.strerror or error}"
    return None if missing_ok else "does not exist"


def _settings(check: Checker, table: object, root: Path, file: str) -> Settings:
    if not isinstance(table, dict):
        check.add("settings", f"must be a table, not {describe(table)}")
        return Settings()
    check.unknown_keys(table, SETTINGS_KEYS, "settings")
    defaults = Settings()
    ready_timeout = check.number(
        table, "ready_timeout", "settings.ready_timeout", 0, MAX_SECONDS, strict=True
    )
    grace = check.number(table, "shutdown_grace", "settings.shutdown_grace", 0, MAX_GRACE)
    log_dir = check.path(table, "log_dir", "settings.log_dir")
    if log_dir is not None:
        where = root / log_dir
        problem = _unusable_folder(where, missing_ok=True)
        if problem is not None:
            check.add("settings.log_dir", f"{_shown(where)} {problem}")
            log_dir = None
    keep_logs = check.number(table, "keep_logs", "settings.keep_logs", 0, MAX_LOGS, integer=True)
    scrollback = check.number(
        table, "scrollback", "settings.scrollback", 100, MAX_SCROLLBACK, integer=True
    )
    lint = check.boolean(table, "lint", "settings.lint")
    interval = check.number(table, "memory_interval", "settings.memory_interval", 0, MAX_INTERVAL)
    retry = check.number(
        table, "retry_timeout", "settings.retry_timeout", 0, MAX_SECONDS, strict=True
    )
    if interval is not None and 0 < interval < 0.1:
        check.add("settings.memory_interval", f"must be 0 (off) or at least 0.1, not {interval:g}")
        interval = None
    functions = check.string(table, "functions_dir", "settings.functions_dir")
    if functions is not None and "\0" in functions:
        check.add(
            "settings.functions_dir", f"holds a NUL character, which no path can: {functions!r}"
        )
        functions = defaults.functions_dir
    elif functions is None:
        try:
            functions = functions_dir(root, str(Path(file).parent) if "/" in file else "")
        except ConfigError as error:
            check.problems.extend(error.problems)
            functions = defaults.functions_dir
    elif not functions.strip().strip("/"):
        check.add("settings.functions_dir", "is empty (the default is convex)")
        functions = defaults.functions_dir
    return Settings(
        ready_timeout=defaults.ready_timeout if ready_timeout is None else ready_timeout,
        shutdown_grace=defaults.shutdown_grace if grace is None else grace,
        log_dir=defaults.log_dir if log_dir is None else log_dir,
        keep_logs=defaults.keep_logs if keep_logs is None else int(keep_logs),
        scrollback=defaults.scrollback if scrollback is None else int(scrollback),
        functions_dir=functions.strip().strip("/"),
        lint=defaults.lint if lint is None else lint,
        memory_interval=defaults.memory_interval if interval is None else interval,
        retry_timeout=defaults.retry_timeout if retry is None else retry,
    )


def _process(
    check: Checker, name: str, table: object, settings: Settings, root: Path
) -> ProcessConfig | None:
    prefix = f"processes.{name}"
    if not PROCESS_NAME.match(name):
        check.add(prefix, "process names use letters, digits, '.', '_' and '-' (at most 32)")
    if not isinstance(table, dict):
        check.add(prefix, f"must be a table, not {describe(table)}")
        return None
    check.unknown_keys(table, PROCESS_KEYS, prefix)
    before = len(check.problems)

    command = _command(check, table, prefix)
    kind = check.choice(table, "kind", f"{prefix}.kind", ProcessKind, _default("kind", ProcessKind))
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
        table,
        "restart",
        f"{prefix}.restart",
        RestartPolicy,
        _default("restart", RestartPolicy),
        "policy",
    )
    env = _env(check, table, prefix)
    cwd_text = check.path(table, "cwd", f"{prefix}.cwd")
    cwd = (root / cwd_text).resolve() if cwd_text is not None else root
    if cwd_text is not None:
        problem = _unusable_folder(cwd, missing_ok=False)
        if problem is not None:
            check.add(f"{prefix}.cwd", f"folder {_shown(cwd)} {problem}")
    ready_timeout = check.number(
        table, "ready_timeout", f"{prefix}.ready_timeout", 0, MAX_SECONDS, strict=True
    )
    retry_timeout = check.number(
        table, "retry_timeout", f"{prefix}.retry_timeout", 0, MAX_SECONDS, strict=True
    )
    if "retry_timeout" in table and kind is not ProcessKind.CONVEX:
        check.add(f"{prefix}.retry_timeout", "applies to kind = 'convex' only")
    grace = check.number(table, "shutdown_grace", f"{prefix}.shutdown_grace", 0, MAX_GRACE)
    warn_mb = check.number(
        table, "memory_warn_mb", f"{prefix}.memory_warn_mb", 0, MAX_MEMORY_MB, strict=True
    )
    limit_mb = check.number(
        table, "memory_limit_mb", f"{prefix}.memory_limit_mb", 0, MAX_MEMORY_MB, strict=True
    )
    if warn_mb is not None and limit_mb is not None and warn_mb >= limit_mb:
        check.add(
            f"{prefix}.memory_warn_mb",
            f"must be below memory_limit_mb ({limit_mb:g}), not {warn_mb:g}",
        )
    on_oom = check.choice(
        table, "on_oom", f"{prefix}.on_oom", OomPolicy, _default("on_oom", OomPolicy), "policy"
    )
    depends = check.string_list(table, "depends_on", f"{prefix}.depends_on") or []
    port = check.number(table, "port", f"{prefix}.port", 1, 65535, integer=True)
    fallback = check.boolean(table, "port_fallback", f"{prefix}.port_fallback")

    if len(check.problems) > before or command is None:
        return None
    return ProcessConfig(
        name=name,
        command=tuple(command),
        kind=kind,
        ready=ready,
        ready_streams=frozenset(cast(list[Stream], streams)) if streams else frozenset(STREAMS),
        ready_timeout=settings.ready_timeout if ready_timeout is None else ready_timeout,
        retry_timeout=min(
            settings.retry_timeout if retry_timeout is None else retry_timeout,
            settings.ready_timeout if ready_timeout is None else ready_timeout,
        ),
        depends_on=tuple(depends),
        env=env,
        cwd=cwd,
        url=url,
        restart=restart,
        shutdown_grace=settings.shutdown_grace if grace is None else grace,
        memory_warn_mb=warn_mb,
        memory_limit_mb=limit_mb,
        on_oom=on_oom,
        port=int(port) if port is not None else _default_port(kind, tuple(command), cwd),
        port_fallback=bool(fallback),
    )


def _default_port(kind: ProcessKind, command: tuple[str, ...], cwd: Path) -> int | None:
    """Vite's port, for a process that runs the real Vite; else none is known."""
    if kind is ProcessKind.VITE and runs_vite(command, cwd):
        return vite_port(command, cwd)
    return None


def _default(key: str, kind: type[ChoiceT]) -> ChoiceT:
    """`ProcessConfig`'s default for `key` (one declaration, in the model)."""
    value = PROCESS_DEFAULTS[key]
    assert isinstance(value, kind)
    return value


def _command(check: Checker, table: dict[str, object], prefix: str) -> list[str] | None:
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
        check.add(key, f"must be a string or a list of strings, not {describe(value)}")
        return None
    if not argv or not argv[0]:
        check.add(key, "is empty")
        return None
    if any("\0" in arg for arg in argv):
        check.add(key, "holds a NUL character, which no program argument can")
        return None
    return argv


def _env(check: Checker, table: dict[str, object], prefix: str) -> tuple[tuple[str, str], ...]:
    if "env" not in table:
        return ()
    value = table["env"]
    if not isinstance(value, dict):
        check.add(f"{prefix}.env", f"must be a table of NAME = value, not {describe(value)}")
        return ()
    pairs: list[tuple[str, str]] = []
    for name, item in value.items():
        if not ENV_NAME.match(name):
            check.add(
                f"{prefix}.env",
                f"{name!r} is not a usable variable name (it must not be empty or hold '=')",
            )
            continue
        if isinstance(item, bool):
            text = "1" if item else "0"
        elif isinstance(item, float) and not math.isfinite(item):
            check.add(f"{prefix}.env.{name}", f"must be a finite number or a string, not {item}")
            continue
        elif isinstance(item, str | int | float):
            text = str(item)
        else:
            check.add(f"{prefix}.env.{name}", f"must be a string or number, not {describe(item)}")
            continue
        if "\0" in text:
            check.add(f"{prefix}.env.{name}", "holds a NUL character, which no variable can")
            continue
        pairs.append((name, text))
    return tuple(pairs)


def _check_dependencies(
    check: Checker, raw: dict[str, object], processes: dict[str, ProcessConfig]
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
