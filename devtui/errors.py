"""Exit codes and the error types that map onto them.

Every way devtui can end has one documented exit code (README, "Exit codes"); the
CLI turns a `DevtuiError` into its code and a one-line message, never a traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """devtui's documented exit codes."""

    OK = 0
    """Everything ready (ci), clean shutdown (up), clean lint."""
    PROCESS_FAILED = 1
    """A process exited or crashed before it was ready, or a required process died."""
    USAGE = 2
    """Bad arguments, missing or invalid config, executable not found."""
    READY_TIMEOUT = 3
    """Readiness did not come within the timeout."""
    PROBLEM = 4
    """An error-severity problem (failed push, runtime violation, OOM) made `ci` fail fast."""
    HANGUP = 129
    """SIGHUP received (terminal closed); children were shut down cleanly."""
    BROKEN_PIPE = 141
    """Headless stdout was closed (`devtui up | head`); children were shut down cleanly."""
    INTERRUPTED = 130
    """SIGINT received; children were shut down cleanly."""
    TERMINATED = 143
    """SIGTERM received; children were shut down cleanly."""


class DevtuiError(Exception):
    """An error the user can act on; carries the exit code the CLI should return."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(DevtuiError):
    """Bad arguments or an unusable environment (exit 2)."""


class ExecutableNotFound(DevtuiError):
    """A process's executable is missing (exit 2); names the process and the command."""

    def __init__(self, process: str, command: str, executable: str, where: str) -> None:
        super().__init__(
            f"process '{process}': executable '{executable}' not found {where} (command: {command})"
        )
        self.process = process
        self.command = command
        self.executable = executable
