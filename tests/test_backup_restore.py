"""Backups, restore and `db check` (SPEC §2, §8): owner-only files, consistent copies under load,
pruning, refusing bad backups, and every broken invariant reported with the thing that broke it."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import fails, ok, run
from reliability_helpers import HERE, integrity, problems, raw_sql, scalar

from storectl.db import SCHEMA_HEAD

pytestmark = pytest.mark.sqlite_only


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _activity() -> None:
    """Units, a sale on credit, a member sale, a transfer, a payment, a return."""
    ok("stock", "in", "--store", "SZ01", "--sku", "MBA13", "--cost", "5000", "BK0001", "BK0002", "BK0003", "BK0004")
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "50")
    ok("member", "add", "13900139000", "--name", "会员")
    ok("sell", "--store", "SZ01", "--staff", "E002", "--customer", "C001", "BK0001", "--on-credit")
    ok("sell", "--store", "SZ01", "--staff", "E002", "--customer", "13900139000", "BK0002", "00123:2", "--pay", "cash=8077")
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "BK0003")
    ok("customer", "pay", "C001", "1000")
    ok("return", "S-000002", "00123:1")


# --- files are the owner's only ----------------------------------------------------------------


def test_a_new_database_and_its_backups_are_readable_by_the_owner_only(shop, tmp_path):
    db = Path(os.environ["STORECTL_DB"])
    assert mode(db) == 0o600
    for suffix in ("-wal", "-shm"):
        side = Path(str(db) + suffix)
        if side.exists():
            assert mode(side) & 0o077 == 0, (side, oct(mode(side)))
    made = ok("db", "backup")
    path = Path(made["path"])
    assert path.parent == db.parent / "backups"
    assert re.fullmatch(r"store-\d{8}-\d{6}\.db", path.name), path.name  # the default name carries a timestamp
    assert mode(path) == 0o600
    to = ok("db", "backup", "--to", str(tmp_path / "copy.db"))
    assert mode(Path(to["path"])) == 0o600
    assert not list(db.parent.glob("**/*.part"))


def test_keep_n_prunes_only_the_oldest_stamped_backups(shop, tmp_path):
    folder = tmp_path / "nightly"
    folder.mkdir()
    for day in range(1, 6):
        (folder / f"store-2026100{day}-020000.db").write_bytes(b"old")
    (folder / "store-sz01.db").write_bytes(b"not a stamped backup")
    made = ok("db", "backup", "--to", str(folder), "--keep", "3")
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted(["store-20261004-020000.db", "store-20261005-020000.db", Path(made["path"]).name, "store-sz01.db"])
    assert sorted(Path(p).name for p in made["removed"]) == [f"store-2026100{d}-020000.db" for d in (1, 2, 3)]
    fails("invalid_input", "db", "backup", "--to", str(folder / "store-sz01.db"))  # never overwrites
    r = run("db", "backup", "--keep", "0")
    assert r.code == 2


def test_a_backup_taken_while_another_process_writes_is_consistent(shop, tmp_path):
    db = Path(os.environ["STORECTL_DB"])
    ok("member", "add", "13800000000", "--name", "w0")
    ok("member", "add", "13800000001", "--name", "w1")
    ok("member", "add", "13800000002", "--name", "w2")
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "100000")
    ok("customer", "add", "C009", "欠款", "--credit-limit", "1000000")
    ok("sell", "--store", "SZ01", "--staff", "E001", "--customer", "C009", "00123:1", "--price", "00123=900000", "--on-credit")
    env = dict(os.environ, PYTHONPATH=str(HERE), POOL_SIZE="0")
    writer = subprocess.Popen(
        [sys.executable, "-c", "from reliability_helpers import worker_main; worker_main()", str(db), "0", "400", "7", str(tmp_path / "w.json")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    copies = []
    try:
        while writer.poll() is None and len(copies) < 4:
            copies.append(Path(ok("db", "backup", "--to", str(tmp_path / f"b{len(copies)}.db"))["path"]))
    finally:
        out, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, out + err
    assert copies, "the writer finished before a backup could be taken"
    for copy in copies:
        assert integrity(copy) == "ok"
        assert problems(copy) == [], copy
        assert scalar(copy, "SELECT version_num FROM alembic_version") == SCHEMA_HEAD
    # the copies are snapshots taken at different moments of the writing
    assert problems(db) == []


# --- restore -----------------------------------------------------------------------------------


def test_restore_refuses_garbage_a_foreign_database_and_another_revision(shop, tmp_path):
    db = Path(os.environ["STORECTL_DB"])
    before = db.read_bytes()
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(os.urandom(4096))
    fails("invalid_input", "db", "restore", str(garbage))
    text = tmp_path / "notes.db"
    text.write_text("SQLite format 3 but not really\n")
    fails("invalid_input", "db", "restore", str(text))
    foreign = tmp_path / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)")
    con.commit()
    con.close()
    fails("invalid_input", "db", "restore", str(foreign))
    old = Path(ok("db", "backup", "--to", str(tmp_path / "old.db"))["path"])
    raw_sql(old, "UPDATE alembic_version SET version_num = '0004'")
    err = fails("invalid_input", "db", "restore", str(old))
    assert "0004" in err["message"]
    fails("invalid_input", "db", "restore", str(tmp_path / "missing.db"))
    fails("invalid_input", "db", "restore", str(tmp_path))
    assert db.read_bytes() == before or problems(db) == []
    assert ok("store", "list")  # the shop is untouched and works


def test_restore_brings_back_a_good_backup(shop, tmp_path):
    _activity()
    good = Path(ok("db", "backup", "--to", str(tmp_path / "good.db"))["path"])
    ok("store", "add", "SZ99", "后来的店")
    ok("stock", "in", "--store", "SZ01", "--sku", "MBA13", "--cost", "5000", "LATER1")
    result = ok("db", "restore", str(good))
    assert result["revision"] == SCHEMA_HEAD
    db = Path(os.environ["STORECTL_DB"])
    assert mode(db) == 0o600
    assert "SZ99" not in {s["code"] for s in ok("store", "list")}
    fails("not_found", "sn", "show", "LATER1")
    assert ok("sn", "show", "BK0004")["status"] == "in_stock"
    r = run("db", "check")
    assert (r.code, r.stdout, r.stderr) == (0, "", "")


# --- db check names what broke -------------------------------------------------------------------

# (what was done behind storectl's back, the check expected, the document / unit / customer it names)
CORRUPTIONS = [
    ("unit status", "UPDATE unit SET status = 'lost' WHERE id = (SELECT unit_id FROM unit_code WHERE code = 'BK0004')",
     "unit_status", "IN-000001", "BK0004"),
    ("unit place", "UPDATE unit SET store_id = (SELECT id FROM store WHERE code = 'SZ02') WHERE id = (SELECT unit_id FROM unit_code WHERE code = 'BK0004')",
     "unit_place", "IN-000001", "BK0004"),
    ("unit without history", "DELETE FROM movement WHERE unit_id = (SELECT unit_id FROM unit_code WHERE code = 'BK0004')",
     "unit_history", "BK0004", "BK0004"),
    ("in transit without a transfer", "UPDATE transfer_line SET received_qty = 1 WHERE unit_id = (SELECT unit_id FROM unit_code WHERE code = 'BK0003')",
     "unit_transit", "BK0003", "BK0003"),
    ("stock level", "UPDATE stock_level SET qty = qty + 5 WHERE product_id = (SELECT id FROM product WHERE sku = '00123')",
     "stock_movements", "SZ01 00123", "00123"),
    ("customer balance", "UPDATE customer SET balance_cents = balance_cents + 100 WHERE code = 'C001'",
     "customer_balance", "C001", "C001"),
    ("member points", "UPDATE customer SET points = points + 7 WHERE code = '13900139000'",
     "points_ledger", "13900139000", "13900139000"),
    ("sale total", "UPDATE sale SET total_cents = total_cents + 1 WHERE doc_no = 'S-000002'",
     "sale_amounts", "S-000002", "S-000002"),
    ("sale payments", "UPDATE sale_payment SET amount_cents = amount_cents - 1 WHERE sale_id = (SELECT id FROM sale WHERE doc_no = 'S-000002')",
     "sale_payments", "S-000002", "S-000002"),
    ("returned quantity", "UPDATE sale_line SET returned_qty = 0 WHERE sale_id = (SELECT id FROM sale WHERE doc_no = 'S-000002') AND unit_id IS NULL",
     "returned_qty", "S-000002", "S-000002"),
]


@pytest.fixture(scope="module")
def _busy_template(tmp_path_factory):
    return tmp_path_factory.mktemp("busy") / "shop.db"


@pytest.fixture
def busy_shop(request, _busy_template):
    from reliability_helpers import sqlite_copy

    here = Path(os.environ["STORECTL_DB"])
    if _busy_template.exists():
        sqlite_copy(_busy_template, here)
    else:
        request.getfixturevalue("shop")
        _activity()
        sqlite_copy(here, _busy_template)
    return here


def test_db_check_is_silent_and_exits_0_when_all_is_well(busy_shop):
    r = run("db", "check")
    assert (r.code, r.stdout, r.stderr) == (0, "", "")


@pytest.mark.parametrize("what,sql,check,doc,named", CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_db_check_reports_each_broken_invariant_with_what_broke_it(busy_shop, what, sql, check, doc, named):
    raw_sql(busy_shop, sql)
    r = run("db", "check", "--json")
    assert r.code == 1, r.stdout
    found = [p for p in r.json["problems"] if p["check"] == check]
    assert found, (check, r.json["problems"])
    assert any(p["doc"] == doc and named in f"{p['doc']} {p['message']}" for p in found), found
    human = run("db", "check")
    assert human.code == 1 and check in human.stdout and named in human.stdout


@pytest.mark.sqlite_only
def test_backup_to_a_folder_that_does_not_exist_yet_creates_it(shop, tmp_path):
    folder = tmp_path / "backups" / "nightly"
    result = ok("db", "backup", "--to", str(folder), "--keep", "3")
    assert Path(result["path"]).parent == folder and folder.is_dir()
    assert Path(result["path"]).name.startswith("store-")
