"""Problem rules as data: the built-in `rules.toml` plus a devtui.toml's `[[rules]]`.

Invariant: a `Rule` that exists is valid: its patterns compile, every `{placeholder}` in
its texts is a field one of its patterns captures (in a block pattern, one its start line
captures), its `when` conditions name known lists.
Problems in a rule table are reported like every other config problem (file, dotted key
such as `rules[2].start`, suggestion), all at once.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Final, Literal

from devtui.core.config.checker import Checker, ConfigError, describe, suggest
from devtui.core.config.presets import presets_dir
from devtui.core.problems.book import Severity
from devtui.core.problems.patterns import TextPattern, compile_user_pattern

RULE_KEYS: Final = (
    "id",
    "severity",
    "title",
    "kinds",
    "processes",
    "needles",
    "start",
    "when",
    "max_lines",
    "continue",
    "end",
    "fields",
    "message",
    "explanation",
    "fix",
    "docs",
    "priority",
    "resolves",
    "group_by",
    "column_base",
    "final",
    "trailer",
    "within",
    "superseded_by",
    "stage",
    "disable",
)
RULE_ID: Final = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
KINDS: Final = ("convex", "vite", "generic")
KNOWN_LISTS: Final = ("node-builtin",)
"""Lists a `when` condition can test a field against."""
BUILTIN_FIELDS: Final = ("process", "deployment", "on_oom_restarts")
"""Fields every problem may use in texts without a pattern capturing them: the process's
name, (Convex) the deployment URL the CLI talks to, when known, and, only when the process
has `on_oom = "restart-with-more-heap"`, how often devtui raises its heap per run (so a
fix text can fit the configuration: its first template names it, the next does not)."""
MAX_BLOCK_LINES: Final = 200
MAX_STAGE: Final = 4
"""The last step of a Convex push a rule can name (tsc)."""

_FORMATTER: Final = string.Formatter()
_PLACEHOLDER: Final = re.compile(r"(?<!\\)\{([A-Za-z_]\w*)\}")
"""`{name}` in a block pattern (not `\\{`, not a `{2,3}` quantifier)."""


@dataclass(frozen=True, slots=True)
class BlockPattern:
    """A regex for the lines after a problem's first one, which may name that first line's
    fields: in `'\\[CONVEX {symbol}\\] '`, `{symbol}` stands for the symbol the start line
    captured, matched literally (so a block can follow one function's log lines only)."""

    source: str
    names: tuple[str, ...] = ()
    """The placeholders it holds (none: it is an ordinary regex)."""
    user: bool = True
    """A user's pattern: it runs on the bounded-time engine (`core.patterns`)."""

    def compiled(self, values: dict[str, str]) -> TextPattern:
        """The pattern with the placeholders filled in from `values` (missing: empty)."""
        filled = tuple((name, values.get(name, "")) for name in self.names)
        return _fill(self.source, filled, self.user)


@lru_cache(maxsize=512)
def _fill(source: str, values: tuple[tuple[str, str], ...], user: bool) -> TextPattern:
    known = dict(values)
    text = _PLACEHOLDER.sub(lambda found: re.escape(known.get(found[1], "")), source)
    return compile_user_pattern(text) if user else re.compile(text)


@dataclass(frozen=True, slots=True)
class Rule:
    """One way of recognising a problem in a process's output."""

    id: str
    severity: Severity
    title: str
    starts: tuple[TextPattern, ...]
    """A line matching any of these begins the problem; named groups become fields."""
    message: tuple[str, ...]
    """Templates; the first whose placeholders all have values is used."""
    kinds: frozenset[str] = frozenset()
    """Process kinds it applies to; empty: all."""
    processes: frozenset[str] = frozenset()
    """Process names it applies to; empty: all."""
    needles: tuple[str, ...] = ()
    """Plain substrings, one of which every start line contains (a cheap pre-check)."""
    when: tuple[tuple[str, str], ...] = ()
    """(field, list name) conditions the start line's fields must meet."""
    max_lines: int = 1
    continues: BlockPattern | None = None
    """Every line after the first must match this to belong to the block."""
    end: BlockPattern | None = None
    """A line matching this ends the block (it is not part of it)."""
    final: BlockPattern | None = None
    """The line that completes one occurrence (a function's `Uncaught Error`): after it,
    lines must match `trailer` to belong to the block, so the next call begins another."""
    trailer: BlockPattern | None = None
    """What may follow the `final` line (its stack); default: `continue`."""
    fields: tuple[TextPattern, ...] = ()
    explanation: tuple[str, ...] = ()
    fix: tuple[str, ...] = ()
    docs: str = ""
    priority: int = 0
    resolves: Literal["ready"] | None = None
    """"ready": the problem belongs to a process's current attempt at being ready. For a
    Convex process that is a push attempt: when an attempt is over (ready, or its errors
    all printed), each such problem it did not report is resolved. For other processes:
    resolved when the process is ready again."""
    group_by: tuple[str, ...] = ("file", "symbol")
    """The fields that, with the id, tell one problem from another (its fingerprint)."""
    column_base: int = 1
    """What the printed column counts from: 1 (tsc, V8 stacks) or 0 (esbuild, Vite);
    devtui shows and writes 1-based columns everywhere."""
    within: frozenset[str] = frozenset()
    """When set, the rule only refines an open block of these rules (an InternalServerError
    inside a function's log), and never begins a problem by itself."""
    superseded_by: frozenset[str] = frozenset()
    """Convex: held until its push attempt is over, and dropped if that attempt reported a
    problem of one of these rules (tsc's own diagnostics replace the typecheck header)."""
    stage: int = 0
    """Convex: the step of a push the problem stops it at (1 the CLI's file checks, 2
    bundling, 3 the deployment's start_push, 4 tsc). A failed attempt resolves only the
    problems of the steps it got through; 0: any failed attempt that does not report it."""
    origin: str = field(default="built-in", compare=False)
    """Where the rule was defined, for messages (not part of what the rule is)."""

    def applies_to(self, name: str, kind: str) -> bool:
        """Whether the rule watches process `name` of `kind`."""
        if self.processes and name not in self.processes:
            return False
        return not self.kinds or kind in self.kinds


def render(templates: tuple[str, ...], values: dict[str, str]) -> str:
    """The first template whose placeholders all have (non-empty) values, filled in.

    With none complete, the last one is filled with "" for what is missing.
    """
    for template in templates:
        names = template_fields(template)
        if all(values.get(name) for name in names):
            return template.format_map(values)
    if not templates:
        return ""
    missing = {name: values.get(name, "") for name in template_fields(templates[-1])}
    return templates[-1].format_map(missing)


def template_fields(template: str) -> list[str]:
    """The placeholder names in a `{field}` template."""
    return [name for _, name, _, _ in _FORMATTER.parse(template) if name is not None]


# ---------------------------------------------------------------- loading


@cache
def builtin_rules() -> tuple[Rule, ...]:
    """The rules shipped with devtui (`rules.toml` among the presets).

    Raises:
        ConfigError: the shipped file is broken (a packaging bug, reported like user input).
    """
    path = presets_dir() / "rules.toml"
    name = f"built-in {path.name}"
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        from devtui.core.config.checker import ConfigProblem

        raise ConfigError([ConfigProblem(name, "", f"cannot read: {error}")]) from None
    check = Checker(name, user_patterns=False)
    rules = parse_rules(check, data.get("rules", []), "built-in")
    if check.problems:
        raise ConfigError(check.problems)
    return tuple(rules)


def merge_rules(check: Checker, builtin: tuple[Rule, ...], tables: object) -> tuple[Rule, ...]:
    """The effective rules: the built-in ones, replaced, disabled or added to by `tables`.

    A table whose id is a built-in one replaces it (or with `disable = true` removes it);
    any other id adds a rule.
    """
    by_id = {rule.id: rule for rule in builtin}
    seen: set[str] = set()
    added: list[tuple[str, Rule]] = []
    if not isinstance(tables, list):
        check.add("rules", f"must be an array of tables ([[rules]]), not {describe(tables)}")
        return builtin
    for index, table in enumerate(tables):
        key = f"rules[{index}]"
        if not isinstance(table, dict):
            check.add(key, f"must be a table, not {describe(table)}")
            continue
        disable = check.boolean(table, "disable", f"{key}.disable")
        rule_id = table.get("id")
        if isinstance(rule_id, str):
            if rule_id in seen:
                check.add(f"{key}.id", f"rule {rule_id!r} is defined twice in [[rules]]")
                continue
            seen.add(rule_id)
        if disable:
            if not isinstance(rule_id, str) or rule_id not in by_id:
                known = list(by_id)
                shown = rule_id if isinstance(rule_id, str) else ""
                check.add(
                    f"{key}.id",
                    f"no rule {shown!r} to disable{suggest(shown, known)}",
                )
            else:
                extra = [k for k in table if k not in ("id", "disable")]
                if extra:
                    check.add(key, f"a disabled rule takes only id; remove {', '.join(extra)}")
                del by_id[rule_id]
            continue
        rule = parse_rule(check, table, key, check.file)
        if rule is not None:
            by_id[rule.id] = rule
            added.append((key, rule))
    _check_references(check, added, by_id)
    return tuple(by_id.values())


def _check_references(
    check: Checker, rules: list[tuple[str, Rule]], known: Mapping[str, Rule]
) -> None:
    """`within` and `superseded_by` must name rules that exist; a rule refines (`within`)
    only rules of a lower priority."""
    for key, rule in rules:
        for name, ids in (("within", rule.within), ("superseded_by", rule.superseded_by)):
            for rule_id in sorted(ids - known.keys()):
                check.add(f"{key}.{name}", f"no rule {rule_id!r}{suggest(rule_id, sorted(known))}")
        for rule_id in sorted(rule.within & known.keys()):
            if known[rule_id].priority >= rule.priority:
                check.add(
                    f"{key}.priority",
                    f"must be above the priority of {rule_id!r} ({known[rule_id].priority}), "
                    "the rule it refines (within)",
                )


def parse_rules(check: Checker, tables: object, origin: str) -> list[Rule]:
    """Every valid rule of an array of rule tables (problems go to `check`)."""
    if not isinstance(tables, list):
        check.add("rules", f"must be an array of tables ([[rules]]), not {describe(tables)}")
        return []
    rules: list[Rule] = []
    keyed: list[tuple[str, Rule]] = []
    seen: set[str] = set()
    for index, table in enumerate(tables):
        key = f"rules[{index}]"
        if not isinstance(table, dict):
            check.add(key, f"must be a table, not {describe(table)}")
            continue
        rule = parse_rule(check, table, key, origin)
        if rule is None:
            continue
        if rule.id in seen:
            check.add(f"{key}.id", f"duplicate rule id {rule.id!r}")
            continue
        seen.add(rule.id)
        rules.append(rule)
        keyed.append((key, rule))
    _check_references(check, keyed, {rule.id: rule for rule in rules})
    return rules


def parse_rule(check: Checker, table: dict[str, object], key: str, origin: str) -> Rule | None:
    """One rule table, validated; None (with problems recorded) when it is unusable."""
    before = len(check.problems)
    check.unknown_keys(table, RULE_KEYS, key)
    rule_id = check.string(table, "id", f"{key}.id")
    if rule_id is None and "id" not in table:
        check.add(f"{key}.id", "missing: a stable name such as 'my-rule'")
    elif rule_id is not None and not RULE_ID.match(rule_id):
        check.add(f"{key}.id", f"{rule_id!r}: use lowercase letters, digits and '-' (at most 64)")
    severity = check.choice(table, "severity", f"{key}.severity", Severity, Severity.ERROR)
    title = _required_string(check, table, "title", key)
    starts = check.regex_list(table, "start", f"{key}.start")
    if "start" not in table:
        check.add(f"{key}.start", "missing: the regex of the line that begins the problem")
    elif table["start"] == []:
        check.add(f"{key}.start", "must hold at least one regex")
    kinds = check.string_list(table, "kinds", f"{key}.kinds") or []
    for kind in kinds:
        if kind not in KINDS:
            check.add(
                f"{key}.kinds",
                f"unknown kind {kind!r} (use {', '.join(KINDS)}){suggest(kind, KINDS)}",
            )
    processes = check.string_list(table, "processes", f"{key}.processes") or []
    needles = check.string_list(table, "needles", f"{key}.needles") or []
    if any(not needle for needle in needles):
        check.add(f"{key}.needles", "an empty needle matches every line; remove it")
    fields = check.regex_list(table, "fields", f"{key}.fields") or []
    start_fields = _captured(starts or [], [])
    continues = _block_pattern(check, table, "continue", key, start_fields)
    end = _block_pattern(check, table, "end", key, start_fields)
    final = _block_pattern(check, table, "final", key, start_fields)
    trailer = _block_pattern(check, table, "trailer", key, start_fields)
    if trailer is not None and final is None:
        check.add(f"{key}.trailer", "only means something with final (the line it follows)")
    column_base = check.number(table, "column_base", f"{key}.column_base", 0, 1, integer=True)
    within = check.string_list(table, "within", f"{key}.within") or []
    superseded_by = check.string_list(table, "superseded_by", f"{key}.superseded_by") or []
    stage = check.number(table, "stage", f"{key}.stage", 0, MAX_STAGE, integer=True)
    max_lines = check.number(
        table, "max_lines", f"{key}.max_lines", 1, MAX_BLOCK_LINES, integer=True
    )
    priority = check.number(table, "priority", f"{key}.priority", -1000, 1000, integer=True)
    docs = check.string(table, "docs", f"{key}.docs") or ""
    resolves = check.string(table, "resolves", f"{key}.resolves")
    if resolves is not None and resolves != "ready":
        check.add(f"{key}.resolves", f"unknown value {resolves!r} (the only one is 'ready')")
    if "superseded_by" in table and resolves != "ready":
        check.add(f"{key}.superseded_by", "needs resolves = 'ready' (it waits for a push attempt)")

    captured = _captured(starts or [], fields)
    when = _when(check, table, key, captured)
    message = _templates(check, table, "message", key, captured, required=True)
    explanation = _templates(check, table, "explanation", key, captured)
    fix = _templates(check, table, "fix", key, captured)
    group_by = check.string_list(table, "group_by", f"{key}.group_by")
    for name in group_by or []:
        if name not in captured:
            check.add(f"{key}.group_by", f"field {name!r} is not captured by start or fields")

    if len(check.problems) > before or rule_id is None or title is None or not starts:
        return None
    return Rule(
        id=rule_id,
        severity=severity,
        title=title,
        starts=tuple(starts),
        message=message,
        kinds=frozenset(kinds),
        processes=frozenset(processes),
        needles=tuple(needles),
        when=when,
        max_lines=int(max_lines) if max_lines is not None else 1,
        continues=continues,
        end=end,
        final=final,
        trailer=trailer,
        fields=tuple(fields),
        explanation=explanation,
        fix=fix,
        docs=docs,
        priority=int(priority) if priority is not None else 0,
        resolves="ready" if resolves == "ready" else None,
        group_by=tuple(group_by) if group_by is not None else ("file", "symbol"),
        column_base=int(column_base) if column_base is not None else 1,
        within=frozenset(within),
        superseded_by=frozenset(superseded_by),
        stage=int(stage) if stage is not None else 0,
        origin=origin,
    )


def _block_pattern(
    check: Checker, table: dict[str, object], name: str, key: str, start_fields: set[str]
) -> BlockPattern | None:
    """A block regex that may name the start line's fields as `{field}`."""
    dotted = f"{key}.{name}"
    text = check.string(table, name, dotted)
    if text is None:
        return None
    names = tuple(dict.fromkeys(_PLACEHOLDER.findall(text)))
    for placeholder in names:
        if placeholder not in start_fields:
            known = sorted(start_fields)
            check.add(
                dotted,
                f"placeholder {{{placeholder}}} is not captured by start"
                f" (captured: {', '.join(known)}){suggest(placeholder, known)}",
            )
            return None
    sample = _PLACEHOLDER.sub("x", text)  # how it compiles, whatever the fields hold
    if check.compile(sample, dotted) is None:
        return None
    return BlockPattern(text, names, check.user_patterns)


def _required_string(check: Checker, table: dict[str, object], name: str, key: str) -> str | None:
    value = check.string(table, name, f"{key}.{name}")
    if name not in table:
        check.add(f"{key}.{name}", "missing")
    elif value is not None and not value.strip():
        check.add(f"{key}.{name}", "is empty")
        return None
    return value


def _captured(starts: list[TextPattern], fields: list[TextPattern]) -> set[str]:
    names = set(BUILTIN_FIELDS)
    for pattern in (*starts, *fields):
        names.update(pattern.groupindex)
    return names


def _when(
    check: Checker, table: dict[str, object], key: str, captured: set[str]
) -> tuple[tuple[str, str], ...]:
    if "when" not in table:
        return ()
    value = table["when"]
    if not isinstance(value, dict):
        check.add(f"{key}.when", f"must be a table of field = list, not {describe(value)}")
        return ()
    conditions: list[tuple[str, str]] = []
    for name, listed in value.items():
        where = f"{key}.when.{name}"
        if name not in captured:
            check.add(where, f"field {name!r} is not captured by start")
        if not isinstance(listed, str) or listed not in KNOWN_LISTS:
            shown = listed if isinstance(listed, str) else describe(listed)
            hint = suggest(listed, KNOWN_LISTS) if isinstance(listed, str) else ""
            check.add(where, f"unknown list {shown!r} (use {', '.join(KNOWN_LISTS)}){hint}")
            continue
        conditions.append((name, listed))
    return tuple(conditions)


def _templates(
    check: Checker,
    table: dict[str, object],
    name: str,
    key: str,
    captured: set[str],
    *,
    required: bool = False,
) -> tuple[str, ...]:
    dotted = f"{key}.{name}"
    if name not in table:
        if required:
            check.add(dotted, "missing: the one-line summary, e.g. message = '{text}'")
        return ()
    templates = check.string_list(table, name, dotted)
    if templates is None:
        return ()
    for template in templates:
        try:
            names = template_fields(template)
        except ValueError as error:
            check.add(dotted, f"bad template {template!r}: {error} (write {{{{ for a brace)")
            continue
        for placeholder in names:
            if not placeholder.isidentifier():
                check.add(dotted, f"bad placeholder {{{placeholder}}}: use {{name}} only")
            elif placeholder not in captured:
                known = sorted(captured)
                check.add(
                    dotted,
                    f"placeholder {{{placeholder}}} is not captured by start or fields"
                    f" (captured: {', '.join(known)}){suggest(placeholder, known)}",
                )
    return tuple(templates)
