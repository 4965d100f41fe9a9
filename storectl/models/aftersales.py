"""After-sales (售后): service tickets, their timeline and the costs booked to them."""

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)
from storectl.models import customer, product, sale, store, unit  # noqa: F401  (the tables its foreign keys point to)

TICKET_STATUSES = ("open", "in_repair", "waiting_parts", "ready", "closed")


class ServiceTicket(SQLModel, table=True):
    """A unit brought back by its customer (SV-000001): opened, worked on, closed once, rated once."""

    __tablename__ = "service_ticket"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'in_repair', 'waiting_parts', 'ready', 'closed')", name="status"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
        CheckConstraint("charge_cents >= 0", name="charge"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    doc_no: str = Field(unique=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)  # the customer's unit as brought in
    product_id: int = Field(foreign_key="product.id")
    store_id: int = Field(foreign_key="store.id")  # where it was brought in and is handed back
    staff_id: int = Field(foreign_key="staff.id")  # who opened it: warranty cost counts for them
    technician_id: Optional[int] = Field(default=None, foreign_key="staff.id")
    customer_id: Optional[int] = Field(default=None, foreign_key="customer.id")
    problem: str
    status: str = "open"
    under_warranty: bool = False  # at opening
    warranty_until: Optional[date] = None  # the unit's warranty end at opening
    sale_no: Optional[str] = None  # the sale (or the ticket of an exchange) the unit came from
    replacement_unit_id: Optional[int] = Field(default=None, foreign_key="unit.id", index=True)
    opened_at: datetime = Field(index=True)
    closed_at: Optional[datetime] = None
    charge_cents: int = 0
    sale_id: Optional[int] = Field(default=None, foreign_key="sale.id")  # the paid repair's S-
    rating: Optional[int] = None
    rating_comment: str = ""
    rated_at: Optional[datetime] = None
    token: str = Field(unique=True)  # the customer's progress code (qr service; service status)
    operator: str


class ServiceStep(SQLModel, table=True):
    """One dated step of a ticket's timeline (opened, a status, a part, an exchange, closed, rated)."""

    __tablename__ = "service_step"
    id: Optional[int] = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="service_ticket.id", index=True)
    at: datetime
    status: str
    note: str = ""
    operator: str


class ServiceCost(SQLModel, table=True):
    """A cost booked to a ticket: a part that left stock, or an exchange's cost difference.

    `warranty` rows are warranty cost: they join the sales facts (revenue 0, this cost) on their own
    day, in the ticket's store, for the staff member who opened the ticket. The others (parts on a
    repair out of warranty) become lines of the paid repair's sale when the ticket closes."""

    __tablename__ = "service_cost"
    __table_args__ = (CheckConstraint("kind IN ('part', 'exchange')", name="kind"), CheckConstraint("qty > 0", name="qty"))
    id: Optional[int] = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="service_ticket.id", index=True)
    at: datetime = Field(index=True)
    kind: str
    product_id: int = Field(foreign_key="product.id")
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    qty: int = 1
    cost_cents: int  # a part's cost; an exchange's replacement − faulty (may be negative)
    warranty: bool = True
    store_id: int = Field(foreign_key="store.id")
    staff_id: int = Field(foreign_key="staff.id")
