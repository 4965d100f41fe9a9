"""Closed months: every dated write checks here first."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storectl.errors import StoreError
from storectl.models import Period


def month_label(session: Session, moment: datetime | None = None) -> str:
    from storectl.services.settings import shop_tz

    moment = moment or session.info["now"]
    return moment.astimezone(shop_tz(session)).strftime("%Y-%m")


def ensure_open(session: Session, moment: datetime | None = None) -> None:
    """Refuse a write dated inside a closed month (`period_closed`)."""
    label = month_label(session, moment)
    row = session.exec(select(Period).where(Period.period == label, Period.closed == True)).first()  # noqa: E712
    if row is not None:
        raise StoreError(
            "period_closed",
            f"{label} is closed (by {row.closed_by or 'someone'}); nothing dated in it can change",
            f"a manager can reopen it: storectl period reopen {label}",
        )
