"""The session-log writer process: turns framed output into redacted JSON lines on disk.

Run as `python -m devtui.core.sessionlog.logwriter FD PATH` by `SessionLog`, with FD the session log
devtui created and handed over (PATH only names it in messages: the writer never opens a
path, so it can never create the file again); it reads frames on stdin until end of file,
so it can never outlive devtui by more than its last writes. JSON
encoding and redaction happen here, on another core, instead of in devtui's event loop.

Frames (stdin, binary): a JSON header line, then for output lines exactly `b` bytes of
payload: the raw lines joined with "\\n" (a raw line never contains one).
    {"secrets": [...]}                              configure redaction (first frame)
    {"p": NAME, "s": STREAM, "t": TIME, "n": FIRST_SEQ, "c": COUNT, "b": BYTES}  + payload
    {"r": RECORD}                                   one JSON record, written as is
"""

from __future__ import annotations

import json
import signal
import sys
from typing import BinaryIO

from devtui.core.redact import PemTracker, Redactor
from devtui.core.sessionlog.layout import json_line, lines_record


def copy_frames(source: BinaryIO, out: BinaryIO) -> None:
    """Write every frame of `source` to `out` until end of file."""
    redactor = Redactor()
    keys = PemTracker()
    while True:
        header = source.readline()
        if not header:
            return
        frame = json.loads(header)
        if "b" in frame:
            data = source.read(frame["b"])
            text = data.decode("utf-8")  # the lines, joined
            raws = text.split("\n") if frame["c"] else []
            if len(raws) != frame["c"]:
                raise ValueError(f"frame of {frame['c']} lines held {len(raws)}")
            raws = keys.lines((frame["p"], frame["s"]), raws, text)
            for index in redactor.lines_to_redact(data):  # the payload: the lines, joined
                raws[index] = redactor.redact_line(raws[index])
            if raws:
                out.write(lines_record(frame["p"], frame["s"], frame["t"], frame["n"], raws))
        elif "r" in frame:
            out.write(json_line(redactor.redact_value(frame["r"])))
        elif "secrets" in frame:
            redactor = Redactor(frame["secrets"])
        out.flush()  # a frame is a whole chunk under load; one line when output trickles


def main(argv: list[str] | None = None) -> int:
    """Append frames from stdin to the session log open as descriptor argv[0]."""
    args = sys.argv[1:] if argv is None else argv
    fd, shown = int(args[0]), args[1]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # devtui decides when we stop: at EOF
    try:
        with open(fd, "ab", buffering=1 << 20) as out:
            copy_frames(sys.stdin.buffer, out)
    except (OSError, ValueError) as error:
        print(f"session log {shown}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
