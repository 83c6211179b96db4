"""The bundled demo stack: a simulated Convex CLI and Vite for `devtui demo`."""

from __future__ import annotations

from typing import Final

SCENARIOS: Final = {
    "violation": "a push fails on a Node built-in (crypto) in a V8 file, twice; the file is "
    "fixed and Convex becomes ready; then function logs with an [ERROR]",
    "ok": "clean: Convex ready, Vite starts, a second push after an edit",
    "use-node-mutation": 'a "use node" file exports a mutation: the deployment rejects every '
    "push and Convex stays failed",
    "slow": "the first push takes 20 s",
    "oom": "Convex is ready, its memory climbs, and Node dies of heap out of memory (SIGABRT)",
}
"""Scenario name → what happens, in words (for `devtui demo --help`)."""
DEFAULT_SCENARIO: Final = "violation"
