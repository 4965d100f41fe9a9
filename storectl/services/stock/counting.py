"""Stock-take (CNT-): what was scanned against what the store should hold; optionally book the missing as lost.

- matched: in stock at this store and scanned, or reserved for a pre-order here and scanned (it is
  on the shelf, held for its order: listed again under `reserved` with the order's SO-);
- missing: in stock at this store, not scanned (first codes): what `--apply` books lost;
- missing_reserved: reserved for a pre-order here, not scanned: reported, never booked lost (the
  unit is on an open order: cancel the order first, then count again);
- unexpected: scanned and known, but recorded elsewhere, in transit (even from here) or no longer in stock;
- unknown: scanned, but no unit carries the code.
"""

from __future__ import annotations

import json

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from storectl import db
from storectl.errors import StoreError, invalid
from storectl.models import Product, StockCount, Unit, UnitCode
from storectl.services.shop import closing
from storectl.services.shop import lookup
from storectl.services.stock import unit_input
from storectl.services.stock import ledger
from storectl.services.stock.ledger import Kind, Line
from storectl.services.stock.unit_input import Item


def check_count_line(session: Session, *, store: str, text: str) -> str:
    """Scanner feedback for one counted code: what it is, without changing anything."""
    where = lookup.store(session, store)
    codes = unit_input.parse_unit(text)
    unit = next(iter(unit_input.units_by_codes(session, codes).values()), None)
    if unit is None:
        return "unknown code"
    if unit.status == "in_stock" and unit.store_id == where.id:
        return unit.sku
    if unit.status == "reserved" and unit.store_id == where.id:
        order = _holders(session, [unit.id]).get(unit.id)
        return f"{unit.sku}  held for {order or 'a pre-order'}"
    return f"unexpected: {unit_input.describe(unit)}"


def _holders(session: Session, unit_ids: list[int]) -> dict[int, str]:
    """The open pre-order (SO-) holding each reserved unit. Read from the tables: `trade` sits above `stock`."""
    if not unit_ids:
        return {}
    from storectl.models import OrderLine, SaleOrder

    held: dict[int, str] = {}
    for part in unit_input.chunks(unit_ids):
        held.update(session.execute(
            select(OrderLine.unit_id, SaleOrder.doc_no).join(SaleOrder, SaleOrder.id == OrderLine.order_id)
            .where(OrderLine.unit_id.in_(part), SaleOrder.status == "open")
        ).all())
    return held


def count(session: Session, *, store: str, items: list[Item], apply: bool = False) -> dict:
    """Record a stock-take of `store`; with `apply` (managers) the missing units become `lost`."""
    where = lookup.store(session, store)
    if apply:
        from storectl.services.shop.auth import require_manager

        require_manager(session, "stock count --apply")
    closing.ensure_open(session)
    texts = [unit_input.row_text(value, None) if isinstance(value, dict) else value for _, value in items]
    texts = [text for text in texts if text and text.strip()]
    if not texts:
        raise invalid("nothing was scanned", "give the codes, --file F, or - to scan")
    scanned: list[list[str]] = []
    for text in texts:
        try:
            scanned.append(unit_input.parse_unit(text))
        except StoreError:
            scanned.append([text.strip()])  # a garbled scan is simply a code nobody carries
    known = unit_input.units_by_codes(session, [c for codes in scanned for c in codes])
    seen: set[int] = set()
    matched: set[int] = set()
    held: list[int] = []  # reserved units of this store that were scanned, in scan order
    unexpected: list[dict] = []
    unknown: list[str] = []
    for codes in scanned:
        hit = next((c for c in codes if c in known), None)
        unit = known[hit] if hit is not None else None
        if unit is None:
            unknown.append(codes[0])
        elif unit.id not in seen:
            seen.add(unit.id)
            if unit.status == "in_stock" and unit.store_id == where.id:
                matched.add(unit.id)
            elif unit.status == "reserved" and unit.store_id == where.id:
                matched.add(unit.id)
                held.append(unit.id)
            else:
                unexpected.append({"code": hit, "sku": unit.sku, "status": unit.status, "store": unit.store})
    first = aliased(UnitCode)
    expected = session.execute(
        select(Unit.id, Unit.product_id, Unit.cost_cents, Unit.status, first.code, Product.sku)
        .join(first, and_(first.unit_id == Unit.id, first.position == 0))
        .join(Product, Product.id == Unit.product_id)
        .where(Unit.store_id == where.id, Unit.status.in_(("in_stock", "reserved")))
        .order_by(first.code)
    ).all()
    missing = [row for row in expected if row.id not in matched and row.status == "in_stock"]
    missing_reserved = [row for row in expected if row.id not in matched and row.status == "reserved"]
    orders = _holders(session, held + [row.id for row in missing_reserved])
    codes = {row.id: (row.code, row.sku) for row in expected}
    reserved = [{"code": codes[uid][0], "sku": codes[uid][1], "order": orders.get(uid)} for uid in held]
    reserved_missing = [{"code": row.code, "sku": row.sku, "order": orders.get(row.id)} for row in missing_reserved]
    doc_no = db.next_doc_no(session, "CNT")
    unknown = list(dict.fromkeys(unknown))
    if apply and missing:
        ledger.move(session, Kind.COUNT, [Line(row.product_id, unit_id=row.id, cost_cents=row.cost_cents) for row in missing],
                    doc_no=doc_no, from_store_id=where.id)
    missing_codes = [row.code for row in missing]
    unexpected_codes = [u["code"] for u in unexpected]
    session.add(StockCount(
        doc_no=doc_no, store_id=where.id, at=db.now_of(session), operator=db.operator_of(session), matched=len(matched),
        missing=json.dumps(missing_codes), unexpected=json.dumps(unexpected_codes), unknown=json.dumps(unknown), applied=apply,
    ))
    session.flush()
    return {
        "id": doc_no, "store": where.code, "matched": len(matched), "expected": len(expected),
        "missing": missing_codes, "unexpected": unexpected_codes, "unknown": unknown,
        "unexpected_detail": unexpected,
        "missing_detail": [{"code": row.code, "sku": row.sku} for row in missing], "applied": apply, "lost": len(missing) if apply else 0,
        "reserved": reserved, "missing_reserved": reserved_missing, "note": _held_note(reserved_missing),
    }


def _held_note(missing: list[dict]) -> str | None:
    """What to do about reserved units not found: they stay reserved, a count never books them lost."""
    if not missing:
        return None
    docs = list(dict.fromkeys(m["order"] or "its pre-order" for m in missing))
    first = docs[0] if docs[0].startswith("SO-") else "SO-ID"
    return (f"{len(missing)} reserved unit(s) not found stay reserved (on {', '.join(docs)}), never booked lost: "
            f"cancel the order first (storectl order cancel {first}), then count again")
