"""Running the Alembic migrations that ship inside the package, in-process."""

from __future__ import annotations

from pathlib import Path

from storectl.db import Database, create_database_file


def script_location() -> str:
    import storectl.migrations

    return str(Path(storectl.migrations.__file__).parent)


def alembic_config(db: Database, connection=None):  # noqa: ANN001
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", script_location())
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    cfg = alembic_config(Database("sqlite://"))
    return ScriptDirectory.from_config(cfg).get_current_head()


def upgrade(db: Database, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate to `revision`; returns (before, after)."""
    from alembic import command

    if db.path is not None:
        create_database_file(db.path)
        if db.is_sqlite:
            _enable_wal(db)
    before = db.current_revision()
    with db.engine.execution_options(storectl_begin="IMMEDIATE").begin() as conn:
        command.upgrade(alembic_config(db, conn), revision)
        _stamp_clock(db, conn)
    return before, db.current_revision()


def _stamp_clock(db: Database, conn) -> None:  # noqa: ANN001
    """Record, once, whether the database was made (or first upgraded to this storectl) under a
    fixed clock: such a database (the demo, tests, replays) keeps accepting STORECTL_NOW; one made
    under the real clock refuses it unless a manager allows it (`config set clock.override`)."""
    from sqlalchemy import inspect, text

    from storectl.db import CLOCK_MODE_KEY

    if "setting" not in inspect(conn).get_table_names():
        return
    if conn.execute(text("SELECT 1 FROM setting WHERE key = :k"), {"k": CLOCK_MODE_KEY}).first() is None:
        mode = "fixed" if db.clock_is_fixed() else "real"
        conn.execute(text("INSERT INTO setting (key, value) VALUES (:k, :v)"), {"k": CLOCK_MODE_KEY, "v": mode})


def downgrade(db: Database, revision: str) -> None:
    from alembic import command

    with db.engine.execution_options(storectl_begin="IMMEDIATE").begin() as conn:
        command.downgrade(alembic_config(db, conn), revision)


def _enable_wal(db: Database) -> None:
    # journal_mode is persistent in the file; set once here rather than on every connect,
    # because switching it needs a lock that a busy shop may not give.
    raw = db.engine.raw_connection()  # outside any transaction, which the pragma needs
    try:
        cur = raw.cursor()
        if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()
    finally:
        raw.close()
