"""A stand-in for `npm install`: prints progress, then creates node_modules/PACKAGE for
each package named (or exits with the code given by --fail CODE, creating nothing).

Usage: fake_install.py [--fail CODE] PACKAGE [PACKAGE ...]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["--fail"]:
        print("npm error code E404", file=sys.stderr, flush=True)
        return int(args[1])
    for name in args:
        print(f"added {name}", flush=True)
        time.sleep(0.05)
        folder = Path("node_modules") / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text(json.dumps({"name": name, "version": "1.0.0"}))
    print(f"added {len(args)} packages in 0.2s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
