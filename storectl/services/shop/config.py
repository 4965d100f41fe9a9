"""Changing a shop setting, with what a change sets off.

`settings` keeps and checks the values; this module sits above it and the areas that depend on
a setting, so those areas may read settings without settings reaching back into them: the time
zone decides which shop day every sale falls on, so changing it recounts the daily aggregate in
the same transaction.
"""

from __future__ import annotations

from sqlmodel import Session

from storectl.services.books import sales_day
from storectl.services.shop import settings


def set_setting(session: Session, key: str, value: str) -> dict:
    """Set `key` to `value` (checked by settings); returns {"key", "value", "previous"}."""
    result = settings.set_value(session, key, value)
    if result["key"] == "timezone":
        sales_day.rebuild(session)  # its days are the shop's days: recount them in the new zone
    return result
