"""Closed months: every dated write checks here first."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storectl import models
from storectl.errors import StoreError


def month_label(session: Session, moment: datetime | None = None) -> str:
    from storectl.services.shop.settings import shop_tz

    moment = moment or session.info["now"]
    return moment.astimezone(shop_tz(session)).strftime("%Y-%m")


def ensure_open(session: Session, moment: datetime | None = None) -> None:
    """Refuse a write dated inside a closed month (`period_closed`)."""
    label = month_label(session, moment)
    row = session.exec(select(models.Period).where(models.Period.period == label, models.Period.closed == True)).first()  # noqa: E712
    if row is not None:
        raise StoreError(
            "period_closed",
            f"{label} is closed (by {row.closed_by or 'someone'}); nothing dated in it can change",
            f"a manager can reopen it: storectl period reopen {label}",
        )


def _month(text: str) -> str:
    from storectl.errors import invalid
    from storectl.periods import parse_period

    period = parse_period(text)
    if len(period.label) != 7:
        raise invalid(f"{text!r} is not a month", "periods close by month, e.g. storectl period close 2026-11")
    return period.label


def close(session: Session, period: str) -> dict:
    """Close a month: from now on nothing dated inside it may change. Idempotent."""
    from storectl import db

    label = _month(period)
    row = session.exec(select(models.Period).where(models.Period.period == label)).first()
    if row is None:
        row = models.Period(period=label)
    elif row.closed:
        return {"period": label, "closed": True, "changed": False, "closed_by": row.closed_by}
    row.closed = True
    row.closed_at = db.now_of(session)
    row.closed_by = db.operator_of(session)
    session.add(row)
    session.flush()
    return {"period": label, "closed": True, "changed": True, "closed_by": row.closed_by}


def audit_mark(session: Session) -> int:
    """The newest audit row's id: where a later `refuse_if_written_since` starts looking."""
    from sqlalchemy import func

    return int(session.execute(select(func.max(models.Audit.id))).scalar() or 0)


def refuse_if_written_since(session: Session, mark: int, start: datetime, end: datetime, label: str) -> None:
    """Refuse (`conflict`) when a write dated in [start, end) was committed after the audit row
    `mark`: what was read before it no longer describes the month. Every write is audited."""
    changed = session.execute(
        select(models.Audit.id).where(
            models.Audit.id > mark, models.Audit.outcome == "ok", models.Audit.at >= start, models.Audit.at < end
        ).limit(1)
    ).first()
    if changed is not None:
        raise StoreError("conflict", f"{label} changed while its workbook was being written; the month was not closed",
                         "run the same command again")


def reopen(session: Session, period: str) -> dict:
    """Reopen a closed month (managers only once PINs are in use)."""
    from storectl import db
    from storectl.services.shop.auth import require_manager

    label = _month(period)
    require_manager(session, f"reopening {label}")
    row = session.exec(select(models.Period).where(models.Period.period == label)).first()
    if row is None or not row.closed:
        return {"period": label, "closed": False, "changed": False}
    row.closed = False
    row.reopened_at = db.now_of(session)
    row.reopened_by = db.operator_of(session)
    session.add(row)
    session.flush()
    return {"period": label, "closed": False, "changed": True}


def list_periods(session: Session) -> list[dict]:
    from storectl.services.shop.settings import local_iso

    return [
        {
            "period": r.period,
            "closed": r.closed,
            "closed_at": local_iso(session, r.closed_at),
            "closed_by": r.closed_by,
            "reopened_at": local_iso(session, r.reopened_at),
            "reopened_by": r.reopened_by,
        }
        for r in session.exec(select(models.Period).order_by(models.Period.period))
    ]
