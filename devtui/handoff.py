"""The first `convex dev` of a project with no deployment, run in the foreground with the
real terminal, so the CLI can ask its first-run questions (log in, choose or create a
project), as the official template's `predev` does: before the dashboard opens, or (when
the packages had to be installed first) with the dashboard suspended after the install.

Invariant: the command is the user's own `convex dev` with `--once`; devtui only waits (a
Ctrl-C is the CLI's while it owns the terminal) and reports how it ended.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from typing import TextIO

from devtui.core.config.model import ProcessConfig
from devtui.core.run.preflight import first_run_command
from devtui.errors import ExitCode


def intro(process: ProcessConfig, dashboard: str = "opens") -> str:
    """What devtui says before handing the terminal over (the dashboard then `opens`, or
    `comes back` when it was suspended for this)."""
    shown = " ".join(first_run_command(process))
    return (
        f"devtui: no Convex deployment is configured for {process.cwd} yet (or this machine "
        "is not logged in to it).\n"
        f"devtui: running `{shown}` here first, so it can ask its first-run questions "
        f"(as the Convex template's predev does); the dashboard {dashboard} when it is "
        "done.\n\n"
    )


def _environment(process: ProcessConfig) -> dict[str, str]:
    """What the CLI runs with: devtui's environment and the process's own variables."""
    return {**os.environ, **dict(process.env)}


def _cannot_run(process: ProcessConfig, error: OSError) -> str:
    return f"devtui: cannot run {process.command[0]}: {error.strerror or error}\n"


def outcome(process: ProcessConfig, code: int) -> tuple[int, str]:
    """(devtui's exit code, what to say) after the first `convex dev` ended with `code`."""
    shown = " ".join(first_run_command(process))
    if code == 0:
        return 0, f"\ndevtui: `{shown}` succeeded; starting the stack.\n"
    if code in (-signal.SIGINT, 128 + signal.SIGINT):
        return ExitCode.INTERRUPTED, "\ndevtui: the first `convex dev` was interrupted.\n"
    return ExitCode.PROCESS_FAILED, (
        f"\ndevtui: `{shown}` exited with code {code}. Fix what it said (or set "
        "CONVEX_DEPLOYMENT in .env.local), then start it again.\n"
    )


def run_first_convex_dev(process: ProcessConfig, err: TextIO) -> int:
    """Run `process`'s `convex dev --once` on this terminal before the dashboard; returns
    0 when it succeeded, else the exit code devtui should end with (having said why)."""
    err.write(intro(process))
    err.flush()
    env = _environment(process)
    # While the CLI owns the terminal, Ctrl-C is for it; devtui only waits. A handler (not
    # SIG_IGN, which a child would inherit) keeps devtui alive to report the outcome.
    previous = signal.signal(signal.SIGINT, lambda *_: None)
    try:
        try:
            code = subprocess.call(first_run_command(process), cwd=process.cwd, env=env)
        except OSError as error:
            err.write(_cannot_run(process, error))
            return ExitCode.USAGE
    finally:
        signal.signal(signal.SIGINT, previous)
    exit_code, said = outcome(process, code)
    err.write(said + ("" if code == 0 else "devtui: the dashboard was not opened.\n"))
    return exit_code


async def run_first_convex_dev_async(process: ProcessConfig, err: TextIO) -> int:
    """The same, from inside the dashboard (suspended by the caller): the event loop goes
    on while the CLI has the terminal. Returns the CLI's exit code."""
    err.write(intro(process, dashboard="comes back"))
    err.flush()
    try:
        child = await asyncio.create_subprocess_exec(
            *first_run_command(process), cwd=process.cwd, env=_environment(process)
        )
    except OSError as error:
        err.write(_cannot_run(process, error))
        return 127
    code = await child.wait()
    err.write(outcome(process, code)[1])
    err.flush()
    return code
