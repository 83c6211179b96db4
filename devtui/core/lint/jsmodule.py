"""What one JavaScript/TypeScript module imports and exports, read from its tokens.

Invariant: pure. `read_module` reports every import that survives compilation (static,
side-effect, dynamic `import()` and `require()` with a literal specifier, re-exports,
TypeScript `import x = require()`), never a type-only one (`import type`, `export type`,
`import { type A }` with only type specifiers: TypeScript and esbuild erase those), and
every top-level export whose value is made by a Convex function builder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from devtui.core.lint.jslex import Token, tokenize

FunctionType = Literal["Query", "Mutation", "Action", "HttpAction"]

GENERATED_SERVER_BUILDERS: Final[dict[str, FunctionType]] = {
    "query": "Query",
    "internalQuery": "Query",
    "mutation": "Mutation",
    "internalMutation": "Mutation",
    "action": "Action",
    "internalAction": "Action",
    "httpAction": "HttpAction",
}
"""The builders `convex/_generated/server` exports, and what each makes."""
GENERIC_BUILDERS: Final[dict[str, FunctionType]] = {
    "queryGeneric": "Query",
    "internalQueryGeneric": "Query",
    "mutationGeneric": "Mutation",
    "internalMutationGeneric": "Mutation",
    "actionGeneric": "Action",
    "internalActionGeneric": "Action",
    "httpActionGeneric": "HttpAction",
}
"""The same builders as `convex/server` exports them."""
CUSTOM_BUILDERS: Final[dict[str, FunctionType]] = {
    "customQuery": "Query",
    "customMutation": "Mutation",
    "customAction": "Action",
    "zCustomQuery": "Query",
    "zCustomMutation": "Mutation",
    "zCustomAction": "Action",
}
"""convex-helpers' wrappers: `const authedMutation = customMutation(mutation, …)`."""


@dataclass(frozen=True, slots=True)
class ImportRef:
    """One module specifier the code loads at run time."""

    specifier: str
    offset: int
    """Where the specifier's string literal starts (its opening quote)."""
    how: Literal["import", "dynamic import", "require", "re-export"]
    bindings: tuple[str, ...] = ()
    """The local names a static import binds (none for `import "x"` and the rest)."""


@dataclass(frozen=True, slots=True)
class ExportedFunction:
    """A top-level export made by a Convex function builder."""

    name: str
    """The exported name (`default` for `export default`)."""
    function_type: FunctionType
    offset: int
    """Where the exported name (or `default`) is written."""


@dataclass(slots=True)
class ModuleFacts:
    """What `read_module` found."""

    use_node: bool = False
    use_node_offset: int | None = None
    """Where the `"use node"` directive's string starts, when there is one."""
    imports: list[ImportRef] = field(default_factory=list)
    functions: list[ExportedFunction] = field(default_factory=list)
    used_names: set[str] = field(default_factory=set)
    """Names the code refers to outside import declarations (properties left out)."""

    def runtime_imports(self, typescript: bool) -> list[ImportRef]:
        """The imports that survive compilation. TypeScript compilers (esbuild included)
        drop a static import none of whose names is used, since it may name only types."""
        if not typescript:
            return self.imports
        return [
            ref
            for ref in self.imports
            if not ref.bindings or any(name in self.used_names for name in ref.bindings)
        ]


def read_module(source: str) -> ModuleFacts:
    """The imports, the `"use node"` directive and the exported Convex functions of `source`."""
    return _Reader(list(tokenize(source))).read()


class _Reader:
    """One pass over a module's tokens."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self.tokens = tokens
        self.facts = ModuleFacts()
        self.builders: dict[str, FunctionType] = {}
        """Local names bound to a builder (imports, aliases, custom wrappers)."""
        self.namespaces: dict[str, dict[str, FunctionType]] = {}
        """`import * as server from "./_generated/server"`: server → its builders."""
        self.locals: dict[str, tuple[FunctionType, int]] = {}
        """Top-level `const x = mutation(…)` not exported where declared."""
        self.exported_names: list[tuple[str, str, int]] = []
        """`export { local as name }` without `from`: (local, exported, offset)."""

    def read(self) -> ModuleFacts:
        tokens = self.tokens
        self.facts.use_node_offset = self._use_node_directive()
        self.facts.use_node = self.facts.use_node_offset is not None
        depth = 0
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token.kind == "punct":
                if token.text in "{([":
                    depth += 1
                elif token.text in "})]":
                    depth -= 1
            elif token.kind == "name" and not self._is_property(index):
                self.facts.used_names.add(token.text)
                if token.text == "import":
                    index = self._import(index, top_level=depth == 0)
                    continue
                if token.text == "require":
                    self._require(index)
                elif depth == 0 and token.text == "export":
                    index = self._export(index)
                    continue
                elif depth == 0 and token.text in ("const", "let", "var"):
                    index = self._declaration(index, exported=False)
                    continue
            index += 1
        for local, name, offset in self.exported_names:
            if local in self.locals:
                self.facts.functions.append(ExportedFunction(name, self.locals[local][0], offset))
        return self.facts

    # ------------------------------------------------------------------ helpers

    def _at(self, index: int) -> Token | None:
        return self.tokens[index] if 0 <= index < len(self.tokens) else None

    def _is(self, index: int, kind: str, text: str | None = None) -> bool:
        token = self._at(index)
        return token is not None and token.kind == kind and (text is None or token.text == text)

    def _is_property(self, index: int) -> bool:
        """`x.import`, `x?.require`: a property, not the keyword or the global."""
        return self._is(index - 1, "punct", ".") or self._is(index - 1, "punct", "?.")

    def _literal(self, index: int) -> Token | None:
        """A string, or a template literal without substitutions, at `index`."""
        token = self._at(index)
        if token is not None and token.kind in ("string", "template"):
            return token
        return None

    def _statement_end(self, index: int) -> int:
        """The index after the `;` ending the statement at `index` (or of the next
        top-level keyword when a semicolon is left out)."""
        depth = 0
        while index < len(self.tokens):
            token = self.tokens[index]
            if token.kind == "punct":
                if token.text in "{([":
                    depth += 1
                elif token.text in "})]":
                    depth -= 1
                elif token.text == ";" and depth <= 0:
                    return index + 1
            index += 1
        return index

    def _use_node_directive(self) -> int | None:
        """The offset of a `"use node"` string in the directive prologue, if any."""
        index = 0
        while (token := self._at(index)) is not None and token.kind == "string":
            if token.text == "use node":
                return token.offset
            index += 1
            if self._is(index, "punct", ";"):
                index += 1
        return None

    # ------------------------------------------------------------------ imports

    def _import(self, index: int, top_level: bool) -> int:
        after = index + 1
        if self._is(after, "punct", "("):  # import("x")
            literal = self._literal(after + 1)
            if literal is not None:
                self._add_import(literal, "dynamic import")
            return after + 1
        if self._is(after, "punct", ".") or not top_level:  # import.meta
            return after
        literal = self._literal(after)
        if literal is not None:  # import "x";
            self._add_import(literal, "import")
            return after + 1
        type_only = False
        if self._is(after, "name", "type") and not (
            self._is(after + 1, "name", "from") or self._is(after + 1, "punct", ",")
        ):
            type_only = True  # import type X from / import type { … } / import type * as
            after += 1
        # TypeScript `import x = require("y")`
        if self._is(after, "name") and self._is(after + 1, "punct", "="):
            if self._is(after + 2, "name", "require") and self._is(after + 3, "punct", "("):
                literal = self._literal(after + 4)
                if literal is not None and not type_only:
                    self._add_import(literal, "import", (self.tokens[after].text,))
            return self._statement_end(after)
        end = self._clause_end(after)
        if end is None:
            return after
        from_index, literal = end
        clause = self.tokens[after:from_index]
        if not type_only and not _only_types(clause):
            self._add_import(literal, "import", _bindings(clause))
            self._bind_builders(clause, literal.text)
        return from_index + 2

    def _clause_end(self, index: int) -> tuple[int, Token] | None:
        """The `from` and specifier ending an import/export clause starting at `index`."""
        depth = 0
        while index < len(self.tokens):
            token = self.tokens[index]
            if token.kind == "punct":
                if token.text == "{":
                    depth += 1
                elif token.text == "}":
                    depth -= 1
                elif token.text == ";" or depth < 0:
                    return None
            elif token.kind == "name" and token.text == "from" and depth == 0:
                literal = self._literal(index + 1)
                return (index, literal) if literal is not None else None
            elif token.kind != "name":
                return None
            index += 1
        return None

    def _require(self, index: int) -> None:
        if self._is(index + 1, "punct", "(") and self._is(index + 3, "punct", ")"):
            literal = self._literal(index + 2)
            if literal is not None:
                self._add_import(literal, "require")

    def _add_import(self, literal: Token, how: str, bindings: tuple[str, ...] = ()) -> None:
        self.facts.imports.append(
            ImportRef(literal.text, literal.offset, how, bindings)  # type: ignore[arg-type]
        )

    def _bind_builders(self, clause: Sequence[Token], specifier: str) -> None:
        """Remember local names of Convex's function builders imported by `clause`."""
        table = _builders_of(specifier)
        if table is None:
            return
        names = [t for t in clause if t.kind == "name"]
        if len(names) >= 2 and _texts(clause[:2]) == ["*", "as"]:
            self.namespaces[clause[2].text] = table
            return
        for position, token in enumerate(clause):
            if token.kind != "name" or token.text not in table:
                continue
            following = clause[position + 1 : position + 3]
            if _texts(following[:1]) == ["as"] and len(following) == 2:
                self.builders[following[1].text] = table[token.text]
            elif position == 0 or clause[position - 1].text != "as":
                self.builders[token.text] = table[token.text]

    # ------------------------------------------------------------------ exports

    def _export(self, index: int) -> int:
        after = index + 1
        token = self._at(after)
        if token is None:
            return after
        if token.kind == "name" and token.text == "type":
            return self._statement_end(after)
        if token.kind == "name" and token.text in ("const", "let", "var"):
            return self._declaration(after, exported=True)
        if token.kind == "name" and token.text == "default":
            made = self._builder_call(after + 1)
            if made is not None:
                self.facts.functions.append(ExportedFunction("default", made, token.offset))
            return after + 1
        if token.kind == "punct" and token.text in ("*", "{"):
            end = self._clause_end(after)
            if end is not None:  # export … from "x"
                from_index, literal = end
                if not _only_types(self.tokens[after:from_index]):
                    self._add_import(literal, "re-export")
                return from_index + 2
            if token.text == "{":
                return self._export_list(after)
        return after

    def _export_list(self, index: int) -> int:
        """`export { a, b as c };`: remember the names for the end of the module."""
        index += 1
        while (token := self._at(index)) is not None and not (
            token.kind == "punct" and token.text == "}"
        ):
            if token.kind == "name" and token.text != "type":
                type_only = self._is(index - 1, "name", "type")
                local, shown, offset = token.text, token.text, token.offset
                if self._is(index + 1, "name", "as") and self._is(index + 2, "name"):
                    target = self.tokens[index + 2]
                    shown, offset = target.text, target.offset
                    index += 2
                if not type_only:
                    self.exported_names.append((local, shown, offset))
                    self.facts.used_names.add(local)
            index += 1
        return index + 1

    def _declaration(self, index: int, exported: bool) -> int:
        """`const name = builder(…)` (and more declarators); returns where to go on."""
        index += 1
        while True:
            name = self._at(index)
            if name is None or name.kind != "name":
                return index
            value = self._after_type_annotation(index + 1)
            if value is None:
                return index + 1
            made = self._builder_call(value)
            custom = self._custom_builder(value)
            if made is not None:
                if exported:
                    self.facts.functions.append(ExportedFunction(name.text, made, name.offset))
                else:
                    self.locals[name.text] = (made, name.offset)
            elif custom is not None:
                self.builders[name.text] = custom
            next_declarator = self._next_declarator(value)
            if next_declarator is None:
                return value
            index = next_declarator

    def _after_type_annotation(self, index: int) -> int | None:
        """The index after `=` of a declarator (skipping `: Type`), or None."""
        if self._is(index, "punct", "="):
            return index + 1
        if not self._is(index, "punct", ":"):
            return None
        depth = 0
        while (token := self._at(index)) is not None:
            if token.kind == "punct":
                if token.text in "{([<":
                    depth += 1
                elif token.text in "})]>":
                    depth -= 1
                elif token.text == "=" and depth == 0:
                    return index + 1
                elif token.text in (";", ",") and depth == 0:
                    return None
            index += 1
        return None

    def _next_declarator(self, index: int) -> int | None:
        """The index of the next declarator's name after a `,` at depth 0, or None."""
        depth = 0
        while (token := self._at(index)) is not None:
            if token.kind == "punct":
                if token.text in "{([":
                    depth += 1
                elif token.text in "})]":
                    depth -= 1
                    if depth < 0:
                        return None
                elif token.text == ";" and depth == 0:
                    return None
                elif token.text == "," and depth == 0:
                    return index + 1
            elif token.kind == "name" and depth == 0 and token.text in _STATEMENT_STARTS:
                return None
            index += 1
        return None

    def _builder_call(self, index: int) -> FunctionType | None:
        """What a Convex builder call at `index` makes (`mutation(`, `server.query(`)."""
        token = self._at(index)
        if token is None or token.kind != "name":
            return None
        if token.text in self.builders and self._is(index + 1, "punct", "("):
            return self.builders[token.text]
        table = self.namespaces.get(token.text)
        if (
            table is not None
            and self._is(index + 1, "punct", ".")
            and self._is(index + 3, "punct", "(")
        ):
            member = self.tokens[index + 2]
            return table.get(member.text)
        return None

    def _custom_builder(self, index: int) -> FunctionType | None:
        token = self._at(index)
        if token is None or token.kind != "name" or not self._is(index + 1, "punct", "("):
            return None
        return CUSTOM_BUILDERS.get(token.text)


_STATEMENT_STARTS: Final = frozenset(
    {"const", "let", "var", "export", "import", "function", "class", "if", "for", "return"}
)


def _texts(tokens: Sequence[Token]) -> list[str]:
    return [token.text for token in tokens]


def _only_types(clause: Sequence[Token]) -> bool:
    """Whether an import/export clause names only types: `{ type A, type B }`."""
    if not clause or clause[0].text != "{":
        return False
    specifiers: list[list[Token]] = [[]]
    for token in clause[1:]:
        if token.text == "}":
            break
        if token.text == ",":
            specifiers.append([])
        else:
            specifiers[-1].append(token)
    named = [s for s in specifiers if s]
    return bool(named) and all(
        len(s) >= 2 and s[0].text == "type" and s[1].text != "as" for s in named
    )


def _bindings(clause: Sequence[Token]) -> tuple[str, ...]:
    """The local names an import clause binds: `a`, `* as b`, `{ c, d as e }` → a, b, c, e
    (type-only specifiers left out)."""
    names: list[str] = []
    braces = False
    index = 0
    while index < len(clause):
        token = clause[index]
        text = token.text
        if text == "{":
            braces = True
        elif text == "}":
            braces = False
        elif text == "as" and index + 1 < len(clause):
            typed = braces and index >= 2 and clause[index - 2].text == "type"
            if not typed:
                if clause[index - 1].text != "*":
                    names.pop()  # `{ d as e }`: the local name is e, not d
                names.append(clause[index + 1].text)
            index += 1
        elif (
            token.kind == "name"
            and text != "type"
            and not (braces and index > 0 and clause[index - 1].text == "type")
        ):
            names.append(text)
        index += 1
    return tuple(names)


def _builders_of(specifier: str) -> dict[str, FunctionType] | None:
    bare = specifier.removesuffix(".js").removesuffix(".ts")
    if bare.endswith("_generated/server"):
        return GENERATED_SERVER_BUILDERS
    if specifier == "convex/server":
        return GENERIC_BUILDERS
    return None
