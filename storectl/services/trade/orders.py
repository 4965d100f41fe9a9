"""Pre-orders with deposits (定金 / 尾款, SO-): reserved stock, a deposit held, then a sale or a cancel.

`add` reserves each unit through the stock ledger (Kind.RESERVE: in_stock → reserved, guarded,
so a sale and a reservation racing for one unit give one winner; a reserved unit cannot be sold,
sent or booked lost by a count) and fixes the agreed prices. Quantities (accessories) are promised, not
held: `add` checks the store has them, `complete` takes them like any sale. The deposit is held
money, a liability, not revenue: it is no sale and moves no report until the order completes.

`complete` (guarded open → completed) releases the units (Kind.RELEASE) and sells them in the same
transaction through `till.sales.sell`, at the agreed prices, the deposit counted as the payment
`deposit` and the rest paid by the given methods; `order_payment` records who took each payment
(the deposit by the order's salesperson, the balance by `--staff`). `cancel` (guarded
open → cancelled) releases the units and refunds the deposit, or with `forfeit` keeps it as other
income of the day of the cancel (a cancel after the month of the deposit closed touches nothing
in that month: the deposit was held at its end, and the income or refund belongs to today).
An open order past its `until` day (shop calendar) is overdue: listed and marked, never expired
or forfeited by itself (`order list --overdue` is for the morning's look or a cron).
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlmodel import Session

from storectl import db
from storectl.codes import parse_doc_no
from storectl.errors import StoreError, invalid, not_found
from storectl.models import Customer, OrderLine, OrderPayment, Product, Sale, SaleOrder, SalePayment, Staff, Store, Unit
from storectl.money import format_money
from storectl.periods import parse_date
from storectl.services.shop import closing, lookup, settings
from storectl.services.stock import ledger
from storectl.services.stock.kinds import Kind
from storectl.services.stock.unit_input import level_qty
from storectl.services.till import payments as till_payments
from storectl.services.till import pricing, sales

DEPOSIT = "deposit"  # the payment method a completed order's sale records for its deposit


def parse_doc(text: str) -> str:
    return parse_doc_no(text, "SO", what="an order id", hint="e.g. SO-000001 (storectl order list)")


def _order(session: Session, doc: str) -> SaleOrder:
    doc = parse_doc(doc)
    row = session.execute(select(SaleOrder).where(SaleOrder.doc_no == doc)).scalar_one_or_none()
    if row is None:
        raise not_found(f"no order {doc}", "storectl order list")
    return row


def _reserved_conflict(session: Session, unit_id: int, store: Store) -> StoreError:
    unit = session.get(Unit, unit_id)
    session.refresh(unit)
    if unit.status == "reserved":
        code = lookup.first_code(session, unit_id)
        held = holder(session, unit_id)
        return StoreError("conflict", f"unit {code} is reserved for {held or 'a pre-order'}", f"storectl order show {held}" if held else "storectl order list --open")
    return sales._unit_conflict(session, unit_id, store)


def holder(session: Session, unit_id: int) -> str | None:
    """The open order that holds this unit."""
    return session.execute(
        select(SaleOrder.doc_no).join(OrderLine, OrderLine.order_id == SaleOrder.id)
        .where(OrderLine.unit_id == unit_id, SaleOrder.status == "open")
    ).scalars().first()


def add(
    session: Session,
    *,
    items: list[str],
    customer: str,
    deposit: tuple[str, int],
    store: str,
    staff: str,
    until: str | None = None,
    prices: list[tuple[str, int]] = (),
) -> dict:
    """Reserve `items` for `customer` against a deposit; returns the SO- document."""
    closing.ensure_open(session)
    where = lookup.store(session, store)
    clerk = lookup.staff(session, staff)
    buyer = lookup.customer(session, customer)
    method, cents = till_payments.parse_method(deposit[0]), deposit[1]
    day = parse_date(until) if until else None
    if day is not None and day < settings.today(session):
        raise invalid(f"--until {day.isoformat()} is in the past", "give the last day the goods are held, e.g. --until 2026-12-10")
    if not items:
        raise invalid("nothing to reserve", sales.ITEM_HINT)
    lines = _lines(session, items, prices, buyer, where)
    total = sum(price * qty for _, _, qty, price in lines)
    if cents <= 0 or cents > total:
        raise invalid(f"the deposit {format_money(cents)} must be more than zero and at most the order's {format_money(total)}",
                      f"e.g. --deposit {method}={format_money(min(total, 50000))}")
    order = SaleOrder(doc_no=db.next_doc_no(session, "SO"), at=db.now_of(session), store_id=where.id, staff_id=clerk.id,
                      customer_id=buyer.id, until=day, total_cents=total, deposit_cents=cents, operator=db.operator_of(session))
    session.add(order)
    session.flush()
    units = [(product, unit) for product, unit, _, _ in lines if unit is not None]
    ledger.move(session, Kind.RESERVE, [ledger.Line(p.id, unit_id=u.id, customer_id=buyer.id) for p, u in units],
                doc_no=order.doc_no, from_store_id=where.id, to_store_id=where.id,
                conflict=lambda uid: _reserved_conflict(session, uid, where))
    for number, (product, unit, qty, price) in enumerate(lines, start=1):
        session.add(OrderLine(order_id=order.id, line_no=number, product_id=product.id, unit_id=unit.id if unit else None,
                              qty=qty, price_cents=price))
    session.add(OrderPayment(order_id=order.id, at=order.at, kind="deposit", method=method, amount_cents=cents, staff_id=clerk.id))
    session.flush()
    return show(session, order.doc_no)


def _lines(session: Session, items: list[str], prices: list[tuple[str, int]], buyer: Customer, where: Store) -> list[tuple]:
    """(product, unit, qty, agreed price) per item; a quantity must be on hand now (it is promised, not held)."""
    out: list[tuple] = []
    for text in items:
        item = sales.resolve_item(session, text)
        if item.unit is not None and any(u is not None and u.id == item.unit.id for _, u, _, _ in out):
            raise invalid(f"unit {item.text} is named twice", "each unit once")
        out.append((item.product, item.unit, item.qty, None))
    manual: dict[tuple[str, int], int] = {}
    for text, cents in prices:
        item = sales.resolve_item(session, text, allow_serial_sku=True)
        key = ("unit", item.unit.id) if item.unit is not None else ("sku", item.product.id)
        if not any((u is not None and ("unit", u.id) == key) or (u is None and ("sku", p.id) == key) for p, u, _, _ in out):
            raise invalid(f"--price names {text!r}, which is not in this order", "give the item's code or SKU as typed")
        manual[key] = cents
    priced = []
    for product, unit, qty, _ in out:
        key = ("unit", unit.id) if unit is not None else ("sku", product.id)
        # a flash price agreed now counts its units, as a sale would (two orders never both get unit N)
        price = manual[key] if key in manual else pricing.resolve(session, product, buyer, qty=qty, claim=True)[0]
        if unit is None and level_qty(session, where.id, product.id) < qty:
            raise StoreError("insufficient_stock", f"{where.code} has {level_qty(session, where.id, product.id)} of {product.sku}, {qty} ordered",
                             f"storectl stock levels --store {where.code}")
        priced.append((product, unit, qty, price))
    return priced


def _close(session: Session, order: SaleOrder, status: str, **values) -> None:  # noqa: ANN003
    """open → completed/cancelled, guarded: one of two clerks closing the same order wins."""
    result = session.execute(
        update(SaleOrder).where(SaleOrder.id == order.id, SaleOrder.status == "open")
        .values(status=status, closed_at=db.now_of(session), **values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(order)
        raise StoreError("conflict", f"{order.doc_no} is {order.status}", f"storectl order show {order.doc_no}")
    session.refresh(order)


def _release(session: Session, order: SaleOrder) -> list[OrderLine]:
    lines = list(session.execute(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.line_no)).scalars())
    units = [line for line in lines if line.unit_id is not None]
    ledger.move(session, Kind.RELEASE, [ledger.Line(line.product_id, unit_id=line.unit_id, customer_id=order.customer_id) for line in units],
                doc_no=order.doc_no, from_store_id=order.store_id, to_store_id=order.store_id)
    return lines


def complete(session: Session, *, order: str, payments: list[tuple[str, int]], staff: str | None = None) -> dict:
    """Sell the order: the deposit counts as paid, the rest by `payments`, taken by `staff` (default: the order's)."""
    closing.ensure_open(session)
    row = _order(session, order)
    clerk = lookup.staff(session, staff) if staff else session.get(Staff, row.staff_id)
    _close(session, row, "completed")
    lines = _release(session, row)
    items, prices = [], []
    for line in lines:
        sku = lookup.code_of(session, Product, line.product_id, "sku")
        text = lookup.first_code(session, line.unit_id) if line.unit_id else f"{sku}:{line.qty}"
        items.append(text)
        prices.append((text if line.unit_id else sku, line.price_cents))
    receipt = sales.sell(
        session, store=lookup.code_of(session, Store, row.store_id), staff=clerk.code, items=items,
        customer=lookup.code_of(session, Customer, row.customer_id), prices=prices, payments=payments,
        credits={DEPOSIT: row.deposit_cents},
    )
    sale_id = session.execute(select(Sale.id).where(Sale.doc_no == receipt["id"])).scalar()
    session.execute(update(SaleOrder).where(SaleOrder.id == row.id).values(sale_id=sale_id).execution_options(synchronize_session=False))
    session.refresh(row)
    for pay in session.execute(select(SalePayment).where(SalePayment.sale_id == sale_id, SalePayment.method != DEPOSIT)).scalars():
        session.add(OrderPayment(order_id=row.id, at=db.now_of(session), kind="balance", method=pay.method,
                                 amount_cents=pay.amount_cents, staff_id=clerk.id))
    session.flush()
    result = show(session, row.doc_no)
    result["receipt"] = receipt
    return result


def cancel(session: Session, *, order: str, forfeit: bool = False, refund_method: str | None = None, staff: str | None = None) -> dict:
    """Release the reservation; refund the deposit (by its own method unless `refund_method`), or keep it (`forfeit`)."""
    closing.ensure_open(session)
    row = _order(session, order)
    clerk = lookup.staff(session, staff) if staff else session.get(Staff, row.staff_id)
    deposit = session.execute(select(OrderPayment).where(OrderPayment.order_id == row.id, OrderPayment.kind == "deposit")).scalars().first()
    method = till_payments.parse_method(refund_method) if refund_method else deposit.method
    if forfeit and refund_method:
        raise invalid("--forfeit keeps the deposit; --refund gives it back: not both", "drop one of them")
    _close(session, row, "cancelled", **({"forfeited_cents": row.deposit_cents} if forfeit else {"refunded_cents": row.deposit_cents}))
    _release(session, row)
    session.add(OrderPayment(order_id=row.id, at=db.now_of(session), kind="forfeit" if forfeit else "refund",
                             method=deposit.method if forfeit else method, amount_cents=row.deposit_cents, staff_id=clerk.id))
    session.flush()
    return show(session, row.doc_no)


# --- reading --------------------------------------------------------------------------------


def show(session: Session, doc: str) -> dict:
    row = _order(session, doc)
    lines = session.execute(select(OrderLine).where(OrderLine.order_id == row.id).order_by(OrderLine.line_no)).scalars()
    pays = session.execute(select(OrderPayment).where(OrderPayment.order_id == row.id).order_by(OrderPayment.id)).scalars()
    return {
        **_head(session, row),
        "lines": [{"line": line.line_no, "sku": lookup.code_of(session, Product, line.product_id, "sku"),
                   "unit": lookup.first_code(session, line.unit_id) if line.unit_id else None, "qty": line.qty,
                   "price": format_money(line.price_cents), "amount": format_money(line.price_cents * line.qty)} for line in lines],
        "payments": [{"at": settings.local_iso(session, p.at), "kind": p.kind, "method": p.method, "amount": format_money(p.amount_cents),
                      "staff": lookup.code_of(session, Staff, p.staff_id)} for p in pays],
    }


def _overdue(row: SaleOrder, today) -> bool:  # noqa: ANN001
    """Open past its --until day (shop calendar). Nothing expires by itself: the deposit is the customer's
    money and cancelling or forfeiting is a person's decision; overdue only says someone should decide."""
    return row.status == "open" and row.until is not None and row.until < today


def _head(session: Session, row: SaleOrder, today=None) -> dict:  # noqa: ANN001
    today = settings.today(session) if today is None else today
    sale = session.execute(select(Sale.doc_no).where(Sale.id == row.sale_id)).scalar() if row.sale_id else None
    return {
        "id": row.doc_no, "at": settings.local_iso(session, row.at), "status": row.status,
        "store": lookup.code_of(session, Store, row.store_id), "staff": lookup.code_of(session, Staff, row.staff_id),
        "customer": lookup.code_of(session, Customer, row.customer_id), "until": row.until.isoformat() if row.until else None,
        "total": format_money(row.total_cents), "deposit": format_money(row.deposit_cents),
        "due": format_money(row.total_cents - row.deposit_cents) if row.status == "open" else "0.00",
        "sale": sale, "closed_at": settings.local_iso(session, row.closed_at) if row.closed_at else None,
        "forfeited": format_money(row.forfeited_cents), "refunded": format_money(row.refunded_cents),
        "overdue": _overdue(row, today),
    }


def list_orders(session: Session, *, open_only: bool = False, overdue_only: bool = False) -> list[dict]:
    """Orders oldest first; `overdue_only`: open ones past their --until day (for a cron or the morning's look)."""
    today = settings.today(session)
    query = select(SaleOrder).order_by(SaleOrder.id)
    if open_only or overdue_only:
        query = query.where(SaleOrder.status == "open")
    if overdue_only:
        query = query.where(SaleOrder.until.is_not(None), SaleOrder.until < today)
    return [_head(session, row, today) for row in session.execute(query).scalars()]


# --- the books ------------------------------------------------------------------------------


def deposits_held(session: Session, end=None) -> int:  # noqa: ANN001
    """Deposits of orders taken before `end` and not completed or cancelled by then (now, without `end`)."""
    query = select(func.coalesce(func.sum(SaleOrder.deposit_cents), 0))
    if end is None:
        return int(session.execute(query.where(SaleOrder.status == "open")).scalar())
    return int(session.execute(query.where(SaleOrder.at < end, (SaleOrder.closed_at.is_(None)) | (SaleOrder.closed_at >= end))).scalar())


def forfeited(session: Session, start, end) -> int:  # noqa: ANN001
    """Deposits kept as other income by cancels in [start, end)."""
    return int(session.execute(select(func.coalesce(func.sum(SaleOrder.forfeited_cents), 0))
                               .where(SaleOrder.closed_at >= start, SaleOrder.closed_at < end)).scalar())


def invariants(session: Session) -> list[dict]:
    """Reserved units belong to open orders (and theirs are reserved); deposits held = open orders' deposits."""
    problems = []
    reserved = {uid for (uid,) in session.execute(select(Unit.id).where(Unit.status == "reserved"))}
    held = dict(session.execute(
        select(OrderLine.unit_id, SaleOrder.doc_no).join(SaleOrder, SaleOrder.id == OrderLine.order_id)
        .where(SaleOrder.status == "open", OrderLine.unit_id.is_not(None))).all())
    for uid in sorted(reserved - set(held)):
        code = lookup.first_code(session, uid)
        problems.append({"check": "unit_reserved", "doc": code, "message": f"unit {code} is reserved but no open order holds it"})
    for uid in sorted(set(held) - reserved):
        code = lookup.first_code(session, uid)
        problems.append({"check": "unit_reserved", "doc": held[uid], "message": f"{held[uid]} holds unit {code}, which is not reserved"})
    moved = dict(session.execute(select(OrderPayment.kind, func.sum(OrderPayment.amount_cents)).group_by(OrderPayment.kind)).all())
    applied = int(session.execute(select(func.coalesce(func.sum(SalePayment.amount_cents), 0)).where(SalePayment.method == DEPOSIT)).scalar())
    ledger_held = int(moved.get("deposit") or 0) - int(moved.get("refund") or 0) - int(moved.get("forfeit") or 0) - applied
    if ledger_held != deposits_held(session):
        problems.append({"check": "deposits_held", "doc": None, "message": (
            f"deposits taken less refunded, kept and applied to sales are {format_money(ledger_held)}; "
            f"open orders hold {format_money(deposits_held(session))}")})
    return problems
