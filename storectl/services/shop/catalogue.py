"""Stores, staff, suppliers, products and customers: adding, listing, showing."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from storectl import db
from storectl.codes import clean_code, normalize_phone, parse_code_kinds
from storectl.errors import StoreError, invalid
from storectl.models import ROLES, Customer, PriceRule, Product, Staff, Store, Supplier
from storectl.money import format_money
from storectl.services.shop import lookup
from storectl.services.shop.auth import require_manager


def clean_name(value: str, what: str = "name") -> str:
    """A name or other free text from a user: 1–200 printable characters, stripped."""
    value = (value or "").strip()
    if not value:
        raise invalid(f"the {what} is empty", f"give a {what}, e.g. 华强北旗舰店")
    if len(value) > 200 or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise invalid(f"the {what} must be up to 200 printable characters", "remove control characters")
    return value


def _optional_text(value: str | None, what: str) -> str:
    return clean_name(value, what) if value and value.strip() else ""


def _exists(session: Session, model, column, value, what: str, hint: str) -> None:
    if session.exec(select(model).where(column == value)).first() is not None:
        raise StoreError("conflict", f"{what} {value!r} already exists", hint)


# --- stores, staff, suppliers -------------------------------------------------------------


def store_dict(row: Store) -> dict:
    return {"code": row.code, "name": row.name}


def add_store(session: Session, *, code: str, name: str) -> dict:
    code = clean_code(code, "store code")
    _exists(session, Store, Store.code, code, "store", "storectl store list")
    row = Store(code=code, name=clean_name(name), created_at=db.now_of(session))
    session.add(row)
    session.flush()
    return store_dict(row)


def list_stores(session: Session) -> list[dict]:
    return [store_dict(r) for r in session.exec(select(Store).order_by(Store.code))]


def staff_dict(session: Session, row: Staff) -> dict:
    return {
        "code": row.code,
        "name": row.name,
        "store": lookup.code_of(session, Store, row.store_id),
        "role": row.role,
        "has_pin": row.pin_hash is not None,
        "active": row.active,
    }


def add_staff(session: Session, *, code: str, name: str, store: str, role: str = "clerk") -> dict:
    code = clean_code(code, "staff code")
    role = (role or "clerk").strip().lower()
    if role not in ROLES:
        raise invalid(f"unknown role {role!r}", "one of: " + ", ".join(ROLES))
    home = lookup.store(session, store)
    name = clean_name(name)
    _exists(session, Staff, Staff.code, code, "staff member", "storectl staff list")
    require_manager(session, "adding staff")
    row = Staff(code=code, name=name, store_id=home.id, role=role, created_at=db.now_of(session))
    session.add(row)
    session.flush()
    return staff_dict(session, row)


def list_staff(session: Session, *, store: str | None = None) -> list[dict]:
    query = select(Staff).order_by(Staff.code)
    if store:
        query = query.where(Staff.store_id == lookup.store(session, store).id)
    return [staff_dict(session, r) for r in session.exec(query)]


def add_supplier(session: Session, *, code: str, name: str) -> dict:
    code = clean_code(code, "supplier code")
    _exists(session, Supplier, Supplier.code, code, "supplier", "storectl supplier list")
    row = Supplier(code=code, name=clean_name(name), created_at=db.now_of(session))
    session.add(row)
    session.flush()
    return {"code": row.code, "name": row.name}


def list_suppliers(session: Session) -> list[dict]:
    return [{"code": r.code, "name": r.name} for r in session.exec(select(Supplier).order_by(Supplier.code))]


# --- products -----------------------------------------------------------------------------


def list_price_cents(session: Session, product_id: int) -> int | None:
    """The list price in force today (newest rule valid today), or None."""
    from storectl.services.shop.settings import today

    day = today(session)
    row = session.exec(
        select(PriceRule.price_cents)
        .where(PriceRule.product_id == product_id, PriceRule.scope == "list")
        .where((PriceRule.valid_from.is_(None)) | (PriceRule.valid_from <= day))
        .where((PriceRule.valid_until.is_(None)) | (PriceRule.valid_until >= day))
        .order_by(PriceRule.created_at.desc(), PriceRule.id.desc())
    ).first()
    return row


def product_dict(session: Session, row: Product, *, price: int | None = None) -> dict:
    if price is None:
        price = list_price_cents(session, row.id)
    return {
        "sku": row.sku,
        "name": row.name,
        "brand": row.brand,
        "category": row.category,
        "serial": row.serial,
        "codes": row.code_kinds.split(",") if row.serial and row.code_kinds else [],
        "price": format_money(price) if price is not None else None,
        "warranty_months": row.warranty_months,
    }


def add_product(
    session: Session,
    *,
    sku: str,
    name: str,
    brand: str = "",
    category: str = "",
    price_cents: int | None = None,
    serial: bool = True,
    code_kinds: str | None = None,
    warranty_months: int = 0,
) -> dict:
    sku = clean_code(sku, "SKU")
    if warranty_months < 0 or warranty_months > 240:
        raise invalid("warranty months must be 0 to 240", "e.g. --warranty-months 12")
    if serial:
        kinds = parse_code_kinds(code_kinds) if code_kinds and code_kinds.strip() else ["SN"]
    else:
        if code_kinds and code_kinds.strip():
            raise invalid("a quantity product (--no-serial) has no unit codes", "drop --codes, or use --serial")
        kinds = []
    row = Product(
        sku=sku,
        name=clean_name(name),
        brand=_optional_text(brand, "brand"),
        category=_optional_text(category, "category"),
        serial=serial,
        code_kinds=",".join(kinds),
        warranty_months=warranty_months,
        created_at=db.now_of(session),
    )
    _exists(session, Product, Product.sku, sku, "SKU", f"storectl product show {sku}")
    session.add(row)
    session.flush()
    if price_cents is not None:
        session.add(
            PriceRule(
                product_id=row.id,
                scope="list",
                price_cents=price_cents,
                created_at=db.now_of(session),
                operator=db.operator_of(session),
            )
        )
        session.flush()
    return product_dict(session, row, price=price_cents)


def list_products(session: Session, *, category: str | None = None) -> list[dict]:
    query = select(Product).order_by(Product.sku)
    if category:
        query = query.where(Product.category == category.strip())
    return [product_dict(session, r) for r in session.exec(query)]


def show_product(session: Session, sku: str) -> dict:
    from storectl.models import StockLevel, Unit

    row = lookup.product(session, sku)
    data = product_dict(session, row)
    if row.serial:
        on_hand = session.exec(
            select(func.count()).select_from(Unit).where(Unit.product_id == row.id, Unit.status == "in_stock")
        ).one()
    else:
        on_hand = session.exec(
            select(func.coalesce(func.sum(StockLevel.qty), 0)).where(StockLevel.product_id == row.id)
        ).one()
    data["on_hand"] = int(on_hand)
    data["avg_cost"] = format_money(row.avg_cost_cents) if not row.serial else None
    return data


# --- customers ----------------------------------------------------------------------------


def customer_dict(session: Session, row: Customer) -> dict:
    from storectl.models import Channel, Level

    return {
        "code": row.code,
        "name": row.name,
        "phone": row.phone,
        "group": row.group_name,
        "credit_limit": format_money(row.credit_limit_cents),
        "balance": format_money(row.balance_cents),
        "member": row.is_member,
        "level": lookup.code_of(session, Level, row.level_id, "name"),
        "points": row.points,
        "channel": lookup.code_of(session, Channel, row.channel_id),
        "staff": lookup.code_of(session, Staff, row.staff_id),
    }


def add_customer(
    session: Session,
    *,
    code: str,
    name: str,
    phone: str | None = None,
    group: str = "",
    credit_limit_cents: int = 0,
) -> dict:
    code = clean_code(code, "customer code")
    phone = normalize_phone(phone)
    row = Customer(
        code=code,
        name=clean_name(name),
        phone=phone,
        group_name=_optional_text(group, "group"),
        credit_limit_cents=credit_limit_cents,
        created_at=db.now_of(session),
    )
    _exists(session, Customer, Customer.code, code, "customer", f"storectl customer show {code}")
    if phone:
        _exists(session, Customer, Customer.phone, phone, "a customer with phone", "storectl customer list")
    session.add(row)
    session.flush()
    return customer_dict(session, row)


def list_customers(session: Session, *, group: str | None = None) -> list[dict]:
    query = select(Customer).order_by(Customer.code)
    if group:
        query = query.where(Customer.group_name == group.strip())
    return [customer_dict(session, r) for r in session.exec(query)]


def show_customer(session: Session, code: str) -> dict:
    return customer_dict(session, lookup.customer(session, code))
