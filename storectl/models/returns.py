"""Returns against sales, and customers' payments against their balance."""

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)
from storectl.models import customer, sale, unit  # noqa: F401  (the tables its foreign keys point to)


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
