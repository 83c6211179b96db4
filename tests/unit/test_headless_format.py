"""What headless output looks like: prefixes, stream marks, colour choice, the summary."""

from __future__ import annotations

import io
import time
from typing import TextIO

import pytest

from devtui.core.events import Event, OutputLines, ProcessState, ProcessStateChanged, ProcessStatus
from devtui.headless.colour import use_colour
from devtui.headless.printer import HeadlessPrinter
from devtui.headless.summary import json_summary, summary_table

AT = time.mktime((2026, 11, 22, 4, 27, 19, 0, 0, -1))


class Written:
    """A stdout as the printer meets it: text only (StringIO), or a file whose UTF-8
    buffer takes child output as bytes."""

    def __init__(self, kind: str) -> None:
        self.stream: TextIO = (
            io.StringIO() if kind == "text" else io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        )

    def getvalue(self) -> str:
        if isinstance(self.stream, io.StringIO):
            return self.stream.getvalue()
        assert isinstance(self.stream, io.TextIOWrapper)
        self.stream.flush()
        buffer = self.stream.buffer
        assert isinstance(buffer, io.BytesIO)
        return buffer.getvalue().decode("utf-8")


@pytest.fixture(params=["text", "file"])
def stdout_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def printer(
    colour: bool = False, kind: str = "text"
) -> tuple[HeadlessPrinter, Written, io.StringIO]:
    out, err = Written(kind), io.StringIO()
    return (
        HeadlessPrinter(out.stream, err, ["convex", "vite"], colour_out=colour, colour_err=colour),
        out,
        err,
    )


def test_lines_are_prefixed_with_time_padded_name_and_stream_mark(stdout_kind: str) -> None:
    p, out, _ = printer(kind=stdout_kind)
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


def test_colour_keeps_the_childs_codes_and_resets_after_them(stdout_kind: str) -> None:
    p, out, _ = printer(colour=True, kind=stdout_kind)
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
    assert text.count("┃") == 2 and text.count("\n") == 2  # each line behind its prefix


def test_a_file_gets_the_same_text_as_a_text_stream_in_the_same_order() -> None:
    # Child output to a file goes as bytes, devtui's own lines as text: with both on one
    # file (`> log 2>&1`) their order must hold.
    status = ProcessStatus("vite", "vite", ProcessState.EXITED, exit_code=3)
    events: list[Event] = [
        OutputLines("vite", "stdout", AT, 1, ("a", "", "b ✔"), ("a", "", "b ✔")),
        ProcessStateChanged(
            "vite", ProcessState.EXITED, ProcessState.READY, "exit code 3", AT, status
        ),
        OutputLines("convex", "stderr", AT + 1, 1, ("late",), ("late",)),
    ]
    shown = []
    for kind in ("text", "file"):
        both = Written(kind)
        p = HeadlessPrinter(
            both.stream, both.stream, ["convex", "vite"], colour_out=False, colour_err=False
        )
        p.write_runs(p.render(events))
        shown.append(both.getvalue())
    assert shown[0] == shown[1]
    lines = shown[1].splitlines()
    assert lines[:3] == ["04:27:19 vite   │ a", "04:27:19 vite   │ ", "04:27:19 vite   │ b ✔"]
    assert "exit code 3" in lines[3] and lines[-1] == "04:27:20 convex ┃ late"


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
