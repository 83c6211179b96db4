"""The Convex push cycle, on the real captures."""

from __future__ import annotations

import re

import pytest

from devtui.core.run.convex import PushCycle, parse_push_duration
from devtui.core.run.lines import strip_ansi
from devtui.core.run.readiness import DEFAULT_CONVEX_READY
from tests.helpers import FIXTURES


def stderr_lines(case: str) -> list[str]:
    text = (FIXTURES / case / "convex-dev.stderr").read_text()
    return [strip_ansi(line) for line in text.splitlines()]


def steps(case: str) -> list[tuple[str, float | None]]:
    cycle = PushCycle(re.compile(re.escape(DEFAULT_CONVEX_READY)))
    found: list[tuple[str, float | None]] = []
    for line in stderr_lines(case):
        signal = cycle.observe(line)
        if signal is not None and signal.kind != "deployment":
            found.append((signal.kind, signal.duration_s))
    return found


@pytest.mark.parametrize(
    ("amount", "unit", "seconds"),
    [
        ("891.93", "ms", 0.89193),
        ("1.03", "s", 1.03),
        ("21.02", "s", 21.02),
        ("1.5", "m", 90.0),
        ("1,234.5", "ms", 1.2345),
        ("12", "µs", 12e-6),
    ],
)
def test_push_durations_parse(amount: str, unit: str, seconds: float) -> None:
    assert parse_push_duration(amount, unit) == pytest.approx(seconds)


def test_every_push_is_seen_not_only_the_first() -> None:
    assert steps("ok") == [
        ("pushing", None),
        ("ready", pytest.approx(0.89193)),
        ("pushing", None),
        ("ready", pytest.approx(0.77894)),
    ]


def test_coloured_output_gives_the_same_cycle_once_stripped() -> None:
    assert steps("ok-no-ci") == [
        ("pushing", None),
        ("ready", pytest.approx(0.88442)),
        ("pushing", None),
        ("ready", pytest.approx(0.6803)),
    ]


def test_slow_push_duration() -> None:
    kind, seconds = steps("slow")[-1]
    assert kind == "ready" and seconds == pytest.approx(21.02)


def test_failed_push_then_fix_then_ready() -> None:
    assert [kind for kind, _ in steps("fix-after-error")] == [
        "pushing",
        "push-failed",
        "pushing",
        "ready",
    ]


def test_server_side_rejection_is_a_failed_push() -> None:
    assert [kind for kind, _ in steps("use-node-mutation")] == ["pushing", "push-failed"]


def test_function_log_errors_are_not_push_failures() -> None:
    assert [kind for kind, _ in steps("function-logs")] == ["pushing", "ready"]


def test_a_failed_push_fails_once_however_many_error_lines_it_prints() -> None:
    # use-node-mutation prints two ✖ lines for one rejected push.
    assert [kind for kind, _ in steps("use-node-mutation")].count("push-failed") == 1
    cycle = PushCycle(re.compile(re.escape(DEFAULT_CONVEX_READY)))
    kinds = [
        s.kind
        for s in map(cycle.observe, stderr_lines("fix-after-error"))
        if s and s.kind != "deployment"
    ]
    assert kinds == ["pushing", "push-failed", "pushing", "ready"]


def test_ready_on_an_excluded_stream_does_not_count() -> None:
    cycle = PushCycle(re.compile(re.escape(DEFAULT_CONVEX_READY)))
    line = "✔ 04:31:45 Convex functions ready! (891.93ms)"
    assert cycle.observe(line, may_be_ready=False) is None
    assert cycle.observe(line, may_be_ready=True) is not None


@pytest.mark.parametrize(
    "line",
    [
        "✖ TypeError: fetch failed",
        "✖ Error: connect ECONNREFUSED 127.0.0.1:3210",
        "✖ Error: getaddrinfo ENOTFOUND happy-animal-123.convex.cloud",
        "✖ Error: connect ETIMEDOUT 10.0.0.1:443",
        "✖ Error: getaddrinfo EAI_AGAIN happy-animal-123.convex.cloud",
    ],
)
def test_the_unreachable_state_and_its_problem_read_the_same_lines(line: str) -> None:
    from devtui.core.config.rules import builtin_rules
    from devtui.core.problems.detector import ProblemDetector

    cycle = PushCycle(re.compile(re.escape(DEFAULT_CONVEX_READY)))
    signal = cycle.observe(line)
    assert signal is not None and signal.kind == "unreachable"
    rules = [rule for rule in builtin_rules() if rule.applies_to("convex", "convex")]
    [finding] = ProblemDetector("convex", rules).feed("stderr", [line], 1, 0.0)
    assert finding.problem.rule == "deployment-unreachable"
