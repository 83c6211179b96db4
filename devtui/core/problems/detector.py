"""Apply problem rules to one process's output, turning blocks of lines into problems.

Invariant: pure (no I/O, no clock, no event bus). Fed each stream's ANSI-stripped lines in
order, a `ProblemDetector` reports every problem exactly once per sighting, with the lines
it spans and their sequence numbers, at the position in the chunk where it became
complete, so the caller can publish the lines before the problem they make.

Cost: each chunk is searched once for the rules' needles with `str.find`; only lines
holding a needle (and the lines of an open block) are looked at one by one, so a flood of
ordinary output costs a few C-level scans per chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from devtui.core.config.rules import BlockPattern, Rule, render
from devtui.core.events import Stream
from devtui.core.lint.node_builtins import is_node_builtin
from devtui.core.problems.book import Problem, fingerprint, stable_text
from devtui.core.problems.locate import SourceLocator
from devtui.core.problems.patterns import TextPattern
from devtui.core.redact import Redactor
from devtui.core.scan import LiteralScanner

LIST_TESTS: Final[dict[str, Callable[[str], bool]]] = {"node-builtin": is_node_builtin}
"""What a rule's `when = { field = "list" }` can test a field against."""
VOLATILE_FIELDS: Final = frozenset({"text"})
"""Fields whose numbers and URLs are left out of the fingerprint."""


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem seen in a chunk of output."""

    problem: Problem
    after: int
    """How many of the chunk's lines come before it: publish those, then the problem."""


@dataclass(slots=True)
class _Block:
    """The lines of a problem still being read."""

    rule: Rule
    """The rule the problem is reported under (the most specific one seen so far)."""
    shape: Rule
    """The rule whose max_lines, continue and end say where the block ends: the one that
    took the block last, unless that one only knows its own line (a one-line refinement,
    like a function's name inside a push error, does not cut the block short)."""
    fields: dict[str, str]
    at: float
    lines: list[str] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)
    since_rule: int = 0
    """Lines since `shape` took the block (its max_lines counts from there)."""
    final_seen: bool = False
    """The shape's `final` line is in: only its `trailer` may follow."""
    continues: TextPattern | None = None
    end: TextPattern | None = None
    final: TextPattern | None = None
    trailer: TextPattern | None = None
    """The shape's block patterns, filled in with this block's start fields."""

    def take_shape(self, shape: Rule) -> None:
        """Let `shape` say where the block ends from here on."""
        self.shape = shape
        self.since_rule = 0
        self.final_seen = False
        self.continues = _filled(shape.continues, self.fields)
        self.end = _filled(shape.end, self.fields)
        self.final = _filled(shape.final, self.fields)
        self.trailer = _filled(shape.trailer, self.fields) or self.continues

    def ends_before(self, text: str) -> bool:
        """Whether `text` is no longer part of the block."""
        if self.end is not None and self.end.search(text):
            return True
        following = self.trailer if self.final_seen else self.continues
        return following is not None and not following.search(text)

    def add(self, text: str, seq: int) -> None:
        self.lines.append(text)
        self.seqs.append(seq)
        self.since_rule += 1
        if self.final is not None and not self.final_seen and self.final.search(text):
            self.final_seen = True


def _filled(pattern: BlockPattern | None, fields: dict[str, str]) -> TextPattern | None:
    return None if pattern is None else pattern.compiled(fields)


class ProblemDetector:
    """The rules that watch one process, applied to its output stream by stream."""

    def __init__(
        self,
        process: str,
        rules: Sequence[Rule],
        locator: SourceLocator | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        """Args:
        redactor: Cleans what a problem quotes from the output (its message, lines,
            explanation and fix reach summaries, annotations, reports and copies).
        """
        self.process = process
        self._redact = (redactor or Redactor()).redact
        self.rules = sorted(rules, key=lambda rule: -rule.priority)
        """Highest priority first: the most specific rule wins a line."""
        self._locator = locator
        self._needles = LiteralScanner(needle for rule in self.rules for needle in rule.needles)
        self._check_every_line = any(not rule.needles for rule in self.rules)
        self._open: dict[Stream, _Block] = {}
        self.context: dict[str, str] = {}
        """Fields the process knows beyond its output (the Convex deployment URL), which
        rule texts may use like captured ones."""

    @property
    def has_open_block(self) -> bool:
        """Whether a problem is still being read (the caller ends it after a quiet spell)."""
        return bool(self._open)

    def feed(
        self,
        stream: Stream,
        texts: Sequence[str],
        first_seq: int,
        at: float,
        joined: str | None = None,
    ) -> list[Finding]:
        """Read one chunk of a stream's lines (`joined`: the same joined by newlines, when
        the caller has them); return the problems completed in it."""
        if not self.rules:
            return []
        candidates = self._candidates(texts, joined)  # None: every line must be checked
        if candidates is not None and not candidates and stream not in self._open:
            return []
        last_candidate = len(texts) if candidates is None else max(candidates, default=-1)
        findings: list[Finding] = []
        for index, text in enumerate(texts):
            block = self._open.get(stream)
            candidate = candidates is None or index in candidates
            if block is None:
                if candidate:
                    self._try_start(stream, text, first_seq + index, at, index, findings)
                elif index > last_candidate:
                    break
                continue
            if block.ends_before(text):
                findings.append(Finding(self._close(stream), index))
                if candidate:
                    self._try_start(stream, text, first_seq + index, at, index, findings)
                continue
            takeover = self._match(text, above=block) if candidate else None
            if takeover is not None:
                new_rule, fields = takeover
                block.rule = new_rule
                block.fields.update(fields)
                if new_rule.max_lines > 1:
                    block.take_shape(new_rule)
            block.add(text, first_seq + index)
            if block.since_rule >= block.shape.max_lines:
                findings.append(Finding(self._close(stream), index + 1))
        return findings

    def flush(self) -> list[Problem]:
        """End every open block (quiet spell, or the process ended)."""
        return [self._close(stream) for stream in list(self._open)]

    # ------------------------------------------------------------------ internals

    def _candidates(self, texts: Sequence[str], joined: str | None) -> set[int] | None:
        """Indices of lines holding a needle; None when every line must be checked."""
        if self._check_every_line:
            return None
        return set(self._needles.lines("\n".join(texts) if joined is None else joined))

    def _try_start(
        self,
        stream: Stream,
        text: str,
        seq: int,
        at: float,
        index: int,
        findings: list[Finding],
    ) -> None:
        match = self._match(text, above=None)
        if match is None:
            return
        rule, fields = match
        block = _Block(rule, rule, fields, at)
        block.take_shape(rule)
        block.add(text, seq)
        self._open[stream] = block
        if rule.max_lines <= 1:
            findings.append(Finding(self._close(stream), index + 1))

    def _match(self, text: str, above: _Block | None) -> tuple[Rule, dict[str, str]] | None:
        """The highest-priority rule whose start `text` matches: one that may begin a
        problem, or (with `above`) one that may take over that open block: of a higher
        priority, and for a rule with `within`, only a block of one of those rules."""
        for rule in self.rules:
            if above is None:
                if rule.within:
                    continue
            elif rule.priority <= above.rule.priority:
                return None
            elif rule.within and not (
                above.rule.id in rule.within or above.shape.id in rule.within
            ):
                continue
            if rule.needles and not any(needle in text for needle in rule.needles):
                continue
            for start in rule.starts:
                found = start.search(text)
                if found is None:
                    continue
                fields = {k: v for k, v in found.groupdict().items() if v}
                if all(
                    name in fields and LIST_TESTS[listed](fields[name])
                    for name, listed in rule.when
                ):
                    return rule, fields
        return None

    def _close(self, stream: Stream) -> Problem:
        block = self._open.pop(stream)
        rule = block.rule
        lines, seqs = block.lines, block.seqs
        while len(lines) > 1 and not lines[-1].strip():
            lines, seqs = lines[:-1], seqs[:-1]
        values = dict(block.fields)
        for pattern in rule.fields:
            if pattern.groupindex.keys() <= values.keys():
                continue
            for text in lines:
                found = pattern.search(text)
                if found is not None:
                    for name, value in found.groupdict().items():
                        if value and name not in values:
                            values[name] = value
        return self._problem(rule, values, block.at, tuple(lines), tuple(seqs))

    def _problem(
        self,
        rule: Rule,
        values: dict[str, str],
        at: float,
        lines: tuple[str, ...],
        seqs: tuple[int, ...],
    ) -> Problem:
        values["process"] = self.process
        for name, value in self.context.items():
            values.setdefault(name, value)
        if "file" in values and self._locator is not None:
            values["file"] = self._locator.locate(values["file"])
        column = _number(values.get("column"))
        if column is not None:
            column += 1 - rule.column_base  # esbuild and Vite count from 0; devtui from 1
            values["column"] = str(column)
        redact = self._redact
        return Problem(
            rule=rule.id,
            severity=rule.severity,
            title=rule.title,
            message=redact(render(rule.message, values).strip()) or rule.title,
            process=self.process,
            fingerprint=rule_fingerprint(rule, values),
            first_seen=at,
            last_seen=at,
            file=values.get("file"),
            line=_number(values.get("line")),
            column=column,
            symbol=values.get("symbol"),
            explanation=redact(render(rule.explanation, values)),
            fix=redact(render(rule.fix, values)),
            docs=rule.docs,
            lines=tuple(map(redact, lines)),
            first_seq=seqs[0] if seqs else None,
            occurrence_seqs=seqs,
        )


def rule_fingerprint(rule: Rule, values: Mapping[str, str]) -> str:
    """A problem's identity: the rule and the fields it groups by (live lint computes its
    findings' the same way, so a finding and the push it predicts are one problem)."""
    parts = [
        stable_text(values.get(name, "")) if name in VOLATILE_FIELDS else values.get(name, "")
        for name in rule.group_by
    ]
    return fingerprint(rule.id, parts)


def _number(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None
