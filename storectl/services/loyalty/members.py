"""Members (customers with a phone and a points account) and the channels that bring them in.

A member is a Customer row with is_member set; the code defaults to the phone, so a member is
found by either. Enrolment records who brought them in (channel, staff, referrer) for the
channel and staff reports; the QR side calls `add_member` with the codes a scanned payload names.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storectl import db
from storectl.codes import clean_code, normalize_phone
from storectl.errors import StoreError, invalid
from storectl.models import Channel, Checkin, Customer, Level, Staff
from storectl.money import format_money
from storectl.services.loyalty import ledger as loyalty
from storectl.services.shop import lookup
from storectl.services.shop import settings
from storectl.services.shop.catalogue import clean_name


# --- channels -------------------------------------------------------------------------------


def channel_dict(row: Channel, members: int = 0) -> dict:
    return {"code": row.code, "name": row.name, "members": members}


def add_channel(session: Session, *, code: str, name: str) -> dict:
    code = clean_code(code, "channel code")
    name = clean_name(name, "channel name")
    if session.exec(select(Channel).where(Channel.code == code)).first() is not None:
        raise StoreError("conflict", f"channel {code!r} already exists", "storectl channel list")
    row = Channel(code=code, name=name, created_at=db.now_of(session))
    session.add(row)
    session.flush()
    return channel_dict(row)


def list_channels(session: Session) -> list[dict]:
    counts = dict(
        session.execute(
            select(Customer.channel_id, func.count())
            .where(Customer.is_member == True, Customer.channel_id.is_not(None))  # noqa: E712
            .group_by(Customer.channel_id)
        ).all()
    )
    rows = session.exec(select(Channel).order_by(Channel.code)).all()
    return [channel_dict(r, counts.get(r.id, 0)) for r in rows]


# --- finding members ------------------------------------------------------------------------


def streaks(session: Session, customer_ids: list[int] | None = None) -> dict[int, int]:
    """Current streak per member as of today: the streak of a check-in today or yesterday, else 0."""
    today = settings.today(session)
    query = select(Checkin.customer_id, Checkin.day, Checkin.streak).where(
        Checkin.day.in_([today, today - timedelta(days=1)])
    )
    if customer_ids is not None:
        query = query.where(Checkin.customer_id.in_(customer_ids))
    best: dict[int, tuple] = {}
    for customer_id, day, streak in session.execute(query):
        if customer_id not in best or day > best[customer_id][0]:
            best[customer_id] = (day, streak)
    return {cid: streak for cid, (_, streak) in best.items()}


def member_dict(session: Session, row: Customer, *, streak: int | None = None) -> dict:
    if streak is None:
        streak = streaks(session, [row.id]).get(row.id, 0)
    return {
        "code": row.code,
        "phone": row.phone,
        "name": row.name,
        "level": lookup.code_of(session, Level, row.level_id, "name"),
        "points": row.points,
        "streak": streak,
        "lifetime_spend": format_money(row.lifetime_spend_cents),
        "channel": lookup.code_of(session, Channel, row.channel_id),
        "staff": lookup.code_of(session, Staff, row.staff_id),
        "referrer": lookup.code_of(session, Customer, row.referrer_id, "phone") or _partner_referrer(session, row.id),
        "joined_at": settings.local_iso(session, row.joined_at),
    }


def _partner_referrer(session: Session, customer_id: int) -> str | None:
    """The code of the partner who referred this member (commission, SPEC §12), if one did."""
    from storectl import models

    return session.execute(
        select(models.Partner.code).join(models.MemberPartner, models.MemberPartner.partner_id == models.Partner.id)
        .where(models.MemberPartner.customer_id == customer_id)
    ).scalar()


# --- enrolment ------------------------------------------------------------------------------


def add_member(
    session: Session,
    *,
    phone: str,
    name: str | None = None,
    channel: str | None = None,
    staff: str | None = None,
    referrer: str | None = None,
    via: str | None = None,
) -> dict:
    """Enrol a member: a new customer coded by the phone, or an existing non-member customer.

    `via` is the payload of a scanned storectl QR code; its channel and staff are recorded
    exactly as if they had been typed with --channel / --staff.
    Returns the `member show` document plus `"enrolled": "new" | "existing_customer"`.
    """
    if via is not None:
        channel, staff = _from_payload(session, via, channel, staff)
    phone = normalize_phone(phone)
    if phone is None:
        raise invalid("a member needs a phone number", "e.g. storectl member add 13812345678 --name 王芳")
    name = clean_name(name, "name") if name and name.strip() else ""
    channel_row = lookup.channel(session, channel) if channel and channel.strip() else None
    staff_row = lookup.staff(session, staff) if staff and staff.strip() else None
    referrer_row = lookup.member(session, referrer) if referrer and referrer.strip() else None
    if referrer_row is not None and referrer_row.phone == phone:
        raise invalid("a member cannot refer themselves", "drop --referrer, or give the phone of the member who referred them")

    existing = session.exec(select(Customer).where(Customer.phone == phone)).first()
    if existing is None:
        existing = session.exec(select(Customer).where(Customer.code == phone)).first()
        if existing is not None and existing.phone not in (None, phone):
            raise StoreError(
                "conflict",
                f"customer code {phone!r} is taken by a customer with phone {existing.phone}",
                f"storectl customer show {phone}",
            )
    if existing is not None and existing.is_member:
        raise StoreError("conflict", f"{phone} is already a member ({existing.code})", f"storectl member show {phone}")

    now = db.now_of(session)
    values = {"is_member": True, "joined_at": now}
    if channel_row is not None:
        values["channel_id"] = channel_row.id
    if staff_row is not None:
        values["staff_id"] = staff_row.id
    if referrer_row is not None:
        values["referrer_id"] = referrer_row.id
    try:
        if existing is None:
            row = Customer(code=phone, phone=phone, name=name, created_at=now, **values)
            session.add(row)
            session.flush()
            enrolled = "new"
        else:
            if name and not existing.name:
                values["name"] = name
            # guarded: a racing enrolment of the same customer changes nothing here
            result = session.execute(
                update(Customer)
                .where(Customer.id == existing.id, Customer.is_member == False)  # noqa: E712
                .values(phone=phone, **values)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                raise StoreError("conflict", f"{phone} was just enrolled by someone else", f"storectl member show {phone}")
            session.refresh(existing)
            row = existing
            enrolled = "existing_customer"
    except IntegrityError:
        raise StoreError("conflict", f"{phone} was just enrolled by someone else", f"storectl member show {phone}") from None
    loyalty.refresh_level(session, row)
    data = member_dict(session, row, streak=0)
    data["enrolled"] = enrolled
    db.note_doc(session, f"member {row.phone or row.code}")
    return data


def show_member(session: Session, phone: str) -> dict:
    from storectl.services.promo import coupons

    row = lookup.member(session, phone)
    return {**member_dict(session, row), "coupons": coupons.member_coupons(session, row.id)}


def list_members(session: Session, *, level: str | None = None) -> list[dict]:
    query = select(Customer).where(Customer.is_member == True).order_by(Customer.code)  # noqa: E712
    if level and level.strip():
        query = query.where(Customer.level_id == lookup.level(session, level).id)
    rows = session.exec(query).all()
    current = streaks(session)
    return [member_dict(session, r, streak=current.get(r.id, 0)) for r in rows]


def _from_payload(session: Session, payload: str, channel: str | None, staff: str | None) -> tuple[str | None, str | None]:
    """Channel and staff codes from a scanned join code; typed options must agree with it."""
    from storectl.services.qr import codes as qr
    from storectl.services.shop import settings

    parsed = qr.parse_payload(payload, settings.get(session, "qr.base_url"))
    if parsed["sn"] is not None and parsed["channel"] is None and parsed["staff"] is None:
        raise invalid("that QR code is a unit's after-sales code, not a join code", "scan the channel's or the salesperson's code")
    for what, typed, scanned in (("channel", channel, parsed["channel"]), ("staff", staff, parsed["staff"])):
        if typed and scanned and typed.strip() != scanned:
            raise invalid(f"--{what} {typed.strip()} disagrees with the scanned code's {what} {scanned}", f"drop --{what}, or scan the right code")
    for what, code, find in (("channel", parsed["channel"], lookup.channel), ("staff", parsed["staff"], lookup.staff)):
        if code is not None:
            try:
                find(session, code)
            except StoreError:
                raise invalid(f"the scanned code names an unknown {what} {code!r}", f"storectl {what} list") from None
    return channel or parsed["channel"], staff or parsed["staff"]
