"""What headless output looks like: prefixes, stream marks, colour choice, the summary."""

from __future__ import annotations

import io
import time

import pytest

from devtui.core.events import OutputLines, ProcessState, ProcessStatus
from devtui.headless.colour import use_colour
from devtui.headless.printer import HeadlessPrinter
from devtui.headless.summary import json_summary, summary_table

AT = time.mktime((2026, 11, 22, 4, 27, 19, 0, 0, -1))


def printer(colour: bool = False) -> tuple[HeadlessPrinter, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return (
        HeadlessPrinter(out, err, ["convex", "vite"], colour_out=colour, colour_err=colour),
        out,
        err,
    )


def test_lines_are_prefixed_with_time_padded_name_and_stream_mark() -> None:
    p, out, _ = printer()
    banner = ("", "  VITE v8.3.8  ready in 271 ms")
    p.write_runs(
        p.render(
            [
                OutputLines("vite", "stdout", AT, 1, banner, banner),
                OutputLines("convex", "stderr", AT, 1, ("\x1b[32m✔\x1b[39m ready",), ("✔ ready",)),
            ]
        )
    )
    assert out.getvalue() == (
        "04:27:19 vite   │ \n"
        "04:27:19 vite   │   VITE v8.3.8  ready in 271 ms\n"
        "04:27:19 convex ┃ ✔ ready\n"
    )


def test_colour_keeps_the_childs_codes_and_resets_after_them() -> None:
    p, out, _ = printer(colour=True)
    p.write_runs(
        p.render(
            [
                OutputLines(
                    "convex",
                    "stderr",
                    AT,
                    1,
                    ("\x1b[32m✔\x1b[39m ready", "plain"),
                    ("✔ ready", "plain"),
                )
            ]
        )
    )
    text = out.getvalue()
    assert "\x1b[32m✔\x1b[39m ready\x1b[0m\n" in text and text.endswith("plain\x1b[0m\n")
    assert "convex" in text and "┃" in text


@pytest.mark.parametrize(
    ("choice", "env", "tty", "expected"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"FORCE_COLOR": "0"}, False, False),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_colour_choice(choice: str, env: dict[str, str], tty: bool, expected: bool) -> None:
    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    assert use_colour(choice, Stream(), env) is expected  # type: ignore[arg-type]


def test_summary_table_and_json_agree() -> None:
    statuses = [
        ProcessStatus("convex", "convex", ProcessState.PUSH_FAILED, pushes=0, failed_pushes=1),
        ProcessStatus("vite", "vite", ProcessState.WAITING),
    ]
    peaks = {"convex": 300 * 1024 * 1024}
    lines = summary_table(statuses, [], peaks)
    assert lines[0].split() == [
        "process",
        "state",
        "ready",
        "after",
        "pushes",
        "restarts",
        "exit",
        "peak",
        "memory",
    ]
    assert lines[1].split() == [
        "convex",
        "push-failed",
        "-",
        "0",
        "(+1",
        "failed)",
        "0",
        "-",
        "300",
        "MiB",
    ]
    assert lines[2].split() == ["vite", "waiting", "-", "-", "0", "-", "-"]
    document = json_summary(4, "problem: x", statuses, [], None, peaks)
    processes = document["processes"]
    assert isinstance(processes, list)
    convex, vite = processes
    assert convex == {
        "name": "convex",
        "kind": "convex",
        "state": "push-failed",
        "ready_after_s": None,
        "pushes": 0,
        "restarts": 0,
        "exit_code": None,
        "peak_rss_mb": 300.0,
        "stale_since": None,
        "killed": False,
        "failed_pushes": 1,
        "last_push_s": None,
    }
    assert vite["url"] is None and vite["pushes"] is None and vite["state"] == "waiting"
    assert vite["peak_rss_mb"] is None
    assert document["exit_code"] == 4 and document["exit_reason"] == "problem: x"


def test_summary_counts_failed_pushes_beside_good_ones() -> None:
    status = ProcessStatus("convex", "convex", ProcessState.READY, pushes=1, failed_pushes=2)
    assert summary_table([status], [])[1].split()[:4] == ["convex", "ready", "-", "1"]
    assert "1 (+2 failed)" in summary_table([status], [])[1]
