"""Secrets never reach the session log."""

from __future__ import annotations

import json

import pytest

from devtui.core.redact import REDACTED, PemTracker, Redactor, secret_values
from tests.secrets_corpus import CORPUS, PEM_KEY, PEM_SECRET, PGP_KEY, PGP_SECRET


def test_convex_deploy_and_admin_keys() -> None:
    text = "CONVEX_DEPLOY_KEY=prod:happy-animal-123|eyJ2MjUwNjAxIjoiM2Y0ZTJmYTEifQ== ok"
    assert "eyJ2" not in Redactor().redact(text)
    assert Redactor().redact("key dev:brave-otter-42|abcdefghijklmnopqrstuvwx") == f"key {REDACTED}"


def test_api_keys_and_bearer_tokens() -> None:
    redactor = Redactor()
    assert redactor.redact("OpenAI key sk-proj-abcdefghijklmnop1234") == f"OpenAI key {REDACTED}"
    assert (
        redactor.redact("Authorization: Bearer abcdef.123456.xyz789")
        == f"Authorization: Bearer {REDACTED}"
    )


def test_secret_named_assignments_keep_the_name() -> None:
    redactor = Redactor()
    assert redactor.redact("OPENAI_API_KEY=abcd1234efgh") == f"OPENAI_API_KEY={REDACTED}"
    assert redactor.redact('GITHUB_TOKEN: "ghp_123456789"') == f'GITHUB_TOKEN: "{REDACTED}"'


def test_values_of_secret_environment_variables() -> None:
    redactor = Redactor(
        secret_values({"MY_SERVICE_PASSWORD": "hunter2-is-long", "HOME": "/home/dev/secretless"})
    )
    assert (
        redactor.redact("connecting with hunter2-is-long now") == f"connecting with {REDACTED} now"
    )
    assert redactor.redact("/home/dev/secretless") == "/home/dev/secretless"


def test_json_escaped_secret_values_are_redacted_too() -> None:
    value = 'pa"ss\\word-1234'
    redactor = Redactor(secret_values({"DB_PASSWORD": value}))
    encoded = json.dumps({"raw": f"using {value}"})
    assert value not in json.loads(redactor.redact(encoded))["raw"]


def test_ordinary_output_is_untouched() -> None:
    line = "✔ 04:31:45 Convex functions ready! (891.93ms) | dev server at http://localhost:5173/"
    assert Redactor().redact(line) == line


@pytest.mark.parametrize(("form", "line", "secret"), CORPUS, ids=[form for form, _, _ in CORPUS])
def test_every_secret_form_is_redacted(form: str, line: str, secret: str) -> None:
    redacted = Redactor().redact_line(line)
    assert secret not in redacted, (form, redacted)
    assert REDACTED in redacted


def test_the_corpus_has_at_least_25_forms() -> None:
    assert len(CORPUS) + 1 >= 25  # and the multi-line private key


def test_a_private_key_over_several_lines_is_redacted_whole() -> None:
    tracker = PemTracker()
    first, second = PEM_KEY[:2], PEM_KEY[2:]
    kept = tracker.lines(("app", "stdout"), ["before", *first])
    kept += tracker.lines(("app", "stdout"), [*second, "after"])  # split across chunks
    assert kept[0] == "before" and kept[-1] == "after"
    assert not any(PEM_SECRET in line or PEM_KEY[2] in line for line in kept)
    assert "\n".join(PEM_KEY) not in Redactor().redact("\n".join(PEM_KEY))
    # An OpenPGP block (`… PRIVATE KEY BLOCK-----`), a line at a time as a child prints it.
    pgp = PemTracker()
    shown = [line for raw in PGP_KEY for line in pgp.lines(("app", "stdout"), [raw])]
    assert PGP_SECRET not in "\n".join(shown) and shown[-1] == REDACTED
    assert PEM_SECRET not in Redactor().redact("key: " + "\n".join(PEM_KEY))


@pytest.mark.parametrize(
    "line",
    [
        "  VITE v8.3.8  ready in 271 ms",
        "  ➜  Local:   http://localhost:5173/",
        "11/22/2026, 4:34:10 AM [CONVEX A(ai:streamChatWithAI)] [LOG] '[AI_STREAMING] Starting stream' 42",
        "max_tokens=4096 temperature=0.2",
        '✘ [ERROR] Could not resolve "crypto"',
        'npm warn Unknown user config "nodedir". See `npm help npmrc` for supported config options.',
    ],
)
def test_ordinary_lines_stay_as_they_are(line: str) -> None:
    assert Redactor().redact_line(line) == line


def test_one_scan_finds_exactly_the_lines_a_secret_could_be_on() -> None:
    redactor = Redactor(["hunter2-very-secret-value"])
    lines = [
        "plain output",
        "Authorization: BEARER abc.def",  # a trigger, in another case
        "plain again",
        "the value hunter2-very-secret-value leaked",
        "two triggers: token and password on one line",
        "last line with sk-abcdefghijklmnopqrstuvwxyz",
    ]
    assert redactor.lines_to_redact("\n".join(lines)) == [1, 3, 4, 5]
    assert redactor.lines_to_redact("nothing here\nat all") == []
    changed = [i for i, line in enumerate(lines) if redactor.redact(line) != line]
    assert changed == [3, 5]  # the rest held only triggers: hints, not secrets
    corpus = [line for _, line, _ in CORPUS]
    assert redactor.lines_to_redact("\n".join(corpus)) == list(range(len(corpus)))


def test_a_secret_value_over_several_lines_is_redacted_line_by_line() -> None:
    key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIB\n-----END KEY-----"
    redactor = Redactor([key])
    lines = ["printing it:", *key.splitlines(), "done"]
    assert redactor.lines_to_redact("\n".join(lines)) == [1, 2, 3, 4]
    assert redactor.redact(lines[2]) == REDACTED
    assert redactor.might_hold_secrets("plain") is False
    assert redactor.redact(f"whole: {key}") == f"whole: {REDACTED}"


def test_a_reader_joining_inside_a_key_block_redacts_its_body() -> None:
    stream = ("convex", "stderr")
    writer_side = PemTracker()
    writer_side.lines(stream, ["-----BEGIN PRIVATE KEY-----"])
    assert writer_side.inside == {stream}
    late = PemTracker(writer_side.inside)  # a follow that starts now
    assert late.lines(
        stream, ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "-----END PRIVATE KEY-----", "ok"]
    ) == [
        REDACTED,
        REDACTED,
        "ok",
    ]
