"""The points ledger."""

from datetime import datetime
from typing import Optional

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)
from storectl.models import customer  # noqa: F401  (the tables its foreign keys point to)


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
