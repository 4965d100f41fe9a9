"""Member levels by lifetime net spend: each brings a discount off the list price and a points multiplier.

A member sits on the highest level whose threshold their lifetime spend reaches. The sales side
keeps lifetime_spend_cents and calls loyalty.refresh_level per sale; a new level re-places every
member at once here.
"""

from __future__ import annotations

from sqlalchemy import func, update
from sqlmodel import Session, select

from storectl import db
from storectl.codes import clean_code
from storectl.errors import StoreError, invalid
from storectl.models import Customer, Level
from storectl.money import format_money, format_multiplier, format_percent, parse_money, parse_multiplier, parse_percent
from storectl.services.shop import auth


def level_dict(row: Level, members: int = 0) -> dict:
    return {
        "name": row.name,
        "min_spend": format_money(row.min_spend_cents),
        "discount": format_percent(row.discount_bp),
        "points_multiplier": format_multiplier(row.multiplier_milli),
        "members": members,
    }


def refresh_all(session: Session) -> int:
    """Put every member on the level their lifetime spend reaches (one UPDATE); returns how many changed."""
    best = (
        select(Level.id)
        .where(Level.min_spend_cents <= Customer.lifetime_spend_cents)
        .order_by(Level.min_spend_cents.desc(), Level.id.desc())
        .limit(1)
        .correlate(Customer)
        .scalar_subquery()
    )
    result = session.execute(
        update(Customer)
        .where(Customer.is_member == True)  # noqa: E712
        .where(Customer.level_id.is_distinct_from(best))
        .values(level_id=best)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()  # loaded customers must see their new level
    return result.rowcount


def _counts(session: Session) -> dict[int, int]:
    return dict(
        session.execute(
            select(Customer.level_id, func.count())
            .where(Customer.is_member == True, Customer.level_id.is_not(None))  # noqa: E712
            .group_by(Customer.level_id)
        ).all()
    )


def add_level(
    session: Session,
    *,
    name: str,
    min_spend: str,
    discount: str | None = None,
    multiplier: str | None = None,
) -> dict:
    """A new level (manager only once PINs are set, as it changes prices); members are re-placed."""
    if not (name or "").strip():
        raise invalid("the level name is empty", "e.g. storectl level add 金卡 --min-spend 20000 --discount 5")
    name = clean_code(name, "level name")
    min_spend_cents = parse_money(min_spend, what="minimum spend")
    discount_bp = parse_percent(discount) if discount is not None else 0
    multiplier_milli = parse_multiplier(multiplier) if multiplier is not None else 1000
    auth.require_manager(session, "level add")
    if session.exec(select(Level).where(Level.name == name)).first() is not None:
        raise StoreError("conflict", f"member level {name!r} already exists", "storectl level list")
    same = session.exec(select(Level).where(Level.min_spend_cents == min_spend_cents)).first()
    if same is not None:
        raise StoreError(
            "conflict",
            f"level {same.name!r} already starts at {format_money(min_spend_cents)}",
            "give each level its own --min-spend",
        )
    row = Level(
        name=name,
        min_spend_cents=min_spend_cents,
        discount_bp=discount_bp,
        multiplier_milli=multiplier_milli,
        created_at=db.now_of(session),
    )
    session.add(row)
    session.flush()
    moved = refresh_all(session)
    data = level_dict(row, _counts(session).get(row.id, 0))
    data["members_moved"] = moved
    return data


def list_levels(session: Session) -> list[dict]:
    counts = _counts(session)
    rows = session.exec(select(Level).order_by(Level.min_spend_cents, Level.id)).all()
    return [level_dict(r, counts.get(r.id, 0)) for r in rows]
