"""`devtui mcp`'s place in the command line: its arguments, and running it.

Invariant: importing this module loads neither the MCP SDK nor anything of the server; the
SDK is imported only when `devtui mcp` runs, and its absence is one line and exit 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Final

from devtui.errors import ExitCode

MISSING_SDK: Final = "devtui mcp needs the MCP SDK: pip install 'devtui[mcp]'"
SDK_MODULES: Final = frozenset({"mcp", "mcp_types"})


def add_mcp_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `devtui mcp [--start] [--config PATH] [--dir DIR]`."""
    parser = subparsers.add_parser(
        "mcp",
        help="serve the running stack's status, logs and problems to coding agents (MCP)",
        description="A Model Context Protocol server on stdio for coding agents (Claude Code,\n"
        "Claude Desktop, Cursor, ...): the stack's status, its logs, the problems devtui\n"
        "detected and how to fix them, restarting a process, waiting until the stack is\n"
        "ready. It talks to the devtui running in this project (`devtui up` in another\n"
        "terminal), or with --start runs one itself, headless, for the session.",
        epilog="stdout is the MCP channel: an MCP client runs this command (see the README's\n"
        "\"Coding agents (MCP)\"). Needs the MCP SDK: pip install 'devtui[mcp]'.\n\n"
        "exit codes:\n  0    the client ended the session\n"
        "  2    bad arguments, or the MCP SDK is not installed\n"
        "  143  terminated (SIGTERM; 130 SIGINT, 129 SIGHUP): a started stack is stopped first",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--start",
        action="store_true",
        help="when no devtui runs in the project, start `devtui up --headless` for the "
        "session (its output goes to .devtui/mcp-up.log) and stop it when the session ends",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="config file (for --start, and where to look for the running devtui)",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help="the project folder (default: the current folder; a running devtui is looked "
        "for there and in its parents)",
    )


def run_mcp(args: argparse.Namespace) -> int:
    """Serve MCP on stdio until the client ends the session; the exit code."""
    try:
        from devtui.mcp.server import serve
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in SDK_MODULES:
            raise
        sys.stderr.write(MISSING_SDK + "\n")
        return int(ExitCode.USAGE)
    from devtui.mcp.stack import StackOptions

    directory = (args.dir or Path.cwd()).expanduser()
    if not directory.is_dir():
        sys.stderr.write(f"devtui mcp: --dir {args.dir}: not a folder\n")
        return int(ExitCode.USAGE)
    options = StackOptions(directory=directory.resolve(), config=args.config, start=args.start)
    return serve(options)
