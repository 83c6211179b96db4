"""The session log: every output line, state change and problem of a run, as JSON lines.

Invariant: the log holds one record per output line, in order, with secrets redacted, in a
file only its owner can read (0600 in a 0700 folder, whatever the umask). A helper process
(`devtui.core.sessionlog.logwriter`) does the JSON encoding, redaction and writing on
another core; it writes to the file devtui created (the descriptor is handed over, never a
path reopened, so nothing can make it create the file again). The event loop only frames
each chunk of output (one C-level join) and writes it to the helper's pipe, whose pace
bounds memory. Rotation
deletes only devtui's own session logs (by name and first record), never one a running
devtui still writes (it holds a lock on its file), never anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import re
import stat
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Final

from devtui.core.bus import Subscription
from devtui.core.events import (
    Event,
    OutputLines,
)
from devtui.core.run.process import enlarge_pipe
from devtui.core.sessionlog.layout import json_line
from devtui.core.sessionlog.records import event_record

LOG_FORMAT_VERSION: Final = 2
"""2: one record per chunk of output (`lines_record`); 1: one per line (still read)."""
FILE_PREFIX: Final = "session-"
FILE_SUFFIX: Final = ".jsonl"
FILE_NAME: Final = re.compile(r"^session-\d{8}-\d{6}-\d+(?:-\d+)?\.jsonl$")
"""Exactly the names devtui gives its logs (`session-notes-mine.jsonl` is not one)."""
HEADER_START: Final = b'{"kind":"session"'
PRIVATE_DIR: Final = 0o700
PRIVATE_FILE: Final = 0o600
WRITER_FINISH_S: Final = 30.0
"""How long the writer may take to write what is left after devtui is done."""


class SessionLog:
    """One run's session log, written by a helper process; open with `SessionLog.create`."""

    def __init__(self, path: Path, writer: asyncio.subprocess.Process, lock_fd: int) -> None:
        self.path = path
        """The log file."""
        self._writer = writer
        self._lock_fd = lock_fd
        """devtui's own descriptor of the file, holding the lock that keeps rotation away."""
        self.error: str | None = None
        """Set when the log could not be written (disk full, writer died); later output is
        no longer logged, and the run goes on."""

    @classmethod
    async def create(
        cls,
        log_dir: Path,
        keep: int,
        secrets: list[str],
        header: dict[str, object],
        notes: list[str] | None = None,
    ) -> SessionLog:
        """Create a new owner-only log file in `log_dir`, delete logs beyond `keep`, and
        start the writer process.

        Args:
            log_dir: The folder (created, or tightened, to owner-only).
            keep: How many session logs to keep, this one included.
            secrets: Values to redact wherever they appear (sent over the pipe, never argv).
            header: Fields of the first record (`kind` = `session`).
            notes: Where to say that an existing folder was tightened.

        Raises:
            OSError: the folder or file cannot be created.
        """
        tightened = private_folder(log_dir)
        if tightened is not None and notes is not None:
            notes.append(
                f"made {log_dir} private (mode {PRIVATE_DIR:o}; it was {tightened:o}): "
                "session logs hold everything the processes printed"
            )
        path, fd = _create_file(log_dir)
        rotate(log_dir, keep)
        try:
            writer = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "devtui.core.sessionlog.logwriter",
                str(fd),
                str(path),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,  # a terminal's Ctrl-C must not cut the log short
                pass_fds=(fd,),
            )
        except OSError:
            os.close(fd)
            raise
        log = cls(path, writer, fd)
        if writer.stdin is not None:
            enlarge_pipe(writer.stdin.transport)  # absorbs bursts without stalling the loop
        record = {"kind": "session", "version": LOG_FORMAT_VERSION, "time": time.time(), **header}
        log._send([json_line({"secrets": secrets}), json_line({"r": record})])
        return log

    def _send(self, frames: list[bytes]) -> None:
        if self.error is not None or self._writer.stdin is None:
            return
        try:
            self._writer.stdin.write(b"".join(frames))
        except (BrokenPipeError, ConnectionResetError, RuntimeError):
            self.error = f"session log {self.path}: the writer process stopped"

    def send_events(self, events: list[Event]) -> None:
        """Hand a batch to the writer (a C-level join per chunk; no JSON here)."""
        frames: list[bytes] = []
        for event in events:
            if type(event) is OutputLines:
                payload = "\n".join(event.raws).encode("utf-8")
                frames.append(
                    json_line(
                        {
                            "p": event.process,
                            "s": event.stream,
                            "t": event.at,
                            "n": event.first_seq,
                            "c": len(event.raws),
                            "b": len(payload),
                        }
                    )
                    + payload
                )
            else:
                frames.append(json_line({"r": event_record(event)}))
        self._send(frames)

    async def consume(
        self, subscription: Subscription, on_error: Callable[[str], None] | None = None
    ) -> None:
        """Log every event of `subscription` until the bus closes."""
        async for batch in subscription.batches(max_items=5_000, max_delay=0.05):
            if self.error is not None:
                continue  # keep draining: a dead log must not stall the stack
            self.send_events(batch)
            try:
                assert self._writer.stdin is not None
                await self._writer.stdin.drain()  # the writer's pace bounds memory here
            except (BrokenPipeError, ConnectionResetError):
                self.error = f"session log {self.path}: the writer process stopped"
            if self.error is not None and on_error is not None:
                self.error = await self._writer_complaint()  # what the writer said, once
                on_error(self.error)
                on_error = None

    async def close(self, exit_code: int | None) -> None:
        """Write the end record, let the writer finish, and report any failure."""
        self._send([json_line({"r": {"kind": "end", "time": time.time(), "exit_code": exit_code}})])
        stdin = self._writer.stdin
        if stdin is not None:
            try:
                stdin.close()
                await stdin.wait_closed()
            except (BrokenPipeError, ConnectionResetError):
                pass
        try:
            code = await asyncio.wait_for(self._writer.wait(), WRITER_FINISH_S)
        except TimeoutError:
            self._writer.kill()
            code = await self._writer.wait()
        if code != 0 and self.error is None:
            self.error = await self._writer_complaint()
        os.close(self._lock_fd)  # the lock goes with it: rotation may take the file now

    async def _writer_complaint(self) -> str:
        """What the writer said on stderr, or a generic message."""
        if self._writer.stderr is None:
            return self.error or f"session log {self.path}: the writer process failed"
        try:
            said = await asyncio.wait_for(self._writer.stderr.read(4096), 1.0)
        except TimeoutError:
            said = b""
        text = said.decode(errors="replace").strip()
        return text or self.error or f"session log {self.path}: the writer process failed"


def private_folder(folder: Path) -> int | None:
    """Create `folder` (and its missing parents) owner-only, or tighten it to owner-only.

    Returns:
        The mode it had if an existing folder was opened to others, else None.
    """
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    for created in missing:
        os.chmod(created, PRIVATE_DIR)  # mkdir's mode is cut by the umask; parents get 0777
    _keep_out_of_git(folder)
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o077 and folder not in missing:
        os.chmod(folder, mode & PRIVATE_DIR)
        return mode
    return None


DEVTUI_FOLDER: Final = ".devtui"
"""devtui's own folder in a project (logs, reports): it ignores itself for git."""


def _keep_out_of_git(folder: Path) -> None:
    """Give the `.devtui` folder `folder` is in (or is) a `.gitignore` of `*`, so nothing
    devtui writes ever shows in `git status` and the user's own .gitignore stays theirs.
    A folder the config names elsewhere is the user's choice and is left as it is."""
    for candidate in (folder, *folder.parents):
        if candidate.name == DEVTUI_FOLDER:
            ignore = candidate / ".gitignore"
            if not ignore.exists():
                with contextlib.suppress(OSError):  # read-only: logs still work
                    ignore.write_text("# devtui's logs and reports: never committed\n*\n")
            return


def _create_file(log_dir: Path) -> tuple[Path, int]:
    """A new, empty, owner-only session-log file with a unique name, opened for appending
    and locked (shared) while devtui runs.

    The file is made and locked under a name rotation never considers, then linked into
    place (`link` never replaces a file): another devtui's rotation can never see it
    unlocked and delete it before this one has written a line.
    """
    stamp = f"{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}"
    draft = log_dir / f".{FILE_PREFIX}{stamp}-{time.time_ns()}.new"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)  # exactly 0600, whatever the umask took away
        fcntl.flock(fd, fcntl.LOCK_SH)
        for attempt in range(1, 1000):
            suffix = "" if attempt == 1 else f"-{attempt}"
            path = log_dir / f"{FILE_PREFIX}{stamp}{suffix}{FILE_SUFFIX}"
            try:
                os.link(draft, path)
            except FileExistsError:
                continue
            except OSError:  # a file system without hard links: rename, if the name is free
                if path.exists():
                    continue
                os.rename(draft, path)
            return path, fd
    except BaseException:
        os.close(fd)
        raise
    finally:
        draft.unlink(missing_ok=True)
    os.close(fd)
    raise FileExistsError(f"no free session-log name for {stamp} in {log_dir}")


def session_logs(log_dir: Path) -> list[Path]:
    """The session logs devtui wrote in `log_dir`, oldest first (by modification time,
    then name): its file names, regular files, starting with its header."""
    found: list[tuple[float, str, Path]] = []
    for path in log_dir.glob(f"{FILE_PREFIX}*{FILE_SUFFIX}"):
        if not FILE_NAME.match(path.name):
            continue
        try:
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):
                continue
            with open(path, "rb") as handle:
                start = handle.read(len(HEADER_START))
        except OSError:
            continue
        if start == HEADER_START or (not start and info.st_size == 0):
            found.append((info.st_mtime, path.name, path))
    return [path for _, _, path in sorted(found)]


def rotate(log_dir: Path, keep: int) -> list[Path]:
    """Delete the oldest session logs in `log_dir` beyond `keep`, skipping any a running
    devtui still writes; return what was deleted."""
    logs = session_logs(log_dir)
    doomed = logs[: max(0, len(logs) - keep)]
    deleted: list[Path] = []
    for path in doomed:
        if _in_use(path):
            continue
        try:
            path.unlink()
        except OSError:
            continue
        deleted.append(path)
    return deleted


def _in_use(path: Path) -> bool:
    """Whether a running devtui holds its lock on `path`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return True  # cannot tell: leave it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing releases the lock taken just now
    return False
