"""Regular expressions a user wrote (`ready`, `url`, `[[rules]]`), run at a bounded cost.

Invariant: no pattern from a config can stall devtui. A pattern the RE2 engine takes runs
in linear time (google-re2: no backtracking, so `^(a+)+$` on `aaaa…!` is as quick as any).
One RE2 cannot take (lookaround, backreferences) runs on the `regex` module under two limits:
50 ms on any one line, and 100 ms in any second of output (a pattern costing 5 ms a line on a
flood of long lines would otherwise stall devtui by its sheer count). The first time it
overruns either, it is switched off for the rest of the run and `on_give_up` says so: a
pattern can cost at most one limit, ever, on top of its budget. devtui's own
patterns (config/rules.toml, kind defaults) are Python `re`: they are ours and tested.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

TIME_LIMIT_S: Final = 0.05
"""How long a pattern RE2 cannot take may spend on one line before it is switched off."""
BUDGET_S: Final = 0.1
"""How long such a pattern may spend in any window of `WINDOW_S` before it is switched off."""
WINDOW_S: Final = 1.0


class Match(Protocol):
    """What devtui reads from a match (`re.Match`, RE2's and `regex`'s alike)."""

    def group(self, index: int | str, /) -> Any: ...

    def groups(self) -> tuple[Any, ...]: ...

    def groupdict(self) -> dict[str, Any]: ...


class TextPattern(Protocol):
    """A compiled pattern: `re.Pattern`, an RE2 one, or a time-limited `regex` one."""

    @property
    def pattern(self) -> str: ...

    @property
    def groupindex(self) -> Mapping[str, int]: ...

    def search(self, text: str, /) -> Match | None: ...


class PatternError(ValueError):
    """A pattern that no engine can compile; the message says why."""


GiveUp = Callable[[str, str], None]
"""Told (the pattern, why) when a time-limited pattern is switched off."""


class _Hooks:
    on_give_up: GiveUp | None = None


HOOKS: Final = _Hooks()
"""Where a running stack hears of a pattern given up on (the supervisor sets it)."""


class TimeLimitedPattern:
    """A `regex` pattern limited per line and per second of output, then off for good."""

    def __init__(self, compiled: Any, source: str) -> None:
        self._compiled = compiled
        self.pattern = source
        self.groupindex: Mapping[str, int] = dict(compiled.groupindex)
        self.switched_off = False
        """It overran a limit once: it matches nothing any more."""
        self._window_start = -WINDOW_S
        self._spent = 0.0
        """Seconds spent matching since `_window_start`."""

    def search(self, text: str, /) -> Match | None:
        if self.switched_off:
            return None
        now = time.monotonic()
        if now - self._window_start >= WINDOW_S:
            self._window_start, self._spent = now, 0.0
        left = BUDGET_S - self._spent
        if left <= 0:
            self._give_up(f"it took over {BUDGET_S * 1000:.0f} ms in one second")
            return None
        limit = min(TIME_LIMIT_S, left)
        started = time.perf_counter()
        try:
            found: Match | None = self._compiled.search(text, timeout=limit)
        except TimeoutError:
            if limit < TIME_LIMIT_S:
                self._give_up(f"it took over {BUDGET_S * 1000:.0f} ms in one second")
            else:
                self._give_up(f"it took over {TIME_LIMIT_S * 1000:.0f} ms on one line")
            return None
        finally:
            self._spent += time.perf_counter() - started
        return found

    def _give_up(self, why: str) -> None:
        self.switched_off = True
        hook = HOOKS.on_give_up
        if hook is not None:
            hook(self.pattern, why)


def compile_user_pattern(source: str) -> TextPattern:
    """Compile a user's pattern on RE2, else time-limited on `regex`.

    Raises:
        PatternError: no engine takes it (the message is the compiler's).
    """
    try:
        return re2_pattern(source)
    except PatternError:
        pass
    try:
        re.compile(source)  # the syntax users know: report its errors, not another's
    except re.error as error:
        raise PatternError(str(error)) from None
    import regex

    try:
        return TimeLimitedPattern(regex.compile(source, regex.V0), source)
    except regex.error as error:  # pragma: no cover - `re` took it, so `regex` does too
        raise PatternError(str(error)) from None


def linear_time_reason(source: str) -> str | None:
    """Why RE2 cannot run `source` in linear time (None when it can): for `config --check`."""
    try:
        re2_pattern(source)
    except PatternError as error:
        return str(error)
    return None


def re2_pattern(source: str) -> TextPattern:
    """`source` compiled by RE2 (which says nothing on stderr); `PatternError` with RE2's
    reason if it cannot take it."""
    import re2

    options = re2.Options()
    options.log_errors = False  # otherwise RE2 writes its complaint to stderr
    try:
        compiled: TextPattern = re2.compile(source, options=options)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
        raise PatternError(text) from None
    return compiled
