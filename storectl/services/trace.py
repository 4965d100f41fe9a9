"""One unit's story (`sn show`): found by any of its codes, with its whole movement history.

The clerk's most frequent question, so this module imports only the tables it reads (unit,
codes, movements, product, store, supplier, customer) and asks the database four questions.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from storectl.codes import normalize_unit_code
from storectl.errors import not_found
from storectl.models import Customer, Movement, Product, Store, Supplier, Unit, UnitCode
from storectl.money import format_money
from storectl.periods import add_months, local_date
from storectl.services import lookup, settings


def show_unit(session: Session, code: str) -> dict:
    """Everything about one unit, found by any of its codes, with its full history."""
    code = normalize_unit_code(code)
    found = session.execute(
        select(Unit, Product, Store.code, Supplier.code)
        .join(UnitCode, UnitCode.unit_id == Unit.id)
        .join(Product, Product.id == Unit.product_id)
        .join(Store, Store.id == Unit.store_id)
        .outerjoin(Supplier, Supplier.id == Unit.supplier_id)
        .where(UnitCode.code == code)
    ).first()
    if found is None:
        raise not_found(f"no unit with code {code!r}", "check the code, or storectl stock list")
    unit, product, store_code, supplier_code = found
    tz = settings.shop_tz(session)
    warranty = None
    if unit.status == "sold" and unit.sold_at is not None:
        warranty = add_months(local_date(unit.sold_at, tz), product.warranty_months).isoformat()
    src, dst = aliased(Store), aliased(Store)
    history = [
        {
            "at": settings.local_iso(session, at), "kind": kind, "doc": doc, "from": f, "to": t, "operator": op,
            "customer": cust, "price": format_money(price) if price is not None else None,
        }
        for at, kind, doc, f, t, op, cust, price in session.execute(
            select(Movement.at, Movement.kind, Movement.doc_no, src.code, dst.code, Movement.operator, Customer.code, Movement.price_cents)
            .outerjoin(src, src.id == Movement.from_store_id)
            .outerjoin(dst, dst.id == Movement.to_store_id)
            .outerjoin(Customer, Customer.id == Movement.customer_id)
            .where(Movement.unit_id == unit.id)
            .order_by(Movement.at, Movement.id)
        )
    ]
    return {
        "sku": product.sku, "name": product.name, "codes": lookup.unit_codes(session, unit.id), "status": unit.status,
        "store": store_code, "cost": format_money(unit.cost_cents), "supplier": supplier_code,
        "received_at": settings.local_iso(session, unit.received_at), "sold_at": settings.local_iso(session, unit.sold_at),
        "warranty_months": product.warranty_months, "warranty_until": warranty, "history": history,
    }
