"""`storectl db …`, `config show|set` and `audit` (SPEC §1, §2)."""

from __future__ import annotations

import importlib
import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from conftest import fails, ok, run
from test_bad_input import _template, cached_shop  # noqa: F401  (fixtures: a copy of one shop per module)

from storectl.db import SCHEMA_HEAD


def _sql(*statements: str) -> None:
    """Change the test's database behind storectl's back (foreign keys off on SQLite)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from storectl.db import resolve_url

    engine = create_engine(resolve_url(os.environ["STORECTL_DB"]), poolclass=NullPool)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _full_dump(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


# --- db path ----------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_db_path_names_the_database_from_storectl_db_without_creating_it():
    expected = Path(os.environ["STORECTL_DB"])
    assert ok("db", "path") == {"url": f"sqlite:///{expected}", "path": str(expected), "exists": False}
    assert not expected.exists()
    r = run("db", "path")
    assert r.code == 0 and r.stdout.strip() == str(expected)


def test_db_path_prefers_the_db_option_and_makes_it_absolute(tmp_path):
    assert ok("--db", "elsewhere/shop.db", "db", "path")["path"] == str(tmp_path / "elsewhere" / "shop.db")
    assert ok("db", "path", env={"STORECTL_DB": str(tmp_path / "env.db")})["path"] == str(tmp_path / "env.db")
    url = f"sqlite:///{tmp_path}/url.db"
    assert ok("--db", url, "db", "path")["url"] == url


def test_db_path_defaults_to_the_per_user_folder(tmp_path):
    shown = ok("db", "path", env={"STORECTL_DB": None, "XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    assert shown["path"] == str(tmp_path / "cfg" / "storectl" / "store.db")


def test_db_path_reports_that_an_initialised_database_exists():
    ok("init")
    assert ok("db", "path")["exists"] is True


# --- db current -------------------------------------------------------------------------------


def test_db_current_shows_no_revision_before_init_and_head_after():
    assert ok("db", "current") == {"revision": None, "head": SCHEMA_HEAD, "up_to_date": False}
    ok("init")
    assert ok("db", "current") == {"revision": SCHEMA_HEAD, "head": SCHEMA_HEAD, "up_to_date": True}
    r = run("db", "current")
    assert r.code == 0 and r.stdout.strip() == f"{SCHEMA_HEAD} (head)"


# --- db check ---------------------------------------------------------------------------------


def test_db_check_is_silent_and_exits_0_on_a_clean_database(cached_shop):
    r = run("db", "check")
    assert (r.code, r.stdout, r.stderr) == (0, "", "")
    assert ok("db", "check") == {"ok": True, "problems": []}


@pytest.mark.sqlite_only
def test_db_check_reports_a_row_that_refers_to_nothing(cached_shop):
    _sql("INSERT INTO staff (code, name, store_id, role, active, created_at) VALUES ('E404', '幽灵', 999, 'clerk', 1, '2026-11-02 02:00:00')")
    r = run("db", "check", "--json")
    assert r.code == 1
    problems = r.json["problems"]
    assert r.json["ok"] is False and any(p["check"] == "foreign_key" and "staff" in p["message"] for p in problems)
    human = run("db", "check")
    assert human.code == 1 and "foreign_key" in human.stdout


# A corruption of one cache, and the area module whose invariants must notice it.
CORRUPTIONS = {
    "storectl.services.stock.stock_checks": [
        "INSERT INTO stock_level (store_id, product_id, qty) SELECT 1, id, 5 FROM product WHERE sku = '00123'",
    ],
    "storectl.services.till.receivables": ["UPDATE customer SET balance_cents = 12345 WHERE code = 'C001'"],
    "storectl.services.loyalty.points": ["UPDATE customer SET points = 77 WHERE code = 'C002'"],
    "storectl.services.till.sales": [
        "INSERT INTO sale (doc_no, at, store_id, staff_id, operator, total_cents, paid_cents, points_redeemed,"
        " points_value_cents, points_earned, due_cents) SELECT 'S-999999', at, 1, 1, 'x', 10000, 0, 0, 0, 0, 0"
        " FROM audit LIMIT 1",
    ],
    "storectl.services.books.sales_day": [
        "INSERT INTO sales_day (day, store_id, staff_id, sales, tickets, units, revenue_cents, cost_cents)"
        " VALUES ('2026-11-02', 1, 1, 1, 1, 1, 10000, 7000)",
    ],
}


@pytest.mark.parametrize("module", list(CORRUPTIONS))
def test_db_check_notices_a_cache_that_disagrees_with_its_history(cached_shop, module):
    from storectl.services.shop.maintenance import invariant_checks

    assert importlib.import_module(module).invariants in invariant_checks()
    assert ok("db", "check")["ok"] is True
    _sql(*CORRUPTIONS[module])
    r = run("db", "check", "--json")
    assert r.code == 1, r.stdout
    assert r.json["ok"] is False and r.json["problems"]
    for problem in r.json["problems"]:
        assert set(problem) >= {"check", "doc", "message"}


# --- db backup --------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_db_backup_makes_an_owner_only_copy_with_the_same_rows(cached_shop):
    made = ok("db", "backup")
    copy = Path(made["path"])
    assert copy.parent == cached_shop.parent / "backups" and copy.name.startswith("store-")
    assert copy.exists() and made["bytes"] == copy.stat().st_size and made["removed"] == []
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert _full_dump(copy) == _full_dump(cached_shop)
    con = sqlite3.connect(copy)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    finally:
        con.close()
    assert [s["code"] for s in ok("--db", str(copy), "store", "list")] == ["SZ01", "SZ02"]
    assert not list(copy.parent.glob("*.part"))


@pytest.mark.sqlite_only
def test_db_backup_writes_to_a_file_or_a_folder_and_never_overwrites(cached_shop, tmp_path):
    target = tmp_path / "nightly.db"
    assert ok("db", "backup", "--to", str(target))["path"] == str(target)
    before = target.read_bytes()
    error = fails("invalid_input", "db", "backup", "--to", str(target))
    assert "exists" in error["message"]
    assert target.read_bytes() == before
    folder = tmp_path / "vault"
    folder.mkdir()
    assert Path(ok("db", "backup", "--to", str(folder))["path"]).parent == folder


@pytest.mark.sqlite_only
def test_db_backup_keep_prunes_the_oldest_backups(cached_shop, tmp_path):
    folder = tmp_path / "vault"
    folder.mkdir()
    for stamp in ("20200101-000000", "20200102-000000", "20200103-000000"):
        ok("db", "backup", "--to", str(folder / f"store-{stamp}.db"))
    (folder / "notes.txt").write_text("not a backup")
    made = ok("db", "backup", "--to", str(folder), "--keep", "2")
    assert sorted(Path(p).name for p in made["removed"]) == ["store-20200101-000000.db", "store-20200102-000000.db"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(["notes.txt", "store-20200103-000000.db", Path(made["path"]).name])


def test_db_backup_keep_never_removes_a_live_database_or_the_copy_just_made(tmp_path):
    folder = tmp_path / "shops"
    live, neighbour = folder / "store-sz01.db", folder / "store-sz02.db"
    ok("--db", str(live), "init")
    ok("--db", str(neighbour), "init")
    old = folder / "store-20200101-000000.db"
    ok("--db", str(live), "db", "backup", "--to", str(old))
    made = ok("--db", str(live), "db", "backup", "--to", str(folder / "store-1.db"), "--keep", "1")
    assert made["removed"] == []  # the one just made is never pruned, whatever its name
    made = ok("--db", str(live), "db", "backup", "--to", str(folder), "--keep", "1")
    assert made["removed"] == [str(old)]
    for db in (live, neighbour, folder / "store-1.db", Path(made["path"])):
        assert db.exists(), db
    assert ok("--db", str(neighbour), "db", "current")["up_to_date"] is True


@pytest.mark.sqlite_only
def test_db_backup_is_consistent_while_another_connection_writes(cached_shop, tmp_path):
    stop = threading.Event()
    written = []

    def writer():
        con = sqlite3.connect(cached_shop, timeout=30)
        n = 0
        try:
            while not stop.is_set():
                n += 1
                con.execute("INSERT INTO supplier (code, name, created_at) VALUES (?, 'w', '2026-11-02 02:00:00')", (f"W{n:05d}",))
                con.commit()
                written.append(n)
        finally:
            con.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copies = [Path(ok("db", "backup", "--to", str(tmp_path / f"store-{i}.db"))["path"]) for i in range(3)]
    finally:
        stop.set()
        thread.join()
    assert written
    counts = []
    for copy in copies:
        con = sqlite3.connect(copy)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            counts.append(con.execute("SELECT count(*) FROM supplier WHERE code LIKE 'W%'").fetchone()[0])
        finally:
            con.close()
    assert counts == sorted(counts) and counts[-1] <= len(written)


@pytest.mark.sqlite_only
def test_db_backup_refuses_a_database_that_is_not_there():
    fails("db_not_initialized", "db", "backup")


# --- config -----------------------------------------------------------------------------------


def test_config_show_lists_every_setting_with_its_default(cached_shop):
    rows = {r["key"]: r for r in ok("config", "show")}
    assert {"shop.name", "timezone", "qr.base_url", "points.earn_rate", "points.redeem_rate", "points.expire_months"} <= set(rows)
    assert rows["timezone"]["value"] == "Asia/Shanghai" and rows["timezone"]["default"] is False
    assert rows["points.redeem_rate"] == {**rows["points.redeem_rate"], "value": "10", "default": True}
    assert all(r["help"] for r in rows.values())


@pytest.mark.parametrize(
    "key,value,stored",
    [
        ("timezone", "Asia/Tokyo", "Asia/Tokyo"),
        ("timezone", " UTC ", "UTC"),
        ("qr.base_url", "https://m.example.cn/join", "https://m.example.cn/join"),
        ("qr.base_url", "http://192.168.1.5:8080/j?shop=1", "http://192.168.1.5:8080/j?shop=1"),
        ("points.redeem_rate", "1", "1"),
        ("points.redeem_rate", "100000", "100000"),
        ("points.earn_rate", "1.5", "1.5"),
        ("points.expire_months", "12", "12"),
        ("shop.name", "华强北数码", "华强北数码"),
    ],
)
def test_config_set_accepts_a_valid_value_and_shows_it(cached_shop, key, value, stored):
    result = ok("config", "set", key, value)
    assert result["key"] == key and result["value"] == stored
    assert {r["key"]: r["value"] for r in ok("config", "show")}[key] == stored


@pytest.mark.parametrize(
    "key,value",
    [
        ("timezone", "Mars/Base"),
        ("timezone", "x"),
        ("timezone", ""),
        ("timezone", "../../etc/passwd"),
        ("qr.base_url", "ftp://example.com/join"),
        ("qr.base_url", "example.com/join"),
        ("qr.base_url", "javascript:alert(1)"),
        ("points.redeem_rate", "0"),
        ("points.redeem_rate", "100001"),
        ("points.redeem_rate", "-1"),
        ("points.redeem_rate", "2.5"),
        ("points.redeem_rate", "ten"),
        ("points.expire_months", "121"),
        ("shop.name", "   "),
        ("no.such.key", "1"),
    ],
)
def test_config_set_refuses_a_bad_value_and_keeps_the_old_one(cached_shop, key, value):
    before = ok("config", "show")
    r = run("config", "set", "--json", key, "--", value)  # `--`: so "-1" is a value, not an option
    assert r.code == 1 and r.json["error"]["code"] == "invalid_input", r.stdout
    assert ok("config", "show") == before


def test_config_set_returns_the_previous_value(cached_shop):
    assert ok("config", "set", "points.redeem_rate", "20")["previous"] is None
    assert ok("config", "set", "points.redeem_rate", "30")["previous"] == "20"


# --- audit ------------------------------------------------------------------------------------


def test_every_write_is_audited_with_operator_and_command_name(cached_shop):
    ok("store", "add", "SZ03", "福田店")
    ok("--operator", "E001", "config", "set", "timezone", "Asia/Shanghai")
    ok("product", "add", "P9", "测试", env={"STORECTL_OPERATOR": "E002"})
    last = ok("audit")[-3:]
    assert [(r["operator"], r["command"], r["outcome"]) for r in last] == [
        ("tester", "store add", "ok"), ("E001", "config set", "ok"), ("E002", "product add", "ok"),
    ]
    assert last[0]["at"] == "2026-11-02T10:00:00+08:00"


def test_init_is_audited_and_a_refused_write_leaves_no_audit_row():
    ok("init")
    assert [(r["command"], r["operator"]) for r in ok("audit")] == [("init", "tester")]
    fails("invalid_input", "store", "add", "SZ01", "")
    assert len(ok("audit")) == 1


def test_reads_are_not_audited(cached_shop):
    before = ok("audit")
    ok("store", "list")
    ok("config", "show")
    assert ok("audit") == before


def test_audit_since_and_limit_filter_the_log(cached_shop):
    ok("store", "add", "SZ03", "福田店", env={"STORECTL_NOW": "2026-11-05T09:00:00+08:00"})
    ok("store", "add", "SZ04", "龙华店", env={"STORECTL_NOW": "2026-11-06T00:30:00+08:00"})
    since = ok("audit", "--since", "2026-11-05")
    assert [r["at"] for r in since] == ["2026-11-05T09:00:00+08:00", "2026-11-06T00:30:00+08:00"]
    # the shop's calendar day: 00:30 in Shanghai is still the 5th in UTC, but it counts as the 6th
    assert [r["at"] for r in ok("audit", "--since", "2026-11-06")] == ["2026-11-06T00:30:00+08:00"]
    assert len(ok("audit", "--limit", "1")) == 1
    assert ok("audit", "--limit", "1")[0]["at"] == "2026-11-06T00:30:00+08:00"
