"""How triage marks a saved line: by the problem it belongs to, else by its words.

Invariant: one scale for every reader of a session (0 plain, 1 info, 2 warning, 3 error,
one to one with `Severity`), and one list of the words that make a line an error or a
warning line, holding the vocabulary's own severity marks, so a line devtui itself printed
with `✖` or `▲` is marked as what it says.
"""

from __future__ import annotations

from typing import Final

from devtui.core.problems.book import Severity
from devtui.core.scan import LiteralScanner
from devtui.core.vocabulary import SEVERITY_SYMBOL

Level = int
"""A line's level: 0 plain, 1 info, 2 warning, 3 error."""
INFO: Final = 1
WARNING: Final = 2
ERROR: Final = 3
SEVERITY_LEVEL: Final = {Severity.INFO: INFO, Severity.WARNING: WARNING, Severity.ERROR: ERROR}
"""The level a problem's lines are marked with."""
LEVEL_SEVERITY: Final = {level: severity for severity, level in SEVERITY_LEVEL.items()}

ERROR_WORDS: Final = (
    SEVERITY_SYMBOL[Severity.ERROR],
    "✘",
    "error",
    "fatal",
    "uncaught",
    "failed",
    "exception",
)
"""A line holding one of these (any case) is an error line (`e`/`E` in triage)."""
WARNING_WORDS: Final = (SEVERITY_SYMBOL[Severity.WARNING], "⚠", "warn", "retrying", "deprecat")
"""… and these make a warning line (`w`/`W`)."""


_SCANNERS: Final = (
    (LiteralScanner(any_case=WARNING_WORDS), WARNING),
    (LiteralScanner(any_case=ERROR_WORDS), ERROR),  # after: a line with both is an error line
)


def word_levels(text: str, count: int) -> bytearray:
    """Each of the `count` lines of `text` (joined by newlines) by its words: an error
    line, a warning line, or plain; one linear-time scan of the chunk per kind."""
    levels = bytearray(count)
    for scanner, level in _SCANNERS:
        for line in scanner.lines(text):
            if line < count:
                levels[line] = level
    return levels
