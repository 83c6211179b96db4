"""The stack the MCP server talks to: found where a devtui runs, or (`--start`) started
headless by the MCP server itself and stopped when the session ends.

Invariant: the started devtui never writes on the MCP server's stdout (the MCP channel) nor
reads its stdin; it is stopped (SIGTERM, then devtui's "now" on a second SIGTERM, SIGKILL
last) when the session ends; and on Linux it is also told to stop (SIGTERM, through
`PR_SET_PDEATHSIG`) if the MCP server dies without stopping it, so no run outlives the
session however it ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from devtui.core.config import discover
from devtui.core.control.client import ANSWER_TIMEOUT_S, ControlClient, NotRunning, find_project
from devtui.core.control.place import connect, devtui_folder, socket_path
from devtui.core.redact import Redactor, secret_values
from devtui.core.sessionlog.log import private_folder
from devtui.core.terminal_text import visible_controls
from devtui.errors import DevtuiError

LOG_NAME: Final = "mcp-up.log"
"""The started devtui's own output, in the project's `.devtui/`."""
START_TIMEOUT_S: Final = 60.0
"""How long a started devtui may take to open its control socket."""
STOP_GRACE_S: Final = 30.0
"""How long a started devtui may take to stop its stack in order after SIGTERM."""
NOW_GRACE_S: Final = 10.0
"""After that, a second SIGTERM (devtui's "stop now": every group killed) and this long."""
POLL_S: Final = 0.1

# Runs before devtui in the started child: the kernel sends it SIGTERM when its parent
# (this MCP server) dies, however it dies; the setting survives the exec. A parent that
# died before the prctl is seen by the parent-pid check.
_ORPHAN_GUARD: Final = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    raise SystemExit(143)\n"
    "os.execv(sys.executable, [sys.executable, '-m', 'devtui', *sys.argv[2:]])\n"
)


@dataclass(frozen=True, slots=True)
class StackOptions:
    """What `devtui mcp` was told."""

    directory: Path
    """Where to look for a running devtui (and its parents), and where `--start` runs one."""
    config: Path | None = None
    start: bool = False


class StackUnavailable(Exception):
    """No devtui to talk to; the message says where it looked and what to do."""


def not_running_text(error: NotRunning, options: StackOptions) -> str:
    """What a tool answers when no devtui runs: where it looked, and how to start one."""
    config = f" --config {options.config}" if options.config is not None else ""
    return (
        f"{error}. Start the stack in a terminal with `devtui up{config}` in "
        f"{options.directory}, or run this MCP server as `devtui mcp --start` so that it "
        "starts the stack itself (headless) and stops it when the session ends."
    )


class Stack:
    """The devtui this MCP session talks to, and the one it started, if it did."""

    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.directory = options.directory.resolve()
        self.child: subprocess.Popen[bytes] | None = None
        self.child_log: Path | None = None
        self._log_file: IO[bytes] | None = None
        self._failure: str | None = None
        """Why the last start failed (said until a devtui runs)."""
        self._open: set[socket.socket] = set()
        """The connections of the requests under way (in worker threads)."""
        self._open_lock = threading.Lock()
        self._hung_up = False

    # -- finding -------------------------------------------------------------------------

    def fallbacks(self) -> tuple[Path, ...]:
        """Where else to look: the folder of the `--config` given (it may be elsewhere);
        without `--start`, then the demo's folder (as the CLI verbs do: `devtui demo` runs
        there). With `--start` the project is this one: a running demo is not it."""
        places: list[Path] = []
        config = self.options.config
        if config is not None:
            places.append((config if config.is_absolute() else self.directory / config).parent)
        if not self.options.start:
            from devtui.demo.project import default_demo_dir

            places.append(default_demo_dir())
        return tuple(dict.fromkeys(p.resolve() for p in places))

    def find(self) -> Path:
        """The root of the devtui that runs here (raises `NotRunning`)."""
        return find_project(self.directory, self.fallbacks())

    def request(
        self, op: str, args: Mapping[str, object], answer_timeout: float = ANSWER_TIMEOUT_S
    ) -> dict[str, object]:
        """One request to the running devtui, on a connection of its own (blocking: call it
        in a worker thread); `answer_timeout` bounds the wait for its answer.

        Raises:
            StackUnavailable: no devtui runs here.
            ControlError: devtui refused the request.
            ConnectionError: devtui went away or did not answer in time.
        """
        try:
            root = self.find()
        except NotRunning as error:
            raise StackUnavailable(self._unavailable(error)) from None
        try:
            sock = connect(socket_path(root), ANSWER_TIMEOUT_S)
        except OSError:
            missing = NotRunning(f"no devtui answers at {socket_path(root)}")
            raise StackUnavailable(self._unavailable(missing)) from None
        with self._open_lock:
            if self._hung_up:
                sock.close()
                raise StackUnavailable("the MCP session is ending")
            self._open.add(sock)
        try:
            with ControlClient(sock, root) as client:
                return client.ask(op, args, answer_timeout)
        finally:
            with self._open_lock:
                self._open.discard(sock)

    def hang_up(self) -> None:
        """End the requests under way and refuse new ones, as the session ends (a `wait`
        can block its thread for minutes): each one's read sees the connection closed and
        its thread returns."""
        with self._open_lock:
            self._hung_up = True  # a request still on its way is refused
            open_now = list(self._open)
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _unavailable(self, error: NotRunning) -> str:
        if self._failure is not None:
            return self._failure
        return not_running_text(error, self.options)

    # -- starting (--start) --------------------------------------------------------------

    def running(self) -> bool:
        """Whether the devtui this session started is still running."""
        return self.child is not None and self.child.poll() is None

    def spawn(self) -> None:
        """Start `devtui up --headless` here, its output to `.devtui/mcp-up.log` (call from
        the main thread: the orphan guard is tied to the thread that starts it).

        Raises:
            StackUnavailable: there is no stack to start here (no config, invalid config),
                or it cannot be started (its log cannot be written, no process).
        """
        try:
            config = discover(self.options.config, cwd=self.directory)
        except DevtuiError as error:
            self._failure = (
                f"no devtui is running here and devtui mcp --start cannot start one: {error}"
            )
            raise StackUnavailable(self._failure) from None
        folder = devtui_folder(config.root)
        self.child_log = folder / LOG_NAME
        self._close_log()
        try:
            private_folder(folder)
            self._log_file = open(self.child_log, "wb")  # noqa: SIM115 (the child's, kept)
            os.chmod(self.child_log, 0o600)
        except OSError as error:
            self._failure = f"devtui mcp --start cannot write {self.child_log}: {error}"
            raise StackUnavailable(self._failure) from None
        args = ["up", "--headless"]
        if self.options.config is not None:
            args += ["--config", str(config.source or self.options.config)]
        if sys.platform.startswith("linux"):
            argv = [sys.executable, "-c", _ORPHAN_GUARD, str(os.getpid()), *args]
        else:
            argv = [sys.executable, "-m", "devtui", *args]
        try:
            self.child = subprocess.Popen(
                argv,
                cwd=self.directory,
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # an MCP client's signal to our group is not devtui's
            )
        except OSError as error:
            self._close_log()
            self._failure = f"devtui mcp --start cannot start `devtui up --headless`: {error}"
            raise StackUnavailable(self._failure) from None
        self._failure = None

    def startup_failure(self) -> str | None:
        """Why the started devtui is gone before it answered (None while it runs)."""
        if self.child is None or self.child.poll() is None:
            return None
        tail = self.log_tail()
        said = f"; its output ({self.child_log}):\n{tail}" if tail else ""
        return (
            f"devtui mcp --start started `devtui up --headless` in {self.directory}, but it "
            f"exited with code {self.child.returncode} before it could be reached{said}"
        )

    def note_failure(self, text: str) -> None:
        self._failure = text

    def log_tail(self, lines: int = 20) -> str:
        """The last `lines` lines the started devtui wrote."""
        if self.child_log is None:
            return ""
        try:
            with open(self.child_log, "rb") as handle:
                handle.seek(max(0, os.fstat(handle.fileno()).st_size - 16_384))
                tail = deque(handle.read().decode(errors="replace").splitlines(), lines)
        except OSError:
            return ""
        # Child output, as the started devtui printed it: redacted (and made printable)
        # before it reaches the agent, like everything else devtui hands out.
        redactor = Redactor(secret_values(os.environ))
        return "\n".join(visible_controls(redactor.redact(line)) for line in tail)

    def stop(self) -> None:
        """Stop the devtui this session started, and wait until it has (blocking)."""
        child = self.child
        if child is None:
            return
        for sig, grace in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGTERM, NOW_GRACE_S)):
            if child.poll() is not None:
                break
            try:
                child.send_signal(sig)
            except ProcessLookupError:
                break
            try:
                child.wait(grace)
            except subprocess.TimeoutExpired:
                continue
        if child.poll() is None:
            child.kill()  # last resort: devtui ignored both SIGTERMs
            child.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def wait_for_socket(stack: Stack, timeout: float = START_TIMEOUT_S) -> Path:
    """Block until the devtui `stack` started answers (its socket is there and claimed).

    Raises:
        StackUnavailable: it exited first, or did not open its socket within `timeout`.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return stack.find()
        except NotRunning:
            pass
        failure = stack.startup_failure()
        if failure is not None:
            stack.note_failure(failure)
            raise StackUnavailable(failure)
        if time.monotonic() >= deadline:
            raise StackUnavailable(
                f"devtui mcp --start started `devtui up --headless` in {stack.directory}, but "
                f"its control socket did not appear within {timeout:g} s; its output is in "
                f"{stack.child_log}"
            )
        time.sleep(POLL_S)
