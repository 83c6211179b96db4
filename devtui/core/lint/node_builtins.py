"""Which import specifiers name a Node.js built-in module.

Invariant: the list is data (`node-builtins.toml` among the presets, from Node's own
`require("module").builtinModules`), shared by the `node-builtin-in-v8` problem rule and
`devtui lint`, so both agree on what counts as a Node built-in.
"""

from __future__ import annotations

import tomllib
from functools import cache

from devtui.core.config.presets import presets_dir
from devtui.errors import DevtuiError

NODE_PREFIX = "node:"


@cache
def node_builtin_modules() -> frozenset[str]:
    """Node's built-in module names (without the `node:` prefix)."""
    path = presets_dir() / "node-builtins.toml"
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DevtuiError(f"{path}: cannot read Node's built-in module list: {error}") from None
    modules = data.get("modules")
    if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
        raise DevtuiError(f"{path}: modules: must be a list of module names")
    return frozenset(modules)


def is_node_builtin(specifier: str) -> bool:
    """Whether `specifier` (as written in an import) names a Node built-in.

    Any `node:` specifier is one (some, like `node:test`, exist only with the prefix);
    otherwise the name must be on Node's list exactly (`fs/promises` is, `fs/x` is not).
    """
    if specifier.startswith(NODE_PREFIX):
        return len(specifier) > len(NODE_PREFIX)
    return specifier in node_builtin_modules()
