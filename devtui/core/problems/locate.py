"""Turn the file names tools print into paths relative to the project root.

Invariant: a located path is relative to the project root when the file can be found
there (or, for an absolute path, lies under it); otherwise the name is kept as printed, so
a problem never points at a file that the output did not name.

Tools name files in different ways: esbuild `convex/ai.ts` (relative to the root), the
deployment `agent.js` (the bundled module, relative to the functions folder, with a `.js`
extension even for `agent.ts`), a function's stack `../convex/ai.ts`, Vite an absolute
path or `file:///…`.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Final

SOURCE_SUFFIXES: Final = (".ts", ".tsx", ".js", ".jsx", ".mts", ".cts", ".mjs", ".cjs")


class SourceLocator:
    """Finds printed file names under one project."""

    def __init__(self, root: Path, functions_dir: str = "convex") -> None:
        self.root = root.resolve()
        self.functions_dir = functions_dir.strip("/") or "convex"
        self._cache: dict[str, str] = {}

    def locate(self, printed: str) -> str:
        """The project-relative path for a file name as printed (see the module docs)."""
        known = self._cache.get(printed)
        if known is None:
            known = self._locate(printed)
            if len(self._cache) < 4096:
                self._cache[printed] = known
        return known

    def _locate(self, printed: str) -> str:
        name = printed.removeprefix("file://")
        path = PurePosixPath(name)
        if path.is_absolute():
            try:
                return str(Path(name).resolve().relative_to(self.root))
            except (ValueError, OSError):
                return printed
        parts = [part for part in path.parts if part not in ("..", ".")]
        if not parts:
            return printed
        candidates = [PurePosixPath(*parts)]
        if parts[0] != self.functions_dir:
            candidates.append(PurePosixPath(self.functions_dir, *parts))
        for candidate in candidates:
            found = self._existing(candidate)
            if found is not None:
                return found
        if parts[0] == self.functions_dir:  # `../convex/ai.ts` from a function's stack
            return str(candidates[0])
        return printed

    def _existing(self, candidate: PurePosixPath) -> str | None:
        """`candidate` if it exists, else the source file it was bundled from."""
        if (self.root / candidate).is_file():
            return str(candidate)
        if candidate.suffix in (".js", ".mjs", ".cjs"):
            for suffix in SOURCE_SUFFIXES:
                source = candidate.with_suffix(suffix)
                if (self.root / source).is_file():
                    return str(source)
        return None
