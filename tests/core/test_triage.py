"""Triage core: the index, grouped problems with context, views, search, report, summary."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtui.core.problems.line_levels import ERROR, WARNING
from devtui.core.query import compile_filter, compile_search
from devtui.core.triage.problems import occurrence_context
from devtui.core.triage.report import markdown_report
from devtui.core.triage.search import Cancelled, matching_lines
from devtui.core.triage.session import TriageSession
from devtui.core.triage.sessionfile import NotASessionLog, newest_log, read_header
from devtui.core.triage.summary import summary_document
from devtui.core.triage.view import ViewSpec, view_lines
from tests.triage_log import LogBuilder, story


@pytest.fixture(params=[1, 2], ids=["format-1", "format-2"])
def session(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[TriageSession]:
    """The same story in both log formats: a record per line (1) and per chunk (2)."""
    opened = TriageSession(story(tmp_path / "session-1.jsonl", version=request.param))
    opened.build()
    yield opened
    opened.close()


def texts(session: TriageSession, numbers: object) -> list[str]:
    return [session.index.line(n).text for n in numbers]  # type: ignore[attr-defined]


def test_the_index_reads_every_line_back_with_its_process_stream_and_text(
    session: TriageSession,
) -> None:
    index = session.index
    assert index.done and index.indexed == 15
    assert index.processes == ["convex", "vite"]
    first_error = index.line(1)
    assert first_error.text == '✘ [ERROR] Could not resolve "crypto"'
    assert "\x1b[31m" in first_error.raw and first_error.stream == "stderr"
    vite = index.line(index.lines_of[1][0])
    assert vite.process == "vite" and vite.stream == "stdout" and "VITE" in vite.text
    assert index.line_of_seq("convex", 2) == 1 and index.line_of_seq("convex", 99) is None


def test_problems_are_grouped_with_counts_and_every_occurrence(session: TriageSession) -> None:
    crypto, retry = sorted(session.problems, key=lambda p: p.rule != "node-builtin-in-v8")
    assert crypto.count == 2 and crypto.resolved and crypto.location == "convex/ai.ts:1:27"
    assert len(crypto.occurrences) == 2
    assert [o.seqs for o in crypto.occurrences] == [(2, 3, 4), (6, 7, 8)]
    assert retry.severity == "warning" and not retry.resolved
    assert session.problems[0] is retry  # open problems come first


def test_an_occurrence_comes_with_the_lines_around_it_from_its_process(
    session: TriageSession,
) -> None:
    crypto = next(p for p in session.problems if p.rule == "node-builtin-in-v8")
    context = occurrence_context(session.index, crypto.occurrences[1], 1)
    assert texts(session, context.numbers) == [
        "- Preparing Convex functions...",
        '✘ [ERROR] Could not resolve "crypto"',
        "",
        "    convex/ai.ts:1:27:",
        "- Preparing Convex functions...",
    ]
    assert len(context.marked) == 3
    wider = occurrence_context(session.index, crypto.occurrences[1], 3)
    assert len(wider.numbers) == 9


def test_problem_lines_take_their_problem_level_and_words_mark_the_rest(
    session: TriageSession,
) -> None:
    levels = session.index.levels
    assert levels[2] == ERROR  # the blank line inside the error block
    retry_line = session.index.line_of_seq("convex", 11)
    assert retry_line is not None and levels[retry_line] == WARNING
    assert levels[0] == 0


def test_views_filter_by_process_stream_level_window_and_terms(session: TriageSession) -> None:
    records = session.records
    every = view_lines(session.index, records, ViewSpec())
    assert len(every) == 15
    vite = view_lines(session.index, records, ViewSpec(processes=frozenset({"vite"})))
    assert [session.index.line(n).process for n in vite] == ["vite"] * 3
    stdout = view_lines(session.index, records, ViewSpec(stream="stdout"))
    assert list(stdout) == list(vite)
    errors = view_lines(session.index, records, ViewSpec(min_level=ERROR))
    assert len(errors) == 6
    warnings = view_lines(session.index, records, ViewSpec(min_level=WARNING))
    assert len(warnings) == 7
    since_ready = view_lines(session.index, records, ViewSpec(window="since-ready"))
    assert texts(session, since_ready)[0] == "  VITE v8.3.8  ready in 271 ms"
    this_push = view_lines(session.index, records, ViewSpec(window="this-push"))
    assert texts(session, this_push)[0] == "- Preparing Convex functions..."
    assert len(this_push) == 15  # the only `pushing` record is the first
    kept = view_lines(session.index, records, ViewSpec(filter=compile_filter("preparing !ready")))
    assert texts(session, kept) == ["- Preparing Convex functions..."] * 3
    recent = view_lines(session.index, records, ViewSpec(window="last-5-minutes"))
    assert len(recent) == 15


def test_search_marks_matching_lines_by_their_text_not_the_json_around_it(
    session: TriageSession,
) -> None:
    mask = matching_lines(session.index, compile_search('"crypto"').pattern)
    assert [n for n, hit in enumerate(mask) if hit] == [1, 5]
    assert not any(matching_lines(session.index, compile_search("kind").pattern))
    assert not any(matching_lines(session.index, compile_search(r"\\u001b|31m").pattern))


def test_a_cancelled_search_stops(session: TriageSession) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        matching_lines(session.index, compile_search("x").pattern, cancel)


def test_the_report_has_the_problem_its_fix_and_its_lines_redacted(session: TriageSession) -> None:
    report = markdown_report(session, session.problems, context=20)
    assert report.startswith("# devtui triage: `session-1.jsonl`")
    assert "## ✖ Node built-in imported in a V8 file (`node-builtin-in-v8`, error)" in report
    assert '**Fix.** Move it into a "use node" file.' in report
    assert '>!convex │ ✘ [ERROR] Could not resolve "crypto"' in report
    assert "### Occurrence 2 of 2" in report
    assert "sk-abcdefghijklmnop" not in report and "[REDACTED]" in report
    assert "\x1b" not in report


def test_the_summary_document_counts_and_lists_problems(session: TriageSession) -> None:
    document = summary_document(session)
    assert document["lines"] == 15 and document["exit_code"] == 130
    assert document["counts"] == {"error": 0, "warning": 1, "info": 0, "resolved": 1}
    assert document["processes"] == ["convex", "vite"]


def test_a_growing_log_is_indexed_further_on_refresh(tmp_path: Path) -> None:
    log = LogBuilder()
    log.lines("convex", "one", "two")
    path = log.write(tmp_path / "live.jsonl")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"kind":"line","time":1,"process":"convex","stream":"stdout","seq":3,"ra')
    session = TriageSession(path)
    session.build()
    assert session.index.indexed == 2  # the half-written record waits
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('w":"three"}\n')
    session.refresh()
    assert session.index.indexed == 3 and session.index.line(2).text == "three"
    session.close()


@pytest.mark.parametrize("version", [1, 2])
def test_odd_records_take_the_slow_path_and_still_read_right(tmp_path: Path, version: int) -> None:
    log = LogBuilder(processes=('we"ird',), version=version)
    log.lines('we"ird', "tab\there", "back\\slash", "\x1b[1mbold\x1b[0m")
    session = TriageSession(log.write(tmp_path / "odd.jsonl"))
    session.build()
    assert session.line_count == 3  # counted before indexing, whatever the name holds
    assert session.index.processes == ['we"ird']
    assert [session.index.line(n).text for n in range(3)] == ["tab\there", "back\\slash", "bold"]
    mask = matching_lines(session.index, compile_search(r"back\\slash").pattern)
    assert list(mask) == [0, 1, 0]
    session.close()


def test_files_that_are_not_session_logs_are_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    (tmp_path / "other.jsonl").write_text('{"kind":"line"}\n')
    (tmp_path / "empty.jsonl").write_text("")
    for name, why in [
        ("notes.txt", "not a JSON record"),
        ("other.jsonl", 'not kind "session"'),
        ("empty.jsonl", "is empty"),
        ("missing.jsonl", "no such file"),
    ]:
        with pytest.raises(NotASessionLog, match=why) as caught:
            read_header(tmp_path / name)
        assert name in str(caught.value)
    with pytest.raises(NotASessionLog, match="no session logs in"):
        newest_log(tmp_path)
    with pytest.raises(NotASessionLog, match="does not exist"):
        newest_log(tmp_path / "nowhere")


def test_an_empty_match_at_a_chunks_end_marks_no_line_of_the_next(
    session: TriageSession,
) -> None:
    mask = matching_lines(session.index, compile_search("^$").pattern)
    empty = [n for n in range(session.index.indexed) if session.index.line(n).text == ""]
    assert [n for n, hit in enumerate(mask) if hit] == empty


def test_a_grep_over_the_index_marks_the_lines_it_matches(session: TriageSession) -> None:
    from devtui.core.control.logs import compile_grep, grep_mask

    total = session.index.indexed
    for source in ("^$", "crypto", "^  VITE"):
        mask = grep_mask(session.index, compile_grep(source), total)
        found = [n for n, hit in enumerate(mask) if hit]
        assert found == [
            n
            for n in range(total)
            if compile_search(source).pattern.search(session.index.line(n).text)
        ], source
