"""Which command opens a file at a line in the user's editor ($VISUAL, then $EDITOR).

Invariant: pure; the command is built from the editor's own conventions (`+line file` for
terminal editors, `-g file:line:col` for VS Code and its kin, `file:line:col` for Zed,
Sublime and Helix), and a GUI editor is marked as one so the TUI does not hand it the
terminal.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

VSCODE_LIKE: Final = frozenset({"code", "code-insiders", "codium", "cursor", "windsurf"})
"""`-g file:line:col`."""
COLON_STYLE: Final = frozenset({"zed", "subl", "sublime_text", "hx", "helix"})
"""`file:line:col` as the argument."""
JETBRAINS: Final = frozenset({"idea", "webstorm", "pycharm", "phpstorm", "goland", "clion"})
"""`--line N --column N file`."""
GUI: Final = VSCODE_LIKE | JETBRAINS | frozenset({"zed", "subl", "sublime_text", "mate", "gedit"})
"""Editors with their own window: started in the background, not given the terminal."""


class EditorNotSet(Exception):
    """Neither $VISUAL nor $EDITOR is set."""


@dataclass(frozen=True, slots=True)
class EditorCommand:
    """How to open one file at one place."""

    argv: list[str]
    gui: bool
    """True: start it and carry on; False: it needs the terminal until it exits."""

    @property
    def shown(self) -> str:
        """The command as a shell would show it."""
        return shlex.join(self.argv)


def editor_command(
    environ: Mapping[str, str], path: Path, line: int | None, column: int | None
) -> EditorCommand:
    """The command that opens `path` at `line` (and `column` where the editor takes one).

    Raises:
        EditorNotSet: neither $VISUAL nor $EDITOR is set (or they are blank).
        ValueError: the variable cannot be split like a shell would.
    """
    setting = environ.get("VISUAL", "").strip() or environ.get("EDITOR", "").strip()
    if not setting:
        raise EditorNotSet
    argv = shlex.split(setting)
    name = Path(argv[0]).name
    file = str(path)
    if line is None:
        return EditorCommand([*argv, file], name in GUI)
    place = f"{line}:{column}" if column is not None else str(line)
    if name in VSCODE_LIKE:
        return EditorCommand([*argv, "-g", f"{file}:{place}"], True)
    if name in COLON_STYLE:
        return EditorCommand([*argv, f"{file}:{place}"], name in GUI)
    if name in JETBRAINS:
        where = ["--line", str(line)] + (["--column", str(column)] if column else [])
        return EditorCommand([*argv, *where, file], True)
    if name == "mate":
        return EditorCommand([*argv, "-l", str(line), file], True)
    return EditorCommand([*argv, f"+{line}", file], name in GUI)
