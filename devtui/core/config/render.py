"""Print a resolved `Config` back as TOML (`devtui config`).

Invariant: the output, saved as devtui.toml, loads back to an equal configuration.
"""

from __future__ import annotations

import json
import re

from devtui.core.config.model import KIND_DEFAULT_READY, Config, ProcessConfig


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
    ]
    for process in config.processes.values():
        lines += ["", *_process_lines(process, config)]
    return "\n".join(lines) + "\n"


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
    return lines
