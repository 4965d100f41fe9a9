"""Commission lines shown and paid: list, statement (佣金对账单), payable, pay (CP-), the report, db check.

A line's status is decided by the data alone: `paid` once a payout names it, else `payable` from
its `due_on` shop day, else `pending`. `pay` takes every payable line of one earner, negative
clawbacks included, by one guarded UPDATE (`payout_id IS NULL`), so two tills paying the same
earner at once pay each line once; a total below zero is refused and nothing changes.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import String, and_, case, func, or_, type_coerce, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from storectl import db
from storectl.codes import clean_code
from storectl.errors import StoreError, invalid, not_found
from storectl.models import CommissionLine, CommissionPayout, CommissionRule, Customer, Partner, ReturnLine, Sale, SaleLine, Staff
from storectl.money import format_money
from storectl.periods import Period, parse_period, stored_day
from storectl.services.commission import partners
from storectl.services.commission.rules import earned, half_up
from storectl.services.shop import closing, settings
from storectl.services.shop.auth import require_manager

STATUSES = ("pending", "payable", "paid")
METHODS = ("cash", "card", "wechat", "alipay", "transfer")

Earner = tuple[str, int]


# --- earners --------------------------------------------------------------------------------------


def find_earner(session: Session, text: str) -> Earner:
    """A staff code, a partner code, or a member's phone (or customer code)."""
    code = clean_code(text, "earner")
    staff = session.exec(select(Staff.id).where(Staff.code == code)).first()
    if staff is not None:
        return ("staff", staff)
    try:
        return partners.find_referrer(session, code)
    except StoreError:
        raise not_found(f"no staff member, partner or member {code!r}",
                        "an earner is a staff code, a partner code or a member's phone") from None


def earner_label(session: Session, earner: Earner) -> str:
    kind, row_id = earner
    if kind == "staff":
        return session.get(Staff, row_id).code
    return partners.label(session, earner) or "?"


def earner_name(session: Session, earner: Earner) -> str:
    kind, row_id = earner
    row = session.get({"staff": Staff, "member": Customer, "partner": Partner}[kind], row_id)
    return row.name if row is not None else ""


class _Labels:
    """Earner codes and names, looked up once each."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[Earner, tuple[str, str]] = {}

    def __call__(self, earner: Earner) -> tuple[str, str]:
        if earner not in self.cache:
            self.cache[earner] = (earner_label(self.session, earner), earner_name(self.session, earner))
        return self.cache[earner]


def status_of(line_payout: int | None, due_on: date, today: date) -> str:
    if line_payout is not None:
        return "paid"
    return "payable" if due_on <= today else "pending"


def _status_case(today: date):  # noqa: ANN202
    """status_of in SQL: paid, payable or pending."""
    return case((CommissionLine.payout_id.is_not(None), "paid"), (CommissionLine.due_on <= today, "payable"), else_="pending")


def _status_filter(query, status: str, today: date):  # noqa: ANN001, ANN202
    if status == "paid":
        return query.where(CommissionLine.payout_id.is_not(None))
    query = query.where(CommissionLine.payout_id.is_(None))
    return query.where(CommissionLine.due_on <= today) if status == "payable" else query.where(CommissionLine.due_on > today)


# --- list -----------------------------------------------------------------------------------------


def list_lines(session: Session, *, sale: str | None = None, earner: str | None = None, status: str | None = None) -> list[dict]:
    """`{"sale", "line", "earner", "role", "base", "amount", "rule", "status", "doc", "date", "due", "payout"}`."""
    today = settings.today(session)
    tz = settings.shop_tz(session)
    query = (
        select(CommissionLine, SaleLine.line_no, Sale.doc_no)
        .join(SaleLine, SaleLine.id == CommissionLine.sale_line_id).join(Sale, Sale.id == SaleLine.sale_id)
        .order_by(CommissionLine.id)
    )
    if sale is not None:
        doc = clean_code(sale, "sale").upper()
        if session.exec(select(Sale.id).where(Sale.doc_no == doc)).first() is None:
            raise not_found(f"no sale {doc!r}", "storectl sale list")
        query = query.where(Sale.doc_no == doc)
    if earner is not None:
        kind, row_id = find_earner(session, earner)
        query = query.where(CommissionLine.earner_kind == kind, CommissionLine.earner_id == row_id)
    if status is not None:
        status = status.strip().lower()
        if status not in STATUSES:
            raise invalid(f"--status {status!r} is not pending, payable or paid", "e.g. --status payable")
        query = _status_filter(query, status, today)
    labels = _Labels(session)
    payouts = dict(session.execute(select(CommissionPayout.id, CommissionPayout.doc_no)).all())
    out = []
    for line, line_no, sale_doc in session.execute(query).all():
        code, name = labels((line.earner_kind, line.earner_id))
        out.append({
            "sale": sale_doc, "line": line_no, "doc": line.doc_no, "date": line.at.astimezone(tz).date().isoformat(),
            "earner": code, "earner_kind": line.earner_kind, "name": name, "role": line.role,
            "qty": line.qty, "base": format_money(line.base_cents), "amount": format_money(line.amount_cents),
            "rule": line.rule_id, "status": status_of(line.payout_id, line.due_on, today), "due": line.due_on.isoformat(),
            "payout": payouts.get(line.payout_id),
        })
    return out


# --- statement ------------------------------------------------------------------------------------


def statement(session: Session, *, earner: str, period: str | None = None) -> dict:
    """佣金对账单: opening balance owed, the period's lines, what was paid, the closing balance owed."""
    who = find_earner(session, earner)
    kind, row_id = who
    tz = settings.shop_tz(session)
    today = settings.today(session)
    mine = (CommissionLine.earner_kind == kind, CommissionLine.earner_id == row_id)
    mine_paid = (CommissionPayout.earner_kind == kind, CommissionPayout.earner_id == row_id)
    opening = 0
    # `at` read as stored and turned into the shop day here: a month of 100,000 lines in well under a second
    lines_q = select(type_coerce(CommissionLine.at, String), CommissionLine.doc_no, CommissionLine.role,
                     CommissionLine.amount_cents, _status_case(today)).where(*mine)
    paid_q = select(func.coalesce(func.sum(CommissionPayout.amount_cents), 0)).where(*mine_paid)
    label = None
    if period:
        p = parse_period(period)
        label = p.label
        start, end = p.utc_bounds(tz)
        before_lines = session.execute(select(func.coalesce(func.sum(CommissionLine.amount_cents), 0))
                                       .where(*mine, CommissionLine.at < start)).scalar()
        before_paid = session.execute(paid_q.where(CommissionPayout.at < start)).scalar()
        opening = int(before_lines) - int(before_paid)
        lines_q = lines_q.where(CommissionLine.at >= start, CommissionLine.at < end)
        paid_q = paid_q.where(CommissionPayout.at >= start, CommissionPayout.at < end)
    # Core rows (not the ORM's): a month of 100,000 lines
    rows = session.connection().execute(lines_q.order_by(CommissionLine.at, CommissionLine.id)).all()
    paid = int(session.execute(paid_q).scalar())
    day, amounts = stored_day(tz), {}

    def money(cents: int) -> str:  # a month repeats its amounts: each formatted once
        text = amounts.get(cents)
        if text is None:
            text = amounts[cents] = format_money(cents)
        return text

    lines = [{"date": day(at), "doc": doc, "role": role, "amount": money(amount), "status": status}
             for at, doc, role, amount, status in rows]
    earned_total = sum(r[3] for r in rows)
    return {
        "earner": earner_label(session, who), "kind": kind, "name": earner_name(session, who), "period": label,
        "opening": format_money(opening), "lines": lines, "earned": format_money(earned_total),
        "paid": format_money(paid), "closing": format_money(opening + earned_total - paid),
    }


# --- payable and pay ------------------------------------------------------------------------------


def payable(session: Session) -> list[dict]:
    """Who is owed what today: per earner, the payable total (net of clawbacks) and what is still pending."""
    today = settings.today(session)
    rows = session.execute(
        select(CommissionLine.earner_kind, CommissionLine.earner_id,
               func.sum(case((CommissionLine.due_on <= today, CommissionLine.amount_cents), else_=0)),
               func.sum(case((CommissionLine.due_on > today, CommissionLine.amount_cents), else_=0)),
               func.sum(case((CommissionLine.due_on <= today, 1), else_=0)))
        .where(CommissionLine.payout_id.is_(None))
        .group_by(CommissionLine.earner_kind, CommissionLine.earner_id)
    ).all()
    labels = _Labels(session)
    out = []
    for kind, row_id, due, pending, count in rows:
        code, name = labels((kind, row_id))
        out.append({"earner": code, "kind": kind, "name": name, "payable": format_money(int(due)),
                    "lines": int(count), "pending": format_money(int(pending))})
    return sorted(out, key=lambda r: (r["kind"], r["earner"]))


def pay(session: Session, *, earner: str, method: str | None = None) -> dict:
    """Pay every payable line of `earner` (clawbacks netted) as one CP- payout; manager-only."""
    require_manager(session, "pay commission")
    closing.ensure_open(session)
    method = (method or "cash").strip().lower()
    if method not in METHODS:
        raise invalid(f"unknown payment method {method!r}", f"one of: {', '.join(METHODS)}")
    kind, row_id = who = find_earner(session, earner)
    label = earner_label(session, who)
    today = settings.today(session)
    payout = CommissionPayout(doc_no=db.next_doc_no(session, "CP"), earner_kind=kind, earner_id=row_id, amount_cents=0,
                              method=method, at=db.now_of(session), operator=db.operator_of(session))
    session.add(payout)
    session.flush()
    # guarded: only lines no payout has taken; a racing payout of the same earner takes none of these
    taken = session.execute(
        update(CommissionLine)
        .where(CommissionLine.earner_kind == kind, CommissionLine.earner_id == row_id,
               CommissionLine.payout_id.is_(None), CommissionLine.due_on <= today)
        .values(payout_id=payout.id).execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        pending = session.execute(select(func.count()).where(
            CommissionLine.earner_kind == kind, CommissionLine.earner_id == row_id, CommissionLine.payout_id.is_(None))).scalar()
        more = f"; {pending} line(s) still pending" if pending else ""
        raise StoreError("conflict", f"{label} has no payable commission{more}", f"storectl commission statement {label}")
    total = int(session.execute(select(func.sum(CommissionLine.amount_cents)).where(CommissionLine.payout_id == payout.id)).scalar())
    if total < 0:
        raise StoreError("conflict", f"{label}'s payable commission nets to {format_money(total)}: below zero, nothing paid",
                         "the clawbacks are netted by later commission: pay when the total is positive")
    payout.amount_cents, payout.lines = total, taken
    session.add(payout)
    session.flush()
    return payout_dict(session, payout)


def payout_dict(session: Session, payout: CommissionPayout) -> dict:
    who = (payout.earner_kind, payout.earner_id)
    return {
        "id": payout.doc_no, "earner": earner_label(session, who), "kind": payout.earner_kind, "name": earner_name(session, who),
        "amount": format_money(payout.amount_cents), "lines": payout.lines, "method": payout.method,
        "at": settings.local_iso(session, payout.at),
    }


# --- the report -----------------------------------------------------------------------------------


def by_earner(session: Session, period: Period) -> list[dict]:
    """`report commission`: per earner and role, the lines and amount dated in the period (returns subtract)."""
    start, end = period.utc_bounds(settings.shop_tz(session))
    rows = session.execute(
        select(CommissionLine.earner_kind, CommissionLine.earner_id, CommissionLine.role,
               func.count(), func.sum(CommissionLine.base_cents), func.sum(CommissionLine.amount_cents))
        .where(CommissionLine.at >= start, CommissionLine.at < end)
        .group_by(CommissionLine.earner_kind, CommissionLine.earner_id, CommissionLine.role)
    ).all()
    labels = _Labels(session)
    out = []
    for kind, row_id, role, count, base, amount in rows:
        code, name = labels((kind, row_id))
        out.append({"earner": code, "kind": kind, "name": name, "role": role, "lines": int(count),
                    "base": format_money(int(base)), "amount": format_money(int(amount)), "amount_cents": int(amount)})
    out.sort(key=lambda r: (r["kind"], r["earner"], r["role"]))
    return out


def total_in(session: Session, period: Period) -> int:
    """Commission expense of the period in cents (lines dated in it, returns subtracting)."""
    start, end = period.utc_bounds(settings.shop_tz(session))
    return int(session.execute(select(func.coalesce(func.sum(CommissionLine.amount_cents), 0))
                               .where(CommissionLine.at >= start, CommissionLine.at < end)).scalar())


# --- db check -------------------------------------------------------------------------------------


def invariants(session: Session) -> list[dict]:
    """Every line traces to a sale line (its rule's amount) or a return line (the exact returned share);
    every payout equals its lines. Read as rows in batches, the returns summed by the database: a
    shop of a million commission lines is checked without holding them."""
    problems: list[dict] = []
    back = aliased(ReturnLine)
    for line_id, doc in session.execute(
        select(CommissionLine.id, CommissionLine.doc_no).outerjoin(back, back.id == CommissionLine.return_line_id)
        .where(CommissionLine.return_line_id.is_not(None),
               or_(back.id.is_(None), back.sale_line_id != CommissionLine.sale_line_id))
        .order_by(CommissionLine.id)
    ).all():
        problems.append({"check": "commission_trace", "doc": doc,
                         "message": f"commission line {line_id} does not trace to a return line of its sale line"})
    reversed_ = (
        select(CommissionLine.sale_line_id, CommissionLine.role, func.sum(CommissionLine.amount_cents).label("amount"),
               func.sum(CommissionLine.qty).label("qty"))
        .where(CommissionLine.return_line_id.is_not(None))
        .group_by(CommissionLine.sale_line_id, CommissionLine.role).subquery()
    )
    rules = {r.id: r for r in session.exec(select(CommissionRule)).all()}
    earned_lines = (
        select(CommissionLine.id, CommissionLine.doc_no, CommissionLine.role, CommissionLine.rule_id, CommissionLine.qty,
               CommissionLine.base_cents, CommissionLine.amount_cents, SaleLine.id.label("line"), SaleLine.qty.label("line_qty"),
               SaleLine.amount_cents.label("line_amount"), SaleLine.cost_cents.label("line_cost"), SaleLine.returned_qty,
               func.coalesce(reversed_.c.amount, 0).label("back_amount"), func.coalesce(reversed_.c.qty, 0).label("back_qty"))
        .outerjoin(SaleLine, SaleLine.id == CommissionLine.sale_line_id)
        .outerjoin(reversed_, and_(reversed_.c.sale_line_id == CommissionLine.sale_line_id, reversed_.c.role == CommissionLine.role))
        .where(CommissionLine.return_line_id.is_(None))
        .order_by(CommissionLine.id)
    )
    for c in session.execute(earned_lines.execution_options(yield_per=5000)):
        problems += _earned_problems(c, rules.get(c.rule_id))
    sums = dict((pid, (int(total), int(count))) for pid, total, count in session.execute(
        select(CommissionLine.payout_id, func.sum(CommissionLine.amount_cents), func.count())
        .where(CommissionLine.payout_id.is_not(None)).group_by(CommissionLine.payout_id)).all())
    for p in session.exec(select(CommissionPayout).order_by(CommissionPayout.id)).all():
        total, count = sums.get(p.id, (0, 0))
        if (total, count) != (p.amount_cents, p.lines):
            problems.append({"check": "commission_payout", "doc": p.doc_no, "message": (
                f"pays {format_money(p.amount_cents)} for {p.lines} line(s); its lines add up to {format_money(total)} in {count}")})
    return problems


def _earned_problems(c, rule: CommissionRule | None) -> list[dict]:  # noqa: ANN001
    """A sale line's commission line against its rule, and the return lines against the returned share."""
    if c.line is None or rule is None:
        return [{"check": "commission_trace", "doc": c.doc_no, "message": f"commission line {c.id} has no sale line or rule"}]
    problems = []
    base, amount = earned(rule, qty=c.line_qty, amount_cents=c.line_amount, cost_cents=c.line_cost)
    if (c.qty, c.base_cents, c.amount_cents) != (c.line_qty, base, amount):
        problems.append({"check": "commission_trace", "doc": c.doc_no, "message": (
            f"commission line {c.id} ({c.role}) says {format_money(c.amount_cents)} on {c.qty}; "
            f"its rule {c.rule_id} gives {format_money(amount)} on {c.line_qty}")})
    want = half_up(c.amount_cents * c.returned_qty, c.line_qty)
    back_amount, back_qty = int(c.back_amount), int(c.back_qty)
    if (-back_amount, -back_qty) != (want, c.returned_qty):
        problems.append({"check": "commission_returns", "doc": c.doc_no, "message": (
            f"commission line {c.id} ({c.role}): {c.returned_qty} of {c.line_qty} returned should reverse "
            f"{format_money(want)}; reversed {format_money(-back_amount)} on {-back_qty}")})
    return problems
