"""Whether to colour headless output, and the few ANSI styles it uses.

Invariant: `--color always|never` wins; with `auto`, NO_COLOR (non-empty) turns colour off,
FORCE_COLOR (non-empty, not 0/false) turns it on, and otherwise only a TTY gets colour.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TextIO, TypeAlias

ColorChoice: TypeAlias = Literal["auto", "always", "never"]

RESET: Final = "\x1b[0m"
DIM: Final = "\x1b[2m"
BOLD: Final = "\x1b[1m"
RED: Final = "\x1b[31m"
GREEN: Final = "\x1b[32m"
YELLOW: Final = "\x1b[33m"
BLUE: Final = "\x1b[34m"
MAGENTA: Final = "\x1b[35m"
CYAN: Final = "\x1b[36m"
NAME_COLOURS: Final = (CYAN, MAGENTA, GREEN, YELLOW, BLUE)
"""Process names take these in config order, like honcho's printer."""


def use_colour(choice: ColorChoice, stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Decide colour for one output stream."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if environ.get("NO_COLOR", ""):
        return False
    force = environ.get("FORCE_COLOR")
    if force is not None and force.lower() not in ("", "0", "false"):
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Palette:
    """Applies styles only when colour is on."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        return "".join(styles) + text + RESET
