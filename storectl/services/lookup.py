"""Finding things by their codes, with the not_found messages every command shares."""

from __future__ import annotations

from sqlmodel import Session, select

from storectl.codes import clean_code
from storectl.errors import not_found
from storectl.models import Channel, Customer, Level, Product, Staff, Store, Supplier


def store(session: Session, code: str) -> Store:
    code = clean_code(code, "store code")
    row = session.exec(select(Store).where(Store.code == code)).first()
    if row is None:
        raise not_found(f"no store {code!r}", "storectl store list")
    return row


def staff(session: Session, code: str) -> Staff:
    code = clean_code(code, "staff code")
    row = session.exec(select(Staff).where(Staff.code == code)).first()
    if row is None:
        raise not_found(f"no staff member {code!r}", "storectl staff list")
    return row


def supplier(session: Session, code: str) -> Supplier:
    code = clean_code(code, "supplier code")
    row = session.exec(select(Supplier).where(Supplier.code == code)).first()
    if row is None:
        raise not_found(f"no supplier {code!r}", "storectl supplier list")
    return row


def product(session: Session, sku: str) -> Product:
    sku = clean_code(sku, "SKU")
    row = session.exec(select(Product).where(Product.sku == sku)).first()
    if row is None:
        raise not_found(f"no product with SKU {sku!r}", "storectl product list")
    return row


def customer(session: Session, code: str) -> Customer:
    """A customer by code, or a member by phone."""
    code = clean_code(code, "customer code")
    row = session.exec(select(Customer).where(Customer.code == code)).first()
    if row is None:
        row = session.exec(select(Customer).where(Customer.phone == code)).first()
    if row is None:
        raise not_found(f"no customer or member {code!r}", "storectl customer list")
    return row


def member(session: Session, phone: str) -> Customer:
    row = customer(session, phone)
    if not row.is_member:
        raise not_found(f"customer {row.code} is not a member", f"storectl member add {row.phone or 'PHONE'}")
    return row


def channel(session: Session, code: str) -> Channel:
    code = clean_code(code, "channel code")
    row = session.exec(select(Channel).where(Channel.code == code)).first()
    if row is None:
        raise not_found(f"no channel {code!r}", "storectl channel list")
    return row


def level(session: Session, name: str) -> Level:
    name = clean_code(name, "level name")
    row = session.exec(select(Level).where(Level.name == name)).first()
    if row is None:
        raise not_found(f"no member level {name!r}", "storectl level list")
    return row


def code_of(session: Session, model, row_id: int | None, attr: str = "code") -> str | None:
    """The code of a row by id (None stays None): for rendering foreign keys."""
    if row_id is None:
        return None
    row = session.get(model, row_id)
    return getattr(row, attr) if row is not None else None


def unit_by_code(session: Session, code: str):
    """The unit that carries this code (any of its codes), or not_found."""
    from storectl.codes import normalize_unit_code
    from storectl.models import Unit, UnitCode

    code = normalize_unit_code(code)
    row = session.exec(select(Unit).join(UnitCode, UnitCode.unit_id == Unit.id).where(UnitCode.code == code)).first()
    if row is None:
        raise not_found(f"no unit with code {code!r}", "check the code, or storectl stock list")
    return row


def unit_codes(session: Session, unit_id: int) -> dict[str, str]:
    """A unit's codes keyed by kind, in the product's order: {"IMEI1": …, "IMEI2": …, "SN": …}."""
    from storectl.models import UnitCode

    rows = session.exec(select(UnitCode).where(UnitCode.unit_id == unit_id).order_by(UnitCode.position)).all()
    return {r.kind: r.code for r in rows}


def first_code(session: Session, unit_id: int) -> str:
    codes = unit_codes(session, unit_id)
    return next(iter(codes.values()), str(unit_id))
