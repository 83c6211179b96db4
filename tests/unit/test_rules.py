"""Problem rules as data: the built-in file, a devtui.toml's [[rules]], and their checks."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path

import pytest

from devtui.core.config import ConfigError, build_config, render_config
from devtui.core.config.rules import builtin_rules, render
from devtui.core.lint.node_builtins import is_node_builtin
from tests.helpers import child

PROCESSES: dict[str, object] = {"convex": {"kind": "convex", "command": child("scripted.py")}}


def config_with_rules(rules: Sequence[object], tmp_path: Path) -> object:
    return build_config(
        {"processes": PROCESSES, "rules": list(rules)},
        file="devtui.toml",
        root=tmp_path,
        origin="t",
    )


def problems_of(rules: Sequence[object], tmp_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        config_with_rules(rules, tmp_path)
    return [str(p) for p in raised.value.problems]


def test_the_built_in_rules_load_and_cover_the_issue_list() -> None:
    ids = {rule.id for rule in builtin_rules()}
    assert {
        "node-builtin-in-v8",
        "non-action-in-node-file",
        "generated-code-missing",
        "push-failed",
        "schema-validation-failed",
        "typecheck-failed",
        "typescript-error",
        "node-out-of-memory",
        "convex-function-error",
        "internal-server-error",
        "deployment-unreachable",
        "deployment-retrying",
        "vite-port-fallback",
        "vite-port-in-use",
    } <= ids
    for rule in builtin_rules():
        assert rule.explanation and rule.fix and rule.docs.startswith("https://"), rule.id


def test_a_config_gets_the_built_in_rules(tmp_path: Path) -> None:
    config = config_with_rules([], tmp_path)
    assert config.rules == builtin_rules()  # type: ignore[attr-defined]


def test_a_user_rule_is_added_and_a_built_in_one_disabled_or_replaced(tmp_path: Path) -> None:
    config = config_with_rules(
        [
            {
                "id": "stripe-key-missing",
                "severity": "warning",
                "title": "Stripe key missing",
                "needles": ["STRIPE_SECRET_KEY"],
                "start": r"(?P<symbol>STRIPE_SECRET_KEY) is not set",
                "message": "{symbol} is not set",
                "fix": "npx convex env set {symbol} sk_test_…",
            },
            {"id": "deployment-retrying", "disable": True},
            {
                "id": "push-failed",
                "title": "Push failed (ours)",
                "start": "^✖ (?P<text>.*)",
                "message": "{text}",
            },
        ],
        tmp_path,
    )
    rules = {rule.id: rule for rule in config.rules}  # type: ignore[attr-defined]
    assert "deployment-retrying" not in rules
    assert rules["push-failed"].title == "Push failed (ours)"
    assert rules["push-failed"].origin == "devtui.toml"
    added = rules["stripe-key-missing"]
    assert added.severity == "warning" and added.max_lines == 1 and added.kinds == frozenset()


def test_every_problem_in_rule_tables_is_reported_with_its_key(tmp_path: Path) -> None:
    found = problems_of(
        [
            {
                "id": "Bad Id",
                "severity": "fatal",
                "title": "x",
                "start": "(unclosed",
                "message": "{nope}",
                "kinds": ["convx"],
                "max_lines": 0,
                "when": {"symbol": "node-builtins"},
                "colour": "red",
            },
            {"id": "no-such-rule", "disable": True},
            {"id": "twice", "title": "t", "start": "a", "message": "m"},
            {"id": "twice", "title": "t", "start": "a", "message": "m"},
            {"id": "no-start", "title": "t", "message": "m"},
            "not a table",
        ],
        tmp_path,
    )
    expected_parts = [
        "devtui.toml: rules[0].id: 'Bad Id': use lowercase letters",
        "devtui.toml: rules[0].severity: unknown severity 'fatal'",
        "devtui.toml: rules[0].start: invalid regular expression '(unclosed'",
        "devtui.toml: rules[0].message: placeholder {nope} is not captured",
        "devtui.toml: rules[0].kinds: unknown kind 'convx' (use convex, vite, generic); did you mean 'convex'?",
        "devtui.toml: rules[0].max_lines: must be at least 1, not 0",
        "devtui.toml: rules[0].when.symbol: field 'symbol' is not captured by start",
        "devtui.toml: rules[0].when.symbol: unknown list 'node-builtins' (use node-builtin); did you mean 'node-builtin'?",
        "devtui.toml: rules[0].colour: unknown key",
        "devtui.toml: rules[1].id: no rule 'no-such-rule' to disable",
        "devtui.toml: rules[3].id: rule 'twice' is defined twice in [[rules]]",
        "devtui.toml: rules[4].start: missing",
        "devtui.toml: rules[5]: must be a table, not a string",
    ]
    for part in expected_parts:
        assert any(line.startswith(part) for line in found), (part, found)


def test_a_literal_brace_must_be_doubled(tmp_path: Path) -> None:
    found = problems_of(
        [{"id": "x", "title": "t", "start": "a", "message": "m", "fix": "env = { A = 1 }"}],
        tmp_path,
    )
    assert found == [
        "devtui.toml: rules[0].fix: bad placeholder { A = 1 }: use {name} only",
    ]


def test_rules_round_trip_through_devtui_config(tmp_path: Path) -> None:
    tables: list[dict[str, object]] = [
        {"id": "deployment-retrying", "disable": True},
        {
            "id": "mine",
            "title": "Mine",
            "start": [r"(?P<symbol>\w+) broke", "it's (?P<symbol>\\w+)"],
            "message": ["{symbol} broke", "something broke"],
            "when": {},
            "max_lines": 3,
        },
    ]
    config = config_with_rules(tables, tmp_path)
    text = render_config(config)  # type: ignore[arg-type]
    again = build_config(tomllib.loads(text), file="again.toml", root=tmp_path, origin="t")
    assert again.rules == config.rules  # type: ignore[attr-defined]
    assert "# problem rules: " in text


def test_templates_fall_back_to_the_first_complete_one() -> None:
    templates = ("InternalServerError in {symbol}", "InternalServerError")
    assert render(templates, {"symbol": "A(ai:run)"}) == "InternalServerError in A(ai:run)"
    assert render(templates, {}) == "InternalServerError"
    assert render(("{text} at {file}",), {"text": "boom"}) == "boom at "


@pytest.mark.parametrize(
    ("specifier", "builtin"),
    [
        ("crypto", True),
        ("node:crypto", True),
        ("node:test", True),  # exists only with the prefix
        ("fs/promises", True),
        ("fs/x", False),
        ("node:", False),
        ("cryptography", False),
        ("convex/server", False),
        ("@types/node", False),
    ],
)
def test_node_builtins_come_from_nodes_own_list(specifier: str, builtin: bool) -> None:
    assert is_node_builtin(specifier) is builtin


def test_block_patterns_may_name_the_start_lines_fields(tmp_path: Path) -> None:
    base = {
        "id": "calls",
        "title": "Calls",
        "start": r"\[CALL (?P<symbol>\w+)\] failed",
        "message": "{symbol}",
        "max_lines": 5,
    }
    config = config_with_rules(
        [{**base, "continue": r"^\s|\[CALL {symbol}\] ", "final": r"\[CALL {symbol}\] end"}],
        tmp_path,
    )
    [rule] = [r for r in config.rules if r.id == "calls"]  # type: ignore[attr-defined]
    assert rule.continues.compiled({"symbol": "a.b"}).pattern == r"^\s|\[CALL a\.b\] "
    assert problems_of([{**base, "continue": r"\[CALL {function}\]"}], tmp_path) == [
        "devtui.toml: rules[0].continue: placeholder {function} is not captured by start "
        "(captured: deployment, on_oom_restarts, process, symbol)"
    ]
    assert problems_of([{**base, "trailer": r"^\s"}], tmp_path) == [
        "devtui.toml: rules[0].trailer: only means something with final (the line it follows)"
    ]


def test_column_base_within_and_superseded_by_are_checked(tmp_path: Path) -> None:
    base = {"id": "mine", "title": "Mine", "start": "boom", "message": "boom"}
    assert problems_of([{**base, "column_base": 2}], tmp_path) == [
        "devtui.toml: rules[0].column_base: must be at most 1, not 2"
    ]
    references = {
        **base,
        "within": ["no-such-rule"],
        "superseded_by": ["typescript-eror"],
        "resolves": "ready",
    }
    assert problems_of([references], tmp_path) == [
        "devtui.toml: rules[0].within: no rule 'no-such-rule'",
        "devtui.toml: rules[0].superseded_by: no rule 'typescript-eror'; did you mean "
        "'typescript-error'?",
    ]
    assert problems_of([{**base, "superseded_by": ["typescript-error"]}], tmp_path) == [
        "devtui.toml: rules[0].superseded_by: needs resolves = 'ready' (it waits for a push "
        "attempt)"
    ]
    # A refinement must outrank what it refines, or it would never take a block over.
    assert problems_of([{**base, "within": ["convex-function-error"]}], tmp_path) == [
        "devtui.toml: rules[0].priority: must be above the priority of "
        "'convex-function-error' (30), the rule it refines (within)"
    ]
    assert problems_of([{**base, "stage": 5}], tmp_path) == [
        "devtui.toml: rules[0].stage: must be at most 4, not 5"
    ]


def test_lint_reports_under_the_push_rules_ids_and_titles() -> None:
    from devtui.core.lint.linter import RULE_TITLES

    rules = {rule.id: rule for rule in builtin_rules()}
    for rule_id, title in RULE_TITLES.items():
        assert rule_id in rules, rule_id
        assert rules[rule_id].title == title
