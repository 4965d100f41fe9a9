"""Selling at the till: items, prices, payments, points, credit; and the sales ledger's invariants.

A sale is one transaction: every unit is taken by a guarded UPDATE (`status='in_stock'` at this
store, checked by rowcount) and every quantity by a guarded decrement, so two clerks racing for
one phone get one sale and one clean `conflict`. Lines remember their price, rule, cost and
salesperson, so later price or cost changes never rewrite history.

Payments: money payments plus the value of redeemed points must equal the total. Only cash may
be more than what is due; the difference is the change, shown on the receipt, and the sale keeps
the cash actually taken (tendered − change). With `--on-credit` the rest is owed by the customer,
within their credit limit.

Showing and listing sales (the receipt `sale_dict`, `show_sale`, `list_sales`) is `sale_views`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, select

from storectl import db, models
from storectl.codes import clean_code, new_token, normalize_unit_code, split_unit_codes
from storectl.errors import StoreError, invalid, not_found
from storectl.models import (
    Customer,
    Movement,
    Product,
    Sale,
    SaleLine,
    SalePayment,
    Store,
    Unit,
    UnitCode,
)
from storectl.money import format_money, parse_money
from storectl.services.shop import closing
from storectl.services.loyalty import ledger as loyalty
from storectl.services.promo import coupons as coupon_rules
from storectl.services.shop import lookup
from storectl.services.till import pricing
from storectl.services.books import sales_day
from storectl.services.commission import earning as commission
from storectl.services.shop import settings
from storectl.services.till import payments as till_payments
from storectl.services.till import receipts
from storectl.services.trade import tradeins
from storectl.services.till.sale_views import sale_dict
from storectl.services.stock import ledger
from storectl.services.stock.ledger import Kind, Line
from storectl.services.stock.unit_input import MAX_QTY, parse_qty

ITEM_HINT = "an item is a unit code (IMEI or SN) or SKU[:QTY], e.g. 356938035643809 or 00123:2"


# --- parsing the till's input -------------------------------------------------------------


def parse_price_override(text: str) -> tuple[str, int]:
    """'356938035643809=4999' -> ('356938035643809', 499900)."""
    item, sep, amount = (text or "").rpartition("=")
    if not sep or not item.strip():
        raise invalid(f"--price {text!r} is not ITEM=AMOUNT", "e.g. --price 356938035643809=8500 or --price 00123=35")
    return item.strip(), parse_money(amount, what=f"price {text.strip()!r}")


def _qty(text: str, whole: str) -> int:
    """The QTY of 'SKU:QTY', read as stock quantities are (one parser, one MAX_QTY)."""
    try:
        return parse_qty(text)
    except StoreError:
        raise invalid(f"quantity in {whole!r} must be a whole number from 1 to {MAX_QTY:,}", ITEM_HINT) from None


# --- finding what is being sold ------------------------------------------------------------


def find_unit(session: Session, text: str) -> Unit | None:
    """The unit carrying this code (or all of 'IMEI1,IMEI2,SN'), None when no unit has it."""
    raw = (text or "").strip()
    try:
        codes = split_unit_codes(raw) if re.search(r"[,;\t，；]", raw) else [normalize_unit_code(raw)]
    except StoreError:
        return None
    units = {
        row.unit_id
        for row in session.exec(select(UnitCode).where(UnitCode.code.in_(codes)))
    }
    if not units:
        return None
    if len(units) > 1:
        raise invalid(f"the codes in {raw!r} belong to different units", "give one unit's codes, or just one of them")
    return session.get(Unit, units.pop())


@dataclass
class Item:
    product: Product
    unit: Unit | None
    qty: int
    text: str


def resolve_item(session: Session, text: str, *, allow_serial_sku: bool = False) -> Item:
    """A unit code, 'IMEI1,IMEI2,SN', 'SKU' or 'SKU:QTY'."""
    raw = (text or "").strip()
    if not raw:
        raise invalid("an item is empty", ITEM_HINT)
    if ":" in raw:
        sku, _, q = raw.rpartition(":")
        qty = _qty(q, raw)
        product = lookup.product(session, sku)
    else:
        unit = find_unit(session, raw)
        if unit is not None:
            return Item(session.get(Product, unit.product_id), unit, 1, raw)
        product = session.exec(select(Product).where(Product.sku == clean_code(raw, "item"))).first()
        if product is None:
            raise not_found(f"no unit code or SKU {raw!r}", "check the code: storectl sn show CODE, or storectl product list")
        qty = 1
    if product.serial and not allow_serial_sku:
        raise invalid(
            f"{product.sku} is sold unit by unit: scan each unit's code instead of {raw!r}",
            f"storectl stock list --sku {product.sku} --status in_stock",
        )
    return Item(product, None, qty, raw)


@dataclass
class _Line:
    product: Product
    unit: Unit | None
    qty: int
    text: str
    price_cents: int = 0
    rule: str = ""
    cost_cents: int = 0
    discount_cents: int = 0  # this line's share of the sale's coupons

    @property
    def amount_cents(self) -> int:
        return self.price_cents * self.qty - self.discount_cents


def _collect(session: Session, items: list[str]) -> list[_Line]:
    lines: list[_Line] = []
    units: dict[int, str] = {}
    by_product: dict[int, _Line] = {}
    for text in items:
        item = resolve_item(session, text)
        if item.unit is not None:
            if item.unit.id in units:
                raise invalid(f"unit {item.text} is in the sale twice (also as {units[item.unit.id]})", "scan each unit once")
            units[item.unit.id] = item.text
            lines.append(_Line(item.product, item.unit, 1, item.text))
        elif item.product.id in by_product:  # the same accessory twice: one line
            by_product[item.product.id].qty += item.qty
        else:
            line = _Line(item.product, None, item.qty, item.text)
            by_product[item.product.id] = line
            lines.append(line)
    for line in lines:
        if line.qty > MAX_QTY:
            raise invalid(f"{line.product.sku}: {line.qty} is more than {MAX_QTY} in one sale", ITEM_HINT)
    return lines


def _apply_prices(session: Session, lines: list[_Line], overrides: list[tuple[str, int]], buyer: Customer | None) -> None:
    by_unit: dict[int, int] = {}
    by_product: dict[int, int] = {}
    for text, cents in overrides:
        item = resolve_item(session, text, allow_serial_sku=True)
        key, table = (item.unit.id, by_unit) if item.unit is not None else (item.product.id, by_product)
        matched = any((l.unit is not None and l.unit.id == key) if item.unit is not None else l.product.id == key for l in lines)
        if not matched:
            raise invalid(f"--price names {text!r}, which is not in this sale", "give the item's code or SKU as typed in the sale")
        if key in table:
            raise invalid(f"--price names {text!r} twice", "give one price per item")
        table[key] = cents
    for line in lines:
        manual = by_unit.get(line.unit.id) if line.unit is not None else None
        if manual is None:
            manual = by_product.get(line.product.id)
        if manual is not None:
            line.price_cents, line.rule = manual, "manual"
        else:
            line.price_cents, line.rule = pricing.resolve(session, line.product, buyer, qty=line.qty, claim=True)


# --- taking stock ---------------------------------------------------------------------------


def _unit_conflict(session: Session, unit_id: int, store: Store) -> StoreError:
    """Why a unit could not leave `store` for a sale: sold, on the road, elsewhere, or out of stock."""
    unit = session.get(Unit, unit_id)
    session.refresh(unit)
    code = lookup.first_code(session, unit.id)
    hint = f"storectl sn show {code}"
    tz = settings.shop_tz(session)
    if unit.status == "sold":
        sale = session.exec(
            select(Sale).join(SaleLine, SaleLine.sale_id == Sale.id).where(SaleLine.unit_id == unit.id).order_by(Sale.id.desc())
        ).first()
        when = f" on {sale.at.astimezone(tz).date().isoformat()} ({sale.doc_no})" if sale else ""
        return StoreError("conflict", f"unit {code} was sold{when}", hint)
    where = lookup.code_of(session, Store, unit.store_id)
    if unit.status == "in_transit":
        moved = session.exec(
            select(Movement.doc_no).where(Movement.unit_id == unit.id, Movement.kind == "transfer_send").order_by(Movement.id.desc())
        ).first()
        transfer = session.exec(select(models.Transfer).where(models.Transfer.doc_no == moved)).first() if moved else None
        to = f" to {lookup.code_of(session, Store, transfer.to_store_id)}" if transfer else ""
        doc = f" ({moved})" if moved else ""
        return StoreError("conflict", f"unit {code} is in transit from {where}{to}{doc}", hint)
    if unit.status == "in_stock":
        return StoreError(
            "conflict",
            f"unit {code} is in stock at {where}, not at {store.code}",
            f"storectl transfer send --from {where} --to {store.code} {code}",
        )
    return StoreError("conflict", f"unit {code} is {unit.status.replace('_', ' ')} and cannot be sold", hint)


# --- the sale -----------------------------------------------------------------------------


def max_points_for(session: Session, total_cents: int) -> int:
    """The most points whose value does not exceed the total."""
    return ((total_cents + 1) * loyalty.redeem_rate(session) - 1) // 100


def sell(
    session: Session,
    *,
    store: str,
    staff: str,
    items: list[str],
    customer: str | None = None,
    channel: str | None = None,
    prices: list[tuple[str, int]] = (),
    payments: list[tuple[str, int]] = (),
    points: int = 0,
    on_credit: bool = False,
    coupons: list[str] = (),
    tradein: list[str] = (),
    credits: dict[str, int] | None = None,
) -> dict:
    """Sell `items` at `store` by `staff`; returns the receipt (sale_dict).

    `tradein`: TI- credits taken as the payment `tradein`; `credits`: money already held for this
    sale by method (a pre-order's `deposit`)."""
    closing.ensure_open(session)
    shop, clerk, buyer, chan = _parties(session, store=store, staff=staff, customer=customer, channel=channel)
    if not items:
        raise invalid("nothing to sell", ITEM_HINT)
    lines = _collect(session, list(items))
    _apply_prices(session, lines, list(prices), buyer)
    taken = coupon_rules.plan(session, buyer=buyer, lines=lines, codes=list(coupons))  # sets each line's discount
    total = sum(line.amount_cents for line in lines)
    handed = till_payments.tendered(list(payments))
    handed.update(credits or {})
    traded, handed[tradeins.METHOD] = tradeins.credits(session, list(tradein), customer_id=buyer.id if buyer else None)
    if not handed[tradeins.METHOD]:
        del handed[tradeins.METHOD]
    points = points or 0
    points_value = _points_value(session, buyer, points, total)
    settled = till_payments.settle(total, points_value, handed, on_credit=on_credit, has_customer=buyer is not None)

    sale = Sale(
        doc_no=db.next_doc_no(session, "S"), at=db.now_of(session), store_id=shop.id, staff_id=clerk.id,
        customer_id=buyer.id if buyer else None, channel_id=chan.id if chan else None, operator=db.operator_of(session),
        total_cents=total, paid_cents=settled.paid, points_redeemed=points, points_value_cents=points_value, due_cents=settled.due,
        change_cents=settled.change, receipt_token=new_token(),
    )
    session.add(sale)
    session.flush()
    tradeins.use_credits(session, traded, sale_id=sale.id, sale_doc=sale.doc_no)
    _book_lines(session, sale, lines, clerk)
    coupon_rules.redeem(session, sale_id=sale.id, sale_doc=sale.doc_no, plan_=taken)
    for method, cents in settled.payments.items():
        session.add(SalePayment(sale_id=sale.id, method=method, amount_cents=cents))
    session.flush()
    if settled.due > 0:
        _owe(session, buyer, settled.due)
    if buyer is not None:
        _reward(session, sale, buyer)
        from storectl.services.crm.leads import won_by_sale  # the customer's leads (SPEC §13): won by this sale
        won_by_sale(session, sale)
    session.add(sale)
    session.flush()
    commission.earn(session, sale)
    return sale_dict(session, sale, returns=[])  # a new sale has none


def _parties(session: Session, *, store: str, staff: str, customer: str | None, channel: str | None) -> tuple:
    """The store, the (active) salesperson, the customer and the channel of a sale."""
    shop = lookup.store(session, store)
    clerk = lookup.staff(session, staff)
    if not clerk.active:
        raise invalid(f"staff member {clerk.code} is no longer active", "storectl staff list")
    buyer = lookup.customer(session, customer) if customer else None
    chan = lookup.channel(session, channel) if channel else None
    return shop, clerk, buyer, chan


def _points_value(session: Session, buyer: Customer | None, points: int, total: int) -> int:
    """What `points` are worth on this sale; only a member's, within their balance and the total."""
    if points < 0:
        raise invalid("--points cannot be negative", "e.g. --points 3000")
    if not points:
        return 0
    if buyer is None or not buyer.is_member:
        who = f"customer {buyer.code} is not a member" if buyer else "no member given"
        raise invalid(f"points pay only for members: {who}", "give the member: --customer PHONE")
    value = loyalty.points_value_cents(session, points)
    if value > total:
        raise invalid(
            f"{points} points are worth {format_money(value)}, more than the total {format_money(total)}",
            f"at most --points {max_points_for(session, total)}",
        )
    balance = loyalty.balance(session, buyer.id)
    if points > balance:
        raise StoreError("conflict", f"member {buyer.phone or buyer.code} has {balance} points; {points} asked",
                         f"at most --points {min(balance, max_points_for(session, total))}")
    return value


def _book_lines(session: Session, sale: Sale, lines: list[_Line], clerk) -> None:  # noqa: ANN001
    """Take the lines out of stock through the ledger, write them with their costs, count the day."""
    moved = ledger.move(
        session, Kind.SALE,
        [Line(line.product.id, line.qty, unit_id=line.unit.id if line.unit else None, price_cents=line.price_cents,
              customer_id=sale.customer_id) for line in lines],
        doc_no=sale.doc_no, from_store_id=sale.store_id, at=sale.at,
        conflict=lambda unit_id: _unit_conflict(session, unit_id, session.get(Store, sale.store_id)),
    )
    for number, (line, m) in enumerate(zip(lines, moved), start=1):
        line.cost_cents = m.cost_cents
        session.add(SaleLine(
            sale_id=sale.id, line_no=number, product_id=line.product.id, unit_id=line.unit.id if line.unit else None,
            qty=line.qty, price_cents=line.price_cents, amount_cents=line.amount_cents, rule=line.rule,
            cost_cents=line.cost_cents, staff_id=clerk.id, condition=line.unit.condition if line.unit else "new",
        ))
    session.flush()
    sales_day.record_sale(session, at=sale.at, store_id=sale.store_id,
                          lines=[(clerk.id, line.qty, line.amount_cents, line.cost_cents) for line in lines])


def _reward(session: Session, sale: Sale, buyer: Customer) -> None:
    """The customer's side: points paid and earned, lifetime spend, and the level it reaches."""
    if sale.points_redeemed:
        loyalty.post(session, customer_id=buyer.id, kind="redeem", delta=-sale.points_redeemed, doc_no=sale.doc_no)
    sale.points_earned = loyalty.points_earned(session, buyer, sale.paid_cents)
    if sale.points_earned:
        loyalty.post(session, customer_id=buyer.id, kind="earn", delta=sale.points_earned, doc_no=sale.doc_no)
    session.execute(
        update(Customer).where(Customer.id == buyer.id)
        .values(lifetime_spend_cents=Customer.lifetime_spend_cents + sale.total_cents)
        .execution_options(synchronize_session=False)
    )
    session.refresh(buyer)
    loyalty.refresh_level(session, buyer)


def _owe(session: Session, buyer: Customer, due: int) -> None:
    """Add `due` to what the customer owes, within the credit limit (guarded)."""
    result = session.execute(
        update(Customer)
        .where(Customer.id == buyer.id, Customer.balance_cents + due <= Customer.credit_limit_cents)
        .values(balance_cents=Customer.balance_cents + due)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(buyer)
        room = max(0, buyer.credit_limit_cents - buyer.balance_cents)
        raise StoreError(
            "conflict",
            f"customer {buyer.code} owes {format_money(buyer.balance_cents)} of a {format_money(buyer.credit_limit_cents)} "
            f"credit limit; {format_money(due)} more is over the limit (room: {format_money(room)})",
            f"pay more now, or take a payment first: storectl customer pay {buyer.code} AMOUNT",
        )
    session.refresh(buyer)


# --- db check -------------------------------------------------------------------------------


def invariants(session: Session) -> list[dict]:
    """Each sale: payments + points value + due = total, payments add up; returned_qty = return lines."""
    problems: list[dict] = []
    paid = dict(session.execute(select(SalePayment.sale_id, func.sum(SalePayment.amount_cents)).group_by(SalePayment.sale_id)).all())
    for sale in session.exec(select(Sale).order_by(Sale.id)):
        if sale.paid_cents + sale.points_value_cents + sale.due_cents != sale.total_cents:
            problems.append({"check": "sale_amounts", "doc": sale.doc_no, "message": (
                f"paid {format_money(sale.paid_cents)} + points {format_money(sale.points_value_cents)} + due "
                f"{format_money(sale.due_cents)} != total {format_money(sale.total_cents)}")})
        if int(paid.get(sale.id) or 0) != sale.paid_cents:
            problems.append({"check": "sale_payments", "doc": sale.doc_no, "message": (
                f"payments add up to {format_money(int(paid.get(sale.id) or 0))}, the sale says {format_money(sale.paid_cents)}")})
    returned = dict(session.execute(select(models.ReturnLine.sale_line_id, func.sum(models.ReturnLine.qty)).group_by(models.ReturnLine.sale_line_id)).all())
    rows = session.execute(
        select(SaleLine.id, SaleLine.line_no, SaleLine.returned_qty, Sale.doc_no).join(Sale, Sale.id == SaleLine.sale_id)
    ).all()
    for line_id, line_no, returned_qty, doc in rows:
        if int(returned.get(line_id) or 0) != returned_qty:
            problems.append({"check": "returned_qty", "doc": doc, "message": (
                f"line {line_no}: returned_qty {returned_qty} but return lines add up to {int(returned.get(line_id) or 0)}")})
    return problems
