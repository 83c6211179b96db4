"""`devtui mcp` in the command line: the SDK stays optional and loaded only for it."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import REPO

MISSING = "devtui mcp needs the MCP SDK: pip install 'devtui[mcp]'"


def test_without_the_sdk_devtui_mcp_says_how_to_install_it_and_exits_2() -> None:
    # `None` in sys.modules makes `import mcp` fail as if it were not installed.
    code = (
        "import sys; sys.modules['mcp'] = None\n"
        "from devtui.cli import main\n"
        "raise SystemExit(main(['mcp']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr == MISSING + "\n"
    assert result.stdout == ""


def test_the_cli_loads_the_sdk_only_for_devtui_mcp() -> None:
    code = (
        "import sys, io\n"
        "from devtui.cli import main\n"
        "main(['mcp', '--help'], io.StringIO(), io.StringIO())\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'mcp', 'mcp_types', 'pydantic'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"
    assert "devtui mcp [-h] [--start] [--config PATH] [--dir DIR]" in result.stdout
