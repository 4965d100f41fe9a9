"""The tables. Money is integer cents (`*_cents`), times naive UTC, codes text.

History tables (movement, points_entry, audit, sale, sale_return, payment, …) are append-only;
state columns (unit.status, stock_level.qty, customer.balance_cents, customer.points) are caches
of that history which `db check` proves agree with it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Index, MetaData, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# A command uses a few tables but imports them all: let pydantic build each model's validator on
# first use instead of at import (a third of `import storectl.models`; see bench/, issue #10).
SQLModel.model_config["defer_build"] = True

# Stable constraint names, so Alembic batch migrations on SQLite can find them.
SQLModel.metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

UNIT_STATUSES = (
    "in_stock",
    "in_transit",
    "sold",
    "scrapped",
    "lost",
    "supplier_returned",
    "internal_use",
)
ROLES = ("clerk", "manager", "accountant")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# --- settings, documents, audit ---------------------------------------------------------


class Setting(SQLModel, table=True):
    key: str = Field(primary_key=True)
    value: str


class DocCounter(SQLModel, table=True):
    """The last number used per document prefix (IN, OUT, TR, S, RT, PAY, CNT)."""

    __tablename__ = "doc_counter"
    prefix: str = Field(primary_key=True)
    last: int = 0


class Audit(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    operator: str
    command: str
    docs: str = ""
    outcome: str = "ok"
    detail: str = ""


class Period(SQLModel, table=True):
    """A month that has been closed (and maybe reopened). Changes are audited."""

    id: Optional[int] = Field(default=None, primary_key=True)
    period: str = Field(unique=True)  # YYYY-MM
    closed: bool = True
    closed_at: Optional[datetime] = None
    closed_by: str = ""
    reopened_at: Optional[datetime] = None
    reopened_by: str = ""


# --- catalogue ----------------------------------------------------------------------------


class Store(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    created_at: datetime


class Staff(SQLModel, table=True):
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    store_id: int = Field(foreign_key="store.id", index=True)
    role: str = "clerk"
    pin_hash: Optional[str] = None
    active: bool = True
    created_at: datetime


class Supplier(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    created_at: datetime


class Product(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("warranty_months >= 0", name="warranty"),
        CheckConstraint("avg_cost_cents >= 0", name="avg_cost"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    sku: str = Field(unique=True)
    name: str
    brand: str = ""
    category: str = ""
    serial: bool = True
    code_kinds: str = "SN"  # "IMEI1,IMEI2,SN"; empty for quantity products
    warranty_months: int = 0
    avg_cost_cents: int = 0  # moving average, quantity products only
    created_at: datetime


class Channel(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    created_at: datetime


class Level(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("min_spend_cents >= 0", name="min_spend"),
        CheckConstraint("discount_bp >= 0 AND discount_bp <= 10000", name="discount"),
        CheckConstraint("multiplier_milli > 0", name="multiplier"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    min_spend_cents: int = 0
    discount_bp: int = 0  # 500 = 5 % off the list price
    multiplier_milli: int = 1000  # 1500 = ×1.5 points
    created_at: datetime


class Customer(SQLModel, table=True):
    """Trade and retail customers; a member is a customer with is_member set and a phone."""

    __table_args__ = (
        CheckConstraint("credit_limit_cents >= 0", name="credit_limit"),
        CheckConstraint("points >= 0", name="points"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str = ""
    phone: Optional[str] = Field(default=None, unique=True)
    group_name: str = ""
    credit_limit_cents: int = 0
    balance_cents: int = 0  # receivable: sales on credit − returns − payments
    is_member: bool = False
    level_id: Optional[int] = Field(default=None, foreign_key="level.id")
    points: int = 0  # cache of sum(points_entry.delta)
    lifetime_spend_cents: int = 0  # net of returns
    channel_id: Optional[int] = Field(default=None, foreign_key="channel.id", index=True)
    staff_id: Optional[int] = Field(default=None, foreign_key="staff.id", index=True)
    referrer_id: Optional[int] = Field(default=None, foreign_key="customer.id")
    joined_at: Optional[datetime] = None
    created_at: datetime


# --- stock --------------------------------------------------------------------------------


class StockDoc(SQLModel, table=True):
    """A stock-in (IN-) or stock-out (OUT-) document."""

    __tablename__ = "stock_doc"
    id: Optional[int] = Field(default=None, primary_key=True)
    doc_no: str = Field(unique=True)
    kind: str  # in | out
    reason: str = ""  # purchase | scrap | loss | supplier-return | internal-use
    store_id: int = Field(foreign_key="store.id")
    supplier_id: Optional[int] = Field(default=None, foreign_key="supplier.id")
    ref: str = ""
    at: datetime = Field(index=True)
    operator: str


class Unit(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(_in("status", UNIT_STATUSES), name="status"),
        CheckConstraint("cost_cents >= 0", name="cost"),
        Index("ix_unit_store_status", "store_id", "status", "product_id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    store_id: int = Field(foreign_key="store.id")  # where it is; while in transit, where it left
    status: str = "in_stock"
    cost_cents: int
    supplier_id: Optional[int] = Field(default=None, foreign_key="supplier.id")
    stock_in_id: Optional[int] = Field(default=None, foreign_key="stock_doc.id")
    received_at: datetime
    sold_at: Optional[datetime] = None


class UnitCode(SQLModel, table=True):
    """Every code of every unit; UNIQUE(code) is what makes a code find exactly one unit."""

    __tablename__ = "unit_code"
    id: Optional[int] = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    kind: str
    code: str = Field(unique=True)
    position: int = 0  # order of the product's code kinds; 0 is the unit's first code


class StockLevel(SQLModel, table=True):
    """Quantity products on hand per store (a cache of the movements)."""

    __tablename__ = "stock_level"
    __table_args__ = (CheckConstraint("qty >= 0", name="qty"),)
    store_id: int = Field(foreign_key="store.id", primary_key=True)
    product_id: int = Field(foreign_key="product.id", primary_key=True)
    qty: int = 0


class Movement(SQLModel, table=True):
    """The append-only stock ledger: one row per unit or quantity that moved."""

    __table_args__ = (
        CheckConstraint("qty > 0", name="qty"),
        Index("ix_movement_product_at", "product_id", "at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    kind: str  # in, out, transfer_send, transfer_receive, transfer_cancel, sale, return, count
    doc_no: str = Field(index=True)
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id", index=True)
    product_id: int = Field(foreign_key="product.id")
    qty: int = 1
    from_store_id: Optional[int] = Field(default=None, foreign_key="store.id")
    to_store_id: Optional[int] = Field(default=None, foreign_key="store.id")
    status_after: str = ""  # the unit's status after this movement (serial units)
    cost_cents: int = 0  # total cost of what moved
    price_cents: Optional[int] = None  # sales and returns: what the customer paid per unit
    customer_id: Optional[int] = Field(default=None, foreign_key="customer.id")
    operator: str


class Transfer(SQLModel, table=True):
    __table_args__ = (CheckConstraint(_in("status", ("open", "partial", "received", "cancelled")), name="status"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    doc_no: str = Field(unique=True)
    from_store_id: int = Field(foreign_key="store.id")
    to_store_id: int = Field(foreign_key="store.id")
    status: str = "open"
    at: datetime = Field(index=True)
    operator: str
    closed_at: Optional[datetime] = None


class TransferLine(SQLModel, table=True):
    __tablename__ = "transfer_line"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty"),
        CheckConstraint("received_qty >= 0 AND cancelled_qty >= 0 AND received_qty + cancelled_qty <= qty", name="done"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    transfer_id: int = Field(foreign_key="transfer.id", index=True)
    product_id: int = Field(foreign_key="product.id")
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id", index=True)
    qty: int = 1
    cost_cents: int = 0
    received_qty: int = 0
    cancelled_qty: int = 0


class StockCount(SQLModel, table=True):
    __tablename__ = "stock_count"
    id: Optional[int] = Field(default=None, primary_key=True)
    doc_no: str = Field(unique=True)
    store_id: int = Field(foreign_key="store.id")
    at: datetime
    operator: str
    matched: int = 0
    missing: str = ""  # JSON list of first codes
    unexpected: str = ""
    unknown: str = ""
    applied: bool = False


# --- prices, sales, returns, payments ------------------------------------------------------


class PriceRule(SQLModel, table=True):
    """A price for a SKU: list (no scope) or for a customer, a group or a level; never edited."""

    __tablename__ = "price_rule"
    __table_args__ = (
        CheckConstraint(_in("scope", ("list", "customer", "group", "level")), name="scope"),
        CheckConstraint("price_cents >= 0", name="price"),
        Index("ix_price_rule_lookup", "product_id", "scope", "scope_ref"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id")
    scope: str = "list"
    scope_ref: str = ""  # customer code, group name or level name
    price_cents: int
    valid_from: Optional[date] = None
    valid_until: Optional[date] = None  # inclusive
    created_at: datetime
    operator: str = ""


class Sale(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("total_cents >= 0 AND due_cents >= 0", name="amounts"),
        Index("ix_sale_at_store", "at", "store_id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    doc_no: str = Field(unique=True)
    at: datetime
    store_id: int = Field(foreign_key="store.id")
    staff_id: int = Field(foreign_key="staff.id", index=True)
    customer_id: Optional[int] = Field(default=None, foreign_key="customer.id", index=True)
    channel_id: Optional[int] = Field(default=None, foreign_key="channel.id")
    operator: str
    total_cents: int = 0
    paid_cents: int = 0  # money paid (not points)
    points_redeemed: int = 0
    points_value_cents: int = 0
    points_earned: int = 0
    due_cents: int = 0  # owed on credit


class SaleLine(SQLModel, table=True):
    __tablename__ = "sale_line"
    __table_args__ = (CheckConstraint("qty > 0 AND returned_qty >= 0 AND returned_qty <= qty", name="qty"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    sale_id: int = Field(foreign_key="sale.id", index=True)
    line_no: int = 1
    product_id: int = Field(foreign_key="product.id", index=True)
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id", index=True)
    qty: int = 1
    price_cents: int
    amount_cents: int
    rule: str
    cost_cents: int  # total cost of the line
    staff_id: int = Field(foreign_key="staff.id")
    returned_qty: int = 0


class SalePayment(SQLModel, table=True):
    __tablename__ = "sale_payment"
    id: Optional[int] = Field(default=None, primary_key=True)
    sale_id: int = Field(foreign_key="sale.id", index=True)
    method: str
    amount_cents: int


class SaleReturn(SQLModel, table=True):
    __tablename__ = "sale_return"
    id: Optional[int] = Field(default=None, primary_key=True)
    doc_no: str = Field(unique=True)
    sale_id: int = Field(foreign_key="sale.id", index=True)
    at: datetime = Field(index=True)
    operator: str
    amount_cents: int = 0  # value of the returned lines
    credit_cents: int = 0  # part that reduced what the customer owed
    refund_cents: int = 0  # money handed back
    refund_method: str = ""
    points_reversed: int = 0
    points_restored: int = 0
    points_unrecovered: int = 0


class ReturnLine(SQLModel, table=True):
    __tablename__ = "return_line"
    __table_args__ = (CheckConstraint("qty > 0", name="qty"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    return_id: int = Field(foreign_key="sale_return.id", index=True)
    sale_line_id: int = Field(foreign_key="sale_line.id", index=True)
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    qty: int = 1
    amount_cents: int
    cost_cents: int


class Payment(SQLModel, table=True):
    """A customer's payment against their balance (PAY-)."""

    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    doc_no: str = Field(unique=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    amount_cents: int
    method: str = "cash"
    at: datetime = Field(index=True)
    operator: str


# --- members and points --------------------------------------------------------------------


class PointsEntry(SQLModel, table=True):
    """The points ledger; a member's balance is the sum of delta."""

    __tablename__ = "points_entry"
    __table_args__ = (Index("ix_points_entry_customer_at", "customer_id", "at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    at: datetime
    kind: str  # earn, redeem, checkin, adjust, expire, return_reverse, return_restore
    delta: int
    doc_no: str = ""
    reason: str = ""
    operator: str = ""


class CheckinRule(SQLModel, table=True):
    __tablename__ = "checkin_rule"
    __table_args__ = (CheckConstraint("every > 0 AND points > 0", name="positive"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    every: int
    points: int
    once: bool = False
    active: bool = True
    created_at: datetime
    removed_at: Optional[datetime] = None


class Checkin(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("customer_id", "day", name="uq_checkin_customer_day"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    day: date
    at: datetime
    streak: int
    points: int = 0


class CheckinPayout(SQLModel, table=True):
    """Which rules a check-in paid (for --once rules: at most one row per member and rule)."""

    __tablename__ = "checkin_payout"
    __table_args__ = (
        Index(
            "uq_checkin_payout_once",
            "customer_id",
            "rule_id",
            unique=True,
            # Partial on both back ends: migration 0004 gives PostgreSQL its WHERE too. Naming
            # postgresql_where here would import the whole PostgreSQL dialect into every
            # command (55 ms of an `sn show`), and autogenerate does not compare WHERE clauses.
            sqlite_where=text("once"),
        ),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    checkin_id: int = Field(foreign_key="checkin.id", index=True)
    rule_id: int = Field(foreign_key="checkin_rule.id")
    customer_id: int = Field(foreign_key="customer.id")
    points: int
    once: bool = False


# --- reports: the daily sales aggregate ------------------------------------------------------


class SalesDay(SQLModel, table=True):
    """Sale and return lines summed per shop-calendar day, store and salesperson (a cache of the
    lines, kept by the sale and return transactions; `services/sales_day.py`). Signed: returns
    subtract on their own day, in the sale's store, for the returned line's salesperson."""

    __tablename__ = "sales_day"
    day: date = Field(primary_key=True)  # in the zone recorded in setting `_sales_day_tz`
    store_id: int = Field(foreign_key="store.id", primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", primary_key=True)
    sales: int = 0  # distinct sales with a line by this salesperson
    tickets: int = 0  # each sale once, on the row of its first line: what stores and totals count
    units: int = 0
    revenue_cents: int = 0
    cost_cents: int = 0
