"""Check-in rules, check-ins and which rules each check-in paid."""

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)
from storectl.models import customer  # noqa: F401  (the tables its foreign keys point to)


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
