"""Price rules: list, customer, group and level prices, dated, never edited."""

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from storectl.models import product  # noqa: F401  (the tables its foreign keys point to)
from storectl.models.base import one_of


class PriceRule(SQLModel, table=True):
    """A price for a SKU: list (no scope) or for a customer, a group or a level; never edited."""

    __tablename__ = "price_rule"
    __table_args__ = (
        CheckConstraint(one_of("scope", ("list", "customer", "group", "level")), name="scope"),
        CheckConstraint("price_cents >= 0", name="price"),
        CheckConstraint("quota IS NULL OR (flash_sold >= 0 AND flash_sold <= quota)", name="flash"),
        Index("ix_price_rule_lookup", "product_id", "scope", "scope_ref"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id")
    scope: str = "list"
    scope_ref: str = ""  # customer code, group name or level name
    price_cents: int
    valid_from: Optional[date] = None
    valid_until: Optional[date] = None  # inclusive
    created_at: datetime
    operator: str = ""
    # a flash sale: the price holds for the first `quota` units (`per_member` each), then the next rule
    quota: Optional[int] = None
    per_member: Optional[int] = None
    flash_sold: int = 0  # units sold at this price (a guarded counter, never above quota)
