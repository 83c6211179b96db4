"""The TUI on a real pseudo-terminal: when the terminal goes away, devtui still ends cleanly."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import psutil


def assert_ended_in_order(
    devtui: subprocess.Popen[bytes], children: list[psutil.Process], log_dir: Path
) -> None:
    """devtui ended with SIGHUP's code, no child outlived it, and the orderly shutdown
    finished: the session log's last record is its end."""
    assert devtui.wait(timeout=20) == 129
    _gone, alive = psutil.wait_procs(children, timeout=5)
    assert [p for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []
    (log,) = log_dir.glob("session-*.jsonl")
    with log.open("rb") as file:
        file.seek(max(0, log.stat().st_size - 4096))
        last = json.loads(file.read().splitlines()[-1])
    assert last["kind"] == "end" and last["exit_code"] == 129, "the session log was closed in order"


def test_a_vanished_terminal_does_not_leave_devtui_or_its_children_behind(tmp_path: Path) -> None:
    master, slave = pty.openpty()
    env = dict(
        os.environ,
        XDG_STATE_HOME=str(tmp_path / "state"),
        TERM="xterm-256color",
        COLUMNS="100",
        LINES="30",
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devtui",
            "demo",
            "--scenario",
            "ok",
            "--dir",
            str(tmp_path / "demo"),
        ],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        deadline = time.monotonic() + 30
        family: list[psutil.Process] = []
        while time.monotonic() < deadline:  # the TUI is up once Vite (started after Convex) runs
            try:
                os.read(master, 65536)  # keep the terminal drained, as a real one is
            except OSError:
                break
            family = psutil.Process(process.pid).children(recursive=True)
            if any("vite_server" in " ".join(p.cmdline()) for p in family if p.is_running()):
                break
        assert family, "the demo stack never came up in the TUI"
        os.close(master)  # the terminal window closes …
        process.send_signal(signal.SIGHUP)  # … and the kernel hangs up on the session
        assert_ended_in_order(process, family, tmp_path / "demo" / ".devtui" / "logs")
    finally:
        if process.poll() is None:
            process.kill()


FLOOD = Path(__file__).resolve().parents[1] / "children" / "flood.py"


def test_closing_the_terminal_window_mid_flood_ends_devtui_in_order(tmp_path: Path) -> None:
    """The terminal is devtui's controlling terminal, as in a real window: closing it makes
    the kernel send SIGHUP *and* SIGCONT. Textual's resume on SIGCONT once blocked the
    main thread for ever on the dead terminal, leaving devtui spinning as an orphan."""
    config = tmp_path / "devtui.toml"
    config.write_text(
        "".join(
            f'[processes.{tag}]\ncommand = ["{sys.executable}", "{FLOOD}", "{tag}", "100000000"]\n'
            for tag in ("a", "b")
        )
    )
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 160, 0, 0))
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"), TERM="xterm-256color")
    process = subprocess.Popen(
        [sys.executable, "-m", "devtui", "--config", str(config)],
        preexec_fn=lambda: os.login_tty(slave),  # a new session, the pty its terminal
        pass_fds=(slave,),
        env=env,
        cwd=tmp_path,
    )
    os.close(slave)
    try:
        floods: list[psutil.Process] = []
        deadline = time.monotonic() + 30
        while len(floods) < 2 and time.monotonic() < deadline:
            os.read(master, 65536)  # keep the terminal drained, as a real one is
            floods = [
                p
                for p in psutil.Process(process.pid).children(recursive=True)
                if str(FLOOD) in p.cmdline()
            ]
        assert len(floods) == 2, "the flood never started in the TUI"
        painted = 0
        while painted < 1_000_000:  # the panes are busy repainting the flood
            painted += len(os.read(master, 65536))
        os.close(master)  # the window closes: the kernel hangs up on the session
        assert_ended_in_order(process, floods, tmp_path / ".devtui" / "logs")
    finally:
        if process.poll() is None:
            process.kill()


STUBBORN = Path(__file__).resolve().parents[1] / "children" / "stubborn.py"


def test_closing_the_terminal_during_a_slow_shutdown_neither_spins_nor_stalls(
    tmp_path: Path,
) -> None:
    """A child that ignores SIGINT/SIGTERM makes the shutdown take its whole grace. With
    the terminal gone, Textual's input thread used to spin a core on a stdin reading
    nothing, the stall watchdog ended devtui after 10 s, and the log had no end record."""
    config = tmp_path / "devtui.toml"
    config.write_text(
        "[settings]\nshutdown_grace = 3\n\n"
        f'[processes.stubborn]\ncommand = ["{sys.executable}", "{STUBBORN}", '
        f'"{tmp_path / "pids"}"]\nready = "stubborn ready"\n'
    )
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"), TERM="xterm-256color")
    process = subprocess.Popen(
        [sys.executable, "-m", "devtui", "--config", str(config)],
        preexec_fn=lambda: os.login_tty(slave),
        pass_fds=(slave,),
        env=env,
        cwd=tmp_path,
    )
    os.close(slave)
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "pids").exists() and time.monotonic() < deadline:
            try:
                os.read(master, 65536)
            except OSError:
                break
        assert (tmp_path / "pids").exists(), "the stubborn child never started"
        time.sleep(1.0)  # the dashboard is up
        me = psutil.Process(process.pid)
        family = me.children(recursive=True)
        before = sum(me.cpu_times()[:2])
        closed_at = time.monotonic()
        os.close(master)  # the window closes: SIGHUP, and stdin reads nothing from now on
        used = 0.0
        while process.poll() is None and time.monotonic() - closed_at < 20:
            try:
                used = sum(me.cpu_times()[:2]) - before
            except psutil.NoSuchProcess:
                break
            time.sleep(0.1)
        assert_ended_in_order(process, family, tmp_path / ".devtui" / "logs")
        took = time.monotonic() - closed_at
        assert took < 3 + 3, f"the shutdown took {took:.1f} s for a 3 s grace"
        assert used < 0.3 * took, f"devtui used {used:.1f} s of CPU in {took:.1f} s"
    finally:
        if process.poll() is None:
            process.kill()
