"""The first `convex dev` of a project with no deployment, run in the foreground with the
real terminal before the dashboard opens, so the CLI can ask its first-run questions (log
in, choose or create a project), as the official template's `predev` does.

Invariant: the command is the user's own `convex dev` with `--once`; devtui only waits
(a Ctrl-C reaches the CLI, which owns the terminal meanwhile) and reports how it ended.
"""

from __future__ import annotations

import os
import signal
import subprocess
from typing import TextIO

from devtui.core.config.model import ProcessConfig
from devtui.core.preflight import first_run_command
from devtui.errors import ExitCode


def run_first_convex_dev(process: ProcessConfig, err: TextIO) -> int:
    """Run `process`'s `convex dev --once` on this terminal; returns 0 when it succeeded,
    else the exit code devtui should end with (having said why)."""
    command = first_run_command(process)
    shown = " ".join(command)
    err.write(
        f"devtui: no Convex deployment is configured for {process.cwd} yet.\n"
        f"devtui: running `{shown}` here first, so it can ask its first-run questions "
        "(as the Convex template's predev does); the dashboard opens when it is done.\n\n"
    )
    err.flush()
    env = {**os.environ, **dict(process.env)}
    # While the CLI owns the terminal, Ctrl-C is for it; devtui only waits. A handler (not
    # SIG_IGN, which a child would inherit) keeps devtui alive to report the outcome.
    previous = signal.signal(signal.SIGINT, lambda *_: None)
    try:
        try:
            code = subprocess.call(command, cwd=process.cwd, env=env)
        except OSError as error:
            err.write(f"devtui: cannot run `{shown}`: {error.strerror or error}\n")
            return ExitCode.USAGE
    finally:
        signal.signal(signal.SIGINT, previous)
    if code == 0:
        err.write(f"\ndevtui: `{shown}` succeeded; starting the stack.\n")
        return 0
    if code in (-signal.SIGINT, 130):
        err.write("\ndevtui: the first `convex dev` was interrupted; no dashboard was opened.\n")
        return ExitCode.INTERRUPTED
    err.write(
        f"\ndevtui: `{shown}` exited with code {code}; the dashboard was not opened. Fix what "
        "it said (or set CONVEX_DEPLOYMENT in .env.local), then run devtui again.\n"
    )
    return ExitCode.PROCESS_FAILED
