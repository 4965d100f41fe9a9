"""Shop settings kept in the database: the known keys, their defaults and validation."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from storectl.errors import StoreError, invalid
from storectl.models import Setting


def machine_timezone() -> str:
    """The machine's IANA zone name, or UTC when it cannot be told."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and "/" in tz:
        return tz
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    try:
        name = Path("/etc/timezone").read_text().strip()
        if name:
            return name
    except OSError:
        pass
    return "UTC"


def _timezone(value: str) -> str:
    from storectl.periods import parse_timezone

    parse_timezone(value)
    return value.strip()


def _text(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 200 or any(ord(c) < 32 for c in value):
        raise invalid("the value must be 1–200 printable characters", "e.g. storectl config set shop.name 华强北数码")
    return value


def _url(value: str) -> str:
    from storectl.services.qr.codes import validate_base_url

    return validate_base_url(value)


def _int_range(low: int, high: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        from storectl.money import parse_whole

        try:
            return str(parse_whole(value, low=low, high=high))
        except StoreError:
            raise invalid(f"the value must be a whole number from {low} to {high}", f"e.g. {max(low, 1)}") from None

    return check


def _rate(value: str) -> str:
    from storectl.money import format_multiplier, parse_multiplier

    return format_multiplier(parse_multiplier(value))


def _clock_override(value: str) -> str:
    """`deny` (the default), `allow`, or a date: STORECTL_NOW is accepted through that day (real time)."""
    from storectl.periods import parse_date

    text = value.strip().lower()
    if text in ("allow", "deny"):
        return text
    try:
        return parse_date(text).isoformat()
    except StoreError:
        raise invalid(
            f"clock.override is allow, deny or a last day (YYYY-MM-DD), not {value!r}",
            "e.g. storectl config set clock.override 2026-11-30 (a replay this month), then deny",
        ) from None


@dataclass(frozen=True)
class Key:
    default: Callable[[], str]
    validate: Callable[[str], str]
    help: str


KEYS: dict[str, Key] = {
    "shop.name": Key(lambda: "storectl 数码", _text, "the shop's name on receipts and workbooks"),
    "timezone": Key(machine_timezone, _timezone, "IANA zone for days, months and check-in streaks"),
    "qr.base_url": Key(lambda: "https://m.storectl.cn/join", _url, "the address QR codes point to"),
    "points.earn_rate": Key(lambda: "1", _rate, "points per ¥1 paid in money"),
    "points.redeem_rate": Key(lambda: "10", _int_range(1, 100000), "points worth ¥1 at the till"),
    "points.expire_months": Key(lambda: "0", _int_range(0, 120), "points expire after N months (0 = never)"),
    "commission.hold_days": Key(lambda: "7", _int_range(0, 365), "shop days a commission line stays pending"),
    "warranty.used_months": Key(lambda: "3", _int_range(0, 240), "warranty months of a used (traded-in) unit when sold"),
    "clock.override": Key(
        lambda: "deny", _clock_override,
        "whether a database kept on the real clock accepts STORECTL_NOW: deny, allow, or until YYYY-MM-DD",
    ),
}


def _check_key(key: str) -> Key:
    if key not in KEYS:
        raise invalid(f"unknown setting {key!r}", "known: " + ", ".join(KEYS))
    return KEYS[key]


def get(session: Session, key: str) -> str:
    spec = _check_key(key)
    cache = session.info.setdefault("settings", {})
    if key not in cache:
        table = Setting.__table__  # a Core read: no mapper to configure for a lookup that only reads settings
        value = session.execute(select(table.c.value).where(table.c.key == key)).scalar()
        cache[key] = value if value is not None else spec.default()
    return cache[key]


def set_value(session: Session, key: str, value: str) -> dict:
    from storectl.services.shop.auth import require_manager

    spec = _check_key(key)
    clean = spec.validate(value)
    require_manager(session, f"config set {key}")
    row = session.get(Setting, key)
    old = row.value if row is not None else None
    if row is None:
        session.add(Setting(key=key, value=clean))
    else:
        row.value = clean
    session.flush()
    cache = session.info.setdefault("settings", {})
    cache[key] = clean
    if key == "timezone":
        cache.pop("_tz", None)
    return {"key": key, "value": clean, "previous": old}


def show(session: Session) -> list[dict]:
    stored = {row.key: row.value for row in session.exec(select(Setting))}
    return [
        {"key": key, "value": stored.get(key, spec.default()), "default": key not in stored, "help": spec.help}
        for key, spec in KEYS.items()
    ]


def zone_of(name: str) -> ZoneInfo:
    """The zone a `timezone` value names; UTC when this machine lacks it (fall back, don't crash)."""
    try:
        return ZoneInfo(name)
    except Exception:  # noqa: BLE001
        return ZoneInfo("UTC")


def shop_tz(session: Session) -> ZoneInfo:
    cache = session.info.setdefault("settings", {})
    if "_tz" not in cache:
        cache["_tz"] = zone_of(get(session, "timezone"))
    return cache["_tz"]


def local_iso(session: Session, moment: datetime | None) -> str | None:
    """A stored UTC time as ISO 8601 with the shop's offset."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(shop_tz(session)).isoformat(timespec="seconds")


def today(session: Session):
    """Today in the shop's calendar, by the command's clock."""
    return session.info["now"].astimezone(shop_tz(session)).date()


def int_setting(session: Session, key: str) -> int:
    try:
        return int(get(session, key))
    except ValueError:
        raise StoreError("invalid_input", f"setting {key} is not a number", f"storectl config set {key} …") from None
