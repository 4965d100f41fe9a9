"""Partners and referral chains: who referred whom, for the ref1/ref2/ref3 commission roles.

A referrer is a member (by phone) or a partner (异业合作). A member referred by a member keeps it
in `customer.referrer_id`; by a partner, in `member_partner`; a partner's own referrer is on the
partner row. A node is ("member", customer id) or ("partner", partner id). A chain that would
loop, and a self-referral, are `invalid_input`.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import Session, select

from storectl import db
from storectl.codes import clean_code
from storectl.errors import StoreError, invalid, not_found
from storectl.models import Customer, MemberPartner, Partner, Staff
from storectl.services.shop import lookup
from storectl.services.shop.catalogue import clean_name

Node = tuple[str, int]
MAX_CHAIN = 10_000  # far beyond any real chain; a guard against a loop already in the data


# --- nodes ----------------------------------------------------------------------------------------


def referrer_of(session: Session, node: Node) -> Node | None:
    kind, row_id = node
    if kind == "member":
        ref = session.execute(select(Customer.referrer_id).where(Customer.id == row_id)).scalar()
        if ref is not None:
            return ("member", ref)
        partner = session.execute(select(MemberPartner.partner_id).where(MemberPartner.customer_id == row_id)).scalar()
        return ("partner", partner) if partner is not None else None
    row = session.get(Partner, row_id)
    if row is None:
        return None
    if row.ref_member_id is not None:
        return ("member", row.ref_member_id)
    if row.ref_partner_id is not None:
        return ("partner", row.ref_partner_id)
    return None


def chain(session: Session, node: Node, levels: int = 3) -> list[Node]:
    """The node's referrer, that referrer's referrer, … up to `levels` (ref1, ref2, ref3)."""
    out: list[Node] = []
    seen = {node}
    current = node
    while len(out) < levels:
        current = referrer_of(session, current)
        if current is None or current in seen:
            break
        seen.add(current)
        out.append(current)
    return out


def label(session: Session, node: Node | None) -> str | None:
    """How people name a referrer: a member's phone (or code), a partner's code."""
    if node is None:
        return None
    kind, row_id = node
    if kind == "member":
        row = session.get(Customer, row_id)
        return (row.phone or row.code) if row else None
    row = session.get(Partner, row_id)
    return row.code if row else None


def find_referrer(session: Session, text: str) -> Node:
    """A partner by code, else a member by phone (or customer code)."""
    code = clean_code(text, "referrer")
    partner = session.exec(select(Partner).where(Partner.code == code)).first()
    if partner is not None:
        return ("partner", partner.id)
    try:
        row = lookup.member(session, code)
    except StoreError:
        raise not_found(f"no partner or member {code!r} to be the referrer",
                        "give a member's phone or a partner's code: storectl partner list") from None
    return ("member", row.id)


def set_referrer(session: Session, node: Node, ref: Node | None) -> None:
    """Make `ref` the referrer of `node` (None clears it); loops and self-referral are refused."""
    if ref is not None:
        if ref == node:
            raise invalid(f"{label(session, node)} cannot refer themselves", "give someone else as the referrer")
        current: Node | None = ref
        for _ in range(MAX_CHAIN):
            current = referrer_of(session, current)
            if current is None:
                break
            if current == node:
                raise invalid(
                    f"{label(session, ref)} was (directly or further up) referred by {label(session, node)}: "
                    "the chain would loop",
                    "give a referrer who is not below them in the chain",
                )
    kind, row_id = node
    ref_kind, ref_id = ref if ref is not None else (None, None)
    if kind == "member":
        session.execute(delete(MemberPartner).where(MemberPartner.customer_id == row_id))
        session.execute(
            update(Customer).where(Customer.id == row_id)
            .values(referrer_id=ref_id if ref_kind == "member" else None)
            .execution_options(synchronize_session=False)
        )
        if ref_kind == "partner":
            session.add(MemberPartner(customer_id=row_id, partner_id=ref_id))
    else:
        session.execute(
            update(Partner).where(Partner.id == row_id)
            .values(ref_member_id=ref_id if ref_kind == "member" else None,
                    ref_partner_id=ref_id if ref_kind == "partner" else None)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    session.expire_all()


# --- partners -------------------------------------------------------------------------------------


def partner_dict(session: Session, row: Partner) -> dict:
    referred = session.execute(select(MemberPartner.customer_id).where(MemberPartner.partner_id == row.id)).scalars().all()
    partners = session.execute(select(Partner.code).where(Partner.ref_partner_id == row.id).order_by(Partner.code)).scalars().all()
    return {
        "code": row.code,
        "name": row.name,
        "referrer": label(session, referrer_of(session, ("partner", row.id))),
        "members": sorted(label(session, ("member", c)) for c in referred),
        "partners": list(partners),
    }


def add_partner(session: Session, *, code: str, name: str, referrer: str | None = None) -> dict:
    code = clean_code(code, "partner code")
    name = clean_name(name, "partner name")
    if session.exec(select(Partner).where(Partner.code == code)).first() is not None:
        raise StoreError("conflict", f"partner {code!r} already exists", f"storectl partner show {code}")
    # one code names one earner: a partner code is neither a staff code nor a customer's code or phone
    if session.exec(select(Staff).where(Staff.code == code)).first() is not None:
        raise StoreError("conflict", f"{code!r} is a staff code; a partner needs its own code", "e.g. P-WY01")
    if session.exec(select(Customer).where((Customer.code == code) | (Customer.phone == code))).first() is not None:
        raise StoreError("conflict", f"{code!r} is a customer's code or phone; a partner needs its own code", "e.g. P-WY01")
    ref = find_referrer(session, referrer) if referrer and referrer.strip() else None
    row = Partner(code=code, name=name, created_at=db.now_of(session), operator=db.operator_of(session))
    session.add(row)
    session.flush()
    if ref is not None:
        set_referrer(session, ("partner", row.id), ref)
    db.note_doc(session, f"partner {code}")
    return partner_dict(session, session.get(Partner, row.id))


def find_partner(session: Session, code: str) -> Partner:
    code = clean_code(code, "partner code")
    row = session.exec(select(Partner).where(Partner.code == code)).first()
    if row is None:
        raise not_found(f"no partner {code!r}", "storectl partner list")
    return row


def show_partner(session: Session, code: str) -> dict:
    return partner_dict(session, find_partner(session, code))


def list_partners(session: Session) -> list[dict]:
    return [partner_dict(session, r) for r in session.exec(select(Partner).order_by(Partner.code)).all()]


# --- members' referrers ---------------------------------------------------------------------------


def enrol(session: Session, *, phone: str, name: str | None = None, channel: str | None = None, staff: str | None = None,
          referrer: str | None = None, via: str | None = None) -> dict:
    """`member add`: enrol, with a referrer that is a member or a partner (typed, or a scanned `?ref=`)."""
    from storectl.services.loyalty import members
    from storectl.services.qr import codes as qr
    from storectl.services.shop import settings

    typed = referrer.strip() if referrer and referrer.strip() else None
    ref: Node | None = None
    if via is not None:
        scanned = qr.parse_payload(via, settings.get(session, "qr.base_url")).get("ref")
        if scanned is not None:
            if typed is not None and clean_code(typed, "referrer") != scanned:
                raise invalid(f"--referrer {typed} disagrees with the scanned code's referrer {scanned}",
                              "drop --referrer, or scan the right code")
            try:
                ref = find_referrer(session, scanned)
            except StoreError:
                raise invalid(f"the scanned code names an unknown referrer {scanned!r}", "storectl partner list") from None
    if ref is None and typed is not None:
        ref = find_referrer(session, typed)
    result = members.add_member(session, phone=phone, name=name, channel=channel, staff=staff, via=via)
    if ref is not None:
        row = lookup.member(session, result["phone"] or result["code"])
        set_referrer(session, ("member", row.id), ref)
        result["referrer"] = label(session, ref)
    return result


def set_member_referrer(session: Session, *, phone: str, referrer: str) -> dict:
    """`member set-referrer PHONE REF`: the member's referrer becomes REF (a member or a partner)."""
    from storectl.services.loyalty import members

    row = lookup.member(session, phone)
    ref = find_referrer(session, referrer)
    set_referrer(session, ("member", row.id), ref)
    db.note_doc(session, f"member {row.phone or row.code}")
    result = members.member_dict(session, session.get(Customer, row.id))
    result["referrer"] = label(session, ref)
    return result
