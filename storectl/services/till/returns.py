"""Returns (RT-): all or some lines of a sale come back; stock, money, credit and points reverse.

Each sale line's `returned_qty` moves by a guarded UPDATE (`returned_qty + n <= qty`), so a line
cannot be returned twice, also by two clerks at once. Amounts and costs are split exactly: a
line's amount is qty × price; the last part returned of a quantity line takes what is left of
its cost, so the parts add up to the line. Points and the points-paid value are pro rata by
amount, computed on the running total of what has been returned, so partial returns add up to a
whole one.

Money: the part of the returned value that was paid with points comes back as points; of the
rest, a credit sale first reduces what the customer still owes on it (never more than they owe
now), and only the remainder is refunded, by `--refund METHOD` (default: the sale's first payment
method, or cash). Points: the points the lines were paid with are given back first, then the
points they earned are taken back, never below zero; what cannot be taken back is reported.
"""

from __future__ import annotations

from sqlalchemy import case, func, update
from sqlmodel import Session, select

from storectl import db, models
from storectl.errors import StoreError, invalid, not_found
from storectl.models import Customer, Product, ReturnLine, Sale, SaleLine, SalePayment, SaleReturn, Store
from storectl.money import format_money
from storectl.services.shop import closing
from storectl.services.loyalty import ledger as loyalty
from storectl.services.promo import coupons as coupon_rules
from storectl.services.shop import lookup
from storectl.services.till import payments
from storectl.services.till import sale_views
from storectl.services.till import sales
from storectl.services.trade import tradeins
from storectl.services.books import sales_day
from storectl.services.commission import earning as commission
from storectl.services.shop import settings
from storectl.services.stock import ledger
from storectl.services.stock.ledger import Kind, Line


def _wanted(session: Session, sale: Sale, lines: list[SaleLine], items: list[str]) -> list[tuple[SaleLine, int]]:
    """(line, qty) to return: everything left, or what the items name."""
    doc = sale.doc_no
    if not items:
        wanted = [(line, line.qty - line.returned_qty) for line in lines if line.qty > line.returned_qty]
        if not wanted:
            rts = session.exec(select(SaleReturn.doc_no).where(SaleReturn.sale_id == sale.id).order_by(SaleReturn.id)).all()
            raise StoreError("conflict", f"{doc} has been returned in full ({', '.join(rts)})", f"storectl sale show {doc}")
        return wanted
    asked: dict[int, int] = {}
    by_id = {line.id: line for line in lines}
    for text in items:
        item = sales.resolve_item(session, text)
        if item.unit is not None:
            line = next((l for l in lines if l.unit_id == item.unit.id), None)
            if line is None:
                raise not_found(f"unit {item.text} is not on {doc}", f"storectl sale show {doc}")
            if line.id in asked:
                raise invalid(f"unit {item.text} is named twice", "scan each unit once")
            if line.returned_qty >= line.qty:
                rt = session.exec(
                    select(SaleReturn.doc_no).join(ReturnLine, ReturnLine.return_id == SaleReturn.id)
                    .where(ReturnLine.sale_line_id == line.id)
                ).first()
                raise StoreError("conflict", f"unit {item.text} of {doc} was already returned ({rt})", f"storectl sn show {item.text}")
            asked[line.id] = 1
        else:
            line = next((l for l in lines if l.unit_id is None and l.product_id == item.product.id), None)
            if line is None:
                raise not_found(f"{item.product.sku} is not on {doc}", f"storectl sale show {doc}")
            asked[line.id] = asked.get(line.id, 0) + item.qty
            left = line.qty - line.returned_qty
            if asked[line.id] > left:
                raise StoreError(
                    "conflict",
                    f"only {left} of {item.product.sku} on {doc} can still be returned; {asked[line.id]} asked",
                    f"storectl sale show {doc}",
                )
    return [(by_id[line_id], qty) for line_id, qty in asked.items()]


def _not_sold(session: Session, unit_id: int) -> StoreError:
    code = lookup.first_code(session, unit_id)
    return StoreError("conflict", f"unit {code} is not recorded as sold, so it cannot come back", f"storectl sn show {code}")


def _return_line(session: Session, *, sale: Sale, ret: SaleReturn, line: SaleLine, qty: int) -> ReturnLine:
    before = line.returned_qty
    if line.unit_id is not None and (ti := tradeins.returned_since(session, line.unit_id, sale.doc_no)):
        raise StoreError("conflict", f"unit {lookup.first_code(session, line.unit_id)} came back as trade-in {ti} after {sale.doc_no}; "
                         "it cannot be returned on that sale", f"storectl tradeins show {ti}")
    result = session.execute(
        update(SaleLine)
        .where(SaleLine.id == line.id, SaleLine.returned_qty + qty <= SaleLine.qty)
        .values(returned_qty=SaleLine.returned_qty + qty)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StoreError("conflict", f"line {line.line_no} of {sale.doc_no} was returned meanwhile", f"storectl sale show {sale.doc_no}")
    # what was paid for the line (net of its coupons), pro rata on the running quantity
    amount = line.amount_cents * (before + qty) // line.qty - line.amount_cents * before // line.qty
    if before + qty == line.qty:  # the last part takes what is left, so the parts add up
        earlier = session.execute(
            select(func.coalesce(func.sum(ReturnLine.cost_cents), 0)).where(ReturnLine.sale_line_id == line.id)
        ).scalar()
        cost = line.cost_cents - int(earlier)
    else:
        cost = line.cost_cents * qty // line.qty
    ledger.move(session, Kind.RETURN, [Line(line.product_id, qty, unit_id=line.unit_id, cost_cents=cost, price_cents=line.price_cents,
                                            customer_id=sale.customer_id)],
                doc_no=ret.doc_no, to_store_id=sale.store_id, at=ret.at, conflict=lambda unit_id: _not_sold(session, unit_id))
    row = ReturnLine(return_id=ret.id, sale_line_id=line.id, unit_id=line.unit_id, qty=qty, amount_cents=amount, cost_cents=cost)
    session.add(row)
    return row


def return_sale(session: Session, *, sale: str, items: list[str] = (), refund_method: str | None = None) -> dict:
    """Return the whole sale (no items) or the named units / SKU[:QTY]; returns the RT- document."""
    closing.ensure_open(session)
    original = sale_views.sale_by_doc(session, sale)
    now = db.now_of(session)
    if now < original.at:
        sold = settings.local_iso(session, original.at)
        raise invalid(f"{original.doc_no} was sold at {sold}; a return cannot be dated before its sale",
                      "check the clock (STORECTL_NOW) and try again")
    lines = session.exec(select(SaleLine).where(SaleLine.sale_id == original.id).order_by(SaleLine.line_no)).all()
    if any(line.rule == "service" for line in lines):  # a paid repair (services/aftersales): its parts are in the phone
        raise StoreError("conflict", f"{original.doc_no} is a paid repair (its parts are in the customer's phone); it cannot be returned",
                         f"storectl sale show {original.doc_no}")
    wanted = _wanted(session, original, list(lines), list(items))
    _not_on_a_ticket(session, [line.unit_id for line, _ in wanted if line.unit_id])
    if refund_method is not None:
        refund_method = payments.parse_method(refund_method)
    earlier = session.exec(select(SaleReturn).where(SaleReturn.sale_id == original.id)).all()

    ret = SaleReturn(doc_no=db.next_doc_no(session, "RT"), sale_id=original.id, at=now, operator=db.operator_of(session))
    session.add(ret)
    session.flush()
    returned = [(line, _return_line(session, sale=original, ret=ret, line=line, qty=qty)) for line, qty in wanted]
    amount = sum(r.amount_cents for _, r in returned)
    sales_day.record_return(session, at=ret.at, store_id=original.store_id,
                            lines=[(line.staff_id, r.qty, r.amount_cents, r.cost_cents) for line, r in returned])

    # pro rata on the running total, so partial returns add up to the whole sale
    total = original.total_cents
    done = sum(r.amount_cents for r in earlier) + amount
    points_value = restore = reverse = 0
    if total > 0:
        points_value = original.points_value_cents * done // total - sum(r.amount_cents - r.credit_cents - r.refund_cents for r in earlier)
        restore = original.points_redeemed * done // total - sum(r.points_restored for r in earlier)
        reverse = original.points_earned * done // total - sum(r.points_reversed + r.points_unrecovered for r in earlier)
    money_back = amount - points_value

    credit = 0
    buyer = session.get(Customer, original.customer_id) if original.customer_id else None
    if buyer is not None:
        session.refresh(buyer)
        still_owed_on_sale = original.due_cents - sum(r.credit_cents for r in earlier)
        credit = max(0, min(money_back, still_owed_on_sale, buyer.balance_cents))
        if credit:
            result = session.execute(
                update(Customer).where(Customer.id == buyer.id, Customer.balance_cents >= credit)
                .values(balance_cents=Customer.balance_cents - credit).execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                raise StoreError("conflict", f"customer {buyer.code}'s balance changed meanwhile", "try again")
    refund = money_back - credit
    if refund > 0 and refund_method is None:
        paid_by = session.exec(select(SalePayment.method).where(SalePayment.sale_id == original.id).order_by(SalePayment.id)).all()
        # the first method money came in by (a trade-in credit or a deposit is no way to pay money back)
        refund_method = next((m for m in paid_by if m in payments.METHODS), "cash")

    reversed_, unrecovered = _undo_loyalty(session, buyer, ret, restore=restore, reverse=reverse, amount=amount) if buyer else (0, 0)

    now_back = {line.id: qty for line, qty in wanted}
    if all(line.returned_qty + now_back.get(line.id, 0) >= line.qty for line in lines):
        coupon_rules.give_back(session, sale_id=original.id)  # returned in full: unexpired coupons come back
    ret.amount_cents, ret.credit_cents, ret.refund_cents = amount, credit, refund
    ret.refund_method = (refund_method or "cash") if refund > 0 else ""
    ret.points_restored, ret.points_reversed, ret.points_unrecovered = restore, reversed_, unrecovered
    session.add(ret)
    session.flush()
    commission.reverse(session, ret)
    return return_dict(session, ret)


def _not_on_a_ticket(session: Session, unit_ids: list[int]) -> None:
    """A unit the shop holds on an open service ticket is not returned from under it (close the
    ticket first: the unit would be in stock and on a repair bench at once)."""
    if not unit_ids:
        return
    ticket = models.ServiceTicket
    open_one = session.exec(select(ticket.doc_no).where(ticket.unit_id.in_(unit_ids), ticket.status != "closed")).first()
    if open_one is not None:
        raise StoreError("conflict", f"a unit of this sale is on open service ticket {open_one}; it cannot be returned now",
                         f"finish the repair first: storectl service close {open_one}")


def _undo_loyalty(session: Session, buyer: Customer, ret: SaleReturn, *, restore: int, reverse: int, amount: int) -> tuple[int, int]:
    """Points paid with come back, points earned go (as far as the balance allows), lifetime spend
    shrinks and the level follows; returns (points reversed, points that could not be taken back)."""
    reversed_ = unrecovered = 0
    if restore:
        loyalty.post(session, customer_id=buyer.id, kind="return_restore", delta=restore, doc_no=ret.doc_no)
    if reverse:
        reversed_ = min(reverse, loyalty.balance(session, buyer.id))
        unrecovered = reverse - reversed_
        if reversed_:
            loyalty.post(session, customer_id=buyer.id, kind="return_reverse", delta=-reversed_, doc_no=ret.doc_no,
                         reason=f"{unrecovered} could not be taken back" if unrecovered else "")
    session.execute(
        update(Customer).where(Customer.id == buyer.id)
        .values(lifetime_spend_cents=case((Customer.lifetime_spend_cents > amount, Customer.lifetime_spend_cents - amount), else_=0))
        .execution_options(synchronize_session=False)
    )
    session.refresh(buyer)
    loyalty.refresh_level(session, buyer)
    return reversed_, unrecovered


def return_dict(session: Session, ret: SaleReturn) -> dict:
    sale = session.get(Sale, ret.sale_id)
    buyer = session.get(Customer, sale.customer_id) if sale.customer_id else None
    rows = session.exec(select(ReturnLine).where(ReturnLine.return_id == ret.id).order_by(ReturnLine.id)).all()
    lines = []
    for row in rows:
        line = session.get(SaleLine, row.sale_line_id)
        product = session.get(Product, line.product_id)
        lines.append({
            "sku": product.sku,
            "name": product.name,
            "unit": lookup.first_code(session, row.unit_id) if row.unit_id else None,
            "qty": row.qty,
            "price": format_money(line.price_cents),
            "amount": format_money(row.amount_cents),
            "cost": format_money(row.cost_cents),
        })
    return {
        "id": ret.doc_no,
        "sale": sale.doc_no,
        "at": settings.local_iso(session, ret.at),
        "store": lookup.code_of(session, Store, sale.store_id),
        "customer": buyer.code if buyer else None,
        "lines": lines,
        "amount": format_money(ret.amount_cents),
        "credit": format_money(ret.credit_cents),
        "refund": format_money(ret.refund_cents),
        "refund_method": ret.refund_method or None,
        "points_restored": ret.points_restored,
        "points_reversed": ret.points_reversed,
        "points_unrecovered": ret.points_unrecovered,
        "points_balance": buyer.points if buyer is not None and buyer.is_member else None,
    }
