"""Memory: heap options, a process tree's measurement, and one process's trend."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devtui.core.memory.figures import (
    MIB,
    MemoryTrack,
    ParentScanner,
    Thresholds,
    TreeMeasurer,
    mib,
)
from devtui.core.run.heap import doubled_heap_mb, heap_limit_mb, with_heap_limit


@pytest.mark.parametrize(
    ("options", "limit"),
    [
        ("", None),
        ("--max-old-space-size=4096", 4096),
        ("--inspect --max_old_space_size=2048", 2048),
        ("--max-old-space-size=1024 --max-old-space-size 3072", 3072),
    ],
)
def test_the_heap_limit_is_read_from_node_options(options: str, limit: int | None) -> None:
    assert heap_limit_mb(options) == limit


def test_raising_the_heap_keeps_the_other_options() -> None:
    assert with_heap_limit("", 8192) == "--max-old-space-size=8192"
    raised = with_heap_limit("--inspect --max-old-space-size=4096 --enable-source-maps", 8192)
    assert raised == "--inspect --enable-source-maps --max-old-space-size=8192"
    assert doubled_heap_mb(None) == 8192 and doubled_heap_mb(3000) == 6000


def test_crossing_a_threshold_counts_once_until_clearly_below_again() -> None:
    track = MemoryTrack(Thresholds(100 * MIB, 200 * MIB))
    assert track.observe(0.0, 50 * MIB) == []
    assert track.observe(1.0, 120 * MIB) == ["warn"] and track.level == "warn"
    assert track.observe(2.0, 99 * MIB) == []  # hovering at the line: not a new crossing
    assert track.observe(3.0, 101 * MIB) == []
    assert not track.back_under("warn")
    assert track.observe(4.0, 80 * MIB) == [] and track.back_under("warn")
    assert track.observe(5.0, 250 * MIB) == ["warn", "limit"]
    assert track.level == "limit"  # type: ignore[comparison-overlap]  # (observe moved it)
    assert track.peak_bytes == 250 * MIB and track.current_bytes == 250 * MIB


def test_growth_is_measured_over_the_last_minute() -> None:
    track = MemoryTrack(Thresholds(None))
    assert track.growth_mb_per_min is None
    for second in range(120):
        track.observe(float(second), (100 + second) * MIB)  # 1 MiB per second
    growth = track.growth_mb_per_min
    assert growth is not None and growth == pytest.approx(60.0, abs=0.5)


def test_the_start_up_ramp_is_not_a_trend() -> None:
    # 0 → 200 MiB in 10 s as npx, node and esbuild come up, then flat: what every start
    # of `convex dev` looks like. It read "↗ 888 MiB/min" on a flat line.
    track = MemoryTrack(Thresholds(None))
    track.mark_launch(0.0)
    for second in range(60):
        track.observe(float(second), min(200, 20 * second) * MIB)
        assert track.growth_mb_per_min is None, second


def test_a_flat_line_with_noise_or_one_jump_has_no_trend() -> None:
    noisy = MemoryTrack(Thresholds(None))
    jump = MemoryTrack(Thresholds(None))
    for second in range(120):
        noisy.observe(float(second), (200 + (7 if second % 2 else -7)) * MIB)
        jump.observe(float(second), (200 if second < 100 else 215) * MIB)
    assert noisy.growth_mb_per_min is None
    assert jump.growth_mb_per_min is None


def test_a_steady_leak_after_start_up_is_a_trend() -> None:
    track = MemoryTrack(Thresholds(None))
    track.mark_launch(0.0)
    for second in range(100):
        track.observe(float(second), (200 + second // 2) * MIB)  # 30 MiB a minute
    growth = track.growth_mb_per_min
    assert growth is not None and growth == pytest.approx(30.0, abs=2)


def test_a_heap_limit_is_compared_with_the_node_process_it_limits() -> None:
    # NODE_OPTIONS=--max-old-space-size=64: the tree (npx + node + esbuild) holds over
    # 200 MiB while the CLI's node holds ~140 MiB with ~38 MiB of heap: healthy.
    track = MemoryTrack(Thresholds(179 * MIB, None, "node", "80% of 64 plus 128"))
    assert track.observe(0.0, 225 * MIB, node_rss_bytes=143 * MIB) == []
    assert track.level == "ok"
    assert track.observe(1.0, 260 * MIB, node_rss_bytes=185 * MIB) == ["warn"]
    assert track.compared_bytes["warn"] == 185 * MIB


def test_a_long_session_is_thinned_not_forgotten() -> None:
    track = MemoryTrack(Thresholds(None))
    for second in range(20_000):
        track.observe(float(second), second * MIB)
    assert len(track.history) <= 7200
    assert track.history[0][0] < 100  # the start of the session is still there
    assert track.history[-1] == (19_999.0, 19_999 * MIB)
    points = track.points(50)
    assert len(points) == 50 and points[-1] == 19_999 * MIB and points == sorted(points)


def test_measuring_sums_the_tree_and_skips_what_is_gone() -> None:
    measurer = TreeMeasurer()
    trees = measurer.measure({"me": os.getpid(), "gone": 2**22 + 12345})
    assert set(trees) == {"me"}
    me = trees["me"]
    assert me.children[0].pid == os.getpid() and "pytest" in me.children[0].command
    assert me.rss_bytes == sum(child.rss_bytes for child in me.children) > 10 * MIB
    assert not me.children[0].node  # Python, not Node


def test_the_parent_scan_reads_only_new_pids_and_drops_gone_ones(tmp_path: Path) -> None:
    proc = tmp_path / "proc"

    def process(pid: int, comm: str, ppid: int) -> None:
        (proc / str(pid)).mkdir(parents=True)
        (proc / str(pid) / "stat").write_bytes(f"{pid} ({comm}) S {ppid} 1 1 0".encode())

    (proc / "self").mkdir(parents=True)
    (proc / "self" / "stat").write_text("1 (me) S 0")
    process(10, "node", 1)
    process(11, "a (weird) name) x", 10)
    scanner = ParentScanner(proc)
    assert scanner.scan() == {10: 1, 11: 10}
    (proc / "11" / "stat").write_bytes(b"11 (changed) S 99")  # a known pid is not re-read
    process(12, "esbuild", 10)
    assert scanner.scan() == {10: 1, 11: 10, 12: 10}
    for name in ("11", "12"):
        (proc / name / "stat").unlink()
        (proc / name).rmdir()
    assert scanner.scan() == {10: 1}


def test_the_parent_scan_agrees_with_psutil() -> None:
    scanner = ParentScanner()
    scanner.scan()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        parents = scanner.scan()
        assert parents[child.pid] == os.getpid()
        assert parents[os.getpid()] == os.getppid()
    finally:
        child.kill()
        child.wait()
    assert child.pid not in scanner.scan()


def test_sizes_read_like_a_person_would_write_them() -> None:
    assert mib(312 * MIB) == "312 MiB"
    assert mib(1.6 * 1024 * MIB) == "1.6 GiB"


def test_with_no_node_process_found_a_heap_limit_falls_back_to_the_tree() -> None:
    thresholds = Thresholds(179 * MIB, None, "node", "heap", tree_warn_bytes=1536 * MIB)
    track = MemoryTrack(thresholds)
    assert track.observe(0.0, 400 * MIB, node_rss_bytes=None) == []  # not 400 > 179
    assert track.compared_on == "tree" and track.warn_in_force == 1536 * MIB
    assert track.observe(1.0, 1600 * MIB, node_rss_bytes=None) == ["warn"]
