"""One clock for the whole program: UTC now, or STORECTL_NOW for tests, demos and replays.

Two readings: `now()` is the business time a command runs under (STORECTL_NOW when set), and
`real_now()` the machine's own time, which the audit records beside it and PIN lockouts count in.
Whether a database accepts a fixed clock is the database's business (`db.Database.write`).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

from storectl.errors import invalid

# Dates storectl accepts anywhere: a shop's business happens in this century. A year past 9999
# overflows datetime arithmetic, and a year like 2098 is a mistake or a trick, not a sale.
MIN_YEAR, MAX_YEAR = 2000, 2100


def fixed() -> str:
    """The STORECTL_NOW text when a fixed clock is asked for, else ''."""
    return os.environ.get("STORECTL_NOW", "").strip()


def real_now() -> datetime:
    """The machine's time, timezone-aware in UTC, whatever STORECTL_NOW says."""
    return datetime.now(timezone.utc)


def now() -> datetime:
    """The current business time, timezone-aware in UTC (how times are stored)."""
    text = fixed()
    if text:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise invalid(
                f"STORECTL_NOW={text!r} is not an ISO datetime",
                "use e.g. STORECTL_NOW=2026-11-02T10:00:00+08:00",
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        try:
            utc = moment.astimezone(timezone.utc)
        except OverflowError:  # 0001-01-01T00:00:00+08:00 is before year 1 in UTC
            utc = None
        if utc is None or not all(MIN_YEAR <= m.year <= MAX_YEAR for m in (moment, utc)):
            raise invalid(
                f"STORECTL_NOW={text!r} is outside the years {MIN_YEAR}–{MAX_YEAR}",
                "use a date in this century, e.g. STORECTL_NOW=2026-11-02T10:00:00+08:00, or unset it",
            )
        return utc
    moment = real_now()
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise invalid(
            f"this machine's clock says {moment:%Y-%m-%d}, outside the years {MIN_YEAR}–{MAX_YEAR}",
            "set the machine's date and time (e.g. timedatectl set-ntp true), then try again",
        )
    return moment
