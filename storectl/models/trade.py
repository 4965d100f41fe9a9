"""Trade-ins (TI-: a used unit bought from a customer) and pre-orders (SO-: reserved stock and a deposit)."""

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from storectl.models import customer, product, sale, store, unit  # noqa: F401  (the tables its foreign keys point to)
from storectl.models.base import one_of


class TradeIn(SQLModel, table=True):
    """A used unit bought from a customer: paid out at once (`pay_method`) or kept as a credit that
    one later sale takes (`sale_id`, set once by a guarded update)."""

    __tablename__ = "trade_in"
    __table_args__ = (
        CheckConstraint("price_cents >= 0", name="price"),
        CheckConstraint(one_of("grade", ("A", "B", "C", "D")), name="grade"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    doc_no: str = Field(unique=True)
    at: datetime = Field(index=True)
    store_id: int = Field(foreign_key="store.id")
    staff_id: Optional[int] = Field(default=None, foreign_key="staff.id")
    customer_id: Optional[int] = Field(default=None, foreign_key="customer.id")
    product_id: int = Field(foreign_key="product.id")
    unit_id: int = Field(foreign_key="unit.id", index=True)
    grade: str
    price_cents: int
    pay_method: Optional[str] = None  # paid out at once by this method; None: kept as a credit
    sale_id: Optional[int] = Field(default=None, foreign_key="sale.id", index=True)  # the sale that took the credit
    operator: str


class SaleOrder(SQLModel, table=True):
    """A pre-order: reserved units (and promised quantities) with a deposit held until the sale."""

    __tablename__ = "sale_order"
    __table_args__ = (
        CheckConstraint(one_of("status", ("open", "completed", "cancelled")), name="status"),
        CheckConstraint("deposit_cents > 0 AND deposit_cents <= total_cents", name="deposit"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    doc_no: str = Field(unique=True)
    at: datetime = Field(index=True)
    store_id: int = Field(foreign_key="store.id")
    staff_id: int = Field(foreign_key="staff.id")
    customer_id: int = Field(foreign_key="customer.id", index=True)
    status: str = "open"
    until: Optional[date] = None
    total_cents: int  # the agreed prices, kept for the sale
    deposit_cents: int
    sale_id: Optional[int] = Field(default=None, foreign_key="sale.id")
    closed_at: Optional[datetime] = Field(default=None, index=True)
    forfeited_cents: int = 0  # kept as other income when cancelled with --forfeit
    refunded_cents: int = 0
    operator: str


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_line"
    __table_args__ = (CheckConstraint("qty > 0", name="qty"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sale_order.id", index=True)
    line_no: int = 1
    product_id: int = Field(foreign_key="product.id")
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id", index=True)
    qty: int = 1
    price_cents: int


class OrderPayment(SQLModel, table=True):
    """Money of a pre-order and who took or gave it: the deposit (定金), the balance (尾款), a refund."""

    __tablename__ = "order_payment"
    __table_args__ = (CheckConstraint(one_of("kind", ("deposit", "balance", "refund", "forfeit")), name="kind"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sale_order.id", index=True)
    at: datetime
    kind: str
    method: str
    amount_cents: int
    staff_id: int = Field(foreign_key="staff.id")
