"""Allow ``python -m devtui``."""

from __future__ import annotations

from devtui.cli import main

raise SystemExit(main())
