"""Redact secrets before anything is written to disk.

Invariant: Convex deploy/admin keys, `sk-…` API keys, bearer tokens, `NAME_KEY=value`
assignments, and the values of environment variables whose names contain KEY, TOKEN,
SECRET or PASSWORD never reach a session log or an export. Each pattern is guarded by a
substring test, so text without any trigger costs a few `in` checks, not a regex pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from json.encoder import encode_basestring
from typing import Final

REDACTED: Final = "[REDACTED]"
SECRET_NAME: Final = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
"""An environment variable whose name matches this holds a secret."""
MIN_SECRET_VALUE: Final = 8
"""Shorter env values (`1`, `true`, `dev`) are not treated as secrets: too many false hits."""

# (triggers, pattern, replacement): the pattern runs only if a trigger occurs in the text.
_PATTERNS: Final[tuple[tuple[tuple[str, ...], re.Pattern[str], str], ...]] = (
    (
        ("|",),  # every Convex key has one; rare in ordinary output (code frames use "│")
        re.compile(r"\b(?:prod|dev|preview|project):[A-Za-z0-9_-]+\|[A-Za-z0-9+/=_.-]{16,}"),
        REDACTED,
    ),
    (("sk-",), re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), REDACTED),
    (
        ("earer",),
        re.compile(r"\b([Bb]earer\s+)[A-Za-z0-9._~+/=-]{12,}"),
        r"\1" + REDACTED,
    ),
    (
        ("KEY", "TOKEN", "SECRET", "PASSW"),
        re.compile(
            r"\b([A-Z][A-Z0-9_]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD)[A-Z0-9_]*\s*[=:]\s*"
            r"(?:\\?[\"'])?)[^\s\"'\\]{4,}"
        ),
        r"\1" + REDACTED,
    ),
)


def secret_values(*environments: Mapping[str, str]) -> list[str]:
    """The values of secret-named variables (KEY, TOKEN, …) in the given environments."""
    return [
        value for env in environments for name, value in env.items() if SECRET_NAME.search(name)
    ]


class Redactor:
    """Replaces secrets in text with `[REDACTED]`."""

    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        values = {v for v in secret_values if len(v) >= MIN_SECRET_VALUE}
        # The JSON-escaped form too, so already-serialised text is covered.
        values |= {encode_basestring(v)[1:-1] for v in values}
        self._values = sorted(values, key=len, reverse=True)

    @classmethod
    def from_environments(cls, *environments: Mapping[str, str]) -> Redactor:
        """A redactor for the secret-named variables of the given environments."""
        values = [
            value for env in environments for name, value in env.items() if SECRET_NAME.search(name)
        ]
        return cls(values)

    def redact(self, text: str) -> str:
        """`text` with every known kind of secret replaced."""
        for value in self._values:
            if value in text:
                text = text.replace(value, REDACTED)
        for triggers, pattern, replacement in _PATTERNS:
            if any(trigger in text for trigger in triggers):
                text = pattern.sub(replacement, text)
        return text

    def might_hold_secrets(self, text: str) -> bool:
        """Cheap: False guarantees `redact` would change nothing."""
        return any(value in text for value in self._values) or any(
            trigger in text for triggers, _, _ in _PATTERNS for trigger in triggers
        )
