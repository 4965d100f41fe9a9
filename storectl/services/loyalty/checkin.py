"""Daily check-in and the rules that pay for it.

The streak counts consecutive shop-calendar days (the shop's time zone, not UTC). On streak day s
every active rule with s % every == 0 pays its points, and the rules add up. A `once` rule pays a
member at most once in their lifetime; the partial unique index on checkin_payout backs that, and
UNIQUE(customer_id, day) on checkin is what makes a second check-in the same day impossible, also
when two processes race.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storectl import db
from storectl.errors import StoreError, invalid
from storectl.models import Checkin, CheckinPayout, CheckinRule
from storectl.services.shop import auth
from storectl.services.shop import closing
from storectl.services.shop import lookup
from storectl.services.loyalty import ledger as loyalty
from storectl.services.promo import coupons as coupon_rules
from storectl.services.shop import settings

MAX_EVERY = 3660  # ten years of daily check-ins
MAX_POINTS = 1_000_000


# --- rules ----------------------------------------------------------------------------------


def rule_dict(session: Session, row: CheckinRule) -> dict:
    return {
        "id": row.id,
        "every": row.every,
        "points": row.points,
        "once": row.once,
        "active": row.active,
        "created_at": settings.local_iso(session, row.created_at),
        "removed_at": settings.local_iso(session, row.removed_at),
        "ref": str(row.id),  # what `points rule remove` takes; coupon rules are C1, C2, …
        "kind": "points",
        "coupon": None,
    }


def add_rule(session: Session, *, every: int, points: int, once: bool = False) -> dict:
    """A check-in rule: on every streak day divisible by `every`, pay `points` (manager only once PINs are set)."""
    if not isinstance(every, int) or not 1 <= every <= MAX_EVERY:
        raise invalid(f"--every must be a whole number of days from 1 to {MAX_EVERY}", "e.g. --every 7 for each 7th day of a streak")
    if not isinstance(points, int) or not 1 <= points <= MAX_POINTS:
        raise invalid(f"--points must be a whole number from 1 to {MAX_POINTS}", "e.g. --points 10")
    auth.require_manager(session, "points rule add")
    row = CheckinRule(every=every, points=points, once=bool(once), active=True, created_at=db.now_of(session))
    session.add(row)
    session.flush()
    return rule_dict(session, row)


def add_rules(session: Session, *, every: int, points: int | None = None, once: bool = False, coupon: str | None = None) -> dict:
    """`points rule add`: a points rule, a coupon rule (promo.coupons, issue 22) or both, in one transaction."""
    if points is None and coupon is None:
        raise invalid("give --points, --coupon or both", "e.g. storectl points rule add --every 7 --points 20")
    if coupon is not None and once:
        raise invalid("--once goes with --points only", "a coupon rule issues on every Nth day")
    if not isinstance(every, int) or not 1 <= every <= MAX_EVERY:
        raise invalid(f"--every must be a whole number of days from 1 to {MAX_EVERY}", "e.g. --every 7 for each 7th day of a streak")
    result = add_rule(session, every=every, points=points, once=once) if points is not None else {"every": every}
    if coupon is not None:
        auth.require_manager(session, "points rule add")
        result["coupon_rule"] = coupon_rules.add_rule(session, every=every, code=coupon)
    return result


def list_rules(session: Session, *, include_removed: bool = False) -> list[dict]:
    """Both kinds of check-in rule, by `every`: points rules (ref 1, 2, …) and coupon rules (ref C1, C2, …)."""
    query = select(CheckinRule).order_by(CheckinRule.every, CheckinRule.id)
    if not include_removed:
        query = query.where(CheckinRule.active == True)  # noqa: E712
    rows = [rule_dict(session, r) for r in session.exec(query)]
    rows += coupon_rules.list_coupon_rules(session, include_removed=include_removed)
    return sorted(rows, key=lambda r: (r["every"], r["kind"] == "coupon", r["id"]))


MAX_RULE_ID = 2**62


def parse_rule_ref(text: str | int) -> tuple[str, int]:
    """`2` → a points rule, `C1` (or c1) → a coupon rule: the two tables number their ids each from 1."""
    import re
    import unicodedata

    raw = unicodedata.normalize("NFKC", str(text)).strip()  # full-width digits, as money and counts take them
    m = re.fullmatch(r"([Cc]-?)?([0-9]{1,19})", raw)
    if m is None or not 1 <= int(m[2]) <= MAX_RULE_ID:
        raise invalid(f"{raw!r} is not a rule id", "a number for a points rule, C1, C2, … for a coupon rule (storectl points rules)")
    return ("coupon" if m[1] else "points"), int(m[2])


def remove_rule(session: Session, *, rule_id: int | str) -> dict:
    """Stop a rule paying (points) or issuing (coupon, `C1`) from now on; its row and past payouts stay."""
    kind, rule_id = parse_rule_ref(rule_id)
    auth.require_manager(session, "points rule remove")
    if kind == "coupon":
        return coupon_rules.remove_rule(session, rule_id=rule_id)
    row = session.get(CheckinRule, rule_id)
    if row is None:
        raise StoreError("not_found", f"no check-in rule {rule_id}", "storectl points rules")
    result = session.execute(
        update(CheckinRule)
        .where(CheckinRule.id == rule_id, CheckinRule.active == True)  # noqa: E712
        .values(active=False, removed_at=db.now_of(session))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StoreError("conflict", f"check-in rule {rule_id} was removed already", "storectl points rules --all")
    session.refresh(row)
    return rule_dict(session, row)


# --- check-in -------------------------------------------------------------------------------


def _already(phone: str, day, streak: int) -> StoreError:
    return StoreError(
        "already_checked_in",
        f"{phone} has checked in today already ({day.isoformat()}, day {streak} of the streak)",
        "come back tomorrow; nothing was awarded",
    )


def _checkin_on(session: Session, customer_id: int, day) -> Checkin | None:
    return session.exec(select(Checkin).where(Checkin.customer_id == customer_id, Checkin.day == day)).first()


def checkin(session: Session, *, phone: str) -> dict:
    """Today's check-in: `{"date", "streak", "points", "balance", "member", "paid": [...]}`."""
    closing.ensure_open(session)
    member = lookup.member(session, phone)
    today = settings.today(session)
    label = member.phone or member.code

    done = _checkin_on(session, member.id, today)
    if done is not None:
        raise _already(label, today, done.streak)
    before = session.exec(
        select(Checkin.streak).where(Checkin.customer_id == member.id, Checkin.day == today - timedelta(days=1))
    ).first()
    streak = (before or 0) + 1

    rules = session.exec(
        select(CheckinRule).where(CheckinRule.active == True).order_by(CheckinRule.every, CheckinRule.id)  # noqa: E712
    ).all()
    due = [r for r in rules if streak % r.every == 0]
    once_ids = [r.id for r in due if r.once]
    if once_ids:
        paid_before = set(
            session.exec(
                select(CheckinPayout.rule_id).where(
                    CheckinPayout.customer_id == member.id,
                    CheckinPayout.once == True,  # noqa: E712
                    CheckinPayout.rule_id.in_(once_ids),
                )
            ).all()
        )
        due = [r for r in due if not (r.once and r.id in paid_before)]
    total = sum(r.points for r in due)

    row = Checkin(customer_id=member.id, day=today, at=db.now_of(session), streak=streak, points=total)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # another process checked this member in between our look and our insert
        raise _already(label, today, streak) from None
    for r in due:
        session.add(CheckinPayout(checkin_id=row.id, rule_id=r.id, customer_id=member.id, points=r.points, once=r.once))
    session.flush()
    balance = loyalty.post(
        session,
        customer_id=member.id,
        kind="checkin",
        delta=total,
        reason=f"check-in {today.isoformat()}, day {streak}",
    )
    return {
        "date": today.isoformat(),
        "streak": streak,
        "points": total,
        "balance": balance,
        "member": member.code,
        "paid": [{"rule": r.id, "every": r.every, "points": r.points, "once": r.once} for r in due],
        "coupons": coupon_rules.on_checkin(session, member=member, streak=streak),
    }
