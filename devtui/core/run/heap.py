"""Node's heap limit in NODE_OPTIONS: read it, raise it.

Invariant: pure string work on NODE_OPTIONS; every other option in it is kept as it was.
"""

from __future__ import annotations

import re
from typing import Final

HEAP_OPTION: Final = re.compile(r"--max[-_]old[-_]space[-_]size[= ](\d+)")
DEFAULT_BASE_MB: Final = 4096
"""What "double the heap" starts from when NODE_OPTIONS sets no limit."""


def heap_limit_mb(node_options: str) -> int | None:
    """The `--max-old-space-size` in NODE_OPTIONS (the last one wins, as in Node), or None."""
    found = HEAP_OPTION.findall(node_options)
    return int(found[-1]) if found else None


def with_heap_limit(node_options: str, megabytes: int) -> str:
    """NODE_OPTIONS with `--max-old-space-size=megabytes` (replacing any earlier value)."""
    kept = HEAP_OPTION.sub("", node_options).split()
    return " ".join([*kept, f"--max-old-space-size={megabytes}"])


def doubled_heap_mb(current: int | None) -> int:
    """The heap limit for a restart after running out of memory: twice the current one."""
    return 2 * (current if current is not None else DEFAULT_BASE_MB)
