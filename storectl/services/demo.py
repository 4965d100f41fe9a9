"""The demo shop: a fresh database in a folder, loaded from the packaged sample data.

Later stages (stock, sales, members, month end, QR) add their steps to STEPS.
"""

from __future__ import annotations

from pathlib import Path

from storectl.db import Database
from storectl.errors import invalid


def sample_dir() -> Path:
    import storectl.sample_data

    return Path(storectl.sample_data.__file__).parent


def _catalogue(db: Database, data: Path, report) -> dict:  # noqa: ANN001
    from storectl.services import importer

    counts = {}
    for kind in ("stores", "suppliers", "staff", "products", "customers"):
        with db.write(f"import {kind}") as s:
            counts[kind] = importer.import_file(s, kind=kind, path=data / f"{kind}.csv")["imported"]
        report(f"imported {counts[kind]} {kind}")
    return counts


STEPS = [("catalogue", _catalogue)]


def build(*, folder: str | Path, operator: str = "demo", report=lambda msg: None) -> dict:  # noqa: ANN001
    """Make DIR/store.db from scratch and run every demo step; returns what was made."""
    from storectl.services import maintenance

    folder = Path(folder).expanduser().absolute()
    db_path = folder / "store.db"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    except OSError as exc:
        raise invalid(f"cannot use {folder} for the demo: {exc.strerror or exc}", "give a writable --dir") from None
    db = Database("sqlite:///" + str(db_path), operator=operator)
    maintenance.init(db, shop_name="华强北数码 (演示)", timezone_name="Asia/Shanghai")
    result: dict = {"dir": str(folder), "db": str(db_path)}
    for name, step in STEPS:
        out = step(db, sample_dir(), report)
        if out:
            result[name] = out
    return result
