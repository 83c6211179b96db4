"""Redact secrets before anything is written to disk, copied or reported.

Invariant: no secret form below reaches a session log, a summary, `--json`, an annotation,
a report or the clipboard: Convex deploy/admin keys; provider tokens (OpenAI/Anthropic
`sk-…`, Stripe `sk_live_…`, AWS `AKIA…`, GitHub `ghp_…`/`github_pat_…`, GitLab `glpat-…`,
Slack `xox…-` and webhooks, Google `AIza…`, npm `npm_…`, Telegram bot tokens, JWTs);
`user:password@` in URLs; `Bearer`/`Basic`/`Token` authorization; any `name=value`,
`name: value` or `"name": "value"` whose name says key, token, secret, password or
credential (any case, as in `aws_secret_access_key` or `"apiKey"`); `--admin-key VALUE`
style flags; PEM private keys (over several lines too, see `PemTracker`); and the values of
environment variables whose names say so. A secret split by a colour code is caught on the
ANSI-stripped text (`redact_line`). Each pattern is guarded by cheap substring tests on the
lower-cased text, so ordinary output costs a few `in` checks, not a regex pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from json.encoder import encode_basestring
from typing import Final

from devtui.core.run.lines import strip_ansi
from devtui.core.scan import LiteralScanner

REDACTED: Final = "[REDACTED]"
SECRET_NAME: Final = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH", re.IGNORECASE)
"""An environment variable whose name matches this holds a secret."""
MIN_SECRET_VALUE: Final = 8
"""Shorter env values (`1`, `true`, `dev`) are not treated as secrets: too many false hits."""

_SECRET_WORD: Final = (
    r"(?:api[_.-]?key|apikey|access[_.-]?key(?:[_.-]?id)?|secret[_.-]?(?:access[_.-]?)?key"
    r"|client[_.-]?secret|private[_.-]?key|account[_.-]?key|deploy[_.-]?key|admin[_.-]?key"
    r"|(?:auth|access|refresh|session|bearer|api|bot)[_.-]?token|token|secret|password"
    r"|passwd|pwd|passphrase|credentials?)"
)
"""Names that say their value is a secret (`aws_secret_access_key`, `apiKey`, `PASSWORD`)."""


def _name_value(found: re.Match[str]) -> str:
    """`name = value` with the value redacted, its quotes (if any) kept."""
    quote = found.group("quote")
    if quote is not None:
        return f"{found.group(1)}{quote}{REDACTED}{quote}"
    return f"{found.group(1)}{REDACTED}"


# (triggers, pattern, replacement): a pattern runs only if a trigger occurs in the lower-cased
# text. Order matters: whole-token forms first, the generic `name = value` last.
_PATTERNS: Final[
    tuple[tuple[tuple[str, ...], re.Pattern[str], str | Callable[[re.Match[str]], str]], ...]
] = (
    (
        ("private key-----",),
        re.compile(
            r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----.*?"
            r"(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)",
            re.DOTALL,
        ),
        r"-----BEGIN \1----- " + REDACTED,
    ),
    (
        ("|",),  # every Convex key has one; rare in ordinary output (code frames use "│")
        re.compile(r"\b(?:prod|dev|preview|project):[A-Za-z0-9_-]+\|[A-Za-z0-9+/=_.-]{16,}"),
        REDACTED,
    ),
    (
        ("sk-", "rk-", "sk_", "rk_"),
        re.compile(r"\b(?:sk|rk)(?:-|_live_|_test_)[A-Za-z0-9_-]{16,}"),
        REDACTED,
    ),
    (
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-"),
        re.compile(
            r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[\w-]{20,})"
        ),
        REDACTED,
    ),
    (
        ("xox", "hooks.slack.com"),
        re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}|(hooks\.slack\.com/services/)[\w/]+"),
        REDACTED,
    ),
    (("akia", "asia"), re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), REDACTED),
    (("sg.",), re.compile(r"\bSG\.[\w-]{16,32}\.[\w-]{16,64}"), REDACTED),  # SendGrid
    (("hf_",), re.compile(r"\bhf_[A-Za-z0-9]{30,}"), REDACTED),  # Hugging Face
    (
        ("shpat_", "shpss_", "shpca_", "shppa_"),
        re.compile(r"\bshp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}"),
        REDACTED,
    ),
    (("pypi-",), re.compile(r"\bpypi-AgE[A-Za-z0-9_-]{50,}"), REDACTED),
    (("age-secret-key-",), re.compile(r"\bAGE-SECRET-KEY-1[0-9A-Z]{50,}"), REDACTED),
    (("xapp-",), re.compile(r"\bxapp-\d-[A-Z0-9]+-\d+-[a-f0-9]{32,}"), REDACTED),  # Slack apps
    (("dapi",), re.compile(r"\bdapi[a-f0-9]{32}\b"), REDACTED),  # Databricks
    (("aiza",), re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), REDACTED),
    (("npm_",), re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), REDACTED),
    ((":aa",), re.compile(r"\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b"), REDACTED),  # Telegram bots
    (
        ("eyj",),  # a JSON Web Token: header.payload.signature, base64url
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        REDACTED,
    ),
    (
        ("://",),  # scheme://user:password@host
        # The password runs to the last `@` before the host (it may hold `/` or `@`), but a
        # `:port/path@…` is not one.
        re.compile(
            r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]+:)(?!\d*(?:/|@|$))\S*@(?=[^\s@/]+(?:[/?#:\s]|$))",
            re.IGNORECASE,
        ),
        r"\1" + REDACTED + "@",
    ),
    (
        ("bearer", "basic ", "token "),
        re.compile(r"\b((?:Bearer|Basic|Token)\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
        r"\1" + REDACTED,
    ),
    (
        ("--",),  # --admin-key VALUE, --password=VALUE
        re.compile(
            r"(--(?:admin|deploy|api|access|secret)[-_]key|--(?:auth[-_])?token|--password"
            r"|--secret)(=|\s+)([^\s\"']+)",
            re.IGNORECASE,
        ),
        r"\1\2" + REDACTED,
    ),
    (
        ("key", "token", "secret", "passw", "pwd", "passphrase", "credential"),
        re.compile(
            r"((?<![\w.-])[\w.-]*" + _SECRET_WORD + r"[\w.-]*(?:\\?[\"'])?\s*[=:]\s*)"
            r"(?:(?P<quote>\\?[\"'])(?!"
            + re.escape(REDACTED)
            + r")(?P<quoted>[^\"'\n]{4,}?)(?P=quote)"
            r"|(?!\d{1,6}\b)(?!" + re.escape(REDACTED) + r")(?:[^\s\"'\\&,;]|,(?=\S))+)",
            re.IGNORECASE,
        ),
        _name_value,
    ),
)
_TRIGGERS: Final = tuple(trigger for triggers, _, _ in _PATTERNS for trigger in triggers)

PEM_BEGIN: Final = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
PEM_END: Final = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")


def secret_values(*environments: Mapping[str, str]) -> list[str]:
    """The values of secret-named variables (KEY, TOKEN, …) in the given environments."""
    return [
        value for env in environments for name, value in env.items() if SECRET_NAME.search(name)
    ]


class Redactor:
    """Replaces secrets in text with `[REDACTED]`."""

    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        values = {v for v in secret_values if len(v) >= MIN_SECRET_VALUE}
        # A value over several lines (a PEM key in *_PRIVATE_KEY) is printed a line at a
        # time: each of its lines is a secret of its own.
        values |= {
            line
            for value in values
            for line in value.splitlines()
            if len(line.strip()) >= MIN_SECRET_VALUE
        }
        # The JSON-escaped form too, so already-serialised text is covered.
        values |= {encode_basestring(v)[1:-1] for v in values}
        self._values = sorted(values, key=len, reverse=True)
        self._scanner: LiteralScanner | None = None

    def _scan(self) -> LiteralScanner:
        """One automaton for every trigger (any case) and every secret value: a chunk is
        read once, in linear time, whatever the number of triggers."""
        if self._scanner is None:
            # (the whole of a multi-line value is found through its lines)
            one_line = [value for value in self._values if "\n" not in value]
            self._scanner = LiteralScanner(one_line, any_case=_TRIGGERS)
        return self._scanner

    def lines_to_redact(self, text: str | bytes) -> list[int]:
        """The indexes of the lines of `text` (joined by newlines) that may hold a secret:
        the only ones `redact` could change. One scan of the whole text."""
        return self._scan().lines(text)

    def redact(self, text: str) -> str:
        """`text` with every known kind of secret replaced."""
        for value in self._values:
            if value in text:
                text = text.replace(value, REDACTED)
        lowered = text.lower()
        for triggers, pattern, replacement in _PATTERNS:
            if any(trigger in lowered for trigger in triggers):
                text = pattern.sub(replacement, text)
        return text

    def redact_line(self, raw: str) -> str:
        """One output line as emitted: colours kept, unless a colour code splits a secret,
        which the ANSI-stripped text then shows (the line is written without colours)."""
        redacted = self.redact(raw)
        if "\x1b" not in raw:
            return redacted
        plain = strip_ansi(raw)
        plain_redacted = self.redact(plain)
        if plain_redacted != plain and strip_ansi(redacted) != plain_redacted:
            return plain_redacted
        return redacted

    def redact_value(self, value: object) -> object:
        """A JSON-ready value with every string in it redacted (records, summaries)."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self.redact_value(item) for item in value]
        if isinstance(value, dict):
            return {key: self.redact_value(item) for key, item in value.items()}
        return value

    def might_hold_secrets(self, text: str) -> bool:
        """Cheap: False guarantees `redact` would change nothing."""
        return self._scan().search(text)


class PemTracker:
    """Redacts a PEM private key printed over several lines of one stream: every line from
    `-----BEGIN … PRIVATE KEY-----` to its END line (base64 lines look like nothing alone)."""

    def __init__(self, inside: Iterable[tuple[str, str]] = ()) -> None:
        """`inside`: the streams already inside a key (a reader joining mid-stream)."""
        self._inside: set[tuple[str, str]] = set(inside)

    @property
    def inside(self) -> frozenset[tuple[str, str]]:
        """The streams whose last line was inside a key."""
        return frozenset(self._inside)

    def lines(
        self, stream: tuple[str, str], raws: list[str], joined: str | None = None
    ) -> list[str]:
        """`raws` of `stream` (process, pipe) with the lines inside a key replaced
        (`joined`: the same lines joined by newlines, when the caller has them)."""
        inside = stream in self._inside
        if not inside and "PRIVATE KEY" not in (  # (… BLOCK too)
            joined if joined is not None else "\n".join(raws)
        ):
            return raws
        kept: list[str] = []
        for raw in raws:
            if inside:
                if PEM_END.search(raw):
                    inside = False
                kept.append(REDACTED)
            elif PEM_BEGIN.search(raw) and not PEM_END.search(raw):
                inside = True
                kept.append(
                    raw[: raw.index("-----BEGIN")] + f"-----BEGIN PRIVATE KEY----- {REDACTED}"
                )
            else:
                kept.append(raw)
        if inside:
            self._inside.add(stream)
        else:
            self._inside.discard(stream)
        return kept
