"""`db check` for stock: each unit in one state and place agreeing with its movements, units in
transit matching open transfer lines, and quantities on hand equal to Σ movements in − out."""

from __future__ import annotations

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from storectl.models import Movement, Product, StockLevel, Store, Unit, UnitCode

from storectl.services.stock.kinds import ADDS as IN_KINDS  # add stock at to_store


def invariants(session: Session) -> list[dict]:
    """Each unit in one state and place, agreeing with its movements; quantities = Σ movements."""
    problems: list[dict] = []

    def problem(check: str, doc: str | None, message: str) -> None:
        problems.append({"check": check, "doc": doc, "message": message})

    first = aliased(UnitCode)
    last_id = select(func.max(Movement.id)).where(Movement.unit_id == Unit.id).correlate(Unit).scalar_subquery()
    last = aliased(Movement)
    place = case((last.kind.in_(IN_KINDS), last.to_store_id), else_=last.from_store_id)
    rows = session.execute(
        select(first.code, Unit.status, Unit.store_id, Unit.sold_at, last.id, last.kind, last.doc_no, last.status_after, place)
        .outerjoin(first, and_(first.unit_id == Unit.id, first.position == 0))
        .outerjoin(last, last.id == last_id)
        .where(
            or_(
                last.id.is_(None),
                last.status_after != Unit.status,
                and_(place.is_not(None), place != Unit.store_id),
                (Unit.status == "sold") != last.kind.in_(("sale", "exchange_out")),
                and_(Unit.status == "sold", Unit.sold_at.is_(None)),
            )
        )
    )
    for code, status, store_id, sold_at, mid, kind, doc, after, at in rows:
        if mid is None:
            problem("unit_history", code, f"unit {code} has no movements")
        elif after != status:
            problem("unit_status", doc, f"unit {code} is {status} but its last movement ({kind}) left it {after}")
        elif (status == "sold") != (kind in ("sale", "exchange_out")):
            problem("unit_sold", doc, f"unit {code} is {status} but its last movement is {kind}")
        elif status == "sold" and sold_at is None:
            problem("unit_sold", doc, f"unit {code} is sold without a sale time")
        else:
            problem("unit_place", doc, f"unit {code} is recorded at store #{store_id} but its last movement ({kind}) put it at #{at}")
    problems.extend(_transit_invariants(session))
    problems.extend(_quantity_invariants(session))
    return problems


def _transit_invariants(session: Session) -> list[dict]:
    from storectl.models import Transfer, TransferLine

    first = aliased(UnitCode)
    open_lines = (
        select(func.count(TransferLine.id))
        .join(Transfer, Transfer.id == TransferLine.transfer_id)
        .where(TransferLine.unit_id == Unit.id, TransferLine.received_qty + TransferLine.cancelled_qty < TransferLine.qty)
        .where(Transfer.status.in_(("open", "partial")))
        .correlate(Unit)
        .scalar_subquery()
    )
    rows = session.execute(
        select(first.code, Unit.status, open_lines)
        .outerjoin(first, and_(first.unit_id == Unit.id, first.position == 0))
        .where(or_(and_(Unit.status == "in_transit", open_lines != 1), and_(Unit.status != "in_transit", open_lines != 0)))
    )
    return [
        {"check": "unit_transit", "doc": code, "message": f"unit {code} is {status} with {n} open transfer lines (expected {1 if status == 'in_transit' else 0})"}
        for code, status, n in rows
    ]


def _quantity_invariants(session: Session) -> list[dict]:
    """On hand per store and SKU = Σ movements in − out: stock_level for quantity products, in-stock units for serial ones."""
    signed = case((Movement.kind.in_(IN_KINDS), Movement.qty), else_=-Movement.qty)
    at = case((Movement.kind.in_(IN_KINDS), Movement.to_store_id), else_=Movement.from_store_id)
    moved = {
        (s, p): int(q)
        for s, p, q in session.execute(
            select(at, Movement.product_id, func.sum(signed)).where(at.is_not(None)).group_by(at, Movement.product_id)
        )
    }
    serial_ids = {pid for (pid,) in session.execute(select(Product.id).where(Product.serial == True))}  # noqa: E712
    held: dict[tuple[int, int], int] = {
        (s, p): int(q) for s, p, q in session.execute(select(StockLevel.store_id, StockLevel.product_id, StockLevel.qty))
    }
    held.update(
        ((s, p), int(q))
        for s, p, q in session.execute(
            select(Unit.store_id, Unit.product_id, func.count()).where(Unit.status == "in_stock").group_by(Unit.store_id, Unit.product_id)
        )
    )
    stores = dict(session.execute(select(Store.id, Store.code)).all())
    skus = dict(session.execute(select(Product.id, Product.sku)).all())
    problems = []
    for key in sorted(set(moved) | set(held)):
        store_id, product_id = key
        have, expected = held.get(key, 0), moved.get(key, 0)
        what = "in-stock units" if product_id in serial_ids else "stock level"
        if have < 0:
            problems.append({"check": "stock_negative", "doc": f"{stores.get(store_id)} {skus.get(product_id)}", "message": f"{stores.get(store_id)} has {have} of {skus.get(product_id)}"})
        if have != expected:
            problems.append({
                "check": "stock_movements", "doc": f"{stores.get(store_id)} {skus.get(product_id)}",
                "message": f"{stores.get(store_id)} {skus.get(product_id)}: {what} {have}, movements say {expected}",
            })
    return problems
