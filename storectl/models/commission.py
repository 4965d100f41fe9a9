"""Commission (提成 / 三级分佣): partners, who referred whom, rules, commission lines and payouts.

Commission lines are append-only: a sale line earns one positive line per role with a rule and an
earner; a return writes a negative line per returned line and role (the exact share of what the
sale line earned), so every line traces to a sale line or a return line. A line is paid when a
payout (CP-) names it; pending or payable is decided by `due_on` against the shop's today.
"""

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)
from storectl.models import customer, product, returns, sale  # noqa: F401  (the tables its foreign keys point to)
from storectl.models.base import one_of

EARNER_KINDS = ("staff", "member", "partner")
COMMISSION_ROLES = ("seller", "ref1", "ref2", "ref3")


class Partner(SQLModel, table=True):
    """A referrer who is not a member (异业合作: a property manager, a decorator, another shop)."""

    __table_args__ = (CheckConstraint("ref_member_id IS NULL OR ref_partner_id IS NULL", name="one_referrer"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    ref_member_id: Optional[int] = Field(default=None, foreign_key="customer.id")
    ref_partner_id: Optional[int] = Field(default=None, foreign_key="partner.id")
    created_at: datetime
    operator: str = ""


class MemberPartner(SQLModel, table=True):
    """A member referred by a partner (a member referred by a member is customer.referrer_id)."""

    __tablename__ = "member_partner"
    customer_id: int = Field(foreign_key="customer.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    partner_id: int = Field(foreign_key="partner.id", index=True)


class CommissionRule(SQLModel, table=True):
    """What a role earns on a line: a percentage (basis points) of revenue or profit, or an amount per unit."""

    __tablename__ = "commission_rule"
    __table_args__ = (
        CheckConstraint(one_of("scope", ("sku", "category", "all")), name="scope"),
        CheckConstraint(one_of("role", COMMISSION_ROLES), name="role"),
        CheckConstraint(one_of("base", ("revenue", "profit")), name="base"),
        CheckConstraint("(pct_bp IS NULL) <> (amount_cents IS NULL)", name="pct_or_amount"),
        CheckConstraint("pct_bp IS NULL OR (pct_bp >= 0 AND pct_bp <= 10000)", name="pct"),
        CheckConstraint("amount_cents IS NULL OR amount_cents >= 0", name="amount"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    scope: str
    product_id: Optional[int] = Field(default=None, foreign_key="product.id")
    category: str = ""
    role: str
    pct_bp: Optional[int] = None
    amount_cents: Optional[int] = None
    base: str = "revenue"
    valid_from: Optional[date] = None
    valid_until: Optional[date] = None  # inclusive
    active: bool = True
    created_at: datetime
    removed_at: Optional[datetime] = None
    operator: str = ""


class CommissionPayout(SQLModel, table=True):
    __tablename__ = "commission_payout"
    __table_args__ = (
        CheckConstraint(one_of("earner_kind", EARNER_KINDS), name="earner_kind"),
        CheckConstraint("amount_cents >= 0", name="amount"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    doc_no: str = Field(unique=True)
    earner_kind: str
    earner_id: int
    amount_cents: int
    lines: int = 0
    method: str = "cash"
    at: datetime = Field(index=True)
    operator: str = ""


class CommissionLine(SQLModel, table=True):
    __tablename__ = "commission_line"
    __table_args__ = (
        CheckConstraint(one_of("earner_kind", EARNER_KINDS), name="earner_kind"),
        CheckConstraint(one_of("role", COMMISSION_ROLES), name="role"),
        CheckConstraint("(return_line_id IS NULL AND amount_cents >= 0) OR (return_line_id IS NOT NULL AND amount_cents <= 0)",
                        name="sign"),
        Index("ix_commission_line_earner", "earner_kind", "earner_id", "payout_id"),
        Index("ix_commission_line_at", "at"),
        Index("ix_commission_line_earner_at", "earner_kind", "earner_id", "at"),  # a statement: one earner's month in order
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    sale_line_id: int = Field(foreign_key="sale_line.id", index=True)
    return_line_id: Optional[int] = Field(default=None, foreign_key="return_line.id")
    doc_no: str  # the sale's S- or the return's RT-
    earner_kind: str
    earner_id: int
    role: str
    rule_id: int = Field(foreign_key="commission_rule.id")
    qty: int  # units of the sale line this line covers (negative on a return)
    base_cents: int  # the base it was computed on (negative on a return)
    amount_cents: int
    at: datetime
    due_on: date  # payable from this shop day
    payout_id: Optional[int] = Field(default=None, foreign_key="commission_payout.id", index=True)
