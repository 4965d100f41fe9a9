"""Report periods (hledger style), strict dates, time zones, and UTC <-> shop-calendar helpers.

A period is a half-open range of calendar days in the shop's time zone. The database stores
naive UTC datetimes, so a period becomes a pair of UTC instants only when a query needs it.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from storectl.clock import MAX_YEAR, MIN_YEAR  # one range for every date
from storectl.errors import invalid

PERIOD_HINT = "e.g. 2026-11, 2026-11-03, 2026Q4, 2026 or 2026-11-01..2026-12-01"
DATE_HINT = "e.g. 2026-11-03 (YYYY-MM-DD)"
TIMEZONE_HINT = "an IANA time zone, e.g. Asia/Shanghai or UTC"

_YEAR = re.compile(r"([0-9]{4})")
_QUARTER = re.compile(r"([0-9]{4})[Qq]([0-9])")
# `-` or `/` between the parts, one or the other throughout (hledger: 2026/11/03)
_MONTH = re.compile(r"([0-9]{4})[-/]([0-9]{2})")
_DAY = re.compile(r"([0-9]{4})([-/])([0-9]{2})\2([0-9]{2})")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive, as in hledger: 2026-11 is 2026-11-01 up to 2026-12-01
    label: str

    def utc_bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Aware UTC instants of local midnight at start and end, for `WHERE at >= ? AND at < ?`
        (times are stored as UTC; SQLModel's UTC type refuses naive values)."""
        return _utc_midnight(self.start, tz), _utc_midnight(self.end, tz)

    def contains(self, d: date) -> bool:
        return self.start <= d < self.end


def _utc_midnight(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(), tzinfo=tz).astimezone(timezone.utc)


def _year(text: str, whole: str, hint: str) -> int:
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise invalid(f"year {year} in {whole!r} is out of range ({MIN_YEAR}..{MAX_YEAR})", hint)
    return year


def _month_start(year: int, month: int) -> date:
    # Months past December roll into the next year, so callers can say month + 1 or month + 3.
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _day(y: str, m: str, d: str, whole: str, hint: str) -> date:
    year = _year(y, whole, hint)
    try:
        return date(year, int(m), int(d))
    except ValueError:
        raise invalid(f"{whole!r} is not a real date", hint) from None


def _single(text: str, whole: str) -> Period:
    if m := _DAY.fullmatch(text):
        start = _day(m[1], m[3], m[4], whole, PERIOD_HINT)
        return Period(start, start + timedelta(days=1), start.isoformat())
    if m := _MONTH.fullmatch(text):
        year, month = _year(m[1], whole, PERIOD_HINT), int(m[2])
        if not 1 <= month <= 12:
            raise invalid(f"month {m[2]} in {whole!r} does not exist", PERIOD_HINT)
        return Period(_month_start(year, month), _month_start(year, month + 1), f"{year}-{month:02d}")
    if m := _QUARTER.fullmatch(text):
        year, quarter = _year(m[1], whole, PERIOD_HINT), int(m[2])
        if not 1 <= quarter <= 4:
            raise invalid(f"quarter Q{quarter} in {whole!r} does not exist (Q1..Q4)", PERIOD_HINT)
        first = 3 * quarter - 2
        return Period(_month_start(year, first), _month_start(year, first + 3), f"{year}Q{quarter}")
    if m := _YEAR.fullmatch(text):
        year = _year(m[1], whole, PERIOD_HINT)
        return Period(date(year, 1, 1), date(year + 1, 1, 1), str(year))
    raise invalid(f"{whole!r} is not a period", PERIOD_HINT)


def parse_period(text: str) -> Period:
    """'2026-11', '2026Q4', '2026', '2026-11-03' or 'A..B' (from the start of A to the start of B)."""
    raw = (text or "").strip()
    if not raw:
        raise invalid("period is empty", PERIOD_HINT)
    if ".." not in raw:
        return _single(raw, raw)
    parts = raw.split("..")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise invalid(f"{raw!r} is not a range: write START..END", PERIOD_HINT)
    a, b = (_single(p.strip(), raw) for p in parts)
    if a.start >= b.start:
        raise invalid(
            f"range {raw!r} is empty: {b.label} is not after {a.label} (the end is exclusive)",
            PERIOD_HINT,
        )
    return Period(a.start, b.start, f"{a.label}..{b.label}")


def parse_date(text: str) -> date:
    """'2026-11-03' -> date; nothing looser (date.fromisoformat would also take 20261103)."""
    raw = (text or "").strip()
    m = _DAY.fullmatch(raw)
    if m is None:
        raise invalid(f"{raw!r} is not a date", DATE_HINT)
    return _day(m[1], m[3], m[4], raw, DATE_HINT)


def month_period(d: date) -> Period:
    start = d.replace(day=1)
    return Period(start, _month_start(start.year, start.month + 1), f"{start:%Y-%m}")


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 month = Feb 28/29)."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month0 + 1, min(day.day, monthrange(year, month0 + 1)[1]))


def last_month(today: date) -> Period:
    return month_period(today.replace(day=1) - timedelta(days=1))


def local_datetime(utc_naive: datetime, tz: ZoneInfo) -> datetime:
    """A stored UTC datetime (aware, or naive meaning UTC) as an aware datetime in the shop's zone."""
    if utc_naive.tzinfo is None:
        utc_naive = utc_naive.replace(tzinfo=timezone.utc)
    return utc_naive.astimezone(tz)


def local_date(utc_naive: datetime, tz: ZoneInfo) -> date:
    """The shop's calendar day of a stored naive-UTC datetime (a sale at 23:30 UTC is tomorrow in Shanghai)."""
    return local_datetime(utc_naive, tz).date()


def day_bounds(first: date, last: date, tz: ZoneInfo) -> list[tuple[date, datetime, datetime]]:
    """Each shop-calendar day from `first` to `last` (inclusive) with the UTC instants it starts
    and ends at: the same instants `Period.utc_bounds` gives, so a day-keyed total and a
    `WHERE at >= ? AND at < ?` over the same days agree, DST days too."""
    days = []
    start = _utc_midnight(first, tz)
    d = first
    while d <= last:
        end = _utc_midnight(d + timedelta(days=1), tz)
        days.append((d, start, end))
        d, start = d + timedelta(days=1), end
    return days


def bounded_day(moment: datetime, tz: ZoneInfo) -> date:
    """The day of `day_bounds` whose [start, end) holds `moment` (its local date, exactly so even
    where a zone skips or repeats midnight)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    d = local_date(moment, tz)
    if moment < _utc_midnight(d, tz):
        return d - timedelta(days=1)
    if moment >= _utc_midnight(d + timedelta(days=1), tz):
        return d + timedelta(days=1)
    return d


def stored_day(tz: ZoneInfo) -> Callable[[str | datetime], str]:
    """The shop day (YYYY-MM-DD) of a stored UTC time read raw: SQLite's text as SQLAlchemy writes
    it (`2026-10-03 02:15:00.000000`) or the driver's datetime, naive meaning UTC. Fast over rows
    in time order (a month of 100,000 commission lines): a day's UTC bounds are worked out once,
    in the value's own form, and each row inside them is two comparisons."""
    lo: str | datetime | None = None
    hi: str | datetime | None = None
    text = ""

    def day(value: str | datetime) -> str:
        nonlocal lo, hi, text
        if lo is not None and lo <= value < hi:  # type: ignore[operator]
            return text
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        d = bounded_day(moment, tz)
        start, end = _utc_midnight(d, tz), _utc_midnight(d + timedelta(days=1), tz)
        if isinstance(value, str):
            lo, hi = (None, None) if value[10:11] != " " else (f"{start:%Y-%m-%d %H:%M:%S}", f"{end:%Y-%m-%d %H:%M:%S}")
        else:
            lo, hi = (start, end) if value.tzinfo is not None else (start.replace(tzinfo=None), end.replace(tzinfo=None))
        text = d.isoformat()
        return text

    return day


def parse_timezone(name: str) -> ZoneInfo:
    """'Asia/Shanghai' -> ZoneInfo; anything that is not a real IANA zone is invalid_input."""
    raw = (name or "").strip()
    if not raw:
        raise invalid("time zone is empty", TIMEZONE_HINT)
    try:
        return ZoneInfo(raw)
    # zoneinfo's failures depend on the platform and the text (KeyError subclass, ValueError for
    # bad keys and non-TZif files, OSError for directories, UnicodeError...); all mean "no such zone".
    except Exception:
        raise invalid(f"{raw!r} is not a known time zone", TIMEZONE_HINT) from None
