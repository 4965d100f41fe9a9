"""Trade-ins (回收 / 以旧换新, TI-): a used unit bought from a customer enters stock at the price paid.

The unit's codes follow the product's code kinds and IMEI checks (`unit_input.unit_codes_for`).
A code the shop holds now (in stock, on the road, reserved, …) is `conflict`; a unit the shop
sold before comes back as the same unit (Kind.TRADEIN: sold → in_stock, its cost the price paid),
so `sn show` tells its whole story; a unit never seen arrives new to the ledger
(`ledger.receive_used`). Either way its condition becomes `used-GRADE` for good.

The money: paid out at once (`pay_method`), or kept as a credit that one later sale takes as the
payment `tradein` (`use_credits`: a guarded UPDATE … WHERE sale_id IS NULL, so a second use, also
by another till at the same moment, is refused). This module does not import `till`: the till
calls into it.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlmodel import Session

from storectl import db
from storectl.codes import parse_doc_no
from storectl.errors import StoreError, invalid, not_found
from storectl.models import Customer, Movement, Product, Staff, Store, TradeIn, Unit
from storectl.money import format_money
from storectl.services.shop import closing, lookup, settings
from storectl.services.stock import ledger
from storectl.services.stock.kinds import Kind
from storectl.services.stock.unit_input import _kinds, describe, unit_codes_for, units_by_codes

GRADES = ("A", "B", "C", "D")
METHOD = "tradein"  # the payment method a sale records for a trade-in credit
USED_MONTHS_KEY = "warranty.used_months"


def parse_doc(text: str) -> str:
    """'TI-3', 'ti-000003' -> 'TI-000003'."""
    return parse_doc_no(text, "TI", what="a trade-in id", hint="e.g. TI-000001 (storectl tradeins list)")


def _grade(text: str) -> str:
    grade = (text or "").strip().upper()
    if grade not in GRADES:
        raise invalid(f"grade {text.strip()!r} is not one of {', '.join(GRADES)}", "A like new … D heavily worn, e.g. --grade B")
    return grade


def trade_in(
    session: Session,
    *,
    codes: str,
    sku: str,
    grade: str,
    price_cents: int,
    store: str,
    staff: str | None = None,
    customer: str | None = None,
    pay_method: str | None = None,
) -> dict:
    """Buy a used unit: into stock at `store` as `used-GRADE`, its cost the price paid; returns the TI- document."""
    closing.ensure_open(session)
    grade = _grade(grade)
    where = lookup.store(session, store)
    product = lookup.product(session, sku)
    clerk = lookup.staff(session, staff) if staff else None
    seller = lookup.customer(session, customer) if customer else None
    if not product.serial:
        raise invalid(f"{product.sku} is counted by quantity; a trade-in is one unit with its codes",
                      "trade in phones, laptops, tablets: storectl tradein IMEI1,IMEI2,SN --sku SKU …")
    if price_cents < 0:
        raise invalid("the price paid cannot be negative", "e.g. --price 2800")
    parsed = unit_codes_for(product, codes)
    earlier = _earlier_unit(session, product, parsed)
    condition = f"used-{grade}"
    doc_no = db.next_doc_no(session, "TI")
    if earlier is None:
        unit_id = ledger.receive_used(session, product_id=product.id, store_id=where.id, kinds=_kinds(product), codes=parsed,
                                      cost_cents=price_cents, condition=condition, doc_no=doc_no,
                                      customer_id=seller.id if seller else None)
    else:
        unit_id = earlier
        ledger.move(session, Kind.TRADEIN, [ledger.Line(product.id, unit_id=unit_id, cost_cents=price_cents,
                                                        price_cents=price_cents, customer_id=seller.id if seller else None)],
                    doc_no=doc_no, to_store_id=where.id, condition=condition,
                    conflict=lambda uid: StoreError("conflict", f"unit {parsed[0]} changed while this trade-in ran", "look again and retry"))
    row = TradeIn(doc_no=doc_no, at=db.now_of(session), store_id=where.id, staff_id=clerk.id if clerk else None,
                  customer_id=seller.id if seller else None, product_id=product.id, unit_id=unit_id, grade=grade,
                  price_cents=price_cents, pay_method=pay_method, operator=db.operator_of(session))
    session.add(row)
    session.flush()
    result = show(session, doc_no)
    result["returning"] = earlier is not None
    return result


def _earlier_unit(session: Session, product: Product, codes: list[str]) -> int | None:
    """The unit the shop sold before that carries these codes, None for a unit never seen; else `conflict`."""
    known = units_by_codes(session, codes)
    if not known:
        return None
    units = {u.id: u for u in known.values()}
    unit = next(iter(units.values()))
    if len(units) > 1:
        raise StoreError("conflict", f"the codes {','.join(codes)} belong to different units the shop knows",
                         f"storectl sn show {codes[0]}")
    if unit.status != "sold":
        raise StoreError("conflict", f"{next(iter(known))} is already registered to {describe(unit)}: the shop holds it",
                         f"storectl sn show {unit.first}")
    if unit.product_id != product.id:
        raise StoreError("conflict", f"{unit.first} was sold as {unit.sku}, not {product.sku}", f"storectl sn show {unit.first}")
    from storectl.models import ServiceTicket

    ticket = session.execute(select(ServiceTicket.doc_no).where(ServiceTicket.unit_id == unit.id, ServiceTicket.status != "closed")).scalar()
    if ticket is not None:  # the shop has it on a repair bench: it cannot also buy it into stock
        raise StoreError("conflict", f"{unit.first} is on open service ticket {ticket}; it cannot be traded in now",
                         f"finish the repair first: storectl service close {ticket}")
    mine = lookup.unit_codes(session, unit.id)
    for kind, code in zip(_kinds(product), codes):
        if mine.get(kind) not in (None, code):
            raise StoreError("conflict", f"{unit.first} was sold with {kind} {mine[kind]}, not {code}", f"storectl sn show {unit.first}")
    return unit.id


# --- the credit, taken by a sale ------------------------------------------------------------


def credits(session: Session, docs: list[str], *, customer_id: int | None) -> tuple[list[TradeIn], int]:
    """The trade-ins a sale means to take as payment, checked (a credit, not used, the same customer): (rows, cents)."""
    rows: list[TradeIn] = []
    for text in docs:
        doc = parse_doc(text)
        row = session.execute(select(TradeIn).where(TradeIn.doc_no == doc)).scalar_one_or_none()
        if row is None:
            raise not_found(f"no trade-in {doc}", "storectl tradeins list")
        if any(r.id == row.id for r in rows):
            raise invalid(f"{doc} is named twice", "each trade-in pays once")
        if row.pay_method is not None:
            raise StoreError("conflict", f"{doc} was paid out in {row.pay_method}; it is no credit", f"storectl tradeins show {doc}")
        if row.sale_id is not None:
            raise StoreError("conflict", f"{doc} was already used on {_doc_of(session, row.sale_id)}", f"storectl tradeins show {doc}")
        if row.customer_id is not None and customer_id is not None and row.customer_id != customer_id:
            raise invalid(f"{doc} is the credit of customer {lookup.code_of(session, Customer, row.customer_id)}",
                          "sell to the customer who traded the unit in")
        rows.append(row)
    return rows, sum(r.price_cents for r in rows)


def use_credits(session: Session, rows: list[TradeIn], *, sale_id: int, sale_doc: str) -> None:
    """Mark each credit used by this sale: a guarded update, so one of two tills racing for it wins."""
    for row in rows:
        result = session.execute(
            update(TradeIn).where(TradeIn.id == row.id, TradeIn.sale_id.is_(None), TradeIn.pay_method.is_(None))
            .values(sale_id=sale_id).execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise StoreError("conflict", f"{row.doc_no} was used by another sale meanwhile; {sale_doc} was not made",
                             f"storectl tradeins show {row.doc_no}")


def _doc_of(session: Session, sale_id: int) -> str:
    from storectl.models import Sale

    return session.execute(select(Sale.doc_no).where(Sale.id == sale_id)).scalar() or "?"


def returned_since(session: Session, unit_id: int, sale_doc: str) -> str | None:
    """The trade-in that brought `unit_id` back after the sale `sale_doc`, if any (that sale's unit cannot be returned)."""
    sold = select(func.max(Movement.id)).where(Movement.unit_id == unit_id, Movement.doc_no == sale_doc).scalar_subquery()
    return session.execute(
        select(Movement.doc_no).where(Movement.unit_id == unit_id, Movement.kind == Kind.TRADEIN.value, Movement.id > sold)
        .order_by(Movement.id)
    ).scalars().first()


def used_months(session: Session) -> int:
    return int(settings.get(session, USED_MONTHS_KEY))


def warranty_months(session: Session, condition: str | None, new_months: int) -> int:
    """A used unit's warranty is `warranty.used_months`; a new one's the product's."""
    return new_months if (condition or "new") == "new" else used_months(session)


# --- reading --------------------------------------------------------------------------------


def show(session: Session, doc: str) -> dict:
    doc = parse_doc(doc)
    row = session.execute(select(TradeIn).where(TradeIn.doc_no == doc)).scalar_one_or_none()
    if row is None:
        raise not_found(f"no trade-in {doc}", "storectl tradeins list")
    return _dict(session, row)


def _dict(session: Session, row: TradeIn) -> dict:
    unit = session.get(Unit, row.unit_id)
    return {
        "id": row.doc_no, "at": settings.local_iso(session, row.at), "store": lookup.code_of(session, Store, row.store_id),
        "staff": lookup.code_of(session, Staff, row.staff_id), "customer": lookup.code_of(session, Customer, row.customer_id),
        "sku": lookup.code_of(session, Product, row.product_id, "sku"), "codes": lookup.unit_codes(session, row.unit_id),
        "grade": row.grade, "condition": f"used-{row.grade}", "price": format_money(row.price_cents),
        "paid": row.pay_method, "credit": row.pay_method is None,
        "used_on": _doc_of(session, row.sale_id) if row.sale_id else None, "unit_status": unit.status,
    }


def list_tradeins(session: Session, *, open_only: bool = False) -> list[dict]:
    query = select(TradeIn).order_by(TradeIn.id)
    if open_only:
        query = query.where(TradeIn.pay_method.is_(None), TradeIn.sale_id.is_(None))
    return [_dict(session, row) for row in session.execute(query).scalars()]


def stock_at_cost(session: Session, *, statuses=("in_stock", "reserved", "in_transit")) -> int:  # noqa: ANN001
    """What the used units the shop holds now cost it."""
    return int(session.execute(select(func.coalesce(func.sum(Unit.cost_cents), 0))
                               .where(Unit.condition != "new", Unit.status.in_(statuses))).scalar())


# --- db check -------------------------------------------------------------------------------


def invariants(session: Session) -> list[dict]:
    """A credit is used by at most one sale, whose `tradein` payments equal the credits it took."""
    from storectl.models import Sale, SalePayment

    problems = []
    taken = dict(session.execute(select(TradeIn.sale_id, func.sum(TradeIn.price_cents)).where(TradeIn.sale_id.is_not(None))
                                 .group_by(TradeIn.sale_id)).all())
    paid = dict(session.execute(select(SalePayment.sale_id, func.sum(SalePayment.amount_cents)).where(SalePayment.method == METHOD)
                                .group_by(SalePayment.sale_id)).all())
    for sale_id in sorted(set(taken) | set(paid)):
        if int(taken.get(sale_id) or 0) != int(paid.get(sale_id) or 0):
            doc = session.execute(select(Sale.doc_no).where(Sale.id == sale_id)).scalar()
            problems.append({"check": "tradein_credit", "doc": doc, "message": (
                f"trade-in credits taken {format_money(int(taken.get(sale_id) or 0))}, "
                f"payments by tradein {format_money(int(paid.get(sale_id) or 0))}")})
    return problems
