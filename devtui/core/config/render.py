"""Print a resolved `Config` back as TOML (`devtui config`).

Invariant: the output, saved as devtui.toml, loads back to an equal configuration.
"""

from __future__ import annotations

import json
import re
import textwrap

from devtui.core.config.model import KIND_DEFAULT_READY, Config, ProcessConfig, ProcessKind


def toml_string(value: str) -> str:
    """A TOML string: a literal '…' string when possible (regexes read naturally), else basic."""
    if "'" not in value and "\n" not in value and not re.search(r"[\x00-\x1f\x7f]", value):
        return f"'{value}'"
    return json.dumps(value, ensure_ascii=False)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def render_config(config: Config) -> str:
    """The resolved configuration as TOML, with a header saying where it came from."""
    lines = [f"# resolved from: {config.origin}", f"# project root: {config.root}", ""]
    s = config.settings
    lines += [
        "[settings]",
        f"ready_timeout = {_number(s.ready_timeout)}",
        f"shutdown_grace = {_number(s.shutdown_grace)}",
        f"log_dir = {toml_string(s.log_dir)}",
        f"keep_logs = {s.keep_logs}",
        f"scrollback = {s.scrollback}",
        f"functions_dir = {toml_string(s.functions_dir)}",
        f"lint = {'true' if s.lint else 'false'}",
        f"memory_interval = {_number(s.memory_interval)}",
        f"retry_timeout = {_number(s.retry_timeout)}",
    ]
    for process in config.processes.values():
        lines += ["", *_process_lines(process, config)]
    lines += ["", _rules_comment(config)]
    for table in config.rule_tables:
        lines += ["", "[[rules]]"]
        lines += [f"{key} = {toml_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def toml_value(value: object) -> str:
    """Any value parsed from TOML, written back as TOML (inline tables and arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + pairs + " }" if pairs else "{}"
    return toml_string(str(value))


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _rules_comment(config: Config) -> str:
    own = {str(table.get("id")) for table in config.rule_tables}
    builtin = [rule.id for rule in config.rules if rule.id not in own]
    text = f"problem rules: {len(config.rules)} in effect"
    if builtin:
        text += f"; built-in: {', '.join(builtin)}"
    return "\n".join(
        textwrap.wrap(
            text, 98, initial_indent="# ", subsequent_indent="#   ", break_on_hyphens=False
        )
    )


def _process_lines(process: ProcessConfig, config: Config) -> list[str]:
    command = ", ".join(toml_string(part) for part in process.command)
    lines = [
        f"[processes.{process.name}]",
        f"command = [{command}]",
        f"kind = {toml_string(process.kind.value)}",
    ]
    if process.ready is not None:
        lines.append(f"ready = {toml_string(process.ready.pattern)}")
    elif KIND_DEFAULT_READY[process.kind] is not None:
        lines.append("ready = ''  # empty: ready as soon as started")
    streams = ", ".join(toml_string(s) for s in sorted(process.ready_streams, reverse=True))
    lines.append(f"ready_streams = [{streams}]")
    lines.append(f"ready_timeout = {_number(process.ready_timeout)}")
    if process.kind is ProcessKind.CONVEX:
        lines.append(f"retry_timeout = {_number(process.retry_timeout)}")
    if process.depends_on:
        lines.append(f"depends_on = [{', '.join(toml_string(d) for d in process.depends_on)}]")
    if process.env:
        pairs = ", ".join(f"{name} = {toml_string(value)}" for name, value in process.env)
        lines.append(f"env = {{ {pairs} }}")
    if process.cwd != config.root:
        lines.append(f"cwd = {toml_string(str(process.cwd))}")
    if process.url is not None:
        lines.append(f"url = {toml_string(process.url.pattern)}")
    lines.append(f"restart = {toml_string(process.restart.value)}")
    lines.append(f"shutdown_grace = {_number(process.shutdown_grace)}")
    for key in ("memory_warn_mb", "memory_limit_mb"):
        value = getattr(process, key)
        if value is not None:
            lines.append(f"{key} = {_number(value)}")
    lines.append(f"on_oom = {toml_string(process.on_oom.value)}")
    if process.port is not None:
        lines.append(f"port = {process.port}")
        lines.append(f"port_fallback = {'true' if process.port_fallback else 'false'}")
    return lines
