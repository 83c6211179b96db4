"""`devtui mcp` as an MCP client runs it: a real `python -m devtui mcp` on stdio, driven by
the SDK's own client, against a real devtui running a stack of scripted children."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import psutil
import pytest

pytest.importorskip("mcp", reason="the MCP SDK is not installed: pip install 'devtui[mcp]'")

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.types import TextContent

from devtui.core.control.client import NotRunning, find_project
from tests.helpers import CHILDREN

TOOLS = {
    "stack_status",
    "read_logs",
    "list_problems",
    "problem_details",
    "restart_process",
    "wait_until_ready",
}


def toml_list(argv: list[str]) -> str:
    return "[" + ", ".join(json.dumps(part) for part in argv) + "]"


def scripted(*steps: str) -> str:
    return toml_list([sys.executable, str(CHILDREN / "scripted.py"), *steps])


def write_stack(root: Path) -> None:
    """Two processes (web waits for backend) and a rule that makes backend's stderr line a
    problem."""
    backend = scripted(
        "out:backend starting",
        "err:ERROR: cannot reach the database (attempt 1)",
        "out:backend ready",
        "hold",
    )
    web = scripted("out:web listening on http://localhost:5173/", "out:web ready", "hold")
    (root / "devtui.toml").write_text(
        "[settings]\nshutdown_grace = 2\n\n"
        f'[processes.backend]\ncommand = {backend}\nready = "backend ready"\n\n'
        f'[processes.web]\ncommand = {web}\nready = "web ready"\ndepends_on = ["backend"]\n\n'
        '[[rules]]\nid = "database-unreachable"\nseverity = "warning"\n'
        'title = "Database unreachable"\nstart = "cannot reach the (?P<symbol>database)"\n'
        'message = "the {symbol} cannot be reached"\n'
        'fix = "Start the database, then restart backend"\n'
    )


STARTED: list[psutil.Process] = []


@pytest.fixture(autouse=True)
def no_leftovers() -> Iterator[None]:
    """Whatever a test did, nothing it started (nor anything under it) outlives it."""
    yield
    while STARTED:
        top = STARTED.pop()
        try:
            family = [top, *top.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for process in family:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass


def mcp_children() -> list[psutil.Process]:
    """The `devtui mcp` servers this test process runs."""
    return [
        child
        for child in psutil.Process().children()
        if "mcp" in child.cmdline()[3:4]  # python -m devtui mcp …
    ]


@asynccontextmanager
async def mcp_session(cwd: Path, *args: str) -> AsyncIterator[ClientSession]:
    """An initialised MCP session with `python -m devtui mcp ARGS` run in `cwd` (its stderr
    in cwd/mcp-stderr.log)."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "devtui", "mcp", *args],
        cwd=cwd,
        env={"XDG_STATE_HOME": os.environ["XDG_STATE_HOME"]},
    )
    with open(cwd / "mcp-stderr.log", "w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            STARTED.extend(mcp_children())
            yield session


async def call(session: ClientSession, tool: str, **arguments: object) -> dict[str, object]:
    """A tool's JSON result (it must not be an error)."""
    result = await session.call_tool(tool, arguments)
    [content] = result.content
    assert isinstance(content, TextContent)
    assert not result.is_error, content.text
    data = json.loads(content.text)
    assert isinstance(data, dict)
    assert data == result.structured_content
    return data


async def call_error(session: ClientSession, tool: str, **arguments: object) -> str:
    """A tool's error text (it must be an error)."""
    result = await session.call_tool(tool, arguments)
    [content] = result.content
    assert isinstance(content, TextContent)
    assert result.is_error, content.text
    return content.text


def processes(status: dict[str, object]) -> dict[str, dict[str, object]]:
    listed = status["processes"]
    assert isinstance(listed, list)
    return {str(p["name"]): p for p in listed}


def lines_of(logs: dict[str, object]) -> list[dict[str, object]]:
    lines = logs["lines"]
    assert isinstance(lines, list)
    return lines


@asynccontextmanager
async def running_devtui(root: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`devtui up --headless` in `root`, once its control socket answers; stopped after."""
    with open(root / "up.log", "wb") as log:
        devtui = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "devtui", "up", "--headless", cwd=root, stdout=log, stderr=log
        )
    STARTED.append(psutil.Process(devtui.pid))
    async with asyncio.timeout(30):
        while True:
            try:
                find_project(root)
                break
            except NotRunning:
                assert devtui.returncode is None, (root / "up.log").read_text()
                await asyncio.sleep(0.05)
    try:
        yield devtui
    finally:
        if devtui.returncode is None:
            devtui.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await devtui.wait()


async def test_the_tools_against_a_running_stack(tmp_path: Path) -> None:
    write_stack(tmp_path)
    async with running_devtui(tmp_path), mcp_session(tmp_path) as session:
        listed = await session.list_tools()
        assert {tool.name for tool in listed.tools} == TOOLS
        assert all(tool.description and len(tool.description) > 80 for tool in listed.tools)

        waited = await call(session, "wait_until_ready", timeout_s=30)
        assert (waited["outcome"], waited["code"]) == ("ready", 0), waited

        status = await call(session, "stack_status")
        assert status["ready"] is True
        before = processes(status)
        assert list(before) == ["backend", "web"]
        assert {p["state"] for p in before.values()} == {"ready"}
        devtui = status["devtui"]
        assert isinstance(devtui, dict) and devtui["root"] == str(tmp_path)

        found = await call(session, "read_logs", grep="ready|ERROR")
        texts = [line["text"] for line in lines_of(found)]
        assert "ERROR: cannot reach the database (attempt 1)" in texts
        assert "backend ready" in texts and "web ready" in texts
        assert all(re.search("ready|ERROR", str(text)) for text in texts)
        assert all(re.fullmatch(r"\d\d:\d\d:\d\d", str(line["time"])) for line in lines_of(found))
        assert "truncated" not in found

        errors = await call(session, "read_logs", stream="stderr", process="backend")
        assert [(line["process"], line["stream"]) for line in lines_of(errors)] == [
            ("backend", "stderr")
        ]
        newest = await call(session, "read_logs", process="web", last=1)
        assert [line["text"] for line in lines_of(newest)] == ["web ready"]
        assert str(newest["truncated"]).startswith("showing the last 1 of 2 lines")

        listed_problems = (await call(session, "list_problems"))["problems"]
        assert isinstance(listed_problems, list) and len(listed_problems) == 1
        problem = listed_problems[0]
        assert isinstance(problem, dict)
        assert (problem["rule"], problem["severity"]) == ("database-unreachable", "warning")
        details = await call(session, "problem_details", fingerprint_or_index=problem["index"])
        assert details["fix"] == "Start the database, then restart backend"
        assert details["lines"] == ["ERROR: cannot reach the database (attempt 1)"]
        by_print = await call(
            session, "problem_details", fingerprint_or_index=str(problem["fingerprint"])
        )
        assert by_print == details

        restarted = await call(session, "restart_process", name="web")
        assert restarted["process"] == "web" and restarted["state"] != "ready"
        waited = await call(session, "wait_until_ready", timeout_s=30)
        assert waited["outcome"] == "ready", waited
        after = processes(await call(session, "stack_status"))
        assert after["web"]["state"] == "ready"
        assert after["web"]["pid"] != before["web"]["pid"]
        assert after["web"]["restarts"] == 1

        unknown = await call_error(session, "restart_process", name="nope")
        assert "nope" in unknown and "unknown-process" in unknown


async def test_without_a_running_devtui_a_tool_says_where_it_looked(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as session:
        text = await call_error(session, "stack_status")
    assert f"looked for .devtui/control.sock in {tmp_path} and its parents" in text
    assert "`devtui up`" in text and "devtui mcp --start" in text


async def test_start_with_a_broken_config_says_what_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "devtui.toml").write_text("[processes.app]\ncommand = 5\n")
    async with mcp_session(tmp_path, "--start") as session:
        text = await call_error(session, "stack_status")
    assert "devtui mcp --start cannot start one" in text
    assert "processes.app.command" in text


async def test_start_runs_the_stack_for_the_session_and_leaves_nothing_behind(
    tmp_path: Path,
) -> None:
    write_stack(tmp_path)
    async with mcp_session(tmp_path, "--start") as session:
        waited = await call(session, "wait_until_ready", timeout_s=30)
        assert waited["outcome"] == "ready", waited
        status = await call(session, "stack_status")
        devtui = status["devtui"]
        assert isinstance(devtui, dict) and devtui["front_end"] == "headless"
        [server] = mcp_children()
        family = [server, *server.children(recursive=True)]
        pids = {p.pid for p in family}
        assert devtui["pid"] in pids
        assert {p["pid"] for p in processes(status).values()} <= pids
        assert len(family) >= 4, "the MCP server, devtui, backend and web"
    # The session is over: the client closed the server's stdin; the server stopped devtui,
    # which stopped its stack in order.
    _, alive = psutil.wait_procs(family, timeout=15)
    assert alive == []
    up_log = (tmp_path / ".devtui" / "mcp-up.log").read_text()
    assert "interrupted by SIGTERM" in up_log, up_log
    assert find_project_gone(tmp_path)


def find_project_gone(root: Path) -> bool:
    try:
        find_project(root)
    except NotRunning:
        return True
    return False


async def test_a_session_that_ends_during_a_wait_ends_at_once(tmp_path: Path) -> None:
    # A stack that never gets ready: the wait would block for its whole timeout. The client
    # here is raw JSON-RPC: it closes stdin without cancelling the request first (the SDK's
    # client would cancel it).
    never = scripted("out:working", "hold")
    (tmp_path / "devtui.toml").write_text(
        f'[processes.app]\ncommand = {never}\nready = "never says it"\n'
    )
    async with running_devtui(tmp_path):
        server = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "devtui",
            "mcp",
            cwd=tmp_path,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        STARTED.append(psutil.Process(server.pid))
        assert server.stdin is not None and server.stdout is not None
        answers: dict[int, dict[str, object]] = {}

        async def send(message: dict[str, object]) -> None:
            assert server.stdin is not None
            server.stdin.write(json.dumps({"jsonrpc": "2.0", **message}).encode() + b"\n")
            await server.stdin.drain()

        async def answer(request_id: int) -> dict[str, object]:
            assert server.stdout is not None
            while request_id not in answers:
                line = await server.stdout.readline()
                assert line, "the server closed stdout"
                message = json.loads(line)
                if "id" in message:
                    answers[message["id"]] = message
            return answers[request_id]

        async with asyncio.timeout(30):
            await send(
                {
                    "id": 1,
                    "method": "initialize",
                    "params": {
                        "protocolVersion": "2025-06-18",
                        "capabilities": {},
                        "clientInfo": {"name": "raw", "version": "0"},
                    },
                }
            )
            assert "result" in await answer(1)
            await send({"method": "notifications/initialized"})
            call = {"method": "tools/call"}
            wait = {"name": "wait_until_ready", "arguments": {"timeout_s": 300}}
            await send({"id": 2, **call, "params": wait})
            await send({"id": 3, **call, "params": {"name": "stack_status", "arguments": {}}})
            assert "result" in await answer(3)
            server.stdin.close()
            # Not the wait's 300 s: the session's end hangs up the request under way.
            assert await server.wait() == 0
        assert 2 not in answers or "error" in answers[2]
