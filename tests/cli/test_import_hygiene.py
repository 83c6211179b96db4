"""The core, the config, the headless path and the CLI never load Textual or Rich."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import REPO

CHECK = """
import importlib, pkgutil, sys
import devtui
names = []
for package in ("devtui.core", "devtui.headless", "devtui.demo"):
    module = importlib.import_module(package)
    names.append(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        importlib.import_module(info.name)
        names.append(info.name)
import devtui.cli, devtui.errors
names += ["devtui.cli", "devtui.errors"]
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich"))
print(len(names), loaded)
"""


def test_core_headless_and_cli_load_neither_textual_nor_rich() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, cwd=REPO, check=True
    )
    count, loaded = result.stdout.split(" ", 1)
    assert int(count) >= 25, "the walk must actually import the modules"
    assert loaded.strip() == "[]"


def test_the_ci_path_end_to_end_loads_neither() -> None:
    code = (
        "import sys, io; from devtui.cli import main; "
        "main(['config', '--check', '--config', 'config/devtui.toml'], io.StringIO(), io.StringIO()); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.strip() == "[]"
