"""The commission lines a sale writes and a return reverses: the till's two hooks.

`earn(session, sale)` runs inside `sales.sell`'s transaction, after its lines are booked: each
line earns one commission line per role that has a rule and an earner (seller: the line's
salesperson; ref1–ref3: the buyer's referral chain; a fourth level earns nothing). Lines are
pending until `commission.hold_days` shop days after the sale (`due_on`), then payable.

`reverse(session, ret)` runs inside `returns.return_sale`'s transaction: for every sale line the
return touches and every commission line that sale line earned, a negative line brings what has
been reversed so far to exactly the returned share, `amount × returned / qty` rounded half up, so
a whole return reverses the whole amount. An unpaid line's reversal is due with it (they net off
in the same payout, or neither is paid); a paid line's is due at once, a clawback that the next
payout nets off. Nothing is capped, nothing is lost.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert
from sqlmodel import Session, select

from storectl.models import CommissionLine, Customer, Product, ReturnLine, Sale, SaleLine, SaleReturn
from storectl.services.commission import partners
from storectl.services.commission.rules import Resolver, earned, half_up
from storectl.services.shop import settings

REF_ROLES = ("ref1", "ref2", "ref3")


def hold_days(session: Session) -> int:
    return settings.int_setting(session, "commission.hold_days")


def earn(session: Session, sale: Sale) -> int:
    """Write the sale's commission lines; returns how many."""
    rules = Resolver(session)
    if not rules:
        return 0
    roles = rules.roles()
    tz = settings.shop_tz(session)
    day = sale.at.astimezone(tz).date()
    due = day + timedelta(days=hold_days(session))
    refs: list = []
    if sale.customer_id is not None and roles & set(REF_ROLES):
        buyer = session.get(Customer, sale.customer_id)
        if buyer is not None:
            refs = partners.chain(session, ("member", buyer.id))
    rows = []
    lines = session.exec(select(SaleLine).where(SaleLine.sale_id == sale.id).order_by(SaleLine.line_no)).all()
    products: dict[int, Product] = {}
    for line in lines:
        product = products.get(line.product_id) or session.get(Product, line.product_id)
        products[line.product_id] = product
        earners = {"seller": ("staff", line.staff_id)}
        for role, node in zip(REF_ROLES, refs):
            earners[role] = node
        for role, (kind, earner_id) in earners.items():
            if role not in roles:
                continue
            rule = rules.best(product, role, day)
            if rule is None:
                continue
            base, amount = earned(rule, qty=line.qty, amount_cents=line.amount_cents, cost_cents=line.cost_cents)
            rows.append({
                "sale_line_id": line.id, "return_line_id": None, "doc_no": sale.doc_no, "earner_kind": kind,
                "earner_id": earner_id, "role": role, "rule_id": rule.id, "qty": line.qty, "base_cents": base,
                "amount_cents": amount, "at": sale.at, "due_on": due, "payout_id": None,
            })
    if rows:
        session.execute(insert(CommissionLine), rows)
    return len(rows)


def reverse(session: Session, ret: SaleReturn) -> int:
    """Write the negative lines for return `ret` (its return lines are flushed); returns how many."""
    returned = session.exec(select(ReturnLine).where(ReturnLine.return_id == ret.id)).all()
    if not returned:
        return 0
    by_line = {r.sale_line_id: r for r in returned}
    earned_lines = session.exec(
        select(CommissionLine).where(CommissionLine.sale_line_id.in_(list(by_line)), CommissionLine.return_line_id.is_(None))
        .order_by(CommissionLine.id)
    ).all()
    if not earned_lines:
        return 0
    today = ret.at.astimezone(settings.shop_tz(session)).date()
    totals = dict(session.execute(
        select(ReturnLine.sale_line_id, func.sum(ReturnLine.qty)).where(ReturnLine.sale_line_id.in_(list(by_line)))
        .group_by(ReturnLine.sale_line_id)
    ).all())
    rows = []
    for line in earned_lines:
        done_amount, done_base, done_qty = _reversed(session, line)
        back = int(totals.get(line.sale_line_id) or 0)
        amount = half_up(line.amount_cents * back, line.qty) - done_amount
        base = half_up(line.base_cents * back, line.qty) - done_base
        qty = back - done_qty
        if qty <= 0:
            continue
        rows.append({
            "sale_line_id": line.sale_line_id, "return_line_id": by_line[line.sale_line_id].id, "doc_no": ret.doc_no,
            "earner_kind": line.earner_kind, "earner_id": line.earner_id, "role": line.role, "rule_id": line.rule_id,
            "qty": -qty, "base_cents": -base, "amount_cents": -amount, "at": ret.at,
            "due_on": line.due_on if line.payout_id is None else today, "payout_id": None,
        })
    if rows:
        session.execute(insert(CommissionLine), rows)
    return len(rows)


def _reversed(session: Session, line: CommissionLine) -> tuple[int, int, int]:
    """(amount, base, qty) already reversed of `line` by earlier returns (as positive figures)."""
    amount, base, qty = session.execute(
        select(func.coalesce(func.sum(CommissionLine.amount_cents), 0), func.coalesce(func.sum(CommissionLine.base_cents), 0),
               func.coalesce(func.sum(CommissionLine.qty), 0))
        .where(CommissionLine.sale_line_id == line.sale_line_id, CommissionLine.return_line_id.is_not(None),
               CommissionLine.role == line.role)
    ).one()
    return -int(amount), -int(base), -int(qty)
