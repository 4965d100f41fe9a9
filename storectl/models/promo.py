"""Coupons (templates and the instances members hold), the coupons a sale used, flash-sale takes."""

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)
from storectl.models import customer, price, product, sale  # noqa: F401  (the tables its foreign keys point to)


class Coupon(SQLModel, table=True):
    """A coupon template: a fixed amount off (满减, with a minimum spend) or a percentage (with a cap)."""

    __table_args__ = (
        CheckConstraint("(amount_cents > 0 AND pct_bp = 0) OR (amount_cents = 0 AND pct_bp > 0 AND pct_bp <= 10000)", name="kind"),
        CheckConstraint("min_spend_cents >= 0 AND max_off_cents >= 0", name="limits"),
        CheckConstraint("valid_days IS NOT NULL OR valid_until IS NOT NULL", name="validity"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    amount_cents: int = 0  # a fixed amount off, or 0 for a percentage
    pct_bp: int = 0  # 1000 = 10 % off
    min_spend_cents: int = 0  # on the eligible lines
    max_off_cents: int = 0  # 0: no cap
    sku_id: Optional[int] = Field(default=None, foreign_key="product.id")
    category: str = ""
    valid_days: Optional[int] = None  # an instance expires N days after it is issued (inclusive)
    valid_until: Optional[date] = None  # or on this day (inclusive)
    stackable: bool = False
    created_at: datetime
    operator: str = ""


class CouponInstance(SQLModel, table=True):
    """One member's coupon, with its own short code; used by at most one sale at a time."""

    __tablename__ = "coupon_instance"
    __table_args__ = (Index("ix_coupon_instance_customer", "customer_id", "coupon_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    coupon_id: int = Field(foreign_key="coupon.id", index=True)
    customer_id: int = Field(foreign_key="customer.id")
    issued_at: datetime
    expires_on: date  # inclusive, shop calendar
    source: str = ""  # 'issue', 'checkin'
    used_sale_id: Optional[int] = Field(default=None, foreign_key="sale.id", index=True)


class SaleCoupon(SQLModel, table=True):
    """A coupon a sale used and what it took off (the lines carry it, spread to the fen)."""

    __tablename__ = "sale_coupon"
    __table_args__ = (CheckConstraint("discount_cents >= 0", name="discount"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    sale_id: int = Field(foreign_key="sale.id", index=True)
    instance_id: int = Field(foreign_key="coupon_instance.id", index=True)
    coupon_id: int = Field(foreign_key="coupon.id", index=True)
    discount_cents: int
    given_back: bool = False  # a full return gave the instance back


class FlashTake(SQLModel, table=True):
    """Units a member bought at a flash price (for --per-member); the rule counts all of them."""

    __tablename__ = "flash_take"
    __table_args__ = (UniqueConstraint("rule_id", "customer_id", name="uq_flash_take_rule_customer"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    rule_id: int = Field(foreign_key="price_rule.id")
    customer_id: int = Field(foreign_key="customer.id")
    qty: int = 0


class CouponRule(SQLModel, table=True):
    """`points rule add --every N --coupon CODE`: a check-in on streak day N (and 2N, …) issues a coupon."""

    __tablename__ = "coupon_rule"
    __table_args__ = (CheckConstraint("every > 0", name="every"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    every: int
    coupon_id: int = Field(foreign_key="coupon.id")
    active: bool = True
    created_at: datetime
