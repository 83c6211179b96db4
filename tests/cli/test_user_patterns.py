"""Patterns from a config run at a bounded cost: no line can stall devtui."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from devtui.core.problems.patterns import TextPattern, TimeLimitedPattern, compile_user_pattern
from devtui.errors import ExitCode
from tests.cli.test_cli import cli, scripted_cmd

EVIL_LINE = "a" * 5000 + "!"


def stack(tmp_path: Path, ready: str) -> None:
    command = scripted_cmd(f"out:{EVIL_LINE}", "hold")
    (tmp_path / "devtui.toml").write_text(
        "[settings]\nshutdown_grace = 1\n\n"
        f"[processes.app]\ncommand = {command}\nready = '{ready}'\n"
    )


def test_a_catastrophic_ready_pattern_cannot_hang_ci(tmp_path: Path) -> None:
    stack(tmp_path, "^(a+)+$")  # exponential on a backtracking engine
    started = time.monotonic()
    code, _, err = cli("ci", "--timeout", "3")
    assert code == ExitCode.READY_TIMEOUT, err
    assert time.monotonic() - started < 5


def test_a_pattern_re2_cannot_take_is_time_limited_then_switched_off(tmp_path: Path) -> None:
    # Lookahead: not linear-time, so it gets 50 ms a line, once; then it is off.
    stack(tmp_path, "^(a+)+(?=x)")
    code, _, err = cli("config", "--check")
    assert code == ExitCode.OK
    assert "devtui.toml: processes.app.ready: '^(a+)+(?=x)' cannot run in linear time" in err
    started = time.monotonic()
    code, _, err = cli("ci", "--timeout", "3")
    assert code == ExitCode.READY_TIMEOUT, err
    assert time.monotonic() - started < 5
    assert "pattern-too-slow" in err and "was switched off" in err


def test_patterns_keep_their_meaning_on_either_engine() -> None:
    linear: TextPattern = compile_user_pattern(r"Local:\s+(?P<url>https?://\S+)")
    found = linear.search("  ➜  Local:   http://localhost:5173/")
    assert found is not None and found.group("url") == "http://localhost:5173/"
    assert dict(linear.groupindex) == {"url": 1}
    limited = compile_user_pattern(r"ready(?! in 0 ms) in (\d+)")
    assert isinstance(limited, TimeLimitedPattern)
    found = limited.search("VITE ready in 271 ms")
    assert found is not None and found.group(1) == "271"


def test_a_pattern_slow_on_every_line_is_switched_off_by_its_budget(tmp_path: Path) -> None:
    """A lookahead costing a few ms on each long line never overruns the per-line limit;
    20,000 such lines once stalled `ci --timeout 3` for 8.6 s and signals by seconds."""
    flood = "import sys, time\\nline = 'a' * 3000 + '\\\\n'\\nsys.stdout.write(line * 20000)\\nsys.stdout.flush()\\ntime.sleep(600)\\n"
    (tmp_path / "devtui.toml").write_text(
        "[settings]\nshutdown_grace = 1\n\n"
        f'[processes.app]\ncommand = ["{sys.executable}", "-c", "{flood}"]\n'
        "ready = '(?=.*READY).'\n"
    )
    started = time.monotonic()
    code, _, err = cli("ci", "--timeout", "3")
    took = time.monotonic() - started
    assert code == ExitCode.READY_TIMEOUT, err
    assert took < 5, f"ci took {took:.1f} s"
    assert "ms in one second" in err and "was switched off" in err
