"""Stock: receiving (IN-), taking out (OUT-), listing, levels per store (one unit's story is `trace`).

Serial units are tracked one by one (`unit`, `unit_code`); quantity products by a per-store
`stock_level` and a moving-average cost per SKU. Every change appends `movement` rows;
`stock_checks.invariants` proves the state columns agree with them. Reading and checking the
clerk's input (arguments, files, stdin) is `unit_input`.

Receiving is the bulk path (a supplier's file of 100,000 serials): the units of one batch are
identical apart from their codes, so they are inserted by one INSERT … SELECT, their movements by
another, and only the codes go through a driver-level executemany. No ORM object per row.
"""

from __future__ import annotations

import json

from sqlalchemy import Integer, and_, case, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storectl import db
from storectl.errors import StoreError, invalid
from storectl.models import UNIT_STATUSES, Movement, Product, StockDoc, StockLevel, Store, Supplier, Unit, UnitCode
from storectl.money import format_money
from storectl.services import closing, costing, lookup
from storectl.services.unit_input import (
    MAX_QTY,
    UNITS_HINT,
    Item,
    _chunks,
    _kinds,
    level_qty,
    prepare_units,
    resolve_items,
)

MAX_TOTAL_CENTS = 10**15  # ¥10 trillion: far above any shop, far below int64


# --- writing ---------------------------------------------------------------------------------


def executemany(session: Session, table, columns: list[str], rows: list[tuple]) -> None:
    """A driver-level executemany of plain tuples (no per-row ORM or type processing)."""
    if not rows:
        return
    conn = session.connection()
    compiled = insert(table).inline().compile(dialect=conn.dialect, column_keys=columns)
    names = list(compiled.positiontup) if compiled.positional else None
    if names is not None and names != columns:
        raise AssertionError(f"column order {names} != {columns}")
    conn.exec_driver_sql(compiled.string, rows if names is not None else [dict(zip(columns, r)) for r in rows])


def add_movements(session: Session, rows: list[dict]) -> None:
    if not rows:
        return
    defaults = {"at": db.now_of(session), "operator": db.operator_of(session), "qty": 1, "status_after": "", "cost_cents": 0,
                "unit_id": None, "from_store_id": None, "to_store_id": None, "price_cents": None, "customer_id": None}
    session.execute(insert(Movement), [{**defaults, **r} for r in rows])


def set_unit_status(
    session: Session, ids: list[int], *, to: str, expect: str, store_id: int | None = None, values: dict | None = None
) -> None:
    """Guarded status change: every unit must still be `expect` (at `store_id`), or it is a conflict."""
    changed = 0
    for chunk in _chunks(ids):
        stmt = update(Unit).where(Unit.id.in_(chunk), Unit.status == expect)
        if store_id is not None:
            stmt = stmt.where(Unit.store_id == store_id)
        stmt = stmt.values(status=to, **(values or {})).execution_options(synchronize_session=False)
        changed += session.execute(stmt).rowcount
    if changed != len(ids):
        raise StoreError("conflict", f"{len(ids) - changed} of the units changed while this command ran", "look again and retry")


def add_level(session: Session, store_id: int, product_id: int, qty: int) -> None:
    """stock_level += qty (an upsert; SQLite and PostgreSQL share the ON CONFLICT form)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    stmt = upsert(StockLevel).values(store_id=store_id, product_id=product_id, qty=qty)
    stmt = stmt.on_conflict_do_update(index_elements=["store_id", "product_id"], set_={"qty": StockLevel.qty + stmt.excluded.qty})
    session.execute(stmt)


def take_level(session: Session, store: Store, product: Product, qty: int) -> None:
    """stock_level -= qty, guarded: never below zero."""
    result = session.execute(
        update(StockLevel)
        .where(StockLevel.store_id == store.id, StockLevel.product_id == product.id, StockLevel.qty >= qty)
        .values(qty=StockLevel.qty - qty)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        have = level_qty(session, store.id, product.id)
        raise StoreError("insufficient_stock", f"{store.code} has {have} of {product.sku}, {qty} needed", f"storectl stock levels --store {store.code}")


def _stock_doc(session: Session, *, kind: str, reason: str, store: Store, supplier: Supplier | None = None, ref: str = "") -> StockDoc:
    doc = StockDoc(
        doc_no=db.next_doc_no(session, "IN" if kind == "in" else "OUT"),
        kind=kind, reason=reason, store_id=store.id, supplier_id=supplier.id if supplier else None,
        ref=ref, at=db.now_of(session), operator=db.operator_of(session),
    )
    session.add(doc)
    session.flush()
    return doc


def _ref(text: str | None) -> str:
    ref = (text or "").strip()
    if len(ref) > 200 or any(ord(c) < 32 for c in ref):
        raise invalid("--ref must be up to 200 printable characters", "e.g. --ref PO-2026-118")
    return ref


# --- stock in ------------------------------------------------------------------------------

def stock_in(
    session: Session,
    *,
    store: str,
    sku: str,
    cost_cents: int,
    supplier: str | None = None,
    ref: str | None = None,
    units: list[Item] | None = None,
    qty: int | None = None,
) -> dict:
    """Receive serial units (all or nothing) or a quantity, under one IN- document."""
    closing.ensure_open(session)
    where = lookup.store(session, store)
    product = lookup.product(session, sku)
    source = lookup.supplier(session, supplier) if supplier else None
    ref = _ref(ref)
    if cost_cents < 0:
        raise invalid("the cost cannot be negative", "e.g. --cost 6999")
    if product.serial:
        if qty is not None:
            raise invalid(f"{product.sku} is tracked by serial number; --qty is for quantity products", UNITS_HINT)
        if not units:
            raise invalid(f"no {product.sku} units given", UNITS_HINT)
        prepared = prepare_units(session, product, units)
        if cost_cents * len(prepared) > MAX_TOTAL_CENTS:
            raise invalid("the batch's total cost is too large", "check --cost")
        doc = _stock_doc(session, kind="in", reason="purchase", store=where, supplier=source, ref=ref)
        _insert_units(session, product=product, store=where, doc=doc, cost_cents=cost_cents, prepared=prepared)
        received, first_codes = len(prepared), [codes[0] for codes in prepared]
    else:
        if units:
            raise invalid(f"{product.sku} is counted by quantity; give --qty N, not unit codes", f"storectl stock in --store {where.code} --sku {product.sku} --qty 10 --cost AMOUNT")
        if qty is None:
            raise invalid(f"how many {product.sku}? give --qty N", f"storectl stock in --store {where.code} --sku {product.sku} --qty 10 --cost AMOUNT")
        if not 0 < qty <= MAX_QTY:
            raise invalid(f"--qty must be from 1 to {MAX_QTY:,}", "e.g. --qty 50")
        if cost_cents * qty > MAX_TOTAL_CENTS:
            raise invalid("the batch's total cost is too large", "check --cost and --qty")
        doc = _stock_doc(session, kind="in", reason="purchase", store=where, supplier=source, ref=ref)
        costing.receive_at_cost(session, product, qty, qty * cost_cents)
        add_level(session, where.id, product.id, qty)
        add_movements(session, [{"kind": "in", "doc_no": doc.doc_no, "product_id": product.id, "qty": qty, "to_store_id": where.id, "cost_cents": qty * cost_cents}])
        session.flush()
        received, first_codes = qty, []
    result = {
        "id": doc.doc_no, "store": where.code, "sku": product.sku, "received": received, "units": first_codes,
        "cost": format_money(cost_cents), "supplier": source.code if source else None, "ref": ref,
    }
    if not product.serial:
        result["avg_cost"] = format_money(product.avg_cost_cents)
    return result


def _insert_units(session: Session, *, product: Product, store: Store, doc: StockDoc, cost_cents: int, prepared: list[list[str]]) -> None:
    """Set-based: N identical unit rows from a counting CTE, their codes by executemany, their movements by INSERT … SELECT."""
    count = len(prepared)
    before = session.execute(select(func.coalesce(func.max(Unit.id), 0))).scalar()
    seq = select(literal(1).label("i")).cte("seq", recursive=True)
    seq = seq.union_all(select((seq.c.i + 1).label("i")).where(seq.c.i < count))
    now = db.now_of(session)
    session.execute(
        insert(Unit).from_select(
            ["product_id", "store_id", "status", "cost_cents", "supplier_id", "stock_in_id", "received_at"],
            select(
                literal(product.id), literal(store.id), literal("in_stock"), literal(cost_cents),
                literal(doc.supplier_id, Integer), literal(doc.id), literal(now, Unit.__table__.c.received_at.type),
            ).select_from(seq),
        )
    )
    # New ids are above every id visible before the insert (SQLite: max+1; PostgreSQL: a sequence),
    # and since every unit of the batch is alike, which id gets which codes does not matter.
    mine = and_(Unit.id > before, Unit.stock_in_id == doc.id)
    low, high, inserted = session.execute(select(func.min(Unit.id), func.max(Unit.id), func.count()).where(mine)).one()
    if inserted != count:
        raise AssertionError(f"inserted {inserted} units, expected {count}")
    try:
        _insert_codes(session, product, prepared, low if high - low + 1 == count else None, mine)
    except IntegrityError:
        # The pre-check ran inside this same write transaction, so only a concurrent writer on a
        # server database can get here; the UNIQUE index is the last line of defence.
        raise StoreError("conflict", "a code in this batch was registered by another command at the same moment; nothing was received", "run the batch again to see which code") from None
    session.execute(
        insert(Movement).from_select(
            ["at", "kind", "doc_no", "unit_id", "product_id", "qty", "to_store_id", "status_after", "cost_cents", "operator"],
            select(
                literal(now, Movement.__table__.c.at.type), literal("in"), literal(doc.doc_no), Unit.id, Unit.product_id,
                literal(1), Unit.store_id, literal("in_stock"), Unit.cost_cents, literal(db.operator_of(session)),
            ).where(mine).order_by(Unit.id),
        )
    )


def _insert_codes(session: Session, product: Product, prepared: list[list[str]], first_id: int | None, mine) -> None:
    """Each unit's codes. Contiguous ids on SQLite: one INSERT … SELECT over a JSON array; else executemany."""
    kinds = _kinds(product)
    conn = session.connection()
    if first_id is not None and conn.dialect.name == "sqlite" and len(kinds) == 1:
        conn.exec_driver_sql(
            "INSERT INTO unit_code (unit_id, kind, code, position) SELECT ? + j.key, ?, j.value, 0 FROM json_each(?) AS j",
            (first_id, kinds[0], json.dumps([codes[0] for codes in prepared])),
        )
        return
    if first_id is not None and conn.dialect.name == "sqlite":
        n = len(kinds)
        conn.exec_driver_sql(
            "INSERT INTO unit_code (unit_id, kind, code, position) "
            "SELECT ? + j.key / ?, json_extract(?, '$[' || (j.key % ?) || ']'), j.value, j.key % ? FROM json_each(?) AS j",
            (first_id, n, json.dumps(kinds), n, n, json.dumps([c for codes in prepared for c in codes])),
        )
        return
    ids = [row[0] for row in session.execute(select(Unit.id).where(mine).order_by(Unit.id))]
    rows = [(uid, kind, code, pos) for uid, codes in zip(ids, prepared) for pos, (kind, code) in enumerate(zip(kinds, codes))]
    executemany(session, UnitCode.__table__, ["unit_id", "kind", "code", "position"], rows)


# --- stock out -----------------------------------------------------------------------------

OUT_REASONS = {"scrap": "scrapped", "loss": "lost", "supplier-return": "supplier_returned", "internal-use": "internal_use"}


def stock_out(session: Session, *, reason: str, items: list[Item], store: str | None = None) -> dict:
    """Take units or quantities out of stock for any reason but a sale (OUT- document)."""
    reason = (reason or "").strip().lower().replace("_", "-")
    if reason not in OUT_REASONS:
        raise invalid(f"unknown reason {reason!r}", "one of: " + ", ".join(OUT_REASONS))
    if reason in ("scrap", "loss"):
        from storectl.services.auth import require_manager

        require_manager(session, f"stock out --reason {reason}")
    closing.ensure_open(session)
    where = lookup.store(session, store) if store else None
    if not items:
        raise invalid("nothing to take out", UNITS_HINT + " or SKU:QTY")
    units, qtys = resolve_items(session, items, store=where, action=f"take out ({reason})")
    if qtys and where is None:
        raise invalid("quantities are kept per store: give --store", f"storectl stock out --reason {reason} --store SZ01 {qtys[0].product.sku}:{qtys[0].qty}")
    stores = {u.store_id for u in units}
    if where is None:
        if len(stores) > 1:
            raise invalid("the units are in several stores (" + ", ".join(sorted({u.store for u in units})) + ")", "take them out one store at a time with --store")
        where = session.get(Store, units[0].store_id)
    status = OUT_REASONS[reason]
    doc = _stock_doc(session, kind="out", reason=reason, store=where)
    set_unit_status(session, [u.id for u in units], to=status, expect="in_stock", store_id=where.id)
    moves = [{"kind": "out", "doc_no": doc.doc_no, "unit_id": u.id, "product_id": u.product_id, "from_store_id": where.id,
              "status_after": status, "cost_cents": u.cost_cents} for u in units]
    lines = []
    for line in qtys:
        take_level(session, where, line.product, line.qty)
        cost = line.qty * line.product.avg_cost_cents
        moves.append({"kind": "out", "doc_no": doc.doc_no, "product_id": line.product.id, "qty": line.qty, "from_store_id": where.id, "cost_cents": cost})
        lines.append({"sku": line.product.sku, "qty": line.qty, "cost": format_money(cost)})
    add_movements(session, moves)
    return {
        "id": doc.doc_no, "reason": reason, "status": status, "store": where.code,
        "units": [u.first for u in units], "lines": lines,
        "cost": format_money(sum(u.cost_cents for u in units) + sum(line.qty * line.product.avg_cost_cents for line in qtys)),
    }


# --- reading -------------------------------------------------------------------------------


def list_units(session: Session, *, store: str | None = None, sku: str | None = None, status: str | None = None) -> list[dict]:
    """Units with their codes keyed by kind: [{"sku", "codes", "status", "store", "cost"}]."""
    query = (
        select(Unit.id, Product.sku, Unit.status, Store.code, Unit.cost_cents, UnitCode.kind, UnitCode.code)
        .join(Product, Product.id == Unit.product_id)
        .join(Store, Store.id == Unit.store_id)
        .join(UnitCode, UnitCode.unit_id == Unit.id)
        .order_by(Store.code, Product.sku, Unit.id, UnitCode.position)
    )
    if store:
        query = query.where(Unit.store_id == lookup.store(session, store).id)
    if sku:
        query = query.where(Unit.product_id == lookup.product(session, sku).id)
    if status:
        status = status.strip().lower().replace("-", "_")
        if status not in UNIT_STATUSES:
            raise invalid(f"unknown status {status!r}", "one of: " + ", ".join(UNIT_STATUSES))
        query = query.where(Unit.status == status)
    out: list[dict] = []
    last = None
    for uid, p_sku, st, store_code, cost, kind, code in session.execute(query):
        if uid != last:
            out.append({"sku": p_sku, "codes": {}, "status": st, "store": store_code, "cost": format_money(cost)})
            last = uid
        out[-1]["codes"][kind] = code
    return out


def levels(session: Session, *, store: str | None = None, low: int | None = None) -> list[dict]:
    """Quantity and cost value per store and SKU (in-stock units; quantity × moving average).

    With `low`, every store/SKU pair the store has ever carried whose quantity is at or below it.
    """
    where = lookup.store(session, store) if store else None
    if low is not None and low < 0:
        raise invalid("--low must be 0 or more", "e.g. --low 2")
    in_stock = Unit.status == "in_stock"
    qty = func.count(case((in_stock, 1)))
    serial = (
        select(Store.code, Product.sku, Product.name, qty, func.coalesce(func.sum(case((in_stock, Unit.cost_cents), else_=0)), 0))
        .join(Store, Store.id == Unit.store_id)
        .join(Product, Product.id == Unit.product_id)
        .group_by(Store.code, Product.sku, Product.name)
    )
    counted = (
        select(Store.code, Product.sku, Product.name, StockLevel.qty, StockLevel.qty * Product.avg_cost_cents)
        .join(Store, Store.id == StockLevel.store_id)
        .join(Product, Product.id == StockLevel.product_id)
    )
    if where is not None:
        serial = serial.where(Unit.store_id == where.id)
        counted = counted.where(StockLevel.store_id == where.id)
    if low is None:
        serial = serial.where(in_stock)
        counted = counted.where(StockLevel.qty > 0)
    else:
        serial = serial.having(qty <= low)
        counted = counted.where(StockLevel.qty <= low)
    rows = [
        {"store": s, "sku": k, "name": n, "kind": kind, "qty": int(q), "value": format_money(int(v or 0))}
        for kind, query in (("serial", serial), ("quantity", counted))
        for s, k, n, q, v in session.execute(query)
    ]
    rows.sort(key=lambda r: (r["store"], r["sku"]))
    return rows
