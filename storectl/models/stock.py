"""Quantity products on hand per store."""


from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)
from storectl.models import product, store  # noqa: F401  (the tables its foreign keys point to)


class StockLevel(SQLModel, table=True):
    """Quantity products on hand per store (a cache of the movements)."""

    __tablename__ = "stock_level"
    __table_args__ = (CheckConstraint("qty >= 0", name="qty"),)
    store_id: int = Field(foreign_key="store.id", primary_key=True)
    product_id: int = Field(foreign_key="product.id", primary_key=True)
    qty: int = 0
