"""Restart policy: whether and when to start a process again after it exits on its own.

Invariant: pure (the caller passes times in). Back-off starts at 0.5 s and doubles up to
30 s; it resets once a launch stayed up 30 s; five unplanned exits within a minute stop the
restarts with a crash-loop verdict. Exits devtui caused never reach this.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

FIRST_DELAY_S: Final = 0.5
MAX_DELAY_S: Final = 30.0
HEALTHY_AFTER_S: Final = 30.0
"""A launch that ran this long resets the back-off."""
LOOP_WINDOW_S: Final = 60.0
LOOP_FAILURES: Final = 5
"""This many unplanned exits within `LOOP_WINDOW_S` is a crash loop."""


class RestartPolicy(StrEnum):
    """When a process that exits on its own is started again."""

    NEVER = "never"
    ON_FAILURE = "on-failure"
    """Only after a non-zero exit or a crash."""
    ALWAYS = "always"
    """After any exit devtui did not cause, including exit 0."""


@dataclass(frozen=True, slots=True)
class RestartDecision:
    """What to do after an unplanned exit."""

    restart: bool
    delay_s: float = 0.0
    crash_loop: bool = False


@dataclass(frozen=True, slots=True)
class RestartTiming:
    """The back-off and crash-loop numbers (tests shrink them)."""

    first_delay_s: float = FIRST_DELAY_S
    max_delay_s: float = MAX_DELAY_S
    healthy_after_s: float = HEALTHY_AFTER_S
    loop_window_s: float = LOOP_WINDOW_S
    loop_failures: int = LOOP_FAILURES


class RestartTracker:
    """Remembers one process's recent exits to pace and cap its restarts."""

    def __init__(self, policy: RestartPolicy, timing: RestartTiming | None = None) -> None:
        self.policy = policy
        self.timing = timing or RestartTiming()
        self._exits: deque[float] = deque()
        self._next_delay = self.timing.first_delay_s

    def on_exit(self, *, succeeded: bool, started_at: float, exited_at: float) -> RestartDecision:
        """Decide after an exit devtui did not cause.

        Args:
            succeeded: Exit code 0.
            started_at: When this launch started (monotonic seconds).
            exited_at: When it exited (same clock).
        """
        if self.policy is RestartPolicy.NEVER or (
            self.policy is RestartPolicy.ON_FAILURE and succeeded
        ):
            return RestartDecision(restart=False)
        timing = self.timing
        if exited_at - started_at >= timing.healthy_after_s:
            self._next_delay = timing.first_delay_s
        self._exits.append(exited_at)
        while self._exits and exited_at - self._exits[0] > timing.loop_window_s:
            self._exits.popleft()
        if len(self._exits) >= timing.loop_failures:
            return RestartDecision(restart=False, crash_loop=True)
        delay = self._next_delay
        self._next_delay = min(timing.max_delay_s, self._next_delay * 2)
        return RestartDecision(restart=True, delay_s=delay)

    def reset(self) -> None:
        """Forget the history (a user's explicit restart or start)."""
        self._exits.clear()
        self._next_delay = self.timing.first_delay_s
