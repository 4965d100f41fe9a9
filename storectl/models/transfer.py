"""Transfers between stores (in transit until received) and stock counts."""

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from storectl.models import product, store, unit  # noqa: F401  (the tables its foreign keys point to)
from storectl.models.base import one_of


class Transfer(SQLModel, table=True):
    __table_args__ = (CheckConstraint(one_of("status", ("open", "partial", "received", "cancelled")), name="status"),)
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
