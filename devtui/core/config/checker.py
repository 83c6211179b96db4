"""Reading user-written TOML values with every problem reported, naming file and key.

Invariant: a `Checker` never raises on bad input; it records a `ConfigProblem` (file, dotted
key, message, and a suggestion for a misspelling) and returns None or a default, so one
pass reports everything wrong with a file at once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar, cast

from devtui.core.problems.patterns import (
    BUDGET_S,
    TIME_LIMIT_S,
    PatternError,
    TextPattern,
    TimeLimitedPattern,
    compile_user_pattern,
    linear_time_reason,
)
from devtui.errors import DevtuiError, ExitCode

ChoiceT = TypeVar("ChoiceT", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong with a config."""

    file: str
    key: str
    """Dotted key, e.g. `processes.vite.ready`; empty for file-level problems."""
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.key}: {self.message}"
            if self.key
            else f"{self.file}: {self.message}"
        )


class ConfigError(DevtuiError):
    """The config is unusable; `problems` lists every reason (exit 2)."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        lines = [f"invalid configuration ({len(problems)} {noun}):"]
        lines += [f"  {p}" for p in problems]
        super().__init__("\n".join(lines), ExitCode.USAGE)


def suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """`; did you mean 'x'?` for the closest choice, or ""."""
    import difflib  # only needed when something is misspelled

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class Checker:
    """Collects problems while reading one file's values."""

    def __init__(self, file: str, *, user_patterns: bool = True) -> None:
        """Args:
        user_patterns: The file is the user's: its regexes run on the bounded-time engine
            (`core.patterns`). devtui's own files keep Python's `re`.
        """
        self.file = file
        self.problems: list[ConfigProblem] = []
        self.warnings: list[ConfigProblem] = []
        """Things that work, but not as well as they could (a pattern RE2 cannot take)."""
        self.user_patterns = user_patterns

    def add(self, key: str, message: str) -> None:
        self.problems.append(ConfigProblem(self.file, key, message))

    def unknown_keys(self, table: dict[str, object], allowed: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                dotted = f"{prefix}.{key}" if prefix else key
                self.add(dotted, f"unknown key{suggest(key, allowed)}")

    def number(
        self,
        table: dict[str, object],
        key: str,
        dotted: str,
        minimum: float,
        maximum: float,
        *,
        integer: bool = False,
        strict: bool = False,
    ) -> float | None:
        """A finite number in `minimum`..`maximum` (above `minimum` when `strict`)."""
        if key not in table:
            return None
        value = table[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (integer and not isinstance(value, int))
        ):
            kind = "an integer" if integer else "a number"
            self.add(dotted, f"must be {kind}, not {describe(value)}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.add(dotted, f"must be a finite number, not {value}")
            return None
        shown = _shown_number(value)
        if value < minimum or (strict and value == minimum):
            relation = "greater than" if strict else "at least"
            self.add(dotted, f"must be {relation} {minimum:g}, not {shown}")
            return None
        if value > maximum:
            self.add(dotted, f"must be at most {maximum:g}, not {shown}")
            return None
        return float(value)

    def string(self, table: dict[str, object], key: str, dotted: str) -> str | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, str):
            self.add(dotted, f"must be a string, not {describe(value)}")
            return None
        return value

    def path(self, table: dict[str, object], key: str, dotted: str) -> str | None:
        """A non-empty path string without NUL (the OS cannot take one)."""
        value = self.string(table, key, dotted)
        if value is None:
            return None
        if not value.strip():
            self.add(dotted, "is empty")
            return None
        if "\0" in value:
            self.add(dotted, f"holds a NUL character, which no path can: {value!r}")
            return None
        return value

    def regex(self, table: dict[str, object], key: str, dotted: str) -> TextPattern | None:
        text = self.string(table, key, dotted)
        if text is None:
            return None
        return self.compile(text, dotted)

    def compile(self, text: str, dotted: str) -> TextPattern | None:
        """A regex of this file, on the engine it gets (a problem if none takes it)."""
        if not self.user_patterns:
            try:
                return re.compile(text)
            except re.error as error:
                self.add(dotted, f"invalid regular expression {text!r}: {error}")
                return None
        try:
            compiled = compile_user_pattern(text)
        except PatternError as error:
            self.add(dotted, f"invalid regular expression {text!r}: {error}")
            return None
        if isinstance(compiled, TimeLimitedPattern):
            reason = linear_time_reason(text)
            self.warnings.append(
                ConfigProblem(
                    self.file,
                    dotted,
                    f"{text!r} cannot run in linear time ({reason}): it gets "
                    f"{TIME_LIMIT_S * 1000:.0f} ms per line and {BUDGET_S * 1000:.0f} ms per "
                    "second, and is switched off if it ever takes longer; rewrite it without "
                    "lookaround or backreferences",
                )
            )
        return compiled

    def choice(
        self,
        table: dict[str, object],
        key: str,
        dotted: str,
        choices: type[ChoiceT],
        default: ChoiceT,
        noun: str | None = None,
    ) -> ChoiceT:
        """One value of a string enum, or `default` (with a problem if it is not one)."""
        text = self.string(table, key, dotted)
        if text is None:
            return default
        try:
            return choices(text)
        except ValueError:
            names = [c.value for c in choices]
            self.add(
                dotted,
                f"unknown {noun or key} {text!r} (use one of {', '.join(names)})"
                f"{suggest(text, names)}",
            )
            return default

    def string_list(self, table: dict[str, object], key: str, dotted: str) -> list[str] | None:
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(dotted, f"must be a list of strings, not {describe(value)}")
            return None
        return cast(list[str], value)

    def boolean(self, table: dict[str, object], key: str, dotted: str) -> bool | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, bool):
            self.add(dotted, f"must be true or false, not {describe(value)}")
            return None
        return value

    def regex_list(
        self, table: dict[str, object], key: str, dotted: str
    ) -> list[TextPattern] | None:
        """A regex or a list of them, each compiled (problems name the list index)."""
        texts = self.string_list(table, key, dotted)
        if texts is None:
            return None
        patterns: list[TextPattern] = []
        for index, text in enumerate(texts):
            where = dotted if isinstance(table[key], str) else f"{dotted}[{index}]"
            compiled = self.compile(text, where)
            if compiled is not None:
                patterns.append(compiled)
        return patterns


def _shown_number(value: float) -> str:
    """A number for a message: a 400-digit integer is not printed whole."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if len(text) <= 24 else f"{text[:12]}… ({len(text)} digits)"


def describe(value: object) -> str:
    """A value's TOML type in words, for messages ("a string", "a table")."""
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)
