"""Stock-in/out documents, serial units and every code each carries, and the movement ledger."""

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from storectl.models import customer, product, store, supplier  # noqa: F401  (the tables its foreign keys point to)
from storectl.models.base import MOVEMENT_KINDS, UNIT_CONDITIONS, UNIT_STATUSES, one_of


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
        CheckConstraint(one_of("status", UNIT_STATUSES), name="status"),
        CheckConstraint("cost_cents >= 0", name="cost"),
        CheckConstraint(one_of("condition", UNIT_CONDITIONS), name="condition"),
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
    condition: str = Field(default="new", sa_column_kwargs={"server_default": "new"})  # new, or used-A…D once traded in


class UnitCode(SQLModel, table=True):
    """Every code of every unit; UNIQUE(code) is what makes a code find exactly one unit."""

    __tablename__ = "unit_code"
    id: Optional[int] = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    kind: str
    code: str = Field(unique=True)
    position: int = 0  # order of the product's code kinds; 0 is the unit's first code


class Movement(SQLModel, table=True):
    """The append-only stock ledger: one row per unit or quantity that moved."""

    __table_args__ = (
        CheckConstraint("qty > 0", name="qty"),
        CheckConstraint(one_of("kind", MOVEMENT_KINDS), name="kind"),
        Index("ix_movement_product_at", "product_id", "at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    kind: str  # one of MOVEMENT_KINDS
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
