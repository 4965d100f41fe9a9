"""Acquisition channels: where a member came from."""

from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)


class Channel(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    created_at: datetime
