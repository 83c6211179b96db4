"""Secrets never reach the session log."""

from __future__ import annotations

import json

from devtui.core.redact import REDACTED, Redactor


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
    redactor = Redactor.from_environments(
        {"MY_SERVICE_PASSWORD": "hunter2-is-long", "HOME": "/home/dev/secretless"}
    )
    assert (
        redactor.redact("connecting with hunter2-is-long now") == f"connecting with {REDACTED} now"
    )
    assert redactor.redact("/home/dev/secretless") == "/home/dev/secretless"


def test_json_escaped_secret_values_are_redacted_too() -> None:
    value = 'pa"ss\\word-1234'
    redactor = Redactor.from_environments({"DB_PASSWORD": value})
    encoded = json.dumps({"raw": f"using {value}"})
    assert value not in json.loads(redactor.redact(encoded))["raw"]


def test_ordinary_output_is_untouched() -> None:
    line = "✔ 04:31:45 Convex functions ready! (891.93ms) | dev server at http://localhost:5173/"
    assert Redactor().redact(line) == line
