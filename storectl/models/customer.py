"""Customers: trade and retail customers, and members (a customer with a phone and is_member)."""

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)
from storectl.models import channel, level, store  # noqa: F401  (the tables its foreign keys point to)


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
