"""Configuration: discovery, presets, validation and rendering (no UI imports)."""

from __future__ import annotations

from devtui.core.config.checker import ConfigError, ConfigProblem
from devtui.core.config.discover import (
    demo_config,
    detect_stack,
    detected_config,
    discover,
    display_path,
    load_file,
)
from devtui.core.config.executables import (
    missing_executable,
    missing_executables,
    process_environment,
)
from devtui.core.config.model import Config, ProcessConfig, ProcessKind, Settings
from devtui.core.config.render import render_config
from devtui.core.config.validate import build_config

__all__ = [
    "Config",
    "ConfigError",
    "ConfigProblem",
    "ProcessConfig",
    "ProcessKind",
    "Settings",
    "build_config",
    "demo_config",
    "detect_stack",
    "detected_config",
    "discover",
    "display_path",
    "load_file",
    "missing_executable",
    "missing_executables",
    "process_environment",
    "render_config",
]
