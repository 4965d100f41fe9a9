"""The catalogue: serial and quantity products."""

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)


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
