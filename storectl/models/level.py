"""Member levels: the spend that reaches them, their discount and points multiplier."""

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)


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
