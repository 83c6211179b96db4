"""A stack built to leave processes behind, and the checks that nothing was.

Five processes: `orphaner` (a grandchild that calls `setsid()` once its parent exited),
`daemonizer` (a double-forked daemon ignoring SIGINT and SIGHUP), `wiper` (the same daemon
with its environment wiped, so it carries no mark), `stubborn` (a child and grandchild
ignoring SIGINT and SIGTERM) and `ordinary` (a plain child). Each escapee notes
its pid in a file; the checks read those, and the processes marked as the run's, so a
survivor is found whatever devtui thinks it stopped.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil

CHILDREN = Path(__file__).resolve().parent / "children"
ESCAPEE = CHILDREN / "escapee.py"
STUBBORN = CHILDREN / "stubborn.py"
SCRIPTED = CHILDREN / "scripted.py"
GRACE = 1.5
"""The stack's shutdown grace: the stubborn pair takes all of it (SIGKILL at its end)."""


def write_stack(folder: Path, extra: str = "") -> Path:
    """Write the stack's devtui.toml in `folder` (plus `extra` TOML); return its path."""
    python = json.dumps(sys.executable)
    escapee, stubborn = json.dumps(str(ESCAPEE)), json.dumps(str(STUBBORN))
    pids = json.dumps(str(folder / "pids"))
    config = folder / "devtui.toml"
    config.write_text(
        f"[settings]\nshutdown_grace = {GRACE}\n\n"
        f'[processes.orphaner]\ncommand = [{python}, {escapee}, "setsid", {pids}]\n'
        'ready = "escapee ready"\n\n'
        f'[processes.daemonizer]\ncommand = [{python}, {escapee}, "daemon", {pids}]\n'
        'ready = "escapee ready"\n\n'
        f'[processes.wiper]\ncommand = [{python}, {escapee}, "wiped", {pids}]\n'
        'ready = "escapee ready"\n\n'
        f"[processes.stubborn]\ncommand = [{python}, {stubborn}, "
        f"{json.dumps(str(folder / 'stubborn-pids'))}]\n"
        'ready = "stubborn ready"\n\n'
        f'[processes.ordinary]\ncommand = [{python}, {json.dumps(str(SCRIPTED))}, "out:up", "hold"]\n'
        'ready = "up"\n' + extra,
        encoding="utf-8",
    )
    return config


def started(folder: Path) -> dict[str, int] | None:
    """The escapees' pids once all have started (`setsid`, `daemon`, `wiped`, `stubborn`,
    `stubborn-grandchild`), else None."""
    try:
        lines = (folder / "pids").read_text().split()
        child, grandchild = (folder / "stubborn-pids").read_text().split()
    except (OSError, ValueError):
        return None
    noted = dict(zip(lines[0::2], map(int, lines[1::2]), strict=True))
    if {"setsid", "daemon", "wiped"} - set(noted) or _environment_of(noted["wiped"]):
        return None  # not all started, or the wiped one has not wiped its environment yet
    return {**noted, "stubborn": int(child), "stubborn-grandchild": int(grandchild)}


def _environment_of(pid: int) -> bytes:
    try:
        return Path("/proc", str(pid), "environ").read_bytes()
    except OSError:
        return b""


def wait_started(
    folder: Path, timeout: float = 30.0, pump: Callable[[], None] | None = None
) -> dict[str, int]:
    """Wait until every escapee runs (calling `pump` meanwhile, e.g. to drain a pty)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = started(folder)
        if found is not None:
            return found
        if pump is not None:
            pump()
        else:
            time.sleep(0.02)
    raise AssertionError(f"the stack's escapees never all started (pid files in {folder})")


def marked(devtui_pid: int) -> set[int]:
    """Every living process carrying the mark of a devtui run in process `devtui_pid`."""
    prefix = f"DEVTUI_OWNER={devtui_pid}-".encode()
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path("/proc", entry, "environ").read_bytes()
        except OSError:
            continue
        if any(item.startswith(prefix) for item in environ.split(b"\0")):
            found.add(int(entry))
    return found


def family(devtui_pid: int, escapees: dict[str, int]) -> list[psutil.Process]:
    """The processes to check afterwards: the escapees, the run's marked processes and
    devtui's descendants, as psutil handles (a reused pid is then never mistaken)."""
    pids = set(escapees.values()) | marked(devtui_pid)
    try:
        pids |= {p.pid for p in psutil.Process(devtui_pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        pass
    handles = []
    for pid in pids:
        try:
            handles.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            continue
    return handles


def survivors(processes: list[psutil.Process]) -> list[str]:
    """`pid command` of each process still running (zombies are ended)."""
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{process.pid} {' '.join(process.cmdline())}")
        except psutil.NoSuchProcess:
            continue
    return alive


def kill_survivors(processes: list[psutil.Process]) -> None:
    """Clean up after a failed test: SIGKILL what is left of the stack (ours only)."""
    for process in processes:
        try:
            if process.is_running():
                process.kill()
        except psutil.NoSuchProcess:
            continue


def logged(log_dir: Path, kind: str) -> list[dict[str, object]]:
    """The records of `kind` in the one session log in `log_dir`."""
    (log,) = log_dir.glob("session-*.jsonl")
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return [r for r in records if r.get("kind") == kind]


def logged_leftovers(log_dir: Path) -> str:
    """The `descendants-left` records of the session log in `log_dir`, as one text."""
    return json.dumps(logged(log_dir, "descendants-left"))


def assert_orderly(log_dir: Path) -> None:
    """The stop went step by step: the stubborn pair got SIGINT, then SIGTERM (so
    nothing was killed at once, as a second request would)."""
    sent = [r["signal"] for r in logged(log_dir, "signal") if r["process"] == "stubborn"]
    assert sent[:2] == ["SIGINT", "SIGTERM"], sent
    assert not any(r["cause"] == "killed" for r in logged(log_dir, "descendants-left"))


def assert_killed_at_once(log_dir: Path) -> None:
    """A second request killed everything at once: the stubborn pair never reached the
    SIGTERM step, and what had left its group was named as killed."""
    sent = [r["signal"] for r in logged(log_dir, "signal") if r["process"] == "stubborn"]
    assert "SIGTERM" not in sent, sent
    assert any(r["cause"] == "killed" for r in logged(log_dir, "descendants-left"))
