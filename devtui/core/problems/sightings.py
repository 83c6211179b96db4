"""Report a problem sighting: record it in the run's book and tell every front end.

Invariant: every sighting goes through here, so the event a front end gets always says
what the sighting did to the book: `ProblemDetected` (new), `ProblemRepeated` (a new
occurrence: the count grew) or `ProblemUpdated` (the same occurrence, seen by another
source or again in the same push attempt).
"""

from __future__ import annotations

from devtui.core.bus import EventBus
from devtui.core.events import ProblemDetected, ProblemRepeated, ProblemUpdated
from devtui.core.problems.book import Problem, ProblemBook


def report_sighting(book: ProblemBook, bus: EventBus, problem: Problem) -> Problem:
    """Record `problem` in `book`, publish what that did, and return the stored problem."""
    stored, change = book.record(problem)
    if change == "new":
        bus.publish(ProblemDetected(stored))
    elif change == "repeat":
        bus.publish(ProblemRepeated(stored))
    else:
        bus.publish(ProblemUpdated(stored))
    return stored
