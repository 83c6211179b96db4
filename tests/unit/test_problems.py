"""The problem book: one problem per fingerprint, counted, resolved and reopened."""

from __future__ import annotations

from dataclasses import replace

from devtui.core.problems.book import Problem, ProblemBook, Severity, fingerprint, stable_text


def crypto_problem(at: float = 10.0, **changes: object) -> Problem:
    problem = Problem(
        rule="node-builtin-in-v8",
        severity=Severity.ERROR,
        title="Node built-in imported in a V8 file",
        message='Could not resolve "crypto"',
        process="convex",
        fingerprint=fingerprint("node-builtin-in-v8", ["convex/ai.ts", "crypto"]),
        first_seen=at,
        last_seen=at,
        file="convex/ai.ts",
        line=1,
        column=27,
        symbol="crypto",
        occurrence_seqs=(7, 8),
    )
    return replace(problem, **changes)  # type: ignore[arg-type]


def test_repeats_count_up_and_resolution_reopens_on_repeat() -> None:
    book = ProblemBook()
    stored, change = book.record(crypto_problem())
    assert change == "new" and stored.count == 1
    stored, change = book.record(crypto_problem(20.0, occurrence_seqs=(40, 41)))
    assert change == "repeat" and stored.count == 2
    assert (stored.first_seen, stored.last_seen) == (10.0, 20.0)
    assert stored.occurrence_seqs == (40, 41)
    resolved = book.resolve("convex", 25.0, ["node-builtin-in-v8"])
    assert [(p.resolved, p.resolved_at) for p in resolved] == [(True, 25.0)]
    assert book.resolve("convex", 26.0) == []
    again, change = book.record(crypto_problem(30.0))
    assert change == "repeat" and again.count == 3 and not again.resolved
    assert again.resolved_at is None
    assert len(book.all()) == 1


def test_lint_and_the_push_it_predicted_are_one_problem_and_one_occurrence() -> None:
    book = ProblemBook()
    lint = crypto_problem(
        process="lint", column=28, occurrence_seqs=(), sources=("lint",), message="lint words"
    )
    stored, change = book.record(lint)
    assert change == "new" and stored.sources == ("lint",)
    push = crypto_problem(20.0, column=28, sources=("push",), attempt=1)
    stored, change = book.record(push)
    assert change == "update" and stored.count == 1
    assert stored.sources == ("lint", "push") and stored.process == "convex"
    assert stored.reporters == ("lint", "convex")
    assert stored.occurrence_seqs == (7, 8) and stored.message == "lint words"
    # The next push attempt reporting it again is another occurrence.
    stored, change = book.record(crypto_problem(30.0, sources=("push",), attempt=2))
    assert change == "repeat" and stored.count == 2 and stored.reporters == ("convex",)
    assert len(book.all()) == 1


def test_the_same_push_attempt_reporting_twice_is_one_occurrence() -> None:
    book = ProblemBook()
    book.record(crypto_problem(sources=("push",), attempt=4))
    stored, change = book.record(crypto_problem(11.0, sources=("push",), attempt=4))
    assert change == "update" and stored.count == 1


def test_each_function_call_is_an_occurrence() -> None:
    book = ProblemBook()
    book.record(crypto_problem(sources=("output",)))
    stored, change = book.record(crypto_problem(11.0, sources=("output",)))
    assert change == "repeat" and stored.count == 2


def test_a_repeat_takes_the_latest_words() -> None:
    book = ProblemBook()
    book.record(crypto_problem(message="retrying (attempt 3/6)"))
    stored, _ = book.record(crypto_problem(11.0, message="retrying (attempt 4/6)"))
    assert stored.message == "retrying (attempt 4/6)"


def test_a_failed_attempt_keeps_what_it_reported_open() -> None:
    book = ProblemBook()
    kept, _ = book.record(crypto_problem())
    book.record(crypto_problem(rule="x", fingerprint="x|fs"))
    resolved = book.resolve("convex", 12.0, ["node-builtin-in-v8", "x"], keep=[kept.fingerprint])
    assert [p.fingerprint for p in resolved] == ["x|fs"]
    assert [p.resolved for p in book.all()] == [False, True]


def test_resolving_only_some_rules_leaves_the_others_open() -> None:
    book = ProblemBook()
    book.record(crypto_problem())
    other = crypto_problem(rule="convex-function-error", fingerprint="convex-function-error|x")
    book.record(other)
    assert [p.rule for p in book.resolve("convex", 12.0, ["node-builtin-in-v8"])] == [
        "node-builtin-in-v8"
    ]
    assert [p.resolved for p in book.all()] == [True, False]
    assert book.resolve("vite", 12.0) == []


def test_a_later_sighting_fills_in_a_missing_place() -> None:
    book = ProblemBook()
    book.record(crypto_problem(file=None, line=None, column=None))
    stored, _ = book.record(crypto_problem(20.0))
    assert stored.location == "convex/ai.ts:1:27"
    stored, _ = book.record(crypto_problem(30.0, file="elsewhere.ts", line=9))
    assert stored.location == "elsewhere.ts:9:27"  # the latest occurrence's place
    stored, _ = book.record(crypto_problem(40.0, file=None, line=None, column=None))
    assert stored.location == "elsewhere.ts:9:27"  # a sighting with none keeps it


def test_resolve_one_fingerprint() -> None:
    book = ProblemBook()
    problem, _ = book.record(crypto_problem())
    resolved = book.resolve_fingerprint(problem.fingerprint, 15.0)
    assert resolved is not None and resolved.resolved and resolved.resolved_at == 15.0
    assert book.resolve_fingerprint(problem.fingerprint, 16.0) is None
    assert book.resolve_fingerprint("unknown", 16.0) is None


def test_stable_text_drops_what_changes_between_sightings() -> None:
    first = stable_text("Error: Unable to start push to http://127.0.0.1:40611 after 1.5s")
    second = stable_text("Error: Unable to start push to http://127.0.0.1:55825 after 12s")
    assert first == second == "Error: Unable to start push to # after #s"


def test_location_text() -> None:
    assert crypto_problem().location == "convex/ai.ts:1:27"
    assert crypto_problem(column=None).location == "convex/ai.ts:1"
    assert crypto_problem(file=None).location == ""


def test_two_processes_reporting_one_cause_keep_it_open_until_both_stop() -> None:
    book = ProblemBook()
    book.record(crypto_problem(process="a", sources=("push",), attempt=1))
    stored, change = book.record(crypto_problem(11.0, process="b", sources=("push",), attempt=1))
    assert change == "update" and stored.reporters == ("a", "b")
    assert book.resolve("b", 12.0) == []  # a still reports it
    [problem] = book.all()
    assert not problem.resolved and problem.reporters == ("a",)
    [resolved] = book.resolve("a", 13.0)
    assert resolved.resolved and resolved.resolved_at == 13.0
