"""Shared helpers for the reliability tests (fuzz, crash, concurrency, state machine, roles, backups).

Everything here works on an SQLite file named explicitly, so a helper can be used from a fixture,
a subprocess script or a hypothesis run alike.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

LONG = os.environ.get("STORECTL_LONG_TESTS", "").strip() not in ("", "0")
HERE = Path(__file__).resolve().parent


def database(path: str | Path, *, operator: str = "tester"):
    from storectl.db import Database, resolve_url

    return Database(resolve_url(str(path)), operator=operator)


def sqlite_copy(src: str | Path, dst: str | Path) -> Path:
    """A consistent copy with the backup API (the source's last writes may sit in its -wal file)."""
    dst = Path(dst)
    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        b.close()
        a.close()
    os.chmod(dst, 0o600)
    return dst


def is_url(path: str | Path) -> bool:
    """A server database (PostgreSQL) given as a URL rather than an SQLite file path."""
    return "://" in str(path)


def _server_rows(path: str | Path, sql: str, params: tuple) -> list[tuple]:
    from sqlalchemy import text

    assert not params, "queries against a server URL take no positional parameters here"
    with database(path).engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def integrity(path: str | Path) -> str:
    if is_url(path):
        return "ok"  # the server keeps its own files consistent; db check covers the ledgers
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def problems(path: str | Path) -> list[dict]:
    """What `db check` reports for the file ([] when clean)."""
    from storectl.services.shop import maintenance

    return maintenance.check(database(path))


def scalar(path: str | Path, sql: str, params: tuple = ()):
    if is_url(path):
        found = _server_rows(path, sql, params)
        return found[0][0] if found else None
    con = sqlite3.connect(path, timeout=30)
    try:
        row = con.execute(sql, params).fetchone()
        return None if row is None else row[0]
    finally:
        con.close()


def rows(path: str | Path, sql: str, params: tuple = ()) -> list[tuple]:
    if is_url(path):
        return _server_rows(path, sql, params)
    con = sqlite3.connect(path, timeout=30)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def raw_sql(path: str | Path, *statements: str) -> None:
    """Change the database behind storectl's back (foreign keys off)."""
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        con.execute("PRAGMA foreign_keys = OFF")
        con.execute("BEGIN")
        for statement in statements:
            con.execute(statement)
        con.execute("COMMIT")
    finally:
        con.close()


def in_batches_all_or_nothing(path: str | Path) -> list[str]:
    """IN- documents whose units are neither all there nor all absent (should never happen)."""
    bad = []
    for doc, n_units, n_moves in rows(
        path,
        "SELECT d.doc_no, (SELECT count(*) FROM unit u WHERE u.stock_in_id = d.id),"
        " (SELECT count(*) FROM movement m WHERE m.doc_no = d.doc_no AND m.kind = 'in')"
        " FROM stock_doc d WHERE d.kind = 'in'",
    ):
        if n_moves == 0 or (n_units and n_units != n_moves):
            bad.append(f"{doc}: {n_units} units, {n_moves} movements")
    return bad


def build_shop(path: str | Path) -> Path:
    """The conftest `shop` (two stores, staff, supplier, three products, two customers) at `path`."""
    from conftest import ok

    env = {"STORECTL_DB": str(path)}
    steps = [
        ("init", "--shop-name", "测试数码", "--timezone", "Asia/Shanghai"),
        ("store", "add", "SZ01", "华强北旗舰店"),
        ("store", "add", "SZ02", "南山科技园店"),
        ("staff", "add", "E001", "张伟", "--store", "SZ01", "--role", "manager"),
        ("staff", "add", "E002", "李娜", "--store", "SZ01"),
        ("staff", "add", "E003", "王磊", "--store", "SZ02"),
        ("supplier", "add", "SUP01", "深圳市华讯通信器材有限公司"),
        ("product", "add", "IP17P", "iPhone 17 Pro 256GB", "--brand", "Apple", "--category", "手机",
         "--price", "8999", "--codes", "IMEI1,IMEI2,SN", "--warranty-months", "12"),
        ("product", "add", "MBA13", "MacBook Air 13 M4", "--brand", "Apple", "--category", "笔记本",
         "--price", "7999", "--warranty-months", "12"),
        ("product", "add", "00123", "数据线 USB-C 1m", "--category", "数据线", "--price", "39", "--no-serial"),
        ("customer", "add", "C001", "深圳市宝安区鑫达通讯店", "--group", "批发", "--credit-limit", "50000"),
        ("customer", "add", "C002", "陈晓燕", "--phone", "13800138000"),
    ]
    for args in steps:
        ok(*args, env=env)
    return path if is_url(path) else Path(path)


def receive(path: str | Path, *, store: str, sku: str, codes: list[str] | None = None, qty: int | None = None,
            cost_cents: int = 500000, supplier: str | None = None) -> dict:
    """`stock in` through the service (one transaction), much faster than the CLI for fixtures."""
    from storectl.services.stock import inventory

    with database(path).write("stock in") as s:
        units = [(f"arg {i + 1}", c) for i, c in enumerate(codes)] if codes else None
        return inventory.stock_in(s, store=store, sku=sku, cost_cents=cost_cents, supplier=supplier, units=units, qty=qty)


def wait_for(predicate, timeout: float = 30.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


# --- the concurrency worker: a real OS process doing mixed operations ---------------------------

# error codes a worker may meet as a normal outcome of racing the others
EXPECTED_CODES = {"conflict", "insufficient_stock", "not_found", "busy"}


def worker_main(argv: list[str] | None = None) -> None:
    """`python -c 'from reliability_helpers import worker_main; worker_main()' DB WORKER OPS SEED OUT`.

    Mixed operations (stock in, sell a shared unit, sell a quantity, transfer send+receive,
    check-in, customer pay), three in four through the services, one in four through the CLI
    in-process. Writes its tally as JSON to OUT. Anything but an expected StoreError is a failure.
    """
    import json
    import random
    import sys
    import traceback
    from datetime import datetime, timedelta

    from storectl.errors import StoreError

    db_path, worker, ops, seed, out = (argv or sys.argv[1:])[:5]
    worker, ops = int(worker), int(ops)
    rng = random.Random(int(seed))
    os.environ["STORECTL_DB"] = db_path
    db = database(db_path, operator=f"W{worker}")
    shared = [f"POOL{i:05d}" for i in range(int(os.environ.get("POOL_SIZE", "400")))]
    members = [f"1380000{worker:02d}{m:02d}" for m in range(3)]
    tally = {"ops": 0, "errors": {}, "failures": [], "stock_in_units": 0, "stock_in_qty": 0, "sold_units": [], "sold_qty": 0,
             "sales": 0, "transfers": 0, "checkins": 0, "checkin_points": 0, "paid_cents": 0, "payments": 0, "cli": 0}
    day, checked_today = 0, 0
    base = datetime.fromisoformat("2026-11-02T10:00:00+08:00")
    received = 0

    def now_iso() -> str:
        return (base + timedelta(days=day, seconds=rng.randint(0, 3600))).isoformat()

    def cli(*args: str) -> dict:
        from typer.testing import CliRunner

        from storectl.cli import app

        tally["cli"] += 1
        r = CliRunner().invoke(app, [*args, "--json"], env={"STORECTL_NOW": os.environ["STORECTL_NOW"], "STORECTL_DB": db_path})
        text = (r.stdout or "") + (getattr(r, "stderr", "") or "")
        if r.exception is not None and not isinstance(r.exception, SystemExit):
            raise AssertionError(f"{args}: {''.join(traceback.format_exception(r.exception))}")
        if "Traceback" in text or "locked" in text.lower():
            raise AssertionError(f"{args}: {text}")
        doc = json.loads(r.stdout)
        if r.exit_code == 0:
            return doc
        if r.exit_code == 1 and "error" in doc:
            e = doc["error"]
            raise StoreError(e["code"], e["message"], e["hint"])
        raise AssertionError(f"{args} exited {r.exit_code}: {text}")

    for _ in range(ops):
        os.environ["STORECTL_NOW"] = now_iso()
        started = time.monotonic()
        op = rng.choices(["stock_in", "sell_unit", "sell_qty", "transfer", "checkin", "pay"], [1, 3, 2, 1, 2, 2])[0]
        via_cli = rng.random() < 0.25
        try:
            if op == "stock_in":
                if rng.random() < 0.5:
                    codes = [f"W{worker}R{received + k:05d}" for k in range(5)]
                    if via_cli:
                        cli("stock", "in", "--store", "SZ02", "--sku", "MBA13", "--cost", "5000", *codes)
                    else:
                        receive(db_path, store="SZ02", sku="MBA13", codes=codes)
                    received += 5
                    tally["stock_in_units"] += 5
                else:
                    if via_cli:
                        cli("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "7")
                    else:
                        receive(db_path, store="SZ01", sku="00123", qty=7, cost_cents=1000)
                    tally["stock_in_qty"] += 7
            elif op == "sell_unit":
                code = rng.choice(shared)
                if via_cli:
                    cli("sell", "--store", "SZ01", "--staff", "E002", code, "--pay", "cash=7999")
                else:
                    from storectl.services.till import sales

                    with db.write("sell") as s:
                        sales.sell(s, store="SZ01", staff="E002", items=[code], payments=[("cash", 799900)])
                tally["sold_units"].append(code)
                tally["sales"] += 1
            elif op == "sell_qty":
                if via_cli:
                    cli("sell", "--store", "SZ01", "--staff", "E002", "00123:2", "--pay", "cash=78")
                else:
                    from storectl.services.till import sales

                    with db.write("sell") as s:
                        sales.sell(s, store="SZ01", staff="E002", items=["00123:2"], payments=[("cash", 7800)])
                tally["sold_qty"] += 2
                tally["sales"] += 1
            elif op == "transfer":
                if via_cli:
                    doc = cli("transfer", "send", "--from", "SZ01", "--to", "SZ02", "00123:1")["id"]
                    cli("transfer", "receive", doc)
                else:
                    from storectl.services.stock import transfers

                    with db.write("transfer send") as s:
                        doc = transfers.send(s, from_store="SZ01", to_store="SZ02", items=[("argument 1", "00123:1")])["id"]
                    with db.write("transfer receive") as s:
                        transfers.receive(s, transfer=doc)
                tally["transfers"] += 1
            elif op == "checkin":
                if checked_today == len(members):
                    day, checked_today = day + 1, 0
                    if day > 26:  # stay inside November
                        continue
                    os.environ["STORECTL_NOW"] = now_iso()
                phone = members[checked_today]
                if via_cli:
                    got = cli("member", "checkin", phone)
                else:
                    from storectl.services.loyalty import checkin

                    with db.write("member checkin") as s:
                        got = checkin.checkin(s, phone=phone)
                checked_today += 1
                tally["checkins"] += 1
                tally["checkin_points"] += got["points"]
            elif op == "pay":
                cents = rng.randint(1, 500) * 100
                if via_cli:
                    cli("customer", "pay", "C009", f"{cents // 100}", "--method", "wechat")
                else:
                    from storectl.services.till import receivables

                    with db.write("customer pay") as s:
                        receivables.pay(s, customer="C009", amount_cents=cents, method="wechat")
                tally["paid_cents"] += cents
                tally["payments"] += 1
        except StoreError as err:
            tally["errors"][err.code] = tally["errors"].get(err.code, 0) + 1
            if err.code not in EXPECTED_CODES:
                tally["failures"].append(f"{op}: {err.code}: {err.message}")
            elif err.code == "busy":
                # a clean refusal, but only after really waiting the whole busy timeout
                tally.setdefault("busy_waits", []).append(round(time.monotonic() - started, 2))
            elif op == "checkin":
                tally["failures"].append(f"check-in refused: {err.code}: {err.message}")
        except Exception as exc:  # noqa: BLE001
            tally["failures"].append(f"{op}: {type(exc).__name__}: {exc}"[:2000])
        tally["ops"] += 1
    Path(out).write_text(json.dumps(tally))
