"""Print output that tries to take over a terminal: every kind of escape and control.

Usage: hostile.py [--hold]   (each line ends with a plain word a test can look for)
"""

from __future__ import annotations

import sys
import time

HOSTILE = [
    "\x1b]0;HACKED TITLE\x07title",  # OSC 0: window title
    "\x1b]2;HACKED\x1b\\title2",  # OSC 2 ended by ST
    "\x1b]52;c;ZXZpbA==\x07clipboard",  # OSC 52: set the clipboard
    "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b[?1049halternate",  # the alternate screen, left on
    "\x1bcreset",  # RIS: full reset
    "\x1b[6nquery",  # DSR: the terminal types its answer into the shell
    "\x1b[c\x1b[>cattributes",  # DA queries, answered the same way
    "\x1b[2J\x1b[Hclear",  # erase, cursor home
    "\x1b[5A\x1b[10Cmoves",  # cursor moves
    "\x1bP+q544e\x1b\\dcs",  # DCS (XTGETTCAP query)
    "\x1b(0graphics\x1b(B",  # charset switch
    "\x9b31mcone",  # C1 CSI as a code point
    "bell\x07\x07",
    "evil\b\b\b\bgood",
    "shift \x0e out \x0f in",
    "delete\x7f",
    "\x1b[31mred\x1b[0m plain",  # colour: the one thing that stays
]


def main() -> int:
    for line in HOSTILE:
        sys.stdout.write(line + "\n")
        sys.stderr.write(line + " on stderr\n")
    sys.stdout.flush()
    sys.stderr.flush()
    while "--hold" in sys.argv[1:]:
        time.sleep(3600)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
