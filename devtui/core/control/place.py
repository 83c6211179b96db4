"""Where a project's running devtui can be reached, and the claim that only one runs.

Invariant: a project (the folder holding its config, or the detected app) has at most one
running devtui. It holds an exclusive `flock` on `.devtui/instance.lock` for its whole
life, and `.devtui/instance.json` says who it is (pid, since when, which front end). The
lock, not the files, is the truth: the kernel drops it when the process dies however it
died, so a socket or record left by a killed devtui is recognised as stale (the lock is
free) and replaced. The socket is owner-only inside the owner-only `.devtui/`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from devtui.core.sessionlog.log import DEVTUI_FOLDER, private_folder

SOCKET_NAME: Final = "control.sock"
LOCK_NAME: Final = "instance.lock"
RECORD_NAME: Final = "instance.json"
UNIX_PATH_MAX: Final = 100
"""Longer socket paths are reached through the folder's descriptor (the kernel takes 107
bytes at most)."""


def devtui_folder(root: Path) -> Path:
    """The project's `.devtui/` folder."""
    return root / DEVTUI_FOLDER


def socket_path(root: Path) -> Path:
    """The control socket of the devtui running in `root`."""
    return devtui_folder(root) / SOCKET_NAME


@dataclass(frozen=True, slots=True)
class Instance:
    """Who runs in a project, as its `instance.json` says."""

    pid: int
    started: float
    front_end: str
    root: str
    config: str

    def as_record(self) -> dict[str, object]:
        return {
            "pid": self.pid,
            "started": self.started,
            "front_end": self.front_end,
            "root": self.root,
            "config": self.config,
        }


class AlreadyRunning(Exception):
    """Another devtui holds the project; `instance` says who (None: it has not said yet)."""

    def __init__(self, root: Path, instance: Instance | None) -> None:
        super().__init__(f"a devtui already runs in {root}")
        self.root = root
        self.instance = instance


class ProjectClaim:
    """This process's claim on a project: the lock, the record and the socket's place."""

    def __init__(self, root: Path, instance: Instance) -> None:
        self.root = root
        self.instance = instance
        self._lock_fd: int | None = None

    def take(self) -> None:
        """Claim the project, or raise `AlreadyRunning`. A stale socket is removed."""
        folder = devtui_folder(self.root)
        private_folder(folder)
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(self.root, read_instance(self.root)) from None
        self._lock_fd = fd
        with contextlib.suppress(FileNotFoundError):
            socket_path(self.root).unlink()  # left by a devtui that was killed
        record = folder / RECORD_NAME
        draft = folder / f".{RECORD_NAME}.{os.getpid()}"
        draft.write_text(json.dumps(self.instance.as_record()))
        os.chmod(draft, 0o600)
        draft.replace(record)

    def release(self) -> None:
        """Give the project up (the socket and record go; the lock file stays, harmless)."""
        if self._lock_fd is None:
            return
        for name in (SOCKET_NAME, RECORD_NAME):
            with contextlib.suppress(OSError):
                (devtui_folder(self.root) / name).unlink()
        os.close(self._lock_fd)
        self._lock_fd = None


def read_instance(root: Path) -> Instance | None:
    """What `root`'s `instance.json` says, if it says it whole."""
    try:
        data = json.loads((devtui_folder(root) / RECORD_NAME).read_text())
        return Instance(
            int(data["pid"]),
            float(data["started"]),
            str(data["front_end"]),
            str(data["root"]),
            str(data["config"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_claimed(root: Path) -> bool:
    """Whether a live devtui holds `root` (its lock is taken)."""
    try:
        fd = os.open(devtui_folder(root) / LOCK_NAME, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@contextlib.contextmanager
def reachable_path(path: Path) -> Iterator[str]:
    """A path for `bind`/`connect` to `path`, however deep it is: the folder's descriptor
    under /proc stands in for a folder path the kernel would find too long."""
    text = str(path)
    if len(os.fsencode(text)) <= UNIX_PATH_MAX:
        yield text
        return
    fd = os.open(path.parent, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        yield f"/proc/self/fd/{fd}/{path.name}"
    finally:
        os.close(fd)


def connect(path: Path, timeout: float) -> socket.socket:
    """A connected stream socket to `path` (raises OSError as `connect` does)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        with reachable_path(path) as where:
            sock.connect(where)
    except BaseException:
        sock.close()
        raise
    return sock
