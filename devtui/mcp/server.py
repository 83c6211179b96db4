"""`devtui mcp`: the running stack's status, logs and problems as MCP tools, on stdio.

Invariant: stdout carries nothing but the MCP channel (the SDK's transport owns it; a
started devtui writes to a file); every tool answers within a bound (its blocking control
request runs in a worker thread with a deadline) with a bounded result (`shaping`), and a
tool call that cannot reach a devtui answers an error the model can act on, never a
traceback. The devtui `--start` started is stopped however the session ends.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Mapping
from typing import Annotated, Final, Literal

import anyio
import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from devtui import __version__
from devtui.core.control.client import ANSWER_TIMEOUT_S, NotRunning
from devtui.core.control.protocol import ControlError
from devtui.mcp.shaping import (
    DEFAULT_LOG_LINES,
    MAX_LOG_LINES,
    NoSuchProblem,
    find_problem,
    numbered,
    problems_of,
    shape_logs,
    shape_problem_details,
    shape_problem_list,
    shape_restart,
    shape_status,
    shape_wait,
)
from devtui.mcp.stack import (
    START_TIMEOUT_S,
    Stack,
    StackOptions,
    StackUnavailable,
    wait_for_socket,
)

MAX_WAIT_S: Final = 600.0
"""The longest `wait_until_ready` waits."""
RESTART_ANSWER_S: Final = 150.0
"""A restart is answered once the process stopped (its grace) and has started again."""

INSTRUCTIONS: Final = """\
devtui runs this project's dev servers (Convex backend, Vite frontend, and whatever else
devtui.toml lists) and watches their output for problems: failed Convex pushes, runtime
separation violations ("use node"), type errors, crashes, out-of-memory. Typical use after
editing code: wait_until_ready (the edit triggers a push/reload), then list_problems; read
problem_details for a fix, read_logs (with grep) for context; restart_process if a server
is stuck. Results are compact JSON; when something was cut, a "truncated" field says so and
how to narrow the question."""

READ_ONLY: Final = ToolAnnotations(read_only_hint=True, open_world_hint=False)


def _answer(result: Mapping[str, object]) -> CallToolResult:
    """A tool result: compact JSON text for the model, the same as structured content."""
    text = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=result)


class Tools:
    """The tools, over one `Stack`."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self._starting = anyio.Lock()

    async def ensure(self) -> None:
        """With `--start`: if no devtui runs here (any more), start one and wait until it
        answers (a failed start is said by the tool calls that follow)."""
        if not self.stack.options.start:
            return
        async with self._starting:
            if self.stack.running():
                await anyio.to_thread.run_sync(wait_for_socket, self.stack, START_TIMEOUT_S)
                return
            found = await anyio.to_thread.run_sync(_found, self.stack)
            if found:
                return
            self.stack.spawn()  # here, in the main thread (see Stack.spawn)
            await anyio.to_thread.run_sync(wait_for_socket, self.stack, START_TIMEOUT_S)

    async def request(
        self,
        op: str,
        args: Mapping[str, object] | None = None,
        answer_timeout: float = ANSWER_TIMEOUT_S,
    ) -> dict[str, object]:
        """One control request in a worker thread; any failure as a `ToolError`."""
        try:
            await self.ensure()
            # A cancelled call (the user interrupted the agent) returns at once; its thread
            # ends with its request (or when the session ends: `Stack.hang_up`).
            return await anyio.to_thread.run_sync(
                self.stack.request, op, dict(args or {}), answer_timeout, abandon_on_cancel=True
            )
        except StackUnavailable as error:
            raise ToolError(str(error)) from None
        except ControlError as error:
            raise ToolError(f"devtui refused {op}: {error.message} ({error.code})") from None
        except ConnectionError as error:
            raise ToolError(f"devtui did not answer {op}: {error}") from None

    # -- the tools -----------------------------------------------------------------------

    async def stack_status(self) -> CallToolResult:
        return _answer(shape_status(await self.request("status")))

    async def read_logs(
        self,
        process: Annotated[
            str | None,
            Field(description="Only this process's lines (a name from stack_status)."),
        ] = None,
        stream: Annotated[
            Literal["stdout", "stderr"] | None,
            Field(description="Only this stream's lines; both when omitted."),
        ] = None,
        last: Annotated[
            int,
            Field(
                description=f"How many of the newest matching lines (at most {MAX_LOG_LINES}).",
                ge=1,
            ),
        ] = DEFAULT_LOG_LINES,
        since_minutes: Annotated[
            float | None,
            Field(description="Only lines from the last this many minutes.", gt=0),
        ] = None,
        grep: Annotated[
            str | None,
            Field(
                description="Only lines matching this regular expression (RE2 syntax; "
                "case-insensitive unless it has an upper-case letter)."
            ),
        ] = None,
    ) -> CallToolResult:
        wanted = min(last, MAX_LOG_LINES)
        args: dict[str, object] = {"last": wanted}
        if process:
            args["process"] = process
        if stream:
            args["stream"] = stream
        if since_minutes is not None:
            args["since"] = time.time() - since_minutes * 60
        if grep:
            args["grep"] = grep
        return _answer(shape_logs(await self.request("logs", args), wanted))

    async def list_problems(
        self,
        include_resolved: Annotated[
            bool, Field(description="Also list problems that have since gone away.")
        ] = False,
    ) -> CallToolResult:
        problems = problems_of(await self.request("problems", {"all": True}))
        return _answer(shape_problem_list(numbered(problems), include_resolved))

    async def problem_details(
        self,
        fingerprint_or_index: Annotated[
            int | str,
            Field(
                description="The problem's index as list_problems numbers it (e.g. 1), or "
                "its fingerprint (a unique prefix will do)."
            ),
        ],
    ) -> CallToolResult:
        problems = problems_of(await self.request("problems", {"all": True}))
        try:
            index, problem = find_problem(numbered(problems), fingerprint_or_index)
        except NoSuchProblem as error:
            raise ToolError(str(error)) from None
        return _answer(shape_problem_details(index, problem))

    async def restart_process(
        self,
        name: Annotated[str, Field(description="The process to restart (from stack_status).")],
    ) -> CallToolResult:
        result = await self.request("restart", {"process": name}, RESTART_ANSWER_S)
        return _answer(shape_restart(result, name))

    async def wait_until_ready(
        self,
        timeout_s: Annotated[
            float,
            Field(description=f"How long to wait, in seconds (at most {MAX_WAIT_S:g}).", gt=0),
        ] = 60.0,
    ) -> CallToolResult:
        timeout = min(timeout_s, MAX_WAIT_S)
        result = await self.request(
            "wait", {"timeout": timeout, "until": "ready"}, timeout + ANSWER_TIMEOUT_S
        )
        return _answer(shape_wait(result))


def _found(stack: Stack) -> bool:
    try:
        stack.find()
    except NotRunning:
        return False
    return True


def build_server(tools: Tools) -> MCPServer:
    """The MCP server offering `tools`."""
    server: MCPServer = MCPServer(
        "devtui",
        title="devtui: the dev stack's status, logs and problems",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level="WARNING",
    )
    add = server.add_tool
    add(
        tools.stack_status,
        name="stack_status",
        title="Dev stack status",
        description=(
            "The state of every dev-server process devtui runs (starting, ready, pushing, "
            "failed, exited…), whether the whole stack is ready, each process's URL, pid, "
            "Convex push counts and durations, restarts, exit code and memory (MB), and how "
            "many problems are open by severity. Call this first to see what runs and "
            "whether it is healthy."
        ),
        annotations=READ_ONLY,
        structured_output=False,
    )
    add(
        tools.read_logs,
        name="read_logs",
        title="Read dev-server output",
        description=(
            "The newest output lines of the dev servers (colours removed), oldest first, "
            "each with its process, stream and local time (HH:MM:SS). Filter by process, "
            f"stream, age (since_minutes) and a regex (grep). Returns at most {MAX_LOG_LINES} "
            "lines; a `truncated` field says how many matched in all. Use grep to find "
            "errors (e.g. grep='error|warn') rather than reading everything."
        ),
        annotations=READ_ONLY,
        structured_output=False,
    )
    add(
        tools.list_problems,
        name="list_problems",
        title="List detected problems",
        description=(
            "The problems devtui detected in the dev servers' output and by linting the "
            "Convex functions (failed pushes, Node built-ins in V8 files, type errors, "
            "crashes, OOM…): index, severity, rule, title, process, location "
            "(file:line:col), how often, whether resolved, and the message. Open problems "
            "first; resolved ones only with include_resolved. Use problem_details for the "
            "explanation, the fix and the output lines."
        ),
        annotations=READ_ONLY,
        structured_output=False,
    )
    add(
        tools.problem_details,
        name="problem_details",
        title="Explain one problem",
        description=(
            "One problem in full: message, location, what it means (explanation), how to fix "
            "it (fix), a documentation link (docs), when it was first and last seen, and the "
            "output lines it came from. Name it by the index list_problems gives or by its "
            "fingerprint."
        ),
        annotations=READ_ONLY,
        structured_output=False,
    )
    add(
        tools.restart_process,
        name="restart_process",
        title="Restart a dev-server process",
        description=(
            "Stop one process devtui runs (e.g. the Convex or Vite dev server) and start it "
            "again; returns its new state (usually starting). Then wait_until_ready waits "
            "until it is ready. Use it when a server is stuck or after changing its "
            "environment; code edits are picked up without a restart."
        ),
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, open_world_hint=False
        ),
        structured_output=False,
    )
    add(
        tools.wait_until_ready,
        name="wait_until_ready",
        title="Wait until the stack is ready",
        description=(
            "Block until every process is ready (e.g. after an edit triggered a Convex push "
            "or a restart), an error-severity problem appears, a process exits, or timeout_s "
            "passes. Returns outcome (ready | problem | exited | timeout), the exit code "
            "`devtui ci` would give (0, 4, 1, 3), the reason, and the problem if one ended "
            "the wait."
        ),
        annotations=READ_ONLY,
        structured_output=False,
    )
    return server


async def _stop_on_signal(stack: Stack) -> None:
    """On SIGTERM, SIGINT or SIGHUP: stop the started stack, then exit (the transport's
    stdin reader cannot be cancelled, so the process leaves with `os._exit`)."""
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT, signal.SIGHUP) as signals:
        async for sig in signals:
            stack.hang_up()
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(stack.stop)
            sys.stderr.flush()
            os._exit(128 + int(sig))


async def _start_stack(tools: Tools) -> None:
    """`--start` at the session's start, beside the handshake (a failure is said on stderr
    now and by every tool call)."""
    try:
        await tools.ensure()
    except StackUnavailable as error:
        sys.stderr.write(f"devtui mcp: {error}\n")


async def _serve(server: MCPServer, tools: Tools) -> None:
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(_stop_on_signal, tools.stack)
            if tools.stack.options.start:
                group.start_soon(_start_stack, tools)
            await server.run_stdio_async()
            group.cancel_scope.cancel()
    finally:
        tools.stack.hang_up()  # (no request thread outlives the session)
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(tools.stack.stop)


def serve(options: StackOptions) -> int:
    """Serve MCP on stdio until the client closes the session; returns the exit code."""
    tools = Tools(Stack(options))
    anyio.run(_serve, build_server(tools), tools)
    return 0
