"""The figures `python -m bench` measures. Add one by appending a Figure (issue #10 grows this list)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bench.harness import Figure

FLOORS = Path(__file__).parent / "floors"


def storectl(*args: str) -> list[str]:
    """The installed command, as users run it (falls back to the module)."""
    exe = shutil.which("storectl")
    return [exe, *args] if exe else [sys.executable, "-m", "storectl", *args]


def figures() -> list[Figure]:
    return [
        Figure(
            name="storectl --help",
            command=storectl("--help"),
            floor=[sys.executable, str(FLOORS / "bare_typer.py"), "--help"],
            target_ratio=1.5,
            note="root help lists every group without importing them (no SQLAlchemy, openpyxl, …)",
        ),
    ]
