"""The MCP tools' results are bounded and say what they left out (no SDK needed)."""

from __future__ import annotations

import time

import pytest

from devtui.core.problems.book import Problem, Severity
from devtui.core.sessionlog.records import problem_record
from devtui.core.units import clock_time
from devtui.mcp.shaping import (
    LINE_CHARS,
    LOG_TEXT_BUDGET,
    MAX_PROBLEM_LINES,
    MAX_PROBLEMS,
    NoSuchProblem,
    find_problem,
    numbered,
    problems_of,
    shape_logs,
    shape_problem_details,
    shape_problem_list,
    shape_status,
    shape_wait,
)


def log_line(n: int, text: str | None = None) -> dict[str, object]:
    return {
        "process": "web",
        "stream": "stdout",
        "time": 1_700_000_000.0 + n,
        "seq": n,
        "text": f"line {n}" if text is None else text,
    }


def problem(
    n: int, *, resolved: bool = False, lines: int = 2, severity: Severity = Severity.ERROR
) -> Problem:
    return Problem(
        rule="push-failed",
        severity=severity,
        title="Convex push failed",
        message=f"problem {n}",
        process="backend",
        fingerprint=f"push-failed|{n}",
        first_seen=1_700_000_000.0 + n,
        last_seen=1_700_000_060.0 + n,
        file="convex/ai.ts",
        line=3,
        column=7,
        lines=tuple(f"output {i}" for i in range(lines)),
        resolved=resolved,
        explanation="why",
        fix="how",
        docs="https://docs.convex.dev/",
    )


def test_logs_say_how_much_matched_when_only_the_last_are_shown() -> None:
    result = {
        "lines": [log_line(n) for n in range(200, 300)],
        "matched": 5310,
        "truncated": True,
        "source": "memory",
    }
    shaped = shape_logs(result, 100)
    assert shaped["shown"] == 100
    assert shaped["matched"] == 5310
    assert shaped["truncated"] == (
        "showing the last 100 of 5,310 lines; narrow with grep/since_minutes/process/stream"
    )
    lines = shaped["lines"]
    assert isinstance(lines, list)
    assert lines[-1] == {
        "time": clock_time(1_700_000_299.0),
        "process": "web",
        "stream": "stdout",
        "text": "line 299",
    }


def test_logs_that_all_fit_carry_no_note() -> None:
    shaped = shape_logs({"lines": [log_line(1)], "matched": 1, "truncated": False}, 100)
    assert "truncated" not in shaped
    assert shaped["shown"] == shaped["matched"] == 1


def test_lines_from_memory_say_no_time_or_stream_rather_than_a_false_one() -> None:
    line = {"process": "web", "stream": "", "time": 0.0, "seq": 0, "text": "hi"}
    shaped = shape_logs({"lines": [line], "matched": 1, "truncated": False, "source": "memory"}, 9)
    assert shaped["lines"] == [{"time": None, "process": "web", "stream": None, "text": "hi"}]
    assert shaped["source"] == "memory"


def test_long_lines_are_cut_and_the_text_budget_drops_the_oldest() -> None:
    huge = "x" * (LINE_CHARS * 3)
    lines = [log_line(n, huge) for n in range(100)]
    shaped = shape_logs({"lines": lines, "matched": 100, "truncated": False}, 500)
    kept = shaped["lines"]
    assert isinstance(kept, list)
    assert 0 < len(kept) < 100
    assert sum(len(str(line["text"])) for line in kept) <= LOG_TEXT_BUDGET
    assert str(kept[0]["text"]).endswith(f"… [{LINE_CHARS * 2:,} more characters]")
    assert kept[-1]["time"] == clock_time(1_700_000_099.0), "the newest lines stay"
    assert "would exceed" in str(shaped["truncated"])


def test_a_problem_keeps_its_number_whatever_the_order_and_the_filter() -> None:
    # As devtui lists them: open ones first, gravest first, the latest sighting first.
    old_warning = problem(1, severity=Severity.WARNING)
    resolved = problem(2, resolved=True)
    new_error = problem(3)
    listed = numbered([new_error, old_warning, resolved])
    assert [(n, p.message) for n, p in listed] == [
        (3, "problem 3"),
        (1, "problem 1"),
        (2, "problem 2"),
    ]
    shaped = shape_problem_list(listed, include_resolved=False)
    problems = shaped["problems"]
    assert isinstance(problems, list)
    assert [p["index"] for p in problems] == [3, 1]
    assert problems[0]["location"] == "convex/ai.ts:3:7"
    assert shaped["note"] == "1 resolved not shown (include_resolved=true shows them)"
    everything = shape_problem_list(listed, include_resolved=True)["problems"]
    assert isinstance(everything, list)
    assert [p["index"] for p in everything] == [3, 1, 2]
    assert find_problem(listed, 1)[1] is old_warning
    assert find_problem(listed, "#2")[1] is resolved
    # A later problem, listed first, takes the next number; the others keep theirs.
    relisted = numbered([problem(4), new_error, old_warning, resolved])
    assert [n for n, _ in relisted] == [4, 3, 1, 2]


def test_the_problem_list_is_bounded() -> None:
    shaped = shape_problem_list(numbered([problem(n) for n in range(MAX_PROBLEMS + 7)]), False)
    listed = shaped["problems"]
    assert isinstance(listed, list) and len(listed) == MAX_PROBLEMS
    assert (
        shaped["truncated"]
        == f"showing {MAX_PROBLEMS} of {MAX_PROBLEMS + 7} problems (gravest first)"
    )


def test_a_problem_is_found_by_fingerprint_or_a_unique_prefix() -> None:
    problems = numbered([problem(1), problem(22), problem(23)])
    assert find_problem(problems, "push-failed|1") == problems[0]
    assert find_problem(problems, "push-failed|22")[0] == 2
    with pytest.raises(NoSuchProblem, match="2 problems' fingerprints start with"):
        find_problem(problems, "push-failed|2")
    with pytest.raises(NoSuchProblem, match="no problem #4: there are 3"):
        find_problem(problems, 4)
    with pytest.raises(NoSuchProblem, match="no problem has the fingerprint 'nope'"):
        find_problem(problems, "nope")


def test_details_come_from_the_protocol_record_and_are_bounded() -> None:
    record = problem_record(problem(1, lines=MAX_PROBLEM_LINES + 5))
    [decoded] = problems_of({"problems": [record]})
    details = shape_problem_details(1, decoded)
    assert details["fix"] == "how" and details["explanation"] == "why"
    assert details["docs"] == "https://docs.convex.dev/"
    assert details["first_seen"] == clock_time(1_700_000_001.0)
    lines = details["lines"]
    assert isinstance(lines, list) and len(lines) == MAX_PROBLEM_LINES
    assert str(details["truncated"]).startswith(
        f"showing the first {MAX_PROBLEM_LINES} of {MAX_PROBLEM_LINES + 5} output lines"
    )


def test_status_keeps_what_says_something() -> None:
    started = time.time() - 30
    result = {
        "devtui": {"pid": 7, "front_end": "headless", "root": "/p", "started": started},
        "ready": False,
        "processes": [
            {
                "name": "backend",
                "kind": "convex",
                "state": "failed",
                "reason": "push failed",
                "pid": 11,
                "ready_after_s": 1.234,
                "pushes": 2,
                "failed_pushes": 1,
                "last_push_s": None,
                "restarts": 0,
                "exit_code": None,
                "url": None,
                "stale_since": None,
                "rss_mb": 120.44,
            }
        ],
        "problems": {"open": {"error": 1, "warning": 0, "info": 0}, "resolved": 2},
    }
    shaped = shape_status(result)
    assert shaped["processes"] == [
        {
            "name": "backend",
            "kind": "convex",
            "state": "failed",
            "reason": "push failed",
            "pid": 11,
            "ready_after_s": 1.23,
            "pushes": 2,
            "failed_pushes": 1,
            "memory_mb": 120.4,
        }
    ]
    assert shaped["problems"] == {"open": {"error": 1}, "resolved": 2}
    assert shaped["ready"] is False
    assert shaped["next"] == "list_problems shows the open problems"


def test_a_wait_that_a_problem_ended_names_it() -> None:
    result = {
        "outcome": "problem",
        "code": 4,
        "reason": "Convex push failed",
        "problem": problem_record(problem(1)),
    }
    shaped = shape_wait(result)
    assert shaped["outcome"] == "problem" and shaped["code"] == 4
    named = shaped["problem"]
    assert isinstance(named, dict)
    assert named["fingerprint"] == "push-failed|1" and "index" not in named
