"""One vocabulary: every front end marks a state and a severity the same way."""

from __future__ import annotations

from devtui.core.events import ProcessState
from devtui.core.problems.book import Severity
from devtui.core.vocabulary import SEVERITY_SYMBOL, STATE_SYMBOL, STATE_TONE
from devtui.headless.diagnostics import SEVERITY_LOOK, STATE_LOOK
from devtui.ui.format import STATE_SYMBOL as TUI_STATE_SYMBOL
from devtui.ui.problem_text import SEVERITY_SYMBOL as TUI_SEVERITY_SYMBOL


def test_the_tui_and_headless_use_the_cores_marks() -> None:
    assert set(STATE_SYMBOL) == set(ProcessState) == set(STATE_TONE)
    for state in ProcessState:
        assert TUI_STATE_SYMBOL[state] == STATE_LOOK[state][0] == STATE_SYMBOL[state]
    for severity in Severity:
        assert TUI_SEVERITY_SYMBOL[severity] == SEVERITY_LOOK[severity][0]
        assert SEVERITY_LOOK[severity][0] == SEVERITY_SYMBOL[severity]
    assert STATE_SYMBOL[ProcessState.READY] == "✔" and SEVERITY_SYMBOL[Severity.WARNING] == "▲"
