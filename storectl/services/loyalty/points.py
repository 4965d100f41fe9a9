"""The members' points ledger: history, manual adjustment, expiry, and its invariants for `db check`.

Points move only through loyalty.post. Expiry treats every positive ledger row as a lot and every
negative row as consuming the oldest lots first (FIFO); a lot that still has points left when the
shop date reaches the first day of the (N+1)th month after the month it was earned expires then.
Because the expiry rows themselves consume the oldest lots, running expiry twice expires nothing
the second time.
"""

from __future__ import annotations

import bisect
import re
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from storectl import db
from storectl.errors import StoreError, invalid
from storectl.models import Checkin, CheckinPayout, Customer, PointsEntry
from storectl.periods import local_date
from storectl.services.shop import auth
from storectl.services.shop import closing
from storectl.services.shop import lookup
from storectl.services.loyalty import ledger as loyalty
from storectl.services.shop import settings

MAX_ADJUST = 100_000_000
_DELTA = re.compile(r"([+-]?)([0-9]{1,12})")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")


# --- history --------------------------------------------------------------------------------


def history(session: Session, *, phone: str) -> dict:
    """Every ledger row of a member with the running balance after it, oldest first."""
    member = lookup.member(session, phone)
    rows = session.exec(
        select(PointsEntry).where(PointsEntry.customer_id == member.id).order_by(PointsEntry.id)
    ).all()
    running = 0
    lines = []
    for r in rows:
        running += r.delta
        lines.append(
            {
                "at": settings.local_iso(session, r.at),
                "kind": r.kind,
                "delta": r.delta,
                "balance": running,
                "doc": r.doc_no or None,
                "reason": r.reason,
                "operator": r.operator,
            }
        )
    return {"member": member.code, "phone": member.phone, "name": member.name, "balance": member.points, "lines": lines}


# --- manual adjustment ----------------------------------------------------------------------


def parse_delta(text: str | int) -> int:
    """'+50', '-20', '50' -> int; zero, decimals and words are refused."""
    hint = "a whole number of points, e.g. 50 or -20"
    if isinstance(text, int):
        value = text
    else:
        raw = (text or "").strip().translate(_FULL_WIDTH)
        m = _DELTA.fullmatch(raw)
        if m is None:
            raise invalid(f"{text!r} is not a whole number of points", hint)
        value = int(m[2]) * (-1 if m[1] == "-" else 1)
    if value == 0:
        raise invalid("an adjustment of 0 points changes nothing", hint)
    if abs(value) > MAX_ADJUST:
        raise invalid(f"an adjustment is at most {MAX_ADJUST} points either way", hint)
    return value


def adjust(session: Session, *, phone: str, delta: str | int, reason: str) -> dict:
    """A manager's correction: one `adjust` ledger row; never takes the balance below zero."""
    value = parse_delta(delta)
    reason = (reason or "").strip()
    if not reason or len(reason) > 200 or any(ord(c) < 32 for c in reason):
        raise invalid("an adjustment needs a reason (1–200 printable characters)", 'e.g. --reason "补登 11/02 小票"')
    auth.require_manager(session, "points adjust")
    closing.ensure_open(session)
    member = lookup.member(session, phone)
    if value < 0 and member.points + value < 0:
        raise StoreError(
            "conflict",
            f"{member.phone or member.code} has {member.points} points; cannot take away {-value}",
            f"at most: storectl points adjust {member.phone or member.code} -{member.points} --reason …",
        )
    balance = loyalty.post(session, customer_id=member.id, kind="adjust", delta=value, reason=reason)
    db.note_doc(session, f"points {member.phone or member.code}")
    return {
        "member": member.code,
        "phone": member.phone,
        "delta": value,
        "balance": balance,
        "reason": reason,
        "at": settings.local_iso(session, db.now_of(session)),
    }


# --- expiry ---------------------------------------------------------------------------------


def expiry_date(earned: date, months: int) -> date:
    """The first shop day on which points earned on `earned` are expired (end of the Nth month after)."""
    index = earned.year * 12 + (earned.month - 1) + months + 1
    return date(index // 12, index % 12 + 1, 1)


def expirable(entries, *, months: int, today: date, tz) -> int:
    """Points of one member's ledger (rows in append order) that have expired by `today`.

    Lots are kept in order of when they were earned; each negative row eats the oldest first.
    """
    lots: list[list] = []  # [at, id, remaining], sorted by (at, id)
    debt = 0  # only if history was replayed out of order: negatives before their lots
    for entry in entries:
        if entry.delta > 0:
            amount = entry.delta
            if debt:
                used = min(debt, amount)
                debt -= used
                amount -= used
            if amount:
                bisect.insort(lots, [entry.at, entry.id, amount])
        elif entry.delta < 0:
            need = -entry.delta
            while need and lots:
                used = min(need, lots[0][2])
                lots[0][2] -= used
                need -= used
                if lots[0][2] == 0:
                    lots.pop(0)
            debt += need
    return sum(lot[2] for lot in lots if expiry_date(local_date(lot[0], tz), months) <= today)


def expire(session: Session) -> dict:
    """Expire points past `points.expire_months` (for cron); `{"expired", "members": [...]}`.

    Idempotent: a second run the same day finds nothing left to expire.
    """
    months = settings.int_setting(session, "points.expire_months")
    today = settings.today(session)
    result = {"expired": 0, "members": [], "months": months, "date": today.isoformat()}
    if months <= 0:
        return result
    closing.ensure_open(session)
    tz = settings.shop_tz(session)
    index = today.year * 12 + (today.month - 1) - months
    cutoff = date(index // 12, index % 12 + 1, 1)  # lots earned from this month on are still good
    entries = session.exec(
        select(PointsEntry).order_by(PointsEntry.customer_id, PointsEntry.id)
    ).all()
    by_customer: dict[int, list] = {}
    for e in entries:
        by_customer.setdefault(e.customer_id, []).append(e)
    for customer_id, rows in by_customer.items():
        amount = expirable(rows, months=months, today=today, tz=tz)
        amount = min(amount, loyalty.balance(session, customer_id))
        if amount <= 0:
            continue
        balance = loyalty.post(
            session,
            customer_id=customer_id,
            kind="expire",
            delta=-amount,
            reason=f"points earned before {cutoff:%Y-%m} expire ({months} month(s) after the month earned)",
        )
        customer = session.get(Customer, customer_id)
        result["members"].append(
            {"member": customer.code, "phone": customer.phone, "expired": amount, "balance": balance}
        )
        result["expired"] += amount
    return result


# --- invariants (db check) ------------------------------------------------------------------


def invariants(session: Session) -> list[dict]:
    problems: list[dict] = []
    ledger = (
        select(PointsEntry.customer_id, func.sum(PointsEntry.delta).label("total"))
        .group_by(PointsEntry.customer_id)
        .subquery()
    )
    for code, cached, total in session.execute(
        select(Customer.code, Customer.points, func.coalesce(ledger.c.total, 0))
        .outerjoin(ledger, ledger.c.customer_id == Customer.id)
        .where((Customer.points != func.coalesce(ledger.c.total, 0)) | (Customer.points < 0))
        .order_by(Customer.code)
    ):
        if cached < 0:
            problems.append({"check": "points_negative", "doc": code, "message": f"customer {code} has {cached} points"})
        if cached != total:
            problems.append(
                {"check": "points_ledger", "doc": code, "message": f"customer {code} shows {cached} points but the ledger sums to {total}"}
            )

    running = select(
        PointsEntry.customer_id,
        PointsEntry.id,
        func.sum(PointsEntry.delta).over(partition_by=PointsEntry.customer_id, order_by=PointsEntry.id).label("balance"),
    ).subquery()
    for code, low in session.execute(
        select(Customer.code, func.min(running.c.balance))
        .join(running, running.c.customer_id == Customer.id)
        .group_by(Customer.code)
        .having(func.min(running.c.balance) < 0)
        .order_by(Customer.code)
    ):
        problems.append(
            {"check": "points_running_balance", "doc": code, "message": f"customer {code}'s points ledger dips to {low}"}
        )

    paid = (
        select(CheckinPayout.checkin_id, func.sum(CheckinPayout.points).label("total"))
        .group_by(CheckinPayout.checkin_id)
        .subquery()
    )
    for code, day, points, total in session.execute(
        select(Customer.code, Checkin.day, Checkin.points, func.coalesce(paid.c.total, 0))
        .join(Customer, Customer.id == Checkin.customer_id)
        .outerjoin(paid, paid.c.checkin_id == Checkin.id)
        .where(Checkin.points != func.coalesce(paid.c.total, 0))
        .order_by(Customer.code, Checkin.day)
    ):
        problems.append(
            {
                "check": "checkin_payouts",
                "doc": f"{code} {day.isoformat()}",
                "message": f"check-in of {code} on {day.isoformat()} records {points} points but its payouts sum to {total}",
            }
        )
    return problems
