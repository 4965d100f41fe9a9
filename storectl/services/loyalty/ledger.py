"""The points ledger core shared by the till and the members side.

Every change of a member's points is one PointsEntry row plus a guarded update of the cached
balance (customer.points), which can never go below zero: the CHECK constraint and the WHERE
clause both hold that line.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, select

from storectl import db
from storectl.errors import StoreError
from storectl.models import Customer, Level, PointsEntry
from storectl.services.shop import settings

KINDS = ("earn", "redeem", "checkin", "adjust", "expire", "return_reverse", "return_restore")


def post(session: Session, *, customer_id: int, kind: str, delta: int, doc_no: str = "", reason: str = "") -> int:
    """Append a ledger row and move the cached balance; returns the new balance.

    A negative delta larger than the balance is refused with insufficient_stock-like `conflict`;
    callers that must clamp (returns, expiry) clamp before calling.
    """
    assert kind in KINDS, kind
    if delta == 0:
        return session.get(Customer, customer_id).points
    result = session.execute(
        update(Customer)
        .where(Customer.id == customer_id, Customer.points + delta >= 0)
        .values(points=Customer.points + delta)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        balance = session.execute(select(Customer.points).where(Customer.id == customer_id)).scalar()
        raise StoreError("conflict", f"only {balance} points available, {-delta} needed", "check storectl member show PHONE")
    session.add(
        PointsEntry(
            customer_id=customer_id,
            at=db.now_of(session),
            kind=kind,
            delta=delta,
            doc_no=doc_no,
            reason=reason,
            operator=db.operator_of(session),
        )
    )
    session.flush()
    balance = session.execute(select(Customer.points).where(Customer.id == customer_id)).scalar()
    # keep any loaded ORM object in step with the guarded UPDATE
    loaded = session.identity_map.get((Customer, (customer_id,), None))
    if loaded is not None:
        loaded.points = balance
    return balance


def balance(session: Session, customer_id: int) -> int:
    return session.execute(select(Customer.points).where(Customer.id == customer_id)).scalar() or 0


def earn_rate_milli(session: Session) -> int:
    from storectl.money import parse_multiplier

    return parse_multiplier(settings.get(session, "points.earn_rate"))


def redeem_rate(session: Session) -> int:
    """Points that are worth ¥1."""
    return settings.int_setting(session, "points.redeem_rate")


def points_value_cents(session: Session, points: int) -> int:
    """What `points` pay at the till, in cents (rounded down to the cent)."""
    return points * 100 // redeem_rate(session)


def points_earned(session: Session, customer: Customer, money_paid_cents: int) -> int:
    """Points for money actually paid: per ¥1 × earn rate × level multiplier, rounded down."""
    if not customer.is_member or money_paid_cents <= 0:
        return 0
    multiplier = 1000
    if customer.level_id is not None:
        level = session.get(Level, customer.level_id)
        multiplier = level.multiplier_milli if level else 1000
    # cents × (rate/1000) × (mult/1000) / 100, in integers, floored
    return money_paid_cents * earn_rate_milli(session) * multiplier // (100 * 1000 * 1000)


def refresh_level(session: Session, customer: Customer) -> str | None:
    """Put the member on the highest level their lifetime net spend reaches; returns its name."""
    if not customer.is_member:
        return None
    level = session.exec(
        select(Level)
        .where(Level.min_spend_cents <= customer.lifetime_spend_cents)
        .order_by(Level.min_spend_cents.desc(), Level.id.desc())
    ).first()
    customer.level_id = level.id if level else None
    session.add(customer)
    session.flush()
    return level.name if level else None
