"""The problem book: one problem per fingerprint, counted, resolved and reopened."""

from __future__ import annotations

from dataclasses import replace

from devtui.core.problems import Problem, ProblemBook, Severity, fingerprint, stable_text


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
    stored, new = book.record(crypto_problem())
    assert new and stored.count == 1
    stored, new = book.record(crypto_problem(20.0, occurrence_seqs=(40, 41)))
    assert not new and stored.count == 2
    assert (stored.first_seen, stored.last_seen) == (10.0, 20.0)
    assert stored.occurrence_seqs == (40, 41)
    resolved = book.resolve("convex", ["node-builtin-in-v8"])
    assert [p.resolved for p in resolved] == [True]
    assert book.resolve("convex") == []
    again, new = book.record(crypto_problem(30.0))
    assert not new and again.count == 3 and not again.resolved
    assert len(book.all()) == 1


def test_resolving_only_some_rules_leaves_the_others_open() -> None:
    book = ProblemBook()
    book.record(crypto_problem())
    other = crypto_problem(rule="convex-function-error", fingerprint="convex-function-error|x")
    book.record(other)
    assert [p.rule for p in book.resolve("convex", ["node-builtin-in-v8"])] == [
        "node-builtin-in-v8"
    ]
    assert [p.resolved for p in book.all()] == [True, False]
    assert book.resolve("vite") == []


def test_a_later_sighting_fills_in_a_missing_place() -> None:
    book = ProblemBook()
    book.record(crypto_problem(file=None, line=None, column=None))
    stored, _ = book.record(crypto_problem(20.0))
    assert stored.location == "convex/ai.ts:1:27"
    stored, _ = book.record(crypto_problem(30.0, file="elsewhere.ts", line=9))
    assert stored.location == "convex/ai.ts:1:27"


def test_resolve_one_fingerprint() -> None:
    book = ProblemBook()
    problem, _ = book.record(crypto_problem())
    resolved = book.resolve_fingerprint(problem.fingerprint)
    assert resolved is not None and resolved.resolved
    assert book.resolve_fingerprint(problem.fingerprint) is None
    assert book.resolve_fingerprint("unknown") is None


def test_stable_text_drops_what_changes_between_sightings() -> None:
    first = stable_text("Error: Unable to start push to http://127.0.0.1:40611 after 1.5s")
    second = stable_text("Error: Unable to start push to http://127.0.0.1:55825 after 12s")
    assert first == second == "Error: Unable to start push to # after #s"


def test_location_text() -> None:
    assert crypto_problem().location == "convex/ai.ts:1:27"
    assert crypto_problem(column=None).location == "convex/ai.ts:1"
    assert crypto_problem(file=None).location == ""
