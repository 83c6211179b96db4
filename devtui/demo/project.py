"""The scratch project the demo runs in: a small Convex + Vite app on disk.

Invariant: `prepare()` resets the files each run, so every demo tells the same story;
the simulated Convex CLI edits `convex/ai.ts` itself when the story "fixes" it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

PACKAGE_JSON: Final = """{
  "name": "devtui-demo-app",
  "private": true,
  "type": "module",
  "scripts": {"dev": "devtui demo"},
  "dependencies": {"convex": "^1.48.0"},
  "devDependencies": {"vite": "^8.3.8"}
}
"""

AI_TS_BROKEN: Final = """import { createHash } from "crypto";
import { action } from "./_generated/server";
import { v } from "convex/values";

// A V8 file (no "use node") importing a Node built-in: the push fails.
export const streamChatWithAI = action({
  args: { prompt: v.string() },
  handler: async (ctx, { prompt }) => {
    const id = createHash("sha256").update(prompt).digest("hex");
    console.log("[AI_STREAMING] Starting stream", 42);
    throw new Error("401 Incorrect API key provided");
  },
});
"""

AI_TS_FIXED: Final = """import { action } from "./_generated/server";
import { v } from "convex/values";

// Fixed: no Node built-in; the id comes from the Web Crypto API available in V8.
export const streamChatWithAI = action({
  args: { prompt: v.string() },
  handler: async (ctx, { prompt }) => {
    const id = crypto.randomUUID();
    console.log("[AI_STREAMING] Starting stream", 42);
    throw new Error("401 Incorrect API key provided");
  },
});
"""

AGENT_JS_USE_NODE: Final = """"use node";
import { internalMutation } from "./_generated/server";

// A "use node" file may only export actions: the deployment rejects this push.
export const createChatMessage = internalMutation({
  handler: async (ctx) => {},
});
"""

MAIN_JS: Final = """import { ConvexClient } from "convex/browser";
import { api } from "../convex/_generated/api";

const client = new ConvexClient(import.meta.env.VITE_CONVEX_URL);
document.querySelector("#app").textContent = "devtui demo app";
"""

INDEX_HTML: Final = """<!doctype html>
<html><head><meta charset="utf-8"><title>devtui demo app</title></head>
<body><h1>devtui demo app</h1><p id="app">Served by the demo's simulated Vite.</p>
<script type="module" src="/src/main.js"></script></body></html>
"""


def default_demo_dir() -> Path:
    """`$XDG_STATE_HOME/devtui/demo` (default `~/.local/state/devtui/demo`)."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "devtui" / "demo"


def prepare(root: Path, scenario: str) -> Path:
    """Write the demo app into `root` for `scenario`; returns `root`."""
    (root / "convex").mkdir(parents=True, exist_ok=True)
    (root / "src").mkdir(exist_ok=True)
    (root / "package.json").write_text(PACKAGE_JSON)
    (root / "index.html").write_text(INDEX_HTML)
    (root / "src" / "main.js").write_text(MAIN_JS)
    ai = AI_TS_BROKEN if scenario == "violation" else AI_TS_FIXED
    (root / "convex" / "ai.ts").write_text(ai)
    agent = root / "convex" / "agent.js"
    if scenario == "use-node-mutation":
        agent.write_text(AGENT_JS_USE_NODE)
    elif agent.exists():
        agent.unlink()
    return root


def fix_ai(root: Path) -> None:
    """The demo's "developer" fixes the crypto import."""
    (root / "convex" / "ai.ts").write_text(AI_TS_FIXED)
