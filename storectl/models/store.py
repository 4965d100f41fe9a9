"""Stores and the staff who work in them."""

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from storectl.models.base import ROLES, one_of


class Store(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    created_at: datetime


class Staff(SQLModel, table=True):
    __table_args__ = (CheckConstraint(one_of("role", ROLES), name="role"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    store_id: int = Field(foreign_key="store.id", index=True)
    role: str = "clerk"
    pin_hash: Optional[str] = None
    # wrong PINs in a row, and until when (real time) the code is locked after too many
    pin_failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    pin_locked_until: Optional[datetime] = None
    active: bool = True
    created_at: datetime
