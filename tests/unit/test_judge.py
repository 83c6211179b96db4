"""The ci verdict from scripted event histories (no processes)."""

from __future__ import annotations

from devtui.core.events import (
    Event,
    ProblemDetected,
    ProcessState,
    ProcessStateChanged,
    ProcessStatus,
    ReadyTimedOut,
)
from devtui.core.problems.book import Problem, Severity
from devtui.core.run.judge import CiJudge, Verdict
from devtui.errors import ExitCode

S = ProcessState


def state(
    process: str, new: ProcessState, reason: str = "", last: tuple[str, ...] = ()
) -> ProcessStateChanged:
    status = ProcessStatus(process, "generic", new, reason)
    return ProcessStateChanged(process, new, S.STARTING, reason, 0.0, status, last)


def problem(severity: Severity) -> ProblemDetected:
    return ProblemDetected(
        Problem(
            "push-failed",
            severity,
            "Convex push failed",
            'Could not resolve "crypto"',
            "convex",
            "fp",
            0.0,
            0.0,
            file="convex/ai.ts",
            line=1,
            column=27,
        )
    )


def judge(history: list[Event]) -> Verdict | None:
    ci = CiJudge(["convex", "vite"])
    for event in history:
        verdict = ci.observe(event)
        if verdict is not None:
            return verdict
    return None


def test_all_ready_is_ok() -> None:
    verdict = judge([state("convex", S.PUSHING), state("convex", S.READY), state("vite", S.READY)])
    assert verdict is not None and verdict.code is ExitCode.OK


def test_waiting_is_no_verdict_yet() -> None:
    assert judge([state("convex", S.READY), state("vite", S.STARTING)]) is None


def test_exit_before_ready_fails_with_reason_and_last_lines() -> None:
    verdict = judge(
        [state("convex", S.EXITED, "exited with code 1 before it was ready", ("boom",))]
    )
    assert verdict == Verdict(
        ExitCode.PROCESS_FAILED, "convex failed: exited with code 1 before it was ready", ("boom",)
    )


def test_error_problem_fails_fast_naming_it() -> None:
    verdict = judge([state("convex", S.PUSH_FAILED), problem(Severity.ERROR)])
    assert verdict is not None and verdict.code is ExitCode.PROBLEM
    assert verdict.reason == 'problem: push-failed  convex/ai.ts:1:27  Could not resolve "crypto"'


def test_warnings_do_not_fail() -> None:
    assert judge([problem(Severity.WARNING)]) is None


def test_ready_timeout_is_exit_3() -> None:
    status = ProcessStatus("vite", "vite", S.STARTING)
    event = ReadyTimedOut("vite", r"ready in \d+", 5.0, ("last",), 0.0, status)
    verdict = judge([state("convex", S.READY), event])
    assert verdict is not None and verdict.code is ExitCode.READY_TIMEOUT
    assert "vite not ready after 5.0 s" in verdict.reason and verdict.details == ("last",)


def test_a_repeated_signal_within_the_window_is_an_echo_not_a_second_request() -> None:
    import signal

    from devtui.core.run.signals import ShutdownRequests, signal_request

    now = [0.0]
    requests = ShutdownRequests(lambda: now[0])
    assert requests.request(signal_request(signal.SIGHUP), from_signal=True) == "first"
    now[0] = 0.01  # a closing terminal's second SIGHUP, 10 ms later
    assert requests.request(signal_request(signal.SIGHUP), from_signal=True) == "echo"
    now[0] = 1.0
    assert requests.request(signal_request(signal.SIGINT), from_signal=True) == "now"
    assert requests.first is not None and requests.first.code == 129


def test_a_second_quit_key_means_now_however_soon() -> None:
    from devtui.core.run.signals import QUIT_REQUEST, ShutdownRequests

    now = [0.0]
    requests = ShutdownRequests(lambda: now[0])
    assert requests.request(QUIT_REQUEST, from_signal=False) == "first"
    now[0] = 0.05
    assert requests.request(QUIT_REQUEST, from_signal=False) == "now"


def test_out_of_memory_is_not_fatal_where_on_oom_restarts() -> None:
    oom = ProblemDetected(
        Problem(
            "node-out-of-memory",
            Severity.ERROR,
            "Node ran out of memory",
            "FATAL ERROR: Reached heap limit",
            "convex",
            "oom",
            0.0,
            0.0,
        )
    )
    assert CiJudge(["convex"], restart_on_oom=frozenset({"convex"})).observe(oom) is None
    verdict = CiJudge(["convex"]).observe(oom)
    assert verdict is not None and verdict.code is ExitCode.PROBLEM
    final = CiJudge(["convex"], restart_on_oom=frozenset({"convex"})).observe(
        state("convex", S.OOM, "out of memory (killed by SIGABRT)")
    )
    assert final is not None and final.code is ExitCode.PROCESS_FAILED


def test_a_wait_mid_run_starts_from_the_present_and_a_new_push_clears_its_failure() -> None:
    failed = problem(Severity.ERROR).problem
    pushing_now = [ProcessStatus("convex", "convex", S.PUSHING, "preparing")]
    judge = CiJudge(["convex"])
    judge.seed(pushing_now, [failed])
    assert judge.at_present() is None  # a push is under way: its outcome is the answer
    failed_now = [ProcessStatus("convex", "convex", S.PUSH_FAILED, "✘ [ERROR]")]
    judge = CiJudge(["convex"])
    judge.seed(failed_now, [failed])
    present = judge.at_present()
    assert present is not None and present.code is ExitCode.PROBLEM
    assert judge.moved_on(state("convex", S.PUSHING))
    assert not judge.moved_on(state("vite", S.PUSHING))
    judge.forget_present()
    assert judge.at_present() is None
    assert judge.observe(state("convex", S.READY)) == Verdict(ExitCode.OK, "all processes ready")
    ready_now = [ProcessStatus("convex", "convex", S.READY, "ready")]
    judge = CiJudge(["convex"])
    judge.seed(ready_now, [failed])  # ready wins over an open (say, lint) error
    assert judge.at_present() == Verdict(ExitCode.OK, "all processes ready")
