"""What every write leaves behind: document numbers, the audit log, closed months."""

from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

import storectl.models.base  # noqa: F401  (naming convention and deferred validators first)


class DocCounter(SQLModel, table=True):
    """The last number used per document prefix (IN, OUT, TR, S, RT, PAY, CNT)."""

    __tablename__ = "doc_counter"
    prefix: str = Field(primary_key=True)
    last: int = 0


class Audit(SQLModel, table=True):
    """One row per write command (or refusal): `at` is the business time the command ran under
    (STORECTL_NOW when fixed), `real_at` the machine's real time when it was recorded."""

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    real_at: Optional[datetime] = None  # None only on rows written before revision 0007
    operator: str
    command: str
    docs: str = ""
    outcome: str = "ok"
    detail: str = ""


class Period(SQLModel, table=True):
    """A month that has been closed (and maybe reopened). Changes are audited."""

    id: Optional[int] = Field(default=None, primary_key=True)
    period: str = Field(unique=True)  # YYYY-MM
    closed: bool = True
    closed_at: Optional[datetime] = None
    closed_by: str = ""
    reopened_at: Optional[datetime] = None
    reopened_by: str = ""
