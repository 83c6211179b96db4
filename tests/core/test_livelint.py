"""Live lint with a real watcher on real files: a violation appears, a fix clears it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devtui.core.bus import EventBus
from devtui.core.config.rules import builtin_rules
from devtui.core.events import (
    Event,
    FilesChanged,
    LintChecked,
    ProblemDetected,
    ProblemRepeated,
    ProblemResolved,
)
from devtui.core.lint.live import LiveLint
from devtui.core.problems.book import ProblemBook
from devtui.core.run.session import RunSession
from tests.helpers import EventRecorder, child, make_config

BROKEN = 'import { createHash } from "crypto";\nexport const h = createHash;\n'
RULES = {rule.id: rule for rule in builtin_rules()}
FIXED = "export const h = () => crypto.randomUUID();\n"


@pytest.fixture
async def watching(tmp_path: Path) -> AsyncIterator[tuple[LiveLint, EventRecorder, Path]]:
    functions = tmp_path / "convex"
    functions.mkdir()
    (functions / "ok.ts").write_text("export const ok = 1;\n")
    bus = EventBus()
    recorder = EventRecorder(bus)
    lint = LiveLint(functions, tmp_path, bus, ProblemBook(), time.time, RULES, debounce_ms=50)
    lint.start()
    yield lint, recorder, functions
    await lint.stop()
    bus.close()
    await recorder.finish()


def is_check(event: Event, changed: str | None = None) -> bool:
    return isinstance(event, LintChecked) and (changed is None or changed in event.changed)


async def test_a_violation_written_during_a_run_appears_and_its_fix_clears_it(
    watching: tuple[LiveLint, EventRecorder, Path],
) -> None:
    _lint, recorder, functions = watching
    first = await recorder.wait_for(is_check)
    assert isinstance(first, LintChecked)
    assert (first.folder, first.files, first.violations, first.changed) == ("convex", 1, 0, ())

    (functions / "ai.ts").write_text(BROKEN)
    detected = await recorder.wait_for(lambda e: isinstance(e, ProblemDetected))
    assert isinstance(detected, ProblemDetected)
    problem = detected.problem
    assert (problem.rule, problem.process, problem.location, problem.symbol) == (
        "node-builtin-in-v8",
        "lint",
        "convex/ai.ts:1:28",
        "crypto",
    )
    assert problem.fix and problem.explanation
    changed = await recorder.wait_for(lambda e: isinstance(e, FilesChanged))
    assert isinstance(changed, FilesChanged) and changed.paths == ("convex/ai.ts",)

    (functions / "ai.ts").write_text(FIXED)
    resolved = await recorder.wait_for(lambda e: isinstance(e, ProblemResolved))
    assert isinstance(resolved, ProblemResolved) and resolved.problem.resolved

    (functions / "ai.ts").write_text(BROKEN)
    again = await recorder.wait_for(lambda e: isinstance(e, ProblemRepeated))
    assert isinstance(again, ProblemRepeated)
    assert again.problem.count == 2 and not again.problem.resolved


async def test_an_unchanged_violation_is_not_counted_again(
    watching: tuple[LiveLint, EventRecorder, Path],
) -> None:
    _lint, recorder, functions = watching
    (functions / "ai.ts").write_text(BROKEN)
    await recorder.wait_for(lambda e: isinstance(e, ProblemDetected))
    (functions / "ok.ts").write_text("export const ok = 2;\n")
    await recorder.wait_for(lambda e: is_check(e, "convex/ok.ts"))
    assert not any(isinstance(e, ProblemRepeated | ProblemResolved) for e in recorder.events)


async def test_generated_code_and_other_files_do_not_trigger_a_check(
    watching: tuple[LiveLint, EventRecorder, Path],
) -> None:
    _lint, recorder, functions = watching
    await recorder.wait_for(is_check)
    (functions / "_generated").mkdir()
    (functions / "_generated" / "api.js").write_text("export const api = {};\n")
    (functions / "notes.md").write_text("# notes\n")
    (functions / "marker.ts").write_text("export const m = 1;\n")  # this one does
    marker = await recorder.wait_for(lambda e: isinstance(e, FilesChanged))
    assert isinstance(marker, FilesChanged) and marker.paths == ("convex/marker.ts",)


async def test_the_session_runs_live_lint_when_a_convex_folder_exists(tmp_path: Path) -> None:
    (tmp_path / "convex").mkdir()
    (tmp_path / "convex" / "ai.ts").write_text(BROKEN)
    config = make_config(
        {"convex": {"kind": "convex", "command": child("scripted.py", "hold")}},
        settings={"keep_logs": 0},
        root=tmp_path,
    )
    session = RunSession(config)
    recorder = EventRecorder(session.bus)
    await session.open()
    await session.start()
    detected = await recorder.wait_for(lambda e: isinstance(e, ProblemDetected))
    assert isinstance(detected, ProblemDetected) and detected.problem.process == "lint"
    await session.close(0)
    await recorder.finish()
    assert [p.rule for p in session.supervisor.problems.all()] == ["node-builtin-in-v8"]


def test_lint_is_off_without_a_folder_or_when_disabled(tmp_path: Path) -> None:
    processes = {"convex": {"kind": "convex", "command": child("scripted.py", "hold")}}
    assert RunSession(make_config(processes, root=tmp_path)).live_lint is None
    (tmp_path / "convex").mkdir()
    assert RunSession(make_config(processes, root=tmp_path)).live_lint is not None
    off = make_config(processes, settings={"lint": False}, root=tmp_path)
    assert RunSession(off).live_lint is None
    generic = {"app": {"command": child("scripted.py", "hold")}}
    assert RunSession(make_config(generic, root=tmp_path)).live_lint is None


async def test_a_watcher_that_cannot_start_is_reported_not_fatal(tmp_path: Path) -> None:
    bus = EventBus()
    recorder = EventRecorder(bus)
    lint = LiveLint(tmp_path / "gone", tmp_path, bus, ProblemBook(), time.time, RULES)
    lint.start()
    noted = await recorder.wait_for(lambda e: isinstance(e, LintChecked) and bool(e.note))
    assert isinstance(noted, LintChecked)
    assert noted.note.startswith("live lint stopped, gone/ is not watched: ")
    await lint.stop()
    bus.close()
    await recorder.finish()
