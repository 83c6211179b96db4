"""`devtui lint`: find Convex runtime-separation violations in the source, before a push.

Invariant: a finding is something Convex's own bundling or deployment would reject:

- `lint-node-builtin-in-v8`: a Node built-in (`crypto`, `node:fs`, …) imported at run time
  by code that Convex bundles for its V8 runtime: an entry point without `"use node"`, the
  schema, or any file such a file imports (esbuild follows relative imports). A package of
  the same name installed in node_modules shadows the built-in (esbuild bundles it), and
  in TypeScript an import none of whose names is used is dropped by the compiler.
- `lint-non-action-in-node-file`: a `"use node"` entry point exporting a query, mutation
  (internal or not) or HTTP action.

Entry points follow the Convex CLI's rule: source files under the functions folder, not in
`_generated/`, not starting with `.` or `#`, with one dot in the name (so `x.test.ts` and
`x.d.ts` are not), no spaces, not the schema. Files are parsed once and cached by size and
modification time, so linting again after a change reads only what changed.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from devtui.core.jslex import LineIndex
from devtui.core.jsmodule import ModuleFacts, read_module
from devtui.core.node_builtins import NODE_PREFIX, is_node_builtin

SOURCE_SUFFIXES: Final = (".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx")
"""What esbuild loads as code, and what Convex accepts as entry points."""
COMPILED_SUFFIXES: Final = {".js": (".ts", ".tsx"), ".mjs": (".mts",), ".cjs": (".cts",)}
"""`import "./x.js"` in TypeScript names `x.ts`."""
SKIPPED_DIRS: Final = frozenset({"_generated", "node_modules"})
SCHEMA_FILES: Final = frozenset({"schema.ts", "schema.js"})
MAX_FILE_BYTES: Final = 2 * 1024 * 1024
"""Bigger files are generated or vendored; Convex would not take them as functions."""

NODE_BUILTIN_RULE: Final = "lint-node-builtin-in-v8"
NON_ACTION_RULE: Final = "lint-non-action-in-node-file"
RULE_TITLES: Final = {
    NODE_BUILTIN_RULE: "Node built-in imported in a V8 file",
    NON_ACTION_RULE: 'Query or mutation in a "use node" file',
}
RULE_DOCS: Final = {
    NODE_BUILTIN_RULE: "https://docs.convex.dev/functions/runtimes#nodejs-runtime",
    NON_ACTION_RULE: "https://docs.convex.dev/functions/actions",
}
CALL_FROM_ACTION: Final = {
    "Query": "ctx.runQuery",
    "Mutation": "ctx.runMutation",
    "HttpAction": "an HTTP route in convex/http.ts",
}


@dataclass(frozen=True, slots=True)
class LintFinding:
    """One violation, with its place and what to do."""

    rule: str
    file: str
    """Relative to the project root (the folder that holds the functions folder)."""
    line: int
    column: int
    """1-based, pointing at the module specifier's quote or the exported name."""
    symbol: str
    """The module (`crypto`) or the function (`createChatMessage`)."""
    message: str
    fix: str
    explanation: str

    @property
    def title(self) -> str:
        """The rule's title."""
        return RULE_TITLES[self.rule]

    @property
    def docs(self) -> str:
        """The Convex documentation page about it."""
        return RULE_DOCS[self.rule]

    @property
    def location(self) -> str:
        """`file:line:column`."""
        return f"{self.file}:{self.line}:{self.column}"

    def record(self) -> dict[str, object]:
        """The JSON object of `devtui lint --format json`."""
        return {
            "rule": self.rule,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "symbol": self.symbol,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True, slots=True)
class LintReport:
    """What one lint pass found."""

    findings: list[LintFinding]
    files: int
    """How many source files were read (or taken from the cache)."""
    unreadable: list[str]
    """Files that could not be read, with the reason, e.g. `convex/x.ts: Permission denied`."""


@dataclass(frozen=True, slots=True)
class _Parsed:
    stamp: tuple[int, int]
    facts: ModuleFacts
    lines: LineIndex


class ConvexLinter:
    """Lints one Convex functions folder; keep it to lint again cheaply after changes."""

    def __init__(self, functions_dir: Path, root: Path | None = None) -> None:
        self.functions_dir = functions_dir.resolve()
        self.root = (root or self.functions_dir.parent).resolve()
        self._cache: dict[Path, _Parsed] = {}
        self._shadowed: dict[tuple[Path, str], bool] = {}

    def lint(self) -> LintReport:
        """Read the folder (what changed since the last pass) and return every finding."""
        unreadable: list[str] = []
        entries = sorted(self._entry_points())
        seen: set[Path] = set()
        self._shadowed.clear()
        findings: dict[tuple[str, str, int, int], LintFinding] = {}
        v8_roots: list[Path] = []
        for path in entries:
            parsed = self._parse(path, unreadable)
            if parsed is None:
                continue
            seen.add(path)
            if parsed.facts.use_node and path.name not in SCHEMA_FILES:
                for finding in self._node_file_findings(path, parsed):
                    findings[_key(finding)] = finding
            else:
                v8_roots.append(path)
        for path, via in self._reachable(v8_roots, unreadable, seen):
            parsed = self._cache[path]
            for finding in self._builtin_findings(path, parsed, via):
                findings.setdefault(_key(finding), finding)
        for stale in set(self._cache) - seen:
            del self._cache[stale]
        ordered = sorted(findings.values(), key=lambda f: (f.file, f.line, f.column, f.rule))
        return LintReport(ordered, len(seen), unreadable)

    # ------------------------------------------------------------------ files

    def _entry_points(self) -> list[Path]:
        found: list[Path] = []
        for folder, dirs, files in os.walk(self.functions_dir):
            dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")]
            for name in files:
                if _is_entry_point(name) or name in SCHEMA_FILES:
                    found.append(Path(folder, name))
        return found

    def _parse(self, path: Path, unreadable: list[str]) -> _Parsed | None:
        try:
            info = path.stat()
        except OSError as error:
            unreadable.append(f"{self._shown(path)}: {error.strerror or error}")
            return None
        stamp = (info.st_mtime_ns, info.st_size)
        cached = self._cache.get(path)
        if cached is not None and cached.stamp == stamp:
            return cached
        if info.st_size > MAX_FILE_BYTES:
            unreadable.append(f"{self._shown(path)}: larger than {MAX_FILE_BYTES // 1024**2} MiB")
            return None
        try:
            source = path.read_bytes().decode("utf-8", errors="replace")
        except OSError as error:
            unreadable.append(f"{self._shown(path)}: {error.strerror or error}")
            return None
        parsed = _Parsed(stamp, read_module(source), LineIndex(source))
        self._cache[path] = parsed
        return parsed

    def _shown(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    # ------------------------------------------------------------------ the import graph

    def _reachable(
        self, roots: list[Path], unreadable: list[str], seen: set[Path]
    ) -> list[tuple[Path, Path | None]]:
        """Every file bundled for V8, with the entry point that pulls it in (None: itself)."""
        via: dict[Path, Path | None] = {root: None for root in roots}
        queue = deque(roots)
        while queue:
            path = queue.popleft()
            parsed = self._cache.get(path) or self._parse(path, unreadable)
            if parsed is None:
                continue
            seen.add(path)
            for ref in parsed.facts.runtime_imports(_typescript(path)):
                if not ref.specifier.startswith("."):
                    continue
                target = self._resolve(path.parent, ref.specifier)
                if target is not None and target not in via:
                    via[target] = via[path] or path
                    queue.append(target)
        return [(path, source) for path, source in via.items() if path in self._cache]

    def _resolve(self, folder: Path, specifier: str) -> Path | None:
        """The source file a relative specifier names, if it is one of the project's."""
        base = Path(os.path.normpath(folder / specifier))
        candidates = [base]
        candidates += [base.with_suffix(s) for s in COMPILED_SUFFIXES.get(base.suffix, ())]
        candidates += [base.with_name(base.name + s) for s in SOURCE_SUFFIXES]
        candidates += [base / f"index{s}" for s in SOURCE_SUFFIXES]
        for candidate in candidates:
            if candidate.suffix in SOURCE_SUFFIXES and candidate.is_file():
                if not SKIPPED_DIRS.isdisjoint(candidate.parts) or not candidate.is_relative_to(
                    self.root
                ):
                    return None  # Convex's generated code and packages are not ours to check
                return candidate
        return None

    def _is_shadowed(self, folder: Path, specifier: str) -> bool:
        """Whether an installed package of the built-in's name is what esbuild will find."""
        if specifier.startswith(NODE_PREFIX):
            return False
        package = specifier.split("/", 1)[0]
        key = (folder, package)
        known = self._shadowed.get(key)
        if known is None:
            known = any(
                (parent / "node_modules" / package / "package.json").is_file()
                for parent in (folder, *folder.parents)
            )
            self._shadowed[key] = known
        return known

    # ------------------------------------------------------------------ findings

    def _builtin_findings(self, path: Path, parsed: _Parsed, via: Path | None) -> list[LintFinding]:
        findings: list[LintFinding] = []
        shown = self._shown(path)
        for ref in parsed.facts.runtime_imports(_typescript(path)):
            module = ref.specifier
            if not is_node_builtin(module) or self._is_shadowed(path.parent, module):
                continue
            line, column = parsed.lines.position(ref.offset)
            if via is None:
                where = f'{shown} has no "use node", so it runs in Convex\'s V8 runtime'
                message = f'"{module}" is a Node built-in, imported in a V8 file (no "use node")'
            else:
                entry = self._shown(via)
                where = (
                    f'{entry} (no "use node", so bundled for Convex\'s V8 runtime) imports {shown}'
                )
                message = f'"{module}" is a Node built-in, bundled for V8 through {entry}'
            findings.append(
                LintFinding(
                    rule=NODE_BUILTIN_RULE,
                    file=shown,
                    line=line,
                    column=column,
                    symbol=module,
                    message=message,
                    fix=(
                        f'Move the code that needs "{module}" into a file that starts with '
                        '"use node" and holds only actions (call them with ctx.runAction or '
                        "ctx.scheduler), or use a Web API that V8 has (crypto.randomUUID(), "
                        "crypto.subtle, TextEncoder, fetch)."
                    ),
                    explanation=(
                        f"{where}, which has no Node built-ins: the bundler cannot find "
                        f'"{module}" and the push fails.'
                    ),
                )
            )
        return findings

    def _node_file_findings(self, path: Path, parsed: _Parsed) -> list[LintFinding]:
        findings: list[LintFinding] = []
        shown = self._shown(path)
        for function in parsed.facts.functions:
            if function.function_type == "Action":
                continue
            kind = function.function_type
            line, column = parsed.lines.position(function.offset)
            name = function.name
            findings.append(
                LintFinding(
                    rule=NON_ACTION_RULE,
                    file=shown,
                    line=line,
                    column=column,
                    symbol=name,
                    message=(
                        f'{name} is a {kind} in a "use node" file: only actions can be '
                        "defined in Node.js"
                    ),
                    fix=(
                        f'Move {name} into a file without "use node" and keep only actions '
                        f"in {shown}; an action can still use it through "
                        f"{CALL_FROM_ACTION[kind]}."
                    ),
                    explanation=(
                        f'{shown} starts with "use node", so Convex runs it in Node.js, '
                        f"where only actions may live; the deployment rejects the whole push "
                        f"(InvalidModules) because {name} is a {kind}."
                    ),
                )
            )
        return findings


def _typescript(path: Path) -> bool:
    return path.suffix in (".ts", ".tsx", ".mts", ".cts")


def _key(finding: LintFinding) -> tuple[str, str, int, int]:
    return (finding.rule, finding.file, finding.line, finding.column)


def _is_entry_point(name: str) -> bool:
    """The Convex CLI's test for a file that defines functions (see the module docs)."""
    return (
        name.endswith(SOURCE_SUFFIXES)
        and not name.startswith((".", "#"))
        and name not in SCHEMA_FILES
        and name.count(".") == 1
        and " " not in name
    )
