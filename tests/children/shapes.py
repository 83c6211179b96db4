"""Write awkward output shapes on stdout (and one on stderr), then exit.

`crlf` line, a progress bar redrawn with bare \r, invalid UTF-8, a 1.5 MiB line, a
multi-byte character split across two writes, and a final line without a newline.
"""

from __future__ import annotations

import os
import time


def main() -> int:
    def write(data: bytes) -> None:  # raw writes, no buffering
        os.write(1, data)

    write(b"crlf line\r\n")
    write(b"progress 10%\rprogress 50%\rprogress 100%\n")
    write(b"bad utf8 \xff\xfe end\n")
    write(b"L" * (1536 * 1024) + b"\n")
    write("split é".encode()[:-1])
    time.sleep(0.05)
    write("split é".encode()[-1:] + b" done\n")
    os.write(2, b"on stderr\n")
    write(b"no newline at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
