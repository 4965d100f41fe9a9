"""Old customers, leads and tags (SPEC §13): customer tags, reactivation campaigns with their
members (one unguessable token each, the recorded holdout), leads and their follow-ups."""

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)
from storectl.models import customer, product, sale, store  # noqa: F401  (the tables its foreign keys point to)
from storectl.models.base import one_of

LEAD_STATUSES = ("open", "contacted", "won", "lost")


class CustomerTag(SQLModel, table=True):
    __tablename__ = "customer_tag"
    __table_args__ = (UniqueConstraint("customer_id", "tag", name="uq_customer_tag_customer_tag"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    tag: str = Field(index=True)


class Campaign(SQLModel, table=True):
    """A reactivation campaign (CA-): who bought what on or before `bought_before`."""

    __table_args__ = (
        CheckConstraint("holdout_pct >= 0 AND holdout_pct <= 100", name="holdout"),
        CheckConstraint("window_days > 0", name="window"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    doc_no: str = Field(unique=True)
    name: str
    bought_before: date  # shop calendar, inclusive
    category: str = ""
    product_id: Optional[int] = Field(default=None, foreign_key="product.id")
    store_id: Optional[int] = Field(default=None, foreign_key="store.id")
    tag: str = ""
    holdout_pct: int = 0
    window_days: int = 30
    created_at: datetime
    ends_at: datetime  # created_at + window_days: conversions count in [created_at, ends_at)
    operator: str


class CampaignMember(SQLModel, table=True):
    """One customer of a campaign's audience: their token, whether held out, the unit they bought."""

    __tablename__ = "campaign_member"
    __table_args__ = (
        UniqueConstraint("campaign_id", "customer_id", name="uq_campaign_member_campaign_customer"),
        CheckConstraint("clicks >= 0", name="clicks"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    token: str = Field(unique=True)
    holdout: bool = False
    sale_line_id: int = Field(foreign_key="sale_line.id")  # the most recent purchase that qualified
    clicks: int = 0
    first_click_at: Optional[datetime] = None
    last_click_at: Optional[datetime] = None


class Lead(SQLModel, table=True):
    """A sales lead (L-): a phone, an owner, follow-ups; won by a sale within its window."""

    __table_args__ = (
        CheckConstraint(one_of("status", LEAD_STATUSES), name="status"),
        Index("ix_lead_status_next", "status", "next_date"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    doc_no: str = Field(unique=True)
    phone: str = Field(index=True)
    name: str = ""
    customer_id: Optional[int] = Field(default=None, foreign_key="customer.id", index=True)
    owner_id: int = Field(foreign_key="staff.id", index=True)
    source: str = ""
    interest: str = ""
    status: str = "open"
    next_date: Optional[date] = None
    member_id: Optional[int] = Field(default=None, foreign_key="campaign_member.id", unique=True)
    created_at: datetime
    until: datetime  # a sale before this wins the lead by itself
    won_sale_id: Optional[int] = Field(default=None, foreign_key="sale.id")
    closed_at: Optional[datetime] = None  # when it became won or lost
    operator: str


class LeadNote(SQLModel, table=True):
    __tablename__ = "lead_note"
    id: Optional[int] = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True)
    at: datetime
    note: str
    status: str  # the lead's status after this note
    next_date: Optional[date] = None
    operator: str
