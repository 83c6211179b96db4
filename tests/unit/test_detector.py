"""Every built-in problem rule on the real captures and the seed texts.

The detector is fed the captured lines the way a process delivers them (in chunks, per
stream) and its problems are deduplicated by a `ProblemBook`, as in a run.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from devtui.core.config.rules import builtin_rules
from devtui.core.events import Stream
from devtui.core.problems.book import Problem, ProblemBook
from devtui.core.problems.detector import ProblemDetector
from devtui.core.problems.locate import SourceLocator
from devtui.core.run.lines import strip_ansi
from tests.helpers import FIXTURES

CAPTURE_ROOT = Path("/home/dev/app")
"""The captures' paths were rewritten to this project folder."""
SEED_TEXTS = FIXTURES / "seed-texts"


def detect(
    feeds: Sequence[tuple[Stream, list[str]]],
    kind: str,
    *,
    root: Path = CAPTURE_ROOT,
    chunk: int | None = None,
    seed: int = 0,
) -> list[Problem]:
    """The problems a process of `kind` shows for these lines (stream by stream)."""
    rules = [rule for rule in builtin_rules() if rule.applies_to(kind, kind)]
    detector = ProblemDetector(kind, rules, SourceLocator(root))
    book = ProblemBook()
    chooser = random.Random(seed)
    seq = 1
    for stream, lines in feeds:
        texts = [strip_ansi(line) for line in lines]
        index = 0
        while index < len(texts):
            size = chunk or chooser.randint(1, 7)
            part = texts[index : index + size]
            for finding in detector.feed(stream, part, seq, float(seq)):
                book.record(finding.problem)
            seq += len(part)
            index += size
    for problem in detector.flush():
        book.record(problem)
    return book.all()


def capture(case: str, kind: str = "convex", chunk: int | None = None) -> list[Problem]:
    stem = "convex-dev" if kind == "convex" else "vite"
    feeds: list[tuple[Stream, list[str]]] = []
    for stream in ("stdout", "stderr"):
        path = FIXTURES / case / f"{stem}.{stream}"
        if path.exists():
            feeds.append((stream, path.read_text().splitlines()))
    return detect(feeds, kind, chunk=chunk)


def summary(problem: Problem) -> tuple[object, ...]:
    return (
        problem.rule,
        problem.count,
        problem.file,
        problem.line,
        problem.column,
        problem.symbol,
    )


@pytest.mark.parametrize("chunk", [1, 3, None, 10_000])
def test_node_builtin_in_v8_is_one_problem_with_the_use_node_hint(chunk: int | None) -> None:
    problems = capture("node-in-v8-once", chunk=chunk)
    assert [summary(p) for p in problems] == [
        ("node-builtin-in-v8", 1, "convex/ai.ts", 1, 28, "crypto")
    ]
    problem = problems[0]
    assert problem.message == 'Could not resolve "crypto"'
    assert problem.lines[0] == '✘ [ERROR] Could not resolve "crypto"'
    assert problem.lines[-1].startswith("For more information see https://docs.convex.dev")
    assert any("use node" in line for line in problem.lines)
    assert len(problem.occurrence_seqs) == len(problem.lines) == 12
    assert '"use node"' in problem.fix and "crypto" in problem.explanation
    assert problem.severity == "error" and problem.docs.endswith("#nodejs-runtime")


@pytest.mark.parametrize(
    "case", ["use-node-mutation", "use-node-mutation-once", "use-node-mutation-once-no-ci"]
)
def test_a_mutation_in_a_use_node_file_names_the_function_and_file(case: str) -> None:
    problems = capture(case)
    assert [summary(p) for p in problems] == [
        ("non-action-in-node-file", 1, "agent.js", None, None, "createChatMessage")
    ]
    problem = problems[0]
    assert problem.message == (
        "createChatMessage in agent.js is a Mutation: only actions can be defined in Node.js"
    )
    # The CLI's generic "Unable to start push" lines are part of the same problem.
    assert problem.lines[0].startswith("✖ Error: Unable to start push")
    assert problem.lines[-1].startswith("`createChatMessage` defined in `agent.js`")


def test_the_deployments_module_name_is_found_as_its_source_file(tmp_path: Path) -> None:
    (tmp_path / "convex").mkdir()
    (tmp_path / "convex" / "agent.ts").write_text('"use node";\n')
    lines = (FIXTURES / "use-node-mutation-once" / "convex-dev.stderr").read_text().splitlines()
    [problem] = detect([("stderr", lines)], "convex", root=tmp_path)
    assert problem.file == "convex/agent.ts"


def test_the_same_failure_on_every_push_is_one_problem_counted_per_push() -> None:
    lines = (FIXTURES / "node-in-v8-once" / "convex-dev.stderr").read_text().splitlines()
    start = lines.index("- Preparing Convex functions...")
    three_pushes = lines[:start] + lines[start:] * 3
    [problem] = detect([("stderr", three_pushes)], "convex")
    assert (problem.rule, problem.count) == ("node-builtin-in-v8", 3)
    assert problem.first_seen < problem.last_seen
    assert problem.first_seq is not None
    assert problem.occurrence_seqs[0] > problem.first_seq  # the latest push's lines


def test_the_fixed_capture_shows_the_problem_once() -> None:
    assert [summary(p) for p in capture("fix-after-error")] == [
        ("node-builtin-in-v8", 1, "convex/ai.ts", 1, 28, "crypto")
    ]


def test_one_failing_call_is_one_occurrence_with_the_stack_place() -> None:
    # Its [ERROR] log line and its `Uncaught Error` line with the stack: one call.
    problems = capture("function-logs")
    assert [summary(p) for p in problems] == [
        ("convex-function-error", 1, "convex/ai.ts", 12, 12, "A(ai:streamChatWithAI)")
    ]
    assert "401 Incorrect API key provided" in problems[0].message
    assert (
        problems[0]
        .lines[0]
        .endswith("[ERROR] '[AI_STREAMING] Stream failed: 401 Incorrect API key provided'")
    )
    assert problems[0].lines[-1] == "    at handler (../convex/ai.ts:12:12)"


def test_a_second_call_of_the_function_is_a_second_occurrence() -> None:
    lines = (FIXTURES / "function-logs" / "convex-dev.stderr").read_text().splitlines()
    calls = [line for line in lines if "[CONVEX" in line or line.startswith("    at ")]
    [problem] = detect([("stderr", calls + calls)], "convex", chunk=10_000)
    assert (problem.rule, problem.count) == ("convex-function-error", 2)


def test_an_unreachable_deployment_and_its_retries() -> None:
    problems = capture("unreachable")
    assert [(p.rule, p.severity, p.count, p.message) for p in problems] == [
        (
            "deployment-retrying",
            "warning",
            4,
            "the deployment did not answer; the CLI is retrying (attempt 6/6)",
        ),
        ("deployment-unreachable", "error", 1, "TypeError: fetch failed"),
    ]


def test_a_network_retry_in_watch_mode_is_a_warning() -> None:
    # convex-facts: transient errors during a push in watch mode.
    line = "Failed due to network error, retrying in 672.57ms..."
    problems = detect([("stderr", [line, line.replace("672.57", "1.2")])], "convex")
    assert [(p.rule, p.count) for p in problems] == [("deployment-retrying", 2)]


def test_vite_serving_a_page_before_codegen() -> None:
    problems = capture("vite-no-codegen", "vite")
    assert [summary(p) for p in problems] == [
        # Vite's `File: …/src/main.js:5:21` counts from 0: the 22nd character is `.`
        ("generated-code-missing", 1, "src/main.js", 5, 22, "../convex/_generated/api")
    ]
    assert "depends_on" in problems[0].fix


def test_vite_port_fallback_is_info_with_the_new_url() -> None:
    problems = capture("vite-port-taken", "vite")
    assert [(p.rule, p.severity, p.symbol) for p in problems] == [
        ("vite-port-fallback", "info", "5173")
    ]
    assert problems[0].message == "port 5173 was taken; Vite serves http://localhost:5174/"


def test_vite_strict_port_failure_is_an_error() -> None:
    problems = capture("vite-port-taken-strict", "vite")
    assert [(p.rule, p.severity, p.symbol) for p in problems] == [
        ("vite-port-in-use", "error", "5173")
    ]


@pytest.mark.parametrize(
    ("case", "kind"),
    [
        ("ok", "convex"),
        ("ok-once", "convex"),
        ("ok-until-success", "convex"),
        ("slow", "convex"),
        ("ok-no-ci", "convex"),
        ("vite-ok", "vite"),
    ],
)
def test_clean_captures_have_no_problems(case: str, kind: str) -> None:
    assert capture(case, kind) == []


def test_the_clis_own_telemetry_failing_offline_is_not_a_problem() -> None:
    lines = [
        "Unexpected Error: Error: getaddrinfo ENOTFOUND o1192621.ingest.sentry.io",
        "Error: getaddrinfo ENOTFOUND o1192621.ingest.sentry.io",
    ]
    assert detect([("stderr", lines)], "convex") == []


# ---------------------------------------------------------------- seed texts


def test_seed_runtime_violation_texts() -> None:
    # 000, "Critical Runtime Violations Encountered", quoted as the team wrote them down.
    crypto = detect([("stderr", ["Could not resolve 'crypto'"])], "convex")
    assert [(p.rule, p.symbol) for p in crypto] == [("node-builtin-in-v8", "crypto")]
    legacy = (
        "createChatMessage defined in agent.js is a Mutation function. "
        "Only actions can be defined in Node.js"
    )
    mutation = detect([("stderr", [legacy])], "convex")
    assert [summary(p) for p in mutation] == [
        ("non-action-in-node-file", 1, "agent.js", None, None, "createChatMessage")
    ]


def test_a_non_builtin_module_that_cannot_be_resolved_is_a_bundling_error() -> None:
    lines = [
        '✘ [ERROR] Could not resolve "lodash-es"',
        "",
        "    convex/util.ts:2:20:",
        '      2 │ import { chunk } from "lodash-es";',
    ]
    [problem] = detect([("stderr", lines)], "convex")
    assert summary(problem) == ("esbuild-error", 1, "convex/util.ts", 2, 21, None)
    assert problem.message == 'Could not resolve "lodash-es"'


def test_node_prefixed_modules_are_node_builtins() -> None:
    lines = ['✘ [ERROR] Could not resolve "node:fs/promises"', "", "    convex/files.ts:1:21:"]
    [problem] = detect([("stderr", lines)], "convex")
    assert summary(problem) == (
        "node-builtin-in-v8",
        1,
        "convex/files.ts",
        1,
        22,
        "node:fs/promises",
    )


def test_seed_generated_code_missing_text() -> None:
    # 002, "Current Development Issue".
    line = 'Error: Missing "./_generated/dataModel" specifier in "convex" package'
    problems = detect([("stderr", [line])], "vite")
    assert [(p.rule, p.symbol) for p in problems] == [
        ("generated-code-missing", "./_generated/dataModel")
    ]


def test_seed_out_of_memory_is_one_problem() -> None:
    lines = (SEED_TEXTS / "out-of-memory.log").read_text().splitlines()
    [problem] = detect([("stderr", lines)], "convex")
    assert (problem.rule, problem.count) == ("node-out-of-memory", 1)
    assert problem.message == "FATAL ERROR: Zone Allocation failed - process out of memory"
    assert "--max-old-space-size" in problem.fix
    assert len(problem.lines) == 2


def test_nodes_full_out_of_memory_report_is_one_problem() -> None:
    from devtui.demo.convex_cli import OOM_SIGNATURE

    lines = OOM_SIGNATURE.replace("{pid}", "4242").splitlines()
    problems = detect([("stderr", [*lines, "after the crash"])], "convex")
    assert [(p.rule, p.message) for p in problems] == [
        (
            "node-out-of-memory",
            "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        )
    ]
    assert problems[0].lines[0] == "<--- Last few GCs --->"
    assert "after the crash" not in problems[0].lines


@pytest.mark.parametrize(
    "line",
    [
        "FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory",
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        "FATAL ERROR: MarkCompactCollector: young object promotion failed Allocation failed - JavaScript heap out of memory",
    ],
)
def test_each_out_of_memory_wording(line: str) -> None:
    assert [p.rule for p in detect([("stderr", [line])], "vite")] == ["node-out-of-memory"]


def test_seed_internal_server_error_in_an_action() -> None:
    lines = (SEED_TEXTS / "internal-server-error.log").read_text().splitlines()
    problems = detect([("stderr", lines)], "convex")
    # One call: its two [ERROR] lines and the logged object, named by what it hit.
    assert [(p.rule, p.symbol, p.count) for p in problems] == [
        ("internal-server-error", "A(ai:streamChatWithAI)", 1),
    ]
    internal = problems[0]
    assert internal.message == "InternalServerError in A(ai:streamChatWithAI)"
    assert len(internal.lines) == 6  # both log lines and the object, not just one line


def test_typecheck_failure_and_each_typescript_error() -> None:
    # What `convex dev` prints when tsc fails (its ✖ on stderr, tsc --pretty on stdout).
    stderr = [
        "- Preparing Convex functions...",
        "✖ TypeScript typecheck via `tsc` failed.",
        "To ignore failing typecheck, use `--typecheck=disable`.",
    ]
    stdout = [
        "convex/messages.ts:12:5 - error TS2322: Type 'string' is not assignable to type 'number'.",
        "",
        '12     count: "x",',
        "       ~~~~~",
        "convex/auth.ts(19,22): error TS2345: Argument of type '\"email\"' is not assignable to parameter of type 'never'.",
        "",
        "Found 2 errors in 2 files.",
    ]
    problems = detect([("stderr", stderr), ("stdout", stdout)], "convex")
    assert [summary(p) for p in problems] == [
        ("typecheck-failed", 1, None, None, None, None),
        ("typescript-error", 1, "convex/messages.ts", 12, 5, "TS2322"),
        ("typescript-error", 1, "convex/auth.ts", 19, 22, "TS2345"),
    ]
    assert problems[1].message == "TS2322 Type 'string' is not assignable to type 'number'."


def test_schema_validation_failure() -> None:
    lines = [
        "✖ Error: Unable to start push to http://127.0.0.1:3210",
        "✖ Error fetching POST  http://127.0.0.1:3210/api/deploy2/start_push 400 Bad Request: "
        "InvalidSchema: Hit an error while pushing:",
        'Schema validation failed.\nDocument with ID "k57..." in table "messages" does not match the schema',
    ]
    problems = detect([("stderr", lines)], "convex")
    assert [p.rule for p in problems] == ["schema-validation-failed"]


def test_a_push_failure_no_specific_rule_knows_is_the_generic_one() -> None:
    lines = [
        "✖ Error: Unable to start push to http://127.0.0.1:3210",
        "✖ Error fetching POST  http://127.0.0.1:3210/api/deploy2/start_push 500 Internal Server Error",
        "- Preparing Convex functions...",
        "✖ Error: Unable to start push to http://127.0.0.1:4444",
    ]
    problems = detect([("stderr", lines)], "convex")
    # Counted per push; the words are the latest push's.
    assert [(p.rule, p.count, p.message) for p in problems] == [
        ("push-failed", 2, "Error: Unable to start push to http://127.0.0.1:4444")
    ]
    assert "last good push" in problems[0].explanation


def test_a_block_on_one_stream_ignores_the_other() -> None:
    lines = (FIXTURES / "node-in-v8-once" / "convex-dev.stderr").read_text().splitlines()
    rules = [rule for rule in builtin_rules() if rule.applies_to("convex", "convex")]
    detector = ProblemDetector("convex", rules)
    start = next(i for i, line in enumerate(lines) if line.startswith("✘"))
    assert detector.feed("stderr", lines[: start + 3], 1, 0.0) == []
    assert detector.feed("stdout", ["an unrelated stdout line"], 100, 0.0) == []
    assert detector.has_open_block
    [problem] = detector.flush()
    assert "an unrelated stdout line" not in problem.lines
    assert not detector.has_open_block


def test_a_flood_of_ordinary_lines_finds_nothing_and_keeps_no_block() -> None:
    rules = list(builtin_rules())
    detector = ProblemDetector("vite", rules)
    lines = [f"{i} an ordinary log line with numbers {i * 7}" for i in range(5000)]
    assert detector.feed("stdout", lines, 1, 0.0) == []
    assert not detector.has_open_block


def test_findings_say_how_many_lines_come_before_them() -> None:
    rules = list(builtin_rules())
    detector = ProblemDetector("vite", rules)
    lines = ["before", "Error: Port 5173 is already in use", "after"]
    [finding] = detector.feed("stderr", lines, 10, 0.0)
    assert finding.after == 2 and finding.problem.occurrence_seqs == (11,)


def test_a_rule_without_needles_looks_at_every_line() -> None:
    from devtui.core.config import build_config

    config = build_config(
        {
            "processes": {"app": {"command": "true"}},
            "rules": [{"id": "boom", "title": "Boom", "start": "b(o+)m", "message": "boom"}],
        },
        file="devtui.toml",
        root=CAPTURE_ROOT,
        origin="t",
    )
    rules = [rule for rule in config.rules if rule.id == "boom"]
    detector = ProblemDetector("app", rules)
    [finding] = detector.feed("stdout", ["fine", "it went boooom here"], 1, 0.0)
    assert finding.problem.rule == "boom" and finding.problem.occurrence_seqs == (2,)
