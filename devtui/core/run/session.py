"""One run of the stack: the supervisor plus its session log, set up and torn down the
same way for the TUI and the headless front ends.

Invariant: `close()` always shuts the supervisor down before closing the bus, so every
event (including the last states) reaches every subscriber and the session log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from devtui import __version__
from devtui.core.bus import EventBus
from devtui.core.config.executables import missing_executables
from devtui.core.config.model import Config
from devtui.core.problems.book import Problem
from devtui.core.problems.sightings import report_sighting
from devtui.core.run.supervisor import Supervisor
from devtui.core.sessionlog.log import SessionLog

if TYPE_CHECKING:
    from devtui.core.control.place import ProjectClaim
    from devtui.core.control.server import ControlServer
    from devtui.core.lint.live import LiveLint

INTERACTIVE_READ_SIZE: Final = 64 * 1024
"""Bytes per pipe read when a TUI is attached (measured: 256 KiB reads made key presses
wait ~3x longer during a flood; 16 KiB cut throughput fivefold)."""


class RunSession:
    """Owns a `Supervisor` and the session-log writer for one run."""

    def __init__(
        self,
        config: Config,
        *,
        bus: EventBus | None = None,
        interactive: bool = False,
        claim: ProjectClaim | None = None,
    ) -> None:
        """Args:
        config: What to run.
        bus: The event bus (a new one by default).
        interactive: A TUI is watching: read output in smaller slices so key presses get
            their turn during a flood (headless runs read in big slices, for throughput).
        claim: This devtui's claim on the project: with it, `serve_control` opens the
            project's control socket.
        """
        self.config = config
        self.claim = claim
        self.control: ControlServer | None = None
        """The control endpoint, once `serve_control` opened it."""
        self.supervisor = Supervisor(
            config, bus=bus, read_size=INTERACTIVE_READ_SIZE if interactive else None
        )
        """Start, stop and observe the processes through this."""
        self.live_lint: LiveLint | None = None
        """Lints the Convex functions folder at start and on changes (when it exists)."""
        if config.lints:
            # Imported here: only a stack that lints pays for watchfiles and the JS lexer
            # (about 50 ms of startup before the first child could be spawned).
            from devtui.core.lint.live import LiveLint

            self.live_lint = LiveLint(
                config.functions_path,
                config.root,
                self.supervisor.bus,
                self.supervisor.problems,
                self.supervisor.clock,
                {rule.id: rule for rule in config.rules},
            )
        self.log: SessionLog | None = None
        """The session log, once `open()` created it (None when keep_logs = 0 or it failed)."""
        self.warnings: list[str] = list(config.warnings)
        """Things the user should know that did not stop the run (e.g. no session log)."""
        self._writer: asyncio.Task[None] | None = None
        self.preflight: list[Problem] = []
        """Problems found before any child starts (packages not installed), reported at
        `start()` so every front end and the session log get them like any other."""

    @property
    def bus(self) -> EventBus:
        """The supervisor's event bus."""
        return self.supervisor.bus

    def check_executables(self) -> None:
        """Raise `ExecutableNotFound` for the first process whose executable is missing."""
        missing = missing_executables(self.config)
        if missing:
            raise missing[0]

    async def open(self, on_log_error: Callable[[str], None] | None = None) -> None:
        """Create the session log and start writing to it."""
        if self.config.settings.keep_logs <= 0:
            return
        secrets = self.supervisor.secrets
        header: dict[str, object] = {
            "devtui": __version__,
            "cwd": str(self.config.root),
            "origin": self.config.origin,
            "processes": [
                {
                    "name": p.name,
                    "kind": p.kind.value,
                    "command": self.supervisor.redactor.redact(p.command_text),
                    "depends_on": list(p.depends_on),
                }
                for p in self.config.processes.values()
            ],
        }
        try:
            self.log = await SessionLog.create(
                self.config.log_dir,
                self.config.settings.keep_logs,
                secrets,
                header,
                notes=self.warnings,
            )
        except OSError as error:
            self.warnings.append(
                f"no session log: cannot write to {self.config.log_dir}: {error.strerror or error}"
            )
            return
        subscription = self.bus.subscribe("session-log")
        self._writer = asyncio.create_task(self.log.consume(subscription, on_log_error))

    async def serve_control(
        self, on_stop: Callable[[str], None], on_note: Callable[[str], None] | None = None
    ) -> None:
        """Open the project's control socket (with a claim; call after `open()`).

        Args:
            on_stop: Asks the front end to stop the stack, as its quit key would (the
                reason in words).
            on_note: Told of refused clients, once per kind.
        """
        if self.claim is None:
            return
        from devtui.core.control.server import ControlServer  # only a claimed run pays

        server = ControlServer(self, self.claim, on_stop, on_note)
        try:
            await server.start()
        except OSError as error:
            self.warnings.append(
                f"no control socket (devtui status/logs cannot reach this run): {error}"
            )
            return
        self.control = server

    async def start(self) -> None:
        """Start live lint and the processes (call after `open()`)."""
        for problem in self.preflight:
            report_sighting(self.supervisor.problems, self.bus, problem)
        if self.live_lint is not None:
            self.live_lint.start()
        await self.supervisor.start()

    async def close(self, exit_code: int | None, reason: str = "shutting down") -> None:
        """Shut the stack down, let every subscriber drain, and close the session log."""
        if self.live_lint is not None:
            await self.live_lint.stop()
        await self.supervisor.shutdown(reason)
        self.bus.close()
        if self._writer is not None:
            await self._writer
        if self.control is not None:
            await self.control.close()
        if self.log is not None:
            await self.log.close(exit_code)
            if self.log.error is not None and self.log.error not in self.warnings:
                self.warnings.append(self.log.error)
