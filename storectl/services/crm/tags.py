"""Customer tags: free words a shop puts on its customers (`老客户`, `换机意向`) to pick audiences."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlmodel import Session

from storectl import db
from storectl.errors import invalid, not_found
from storectl.models import Customer, CustomerTag
from storectl.services.shop import catalogue, lookup

MAX_TAG = 32
TAG_HINT = "a tag is a word of up to 32 characters, e.g. 老客户"


def clean_tag(text: str) -> str:
    value = (text or "").strip()
    if not value:
        raise invalid("the tag is empty", TAG_HINT)
    if len(value) > MAX_TAG or any(ord(c) < 32 or ord(c) == 127 or c.isspace() or c == "," for c in value):
        raise invalid(f"{value[:40]!r} is not a tag", TAG_HINT)
    return value


def _clean_all(tags: list[str]) -> list[str]:
    if not tags:
        raise invalid("no tag given", "e.g. storectl customer tag C002 老客户 换机意向")
    return list(dict.fromkeys(clean_tag(t) for t in tags))


def tags_of(session: Session, customer_id: int) -> list[str]:
    return list(session.scalars(select(CustomerTag.tag).where(CustomerTag.customer_id == customer_id).order_by(CustomerTag.tag)))


def tag(session: Session, *, customer: str, tags: list[str]) -> dict:
    """Put tags on a customer (a tag it already has stays as it is)."""
    wanted = _clean_all(tags)
    row = lookup.customer(session, customer)
    have = set(tags_of(session, row.id))
    new = [t for t in wanted if t not in have]
    if new:
        session.execute(insert(CustomerTag), [{"customer_id": row.id, "tag": t} for t in new])
    db.note_doc(session, row.code)
    return {"customer": row.code, "added": new, "tags": tags_of(session, row.id)}


def untag(session: Session, *, customer: str, tags: list[str]) -> dict:
    """Take tags off a customer; a tag it does not have is not_found and nothing changes."""
    wanted = _clean_all(tags)
    row = lookup.customer(session, customer)
    have = set(tags_of(session, row.id))
    missing = [t for t in wanted if t not in have]
    if missing:
        raise not_found(f"customer {row.code} has no tag {missing[0]!r}", f"storectl customer show {row.code}")
    session.execute(delete(CustomerTag).where(CustomerTag.customer_id == row.id, CustomerTag.tag.in_(wanted)))
    db.note_doc(session, row.code)
    return {"customer": row.code, "removed": wanted, "tags": tags_of(session, row.id)}


def show_customer(session: Session, code: str) -> dict:
    """`customer show`: the customer with their tags."""
    row = lookup.customer(session, code)
    return {**catalogue.customer_dict(session, row), "tags": tags_of(session, row.id)}


def list_customers(session: Session, *, group: str | None = None, tag: str | None = None) -> list[dict]:
    """`customer list`, only those with `tag` when given."""
    rows = catalogue.list_customers(session, group=group)
    if tag is None:
        return rows
    codes = set(session.scalars(
        select(Customer.code).join(CustomerTag, CustomerTag.customer_id == Customer.id).where(CustomerTag.tag == clean_tag(tag))
    ))
    return [r for r in rows if r["code"] in codes]
