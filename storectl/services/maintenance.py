"""Creating the shop, checking its integrity and invariants, backups, and the audit log."""

from __future__ import annotations

import importlib
import os
import re
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select

from storectl.db import SCHEMA_HEAD, Database
from storectl.errors import StoreError, invalid
from storectl.models import Audit, Setting

# Each area's module may define `invariants(session) -> list[dict]` ({"check", "doc", "message"});
# `db check` runs them all.
INVARIANT_MODULES = (
    "storectl.services.stock_checks",
    "storectl.services.costing",
    "storectl.services.sales",
    "storectl.services.sales_day",
    "storectl.services.receivables",
    "storectl.services.points",
)


def init(db: Database, *, shop_name: str | None = None, timezone_name: str | None = None) -> dict:
    """Create the database (owner-only file) and migrate it to head; safe to run again."""
    from storectl import migrate
    from storectl.services import settings

    if timezone_name is not None:
        settings.KEYS["timezone"].validate(timezone_name)
    if shop_name is not None:
        settings.KEYS["shop.name"].validate(shop_name)
    if db.exists() and db.current_revision() is None:
        _refuse_foreign(db)
    before, after = migrate.upgrade(db)
    with db.write("init") as session:
        created = before is None
        for key, value in (("shop.name", shop_name), ("timezone", timezone_name)):
            if value is not None:
                settings.set_value(session, key, value)
            elif created and session.get(Setting, key) is None:
                session.add(Setting(key=key, value=settings.KEYS[key].default()))
    return {"path": db.path and str(db.path) or db.url, "created": created, "from": before, "revision": after}


def _refuse_foreign(db: Database) -> None:
    """A database without storectl's revision but with tables belongs to another program: leave it alone."""
    from sqlalchemy import inspect

    tables = inspect(db.engine).get_table_names()
    if tables:
        shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
        raise invalid(
            f"{db.path or db.url} already holds another program's tables ({shown})",
            "give storectl a database of its own, e.g. storectl --db shop.db init",
        )


def upgrade(db: Database) -> dict:
    from storectl import migrate

    if db.current_revision() is None:
        raise StoreError("db_not_initialized", "no storectl database here to upgrade", "storectl init")
    before, after = migrate.upgrade(db)
    return {"from": before, "revision": after, "head": SCHEMA_HEAD}


def current(db: Database) -> dict:
    rev = db.current_revision()
    return {"revision": rev, "head": SCHEMA_HEAD, "up_to_date": rev == SCHEMA_HEAD}


def check(db: Database) -> list[dict]:
    """Integrity check, foreign keys, and every area's ledger invariants; [] when all is well."""
    problems: list[dict] = []
    with db.read("db check") as session:
        if db.is_sqlite:
            for (result,) in session.execute(text("PRAGMA integrity_check")):
                if result != "ok":
                    problems.append({"check": "integrity", "doc": None, "message": result})
            for row in session.execute(text("PRAGMA foreign_key_check")):
                problems.append({"check": "foreign_key", "doc": None, "message": f"table {row[0]} row {row[1]} refers to a missing {row[2]}"})
        for name in INVARIANT_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError:
                continue
            checker = getattr(module, "invariants", None)
            if checker is not None:
                problems.extend(checker(session))
    return problems


def backup(db: Database, *, to: str | None = None, keep: int | None = None) -> dict:
    """A consistent online copy with SQLite's backup API, readable by the owner only."""
    import sqlite3

    if not db.is_sqlite or db.path is None:
        raise invalid(
            "db backup copies SQLite files; this database is on a server",
            "use the server's own tool, e.g. pg_dump -Fc DBNAME > storectl.dump",
        )
    db.ensure_ready()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    if to:
        target = Path(to).expanduser()
        # a folder: one that exists, or a new path ending in / or without a file suffix (cron's
        # `--to /srv/shop/backups --keep 14` must not write a file called "backups")
        if target.is_dir() or to.endswith(("/", os.sep)) or (not target.exists() and not target.suffix):
            target = target / f"store-{stamp}.db"
    else:
        target = db.path.parent / "backups" / f"store-{stamp}.db"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise invalid(f"{target} exists already", "give another --to, or remove it first")
        tmp = target.with_name(target.name + ".part")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.close(fd)
        src = sqlite3.connect(str(db.path), timeout=30)
        dst = sqlite3.connect(str(tmp))
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
            src.close()
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except OSError as exc:
        raise invalid(f"cannot write the backup: {exc.strerror or exc}", "check the --to folder exists and is writable") from None
    removed = _prune(target.parent, keep, made=target, live=db.path) if keep else []
    return {"path": str(target), "bytes": target.stat().st_size, "removed": removed}


# Only names this command gives (`store-YYYYMMDD-HHMMSS.db`) are pruned: a shop's own database
# may be called store-sz01.db and sit in the same folder.
_BACKUP_NAME = re.compile(r"store-[0-9]{8}-[0-9]{6}\.db")


def _prune(folder: Path, keep: int, *, made: Path, live: Path) -> list[str]:
    """Remove all but the newest `keep` stamped backups; never the one just made, never the live database."""
    live = live.resolve()
    backups = sorted(p for p in folder.glob("store-*.db") if _BACKUP_NAME.fullmatch(p.name) and p.resolve() != live)
    old = [p for p in backups[: max(0, len(backups) - keep)] if p != made]
    for p in old:
        p.unlink()
    return [str(p) for p in old]


def audit_log(session: Session, *, since=None, limit: int = 200) -> list[dict]:  # noqa: ANN001
    from storectl.services.settings import local_iso

    query = select(Audit).order_by(Audit.id.desc()).limit(limit)
    if since is not None:
        query = query.where(Audit.at >= since)
    rows = list(session.exec(query))
    rows.reverse()
    return [
        {
            "at": local_iso(session, r.at),
            "real_at": local_iso(session, r.real_at),  # the machine's time (at is STORECTL_NOW's when fixed)
            "operator": r.operator,
            "command": r.command,
            "docs": [d for d in r.docs.split(",") if d],
            "outcome": r.outcome,
            "detail": r.detail,
        }
        for r in rows
    ]


def restore(db: Database, *, source: str) -> dict:
    """Bring a backup back into the live database: manager-only, under the write lock, audited.

    The backup is checked first (PRAGMA quick_check, a storectl database at this storectl's
    schema), outside the lock. Then, in ONE write transaction on the live file (no file swap:
    other processes keep their connections; their writes finish before or wait and land on the
    restored data): the operator is judged against the current database, what it holds is noted,
    every table is replaced by the backup's, and what must not roll back is carried over — the
    audit rows written since the backup (refusals included), staff PINs and lockouts, and the
    clock settings. The restore's own audit row says who, from which file, and what was there.
    """
    if not db.is_sqlite or db.path is None:
        raise invalid("db restore replaces SQLite files; this database is on a server", "use pg_restore on the server")
    src = Path(source).expanduser()
    if not src.is_file():
        raise invalid(f"backup {source!r} does not exist", "storectl db backup makes one; give its path")
    if db.path.exists() and src.resolve() == db.path.resolve():
        raise invalid(f"{src} is the database in use", "give a backup made by storectl db backup")
    revision = _check_backup(src)
    from storectl.services import auth

    with db.write("db restore", manager=True) as session:
        auth.require_manager(session, "db restore")
        held = _holdings(session)
        carried = _replace_with(session, src)
        session.info["audit_detail"] = _restore_note(src, held, carried)
    db.engine.dispose()  # the connection that attached the backup
    return {"path": str(db.path), "from": str(src), "revision": revision, "before": held, "carried": carried}


def _check_backup(src: Path) -> str:
    """PRAGMA quick_check and the schema revision of a backup, read-only, before any lock."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        try:
            ok = [row[0] for row in conn.execute("PRAGMA quick_check")]
            has_version = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").fetchone()
            rev = conn.execute("SELECT version_num FROM alembic_version").fetchone() if has_version else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise invalid(f"{src.name} is not a storectl backup ({exc})", "give a file made by storectl db backup") from None
    if ok != ["ok"]:
        shown = "; ".join(ok[:3]) + (" …" if len(ok) > 3 else "")
        raise invalid(f"{src.name} fails the integrity check ({shown})", "use another backup")
    if rev is None:
        raise invalid(f"{src.name} is not a storectl database (no schema revision)", "give a file made by storectl db backup")
    from storectl import migrate

    if rev[0] != SCHEMA_HEAD:
        if rev[0] in _known_revisions():
            raise invalid(
                f"{src.name} is at schema {rev[0]}, this storectl needs {SCHEMA_HEAD}",
                f"upgrade a copy of it first: storectl --db COPY.db db upgrade, then restore the copy",
            )
        raise invalid(f"{src.name} is at schema {rev[0]}, made by a newer storectl (this one knows up to {migrate.head_revision()})", "restore it with the storectl that made it")
    return rev[0]


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from storectl import migrate

    return {r.revision for r in ScriptDirectory.from_config(migrate.alembic_config(Database("sqlite://"))).walk_revisions()}


def _holdings(session: Session) -> dict:
    """What the database holds, for the auditor: the last number of each document and a few counts."""
    docs = {prefix: f"{prefix}-{last:06d}" for prefix, last in session.execute(text("SELECT prefix, last FROM doc_counter ORDER BY prefix"))}
    counts = {
        table: session.execute(text(f"SELECT count(*) FROM {table}")).scalar()
        for table in ("unit", "sale", "customer", "audit")
    }
    return {"docs": docs, "counts": counts}


def _tables(session: Session, schema: str) -> dict[str, list[str]]:
    names = [n for (n,) in session.execute(text(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))]
    return {n: [row[1] for row in session.execute(text(f"PRAGMA {schema}.table_info(\"{n}\")"))] for n in names}


# Kept from the live database through a restore: these say who may do what and which clock
# counts, and a backup must not be a way to undo them.
_CARRIED_SETTINGS = ("_clock", "clock.override")


def _replace_with(session: Session, src: Path) -> dict:
    """Inside the write transaction: replace every table's rows with the backup's; carry over the rest."""
    from storectl.db import CLOCK_MODE_KEY  # noqa: F401  (named in _CARRIED_SETTINGS)

    session.flush()
    session.execute(text("ATTACH DATABASE :path AS bak"), {"path": str(src)})
    live, backup = _tables(session, "main"), _tables(session, "bak")
    if set(live) != set(backup) or any(sorted(live[t]) != sorted(backup[t]) for t in live):
        raise invalid(f"{src.name} does not have this database's tables", "give a backup made by this storectl's db backup")
    session.execute(text("PRAGMA defer_foreign_keys = ON"))
    session.execute(text("CREATE TEMP TABLE restore_audit AS SELECT * FROM main.audit WHERE id > (SELECT coalesce(max(id), 0) FROM bak.audit)"))
    session.execute(text("CREATE TEMP TABLE restore_staff AS SELECT code, pin_hash, pin_failures, pin_locked_until FROM main.staff "
                         "WHERE pin_hash IS NOT NULL OR pin_locked_until IS NOT NULL"))
    keys = ", ".join(f"'{k}'" for k in _CARRIED_SETTINGS)
    session.execute(text(f"CREATE TEMP TABLE restore_setting AS SELECT key, value FROM main.setting WHERE key IN ({keys})"))
    for table, columns in live.items():
        if table == "alembic_version":
            continue  # the same revision, checked
        cols = ", ".join(f'"{c}"' for c in columns)
        session.execute(text(f'DELETE FROM main."{table}"'))
        session.execute(text(f'INSERT INTO main."{table}" ({cols}) SELECT {cols} FROM bak."{table}"'))
    cols = ", ".join(f'"{c}"' for c in live["audit"])
    audit_rows = session.execute(text(f"INSERT INTO main.audit ({cols}) SELECT {cols} FROM temp.restore_audit")).rowcount
    pins = session.execute(text(
        "UPDATE main.staff SET pin_hash = r.pin_hash, pin_failures = r.pin_failures, pin_locked_until = r.pin_locked_until "
        "FROM temp.restore_staff AS r WHERE main.staff.code = r.code"
    )).rowcount
    session.execute(text(f"DELETE FROM main.setting WHERE key IN ({keys})"))
    session.execute(text("INSERT INTO main.setting (key, value) SELECT key, value FROM temp.restore_setting"))
    for temp in ("restore_audit", "restore_staff", "restore_setting"):
        session.execute(text(f"DROP TABLE temp.{temp}"))
    session.expunge_all()
    session.info.pop("settings", None)  # cached settings describe the database before the restore
    from storectl.services import auth

    return {"audit_rows": audit_rows, "pins": pins, "pins_in_force": auth.pins_in_force(session)}


def _restore_note(src: Path, held: dict, carried: dict) -> str:
    docs = " ".join(held["docs"].values()) or "no documents"
    counts = ", ".join(f"{n:,} {t}" for t, n in held["counts"].items())
    return (f"from {src.resolve()}; before it the database held {docs}; {counts}; "
            f"carried over {carried['audit_rows']} audit rows and {carried['pins']} PINs")
