"""A simulated `npx convex dev` for the demo: prints what convex 1.48.0 prints, on stderr.

Run as `python -m devtui.demo.convex_cli --scenario NAME` in the demo project folder. The
texts are those of the real captures (tests/fixtures/); like the real CLI it writes
everything to stderr, colours its ✔/✖ marks unless told not to, and keeps running until
it is stopped (except in the `oom` scenario, where it dies of SIGABRT).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from types import FrameType

from devtui.demo import DEFAULT_SCENARIO, SCENARIOS
from devtui.demo.project import fix_ai

DEPLOYMENT = "http://127.0.0.1:3210"
OOM_NEEDS_HEAP_MB = 6144
"""The simulated compile needs this much heap; a larger --max-old-space-size survives."""

CRYPTO_ERROR = """✘ [ERROR] Could not resolve "crypto"

    convex/ai.ts:1:27:
      1 │ import { createHash } from "crypto";
        ╵                            ~~~~~~~~

  The package "crypto" wasn't found on the file system but is built into node. Are you trying to bundle for node? You can use "platform: 'node'" to do that, which will remove this error.

{cross} 
It looks like you are using Node APIs from a file without the "use node" directive.
Split out actions using Node.js APIs like this into a new file only containing actions that uses "use node" so these actions will run in a Node.js environment.
For more information see https://docs.convex.dev/functions/runtimes#nodejs-runtime
"""

USE_NODE_MUTATION_ERROR = """{cross} Error: Unable to start push to {deployment}
{cross} Error fetching POST  {deployment}/api/deploy2/start_push 400 Bad Request: InvalidModules: Hit an error while pushing:
Loading the pushed modules encountered the following
    error:
`createChatMessage` defined in `agent.js` is a Mutation function. Only actions can be defined in Node.js. See https://docs.convex.dev/functions/actions for more details."""

OOM_SIGNATURE = """
<--- Last few GCs --->

[{pid}:0x5e0a3c0]    41863 ms: Mark-Compact 4047.9 (4130.5) -> 4032.6 (4131.2) MB, 1698.21 / 0.00 ms  (average mu = 0.113, current mu = 0.040) allocation failure; scavenge might not succeed
[{pid}:0x5e0a3c0]    43571 ms: Mark-Compact 4048.6 (4131.2) -> 4033.4 (4131.9) MB, 1688.94 / 0.00 ms  (average mu = 0.074, current mu = 0.011) allocation failure; scavenge might not succeed


<--- JS stacktrace --->

FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory
----- Native stack trace -----

 1: 0xb8ced1 node::OOMErrorHandler(char const*, v8::OOMDetails const&) [node]
 2: 0xf06460 v8::Utils::ReportOOMFailure(v8::internal::Isolate*, char const*, v8::OOMDetails const&) [node]
"""


class Terminal:
    """Writes like the Convex CLI: to stderr, ✔ green and ✖ red when colour is on."""

    def __init__(self) -> None:
        force = os.environ.get("FORCE_COLOR", "")
        self.colour = force not in ("", "0", "false") or (
            sys.stderr.isatty() and not os.environ.get("CI")
        )

    def mark(self, symbol: str, colour: int) -> str:
        return f"\x1b[{colour}m{symbol}\x1b[39m" if self.colour else symbol

    def say(self, text: str = "") -> None:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def ready(self, duration: str) -> None:
        self.say(
            f"{self.mark('✔', 32)} {datetime.now():%H:%M:%S} Convex functions ready! ({duration})"
        )

    def preparing(self) -> None:
        self.say("- Preparing Convex functions...")
        self.say()

    def function_log(self, kind: str, path: str, text: str) -> None:
        now = datetime.now()
        hour = now.hour % 12 or 12
        stamp = f"{now.month}/{now.day}/{now.year}, {hour}:{now:%M:%S} {'AM' if now.hour < 12 else 'PM'}"
        self.say(f"{stamp} [CONVEX {kind}({path})] {text}")


def _quit(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)


def _banner(term: Terminal) -> None:
    if not Path(".env.local").exists():
        Path(".env.local").write_text(f"VITE_CONVEX_URL={DEPLOYMENT}\n")
        term.say("Saved VITE_CONVEX_URL and VITE_CONVEX_SITE_URL to .env.local")
    term.say("▌ Developing against deployment:")
    term.say(f"▌ └─ {DEPLOYMENT}")


def _idle_logs(term: Terminal) -> None:
    """Keep running like `convex dev`, with an occasional function log."""
    count = 0
    while True:
        time.sleep(8)
        count += 1
        term.function_log("Q", "messages:list", f"[LOG] 'listed 20 messages (poll {count})'")


def _function_logs_with_error(term: Terminal) -> None:
    time.sleep(2.0)
    term.function_log("A", "ai:streamChatWithAI", "[LOG] '[AI_STREAMING] Starting stream' 42")
    time.sleep(1.0)
    term.function_log(
        "A",
        "ai:streamChatWithAI",
        "[ERROR] '[AI_STREAMING] Stream failed: 401 Incorrect API key provided'",
    )
    term.function_log("A", "ai:streamChatWithAI", "Uncaught Error: 401 Incorrect API key provided")
    term.say("    at handler (../convex/ai.ts:12:12)")
    term.say()


def scenario_ok(term: Terminal) -> None:
    term.preparing()
    time.sleep(0.9)
    term.ready("891.93ms")
    time.sleep(5.0)
    term.preparing()
    time.sleep(0.78)
    term.ready("778.94ms")
    _idle_logs(term)


def scenario_violation(term: Terminal) -> None:
    for _ in range(2):  # the developer saves twice before finding the cause
        term.preparing()
        time.sleep(0.6)
        term.say(CRYPTO_ERROR.replace("{cross}", term.mark("✖", 31)))
        time.sleep(3.5)
    fix_ai(Path.cwd())
    term.preparing()
    time.sleep(0.8)
    term.ready("801.56ms")
    _function_logs_with_error(term)
    _idle_logs(term)


def scenario_use_node_mutation(term: Terminal) -> None:
    term.preparing()
    time.sleep(0.7)
    error = USE_NODE_MUTATION_ERROR.replace("{deployment}", DEPLOYMENT)
    term.say(error.replace("{cross}", term.mark("✖", 31)))
    while True:  # the real CLI waits for a file change
        time.sleep(3600)


def scenario_slow(term: Terminal) -> None:
    term.preparing()
    time.sleep(20.5)
    term.ready("21.02s")
    _idle_logs(term)


def _heap_limit_mb() -> int | None:
    match = re.search(r"--max-old-space-size=(\d+)", os.environ.get("NODE_OPTIONS", ""))
    return int(match.group(1)) if match else None


def scenario_oom(term: Terminal) -> None:
    term.preparing()
    time.sleep(0.9)
    term.ready("912.40ms")
    survives = (_heap_limit_mb() or 0) >= OOM_NEEDS_HEAP_MB
    hoard: list[bytearray] = []
    for _ in range(24 if not survives else 8):  # ~16 MiB every 0.4 s: visible growth
        block = bytearray(16 * 1024 * 1024)
        block[::4096] = b"\x01" * (len(block) // 4096)  # touch every page: resident memory
        hoard.append(block)
        time.sleep(0.4)
    if survives:
        term.function_log("A", "embeddings:rebuild", "[LOG] 'index rebuilt with the larger heap'")
        _idle_logs(term)
        return
    term.say(OOM_SIGNATURE.replace("{pid}", str(os.getpid())))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file in the demo folder
    os.abort()


RUNNERS = {
    "ok": scenario_ok,
    "violation": scenario_violation,
    "use-node-mutation": scenario_use_node_mutation,
    "slow": scenario_slow,
    "oom": scenario_oom,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Simulated `convex dev` for devtui demo.")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default=DEFAULT_SCENARIO)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, _quit)
    signal.signal(signal.SIGTERM, _quit)
    term = Terminal()
    _banner(term)
    RUNNERS[args.scenario](term)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
