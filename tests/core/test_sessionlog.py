"""Session logs through a real run: records, permissions, redaction, rotation."""

from __future__ import annotations

import fcntl
import json
import os
import stat
from dataclasses import asdict
from pathlib import Path

import pytest

from devtui.core.events import FilesChanged, ProcessState
from devtui.core.run.session import RunSession
from devtui.core.sessionlog.layout import lines_from_record
from devtui.core.sessionlog.log import rotate
from tests.helpers import EventRecorder, child, make_config


async def run_session(
    tmp_path: Path, steps: list[str], keep_logs: int = 20, env: dict[str, str] | None = None
) -> RunSession:
    config = make_config(
        {"app": {"command": child("scripted.py", *steps), **({"env": env} if env else {})}},
        settings={"keep_logs": keep_logs},
        root=tmp_path,
    )
    session = RunSession(config)
    await session.open()
    recorder = EventRecorder(session.bus)
    await session.supervisor.start()
    await recorder.wait_for(lambda e: getattr(e, "state", None) is ProcessState.EXITED)
    await session.close(0)
    return session


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_every_line_state_and_problem_is_recorded_owner_only(tmp_path: Path) -> None:
    session = await run_session(tmp_path, ["out:hello", "err:\x1b[31mwarning\x1b[0m", "out:bye"])
    assert session.log is not None
    path = session.log.path
    assert path.parent == tmp_path / ".devtui" / "logs"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    entries = records(path)
    assert entries[0]["kind"] == "session" and entries[0]["processes"][0]["name"] == "app"  # type: ignore[index]
    lines = [asdict(line) for e in entries if e["kind"] == "lines" for line in lines_from_record(e)]
    # Order is kept within a pipe; between stdout and stderr it is whatever arrived first.
    assert [e["raw"] for e in lines if e["stream"] == "stdout"] == ["hello", "bye"]
    assert [e["raw"] for e in lines if e["stream"] == "stderr"] == ["\x1b[31mwarning\x1b[0m"]
    assert {e["process"] for e in lines} == {"app"}
    assert sorted(e["seq"] for e in lines) == [1, 2, 3]
    states = [e["state"] for e in entries if e["kind"] == "state"]
    assert states[:2] == ["starting", "ready"] and "exited" in states
    assert entries[-1] == {"kind": "end", "time": entries[-1]["time"], "exit_code": 0}


async def test_secrets_are_redacted(tmp_path: Path) -> None:
    secret = "s3cr3t-value-for-tests"
    session = await run_session(
        tmp_path,
        [
            "env:MY_API_TOKEN",
            "out:using sk-abcdefghijklmnop1234 to call",
            "out:OPENAI_API_KEY=abcd12345678",
        ],
        env={"MY_API_TOKEN": secret},
    )
    assert session.log is not None
    text = session.log.path.read_text()
    assert (
        secret not in text and "sk-abcdefghijklmnop1234" not in text and "abcd12345678" not in text
    )
    assert "MY_API_TOKEN=[REDACTED]" in text and "OPENAI_API_KEY=[REDACTED]" in text


async def test_a_file_name_of_undecodable_bytes_is_logged_and_the_log_goes_on(
    tmp_path: Path,
) -> None:
    config = make_config({"app": {"command": child("scripted.py", "out:hello")}}, root=tmp_path)
    session = RunSession(config)
    await session.open()
    recorder = EventRecorder(session.bus)
    name = os.fsdecode(b"bad-\xff.ts")  # as Python names it: a lone surrogate
    session.bus.publish(FilesChanged((name,), 1.0))
    await session.supervisor.start()
    await recorder.wait_for(lambda e: getattr(e, "state", None) is ProcessState.EXITED)
    await session.close(0)
    assert session.log is not None and session.log.error is None
    entries = records(session.log.path)
    assert [e["paths"] for e in entries if e["kind"] == "files-changed"] == [[name]]
    assert entries[-1]["kind"] == "end"


async def test_keep_logs_zero_writes_nothing(tmp_path: Path) -> None:
    session = await run_session(tmp_path, ["out:x"], keep_logs=0)
    assert session.log is None and not (tmp_path / ".devtui").exists()


def test_rotation_keeps_the_newest_and_deletes_only_devtuis_own_logs(tmp_path: Path) -> None:
    header = '{"kind":"session","version":1}\n'
    for index in range(5):
        path = tmp_path / f"session-2026112{index}-000000-1.jsonl"
        path.write_text(header)
        os.utime(path, (1000 + index, 1000 + index))
    (tmp_path / "notes.txt").write_text("not a log")
    (tmp_path / "session-notes-mine.jsonl").write_text(header)  # not a name devtui gives
    lookalike = tmp_path / "session-20261101-000000-7.jsonl"
    lookalike.write_text('{"my": "own data"}\n')  # devtui's name, not devtui's content
    os.utime(lookalike, (10, 10))
    deleted = rotate(tmp_path, 2)
    assert [p.name for p in deleted] == [f"session-2026112{i}-000000-1.jsonl" for i in range(3)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt",
        "session-20261101-000000-7.jsonl",
        "session-20261123-000000-1.jsonl",
        "session-20261124-000000-1.jsonl",
        "session-notes-mine.jsonl",
    ]


def test_rotation_never_deletes_a_log_a_running_devtui_writes(tmp_path: Path) -> None:

    live = tmp_path / "session-20261120-000000-1.jsonl"
    live.write_text('{"kind":"session","version":1}\n')
    os.utime(live, (1000, 1000))
    newer = tmp_path / "session-20261121-000000-2.jsonl"
    newer.write_text('{"kind":"session","version":1}\n')
    fd = os.open(live, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH)  # as a running devtui holds its own log
    try:
        assert rotate(tmp_path, 1) == []
        assert live.exists()
    finally:
        os.close(fd)
    assert rotate(tmp_path, 1) == [live]


def test_another_rotation_never_deletes_a_log_being_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another devtui's rotation runs at the worst moment: the new file exists but is not
    locked yet. It must not see it (it used to delete it: 10 of 6,000 in a race run)."""

    from devtui.core.sessionlog import log as sessionlog

    real_flock = fcntl.flock
    rotated: list[list[Path]] = []

    def flock_after_a_rotation(fd: int, operation: int) -> None:
        if not rotated:
            rotated.append(rotate(tmp_path, 0))  # keep none: delete all it may
        real_flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", flock_after_a_rotation)  # the module sessionlog uses
    path, fd = sessionlog._create_file(tmp_path)
    try:
        assert rotated == [[]], "the rotation saw the new file"
        assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
        assert [p.name for p in tmp_path.iterdir()] == [path.name], "no draft left"
    finally:
        os.close(fd)


async def test_logs_are_private_whatever_the_umask_and_an_open_folder_is_tightened(
    tmp_path: Path,
) -> None:
    logs = tmp_path / ".devtui" / "logs"
    logs.mkdir(parents=True, mode=0o755)
    os.chmod(logs, 0o755)
    previous = os.umask(0)
    try:
        session = await run_session(tmp_path, ["out:hi", "exit:0"])
    finally:
        os.umask(previous)
    assert session.log is not None
    assert stat.S_IMODE(session.log.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(logs.stat().st_mode) == 0o700
    [note] = [w for w in session.warnings if w.startswith("made ")]
    assert note.startswith(f"made {logs} private (mode 700; it was 755)")
    again = await run_session(tmp_path, ["exit:0"])
    assert not [w for w in again.warnings if w.startswith("made ")]  # said once


async def test_a_fresh_log_folder_and_its_parents_are_created_private(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        await run_session(tmp_path, ["exit:0"])
    finally:
        os.umask(previous)
    for folder in (tmp_path / ".devtui", tmp_path / ".devtui" / "logs"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


async def test_two_sessions_at_once_with_keep_logs_1_keep_both_files_private(
    tmp_path: Path,
) -> None:
    config = make_config(
        {"app": {"command": child("scripted.py", "out:hi", "sleep:0.5", "exit:0")}},
        settings={"keep_logs": 1},
        root=tmp_path,
    )
    first, second = RunSession(config), RunSession(config)
    previous = os.umask(0)
    try:
        await first.open()
        await second.open()  # rotation would delete the first one's live log
        for session in (first, second):
            await session.start()
        for session in (first, second):
            await session.supervisor.wait_all_ended()
            await session.close(0)
    finally:
        os.umask(previous)
    assert first.log is not None and second.log is not None
    for session in (first, second):
        assert session.log is not None
        text = session.log.path.read_text()
        assert '"raws":["hi"]' in text and '"kind":"end"' in text
        assert stat.S_IMODE(session.log.path.stat().st_mode) == 0o600


async def test_unwritable_log_dir_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        blocker = tmp_path / ".devtui"
        blocker.write_text("a file where the folder should be")
    else:
        (tmp_path / ".devtui").mkdir(mode=0o500)
    config = make_config({"app": {"command": child("scripted.py", "exit:0")}}, root=tmp_path)
    session = RunSession(config)
    await session.open()
    assert session.log is None
    assert session.warnings and session.warnings[0].startswith("no session log: cannot write to")
    await session.close(0)


@pytest.mark.parametrize("keep", [1, 3])
async def test_a_run_rotates_older_logs(tmp_path: Path, keep: int) -> None:
    for _ in range(4):
        await run_session(tmp_path, ["exit:0"], keep_logs=keep)
    assert len(list((tmp_path / ".devtui" / "logs").glob("session-*.jsonl"))) == keep


async def test_a_dead_writer_is_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    config = make_config(
        {"app": {"command": child("scripted.py", "sleep:0.3", *[f"out:{i}" for i in range(50)])}},
        root=tmp_path,
    )
    session = RunSession(config)
    reported: list[str] = []
    await session.open(on_log_error=reported.append)
    assert session.log is not None
    session.log._writer.kill()  # the writer dies (out of memory, killed by hand, ...)
    await session.log._writer.wait()
    recorder = EventRecorder(session.bus)
    await session.supervisor.start()
    await recorder.wait_for(lambda e: getattr(e, "state", None) is ProcessState.EXITED)
    await session.close(0)
    assert len(recorder.lines("app")) == 50
    assert any("writer process" in warning for warning in session.warnings)


def test_devtuis_folder_ignores_itself_so_the_repository_stays_clean(tmp_path: Path) -> None:
    import shutil
    import subprocess

    from devtui.core.sessionlog.log import private_folder

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "app.ts").write_text("export {}\n")
    private_folder(tmp_path / ".devtui" / "logs")
    (tmp_path / ".devtui" / "logs" / "session-1.jsonl").write_text("{}\n")
    private_folder(tmp_path / ".devtui" / "reports")
    (tmp_path / ".devtui" / "reports" / "devtui-report-1.md").write_text("# r\n")
    status = subprocess.run(
        ["git", "-C", str(tmp_path), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert status.splitlines() == ["?? app.ts"]
    assert (tmp_path / ".devtui" / ".gitignore").read_text().splitlines()[-1] == "*"
    # A log folder the config puts elsewhere is the user's: nothing is written beside it.
    private_folder(tmp_path / "logs")
    assert not (tmp_path / "logs" / ".gitignore").exists()
