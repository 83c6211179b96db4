"""Push failures summarised into problems, and their deduplication."""

from __future__ import annotations

from dataclasses import replace

from devtui.core.lines import strip_ansi
from devtui.core.problems import ProblemBook, push_failure_problem, summarize_push_failure
from tests.helpers import FIXTURES


def block_after_preparing(case: str) -> list[str]:
    lines = [
        strip_ansi(line)
        for line in (FIXTURES / case / "convex-dev.stderr").read_text().splitlines()
    ]
    start = next(i for i, line in enumerate(lines) if line.startswith(("✘", "✖")))
    return lines[start:]


def test_esbuild_error_gives_the_module_and_its_place() -> None:
    summary = summarize_push_failure(block_after_preparing("node-in-v8"))
    assert summary.headline == 'Could not resolve "crypto"'
    assert (summary.file, summary.line, summary.column) == ("convex/ai.ts", 1, 27)


def test_server_rejection_skips_the_generic_wrappers() -> None:
    summary = summarize_push_failure(block_after_preparing("use-node-mutation"))
    assert summary.headline.startswith(
        "`createChatMessage` defined in `agent.js` is a Mutation function"
    )
    assert summary.file is None


def test_coloured_capture_gives_the_same_headline() -> None:
    block = block_after_preparing("use-node-mutation-once-no-ci")
    assert "createChatMessage" in summarize_push_failure(block).headline


def test_the_same_failure_on_another_run_has_the_same_fingerprint() -> None:
    first = push_failure_problem("convex", block_after_preparing("use-node-mutation"), 1.0, 5)
    other_port = [
        line.replace("55825", "40611") for line in block_after_preparing("use-node-mutation")
    ]
    second = push_failure_problem("convex", other_port, 99.0, 50)
    assert first.fingerprint == second.fingerprint


def test_repeats_count_up_and_resolution_reopens_on_repeat() -> None:
    book = ProblemBook()
    problem = push_failure_problem("convex", block_after_preparing("node-in-v8"), 10.0, 7)
    stored, new = book.record(problem)
    assert new and stored.count == 1
    stored, new = book.record(replace(problem, first_seen=20.0, last_seen=20.0))
    assert not new and stored.count == 2
    assert (stored.first_seen, stored.last_seen) == (10.0, 20.0)
    resolved = book.resolve("convex", ("push-",))
    assert [p.resolved for p in resolved] == [True]
    assert book.resolve("convex") == []
    again, new = book.record(replace(problem, last_seen=30.0))
    assert not new and again.count == 3 and not again.resolved
    assert len(book.all()) == 1


def test_location_text() -> None:
    problem = push_failure_problem("convex", block_after_preparing("node-in-v8"), 1.0, 1)
    assert problem.location == "convex/ai.ts:1:27"
