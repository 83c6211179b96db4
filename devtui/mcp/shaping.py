"""The control protocol's answers, cut to what a model should read: compact, bounded, and
saying so when something was left out.

Invariant: every tool result is bounded (lines, problems, characters per text and in all)
whatever the running devtui answers, and a result that leaves something out carries a
`truncated` note saying what was shown of how much and how to narrow the question.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Final

from devtui.core.problems.book import Problem
from devtui.core.sessionlog.records import problem_from_record
from devtui.core.units import clock_time

MAX_LOG_LINES: Final = 500
"""The most lines `read_logs` returns (its `last` is capped here)."""
DEFAULT_LOG_LINES: Final = 100
LOG_TEXT_BUDGET: Final = 60_000
"""Characters of log text one `read_logs` answer carries at most (the oldest lines go)."""
LINE_CHARS: Final = 2_000
"""A longer log or problem line is cut (a minified bundle's line can be megabytes)."""
TEXT_CHARS: Final = 500
"""A longer message, reason or title is cut."""
LONG_TEXT_CHARS: Final = 4_000
"""A longer explanation or fix is cut."""
MAX_PROBLEMS: Final = 50
"""The most problems `list_problems` lists."""
MAX_PROBLEM_LINES: Final = 80
"""The most output lines `problem_details` shows of one problem."""
MAX_PROCESSES: Final = 50

JsonDict = dict[str, object]


def clip(text: str, limit: int) -> str:
    """`text`, cut to `limit` characters with a note of how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit:,} more characters]"


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _text(value: object, limit: int = TEXT_CHARS) -> str | None:
    if value is None or value == "":
        return None
    return clip(str(value), limit)


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: object) -> Sequence[object]:
    return value if isinstance(value, list | tuple) else ()


# -- stack_status ------------------------------------------------------------------------

_COUNTS: Final = ("pushes", "failed_pushes", "restarts")
"""Said only when not zero."""


def shape_process(process: Mapping[str, object]) -> JsonDict:
    """One process of `status`, without the fields that say nothing."""
    shaped: JsonDict = {
        "name": str(process.get("name")),
        "kind": process.get("kind"),
        "state": process.get("state"),
    }
    reason = _text(process.get("reason"))
    if reason:
        shaped["reason"] = reason
    for key in ("url", "pid", "exit_code"):
        if process.get(key) is not None:
            shaped[key] = process[key]
    for key in ("ready_after_s", "last_push_s"):
        seconds = _number(process.get(key))
        if seconds is not None:
            shaped[key] = round(seconds, 2)
    for key in _COUNTS:
        count = process.get(key)
        if isinstance(count, int) and count:
            shaped[key] = count
    stale = _number(process.get("stale_since"))
    if stale is not None:
        shaped["stale_since"] = clock_time(stale)
    rss = _number(process.get("rss_mb"))
    if rss is not None:
        shaped["memory_mb"] = round(rss, 1)
    peak = _number(process.get("peak_rss_mb"))
    if peak is not None and (rss is None or peak > rss):
        shaped["peak_memory_mb"] = round(peak, 1)
    return shaped


def shape_status(result: Mapping[str, object]) -> JsonDict:
    """The `status` answer: which devtui, whether the stack is ready, each process, and how
    many problems are open."""
    devtui = _mapping(result.get("devtui"))
    started = _number(devtui.get("started"))
    who: JsonDict = {
        "pid": devtui.get("pid"),
        "front_end": devtui.get("front_end"),
        "root": devtui.get("root"),
    }
    if started is not None:
        who["started"] = clock_time(started)
        who["uptime_s"] = max(0, round(time.time() - started))
    if devtui.get("session_log"):
        who["session_log"] = devtui["session_log"]
    processes = [shape_process(_mapping(p)) for p in _sequence(result.get("processes"))]
    problems = _mapping(result.get("problems"))
    open_counts = {k: v for k, v in _mapping(problems.get("open")).items() if v}
    shaped: JsonDict = {
        "ready": bool(result.get("ready")),
        "processes": processes[:MAX_PROCESSES],
        "problems": {"open": open_counts, "resolved": problems.get("resolved", 0)},
        "devtui": who,
    }
    if len(processes) > MAX_PROCESSES:
        shaped["truncated"] = f"showing the first {MAX_PROCESSES} of {len(processes):,} processes"
    if open_counts:
        shaped["next"] = "list_problems shows the open problems"
    return shaped


# -- read_logs ---------------------------------------------------------------------------


def shape_logs(result: Mapping[str, object], asked: int) -> JsonDict:
    """The `logs` answer: each line as process, stream, local time and text; the oldest
    dropped past `LOG_TEXT_BUDGET` characters; a note when not every match is shown."""
    lines: list[JsonDict] = []
    for raw in _sequence(result.get("lines")):
        line = _mapping(raw)
        at = _number(line.get("time"))
        lines.append(
            {
                "time": clock_time(at) if at else None,  # (0: not known, from memory)
                "process": line.get("process"),
                "stream": line.get("stream") or None,
                "text": clip(str(line.get("text", "")), LINE_CHARS),
            }
        )
    lines = lines[-asked:] if asked > 0 else []
    budget = LOG_TEXT_BUDGET
    kept = 0
    for line in reversed(lines):
        budget -= len(str(line["text"])) + 40
        if budget < 0:
            break
        kept += 1
    cut_for_size = kept < len(lines)
    if cut_for_size:
        lines = lines[len(lines) - kept :]
    matched = result.get("matched")
    total = matched if isinstance(matched, int) else len(lines)
    total = max(total, len(lines))
    shaped: JsonDict = {"lines": lines, "shown": len(lines), "matched": total}
    if result.get("source"):
        shaped["source"] = result["source"]
    if total > len(lines) or result.get("truncated") is True:
        why = (
            f" (the text of more would exceed {LOG_TEXT_BUDGET:,} characters)"
            if (cut_for_size)
            else ""
        )
        shaped["truncated"] = (
            f"showing the last {len(lines):,} of {total:,} lines{why}; "
            "narrow with grep/since_minutes/process/stream"
        )
    return shaped


# -- list_problems / problem_details -----------------------------------------------------


def problems_of(result: Mapping[str, object]) -> list[Problem]:
    """The `problems` answer's records, decoded as the core's `Problem`."""
    return [problem_from_record(_mapping(record)) for record in _sequence(result.get("problems"))]


def shape_problem(index: int, problem: Problem) -> JsonDict:
    """One problem in a list: enough to decide which one to look at."""
    shaped: JsonDict = {
        "index": index,
        "severity": problem.severity.value,
        "rule": problem.rule,
        "title": clip(problem.title, TEXT_CHARS),
        "process": problem.process,
    }
    if problem.location:
        shaped["location"] = problem.location
    shaped["count"] = problem.count
    shaped["resolved"] = problem.resolved
    shaped["message"] = clip(problem.message, TEXT_CHARS)
    shaped["fingerprint"] = problem.fingerprint
    return shaped


Numbered = Sequence[tuple[int, Problem]]
"""Problems with their numbers, in the order devtui lists them (open first, gravest first)."""


def numbered(problems: Sequence[Problem]) -> list[tuple[int, Problem]]:
    """Each problem with its number: its place in order of first sighting, so a number
    stays the same for the whole run (a later problem takes the next number; a problem
    that recurs or is resolved keeps its own), whichever are shown."""
    by_age = sorted(
        range(len(problems)),
        key=lambda i: (problems[i].first_seen, problems[i].first_seq or 0, problems[i].fingerprint),
    )
    number = {position: n for n, position in enumerate(by_age, start=1)}
    return [(number[i], problem) for i, problem in enumerate(problems)]


def shape_problem_list(problems: Numbered, include_resolved: bool) -> JsonDict:
    """The problems as devtui orders them (open ones first, gravest first), each with its
    number; resolved ones only when asked."""
    chosen = [(n, p) for n, p in problems if include_resolved or not p.resolved]
    shown = chosen[:MAX_PROBLEMS]
    resolved = sum(1 for _, p in problems if p.resolved)
    shaped: JsonDict = {
        "problems": [shape_problem(index, problem) for index, problem in shown],
        "open": len(problems) - resolved,
        "resolved": resolved,
    }
    if len(chosen) > len(shown):
        shaped["truncated"] = f"showing {len(shown)} of {len(chosen):,} problems (gravest first)"
    if not include_resolved and resolved:
        shaped["note"] = f"{resolved} resolved not shown (include_resolved=true shows them)"
    if shown:
        shaped["next"] = "problem_details(index or fingerprint) explains one and how to fix it"
    return shaped


class NoSuchProblem(LookupError):
    """`fingerprint_or_index` names no problem; the message says what there is."""


def find_problem(problems: Numbered, key: int | str) -> tuple[int, Problem]:
    """The problem `key` names: its number (as `list_problems` shows it, `#3` and `3`
    alike), its fingerprint, or a prefix of exactly one fingerprint."""
    text = str(key).strip()
    number = text.removeprefix("#")
    if number.isdigit():
        index = int(number)
        for n, problem in problems:
            if n == index:
                return n, problem
        raise NoSuchProblem(
            f"no problem #{index}: there are {len(problems)} (numbered from 1, as "
            "list_problems shows them)"
        )
    exact = [(n, p) for n, p in problems if p.fingerprint == text]
    found = exact or [(n, p) for n, p in problems if text and p.fingerprint.startswith(text)]
    if len(found) == 1:
        return found[0]
    if found:
        raise NoSuchProblem(f"{len(found)} problems' fingerprints start with {text!r}: give more")
    raise NoSuchProblem(
        f"no problem has the fingerprint {text!r} (list_problems shows the current ones; "
        "a number works too)"
    )


def shape_problem_details(index: int, problem: Problem) -> JsonDict:
    """One problem whole: what happened, where, why, how to fix it and its output lines."""
    shaped = shape_problem(index, problem)
    shaped["message"] = clip(problem.message, LONG_TEXT_CHARS)
    if problem.symbol:
        shaped["symbol"] = problem.symbol
    if problem.first_seen > 0:  # (0: the record did not say)
        shaped["first_seen"] = clock_time(problem.first_seen)
    if problem.last_seen > 0:
        shaped["last_seen"] = clock_time(problem.last_seen)
    if problem.resolved_at is not None:
        shaped["resolved_at"] = clock_time(problem.resolved_at)
    if problem.attempt is not None:
        shaped["push_attempt"] = problem.attempt
    if problem.sources:
        shaped["reported_by"] = list(problem.sources)
    for key, text in (
        ("explanation", problem.explanation),
        ("fix", problem.fix),
        ("docs", problem.docs),
    ):
        if text:
            shaped[key] = clip(text, LONG_TEXT_CHARS)
    lines = [clip(line, LINE_CHARS) for line in problem.lines]
    shaped["lines"] = lines[:MAX_PROBLEM_LINES]
    if len(lines) > MAX_PROBLEM_LINES:
        shaped["truncated"] = (
            f"showing the first {MAX_PROBLEM_LINES} of {len(lines):,} output lines; "
            "read_logs with process and grep shows the rest"
        )
    return shaped


# -- restart_process / wait_until_ready --------------------------------------------------


def shape_restart(result: Mapping[str, object], name: str) -> JsonDict:
    """The `restart` answer: the state the process has once it started again."""
    shaped: JsonDict = {"process": result.get("process", name), "state": result.get("state")}
    reason = _text(result.get("reason"))
    if reason:
        shaped["reason"] = reason
    shaped["next"] = "wait_until_ready waits until the stack is ready again"
    return shaped


def shape_wait(result: Mapping[str, object]) -> JsonDict:
    """The `wait` answer: outcome, exit code as `devtui ci` would give, reason, and the
    problem that ended the wait (if one did)."""
    shaped: JsonDict = {
        "outcome": result.get("outcome"),
        "code": result.get("code"),
        "reason": _text(result.get("reason"), LONG_TEXT_CHARS),
    }
    problem = result.get("problem")
    if isinstance(problem, Mapping):
        decoded = problem_from_record(problem)
        shaped["problem"] = {
            key: value for key, value in shape_problem(0, decoded).items() if key != "index"
        }
    return shaped
