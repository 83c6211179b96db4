"""The session-log writer's frame protocol, without processes."""

from __future__ import annotations

import io
import json

import pytest

from devtui.core.sessionlog.logwriter import copy_frames


def frame(header: dict[str, object], payload: bytes = b"") -> bytes:
    return json.dumps(header).encode() + b"\n" + payload


def lines_frame(raws: list[str], first: int = 1) -> bytes:
    payload = "\n".join(raws).encode()
    return frame(
        {"p": "convex", "s": "stderr", "t": 1.5, "n": first, "c": len(raws), "b": len(payload)},
        payload,
    )


def written(*frames: bytes) -> list[dict[str, object]]:
    out = io.BytesIO()
    copy_frames(io.BytesIO(b"".join(frames)), out)
    return [json.loads(line) for line in out.getvalue().decode("utf-8").splitlines()]


def test_a_chunk_becomes_one_record_holding_its_lines_in_order() -> None:
    raws = ['✔ ready "quoted" \\ back', "\x1b[31mred\x1b[0m", "", "tab\there", "é ✖ %s {}"]
    records = written(lines_frame(raws, first=41))
    assert records == [
        {
            "kind": "lines",
            "time": 1.5,
            "process": "convex",
            "stream": "stderr",
            "seq": 41,
            "count": 5,
            "raws": raws,
        }
    ]


def test_records_pass_through_and_secrets_are_redacted_everywhere() -> None:
    records = written(
        frame({"secrets": ["hunter2-long-secret"]}),
        frame({"r": {"kind": "state", "reason": "token hunter2-long-secret"}}),
        lines_frame(["using hunter2-long-secret", "key sk-abcdefghijklmnopqr12", "plain"]),
    )
    assert records[0]["reason"] == "token [REDACTED]"
    assert records[1]["raws"] == ["using [REDACTED]", "key [REDACTED]", "plain"]


def test_a_record_holding_a_lone_surrogate_is_written_not_fatal() -> None:
    # A command line of undecodable bytes (surrogate escapes) in a state record: the
    # writer keeps going and the log stays JSON.
    records = written(
        frame({"r": {"kind": "state", "reason": "bad \udcff name"}}),
        lines_frame(["after"]),
    )
    assert records[0]["reason"] == "bad \udcff name"
    assert records[1]["raws"] == ["after"]


def test_an_empty_frame_writes_nothing() -> None:
    assert written(frame({"p": "a", "s": "stdout", "t": 0, "n": 1, "c": 0, "b": 0})) == []


def test_a_corrupt_frame_is_an_error_not_silent_loss() -> None:
    payload = b"one\ntwo"
    with pytest.raises(ValueError, match="frame of 3 lines held 2"):
        written(
            frame({"p": "a", "s": "stdout", "t": 0, "n": 1, "c": 3, "b": len(payload)}, payload)
        )
