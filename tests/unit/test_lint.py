"""`devtui lint`: the corpus (precision and recall), the seed violations, the details."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from devtui.core.lint.jsmodule import read_module
from devtui.core.lint.linter import ConvexLinter, LintFinding
from tests.helpers import FIXTURES

CORPUS = FIXTURES / "lint-corpus"
EXPECT = re.compile(r"// expect: (?P<rule>\S+) (?P<symbol>\S+)")

Key = tuple[str, int, str, str]


def corpus_copy(tmp_path: Path, shadow: bool = True) -> Path:
    """The corpus in a scratch folder, with `punycode` installed when `shadow`."""
    root = tmp_path / "app"
    shutil.copytree(CORPUS, root)
    if shadow:
        package = root / "node_modules" / "punycode"
        package.mkdir(parents=True)
        (package / "package.json").write_text('{"name": "punycode", "version": "2.3.1"}')
    return root


def expected_findings(root: Path) -> set[Key]:
    """(file, line, rule, symbol) of every `// expect:` marker under root/convex."""
    expected: set[Key] = set()
    for path in sorted((root / "convex").rglob("*")):
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                shown = str(path.relative_to(root))
                expected.add((shown, number, match["rule"], match["symbol"]))
    return expected


def keys(findings: list[LintFinding]) -> set[Key]:
    """(file, line, rule, symbol) of each finding; `-` for one without a symbol."""
    return {(f.file, f.line or 0, f.rule, f.symbol or "-") for f in findings}


def test_corpus_precision_and_recall_are_both_100_percent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = corpus_copy(tmp_path)
    report = ConvexLinter(root / "convex").lint()
    expected = expected_findings(root)
    found = keys(report.findings)
    true_positives = len(found & expected)
    precision = true_positives / len(found) if found else 1.0
    recall = true_positives / len(expected)
    files = sum(1 for p in (root / "convex").rglob("*") if p.is_file())
    with capsys.disabled():
        print(
            f"\nlint corpus: {files} files, {len(expected)} expected violations, "
            f"{len(found)} found: precision {precision:.0%}, recall {recall:.0%}"
        )
    assert files >= 30
    assert found - expected == set(), "false positives"
    assert expected - found == set(), "missed violations"
    assert precision == recall == 1.0


def test_an_uninstalled_lookalike_of_a_builtin_is_flagged(tmp_path: Path) -> None:
    root = corpus_copy(tmp_path, shadow=False)
    found = keys(ConvexLinter(root / "convex").lint().findings)
    assert found - expected_findings(root) == {
        ("convex/v8_shadowed.ts", 2, "node-builtin-in-v8", "punycode")
    }


def test_places_point_at_the_specifier_and_the_exported_name(tmp_path: Path) -> None:
    root = corpus_copy(tmp_path)
    by_file = {f.file: f for f in ConvexLinter(root / "convex").lint().findings}
    crypto = by_file["convex/v8_crypto.ts"]
    assert crypto.location == "convex/v8_crypto.ts:1:28"  # the opening quote of "crypto"
    mutation = by_file["convex/node_mutation.ts"]
    assert mutation.location == "convex/node_mutation.ts:4:14"  # createChatMessage
    assert mutation.message == (
        'createChatMessage is a Mutation in a "use node" file: only actions can be '
        "defined in Node.js"
    )
    assert "ctx.runMutation" in mutation.fix
    helper = by_file["convex/lib/sign.helper.ts"]
    assert helper.message == (
        '"crypto" is a Node built-in, bundled for V8 through convex/v8_uses_helper.ts'
    )
    assert "convex/v8_uses_helper.ts" in helper.explanation


def test_the_seed_violations_are_both_caught() -> None:
    report = ConvexLinter(FIXTURES / "lint-seed" / "convex").lint()
    assert [(f.location, f.rule, f.symbol) for f in report.findings] == [
        ("convex/agent.ts:9:14", "non-action-in-node-file", "createChatMessage"),
        ("convex/knowledge.ts:3:20", "node-builtin-in-v8", "crypto"),
    ]
    assert report.files == 2


def test_the_fixed_seed_project_is_clean() -> None:
    report = ConvexLinter(FIXTURES / "lint-clean" / "convex").lint()
    assert report.findings == [] and report.files == 4


def test_linting_again_reads_only_what_changed(tmp_path: Path) -> None:
    functions = tmp_path / "convex"
    functions.mkdir()
    (functions / "a.ts").write_text('import fs from "fs";\nexport const x = fs;\n')
    (functions / "b.ts").write_text("export const y = 1;\n")
    linter = ConvexLinter(functions)
    assert [f.file for f in linter.lint().findings] == ["convex/a.ts"]
    (functions / "a.ts").write_text("export const x = 1;\n")
    (functions / "c.ts").write_text('import os from "node:os";\nexport const z = os;\n')
    report = linter.lint()
    assert [f.file for f in report.findings] == ["convex/c.ts"]
    (functions / "c.ts").unlink()
    assert linter.lint().findings == []


def test_an_unreadable_file_is_named_and_the_rest_still_checked(tmp_path: Path) -> None:
    functions = tmp_path / "convex"
    functions.mkdir()
    (functions / "big.ts").write_bytes(b"x" * (3 * 1024 * 1024))
    (functions / "binary.ts").write_bytes(bytes(range(256)) * 4)
    (functions / "bad.ts").write_text('import fs from "fs";\nexport const x = fs;\n')
    report = ConvexLinter(functions).lint()
    assert [f.file for f in report.findings] == ["convex/bad.ts"]
    assert report.unreadable == ["convex/big.ts: larger than 2 MiB"]


@pytest.mark.parametrize(
    ("source", "specifiers"),
    [
        ('import a, { b } from "m1";', ["m1"]),
        ('import "side-effect";', ["side-effect"]),
        ('import type { T } from "t"; import { type U } from "u";', []),
        ('import type, { x } from "default-named-type";', ["default-named-type"]),
        ('import fs = require("fs");', ["fs"]),
        ('import type fs = require("fs");', []),
        ('export * as ns from "ns"; export type * from "types";', ["ns"]),
        ("const x = require(`tpl`); const y = require(name);", ["tpl"]),
        ('const m = await import("dyn"); const n = await import(`a${b}`);', ["dyn"]),
        ('if (x) { const { a } = require("nested"); }', ["nested"]),
        ('obj.require("no"); obj?.import("no"); import.meta.env;', []),
    ],
)
def test_which_imports_survive_compilation(source: str, specifiers: list[str]) -> None:
    assert [ref.specifier for ref in read_module(source).imports] == specifiers


def test_a_use_node_directive_must_open_the_file() -> None:
    assert read_module('"use node";\nexport const x = 1;').use_node
    assert read_module("// a comment\n'use node'\nexport const x = 1;").use_node
    assert read_module('"use strict";\n"use node";').use_node
    assert not read_module('const s = "use node";').use_node
    assert not read_module('"use nodejs";').use_node


def test_a_use_node_file_in_a_component_is_named_at_the_component(tmp_path: Path) -> None:
    functions = tmp_path / "convex"
    component = functions / "components" / "mailer"
    component.mkdir(parents=True)
    (functions / "convex.config.ts").write_text("export default defineApp();\n")
    (component / "convex.config.ts").write_text("export default defineComponent('mailer');\n")
    (component / "send.ts").write_text('"use node";\nexport const send = 1;\n')
    (component / "plain.ts").write_text("export const plain = 1;\n")
    [finding] = ConvexLinter(functions).lint().findings
    assert (finding.rule, finding.file, finding.line) == (
        "use-node-in-component",
        "convex/components/mailer",
        None,
    )
    assert "convex/components/mailer/send.ts" in finding.message
    # Without an app convex.config.ts there are no components: the CLI skips the folder.
    (functions / "convex.config.ts").unlink()
    assert ConvexLinter(functions).lint().findings == []
