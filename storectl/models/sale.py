"""Sales, their lines and how they were paid."""

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)
from storectl.models import channel, customer, product, store, unit  # noqa: F401  (the tables its foreign keys point to)


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
    change_cents: int = 0  # cash handed back (the receipt shows it); paid_cents is net of it
    # the receipt's QR code carries it (`sale lookup`); NULL on sales made before revision 0009
    receipt_token: Optional[str] = Field(default=None, unique=True, index=True)


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
    condition: str = Field(default="new", sa_column_kwargs={"server_default": "new"})  # the unit's when sold (trade-ins: used-A…D)


class SalePayment(SQLModel, table=True):
    __tablename__ = "sale_payment"
    id: Optional[int] = Field(default=None, primary_key=True)
    sale_id: int = Field(foreign_key="sale.id", index=True)
    method: str
    amount_cents: int
