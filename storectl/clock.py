"""One clock for the whole program: UTC now, or STORECTL_NOW for tests, demos and replays."""

from __future__ import annotations

import os
from datetime import datetime, timezone

from storectl.errors import invalid


def now() -> datetime:
    """The current time, timezone-aware in UTC (how times are stored)."""
    fixed = os.environ.get("STORECTL_NOW", "").strip()
    if fixed:
        try:
            moment = datetime.fromisoformat(fixed.replace("Z", "+00:00"))
        except ValueError:
            raise invalid(
                f"STORECTL_NOW={fixed!r} is not an ISO datetime",
                "use e.g. STORECTL_NOW=2026-11-02T10:00:00+08:00",
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    return datetime.now(timezone.utc)
