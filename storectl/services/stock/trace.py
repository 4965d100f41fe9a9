"""One unit's story (`sn show`): found by any of its codes, with its whole movement history.

The clerk's most frequent question, so this module imports only the tables it reads (unit,
codes, movements, product, store, supplier, customer) and asks the database four questions.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from storectl.codes import normalize_unit_code
from storectl.models import Customer, Movement, Product, Store, Supplier, Unit, UnitCode
from storectl.money import format_money
from storectl.periods import add_months, local_date
from storectl.services.shop import lookup
from storectl.services.shop import settings


def show_unit(session: Session, code: str) -> dict:
    """Everything about one unit, found by any of its codes, with its full history.

    Core statements over the tables, not ORM entities: a process that loads no entity never
    configures the mappers (~15 ms of a lookup's start-up on the 2-core machine, issue #10)."""
    unit, codes, product, store, supplier, customer, movement = (
        m.__table__ for m in (Unit, UnitCode, Product, Store, Supplier, Customer, Movement)
    )
    code = normalize_unit_code(code)
    found = session.execute(
        select(
            unit.c.id, unit.c.status, unit.c.cost_cents, unit.c.received_at, unit.c.sold_at, unit.c.condition,
            product.c.sku, product.c.name, product.c.warranty_months, store.c.code, supplier.c.code,
        )
        .select_from(
            unit.join(codes, codes.c.unit_id == unit.c.id)
            .join(product, product.c.id == unit.c.product_id)
            .join(store, store.c.id == unit.c.store_id)
            .outerjoin(supplier, supplier.c.id == unit.c.supplier_id)
        )
        .where(codes.c.code == code)
    ).first()
    if found is None:
        raise lookup.no_unit(code)
    unit_id, status, cost, received_at, sold_at, condition, sku, name, warranty_months, store_code, supplier_code = found
    if condition != "new":  # a used unit is only ever sold used: its warranty is the shop's for used units
        warranty_months = int(settings.get(session, "warranty.used_months"))
    warranty = None
    if status == "sold" and sold_at is not None and warranty_months:  # 0 months: no warranty, as the receipt says
        warranty = add_months(local_date(sold_at, settings.shop_tz(session)), warranty_months).isoformat()
    src, dst = store.alias("src"), store.alias("dst")
    history = [
        {
            "at": settings.local_iso(session, at), "kind": kind, "doc": doc, "from": f, "to": t, "operator": op,
            "customer": cust, "price": format_money(price) if price is not None else None,
        }
        for at, kind, doc, f, t, op, cust, price in session.execute(
            select(movement.c.at, movement.c.kind, movement.c.doc_no, src.c.code, dst.c.code, movement.c.operator,
                   customer.c.code, movement.c.price_cents)
            .select_from(
                movement.outerjoin(src, src.c.id == movement.c.from_store_id)
                .outerjoin(dst, dst.c.id == movement.c.to_store_id)
                .outerjoin(customer, customer.c.id == movement.c.customer_id)
            )
            .where(movement.c.unit_id == unit_id)
            .order_by(movement.c.at, movement.c.id)
        )
    ]
    handed = [h for h in history if h["kind"] in ("sale", "exchange_out")]
    if status == "sold" and sold_at is not None and handed and handed[-1]["kind"] == "exchange_out":
        warranty = _exchanged_warranty(session, handed[-1]["doc"])
    return {
        "sku": sku, "name": name, "codes": lookup.unit_codes(session, unit_id), "status": status,
        "store": store_code, "cost": format_money(cost), "supplier": supplier_code, "condition": condition,
        "received_at": settings.local_iso(session, received_at), "sold_at": settings.local_iso(session, sold_at),
        "warranty_months": warranty_months, "warranty_until": warranty, "history": history,
    }


def _exchanged_warranty(session: Session, ticket_no: str) -> str | None:
    """A replacement from a service exchange keeps the replaced unit's warranty end (services/aftersales),
    read from the ticket without defining the after-sales tables (this module stays lean)."""
    from sqlalchemy import Date, column, table

    tickets = table("service_ticket", column("doc_no"), column("warranty_until", Date))
    until = session.execute(select(tickets.c.warranty_until).where(tickets.c.doc_no == ticket_no)).scalar()
    return until.isoformat() if until else None
