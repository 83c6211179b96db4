"""`devtui` in a project with no deployment: the first `convex dev --once` gets the real
terminal (its questions are answered there), then the dashboard opens (a real pty)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from tests.cli.test_first_contact import fake_convex_project
from tests.ui.test_tui_exit_paths import Terminal


def devtui_on_a_pty(
    root: Path, tmp_path: Path, path_first: Path | None = None
) -> tuple[subprocess.Popen[bytes], Terminal]:
    """`devtui` in `root` with a pty as its terminal, no Convex variables in its
    environment (and `path_first` first on PATH)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVEX_")}
    env.update(XDG_STATE_HOME=str(tmp_path / "state"), TERM="xterm-256color")
    if path_first is not None:
        env["PATH"] = f"{path_first}{os.pathsep}{os.environ['PATH']}"
    devtui = subprocess.Popen(
        [sys.executable, "-m", "devtui"],
        preexec_fn=lambda: os.login_tty(slave),
        pass_fds=(slave,),
        env=env,
        cwd=root,
    )
    os.close(slave)
    return devtui, Terminal(master)


def quit_and_end(devtui: subprocess.Popen[bytes], terminal: Terminal) -> int | None:
    """Press q and let devtui end (reading what it draws); its exit code."""
    terminal.type(b"q")
    deadline = time.monotonic() + 20
    while devtui.poll() is None and time.monotonic() < deadline:
        terminal.pump()
    return devtui.poll()


def close(devtui: subprocess.Popen[bytes], terminal: Terminal) -> None:
    terminal.close()
    if devtui.poll() is None:
        devtui.kill()
        devtui.wait()


def test_the_first_convex_dev_asks_on_the_terminal_before_the_dashboard(tmp_path: Path) -> None:
    root = fake_convex_project(tmp_path)
    devtui, terminal = devtui_on_a_pty(root, tmp_path)
    try:
        terminal.wait_for(b"Project name:")
        assert b"no Convex deployment is configured" in terminal.screen
        assert b"dev --once" in terminal.screen
        assert b"\x1b[?1049h" not in terminal.screen, "the dashboard must wait for the answer"
        terminal.type(b"happy\r")
        terminal.wait_for(b"succeeded; starting the stack")
        terminal.wait_for(b"\x1b[?1049h")  # the dashboard (alternate screen) opens
        terminal.wait_for(b"ready")
        assert (root / ".env.local").read_text() == "CONVEX_DEPLOYMENT=dev:happy-animal-123\n"
        assert quit_and_end(devtui, terminal) == 0
    finally:
        close(devtui, terminal)


def test_after_the_install_step_the_first_convex_dev_gets_the_terminal(tmp_path: Path) -> None:
    root = fake_convex_project(tmp_path)
    (root / "package.json").write_text('{"dependencies": {"convex": "^1.48.0"}}')
    tools = tmp_path / "tools"  # `npm install`, standing in: it installs convex
    tools.mkdir()
    (tools / "npm").write_text(
        "#!/bin/sh\nmkdir -p node_modules/convex && echo '{}' > node_modules/convex/package.json"
        "\necho 'added 1 package in 0.1s'\n"
    )
    (tools / "npm").chmod(0o755)
    devtui, terminal = devtui_on_a_pty(root, tmp_path, tools)
    try:
        terminal.wait_for(b"press i to run npm install")
        assert b"Project name:" not in terminal.screen
        terminal.type(b"i")
        terminal.wait_for(b"Project name:")  # the dashboard is suspended: the CLI asks
        terminal.type(b"happy\r")
        terminal.wait_for(b"succeeded; starting the stack")
        del terminal.screen[:]  # from here on: what the dashboard draws
        terminal.wait_for(b"ready")
        assert (root / ".env.local").read_text() == "CONVEX_DEPLOYMENT=dev:happy-animal-123\n"
        assert quit_and_end(devtui, terminal) == 0
    finally:
        close(devtui, terminal)
