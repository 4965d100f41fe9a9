"""Creating the shop, checking its integrity and invariants, backups, and the audit log."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select

from storectl.db import SCHEMA_HEAD, Database
from storectl.errors import StoreError, invalid
from storectl.models import Audit, Setting

def invariant_checks() -> tuple:
    """Every ledger invariant `db check` runs: functions `(session) -> [{"check", "doc", "message"}]`,
    one per area. Imported by name, so a renamed module fails here, loudly."""
    from storectl.services.loyalty import points
    from storectl.services.till import receivables
    from storectl.services.till import sales
    from storectl.services.books import sales_day
    from storectl.services.stock import stock_checks
    from storectl.services.stock import costing
    from storectl.services.aftersales import tickets
    from storectl.services.commission import payouts as commission
    from storectl.services.promo import coupons
    from storectl.services.trade import orders, tradeins

    return (stock_checks.invariants, costing.invariants, sales.invariants, sales_day.invariants,
            receivables.invariants, points.invariants, tickets.invariants, commission.invariants, coupons.invariants,
            tradeins.invariants, orders.invariants)


def init(db: Database, *, shop_name: str | None = None, timezone_name: str | None = None) -> dict:
    """Create the database (owner-only file) and migrate it to head; safe to run again."""
    from storectl import migrate
    from storectl.services.shop import config
    from storectl.services.shop import settings

    if timezone_name is not None:
        settings.KEYS["timezone"].validate(timezone_name)
    if shop_name is not None:
        settings.KEYS["shop.name"].validate(shop_name)
    if db.exists():
        from storectl.db import is_newer, too_new

        rev = db.current_revision()
        if rev is None:
            _refuse_foreign(db)
        elif is_newer(rev):
            raise too_new(rev)
    before, after = migrate.upgrade(db)
    with db.write("init") as session:
        created = before is None
        for key, value in (("shop.name", shop_name), ("timezone", timezone_name)):
            if value is not None:
                config.set_setting(session, key, value)
            elif created and session.get(Setting, key) is None:
                session.add(Setting(key=key, value=settings.KEYS[key].default()))
        session.flush()
        zone = session.get(Setting, "timezone")
    # `timezone_chosen`: storectl picked the zone (the machine's), so `init` says which and how to change it
    return {"path": db.path and str(db.path) or db.url, "created": created, "from": before, "revision": after,
            "timezone": zone.value if zone is not None else None, "timezone_chosen": created and timezone_name is None}


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

    from storectl.db import is_newer, too_new

    rev = db.current_revision()
    if rev is None:
        raise StoreError("db_not_initialized", "no storectl database here to upgrade", "storectl init")
    if is_newer(rev):
        raise too_new(rev)
    before, after = migrate.upgrade(db)
    return {"from": before, "revision": after, "head": SCHEMA_HEAD}


def current(db: Database) -> dict:
    rev = db.current_revision()
    return {"revision": rev, "head": SCHEMA_HEAD, "up_to_date": rev == SCHEMA_HEAD}


def check(db: Database) -> list[dict]:
    """Integrity check, foreign keys, and every area's ledger invariants; [] when all is well.

    On SQLite the file's integrity comes first, on a connection of its own: a damaged file is
    reported page by page (and marked, so writes refuse it) instead of failing the first query
    that reads a bad page.
    """
    if db.is_sqlite and db.path is not None and db.exists():
        damage = integrity_problems(db)
        if damage:
            db.mark_damaged(f"{damage[0]['message']} (and {len(damage) - 1} more)" if len(damage) > 1 else damage[0]["message"])
            return damage
        db.clear_damaged()
    problems: list[dict] = []
    with db.read("db check") as session:
        if db.is_sqlite:
            for row in session.execute(text("PRAGMA foreign_key_check")):
                problems.append({"check": "foreign_key", "doc": None, "message": f"table {row[0]} row {row[1]} refers to a missing {row[2]}"})
        for check in invariant_checks():
            problems.extend(check(session))
    return problems


def integrity_problems(db: Database, *, limit: int = 100) -> list[dict]:
    """`PRAGMA integrity_check` of an SQLite file, as `db check` problems ([] when sound)."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{db.path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise (db._noted(translate_db_error_of(exc)) or exc) from None
    try:
        rows = [r[0] for r in conn.execute(f"PRAGMA integrity_check({int(limit)})")]
    except sqlite3.DatabaseError as exc:
        err = translate_db_error_of(exc)
        if err is not None and err.code != "storage":
            raise err from None
        rows = [str(exc)]
    finally:
        conn.close()
    if rows == ["ok"]:
        return []
    lines = [line.strip() for r in rows for line in str(r).splitlines() if line.strip() and not line.startswith("***")]
    return [{"check": "integrity", "doc": None, "message": line} for line in lines[:limit]]


def translate_db_error_of(exc: Exception):  # noqa: ANN201
    from storectl.db import translate_db_error

    return translate_db_error(exc)


def backup(db: Database, *, to: str | None = None, keep: int | None = None) -> dict:
    """A consistent online copy with SQLite's backup API, readable by the owner only.

    The source must pass `PRAGMA quick_check` first, and the copy again: a damaged database is
    never copied over as if it were a backup, so `--keep` never rotates a good one out for it. Any
    schema revision is copied (a newer storectl's database too): a backup is what you want before
    anything else.
    """
    import sqlite3

    if not db.is_sqlite or db.path is None:
        raise invalid(
            "db backup copies SQLite files; this database is on a server",
            "use the server's own tool, e.g. pg_dump -Fc DBNAME > storectl.dump",
        )
    if db.current_revision() is None:
        raise StoreError("db_not_initialized", f"no storectl database at {db.path}", "storectl init")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    if to:
        target = Path(to).expanduser()
        # a folder: one that exists, or a new path ending in / or without a file suffix (cron's
        # `--to /srv/shop/backups --keep 14` must not write a file called "backups")
        if target.is_dir() or to.endswith(("/", os.sep)) or (not target.exists() and not target.suffix):
            target = target / f"store-{stamp}.db"
    else:
        target = db.path.parent / "backups" / f"store-{stamp}.db"
    tmp = target.with_name(target.name + ".part")
    try:
        make_private_dirs(target.parent)
        if target.exists():
            raise invalid(f"{target} exists already", "give another --to, or remove it first")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.close(fd)
        src = sqlite3.connect(str(db.path), timeout=30)
        dst = sqlite3.connect(str(tmp))
        try:
            _refuse_damaged(src, f"the database {db.path}", "nothing was copied, and no older backup was removed", db=db)
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            _refuse_damaged(dst, "the copy", "it was removed; no older backup was removed")
        finally:
            dst.close()
            src.close()
        os.chmod(tmp, 0o600)
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException as exc:
        _discard(tmp)
        if isinstance(exc, OSError):
            from storectl.errors import STORAGE_ERRNOS, storage_error

            if exc.errno in STORAGE_ERRNOS:
                raise storage_error(exc, "write the backup") from None
            raise invalid(f"cannot write the backup: {exc.strerror or exc}", "check the --to folder exists and is writable") from None
        if isinstance(exc, sqlite3.Error):
            from storectl.db import translate_db_error

            raise (translate_db_error(exc) or exc) from None
        raise
    removed = _prune(target.parent, keep, made=target, live=db.path) if keep else []
    return {"path": str(target), "bytes": target.stat().st_size, "removed": removed}


def _refuse_damaged(conn, what: str, after: str, db: Database | None = None) -> None:  # noqa: ANN001
    """`PRAGMA quick_check` (the integrity check without the index cross-check: seconds, not minutes,
    on a big shop); the first problems it names go into the message."""
    try:
        found = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    except Exception as exc:  # noqa: BLE001  (SQLite may refuse to read a damaged file at all)
        found = [str(exc)]
    if found != ["ok"]:
        lines = [line.strip() for r in found for line in str(r).splitlines() if line.strip() and not line.startswith("***")]
        if db is not None:
            db.mark_damaged("; ".join(lines)[:300])
        raise StoreError(
            "storage",
            f"{what} fails SQLite's integrity check ({'; '.join(lines)[:300]}): {after}",
            "storectl db check lists the damage; restore the newest good backup",
        )


def _discard(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-journal")):
        try:
            p.unlink(missing_ok=True)
        except OSError:
            pass


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """The rename itself reaches the disk (POSIX: fsync the folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def make_private_dirs(folder: Path) -> None:
    """Create a folder (and its missing parents) readable by the owner only — whatever the umask."""
    from storectl.db import make_private_dirs as make

    make(folder)


# Only names this command gives (`store-YYYYMMDD-HHMMSS.db`) are pruned: a shop's own database
# may be called store-sz01.db and sit in the same folder.
_BACKUP_NAME = re.compile(r"store-[0-9]{8}-[0-9]{6}\.db")
_PART_NAME = re.compile(r"store-[0-9]{8}-[0-9]{6}\.db\.part(?:-journal)?")
STALE_PART_SECONDS = 3600  # no backup runs an hour; a younger .part may be another backup running now


def _prune(folder: Path, keep: int, *, made: Path, live: Path) -> list[str]:
    """Remove all but the newest `keep` stamped backups (never the one just made, never the live
    database), and the `.part` files of backups that were killed."""
    import time

    live = live.resolve()
    backups = sorted(p for p in folder.glob("store-*.db") if _BACKUP_NAME.fullmatch(p.name) and p.resolve() != live)
    old = [p for p in backups[: max(0, len(backups) - keep)] if p != made]
    for p in folder.glob("store-*.db.part*"):
        try:
            if _PART_NAME.fullmatch(p.name) and time.time() - p.stat().st_mtime > STALE_PART_SECONDS:
                old.append(p)
        except OSError:
            pass
    removed = []
    for p in old:
        try:
            p.unlink()
            removed.append(str(p))
        except FileNotFoundError:
            pass
    return removed


def audit_log(session: Session, *, since=None, limit: int = 200) -> list[dict]:  # noqa: ANN001
    from storectl.services.shop.settings import local_iso

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
    from storectl.services.shop import auth

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
                "upgrade a copy of it first: storectl --db COPY.db db upgrade, then restore the copy",
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
    from storectl.services.shop import auth

    return {"audit_rows": audit_rows, "pins": pins, "pins_in_force": auth.pins_in_force(session)}


def _restore_note(src: Path, held: dict, carried: dict) -> str:
    docs = " ".join(held["docs"].values()) or "no documents"
    counts = ", ".join(f"{n:,} {t}" for t, n in held["counts"].items())
    return (f"from {src.resolve()}; before it the database held {docs}; {counts}; "
            f"carried over {carried['audit_rows']} audit rows and {carried['pins']} PINs")
