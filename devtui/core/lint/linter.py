"""`devtui lint`: find what Convex would reject in the source, before a push.

Invariant: a finding is something Convex's own bundling, its CLI's checks or its
deployment would reject, under the same rule id as the problem the push would show (so
live lint and the push it predicts are one problem):

- `node-builtin-in-v8`: a Node built-in (`crypto`, `node:fs`, …) imported at run time
  by code that Convex bundles for its V8 runtime: an entry point without `"use node"`, the
  schema, or any file such a file imports (esbuild follows relative imports). A package of
  the same name installed in node_modules shadows the built-in (esbuild bundles it), and
  in TypeScript an import none of whose names is used is dropped by the compiler.
- `non-action-in-node-file`: a `"use node"` entry point exporting a query, mutation
  (internal or not) or HTTP action.
- The CLI's own checks of names, folders and directives (convex 1.48.0's bundler):
  `use-node-not-allowed` (`"use node"` in the top-level http or crons file),
  `actions-folder-needs-use-node` (an entry point under `actions/` without it),
  `reserved-deps-folder` (a file under `_deps/`), `auth-config-twice` (auth.config.js and
  .ts), `use-node-in-component` (a `"use node"` file in a component folder), and the
  warning `https-file-not-http` (a top-level `https.*` file importing httpRouter).

Entry points follow the Convex CLI's rule: source files under the functions folder, not in
`_generated/`, not starting with `.` or `#`, with one dot in the name (so `x.test.ts` and
`x.d.ts` are not), no spaces, not the schema. Files are parsed once and cached by size and
modification time, so linting again after a change reads only what changed.
"""

from __future__ import annotations

import os
import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from devtui.core.lint.jslex import LineIndex
from devtui.core.lint.jsmodule import ModuleFacts, read_module
from devtui.core.lint.node_builtins import NODE_PREFIX, is_node_builtin
from devtui.core.problems.book import Severity, location_text

SOURCE_SUFFIXES: Final = (".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx")
"""What esbuild loads as code, and what Convex accepts as entry points."""
COMPILED_SUFFIXES: Final = {".js": (".ts", ".tsx"), ".mjs": (".mts",), ".cjs": (".cts",)}
"""`import "./x.js"` in TypeScript names `x.ts`."""
SKIPPED_DIRS: Final = frozenset({"_generated", "node_modules"})
SCHEMA_FILES: Final = frozenset({"schema.ts", "schema.js"})
MUST_BE_V8: Final = frozenset({"http", "crons"})
"""Top-level modules the CLI refuses to run in Node.js: its `mustBeIsolate` also names
schema and auth.config, but those are never entry points, so it never checks them."""
ACTIONS_DIR: Final = "actions"
DEPS_DIR: Final = "_deps"
COMPONENT_FILE: Final = "convex.config.ts"
MAX_FILE_BYTES: Final = 2 * 1024 * 1024
"""Bigger files are generated or vendored; Convex would not take them as functions."""

NODE_BUILTIN_RULE: Final = "node-builtin-in-v8"
NON_ACTION_RULE: Final = "non-action-in-node-file"
USE_NODE_NOT_ALLOWED: Final = "use-node-not-allowed"
ACTIONS_FOLDER_RULE: Final = "actions-folder-needs-use-node"
DEPS_FOLDER_RULE: Final = "reserved-deps-folder"
AUTH_CONFIG_RULE: Final = "auth-config-twice"
COMPONENT_RULE: Final = "use-node-in-component"
HTTPS_FILE_RULE: Final = "https-file-not-http"
RULE_TITLES: Final = {
    NODE_BUILTIN_RULE: "Node built-in imported in a V8 file",
    NON_ACTION_RULE: 'Query or mutation in a "use node" file',
    USE_NODE_NOT_ALLOWED: '"use node" where it is not allowed',
    ACTIONS_FOLDER_RULE: 'File in actions/ without "use node"',
    DEPS_FOLDER_RULE: "Code in the reserved _deps folder",
    AUTH_CONFIG_RULE: "Two auth.config files",
    COMPONENT_RULE: '"use node" in a component',
    HTTPS_FILE_RULE: "HTTP routes in a file Convex does not read",
}
"""The titles of the rules in config/rules.toml with the same ids (a test keeps them so)."""
RULE_DOCS: Final = {
    NODE_BUILTIN_RULE: "https://docs.convex.dev/functions/runtimes#nodejs-runtime",
    NON_ACTION_RULE: "https://docs.convex.dev/functions/actions",
    USE_NODE_NOT_ALLOWED: "https://docs.convex.dev/functions/runtimes#nodejs-runtime",
    ACTIONS_FOLDER_RULE: "https://docs.convex.dev/functions/actions",
    DEPS_FOLDER_RULE: "https://docs.convex.dev/functions/bundling",
    AUTH_CONFIG_RULE: "https://docs.convex.dev/auth/advanced/custom-auth",
    COMPONENT_RULE: "https://docs.convex.dev/components",
    HTTPS_FILE_RULE: "https://docs.convex.dev/functions/http-actions",
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
    line: int | None
    column: int | None
    """1-based, pointing at the module specifier's quote, the exported name or the
    directive (None for a finding about a whole file or folder)."""
    symbol: str | None
    """The module (`crypto`) or the function (`createChatMessage`), where there is one."""
    message: str
    fix: str
    explanation: str
    severity: Severity = Severity.ERROR

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
        """`file:line:column` as far as known."""
        return location_text(self.file, self.line, self.column)

    def record(self) -> dict[str, object]:
        """The JSON object of `devtui lint --format json`."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
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
            for finding in self._entry_point_findings(path, parsed):
                findings[_key(finding)] = finding
            if parsed.facts.use_node and not self._must_be_v8(path):
                for finding in self._node_file_findings(path, parsed):
                    findings[_key(finding)] = finding
            else:
                v8_roots.append(path)
        for finding in self._folder_findings(unreadable):
            findings[_key(finding)] = finding
        for path, via in self._reachable(v8_roots, unreadable, seen):
            parsed = self._cache[path]
            for finding in self._builtin_findings(path, parsed, via):
                findings.setdefault(_key(finding), finding)
        for stale in set(self._cache) - seen:
            del self._cache[stale]
        ordered = sorted(
            findings.values(), key=lambda f: (f.file, f.line or 0, f.column or 0, f.rule)
        )
        return LintReport(ordered, len(seen), unreadable)

    # ------------------------------------------------------------------ files

    def _entry_points(self, folder: Path | None = None) -> list[Path]:
        """The entry points (and the schema) of the app, or of the component in `folder`;
        nested components' folders are theirs, not the app's (as the CLI walks)."""
        top = folder or self.functions_dir
        found: list[Path] = []
        for where, dirs, files in os.walk(top):
            dirs[:] = [
                d
                for d in dirs
                if d not in SKIPPED_DIRS
                and not d.startswith(".")
                and not Path(where, d, COMPONENT_FILE).is_file()
            ]
            for name in files:
                if _is_entry_point(name) or name in SCHEMA_FILES:
                    found.append(Path(where, name))
        return found

    def _relative(self, path: Path) -> str:
        """`path` relative to the functions folder, as the CLI names modules."""
        return path.relative_to(self.functions_dir).as_posix()

    def _must_be_v8(self, path: Path) -> bool:
        """Whether the CLI refuses `"use node"` in this module (top-level http, crons, …)."""
        return self._relative(path).rsplit(".", 1)[0] in MUST_BE_V8

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

    # ------------------------------------------------------------------ the CLI's own checks

    def _entry_point_findings(self, path: Path, parsed: _Parsed) -> list[LintFinding]:
        """The CLI's checks of one module's name, folder and directive."""
        shown = self._shown(path)
        relative = self._relative(path)
        facts = parsed.facts
        findings: list[LintFinding] = []
        if facts.use_node_offset is not None and self._must_be_v8(path):
            line, column = parsed.lines.position(facts.use_node_offset)
            findings.append(
                LintFinding(
                    rule=USE_NODE_NOT_ALLOWED,
                    file=shown,
                    line=line,
                    column=column,
                    symbol=None,
                    message=f'"use node" is not allowed in {shown}',
                    fix=(
                        f'Remove "use node" from {shown}; move code that needs Node.js into '
                        'an action in a separate "use node" file and call it with '
                        "ctx.runAction (or schedule it)."
                    ),
                    explanation=(
                        f"Convex always runs {relative.rsplit('.', 1)[0]} in its V8 runtime; "
                        f'with "use node" in {shown} the CLI refuses to push.'
                    ),
                )
            )
        if relative.startswith(ACTIONS_DIR + "/") and not facts.use_node:
            findings.append(
                LintFinding(
                    rule=ACTIONS_FOLDER_RULE,
                    file=shown,
                    line=1,
                    column=1,
                    symbol=None,
                    message=f'{shown} is in the actions/ folder but has no "use node"',
                    fix=(
                        f'Add "use node"; at the top of {shown}, or move it out of the '
                        "actions/ folder (any folder can hold actions now)."
                    ),
                    explanation=(
                        'The CLI requires "use node" in every file under actions/ (a '
                        "deprecated way to choose Node.js) and refuses to push without it."
                    ),
                )
            )
        if "/" not in relative and path.name.lower().startswith("https."):
            finding = self._https_file_finding(path, parsed, shown)
            if finding is not None:
                findings.append(finding)
        return findings

    def _https_file_finding(self, path: Path, parsed: _Parsed, shown: str) -> LintFinding | None:
        """A top-level `https.*` file importing httpRouter: its routes are never read."""
        try:
            source = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        found = _IMPORTS_HTTP_ROUTER.search(source)
        if found is None:
            return None
        line, column = parsed.lines.position(found.start("name"))
        wanted = "http" + path.suffix.lower()
        return LintFinding(
            rule=HTTPS_FILE_RULE,
            file=shown,
            line=line,
            column=column,
            symbol=wanted,
            message=f"{shown} defines HTTP routes, but Convex only reads them from {wanted}",
            fix=f"Rename {shown} to {wanted}.",
            explanation=(
                f"Convex takes HTTP action routes from {wanted} in the functions folder; "
                f"{shown} is pushed as ordinary functions and its routes are ignored."
            ),
            severity=Severity.WARNING,
        )

    def _folder_findings(self, unreadable: list[str]) -> list[LintFinding]:
        """The CLI's checks of the functions folder's layout."""
        findings: list[LintFinding] = []
        deps = self.functions_dir / DEPS_DIR
        first = _first_file(deps) if deps.is_dir() else None
        if first is not None:
            shown = self._shown(first)
            findings.append(
                LintFinding(
                    rule=DEPS_FOLDER_RULE,
                    file=shown,
                    line=1,
                    column=1,
                    symbol=None,
                    message=f"{shown} is inside _deps, which Convex reserves for dependencies",
                    fix=f"Move {self._shown(deps)}/ to a folder with another name and update "
                    "the imports.",
                    explanation="The CLI refuses to push while the functions folder holds a "
                    "_deps folder: Convex keeps its bundled dependencies there.",
                )
            )
        both = [self.functions_dir / f"auth.config{suffix}" for suffix in (".js", ".ts")]
        if all(path.is_file() for path in both):
            js, ts = (self._shown(path) for path in both)
            findings.append(
                LintFinding(
                    rule=AUTH_CONFIG_RULE,
                    file=ts,
                    line=1,
                    column=1,
                    symbol=None,
                    message=f"both {js} and {ts} exist",
                    fix=f"Delete one of {js} and {ts} (usually keep the .ts one).",
                    explanation="The CLI bundles one auth config; with both it refuses to push.",
                )
            )
        if (self.functions_dir / COMPONENT_FILE).is_file():
            findings += self._component_findings(unreadable)
        return findings

    def _component_findings(self, unreadable: list[str]) -> list[LintFinding]:
        """Components (folders with their own convex.config.ts) run only in V8."""
        findings: list[LintFinding] = []
        for where, dirs, _files in os.walk(self.functions_dir):
            dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")]
            folder = Path(where)
            if folder == self.functions_dir or not (folder / COMPONENT_FILE).is_file():
                continue
            node_files = [
                path
                for path in sorted(self._entry_points(folder))
                if (parsed := self._parse(path, unreadable)) is not None and parsed.facts.use_node
            ]
            if not node_files:
                continue
            shown = self._shown(folder)
            names = ", ".join(self._shown(path) for path in node_files)
            findings.append(
                LintFinding(
                    rule=COMPONENT_RULE,
                    file=shown,
                    line=None,
                    column=None,
                    symbol=None,
                    message=f'"use node" is not supported in the component at {shown} ({names})',
                    fix=f'Remove "use node" from {names}, and move Node.js code into an action '
                    "of the app itself.",
                    explanation="Convex components run only in the V8 runtime; the CLI "
                    'refuses to push a component with a "use node" file.',
                )
            )
        return findings

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


_IMPORTS_HTTP_ROUTER: Final = re.compile(
    r"\bimport\s*(?:type\s+)?\{[^}]*?\b(?P<name>httpRouter)\b[^}]*\}\s*from\b"
)
"""An import of `httpRouter` (what the CLI looks for in an `https.*` file)."""


def _first_file(folder: Path) -> Path | None:
    """The first file the CLI's walk meets under `folder` (entries sorted by name, folders
    entered where they sort)."""
    try:
        entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
    except OSError:
        return None
    for entry in entries:
        if entry.is_dir():
            found = _first_file(entry)
            if found is not None:
                return found
        elif entry.is_file():
            return entry
    return None


def _typescript(path: Path) -> bool:
    return path.suffix in (".ts", ".tsx", ".mts", ".cts")


def _key(finding: LintFinding) -> tuple[str, str, int, int]:
    return (finding.rule, finding.file, finding.line or 0, finding.column or 0)


def _is_entry_point(name: str) -> bool:
    """The Convex CLI's test for a file that defines functions (see the module docs)."""
    return (
        name.endswith(SOURCE_SUFFIXES)
        and not name.startswith((".", "#"))
        and name not in SCHEMA_FILES
        and name.count(".") == 1
        and " " not in name
    )
