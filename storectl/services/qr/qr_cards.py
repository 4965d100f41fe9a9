"""QR codes for what is in the database: a channel's, a staff member's or a unit's code, and sheets.

Each command works in two steps: a lookup inside the read snapshot (codes checked, payloads built)
that returns plain data, then `write_code` / `write_sheet`, which draw the picture after the
snapshot is released: rendering 200 codes takes a few hundred milliseconds, and holding a read
transaction that long would make concurrent writers wait for nothing.

Payloads follow qr.build_payload: `qr.base_url` plus ch= / staff= / sn=.
"""

from __future__ import annotations

from sqlmodel import Session, select

from storectl import models
from storectl.errors import StoreError, invalid
from storectl.models import Channel, Staff, Store
from storectl.services.shop import lookup
from storectl.services.qr import codes as qr
from storectl.services.shop import settings

KINDS = ("channel", "staff")  # what a sheet can hold


def base_url(session: Session) -> str:
    return settings.get(session, "qr.base_url")


def check_out(path: str | None, *, sheet: bool = False) -> None:
    """Refuse a bad --out (suffix, missing folder) before the database is even opened."""
    if path is not None:
        qr.check_out(path, sheet=sheet)


def _code(kind: str, code: str, payload: str) -> dict:
    return {"kind": kind, "code": code, "payload": payload, "path": None}


def channel_code(session: Session, code: str) -> dict:
    """The code a channel's members scan: `…?ch=CODE`."""
    row = lookup.channel(session, code)
    return _code("channel", row.code, qr.build_payload(base_url(session), channel=row.code))


def staff_code(session: Session, code: str, *, channel: str | None = None) -> dict:
    """A salesperson's own code, `…?staff=CODE`, optionally with the channel it is handed out in.

    An inactive staff member gets no new code: members who scan it would be credited to someone
    who has left.
    """
    row = lookup.staff(session, code)
    if not row.active:
        raise StoreError("conflict", f"staff member {row.code} ({row.name}) is no longer active", "storectl staff list")
    ch = lookup.channel(session, channel).code if channel is not None else None
    return _code("staff", row.code, qr.build_payload(base_url(session), channel=ch, staff=row.code))


def partner_code(session: Session, code: str) -> dict:
    """A partner's code, `…?ref=CODE`: members who join by it are referred by the partner (commission)."""
    row = session.exec(select(models.Partner).where(models.Partner.code == code.strip())).first()
    if row is None:
        raise StoreError("not_found", f"no partner {code.strip()!r}", "storectl partner list")
    return _code("partner", row.code, qr.build_payload(base_url(session), ref=row.code))


def unit_code(session: Session, code: str) -> dict:
    """A unit's after-sales code, `…?sn=CODE`, in any status (sold units are the usual case).

    The payload carries the code that was given (normalised: upper-cased), not the unit's first
    code: the sticker then repeats the code printed next to it on the box or the device, and any
    of a unit's codes finds it again.
    """
    from storectl.codes import normalize_unit_code

    lookup.unit_by_code(session, code)  # not_found for a code no unit carries
    sn = normalize_unit_code(code)
    return _code("unit", sn, qr.build_payload(base_url(session), sn=sn))


def write_code(result: dict, *, out: str | None) -> dict:
    """Write the code to `out` (.png or .svg) when given; the result with its absolute path."""
    if out is None:
        return result
    return {**result, "path": qr.write_image(result["payload"], out)}


# --- sheets -----------------------------------------------------------------------------


def sheet(session: Session, *, kind: str, store: str | None = None) -> dict:
    """The cards of a printable sheet: every channel, or every active staff member (of one store).

    Channel cards: label the name, sublabel the code. Staff cards: label the name, sublabel the
    code and store name, ordered by store then code so each store's cards sit together.
    """
    if kind not in KINDS:
        raise invalid(f"unknown sheet kind {kind!r}", "--channels or --staff")
    url = base_url(session)
    shop = settings.get(session, "shop.name")
    if kind == "channel":
        if store is not None:
            raise invalid("channels belong to the whole shop, not to a store", "drop --store")
        rows = session.exec(select(Channel.code, Channel.name).order_by(Channel.code)).all()
        cards = [
            {"label": name, "sublabel": code, "payload": qr.build_payload(url, channel=code)} for code, name in rows
        ]
        return {"kind": kind, "title": f"{shop} · 渠道二维码", "base_url": url, "cards": cards}
    query = (
        select(Staff.code, Staff.name, Store.name)
        .join(Store, Store.id == Staff.store_id)
        .where(Staff.active == True)  # noqa: E712  (SQL, not Python truthiness)
        .order_by(Store.code, Staff.code)
    )
    title = f"{shop} · 员工二维码"
    if store is not None:
        home = lookup.store(session, store)
        query = query.where(Staff.store_id == home.id)
        title = f"{shop} {home.name} · 员工二维码"
    cards = [
        {"label": name, "sublabel": f"{code} · {store_name}", "payload": qr.build_payload(url, staff=code)}
        for code, name, store_name in session.exec(query).all()
    ]
    return {"kind": kind, "title": title, "base_url": url, "cards": cards}


def write_sheet(plan: dict, *, out: str) -> dict:
    """Write a sheet() plan as an HTML page: {"path", "count", "kind"}."""
    path = qr.write_sheet(plan["cards"], out, title=plan["title"], base_url=plan["base_url"])
    return {"path": path, "count": len(plan["cards"]), "kind": plan["kind"]}
