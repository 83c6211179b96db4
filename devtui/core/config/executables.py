"""Check, before anything starts, that every process's executable exists.

Invariant: a missing executable is reported for the process and command it belongs to,
never discovered as a traceback halfway through a start.
"""

from __future__ import annotations

import os
import shutil

from devtui.core.config.model import Config, ProcessConfig
from devtui.errors import ExecutableNotFound


def process_environment(
    process: ProcessConfig, base: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment a process runs with: devtui's own, plus FORCE_COLOR=1 so colours
    survive the pipe (unless set already), plus the process's `env` table."""
    env = dict(os.environ if base is None else base)
    env.setdefault("FORCE_COLOR", "1")
    env.update(process.env)
    return env


def missing_executable(process: ProcessConfig) -> ExecutableNotFound | None:
    """The error for `process` if its executable cannot be run, else None."""
    program = process.command[0]
    if "/" in program:
        path = process.cwd / program
        if path.is_file() and os.access(path, os.X_OK):
            return None
        where = "(not a file)" if not path.is_file() else "(not executable)"
        return ExecutableNotFound(process.name, process.command_text, program, f"at {path} {where}")
    search_path = process_environment(process).get("PATH", os.defpath)
    if shutil.which(program, path=search_path) is not None:
        return None
    return ExecutableNotFound(process.name, process.command_text, program, "on PATH")


def missing_executables(config: Config) -> list[ExecutableNotFound]:
    """Every process whose executable is missing, in config order."""
    found = (missing_executable(p) for p in config.processes.values())
    return [error for error in found if error is not None]
