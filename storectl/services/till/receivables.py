"""What customers owe: payments (PAY-), statements and the balances list.

A customer's balance moves only three ways: a credit sale adds its `due`, a return of a credit
sale takes off its `credit`, a payment takes off its amount. `customer.balance_cents` caches that
sum and `invariants` proves it. A payment may not exceed what is owed: the shop keeps no
customer deposits, so the balance never goes negative (a customer who pays too much is handed
the difference back at the counter, not kept as a credit).
"""

from __future__ import annotations

from datetime import timezone

from sqlalchemy import func, update
from sqlmodel import Session, select

from storectl import db
from storectl.errors import invalid
from storectl.models import Customer, Payment, Sale, SaleReturn
from storectl.money import cents_of, format_money
from storectl.services.shop import closing
from storectl.services.shop import lookup
from storectl.services.shop import settings
from storectl.services.till.payments import parse_method


def pay(session: Session, *, customer: str, amount_cents: int, method: str = "cash") -> dict:
    """A payment against the customer's balance: `{"id","customer","amount","method","at","balance"}`."""
    closing.ensure_open(session)
    buyer = lookup.customer(session, customer)
    method = parse_method(method)
    if amount_cents <= 0:
        raise invalid("a payment must be more than zero", f"e.g. storectl customer pay {buyer.code} 1000")
    result = session.execute(
        update(Customer)
        .where(Customer.id == buyer.id, Customer.balance_cents >= amount_cents)
        .values(balance_cents=Customer.balance_cents - amount_cents)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(buyer)
        if buyer.balance_cents <= 0:
            raise invalid(f"customer {buyer.code} owes nothing", f"storectl customer statement {buyer.code}")
        raise invalid(
            f"customer {buyer.code} owes {format_money(buyer.balance_cents)}; a payment of {format_money(amount_cents)} is more than that",
            f"storectl customer pay {buyer.code} {format_money(buyer.balance_cents)}",
        )
    row = Payment(
        doc_no=db.next_doc_no(session, "PAY"), customer_id=buyer.id, amount_cents=amount_cents, method=method,
        at=db.now_of(session), operator=db.operator_of(session),
    )
    session.add(row)
    session.flush()
    session.refresh(buyer)
    return {
        "id": row.doc_no,
        "customer": buyer.code,
        "name": buyer.name,
        "amount": format_money(amount_cents),
        "method": method,
        "at": settings.local_iso(session, row.at),
        "balance": format_money(buyer.balance_cents),
    }


def _events(session: Session, customer_ids: list[int] | None = None) -> list[tuple]:
    """(customer_id, at, doc, kind, signed cents, sale doc) for every receivable movement, in order."""
    sales = select(Sale.customer_id, Sale.at, Sale.doc_no, Sale.due_cents).where(Sale.due_cents > 0)
    credits = (
        select(Sale.customer_id, SaleReturn.at, SaleReturn.doc_no, SaleReturn.credit_cents, Sale.doc_no)
        .join(Sale, Sale.id == SaleReturn.sale_id)
        .where(SaleReturn.credit_cents > 0)
    )
    payments = select(Payment.customer_id, Payment.at, Payment.doc_no, Payment.amount_cents)
    if customer_ids is not None:
        sales = sales.where(Sale.customer_id.in_(customer_ids))
        credits = credits.where(Sale.customer_id.in_(customer_ids))
        payments = payments.where(Payment.customer_id.in_(customer_ids))
    out = [(c, at, doc, "sale", cents, doc) for c, at, doc, cents in session.execute(sales)]
    out += [(c, at, doc, "return", -cents, sale) for c, at, doc, cents, sale in session.execute(credits)]
    out += [(c, at, doc, "payment", -cents, None) for c, at, doc, cents in session.execute(payments)]
    rank = {"sale": 0, "return": 1, "payment": 2}  # one command's rows share a time: a sale precedes its return
    out.sort(key=lambda e: (e[1], rank[e[3]], e[2]))
    return out


def statement(session: Session, *, customer: str, period: str | None = None) -> dict:
    """Opening balance, each credit sale / return credit / payment with a running balance, closing."""
    from storectl.periods import parse_period

    buyer = lookup.customer(session, customer)
    tz = settings.shop_tz(session)
    events = _events(session, [buyer.id])
    start = end = None
    label = None
    if period:
        p = parse_period(period)
        start, end = (b.replace(tzinfo=timezone.utc) for b in p.utc_bounds(tz))
        label = p.label
    opening = sum(e[4] for e in events if start is not None and e[1] < start)
    balance = opening
    lines = []
    for _, at, doc, kind, cents, sale in events:
        if (start is not None and at < start) or (end is not None and at >= end):
            continue
        balance += cents
        lines.append({
            "date": at.astimezone(tz).date().isoformat(),
            "at": settings.local_iso(session, at),
            "doc": doc,
            "kind": kind,
            "sale": sale,
            "amount": format_money(cents),
            "balance": format_money(balance),
        })
    return {
        "customer": buyer.code,
        "name": buyer.name,
        "period": label,
        "opening": format_money(opening),
        "lines": lines,
        "closing": format_money(balance),
        "credit_limit": format_money(buyer.credit_limit_cents),
    }


def _oldest_open(events: list[tuple]):  # noqa: ANN202
    """When the oldest credit sale still (partly) unpaid was made, from one customer's events.

    A return credit settles the sale it returns; payments settle the oldest sales first.
    """
    left: dict[str, int] = {}
    when: dict[str, object] = {}
    pool = 0
    for _, at, doc, kind, cents, sale in events:
        if kind == "sale":
            left[doc], when[doc] = cents, at
        elif kind == "return":
            left[sale] = left.get(sale, 0) + cents
        else:
            pool -= cents
    for doc in sorted(when, key=lambda d: (when[d], d)):
        if left[doc] <= 0:
            continue
        if pool >= left[doc]:
            pool -= left[doc]
            continue
        return when[doc]
    return None


def balances(session: Session) -> list[dict]:
    """Who owes what, oldest unpaid debt first (credits settle their own sale, payments the oldest)."""
    owing = session.exec(select(Customer).where(Customer.balance_cents > 0)).all()
    if not owing:
        return []
    tz = settings.shop_tz(session)
    today = settings.today(session)
    by_customer: dict[int, list[tuple]] = {}
    for event in _events(session, [c.id for c in owing]):
        by_customer.setdefault(event[0], []).append(event)
    rows = []
    for c in owing:
        oldest = _oldest_open(by_customer.get(c.id, []))
        oldest = oldest.astimezone(tz).date() if oldest else None
        rows.append({
            "customer": c.code,
            "name": c.name,
            "phone": c.phone,
            "balance": format_money(c.balance_cents),
            "credit_limit": format_money(c.credit_limit_cents),
            "oldest": oldest.isoformat() if oldest else None,
            "days": (today - oldest).days if oldest else None,
        })
    rows.sort(key=lambda r: (r["oldest"] is None, r["oldest"] or "", -cents_of(r["balance"]), r["customer"]))
    return rows


def total_owed_cents(session: Session) -> int:
    """Everything customers owe now (for reports)."""
    return int(session.execute(select(func.coalesce(func.sum(Customer.balance_cents), 0))).scalar() or 0)


def invariants(session: Session) -> list[dict]:
    """Each customer's balance = credit sales' due − return credits − payments."""
    expected: dict[int, int] = {}
    for c, _at, _doc, _kind, cents, _sale in _events(session):
        expected[c] = expected.get(c, 0) + cents
    problems = []
    for c in session.exec(select(Customer).order_by(Customer.code)):
        want = expected.get(c.id, 0)
        if c.balance_cents != want:
            problems.append({
                "check": "customer_balance",
                "doc": c.code,
                "message": f"customer {c.code} balance {format_money(c.balance_cents)} but sales − returns − payments = {format_money(want)}",
            })
    return problems
