"""`warranty CODE`: whether a unit is under warranty, answered from the unit ledger (lean, like `sn show`).

Warranty runs from the sale's shop-calendar day for the product's warranty months
(`warranty_until` = that day + the months, the last day covered). A return ends it (the unit is no
longer sold); a resale starts a new one (a new sale time); a replacement handed out on a service
exchange keeps the replaced unit's end, which the ticket recorded when it was opened.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, column, or_, select, table
from sqlmodel import Session

from storectl.codes import normalize_unit_code
from storectl.models import Customer, Movement, Product, Unit, UnitCode
from storectl.periods import add_months, local_date
from storectl.services.shop import lookup, settings

SOLD_BY = ("sale", "exchange_out")  # the movements that hand a unit to a customer
# the ticket columns read here, without defining the ticket tables (and the sale tables they point to)
TICKETS = table("service_ticket", column("id"), column("doc_no"), column("unit_id"), column("replacement_unit_id"),
                column("warranty_until", Date), column("sale_no"))


def warranty_end(session: Session, unit_id: int, status: str, sold_at, months: int, condition: str = "new") -> dict:  # noqa: ANN001
    """{"until", "sale", "customer_id", "exchange"} of a unit as it stands (until None: none runs).
    `months` is the product's; a used unit (traded in, so sold used) has `warranty.used_months`, as
    its receipt said."""
    if status != "sold" or sold_at is None:
        return {"until": None, "sale": None, "customer_id": None, "exchange": None}
    if (condition or "new") != "new":
        months = int(settings.get(session, "warranty.used_months"))
    mv = Movement.__table__.c
    kind, doc, customer_id = session.execute(
        select(mv.kind, mv.doc_no, mv.customer_id).where(mv.unit_id == unit_id, mv.kind.in_(SOLD_BY)).order_by(mv.id.desc()).limit(1)
    ).one()
    if kind == "exchange_out":
        t = TICKETS.c
        until, sale_no = session.execute(select(t.warranty_until, t.sale_no).where(t.doc_no == doc)).one()
        return {"until": until, "sale": sale_no, "customer_id": customer_id, "exchange": doc}
    until = add_months(local_date(sold_at, settings.shop_tz(session)), months) if months else None
    return {"until": until, "sale": doc, "customer_id": customer_id, "exchange": None}


def state(until: date | None, sold: bool, today: date) -> str:
    if not sold:
        return "not_sold"
    if until is None:
        return "no_warranty"
    return "in_warranty" if today <= until else "expired"


def show(session: Session, code: str) -> dict:
    """Any of a unit's codes → its warranty: status, until, days left, sale, customer, tickets."""
    unit, codes, product = (m.__table__ for m in (Unit, UnitCode, Product))
    code = normalize_unit_code(code)
    found = session.execute(
        select(unit.c.id, unit.c.status, unit.c.sold_at, product.c.sku, product.c.name, product.c.warranty_months, unit.c.condition)
        .select_from(unit.join(codes, codes.c.unit_id == unit.c.id).join(product, product.c.id == unit.c.product_id))
        .where(codes.c.code == code)
    ).first()
    if found is None:
        raise lookup.no_unit(code)
    unit_id, status, sold_at, sku, name, months, condition = found
    end = warranty_end(session, unit_id, status, sold_at, months, condition)
    today = settings.today(session)
    sold = status == "sold"
    until = end["until"]
    customer = None
    if end["customer_id"] is not None:
        customer = session.execute(select(Customer.__table__.c.code).where(Customer.__table__.c.id == end["customer_id"])).scalar()
    t = TICKETS.c
    tickets = list(session.execute(
        select(t.doc_no).where(or_(t.unit_id == unit_id, t.replacement_unit_id == unit_id)).order_by(t.id)
    ).scalars())
    status_word = state(until, sold, today)
    return {
        "unit": lookup.first_code(session, unit_id), "sku": sku, "name": name, "status": status_word,
        "sold_at": settings.local_iso(session, sold_at) if sold else None, "sale": end["sale"], "customer": customer,
        "warranty_until": until.isoformat() if until else None,
        "days_left": (until - today).days if status_word == "in_warranty" else None,
        "exchanged_on": end["exchange"], "tickets": tickets,
    }
