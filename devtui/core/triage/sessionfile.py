"""Finding and recognising session logs.

Invariant: a file is a session log only if its first line is a JSON record of kind
`session`; anything else is refused with a message naming the file and saying what it is
instead, before any indexing starts.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Final

from devtui.core.sessionlog.log import LOG_FORMAT_VERSION, session_logs
from devtui.errors import UsageError

HEADER_LIMIT: Final = 1 << 20
"""The first record is read up to this many bytes (a header is a few hundred)."""


class NotASessionLog(UsageError):
    """The file cannot be triaged; the message says why, naming the file."""


def newest_log(log_dir: Path) -> Path:
    """The most recent session log in `log_dir`.

    Raises:
        NotASessionLog: the folder does not exist or holds no session log.
    """
    if not log_dir.is_dir():
        raise NotASessionLog(
            f"no session logs yet: {log_dir} does not exist (devtui writes one per run of "
            "`devtui`, `devtui ci` or `devtui demo`); or pass a log: devtui triage PATH"
        )
    logs = session_logs(log_dir)
    if not logs:
        raise NotASessionLog(
            f"no session logs in {log_dir} (devtui writes one per run); "
            "or pass a log: devtui triage PATH"
        )
    return logs[-1]


def read_header(path: Path) -> dict[str, object]:
    """The `session` record that opens the log at `path`.

    Raises:
        NotASessionLog: missing, unreadable, empty, or not a devtui session log.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise NotASessionLog(f"{path}: no such file") from None
    except OSError as error:
        raise NotASessionLog(f"{path}: cannot read it ({error.strerror})") from None
    if stat.S_ISDIR(mode):
        raise NotASessionLog(f"{path} is a folder; pass a session log file in it")
    if not stat.S_ISREG(mode):  # a FIFO or a device would block or never end
        raise NotASessionLog(f"{path} is not a regular file (a pipe or a device), not a log")
    try:
        with open(path, "rb") as handle:
            first = handle.readline(HEADER_LIMIT)
    except FileNotFoundError:
        raise NotASessionLog(f"{path}: no such file") from None
    except IsADirectoryError:
        raise NotASessionLog(f"{path} is a folder; pass a session log file in it") from None
    except OSError as error:
        raise NotASessionLog(f"{path}: cannot read it ({error.strerror})") from None
    if not first.strip():
        raise NotASessionLog(f"{path} is empty, not a devtui session log")
    try:
        record = json.loads(first)
    except (ValueError, UnicodeDecodeError):
        raise NotASessionLog(
            f"{path} is not a devtui session log (its first line is not a JSON record)"
        ) from None
    if not isinstance(record, dict) or record.get("kind") != "session":
        raise NotASessionLog(
            f'{path} is not a devtui session log (its first record is not kind "session")'
        )
    version = record.get("version")
    if isinstance(version, int) and version > LOG_FORMAT_VERSION:
        raise NotASessionLog(
            f"{path} was written by a newer devtui (log format {version}; this one reads "
            f"{LOG_FORMAT_VERSION})"
        )
    return record
