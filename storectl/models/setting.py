"""Shop settings: one row per `config` key."""

from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)


class Setting(SQLModel, table=True):
    key: str = Field(primary_key=True)
    value: str
