"""Periods, dates and time zones: hledger-style periods in the shop's calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storectl.errors import StoreError
from storectl.periods import (
    Period,
    last_month,
    local_date,
    local_datetime,
    month_period,
    parse_date,
    parse_period,
    parse_timezone,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026", date(2026, 1, 1), date(2027, 1, 1), "2026"),
        ("2026Q4", date(2026, 10, 1), date(2027, 1, 1), "2026Q4"),
        ("2026q1", date(2026, 1, 1), date(2026, 4, 1), "2026Q1"),
        ("2026-11", date(2026, 11, 1), date(2026, 12, 1), "2026-11"),
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1), "2026-12"),
        ("2026-11-03", date(2026, 11, 3), date(2026, 11, 4), "2026-11-03"),
        ("2028-02-29", date(2028, 2, 29), date(2028, 3, 1), "2028-02-29"),
        ("2026-11-01..2026-12-01", date(2026, 11, 1), date(2026, 12, 1), "2026-11-01..2026-12-01"),
        ("2026-11..2027-01", date(2026, 11, 1), date(2027, 1, 1), "2026-11..2027-01"),
        ("2026q3..2026Q4", date(2026, 7, 1), date(2026, 10, 1), "2026Q3..2026Q4"),
        ("2025..2026-03", date(2025, 1, 1), date(2026, 3, 1), "2025..2026-03"),
        ("  2026-11  ", date(2026, 11, 1), date(2026, 12, 1), "2026-11"),
    ],
)
def test_each_period_form_gives_a_half_open_range_of_days(text, start, end, label):
    assert parse_period(text) == Period(start, end, label)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "2026-02-30",
        "2026-13",
        "2026-00",
        "2026Q5",
        "2026Q0",
        "1899",
        "3000-01",
        "2026-1",
        "26-11",
        "2026-11-3",
        "2026/1",
        "2026-12..2026-11",
        "2026-11..2026-11",
        "2026-11-15..2026-11",
        "2026..",
        "..2026",
        "2026..2027..2028",
        "2026-11...2026-12",
        "20261103",
    ],
)
def test_a_bad_period_is_refused_as_invalid_input(text):
    with pytest.raises(StoreError) as err:
        parse_period(text)
    assert err.value.code == "invalid_input"
    assert err.value.hint


def test_a_reversed_range_says_why_it_is_empty():
    with pytest.raises(StoreError) as err:
        parse_period("2026-12..2026-11")
    assert "empty" in err.value.message


@given(days)
def test_every_day_label_parses_back_to_the_same_period(d):
    p = parse_period(d.isoformat())
    assert (p.start, p.end) == (d, d + timedelta(days=1))
    assert parse_period(p.label) == p


@given(days)
def test_every_month_label_parses_back_to_the_same_period(d):
    p = month_period(d)
    assert p.contains(d) and p.start.day == 1 and p.end.day == 1
    assert parse_period(p.label) == p


@given(st.integers(min_value=2000, max_value=2100), st.integers(min_value=1, max_value=4))
def test_every_quarter_and_year_label_parses_back_to_the_same_period(year, quarter):
    q = parse_period(f"{year}Q{quarter}")
    assert q.start == date(year, 3 * quarter - 2, 1)
    assert parse_period(q.label) == q
    y = parse_period(str(year))
    assert parse_period(y.label) == y
    assert y.contains(q.start)


@given(days, days)
def test_a_range_runs_from_the_start_of_a_to_the_start_of_b(a, b):
    if a >= b:
        a, b = b, a
    if a == b:
        return
    p = parse_period(f"{a}..{b}")
    assert (p.start, p.end) == (a, b)
    assert p.contains(a) and not p.contains(b)
    assert parse_period(p.label) == p


def test_a_period_contains_its_first_day_but_not_its_end():
    p = parse_period("2026-11")
    assert p.contains(date(2026, 11, 1)) and p.contains(date(2026, 11, 30))
    assert not p.contains(date(2026, 12, 1)) and not p.contains(date(2026, 10, 31))


def test_utc_bounds_are_local_midnights_in_utc():
    start, end = parse_period("2026-11").utc_bounds(SHANGHAI)
    assert start == datetime(2026, 10, 31, 16, 0, tzinfo=timezone.utc)
    assert end == datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)
    assert start.utcoffset() == timedelta(0) and end.utcoffset() == timedelta(0)


def test_utc_bounds_follow_daylight_saving_time():
    start, end = parse_period("2026-03").utc_bounds(ZoneInfo("Europe/Berlin"))
    assert start == datetime(2026, 2, 28, 23, 0, tzinfo=timezone.utc)  # CET, UTC+1
    assert end == datetime(2026, 3, 31, 22, 0, tzinfo=timezone.utc)  # CEST, UTC+2


def test_a_late_evening_utc_time_is_the_next_day_in_shanghai():
    at = datetime(2026, 11, 30, 17, 30)
    assert local_date(at, SHANGHAI) == date(2026, 12, 1)
    local = local_datetime(at, SHANGHAI)
    assert local.utcoffset() == timedelta(hours=8)
    assert local.astimezone(timezone.utc).replace(tzinfo=None) == at


@given(st.datetimes(min_value=datetime(2000, 1, 1, 12), max_value=datetime(2100, 12, 31)))
def test_a_utc_time_lies_inside_the_utc_bounds_of_its_local_day(at):
    start, end = parse_period(local_date(at, SHANGHAI).isoformat()).utc_bounds(SHANGHAI)
    assert start <= at.replace(tzinfo=timezone.utc) < end


@pytest.mark.parametrize(
    ("today", "label"),
    [(date(2026, 12, 1), "2026-11"), (date(2026, 1, 15), "2025-12"), (date(2026, 3, 31), "2026-02")],
)
def test_last_month_is_the_month_before_today(today, label):
    assert last_month(today) == parse_period(label)


def test_a_strict_date_parses():
    assert parse_date("2026-11-03") == date(2026, 11, 3)
    assert parse_date(" 2026-11-03 ") == date(2026, 11, 3)


@pytest.mark.parametrize(
    "text", ["", "2026-02-30", "20261103", "2026-11", "2026-W45-1", "2026/11-03", "03-11-2026", "2026-11-03T10:00", "x"]
)
def test_anything_but_a_strict_date_is_refused(text):
    with pytest.raises(StoreError) as err:
        parse_date(text)
    assert err.value.code == "invalid_input"


@pytest.mark.parametrize("name", ["Asia/Shanghai", "UTC", "Europe/Berlin", " Asia/Hong_Kong "])
def test_a_real_time_zone_is_accepted(name):
    assert parse_timezone(name).key == name.strip()


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "Mars/Base",
        "../../etc/passwd",
        "/etc/passwd",
        "Asia",
        "Asia/",
        "zone.tab",
        "Asia/Shanghai\x00",
        "\udcff",
        "Asia\\Shanghai",
        "+08:00",
    ],
)
def test_anything_but_a_real_time_zone_is_refused(name):
    with pytest.raises(StoreError) as err:
        parse_timezone(name)
    assert err.value.code == "invalid_input"
    assert "Asia/Shanghai" in err.value.hint


@given(st.text(max_size=40))
def test_parse_timezone_never_raises_anything_but_invalid_input(name):
    try:
        parse_timezone(name)
    except StoreError as err:
        assert err.code == "invalid_input"


@given(st.text(max_size=40))
def test_parse_period_never_raises_anything_but_invalid_input(text):
    try:
        parse_period(text)
    except StoreError as err:
        assert err.code == "invalid_input"
