"""Build a large, valid-looking shop fast: the catalogue through the services, the bulk set-based.

The catalogue (4 stores, 200 staff, suppliers, 12 serial and 10 quantity products with list
prices, channels, customers) goes through storectl's own services. The bulk — units and their
codes, stock-in documents, movements, sales, sale lines and payments — is written with
`insert(Model.__table__)` compiled once per table and fed to the driver's executemany in
chunks of plain tuples: no ORM object and no per-row type processing, so a million units and a
million sale lines take about a minute, not an hour.

The data obeys the ledger rules (`storectl db check` passes): every unit has an `in` movement,
every sold unit a `sale` movement in the store it was received into, quantity products have
their `in` movements and stock levels, sale totals equal their lines and payments. Phones carry
IMEI1,IMEI2,SN with valid Luhn digits; laptops and tablets an SN. Units are received in
September 2026; sales are spread evenly over October 2026 (the month the report figures read);
80 % of the serial units are sold, the rest are in stock.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

# Bump when the data changes, so cached databases are rebuilt (2: the daily aggregate `sales_day`; 3: sale.change_cents).
# A cached shop behind the schema head is brought up to it with the migrations, as `db upgrade` would.
GENERATOR_VERSION = 3
NOW = "2026-11-02T10:00:00+08:00"  # the benchmark's clock (STORECTL_NOW)
REPORT_PERIOD = "2026-10"
CHUNK = 50_000
SOLD_SHARE = 0.8

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "娜", "磊", "敏", "静", "强", "洋", "艳", "杰", "婷", "军", "芳", "晓燕", "志强", "秀英", "建华"]
STORES = [("SZ01", "华强北旗舰店"), ("SZ02", "南山科技园店"), ("SZ03", "福田会展中心店"), ("GZ01", "天河城店")]
SUPPLIERS = [("SUP01", "深圳市华强电子有限公司"), ("SUP02", "广州天河数码批发"), ("SUP03", "东莞联创通讯")]
CHANNELS = [("WX", "微信公众号"), ("XHS", "小红书"), ("WIN", "橱窗")]
# sku, name, brand, category, list price (yuan), code kinds ("" = counted by quantity)
PRODUCTS = [
    ("IP17P-256", "iPhone 17 Pro 256GB", "Apple", "手机", 8999, "IMEI1,IMEI2,SN"),
    ("IP17-128", "iPhone 17 128GB", "Apple", "手机", 5999, "IMEI1,IMEI2,SN"),
    ("MATE70", "华为 Mate 70 12+512GB", "Huawei", "手机", 6499, "IMEI1,IMEI2,SN"),
    ("XM15", "小米 15 16+512GB", "Xiaomi", "手机", 4799, "IMEI1,IMEI2,SN"),
    ("OPPO-FX8", "OPPO Find X8", "OPPO", "手机", 4999, "IMEI1,IMEI2,SN"),
    ("VIVO-X200", "vivo X200 Pro", "vivo", "手机", 5299, "IMEI1,IMEI2,SN"),
    ("MBA13-M4", "MacBook Air 13 M4", "Apple", "电脑", 7999, "SN"),
    ("MBP14-M4", "MacBook Pro 14 M4", "Apple", "电脑", 12999, "SN"),
    ("IPAD-AIR", "iPad Air 11 128GB", "Apple", "平板", 4799, "SN"),
    ("MATEPAD", "华为 MatePad Pro 13.2", "Huawei", "平板", 5199, "SN"),
    ("XMPAD7", "小米平板 7 Pro", "Xiaomi", "平板", 2499, "SN"),
    ("WATCH10", "Apple Watch S10 46mm", "Apple", "手表", 3199, "SN"),
]
ACCESSORIES = [
    ("00123", "USB-C 充电线 1m", 39), ("00124", "20W 快充头", 99), ("00130", "钢化膜 iPhone 17", 29),
    ("00131", "硅胶保护壳 iPhone 17", 59), ("00140", "AirPods 4", 999), ("00141", "蓝牙耳机 FreeBuds", 599),
    ("00150", "充电宝 10000mAh", 129), ("00151", "车载支架", 49), ("00160", "Type-C 转接头", 19), ("00170", "笔记本内胆包", 89),
]
PAY_METHODS = ("wechat", "alipay", "cash", "card", "wechat", "alipay")
STOCKIN_SKU = "IPAD-AIR"  # the `stock in` figure receives tablets (one SN each) from a .txt file


@dataclass(frozen=True)
class Shop:
    path: Path
    units: int
    lines: int
    seconds: float


def luhn(body: str) -> str:
    """body + its Luhn check digit (an IMEI is 14 digits + 1)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def db_time(moment: datetime) -> str:
    """How SQLAlchemy's DateTime stores a UTC moment in SQLite."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def shop_path(folder: Path, units: int, lines: int) -> Path:
    return folder / f"shop-{units}u-{lines}l-v{GENERATOR_VERSION}.db"


def _database(path: Path):
    from storectl.db import Database

    return Database("sqlite:///" + str(path), operator="bench")


def build_catalogue(path: Path, *, staff: int = 200, customers: int = 0, members: int = 0) -> None:
    """A fresh shop with its catalogue, written through the services (a few hundred rows)."""
    import os

    from storectl.services.shop import catalogue
    from storectl.services.shop import maintenance
    from storectl.services.loyalty import members as member_service

    os.environ["STORECTL_NOW"] = NOW
    path.unlink(missing_ok=True)
    db = _database(path)
    maintenance.init(db, shop_name="华强北数码", timezone_name="Asia/Shanghai")
    with db.write("bench setup") as s:
        for code, name in STORES:
            catalogue.add_store(s, code=code, name=name)
        for code, name in SUPPLIERS:
            catalogue.add_supplier(s, code=code, name=name)
        for code, name in CHANNELS:
            member_service.add_channel(s, code=code, name=name)
        for i in range(staff):
            name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]
            catalogue.add_staff(s, code=f"E{i + 1:03d}", name=name, store=STORES[i % len(STORES)][0], role="manager" if i == 0 else "clerk")
        for sku, name, brand, category, price, kinds in PRODUCTS:
            catalogue.add_product(s, sku=sku, name=name, brand=brand, category=category, price_cents=price * 100,
                                  serial=True, code_kinds=kinds, warranty_months=12)
        for sku, name, price in ACCESSORIES:
            catalogue.add_product(s, sku=sku, name=name, category="配件", price_cents=price * 100, serial=False)
    if customers or members:
        _customers(db, customers, members, staff)
    db.engine.dispose()  # no pooled connection may keep the file open in WAL mode


def _customers(db, customers: int, members: int, staff: int) -> None:  # noqa: ANN001
    """Trade/retail customers and members (joined in October, brought in by staff and channels)."""
    from storectl.models import Customer

    start = datetime(2026, 9, 30, 16, tzinfo=timezone.utc)  # 2026-10-01 00:00 in Shanghai
    rows = []
    for i in range(customers + members):
        member = i >= customers
        phone = f"139{i:08d}"
        created = db_time(start - timedelta(days=30) + timedelta(seconds=i * 7))
        joined = db_time(start + timedelta(seconds=(i - customers) * 31 * 86400 // max(1, members))) if member else None
        rows.append((
            phone if member else f"C{i + 1:05d}", SURNAMES[i % 20] + GIVEN[i % 16] if member else f"客户{i + 1:05d}", phone,
            "" if member else ("批发" if i % 10 == 0 else ""), 5_000_000 if i % 10 == 0 else 0, 0, member, None, 0, 0,
            (i % len(CHANNELS)) + 1 if member else None, (i % staff) + 1 if member else None, None, joined, created,
        ))
    cols = ["code", "name", "phone", "group_name", "credit_limit_cents", "balance_cents", "is_member", "level_id", "points",
            "lifetime_spend_cents", "channel_id", "staff_id", "referrer_id", "joined_at", "created_at"]
    conn = _Raw(db.engine)
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        _bulk(conn, Customer.__table__, cols, rows)
        conn.exec_driver_sql("COMMIT")
    finally:
        conn.close()
        db.engine.dispose()


class _Raw:
    """The driver connection of an engine (no SQLAlchemy transaction around it), plus its dialect."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        self.dialect = engine.dialect
        self._pooled = engine.raw_connection()
        self.dbapi = self._pooled.driver_connection

    def exec_driver_sql(self, sql: str, params=()):  # noqa: ANN001, ANN201
        if isinstance(params, list):
            return self.dbapi.executemany(sql, params)
        return self.dbapi.execute(sql, params)

    def close(self) -> None:
        self._pooled.close()


def _bulk(conn, table, columns: list[str], rows) -> int:  # noqa: ANN001
    """`insert(table)` compiled once, then the driver's executemany over chunks of tuples."""
    from sqlalchemy import insert

    compiled = insert(table).compile(dialect=conn.dialect, column_keys=columns)
    if list(compiled.positiontup) != columns:
        raise AssertionError(f"{table.name}: column order {compiled.positiontup} != {columns}")
    count = 0
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            conn.exec_driver_sql(compiled.string, chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        conn.exec_driver_sql(compiled.string, chunk)
        count += len(chunk)
    return count


def generate(folder: Path, *, units: int, lines: int, staff: int = 200, regen: bool = False, log=print) -> Shop:  # noqa: ANN001
    """The cached shop of this size, built when missing (or when `regen`)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = shop_path(folder, units, lines)
    if path.exists() and not regen:
        _at_head(path, log)
        return Shop(path, units, lines, 0.0)
    started = time.perf_counter()
    tmp = path.with_suffix(".building")
    for leftover in (tmp, Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
        leftover.unlink(missing_ok=True)
    log(f"generating {units:,} units and {lines:,} sale lines into {path.name} …")
    build_catalogue(tmp, staff=staff, customers=10_000, members=2_000)
    _fill(tmp, units=units, lines=lines, staff=staff, log=log)
    for leftover in (Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        leftover.unlink(missing_ok=True)
    tmp.replace(path)
    seconds = time.perf_counter() - started
    log(f"  generated in {seconds:.0f} s ({path.stat().st_size / 2**20:.0f} MiB)")
    return Shop(path, units, lines, seconds)


def _fill(path: Path, *, units: int, lines: int, staff: int, log) -> None:  # noqa: ANN001
    from storectl.models import DocCounter, Movement, Sale, SaleLine, SalePayment, StockDoc, StockLevel, Unit, UnitCode

    rng = random.Random(20261102)
    db = _database(path)
    conn = _Raw(db.engine)
    try:
        # a one-off bulk load: no fsync, rollback journal instead of a WAL as big as the database
        conn.exec_driver_sql("PRAGMA journal_mode = DELETE")
        conn.exec_driver_sql("PRAGMA synchronous = OFF")
        conn.exec_driver_sql("PRAGMA cache_size = -1000000")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        products = {sku: (pid, price) for pid, sku, price in conn.exec_driver_sql(
            ("SELECT p.id, p.sku, r.price_cents FROM product p JOIN price_rule r ON r.product_id = p.id"))}
        serial = [(products[p[0]][0], products[p[0]][1], p[5].split(",")) for p in PRODUCTS]
        qty_products = [(products[a[0]][0], products[a[0]][1]) for a in ACCESSORIES]
        avg_cost = {pid: price * 6 // 10 for pid, price in qty_products}
        staff_by_store = {s: [i + 1 for i in range(staff) if i % len(STORES) == s] for s in range(len(STORES))}
        members_from = 10_000  # customer ids above this are members; sales go to the others
        operator = "bench"
        t0 = time.perf_counter()

        # --- stock-in documents and units: 1,000 units per document, each into one store -----------
        per_doc = 1000
        docs = (units + per_doc - 1) // per_doc
        sep = datetime(2026, 9, 1, 2, tzinfo=timezone.utc)
        doc_rows, doc_store, doc_at = [], {}, {}
        for d in range(docs):
            at = sep + timedelta(seconds=d * 29 * 86400 // max(1, docs))
            doc_store[d + 1], doc_at[d + 1] = d % len(STORES) + 1, db_time(at)
            doc_rows.append((f"IN-{d + 1:06d}", "in", "purchase", d % len(STORES) + 1, d % len(SUPPLIERS) + 1, f"PO-{d + 1:05d}", doc_at[d + 1], operator))
        q_docs = len(STORES)  # one more IN per store for the accessories
        for s in range(q_docs):
            doc_rows.append((f"IN-{docs + s + 1:06d}", "in", "purchase", s + 1, 1, "", db_time(sep), operator))
        _bulk(conn, StockDoc.__table__, ["doc_no", "kind", "reason", "store_id", "supplier_id", "ref", "at", "operator"], doc_rows)

        sold_count = int(units * SOLD_SHARE)
        unit_product = [serial[k % len(serial)] for k in range(units)]  # index k = unit id - 1
        unit_cost = [price * (70 + k % 11) // 100 for k, (_, price, _) in enumerate(unit_product)]

        # which sale sells which unit: sales are generated per store from that store's sold units
        queues: dict[int, list[int]] = {s: [] for s in range(1, len(STORES) + 1)}
        for k in range(sold_count):
            queues[doc_store[k // per_doc + 1]].append(k + 1)
        unit_lines = sold_count
        qty_lines = max(0, lines - unit_lines)
        if qty_lines < 0 or unit_lines > lines:
            unit_lines, qty_lines = lines, 0
        # each sale: 1–3 lines; about two lines per sale
        sale_rows, line_rows, pay_rows, sale_moves = [], [], [], []
        sold_at: dict[int, tuple[str, int]] = {}
        n_sales_est = max(1, lines // 2)
        oct1 = datetime(2026, 9, 30, 16, tzinfo=timezone.utc)
        month = 31 * 86400
        left_units, left_qty = unit_lines, qty_lines
        heads = {s: 0 for s in queues}
        sale_id = 0
        line_id = 0
        while left_units > 0 or left_qty > 0:
            sale_id += 1
            store = rng.randrange(1, len(STORES) + 1)
            if heads[store] >= len(queues[store]) and left_units > 0:
                store = max(queues, key=lambda s: len(queues[s]) - heads[s])
            clerk = rng.choice(staff_by_store[store - 1])
            at = db_time(oct1 + timedelta(seconds=min(month - 1, (sale_id - 1) * month // n_sales_est)))
            customer = rng.randrange(1, members_from + 1) if rng.random() < 0.2 else None
            n = rng.choice((1, 2, 2, 3))
            total = 0
            for line_no in range(1, n + 1):
                take_unit = left_units > 0 and heads[store] < len(queues[store]) and (left_qty == 0 or rng.random() < unit_lines / lines)
                line_id += 1
                if take_unit:
                    uid = queues[store][heads[store]]
                    heads[store] += 1
                    left_units -= 1
                    pid, price, _ = unit_product[uid - 1]
                    cost = unit_cost[uid - 1]
                    line_rows.append((sale_id, line_no, pid, uid, 1, price, price, "list", cost, clerk, 0))
                    sale_moves.append((at, "sale", f"S-{sale_id:06d}", uid, pid, 1, store, None, "sold", cost, price, customer, operator))
                    sold_at[uid] = (at, store)
                    total += price
                elif left_qty > 0:
                    pid, price = qty_products[rng.randrange(len(qty_products))]
                    qty = rng.choice((1, 1, 1, 2, 3))
                    left_qty -= 1
                    cost = avg_cost[pid] * qty
                    line_rows.append((sale_id, line_no, pid, None, qty, price, price * qty, "list", cost, clerk, 0))
                    sale_moves.append((at, "sale", f"S-{sale_id:06d}", None, pid, qty, store, None, "", cost, price, customer, operator))
                    total += price * qty
                else:
                    line_id -= 1
                    break
                if left_units <= 0 and left_qty <= 0:
                    break
            sale_rows.append((f"S-{sale_id:06d}", at, store, clerk, customer, None, operator, total, total, 0, 0, 0, 0, 0))
            pay_rows.append((sale_id, PAY_METHODS[sale_id % len(PAY_METHODS)], total))
        log(f"  planned {len(sale_rows):,} sales, {len(line_rows):,} lines ({time.perf_counter() - t0:.0f} s)")

        def unit_rows():
            for k in range(units):
                uid = k + 1
                pid, _, _ = unit_product[k]
                doc = k // per_doc + 1
                sold = sold_at.get(uid)
                yield (pid, doc_store[doc], "sold" if sold else "in_stock", unit_cost[k], (doc - 1) % len(SUPPLIERS) + 1, doc,
                       doc_at[doc], sold[0] if sold else None)

        _bulk(conn, Unit.__table__, ["product_id", "store_id", "status", "cost_cents", "supplier_id", "stock_in_id", "received_at", "sold_at"], unit_rows())
        log(f"  units ({time.perf_counter() - t0:.0f} s)")

        def code_rows():
            for k in range(units):
                uid = k + 1
                _, _, kinds = unit_product[k]
                if len(kinds) == 3:
                    yield (uid, "IMEI1", luhn(f"86{2 * uid:012d}"), 0)
                    yield (uid, "IMEI2", luhn(f"86{2 * uid + 1:012d}"), 1)
                    yield (uid, "SN", f"F{uid * 7919 % 10**10:010d}{uid % 36:02d}", 2)
                else:
                    yield (uid, "SN", f"C{uid:09d}X{uid * 31 % 997:03d}", 0)

        _bulk(conn, UnitCode.__table__, ["unit_id", "kind", "code", "position"], code_rows())
        log(f"  unit codes ({time.perf_counter() - t0:.0f} s)")

        move_cols = ["at", "kind", "doc_no", "unit_id", "product_id", "qty", "from_store_id", "to_store_id", "status_after",
                     "cost_cents", "price_cents", "customer_id", "operator"]

        def in_moves():
            for k in range(units):
                doc = k // per_doc + 1
                yield (doc_at[doc], "in", f"IN-{doc:06d}", k + 1, unit_product[k][0], 1, None, doc_store[doc], "in_stock", unit_cost[k], None, None, operator)
            sold_qty: dict[tuple[int, int], int] = {}
            for row in line_rows:
                if row[3] is None:
                    store = sale_rows[row[0] - 1][2]
                    sold_qty[(store, row[2])] = sold_qty.get((store, row[2]), 0) + row[4]
            for s in range(1, len(STORES) + 1):
                for pid, _ in qty_products:
                    qty = sold_qty.get((s, pid), 0) + 500
                    yield (db_time(sep), "in", f"IN-{docs + s:06d}", None, pid, qty, None, s, "", qty * avg_cost[pid], None, None, operator)
                    level_rows.append((s, pid, 500))

        level_rows: list[tuple] = []
        _bulk(conn, Movement.__table__, move_cols, in_moves())
        _bulk(conn, StockLevel.__table__, ["store_id", "product_id", "qty"], level_rows)
        conn.exec_driver_sql("UPDATE product SET avg_cost_cents = ? WHERE id = ?", [(c, pid) for pid, c in avg_cost.items()])
        log(f"  stock-in movements ({time.perf_counter() - t0:.0f} s)")

        _bulk(conn, Sale.__table__, ["doc_no", "at", "store_id", "staff_id", "customer_id", "channel_id", "operator", "total_cents",
                                     "paid_cents", "points_redeemed", "points_value_cents", "points_earned", "due_cents", "change_cents"], sale_rows)
        _bulk(conn, SaleLine.__table__, ["sale_id", "line_no", "product_id", "unit_id", "qty", "price_cents", "amount_cents", "rule",
                                         "cost_cents", "staff_id", "returned_qty"], line_rows)
        _bulk(conn, SalePayment.__table__, ["sale_id", "method", "amount_cents"], pay_rows)
        _bulk(conn, Movement.__table__, move_cols, sale_moves)
        log(f"  sales, lines, payments, sale movements ({time.perf_counter() - t0:.0f} s)")
        counters = [("IN", docs + q_docs), ("S", len(sale_rows))]
        conn.exec_driver_sql("DELETE FROM doc_counter WHERE prefix IN ('IN', 'S')")
        _bulk(conn, DocCounter.__table__, ["prefix", "last"], counters)
        conn.exec_driver_sql("COMMIT")
        conn.exec_driver_sql("PRAGMA journal_mode = WAL")  # back to how storectl runs a shop
    finally:
        conn.close()
        db.engine.dispose()
    _count_sales_days(path, log)


def _count_sales_days(path: Path, log) -> None:  # noqa: ANN001
    """The daily aggregate the staff, store and daily reports read, counted from the lines just
    written (bulk rows bypass the sale service that keeps it), exactly as `db upgrade` counts it."""
    from storectl.services.books import sales_day

    started = time.perf_counter()
    db = _database(path)
    try:
        with db.engine.execution_options(storectl_begin="IMMEDIATE").begin() as conn:
            rows = sales_day.rebuild_stored(conn)
    finally:
        db.engine.dispose()
    log(f"  sales_day: {rows:,} rows ({time.perf_counter() - started:.0f} s)")


def _at_head(path: Path, log) -> None:  # noqa: ANN001
    """Migrate a cached database that an older storectl made (`db upgrade`), so it can be reused."""
    from storectl import migrate
    from storectl.db import SCHEMA_HEAD

    db = _database(path)
    try:
        before = db.current_revision()
        if before != SCHEMA_HEAD:
            log(f"{path.name}: db upgrade from {before} to {SCHEMA_HEAD} …")
            migrate.upgrade(db)
    finally:
        db.engine.dispose()


def stockin_files(folder: Path, count: int, log=print) -> tuple[Path, Path]:  # noqa: ANN001
    """An empty shop (catalogue only) and a .txt of `count` new tablet serials, cached."""
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / f"empty-shop-v{GENERATOR_VERSION}.db"
    if not empty.exists():
        tmp = empty.with_suffix(".building")
        build_catalogue(tmp, staff=20)
        tmp.replace(empty)
    _at_head(empty, log)
    codes = folder / f"stockin-{count}.txt"
    if not codes.exists():
        codes.write_text("".join(f"DMPX{i:08d}Q{i * 37 % 1000:03d}\n" for i in range(1, count + 1)))
    return empty, codes


def in_stock_codes(path: Path, store: str, count: int, *, status: str = "in_stock") -> list[str]:
    """`count` first codes of units at `store` with `status` (for `sn show`, `sell`, the till), newest
    in-stock first, oldest sold first."""
    import sqlite3

    order = "DESC" if status == "in_stock" else "ASC"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT c.code FROM unit u JOIN store s ON s.id = u.store_id JOIN unit_code c ON c.unit_id = u.id AND c.position = 0 "
            f"WHERE s.code = ? AND u.status = ? ORDER BY u.id {order} LIMIT ?", (store, status, count)).fetchall()
    return [r[0] for r in rows]


def describe(path: Path) -> dict:
    import sqlite3

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("unit", "unit_code", "movement", "sale", "sale_line", "staff")}


def prepare(folder: Path, *, size: int, month_lines: int, stockin: int, regen: bool = False, log=print) -> dict:  # noqa: ANN001
    """Every database and file the figures need, built when missing; their paths."""
    big = generate(folder, units=size, lines=size, regen=regen, log=log)
    month = big if month_lines == size else generate(folder, units=month_lines, lines=month_lines, regen=regen, log=log)
    empty, codes = stockin_files(folder, stockin, log=log)
    return {"big": str(big.path), "month": str(month.path), "empty": str(empty), "codes": str(codes)}


if __name__ == "__main__":
    # python -m bench.generate SIZE MONTH_LINES STOCKIN [--regen]: build (or reuse) the shops, print their paths.
    # `python -m bench` runs this in a child process, so the harness stays small: a child's peak RSS
    # as the kernel reports it starts from its parent's size at fork.
    import sys

    size, month_lines, stockin = (int(a) for a in sys.argv[1:4])
    paths = prepare(Path(__file__).parent / "data", size=size, month_lines=month_lines, stockin=stockin,
                    regen="--regen" in sys.argv, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(paths))
