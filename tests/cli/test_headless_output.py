"""Headless stdout that goes away or fills up: the stack is stopped in order, or warned
about once, never silently."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psutil

from tests.helpers import REPO

COUNTER = "import time\nfor i in range(4000):\n    print('line', i, 'x' * 60, flush=True)\n    time.sleep(0.0005)\n"


def counter_stack(tmp_path: Path, keep_logs: int = 20) -> None:
    script = tmp_path / "counter.py"
    script.write_text(COUNTER)
    (tmp_path / "devtui.toml").write_text(
        f"[settings]\nkeep_logs = {keep_logs}\n\n"
        f'[processes.app]\ncommand = ["{sys.executable}", "{script}"]\n'
    )


def test_a_closed_stdout_stops_the_stack_in_order_and_exits_141(tmp_path: Path) -> None:
    counter_stack(tmp_path)
    command = (
        f"{sys.executable} -m devtui up --headless | head -n 3 > head.txt; exit ${{PIPESTATUS[0]}}"
    )
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 141, result.stderr
    assert len((tmp_path / "head.txt").read_text().splitlines()) == 3
    assert "stdout was closed (whatever read it went away): stopping app" in result.stderr
    assert "app    stopped by devtui" in result.stderr
    assert "exit 141: stdout was closed" in result.stderr
    assert not [
        p
        for p in psutil.process_iter(["cmdline"])
        if str(tmp_path) in " ".join(p.info["cmdline"] or [])
    ]


def test_a_stdout_that_cannot_be_written_is_said_once_and_the_run_goes_on(
    tmp_path: Path,
) -> None:
    counter_stack(tmp_path, keep_logs=0)
    command = f"ulimit -f 64; {sys.executable} -m devtui up --headless > out.txt"
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr  # the child ran to its end
    warnings = [line for line in result.stderr.splitlines() if "cannot write child output" in line]
    assert len(warnings) == 1, result.stderr
    assert "(File too large): the stack keeps running" in warnings[0]
    assert "app    exited with code 0" in result.stderr
