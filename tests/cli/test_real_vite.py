"""End to end with the real Vite (from npm) behind a Convex stand-in that reports ready
only on stderr, as `convex dev` does."""

from __future__ import annotations

import io
import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from devtui.cli import main
from tests.helpers import CHILDREN, FIXTURES, REPO

VITE_VERSION = "8.3.8"
VITE_CACHE = REPO / ".cache" / "vite-e2e"
"""npm installs Vite here once (.ci/run does it too); reused by later runs."""


def installed_vite() -> Path:
    binary = VITE_CACHE / "node_modules" / ".bin" / "vite"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: the real-Vite end-to-end test needs Node.js and npm")
    VITE_CACHE.mkdir(parents=True, exist_ok=True)
    (VITE_CACHE / "package.json").write_text('{"private": true}\n')
    result = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", f"vite@{VITE_VERSION}"],
        cwd=VITE_CACHE,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0 or not binary.exists():
        pytest.fail(
            f"`npm install vite@{VITE_VERSION}` failed in {VITE_CACHE}:\n{result.stderr[-2000:]}"
        )
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_real_vite_starts_after_the_stderr_ready_line_and_its_url_is_parsed(tmp_path: Path) -> None:
    vite = installed_vite()
    app = tmp_path / "app"
    app.mkdir()
    (app / "index.html").write_text("<!doctype html><title>e2e</title><p>hello</p>\n")
    port = free_port()
    convex_ready, vite_started = tmp_path / "convex-ready", tmp_path / "vite-started"
    convex = [
        sys.executable,
        str(CHILDREN / "replay.py"),
        str(FIXTURES / "ok-once"),
        "convex-dev",
        "--hold",
        "--push-delay",
        "0.5",
        "--ready-mark",
        str(convex_ready),
    ]
    vite_cmd = [
        sys.executable,
        str(CHILDREN / "exec_after_mark.py"),
        str(vite_started),
        str(vite),
        "--port",
        str(port),
        "--strictPort",
        "--clearScreen",
        "false",
    ]
    (app / "devtui.toml").write_text(
        f'[processes.convex]\ncommand = {json.dumps(convex)}\nkind = "convex"\n\n'
        f'[processes.vite]\ncommand = {json.dumps(vite_cmd)}\nkind = "vite"\ndepends_on = ["convex"]\n'
    )
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["ci", "--config", str(app / "devtui.toml"), "--json", str(tmp_path / "summary.json")],
        out,
        err,
    )
    assert code == 0, err.getvalue()
    assert float(vite_started.read_text()) > float(convex_ready.read_text())
    summary = json.loads((tmp_path / "summary.json").read_text())
    vite_entry = summary["processes"][1]
    assert vite_entry["url"] == f"http://localhost:{port}/"
    assert vite_entry["state"] == "ready"
    assert f"VITE v{VITE_VERSION}" in out.getvalue()
