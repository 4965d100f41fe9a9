"""Leads (L-): a phone someone may buy for, an owner, follow-ups with a next date, and the end.

A lead is `open` until its first follow-up (`contacted`), and ends `won` or `lost`. A sale to the
lead's customer (matched by customer or by phone) between the lead's creation and its `until`
wins it by itself (`won_by_sale`, called by the till): a campaign's lead lives as long as the
campaign's window, a lead added by hand `WINDOW_DAYS`. The lead's owner is who `report staff`
credits with it ("leads won": leads that became won in the period, by a sale or by hand).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlmodel import Session

from storectl import db
from storectl.codes import clean_code, normalize_phone
from storectl.errors import StoreError, invalid, not_found
from storectl.models import Customer, Lead, LeadNote, Sale, Staff
from storectl.periods import parse_date
from storectl.services.shop import lookup, settings
from storectl.services.shop.catalogue import clean_name

WINDOW_DAYS = 30  # a lead added by hand is won by a sale within this many days
LIVE = ("open", "contacted")
FOLLOW_STATUSES = ("contacted", "won", "lost")


def _text(value: str | None, what: str) -> str:
    return clean_name(value, what) if value and value.strip() else ""


def _date(value: str | None) -> date | None:
    return parse_date(value) if value else None


def find(session: Session, lead_id: str) -> Lead:
    code = clean_code(lead_id, "lead id").upper()
    row = session.scalars(select(Lead).where(Lead.doc_no == code)).first()
    if row is None:
        raise not_found(f"no lead {code!r}", "storectl lead list")
    return row


def create(
    session: Session, *, phone: str, name: str, owner: Staff, customer: Customer | None, source: str, interest: str,
    next_date: date | None, until: datetime, member_id: int | None = None,
) -> Lead:
    """One new lead row (the campaign's click and `lead add` both come here)."""
    row = Lead(
        doc_no=db.next_doc_no(session, "L"), phone=phone, name=name, customer_id=customer.id if customer else None,
        owner_id=owner.id, source=source, interest=interest, status="open", next_date=next_date, member_id=member_id,
        created_at=db.now_of(session), until=until, operator=db.operator_of(session),
    )
    session.add(row)
    session.flush()
    return row


def _default_owner(session: Session, customer: Customer | None) -> Staff:
    """Who sold to this customer last, else who brought them in; else the owner must be given."""
    if customer is not None:
        staff_id = session.scalars(
            select(Sale.staff_id).where(Sale.customer_id == customer.id).order_by(Sale.at.desc(), Sale.id.desc()).limit(1)
        ).first() or customer.staff_id
        if staff_id is not None:
            return session.get(Staff, staff_id)
    raise invalid("who owns this lead?", "give the salesperson: --owner E002")


def add(
    session: Session, *, phone: str, name: str | None = None, owner: str | None = None, source: str | None = None,
    interest: str | None = None, next_date: str | None = None,
) -> dict:
    number = normalize_phone(phone)
    if not number:
        raise invalid("the lead's phone is empty", "e.g. storectl lead add 13800138000 --owner E002")
    when = _date(next_date)
    customer = session.scalars(select(Customer).where(Customer.phone == number)).first()
    staff = lookup.staff(session, owner) if owner else _default_owner(session, customer)
    if not staff.active:
        raise invalid(f"staff member {staff.code} is not active", "give an active salesperson: --owner")
    row = create(
        session, phone=number, name=_text(name, "name") or (customer.name if customer else ""), owner=staff, customer=customer,
        source=_text(source, "source") or "walk-in", interest=_text(interest, "interest"), next_date=when,
        until=db.now_of(session) + timedelta(days=WINDOW_DAYS),
    )
    return lead_dict(session, row)


def follow(session: Session, *, lead_id: str, note: str, next_date: str | None = None, status: str | None = None) -> dict:
    """A follow-up: the note, the next date, and the status (an open lead becomes contacted)."""
    text = clean_name(note, "note")
    when = _date(next_date)
    if status is not None and status not in FOLLOW_STATUSES:
        raise invalid(f"unknown status {status!r}", f"one of {', '.join(FOLLOW_STATUSES)}")
    row = find(session, lead_id)
    now = db.now_of(session)
    new = status or ("contacted" if row.status == "open" else row.status)
    if new != row.status or row.status in LIVE:
        closing = new in ("won", "lost")
        values = {"status": new, "closed_at": now if closing else None}
        if when is not None:
            values["next_date"] = when
        elif closing:
            values["next_date"] = None
        done = session.execute(
            update(Lead).where(Lead.id == row.id, Lead.status.in_(LIVE)).values(**values)
        ).rowcount
        if done != 1:
            raise StoreError("conflict", f"lead {row.doc_no} is already {row.status}", f"storectl lead show {row.doc_no}")
    elif when is not None:
        raise StoreError("conflict", f"lead {row.doc_no} is already {row.status}", f"storectl lead show {row.doc_no}")
    session.add(LeadNote(lead_id=row.id, at=now, note=text, status=new, next_date=when, operator=db.operator_of(session)))
    session.flush()
    session.refresh(row)
    db.note_doc(session, row.doc_no)
    return lead_dict(session, row, notes=True)


def won_by_sale(session: Session, sale: Sale) -> list[str]:
    """The till's hook: live leads of the sale's customer (by customer or phone) whose window holds
    the sale become won with it. A guarded update, so a lead is won once."""
    if sale.customer_id is None:
        return []
    phone = session.scalars(select(Customer.phone).where(Customer.id == sale.customer_id)).first()
    who = Lead.customer_id == sale.customer_id
    if phone:
        who = or_(who, Lead.phone == phone)
    rows = session.execute(
        select(Lead.id, Lead.doc_no).where(who, Lead.status.in_(LIVE), Lead.created_at <= sale.at, Lead.until > sale.at)
    ).all()
    won = []
    for lead_id, doc_no in rows:
        done = session.execute(
            update(Lead).where(Lead.id == lead_id, Lead.status.in_(LIVE))
            .values(status="won", won_sale_id=sale.id, closed_at=sale.at, next_date=None, customer_id=sale.customer_id)
        ).rowcount
        if done == 1:
            session.add(LeadNote(lead_id=lead_id, at=sale.at, note=f"won by sale {sale.doc_no}", status="won", operator=db.operator_of(session)))
            won.append(doc_no)
    return won


def list_leads(session: Session, *, owner: str | None = None, due: bool = False, status: str | None = None) -> list[dict]:
    """Leads, newest first; `due`: live leads whose next follow-up is today or late (shop calendar)."""
    query = select(Lead)
    if owner:
        query = query.where(Lead.owner_id == lookup.staff(session, owner).id)
    if due:
        query = query.where(Lead.status.in_(LIVE), Lead.next_date <= settings.today(session)).order_by(Lead.next_date, Lead.id)
    else:
        query = query.order_by(Lead.id.desc())
    return [lead_dict(session, r) for r in session.scalars(query)]


def show(session: Session, lead_id: str) -> dict:
    return lead_dict(session, find(session, lead_id), notes=True)


def lead_dict(session: Session, row: Lead, *, notes: bool = False) -> dict:
    today = settings.today(session)
    result = {
        "id": row.doc_no, "phone": row.phone, "name": row.name,
        "customer": lookup.code_of(session, Customer, row.customer_id),
        "owner": lookup.code_of(session, Staff, row.owner_id), "source": row.source, "interest": row.interest,
        "status": row.status, "next": row.next_date.isoformat() if row.next_date else None,
        "due": bool(row.status in LIVE and row.next_date is not None and row.next_date <= today),
        "created_at": settings.local_iso(session, row.created_at), "until": settings.local_iso(session, row.until),
        "won_sale": lookup.code_of(session, Sale, row.won_sale_id, "doc_no"),
        "closed_at": settings.local_iso(session, row.closed_at),
    }
    if notes:
        result["notes"] = [
            {"at": settings.local_iso(session, n.at), "note": n.note, "status": n.status,
             "next": n.next_date.isoformat() if n.next_date else None, "by": n.operator}
            for n in session.scalars(select(LeadNote).where(LeadNote.lead_id == row.id).order_by(LeadNote.id))
        ]
    return result
