"""Finding things by their codes, with the not_found messages every command shares."""

from __future__ import annotations

from sqlmodel import Session, select

from storectl import models
from storectl.codes import clean_code, normalize_phone
from storectl.errors import StoreError, invalid, not_found
from storectl.models import Customer, Product, Staff, Store


def _one(session: Session, model, column, value: str, what: str, hint: str):  # noqa: ANN001, ANN202
    """The row whose `column` equals the cleaned code, or not_found naming it."""
    row = session.exec(select(model).where(column == value)).first()
    if row is None:
        raise not_found(f"no {what} {value!r}", hint)
    return row


def store(session: Session, code: str) -> Store:
    return _one(session, Store, Store.code, clean_code(code, "store code"), "store", "storectl store list")


def staff(session: Session, code: str) -> Staff:
    return _one(session, Staff, Staff.code, clean_code(code, "staff code"), "staff member", "storectl staff list")


def supplier(session: Session, code: str) -> models.Supplier:
    return _one(session, models.Supplier, models.Supplier.code, clean_code(code, "supplier code"), "supplier", "storectl supplier list")


def product(session: Session, sku: str) -> Product:
    return _one(session, Product, Product.sku, clean_code(sku, "SKU"), "product with SKU", "storectl product list")


def customer(session: Session, code: str) -> Customer:
    """A customer by code, or a member by phone."""
    code = clean_code(code, "customer code")
    row = session.exec(select(Customer).where(Customer.code == code)).first()
    if row is None:
        row = session.exec(select(Customer).where(Customer.phone == _as_phone(code))).first()
    if row is None:
        raise not_found(f"no customer or member {code!r}", "storectl customer list")
    return row


def _as_phone(text: str) -> str:
    """`+86 138-0013-8000` as stored (13800138000); text that is no phone stays as it is."""
    try:
        return normalize_phone(text) or text
    except StoreError:
        return text


def member(session: Session, phone: str) -> Customer:
    row = customer(session, phone)
    if not row.is_member:
        raise not_found(f"customer {row.code} is not a member", f"storectl member add {row.phone or 'PHONE'}")
    return row


def channel(session: Session, code: str) -> models.Channel:
    return _one(session, models.Channel, models.Channel.code, clean_code(code, "channel code"), "channel", "storectl channel list")


def level(session: Session, name: str) -> models.Level:
    return _one(session, models.Level, models.Level.name, clean_code(name, "level name"), "member level", "storectl level list")


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
        raise no_unit(code)
    return row


def no_unit(code: str) -> StoreError:
    """The not_found for a code that no unit carries."""
    return not_found(f"no unit with code {code!r}", "check the code, or storectl stock list")


def unit_codes(session: Session, unit_id: int) -> dict[str, str]:
    """A unit's codes keyed by kind, in the product's order: {"IMEI1": …, "IMEI2": …, "SN": …}."""
    from storectl.models import UnitCode

    codes = UnitCode.__table__.c
    return dict(session.execute(select(codes.kind, codes.code).where(codes.unit_id == unit_id).order_by(codes.position)).all())


def first_code(session: Session, unit_id: int) -> str:
    codes = unit_codes(session, unit_id)
    return next(iter(codes.values()), str(unit_id))


def counter_person(session: Session, operator: str | None) -> tuple[str, str] | None:
    """(staff code, store code) of the operator when they are an active staff member: the person at
    the counter, whose store and code are the defaults of `--store` / `--staff` (SPEC §10). None
    when the operator is no such person (a login name, a former employee, nobody)."""
    if not operator or not operator.strip():
        return None
    try:
        code = clean_code(operator, "staff code")
    except StoreError:
        return None
    row = session.exec(select(Staff).where(Staff.code == code)).first()
    if row is None or not row.active:
        return None
    home = session.get(Store, row.store_id)
    return row.code, home.code


def no_counter_default(missing: list[str], operator: str | None, example: str = "") -> StoreError:
    """The refusal when `missing` options (e.g. ["--store"]) have no default: the operator is not an
    active staff member, or nobody is set (the one wording for `sell`, `till` and the rest)."""
    who = f"the operator {operator.strip()!r} is not an active staff member" if operator and operator.strip() \
        else "no operator is set"
    return invalid(f"{' and '.join(missing)} missing: {who}, so there is no default",
                   (f"e.g. {example}; or " if example else "") + "set STORECTL_OPERATOR (or --operator) to your staff code")
