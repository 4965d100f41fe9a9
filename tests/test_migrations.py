"""The Alembic migrations: one head, the models match them, up and down work, old databases are refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import fails, ok, run

from storectl import migrate
from storectl.db import SCHEMA_HEAD, Database, resolve_url


def _url(path: Path) -> str:
    return "sqlite:///" + str(path)


def _diffs(db: Database) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from storectl.models import load_all

    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), load_all())


def _script():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(migrate.alembic_config(Database("sqlite://")))


def test_the_migrations_have_exactly_one_head():
    assert len(_script().get_heads()) == 1


def test_the_head_revision_is_the_schema_head_the_code_expects():
    assert _script().get_current_head() == SCHEMA_HEAD
    assert migrate.head_revision() == SCHEMA_HEAD


def test_every_revision_says_why_in_its_docstring():
    for rev in _script().walk_revisions():
        assert (rev.doc or "").strip(), f"revision {rev.revision} has no docstring"


def test_an_empty_database_upgrades_to_head(tmp_path):
    db = Database(_url(tmp_path / "empty.db"))
    before, after = migrate.upgrade(db)
    assert (before, after) == (None, SCHEMA_HEAD)
    assert db.current_revision() == SCHEMA_HEAD


def test_the_models_equal_the_migrations(tmp_path):
    db = Database(_url(tmp_path / "fresh.db"))
    migrate.upgrade(db)
    assert _diffs(db) == []


def test_the_newest_revision_downgrades_and_upgrades_again(tmp_path):
    db = Database(_url(tmp_path / "roundtrip.db"))
    migrate.upgrade(db)
    previous = _script().get_revision(SCHEMA_HEAD).down_revision
    migrate.downgrade(db, "-1")
    assert db.current_revision() == previous
    migrate.upgrade(db)
    assert db.current_revision() == SCHEMA_HEAD
    assert _diffs(db) == []


def test_every_revision_downgrades_to_an_empty_database_and_back(tmp_path):
    db = Database(_url(tmp_path / "base.db"))
    migrate.upgrade(db)
    migrate.downgrade(db, "base")
    assert db.current_revision() is None
    with db.engine.connect() as conn:
        tables = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table' AND name != 'alembic_version'").all()
    assert tables == []
    migrate.upgrade(db)
    assert _diffs(db) == []


def test_a_database_behind_head_is_refused_until_db_upgrade(tmp_path):
    ok("init")
    ok("store", "add", "SZ01", "华强北旗舰店")
    db = Database(resolve_url(os.environ["STORECTL_DB"]))
    migrate.downgrade(db, "-1")
    behind = db.current_revision()
    assert behind != SCHEMA_HEAD

    for args in (("store", "list"), ("store", "add", "SZ02", "南山店"), ("config", "show"), ("audit",)):
        error = fails("db_not_migrated", *args)
        assert error["hint"] == "storectl db upgrade"
        assert behind in error["message"] and SCHEMA_HEAD in error["message"]
    assert ok("db", "current") == {"revision": behind, "head": SCHEMA_HEAD, "up_to_date": False}

    upgraded = ok("db", "upgrade")
    assert upgraded["from"] == behind and upgraded["revision"] == SCHEMA_HEAD
    assert [s["code"] for s in ok("store", "list")] == ["SZ01"]
    assert ok("db", "current")["up_to_date"] is True


def test_db_upgrade_on_an_up_to_date_database_changes_nothing():
    ok("init")
    assert ok("db", "upgrade") == {"from": SCHEMA_HEAD, "revision": SCHEMA_HEAD, "head": SCHEMA_HEAD}


@pytest.mark.parametrize(
    "args",
    [("store", "list"), ("store", "add", "SZ01", "店"), ("config", "show"), ("audit",), ("db", "upgrade"),
     ("db", "check"), ("db", "backup"), ("product", "show", "X")],
    ids=lambda a: " ".join(a),
)
def test_a_fresh_path_is_not_initialized_and_no_file_is_created(tmp_path, args):
    target = tmp_path / "new" / "shop.db"
    error = fails("db_not_initialized", "--db", str(target), *args)
    assert error["hint"] == "storectl init"
    assert not target.parent.exists()


def test_a_fresh_path_in_human_mode_says_to_run_init(tmp_path):
    target = tmp_path / "shop.db"
    r = run("--db", str(target), "store", "list")
    assert r.code == 1 and r.stdout == ""
    assert "db_not_initialized" in r.stderr and "storectl init" in r.stderr
    assert not target.exists()


def test_the_databases_movement_kinds_are_the_ledgers():
    from storectl.models.base import MOVEMENT_KINDS
    from storectl.services.stock.kinds import RULES, Kind

    assert set(MOVEMENT_KINDS) == {k.value for k in Kind} == {k.value for k in RULES}
