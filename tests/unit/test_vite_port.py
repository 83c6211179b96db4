"""The port Vite will ask for, read from the command, the package script, vite.config."""

from __future__ import annotations

import json
from pathlib import Path

from devtui.core.config.ports import VITE_DEFAULT_PORT, runs_vite, vite_port


def test_the_commands_own_flag_wins(tmp_path: Path) -> None:
    assert vite_port(("npx", "vite", "--port", "3000"), tmp_path) == 3000
    assert vite_port(("npx", "vite", "--port=4000"), tmp_path) == 4000
    assert vite_port(("npx", "vite", "--port", "99999"), tmp_path) == VITE_DEFAULT_PORT


def test_a_package_script_is_read_through(tmp_path: Path) -> None:
    scripts = {"dev": "vite --port 5500 --strictPort", "other": "vite"}
    (tmp_path / "package.json").write_text(json.dumps({"scripts": scripts}))
    assert vite_port(("npm", "run", "dev"), tmp_path) == 5500
    assert vite_port(("pnpm", "dev"), tmp_path) == 5500
    assert vite_port(("yarn", "other"), tmp_path) == VITE_DEFAULT_PORT


def test_vite_config_server_port(tmp_path: Path) -> None:
    (tmp_path / "vite.config.ts").write_text(
        "export default defineConfig({\n  plugins: [react()],\n"
        "  server: {\n    host: true,\n    port: 3001,\n  },\n  preview: { port: 4173 },\n})\n"
    )
    assert vite_port(("npx", "vite"), tmp_path) == 3001


def test_nothing_said_is_vites_default(tmp_path: Path) -> None:
    (tmp_path / "vite.config.js").write_text("export default { preview: { port: 4173 } }\n")
    assert vite_port(("npx", "vite"), tmp_path) == VITE_DEFAULT_PORT


def test_only_the_real_vite_has_vites_default_port(tmp_path: Path) -> None:
    assert runs_vite(("npx", "vite", "--clearScreen", "false"), tmp_path)
    assert runs_vite(("node_modules/.bin/vite",), tmp_path)
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {"dev": "vite --host"}}))
    assert runs_vite(("pnpm", "dev"), tmp_path)
    assert not runs_vite(("python", "-m", "devtui.demo.vite_server"), tmp_path)  # a stand-in
    assert not runs_vite(("python", "scripted.py", "out:VITE ready"), tmp_path)
    assert runs_vite(("pnpm", "exec", "vite"), tmp_path)
    assert runs_vite(("yarn", "vite"), tmp_path)
    assert runs_vite(("npx", "--yes", "vite@8", "--port", "3000"), tmp_path)
    assert not runs_vite(("python", "replay.py", "fixtures/vite-ok", "vite"), tmp_path)
