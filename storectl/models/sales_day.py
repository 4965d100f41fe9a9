"""The daily sales aggregate: what `report staff|stores|daily` read instead of the lines."""

from datetime import date

from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)
from storectl.models import store  # noqa: F401  (the tables its foreign keys point to)


class SalesDay(SQLModel, table=True):
    """Sale and return lines summed per shop-calendar day, store and salesperson (a cache of the
    lines, kept by the sale and return transactions; `services/sales_day.py`). Signed: returns
    subtract on their own day, in the sale's store, for the returned line's salesperson."""

    __tablename__ = "sales_day"
    day: date = Field(primary_key=True)  # in the zone recorded in setting `_sales_day_tz`
    store_id: int = Field(foreign_key="store.id", primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", primary_key=True)
    sales: int = 0  # distinct sales with a line by this salesperson
    tickets: int = 0  # each sale once, on the row of its first line: what stores and totals count
    units: int = 0
    revenue_cents: int = 0
    cost_cents: int = 0
