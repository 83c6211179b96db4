"""How triage marks a saved line: by the problem it belongs to, else by its words.

Invariant: one scale for every reader of a session (0 plain, 1 info, 2 warning, 3 error,
one to one with `Severity`), and one list of the words that make a line an error or a
warning line, holding the vocabulary's own severity marks, so a line devtui itself printed
with `✖` or `▲` is marked as what it says.
"""

from __future__ import annotations

from typing import Final

from devtui.core.problems.book import Severity
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


def word_levels(text: str, count: int) -> bytearray:
    """Each line's level by its words: error words, warning words, or plain.

    Literal `find`s over the lower-cased chunk (C speed; a regex alternation with word
    boundaries cost ten times more); a line with both kinds of words is an error line.
    """
    levels = bytearray(count)
    lowered = text.lower()
    for words, level in ((WARNING_WORDS, WARNING), (ERROR_WORDS, ERROR)):
        for word in words:
            line = 0
            position = 0
            found = lowered.find(word)
            while found >= 0:
                line += lowered.count("\n", position, found)
                position = found
                levels[line] = level
                next_line = lowered.find("\n", found)
                if next_line < 0:
                    break
                found = lowered.find(word, next_line)
    return levels
