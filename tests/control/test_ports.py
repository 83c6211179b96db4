"""A port the stack needs, held by another process: named, refused by ci, offered to be
stopped."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtui.core.config.model import ProcessConfig
from devtui.core.run.ports import held_ports, port_holder, stop_holder
from devtui.errors import ExitCode
from tests.cli.test_cli import scripted_cmd
from tests.control.stack import devtui
from tests.port_holders import free_port, leftover_dev_server


@pytest.fixture
def leftover(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A leftover "vite" of this user's, in another folder, listening on a port."""
    port = free_port()
    server = leftover_dev_server(port, tmp_path / "old-app")
    try:
        yield server, port
    finally:
        server.kill()
        server.wait(5)


def _config(tmp_path: Path, port: int, extra: str = "") -> Path:
    path = tmp_path / "devtui.toml"
    command = scripted_cmd("out:VITE ready in 5 ms", f"out:Local: http://localhost:{port}/", "hold")
    path.write_text(
        f"[settings]\nshutdown_grace = 2\n\n[processes.web]\ncommand = {command}\n"
        f'ready = "ready in"\nport = {port}\n{extra}'
    )
    return path


def test_the_holder_is_named_with_pid_command_and_folder(
    leftover: tuple[subprocess.Popen[bytes], int], tmp_path: Path
) -> None:
    server, port = leftover
    holder = port_holder(port)
    assert holder is not None
    assert holder.pid == server.pid and holder.own and holder.is_dev_server
    assert holder.cwd == str(tmp_path / "old-app")
    assert "node_modules/.bin/vite" in holder.command


def test_ci_refuses_to_start_on_a_held_port_unless_fallback_is_allowed(
    leftover: tuple[subprocess.Popen[bytes], int], tmp_path: Path
) -> None:
    server, port = leftover
    config = _config(tmp_path, port)
    code, _, err = devtui("ci", "--config", str(config), cwd=tmp_path)
    assert code == ExitCode.USAGE, err
    assert f"web: port {port} is held by pid {server.pid}" in err
    assert str(tmp_path / "old-app") in err and "port_fallback = true" in err
    _config(tmp_path, port, "port_fallback = true\n")
    code, _, err = devtui(
        "ci", "--config", str(config), "--json", str(tmp_path / "s.json"), cwd=tmp_path
    )
    assert code == ExitCode.OK, err
    summary = json.loads((tmp_path / "s.json").read_text())
    [problem] = summary["problems"]
    assert problem["rule"] == "port-in-use" and problem["severity"] == "warning"


def test_up_reports_the_held_port_as_a_problem(
    leftover: tuple[subprocess.Popen[bytes], int], tmp_path: Path
) -> None:
    _, port = leftover
    config = _config(tmp_path, port)
    process = subprocess.Popen(
        [sys.executable, "-m", "devtui", "up", "--headless", "--config", str(config)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    seen = ""
    try:
        deadline = time.monotonic() + 20
        while "port-in-use" not in seen:
            assert time.monotonic() < deadline, seen
            seen += process.stderr.readline()
        assert f"port {port} is held by pid" in seen
    finally:
        process.terminate()
        process.wait(20)


def test_stopping_a_leftover_frees_its_port(
    leftover: tuple[subprocess.Popen[bytes], int], tmp_path: Path
) -> None:
    server, port = leftover
    [(process, holder)] = held_ports([ProcessConfig("web", ("x",), port=port)])
    assert "stopped pid" in stop_holder(holder)
    assert server.wait(5) is not None
    assert port_holder(port) is None
    assert process.name == "web"
