"""kill -9 at random moments (SPEC §8: every command is one transaction, also when killed mid-way).

Real processes of the installed `storectl`, killed after a random delay inside the command's own
duration (measured by one full run first). After every kill: `PRAGMA integrity_check` is ok, every
batch is all there or not there at all, and a half-written workbook never replaces a good one;
`db check` is clean every few kills and at the end. Kills per test are printed; together the tests
make at least 50 kills per run (10 + 27 + 10 + 3) (STORECTL_LONG_TESTS=1: many more, bigger batches).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from conftest import storectl_exe
from reliability_helpers import LONG, build_shop, database, integrity, problems, receive, rows, scalar, sqlite_copy

pytestmark = pytest.mark.sqlite_only

KILLS = {"stock in": 40 if LONG else 10, "sell": 60 if LONG else 27, "report month": 30 if LONG else 10, "demo": 10 if LONG else 3}
BIG_BATCH = 20_000
SALE_LINES = 3000 if LONG else 600
MEMBER = "13900000001"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A shop with a member, built once per module (per worker)."""
    path = tmp_path_factory.mktemp("crash") / "base.db"
    build_shop(path)
    from storectl.services.loyalty import members

    with database(path).write("member add") as s:
        members.add_member(s, phone=MEMBER, name="会员")
    return path


def _env(db: Path) -> dict:
    env = dict(os.environ)
    env["STORECTL_DB"] = str(db)
    env.pop("STORECTL_DEBUG", None)
    return env


def _start(db: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        storectl_exe() + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(db),
        cwd=db.parent, start_new_session=True,
    )


def _full_run(db: Path, *args: str) -> tuple[float, dict]:
    t0 = time.monotonic()
    p = _start(db, *args)
    out, err = p.communicate(timeout=600)
    assert p.returncode == 0 and "Traceback" not in out + err, f"{args}: {out}{err}"
    return time.monotonic() - t0, json.loads(out)


def _kill_during(db: Path, window: tuple[float, float], *args: str, rng: random.Random) -> tuple[bool, str, str, int]:
    """Start the command, SIGKILL it after a random delay in `window`; (killed?, stdout, stderr, rc)."""
    p = _start(db, *args)
    delay = rng.uniform(*window)
    try:
        p.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        pass
    killed = p.poll() is None
    if killed:
        os.killpg(p.pid, signal.SIGKILL)
    out, err = p.communicate(timeout=60)
    if not killed:
        assert p.returncode == 0, f"{args} failed on its own ({p.returncode}): {out}{err}"
        assert "Traceback" not in out + err
    return killed, out, err, p.returncode


def _sound(db: Path, *, full: bool) -> None:
    assert integrity(db) == "ok"
    if full:
        found = problems(db)
        assert found == [], found


def _report(what: str, kills: int, completed: int) -> None:
    print(f"\ncrash {what}: {kills} kills survived, {completed} runs completed before the kill")


def test_a_killed_stock_in_of_a_big_file_leaves_the_whole_batch_or_nothing(base, tmp_path):
    db = sqlite_copy(base, tmp_path / "shop.db")
    rng = random.Random(os.environ.get("STORECTL_CRASH_SEED", 1))

    def batch_file(n: int) -> Path:
        f = tmp_path / f"units{n}.txt"
        f.write_text("".join(f"K{n:03d}X{i:06d}\n" for i in range(BIG_BATCH)))
        return f

    args = lambda n: ("stock", "in", "--store", "SZ01", "--sku", "MBA13", "--cost", "5000", "--file", str(batch_file(n)), "--json")  # noqa: E731
    duration, first = _full_run(db, *args(0))
    assert first["received"] == BIG_BATCH
    kills = completed = after_commit = 0
    n = 0
    while kills < KILLS["stock in"]:
        n += 1
        killed, out, _, _ = _kill_during(db, (0.2 * duration, 0.9 * duration), *args(n), rng=rng)
        kills += killed
        completed += not killed
        assert integrity(db) == "ok"
        present = scalar(db, "SELECT count(*) FROM unit_code WHERE code LIKE ?", (f"K{n:03d}X%",))
        assert present in (0, BIG_BATCH), f"batch {n}: {present} of {BIG_BATCH} units after the kill"
        after_commit += killed and present == BIG_BATCH  # killed while printing the result: committed
        if not killed:
            assert present == BIG_BATCH and json.loads(out)["received"] == BIG_BATCH
        # every IN- document has exactly its own units (all of the batch), none is half there
        for doc, units in rows(db, "SELECT d.doc_no, count(u.id) FROM stock_doc d LEFT JOIN unit u ON u.stock_in_id = d.id"
                                   " WHERE d.kind = 'in' GROUP BY d.id"):
            assert units == BIG_BATCH, f"{doc} holds {units} units"
        if n == KILLS["stock in"] // 2:
            _sound(db, full=True)
    _sound(db, full=True)
    batches = scalar(db, "SELECT count(*) FROM stock_doc WHERE kind = 'in'")
    assert scalar(db, "SELECT count(*) FROM unit") == BIG_BATCH * batches == BIG_BATCH * (1 + completed + after_commit)
    # and the shop still works: the next stock in after the last kill succeeds
    _, again = _full_run(db, *args(999))
    assert again["received"] == BIG_BATCH
    print(f"\nstock in: {kills - after_commit} kills before the commit (nothing written), {after_commit} after it")
    _report("stock in", kills, completed)


SELL_UNITS = 10


def test_a_killed_sale_is_either_fully_recorded_or_not_at_all(base, tmp_path):
    db = sqlite_copy(base, tmp_path / "shop.db")
    rng = random.Random(os.environ.get("STORECTL_CRASH_SEED", 2))
    rounds = KILLS["sell"] * 3
    receive(db, store="SZ01", sku="MBA13", codes=[f"SL{r:03d}U{k:02d}" for r in range(rounds) for k in range(SELL_UNITS)])
    receive(db, store="SZ01", sku="00123", qty=10_000, cost_cents=1000)
    total = SELL_UNITS * 7999 + 2 * 39

    def args(r: int):
        units = [f"SL{r:03d}U{k:02d}" for k in range(SELL_UNITS)]
        return ("sell", "--store", "SZ01", "--staff", "E002", "--customer", MEMBER, *units, "00123:2", "--pay", f"cash={total}", "--json")

    duration, first = _full_run(db, *args(0))
    assert len(first["lines"]) == SELL_UNITS + 1
    kills = completed = 0
    r = 0
    while kills < KILLS["sell"]:
        r += 1
        assert r < rounds, "too many runs finished before their kill"
        killed, out, _, _ = _kill_during(db, (0.1 * duration, duration), *args(r), rng=rng)
        kills += killed
        completed += not killed
        assert integrity(db) == "ok"
        statuses = rows(db, "SELECT u.status, count(*) FROM unit u JOIN unit_code c ON c.unit_id = u.id"
                            " WHERE c.code LIKE ? GROUP BY u.status", (f"SL{r:03d}U%",))
        assert statuses in ([("sold", SELL_UNITS)], [("in_stock", SELL_UNITS)]), f"round {r}: {statuses}"
        sales = scalar(db, "SELECT count(*) FROM sale")
        sold = scalar(db, "SELECT count(*) FROM unit WHERE status = 'sold'")
        assert sold == SELL_UNITS * sales
        assert scalar(db, "SELECT count(*) FROM sale_line") == (SELL_UNITS + 1) * sales
        earned = scalar(db, "SELECT coalesce(sum(delta), 0) FROM points_entry WHERE kind = 'earn'")
        assert earned == sales * first["points_earned"]
        if r % 10 == 0:
            _sound(db, full=True)
    _sound(db, full=True)
    qty = scalar(db, "SELECT sum(qty) FROM stock_level sl JOIN product p ON p.id = sl.product_id WHERE p.sku = '00123'")
    assert qty == 10_000 - 2 * scalar(db, "SELECT count(*) FROM sale")
    _report("sell", kills, completed)


@pytest.fixture(scope="module")
def month_shop(base, tmp_path_factory):
    """November with SALE_LINES sale lines (sales of 20 units; a few thousand with STORECTL_LONG_TESTS=1) and units in stock."""
    from storectl.services.till import sales

    path = sqlite_copy(base, tmp_path_factory.mktemp("month") / "month.db")
    codes = [f"RM{i:06d}" for i in range(SALE_LINES)]
    receive(path, store="SZ01", sku="MBA13", codes=codes + [f"RS{i:06d}" for i in range(3000 if LONG else 300)])
    with database(path).write("sell") as s:
        for k in range(0, SALE_LINES, 20):
            sales.sell(s, store="SZ01", staff="E002", items=codes[k : k + 20], customer=MEMBER, payments=[("cash", 799900 * 20)])
    return path


def _workbook_ok(path: Path) -> bool:
    with zipfile.ZipFile(path) as z:
        if z.testzip() is not None:
            return False
        names = z.namelist()
    from storectl.services.books.month_end import SHEETS

    return "xl/workbook.xml" in names and sum(n.startswith("xl/worksheets/sheet") for n in names) == len(SHEETS)


def test_a_killed_month_end_export_never_replaces_a_good_workbook(month_shop, tmp_path):
    from openpyxl import load_workbook

    db = sqlite_copy(month_shop, tmp_path / "shop.db")
    rng = random.Random(os.environ.get("STORECTL_CRASH_SEED", 3))
    target = tmp_path / "out" / "2026-11.xlsx"
    target.parent.mkdir()
    args = ("report", "month", "2026-11", "--out", str(target), "--json")
    duration, good = _full_run(db, *args)
    assert good["lines"] == SALE_LINES
    good_hash = hashlib.sha256(target.read_bytes()).hexdigest()
    kills = completed = 0
    while kills < KILLS["report month"]:
        killed, out, _, _ = _kill_during(db, (0.1 * duration, duration), *args, rng=rng)
        kills += killed
        completed += not killed
        assert target.exists(), "the good workbook vanished"
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        assert digest == good_hash or _workbook_ok(target), "a half-written workbook replaced the good one"
        good_hash = digest
        # leftovers of a killed export are hidden temporary files, never the target's name
        for f in target.parent.iterdir():
            assert f == target or (f.name.startswith(".") and f.name.endswith(".part")), f
        assert integrity(db) == "ok"
    wb = load_workbook(target, read_only=True)
    assert wb.sheetnames == ["Summary", "Sales", "Staff", "Products", "Receivables", "Inventory", "Points", "Transfers", "Orders",
                             "Coupons", "Service", "Commission"]
    assert sum(1 for r in wb["Sales"].iter_rows(min_row=2) if r[1].value and str(r[1].value).startswith("S-")) == SALE_LINES
    wb.close()
    _sound(db, full=True)
    _report("report month", kills, completed)


def test_a_killed_demo_leaves_a_sound_database_or_none(tmp_path):
    rng = random.Random(os.environ.get("STORECTL_CRASH_SEED", 4))
    kills = completed = 0
    window = (0.5, 30.0) if LONG else (0.5, 6.0)
    attempt = 0
    while kills < KILLS["demo"]:
        attempt += 1
        folder = tmp_path / f"demo{attempt}"
        dummy = tmp_path / "unused.db"
        killed, _, _, _ = _kill_during(dummy, window, "demo", "--dir", str(folder), "--json", rng=rng)
        kills += killed
        completed += not killed
        db = folder / "store.db"
        if db.exists() and db.stat().st_size:
            assert integrity(db) == "ok"
            if database(db).current_revision() is not None:
                from storectl.db import SCHEMA_HEAD

                if database(db).current_revision() == SCHEMA_HEAD:
                    assert problems(db) == []
    _report("demo", kills, completed)
