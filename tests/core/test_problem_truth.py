"""Problems tell the truth, push by push: every captured run of the real CLI replayed
through a real child with the real timing, and what devtui concludes checked against it.

Each case ends with the replay's exit, so what is open and resolved is the final word on
the run: one problem per cause, in its place (1-based), resolved once a push no longer
reports it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devtui.core.config import Config
from devtui.core.events import (
    ProblemDetected,
    ProblemRepeated,
    ProblemResolved,
    ProblemUpdated,
    ProcessState,
    ProcessStateChanged,
    PushSettled,
)
from devtui.core.problems.book import Problem
from tests.core.conftest import StartStack
from tests.helpers import EventRecorder, child, make_config, replay

S = ProcessState
SOURCES = {
    "convex/ai.ts": 'import { createHash } from "crypto";\nexport const h = createHash;\n',
    "convex/files.ts": 'import { readFileSync } from "fs";\nexport const r = readFileSync;\n',
    "convex/agent.ts": '"use node";\nexport const createChatMessage = 1;\n',
    "convex/tasks.ts": "export const done: boolean = true;\n",
    "convex/http.ts": '"use node";\nexport default {};\n',
}
"""The files the captures name, so their places are found in the project."""

Shape = tuple[str, str, str | None, int | None, int | None, str | None, int, bool]
"""(rule, severity, file, line, column, symbol, count, resolved)."""


def shape(problem: Problem) -> Shape:
    return (
        problem.rule,
        problem.severity.value,
        problem.file,
        problem.line,
        problem.column,
        problem.symbol,
        problem.count,
        problem.resolved,
    )


def project(root: Path) -> None:
    for name, text in SOURCES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def replay_config(case: str, root: Path, stem: str = "convex-dev", kind: str = "convex") -> Config:
    """One process replaying `case` and then exiting, with live lint off (these are the
    push's own problems)."""
    return make_config(
        {kind: {"kind": kind, "command": replay(case, "--exit", "0", stem=stem)}},
        settings={"lint": False, "keep_logs": 0, "memory_interval": 0},
        root=root,
    )


async def replayed(
    case: str, tmp_path: Path, run: StartStack, stem: str = "convex-dev"
) -> tuple[list[Problem], EventRecorder]:
    """Every problem of the replayed run once it ended, and the events."""
    project(tmp_path)
    kind = "convex" if stem == "convex-dev" else "vite"
    supervisor, recorder = await run(replay_config(case, tmp_path, stem, kind))
    await recorder.wait_for(
        lambda e: getattr(e, "process", None) == kind and getattr(e, "state", S.READY).is_final,
        timeout=30,
    )
    return supervisor.problems.all(), recorder


MUTATION_IN_NODE_FILE: Shape = (
    "non-action-in-node-file",
    "error",
    "convex/agent.ts",  # the deployment names `agent.js`, the bundle of convex/agent.ts
    None,
    None,
    "createChatMessage",
    1,
    False,
)
EXPECTED: dict[str, list[Shape]] = {
    "ok": [],
    "ok-once": [],
    "ok-until-success": [],
    "ok-no-ci": [],
    "slow": [],
    "node-in-v8": [
        ("node-builtin-in-v8", "error", "convex/ai.ts", 1, 28, "crypto", 1, False),
    ],
    "node-in-v8-once": [
        ("node-builtin-in-v8", "error", "convex/ai.ts", 1, 28, "crypto", 1, False),
    ],
    "fix-after-error": [
        ("node-builtin-in-v8", "error", "convex/ai.ts", 1, 28, "crypto", 1, True),
    ],
    "two-violations-partial-fix": [
        # `import { readFileSync } from "fs";`: esbuild's 1:29 is the quote, 1-based 30
        ("node-builtin-in-v8", "error", "convex/files.ts", 1, 30, "fs", 2, False),
        ("node-builtin-in-v8", "error", "convex/ai.ts", 1, 28, "crypto", 1, True),
    ],
    "function-logs": [
        (
            "convex-function-error",
            "error",
            "convex/ai.ts",
            12,
            12,
            "A(ai:streamChatWithAI)",
            1,
            False,
        ),
    ],
    "use-node-mutation": [MUTATION_IN_NODE_FILE],
    "use-node-mutation-once": [MUTATION_IN_NODE_FILE],
    "use-node-mutation-once-no-ci": [MUTATION_IN_NODE_FILE],
    "backend-500-transient": [
        ("deployment-retrying", "warning", None, None, None, None, 2, True),
    ],
    "typecheck-error": [
        ("typescript-error", "error", "convex/tasks.ts", 14, 11, "TS2322", 1, False),
    ],
    "use-node-in-wrong-place": [
        ("use-node-not-allowed", "error", "convex/http.ts", None, None, None, 1, False),
    ],
    "unreachable": [
        ("deployment-retrying", "warning", None, None, None, None, 4, False),
        ("deployment-unreachable", "error", None, None, None, None, 1, False),
    ],
}
EXPECTED_VITE: dict[str, list[Shape]] = {
    "vite-ok": [],
    "vite-port-taken": [("vite-port-fallback", "info", None, None, None, "5173", 1, False)],
    "vite-port-taken-strict": [("vite-port-in-use", "error", None, None, None, "5173", 1, False)],
    "vite-no-codegen": [
        (
            "generated-code-missing",
            "error",
            "src/main.js",
            5,
            22,
            "../convex/_generated/api",
            1,
            False,
        ),
    ],
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
async def test_every_convex_capture_gives_its_true_problems(
    case: str, tmp_path: Path, run: StartStack
) -> None:
    problems, recorder = await replayed(case, tmp_path, run)
    assert [shape(p) for p in problems] == EXPECTED[case]
    # Every problem event names a problem the book holds (nothing announced twice).
    detected = [e for e in recorder.events if isinstance(e, ProblemDetected)]
    assert len(detected) == len(problems)


@pytest.mark.parametrize("case", sorted(EXPECTED_VITE))
async def test_every_vite_capture_gives_its_true_problems(
    case: str, tmp_path: Path, run: StartStack
) -> None:
    problems, _ = await replayed(case, tmp_path, run, stem="vite")
    assert [shape(p) for p in problems] == EXPECTED_VITE[case]


async def test_after_a_partial_fix_only_the_remaining_problem_is_open(
    tmp_path: Path, run: StartStack
) -> None:
    problems, recorder = await replayed("two-violations-partial-fix", tmp_path, run)
    settled = [e for e in recorder.events if isinstance(e, PushSettled)]
    assert [(e.attempt, e.succeeded, [p.symbol for p in e.problems]) for e in settled] == [
        (1, False, ["fs", "crypto"]),
        (2, False, ["fs"]),
    ]
    [resolved] = [e for e in recorder.events if isinstance(e, ProblemResolved)]
    assert resolved.problem.symbol == "crypto" and resolved.problem.resolved_at is not None
    # crypto was resolved when the second attempt was over, before any push succeeded
    assert recorder.events.index(resolved) < recorder.events.index(settled[1])
    open_ = [p.symbol for p in problems if not p.resolved]
    assert open_ == ["fs"]


async def test_a_successful_push_leaves_no_push_problem_open(
    tmp_path: Path, run: StartStack
) -> None:
    problems, recorder = await replayed("fix-after-error", tmp_path, run)
    assert [p.resolved for p in problems] == [True]
    settled = [
        (e.succeeded, len(e.problems)) for e in recorder.events if isinstance(e, PushSettled)
    ]
    assert settled == [(False, 1), (True, 0)]


async def test_a_transient_deployment_error_is_one_warning_resolved_at_ready(
    tmp_path: Path, run: StartStack
) -> None:
    problems, recorder = await replayed("backend-500-transient", tmp_path, run)
    [problem] = problems
    assert problem.message == (
        "the deployment http://127.0.0.1:40629 failed (500 Internal Server Error); "
        "the CLI is retrying in 1.01s"
    )
    assert problem.lines[0] == "✖ Error: Unable to start push to http://127.0.0.1:40629"
    assert not any(p.rule == "internal-server-error" for p in problems)
    states = recorder.states("convex")
    assert states[-2:] == [S.READY, S.EXITED]
    assert S.PUSHING in states
    retrying = [
        e.reason
        for e in recorder.events
        if isinstance(e, ProcessStateChanged) and e.state is S.PUSHING and "failed" in e.reason
    ]
    assert retrying == [
        "the deployment http://127.0.0.1:40629 failed; the CLI pushes again in 331.47ms",
        "the deployment http://127.0.0.1:40629 failed; the CLI pushes again in 1.01s",
    ]


async def test_type_errors_are_one_problem_each_with_the_code_frame(
    tmp_path: Path, run: StartStack
) -> None:
    problems, recorder = await replayed("typecheck-error", tmp_path, run)
    [problem] = problems
    assert problem.message == "TS2322 Type 'string' is not assignable to type 'boolean'."
    assert '14     const done: boolean = "no";' in problem.lines
    assert not any(line.startswith("Found 1 error") for line in problem.lines)
    # The header alone is not reported: tsc's diagnostic replaced it.
    assert not any(
        isinstance(e, ProblemDetected) and e.problem.rule == "typecheck-failed"
        for e in recorder.events
    )


async def test_the_typecheck_header_is_the_problem_when_no_diagnostics_follow(
    tmp_path: Path, run: StartStack
) -> None:
    steps = [
        "err:- Preparing Convex functions...",
        "err:",
        "err:✖ TypeScript typecheck via `tsc` failed.",
        "err:To ignore failing typecheck, use `--typecheck=disable`.",
        "sleep:0.3",
        "exit:1",
    ]
    config = make_config(
        {"convex": {"kind": "convex", "command": child("scripted.py", *steps)}},
        settings={"lint": False, "keep_logs": 0, "memory_interval": 0},
        root=tmp_path,
    )
    supervisor, recorder = await run(config)
    await recorder.wait_state("convex", S.EXITED, timeout=20)
    assert [(p.rule, p.message) for p in supervisor.problems.all()] == [
        ("typecheck-failed", "TypeScript typecheck via tsc failed")
    ]


async def test_unreachable_before_any_push_is_connecting_then_unreachable(
    tmp_path: Path, run: StartStack
) -> None:
    (tmp_path / ".env.local").write_text("CONVEX_SELF_HOSTED_URL=http://127.0.0.1:9\n")
    problems, recorder = await replayed("unreachable", tmp_path, run)
    states = recorder.states("convex")
    assert S.PUSH_FAILED not in states and S.PUSHING not in states
    assert states == [S.STARTING] + [S.CONNECTING] * 4 + [S.UNREACHABLE, S.EXITED]
    reasons = [
        e.reason
        for e in recorder.events
        if isinstance(e, ProcessStateChanged) and e.state is S.CONNECTING
    ]
    assert reasons[0] == (
        "cannot reach the deployment http://127.0.0.1:9 yet; the CLI is retrying (attempt 3/6)"
    )
    assert reasons[-1].endswith("(attempt 6/6)")
    retrying = problems[0]
    assert retrying.message == (
        "the deployment http://127.0.0.1:9 did not answer; the CLI is retrying (attempt 6/6)"
    )
    repeats = [
        e.problem.message
        for e in recorder.events
        if isinstance(e, ProblemRepeated) and e.problem.rule == "deployment-retrying"
    ]
    assert [m[-13:] for m in repeats] == ["(attempt 4/6)", "(attempt 5/6)", "(attempt 6/6)"]


async def test_lint_and_the_push_are_one_problem_with_two_sources(
    tmp_path: Path, run: StartStack
) -> None:
    project(tmp_path)
    config = make_config(
        {"convex": {"kind": "convex", "command": replay("node-in-v8", "--hold")}},
        settings={"keep_logs": 0, "memory_interval": 0},
        root=tmp_path,
    )
    from devtui.core.run.session import RunSession

    session = RunSession(config)
    recorder = EventRecorder(session.bus)
    await session.open()
    await session.start()
    updated = await recorder.wait_for(lambda e: isinstance(e, ProblemUpdated), timeout=20)
    assert isinstance(updated, ProblemUpdated)
    await session.close(0)
    await recorder.finish()
    crypto = [p for p in session.supervisor.problems.all() if p.symbol == "crypto"]
    assert len(crypto) == 1
    [problem] = crypto
    assert problem.sources == ("lint", "push")
    assert (problem.location, problem.count, problem.process) == ("convex/ai.ts:1:28", 1, "convex")
    assert problem.occurrence_seqs  # the push's lines, to mark in its pane
    detected = [e for e in recorder.events if isinstance(e, ProblemDetected | ProblemRepeated)]
    assert len([e for e in detected if e.problem.symbol == "crypto"]) == 1


CRYPTO_ERROR = [
    'err:✘ [ERROR] Could not resolve "crypto"',
    "err:",
    "err:    convex/ai.ts:1:27:",
    "err:",
]
PREPARING = ["err:- Preparing Convex functions...", "err:"]


def scripted_convex(root: Path, *processes: tuple[str, list[str]]) -> Config:
    return make_config(
        {
            name: {"kind": "convex", "command": child("scripted.py", *steps)}
            for name, steps in processes
        },
        settings={"lint": False, "keep_logs": 0, "memory_interval": 0},
        root=root,
    )


async def test_a_push_that_ended_without_an_outcome_resolves_nothing(
    tmp_path: Path, run: StartStack
) -> None:
    # Attempt 1 fails on crypto; attempt 2 begins, then the process is gone (stopped,
    # crashed, out of memory): attempt 2 proved nothing about crypto.
    steps = [*PREPARING, *CRYPTO_ERROR, "sleep:1", *PREPARING, "sleep:0.2", "exit:1"]
    supervisor, recorder = await run(scripted_convex(tmp_path, ("convex", steps)))
    await recorder.wait_state("convex", S.EXITED, timeout=20)
    [problem] = supervisor.problems.all()
    assert (problem.rule, problem.resolved) == ("node-builtin-in-v8", False)


async def test_an_attempt_stopped_at_an_earlier_step_cannot_vouch_for_later_ones(
    tmp_path: Path, run: StartStack
) -> None:
    # Attempt 2 stops at the CLI's own file check, before bundling: crypto (a bundling
    # error) is neither reported nor fixed, so it stays open.
    steps = [
        *PREPARING,
        *CRYPTO_ERROR,
        "sleep:1",
        *PREPARING,
        'err:✖ "use node" directive is not allowed for http.ts.',
        "sleep:1.2",
        "exit:1",
    ]
    supervisor, recorder = await run(scripted_convex(tmp_path, ("convex", steps)))
    await recorder.wait_state("convex", S.EXITED, timeout=20)
    problems = {p.rule: p for p in supervisor.problems.all()}
    assert not problems["node-builtin-in-v8"].resolved
    assert not problems["use-node-not-allowed"].resolved


async def test_an_attempt_that_got_further_resolves_what_it_got_through(
    tmp_path: Path, run: StartStack
) -> None:
    # tsc runs after the bundle was built and sent: a typecheck failure means crypto
    # bundled fine, so it was fixed.
    steps = [
        *PREPARING,
        *CRYPTO_ERROR,
        "sleep:1",
        *PREPARING,
        "err:✖ TypeScript typecheck via `tsc` failed.",
        "err:convex/tasks.ts:14:11 - error TS2322: Type 'string' is not assignable to type 'boolean'.",
        "err:Found 1 error in convex/tasks.ts:14",
        "sleep:0.5",
        "exit:1",
    ]
    supervisor, recorder = await run(scripted_convex(tmp_path, ("convex", steps)))
    await recorder.wait_state("convex", S.EXITED, timeout=20)
    problems = {p.rule: p for p in supervisor.problems.all()}
    assert problems["node-builtin-in-v8"].resolved
    assert not problems["typescript-error"].resolved


async def test_two_convex_processes_failing_alike_keep_the_problem_open_until_both_pass(
    tmp_path: Path, run: StartStack
) -> None:
    ready = ["err:✔ 04:31:45 Convex functions ready! (891.93ms)"]
    failing = [*PREPARING, *CRYPTO_ERROR, "hold"]
    fixed_later = [*PREPARING, *CRYPTO_ERROR, "sleep:1.5", *PREPARING, *ready, "hold"]
    supervisor, recorder = await run(scripted_convex(tmp_path, ("a", failing), ("b", fixed_later)))
    await recorder.wait_state("b", S.READY, timeout=20)
    [problem] = supervisor.problems.all()
    assert not problem.resolved and problem.reporters == ("a",)
