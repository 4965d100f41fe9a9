"""Faulty units (back from a service exchange): `stock repair CODE` puts one back in stock.

(Sending one back to its supplier is `stock out --reason supplier-return`, in `stock.inventory`.)
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from storectl.errors import StoreError
from storectl.models import Movement, Store
from storectl.money import format_money
from storectl.services.shop import closing, lookup
from storectl.services.stock import ledger
from storectl.services.stock.kinds import Kind
from storectl.services.stock.ledger import Line


def repair(session: Session, *, code: str) -> dict:
    """faulty → in_stock at the store it lies in, at its own cost, under the ticket that took it in."""
    closing.ensure_open(session)
    unit = lookup.unit_by_code(session, code)
    first = lookup.first_code(session, unit.id)
    if unit.status != "faulty":
        raise StoreError("conflict", f"unit {first} is {unit.status.replace('_', ' ')}, not faulty: only a faulty unit is repaired back into stock",
                         f"storectl sn show {first}")
    doc = session.execute(
        select(Movement.doc_no).where(Movement.unit_id == unit.id, Movement.kind == "exchange_in").order_by(Movement.id.desc())
    ).scalars().first()
    ledger.move(session, Kind.REPAIR, [Line(unit.product_id, unit_id=unit.id, cost_cents=unit.cost_cents)], doc_no=doc,
                to_store_id=unit.store_id)
    return {"unit": first, "status": "in_stock", "store": lookup.code_of(session, Store, unit.store_id),
            "cost": format_money(unit.cost_cents), "ticket": doc}
