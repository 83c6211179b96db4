"""The dashboard's notice line: notifications in a line of their own above the key bar.

Invariant: a notice never covers output. Textual's toasts are drawn over the panes (at
80×24 two of them hid half of both, and the panes' text showed through their edge); this
line takes its own rows (at most two) while a notice is up, and the panes shrink instead.
The newest notice is shown; how many more arrived meanwhile is said.
"""

from __future__ import annotations

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from devtui.core.problems.book import Severity
from devtui.core.vocabulary import SEVERITY_SYMBOL

SEVERITY_STYLE = {"error": "bold red", "warning": "bold yellow", "information": "bold"}
RANK = {"information": 0, "warning": 1, "error": 2}
NOTICE_SEVERITY = {"error": Severity.ERROR, "warning": Severity.WARNING}
"""Textual's notification severities that are the core's problem severities (their mark)."""


class NoticeBar(Static):
    """The newest notification, for its timeout."""

    def __init__(self) -> None:
        super().__init__("", id="notice")
        self.display = False
        self.text = ""
        """What is shown now (plain), for tests and for a reader of the screen."""
        self._timer: Timer | None = None
        self._waiting = 0
        self._severity = "information"
        self._shown = Text()
        self._newer = 0
        """Less grave notices that came while a graver one showed."""

    def show(self, message: str, title: str, severity: str, timeout: float) -> None:
        """Show a notice for `timeout` seconds. A newer one replaces it, unless it is less
        grave than the one showing (an error stays its time; the newer is counted)."""
        if self._timer is not None:
            if RANK.get(severity, 0) < RANK.get(self._severity, 0):
                self._newer += 1
                shown = self._shown.copy()
                shown.append(f"  (+{self._newer} newer)", "dim")
                self.text = shown.plain
                self.update(shown)
                return
            self._timer.stop()
            self._waiting += 1 + self._newer
            self._newer = 0
        text = Text(no_wrap=False, overflow="fold", end="")
        symbol = SEVERITY_SYMBOL[NOTICE_SEVERITY[severity]] if severity in NOTICE_SEVERITY else "●"
        symbol += " "
        text.append(symbol + (f"{title}: " if title else ""), SEVERITY_STYLE.get(severity, "bold"))
        text.append(message)  # output quoted literally: never markup
        if self._waiting:
            text.append(f"  (+{self._waiting} earlier)", "dim")
        self.text = text.plain
        self._shown = text.copy()
        self._severity = severity
        self.set_class(severity == "error", "-error")
        self.set_class(severity == "warning", "-warning")
        self.update(text)
        self.display = True
        self._timer = self.set_timer(timeout, self.clear)

    def clear(self) -> None:
        """Hide the line (its timeout passed)."""
        self._timer = None
        self._waiting = 0
        self._newer = 0
        self.text = ""
        self.display = False
