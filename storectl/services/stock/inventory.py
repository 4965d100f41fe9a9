"""Stock: receiving (IN-), taking out (OUT-), listing, levels per store (one unit's story is `trace`).

Serial units are tracked one by one (`unit`, `unit_code`); quantity products by a per-store
`stock_level` and a moving-average cost per SKU. Every change goes through the stock ledger
(`stock.ledger`: the guarded state change and its `movement` rows together);
`stock_checks.invariants` proves the state columns agree with them. Reading and checking the
clerk's input (arguments, files, stdin) is `unit_input`.
"""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlmodel import Session

from storectl import db
from storectl.errors import invalid
from storectl.models import UNIT_STATUSES, Product, StockDoc, StockLevel, Store, Supplier, Unit, UnitCode
from storectl.money import format_money
from storectl.services.shop import closing
from storectl.services.shop import lookup
from storectl.services.stock import ledger
from storectl.services.stock.ledger import Kind, Line
from storectl.services.stock.unit_input import (
    MAX_QTY,
    UNITS_HINT,
    Item,
    _kinds,
    prepare_units,
    resolve_items,
)

MAX_TOTAL_CENTS = 10**15  # ¥10 trillion: far above any shop, far below int64


# --- writing ---------------------------------------------------------------------------------


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
        ledger.receive_units(session, product=product, store=where, doc=doc, cost_cents=cost_cents, kinds=_kinds(product), prepared=prepared)
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
        ledger.move(session, Kind.IN, [Line(product.id, qty, cost_cents=qty * cost_cents)], doc_no=doc.doc_no, to_store_id=where.id)
        session.refresh(product, ["avg_cost_cents"])
        received, first_codes = qty, []
    result = {
        "id": doc.doc_no, "store": where.code, "sku": product.sku, "received": received, "units": first_codes,
        "cost": format_money(cost_cents), "supplier": source.code if source else None, "ref": ref,
    }
    if not product.serial:
        result["avg_cost"] = format_money(product.avg_cost_cents)
    return result


# --- stock out -----------------------------------------------------------------------------

OUT_REASONS = {"scrap": "scrapped", "loss": "lost", "supplier-return": "supplier_returned", "internal-use": "internal_use"}


def stock_out(session: Session, *, reason: str, items: list[Item], store: str | None = None) -> dict:
    """Take units or quantities out of stock for any reason but a sale (OUT- document)."""
    reason = (reason or "").strip().lower().replace("_", "-")
    if reason not in OUT_REASONS:
        raise invalid(f"unknown reason {reason!r}", "one of: " + ", ".join(OUT_REASONS))
    if reason in ("scrap", "loss"):
        from storectl.services.shop.auth import require_manager

        require_manager(session, f"stock out --reason {reason}")
    closing.ensure_open(session)
    where = lookup.store(session, store) if store else None
    if not items:
        raise invalid("nothing to take out", UNITS_HINT + " or SKU:QTY")
    # a faulty unit (back from a service exchange) goes back to its supplier too
    faulty_ok = ("in_stock", "faulty") if reason == "supplier-return" else ("in_stock",)
    units, qtys = resolve_items(session, items, store=where, action=f"take out ({reason})", statuses=faulty_ok)
    if qtys and where is None:
        raise invalid("quantities are kept per store: give --store", f"storectl stock out --reason {reason} --store SZ01 {qtys[0].product.sku}:{qtys[0].qty}")
    stores = {u.store_id for u in units}
    if where is None:
        if len(stores) > 1:
            raise invalid("the units are in several stores (" + ", ".join(sorted({u.store for u in units})) + ")", "take them out one store at a time with --store")
        where = session.get(Store, units[0].store_id)
    status = OUT_REASONS[reason]
    doc = _stock_doc(session, kind="out", reason=reason, store=where)
    faulty = [u for u in units if u.status == "faulty"]
    units = [u for u in units if u.status != "faulty"]
    moved = ledger.move(
        session, Kind.OUT, [Line(u.product_id, unit_id=u.id, cost_cents=u.cost_cents) for u in units]
        + [Line(line.product.id, line.qty) for line in qtys], doc_no=doc.doc_no, from_store_id=where.id, status=status,
    )
    if faulty:  # owned but in no store's stock: it leaves from where it lies, taking nothing from the count
        moved += ledger.move(session, Kind.FAULTY_OUT, [Line(u.product_id, unit_id=u.id, cost_cents=u.cost_cents) for u in faulty],
                             doc_no=doc.doc_no, to_store_id=where.id)
        units += faulty
    lines = [{"sku": line.product.sku, "qty": line.qty, "cost": format_money(m.cost_cents)} for line, m in zip(qtys, moved[len(units) - len(faulty):])]
    return {
        "id": doc.doc_no, "reason": reason, "status": status, "store": where.code,
        "units": [u.first for u in units], "lines": lines,
        "cost": format_money(sum(m.cost_cents for m in moved)),
    }


# --- reading -------------------------------------------------------------------------------


def list_units(session: Session, *, store: str | None = None, sku: str | None = None, status: str | None = None,
               condition: str | None = None) -> list[dict]:
    """Units with their codes keyed by kind: [{"sku", "codes", "status", "store", "cost", "condition"}]."""
    query = (
        select(Unit.id, Product.sku, Unit.status, Store.code, Unit.cost_cents, UnitCode.kind, UnitCode.code, Unit.condition)
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
    if condition is not None:
        wanted = condition.strip().lower()
        if wanted not in ("new", "used"):
            raise invalid(f"unknown condition {condition.strip()!r}", "new or used (trade-ins, any grade)")
        query = query.where(Unit.condition == "new" if wanted == "new" else Unit.condition != "new")
    out: list[dict] = []
    last = None
    for uid, p_sku, st, store_code, cost, kind, code, cond in session.execute(query):
        if uid != last:
            out.append({"sku": p_sku, "codes": {}, "status": st, "store": store_code, "cost": format_money(cost), "condition": cond})
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
