"""Child output never drives the user's terminal; a file or a pipe gets it as written."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devtui.core.terminal_text import for_terminal, visible_controls
from tests.children.hostile import HOSTILE
from tests.helpers import CHILDREN, REPO

ESCAPE_OTHER_THAN_SGR = re.compile(r"\x1b(?!\[[0-9;:]*m)")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ESCAPE_SGR = re.compile(r"\x1b\[[0-9;:]*m")


@pytest.mark.parametrize("line", HOSTILE)
def test_only_colours_and_printable_text_reach_a_terminal(line: str) -> None:
    shown = for_terminal(line, colour=True)
    assert not ESCAPE_OTHER_THAN_SGR.search(shown), repr(shown)
    assert not CONTROL.search(ESCAPE_SGR.sub("", shown)), repr(shown)
    plain = for_terminal(line, colour=False)
    assert "\x1b" not in plain and not CONTROL.search(plain), repr(plain)


def test_controls_are_shown_not_obeyed() -> None:
    assert for_terminal("evil\b\b\b\bgood", colour=False) == "evil^H^H^H^Hgood"
    assert for_terminal("bell\x07 \x9b31m x\x7f\n", colour=False) == "bell^G <9b>31m x^?\n"
    assert for_terminal("\x1b[31mred\x1b[0m\ttab", colour=True) == "\x1b[31mred\x1b[0m\ttab"
    assert for_terminal("\x1b]52;c;ZXZpbA==\x07copied\x1b[6n", colour=True) == "copied"
    assert visible_controls("a\x1b[31mb\x0ec") == "ab^Nc"


def headless_stack(tmp_path: Path) -> None:
    command = f'["{sys.executable}", "{CHILDREN / "hostile.py"}"]'
    (tmp_path / "devtui.toml").write_text(f"[processes.evil]\ncommand = {command}\n")


def test_a_file_or_a_pipe_gets_the_bytes_as_written(tmp_path: Path) -> None:
    headless_stack(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "devtui", "up", "--headless", "--color", "always"],
        cwd=tmp_path,
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "\x1b]52;c;ZXZpbA==\x07clipboard" in out  # untouched: downstream tools decide
    assert "evil\b\b\b\bgood" in out


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux for a real terminal")
def test_a_real_terminal_is_left_as_it_was(tmp_path: Path) -> None:
    headless_stack(tmp_path)
    session = f"devtui-safety-{time.monotonic_ns()}"
    script = tmp_path / "run.sh"
    # After devtui, anything the terminal "typed" in answer to a query would be read here.
    script.write_text(
        f"cd {tmp_path} && {sys.executable} -m devtui up --headless 2>&1\n"
        'read -t 1 -r typed; echo "typed=[${#typed}]"; sleep 30\n'
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", "bash", str(script)],
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(REPO)},
    )
    try:
        deadline = time.monotonic() + 30
        screen = ""
        while time.monotonic() < deadline and "typed=[" not in screen:
            time.sleep(0.2)
            screen = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
            ).stdout
        state = subprocess.run(
            ["tmux", "display", "-p", "-t", session, "#{pane_title}|#{alternate_on}"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    assert "typed=[0]" in screen, screen  # no answer to a query was typed into the shell
    title, alternate = state.split("|")
    assert "HACKED" not in title and alternate == "0"
    assert "evil^H^H^H^Hgood" in screen and "good on stderr" in screen
    assert "evil   │ clear" in screen  # the pane was not cleared
