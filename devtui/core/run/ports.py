"""Who holds a port a process is about to ask for.

Invariant: a port is held when something accepts connections on it (IPv4 or IPv6
loopback); the holder is then named as far as the system lets us see it (pid, command,
folder, whose). Checking costs two refused connects when the port is free; the slower
socket table walk happens only when it is not.
"""

from __future__ import annotations

import contextlib
import os
import socket
from dataclasses import dataclass
from typing import Final

import psutil

from devtui.core.config.model import ProcessConfig
from devtui.core.problems.book import Problem, Severity, fingerprint

PORT_RULE: Final = "port-in-use"
CONNECT_TIMEOUT_S: Final = 0.05
"""A loopback connect answers at once (refused or accepted); only a full backlog waits."""
_DEV_SERVER_WORDS: Final = ("vite", "next", "webpack", "astro", "remix", "nuxt", "svelte")


@dataclass(frozen=True, slots=True)
class PortHolder:
    """A process listening on a port, as far as it can be seen."""

    port: int
    pid: int | None
    """None: another user's process (the system does not say whose)."""
    command: str = ""
    cwd: str = ""
    own: bool = False
    """It runs as this user (devtui could stop it)."""
    started: float | None = None

    @property
    def is_dev_server(self) -> bool:
        """A leftover dev server of this user (the kind the TUI offers to stop)."""
        text = self.command.lower()
        return self.own and any(word in text for word in _DEV_SERVER_WORDS)

    def describe(self) -> str:
        """`pid 1234 (node …/vite) in /home/me/other-app`."""
        if self.pid is None:
            return "a process of another user"
        command = self.command if len(self.command) <= 80 else self.command[:79] + "…"
        where = f" in {self.cwd}" if self.cwd else ""
        return f"pid {self.pid} ({command}){where}"


def is_listening(port: int) -> bool:
    """Whether anything accepts connections on `port` on this machine's loopback."""
    for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(CONNECT_TIMEOUT_S)
            if probe.connect_ex((address, port)) == 0:
                return True
    return False


def port_holder(port: int) -> PortHolder | None:
    """Who listens on `port`, or None when nothing does."""
    if not is_listening(port):
        return None
    pid = None
    with contextlib.suppress(psutil.Error, OSError):
        for connection in psutil.net_connections(kind="inet"):
            address = connection.laddr
            if connection.status == psutil.CONN_LISTEN and address and address.port == port:
                pid = connection.pid
                if pid is not None:
                    break
    if pid is None:
        return PortHolder(port, None)
    try:
        process = psutil.Process(pid)
        with process.oneshot():
            command = " ".join(" ".join(process.cmdline()).split()) or process.name()
            own = process.uids().real == os.getuid()
            started = process.create_time()
            cwd = ""
            with contextlib.suppress(psutil.Error):
                cwd = process.cwd()
    except psutil.Error:
        return PortHolder(port, pid)
    return PortHolder(port, pid, command, cwd, own, started)


def port_problem(process: ProcessConfig, holder: PortHolder, at: float) -> Problem:
    """The problem a held port is, for `process` which asks for it."""
    fallback = (
        "Vite would quietly take another port (and the URL you opened would show the old app)"
        if process.kind.value == "vite"
        else "it may fail to start or take another port"
    )
    return Problem(
        rule=PORT_RULE,
        severity=Severity.ERROR if not process.port_fallback else Severity.WARNING,
        title=f"Port {holder.port} is taken",
        message=f"port {holder.port} is held by {holder.describe()}",
        process=process.name,
        fingerprint=fingerprint(PORT_RULE, [process.name, str(holder.port)]),
        first_seen=at,
        last_seen=at,
        explanation=f"Another process listens on port {holder.port}: {fallback}.",
        fix=(
            f"Stop it (`kill {holder.pid}`"
            + (", or let devtui stop it when it asks" if holder.is_dev_server else "")
            + ")"
            if holder.pid is not None
            else "Stop it (it belongs to another user)"
        )
        + (
            f", or set `port_fallback = true` for {process.name} to accept another port."
            if not process.port_fallback
            else f" ({process.name} takes another port meanwhile: port_fallback = true)."
        ),
        sources=("output",),
    )


def held_ports(processes: list[ProcessConfig]) -> list[tuple[ProcessConfig, PortHolder]]:
    """Each process with a known port that something already holds, with its holder."""
    held = []
    for process in processes:
        if process.port is not None:
            holder = port_holder(process.port)
            if holder is not None:
                held.append((process, holder))
    return held


def stop_holder(holder: PortHolder, grace: float = 3.0) -> str:
    """Stop a leftover dev server the user agreed to stop: SIGTERM, then SIGKILL after
    `grace`; only while it is the process that was found (its start time checked).
    Returns what happened, in words."""
    if holder.pid is None or not holder.own:
        return f"not stopped: {holder.describe()} is not yours"
    try:
        process = psutil.Process(holder.pid)
        if holder.started is not None and process.create_time() != holder.started:
            return f"pid {holder.pid} already ended (another process has its number now)"
        family = [*process.children(recursive=True), process]
        for member in family:
            with contextlib.suppress(psutil.Error):
                member.terminate()
        _, alive = psutil.wait_procs(family, timeout=grace)
        for member in alive:
            with contextlib.suppress(psutil.Error):
                member.kill()
        psutil.wait_procs(alive, timeout=grace)
    except psutil.NoSuchProcess:
        return f"pid {holder.pid} had already ended"
    except psutil.Error as error:
        return f"could not stop pid {holder.pid}: {error}"
    how = "SIGKILL" if alive else "SIGTERM"
    return f"stopped pid {holder.pid} ({how}); port {holder.port} is free"
