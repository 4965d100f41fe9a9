"""The daily sales aggregate (`sales_day`) that the staff, store and daily reports read.

October 2026 in the test shop (Asia/Shanghai), worked out by hand:
  S-000001 10-05 23:30 E002 SZ01  IP17P #1 8999 + 3 × 00123 117            = 9116
  S-000002 10-06 00:10 E002 SZ01  MBA13 #A 7999 (the same UTC day as S-000001, the next shop day)
  S-000003 10-06 14:00 E001 SZ01  IP17P #2 8999, MBA13 #B 7999, 2 × 00123 78 = 17076;
                                  its MBA13 line is then credited to E002: one sale, two salespeople
  S-000004 10-10 12:00 E003 SZ02  IP17P #5 8999 + 5 × 00123 195            = 9194
  S-000005 10-20 12:00 E003 SZ02  IP17P #6 at a manual 8500
  RT       10-21 S-000003's MBA13 (E002's line) −7999; S-000004's 2 × 00123 −78
  S-000006 10-31 23:30 E001 SZ01  IP17P #3 8999
  S-000007 11-01 00:10 E002 SZ01  IP17P #4 8999
  RT       11-03 one 00123 of S-000001 −39; all of S-000005 −8500
October: SZ01 4 sales, 35191.00; SZ02 2 sales, 17616.00; E002 3 sales (one shared with E001).
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from conftest import imei, ok, run

from storectl.periods import Period, bounded_day, day_bounds

P = [[imei(f"3569380356{k:04d}"), imei(f"3569380357{k:04d}"), f"F2LXK9J4Q{k}"] for k in range(1, 7)]
PERIODS = ("2026-10", "2026-11", "2026-10-05", "2026-10-06", "2026-10-31", "2026-11-01", "2026-11-02",
           "2026-10-21..2026-11-04", "2026Q4")
DAYS = ("2026-10-05", "2026-10-06", "2026-10-21", "2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03")


def at(moment: str) -> dict:
    return {"STORECTL_NOW": moment if "+" in moment else f"2026-{moment}:00+08:00"}


def _engine():
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from storectl.db import resolve_url

    return create_engine(resolve_url(os.environ["STORECTL_DB"]), poolclass=NullPool)


def sql(*statements: str) -> None:
    """Change the database behind storectl's back."""
    engine = _engine()
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def query(statement: str) -> list[tuple]:
    engine = _engine()
    try:
        with engine.connect() as conn:
            return [tuple(str(v) if isinstance(v, date) else v for v in row) for row in conn.exec_driver_sql(statement)]
    finally:
        engine.dispose()


def recorded_zone() -> str | None:
    rows = query("SELECT value FROM setting WHERE key = '_sales_day_tz'")
    return rows[0][0] if rows else None


def rows_of(day: str) -> dict[tuple[str, str], tuple]:
    """(store, staff) -> (sales, tickets, units, revenue_cents, cost_cents) of one day of the table."""
    return {
        (store, staff): tuple(rest)
        for store, staff, *rest in query(
            "SELECT so.code, st.code, d.sales, d.tickets, d.units, d.revenue_cents, d.cost_cents FROM sales_day d"
            f" JOIN store so ON so.id = d.store_id JOIN staff st ON st.id = d.staff_id WHERE d.day = '{day}'"
        )
    }


def reports(env: dict | None = None) -> dict:
    """Every report the aggregate answers, for every test period and day, with and without a store."""
    env = {**at("11-05T12:00"), **(env or {})}
    out = {}
    for p in PERIODS:
        out[("staff", p)] = ok("report", "staff", "-p", p, env=env)
        out[("staff SZ02", p)] = ok("report", "staff", "-p", p, "--store", "SZ02", env=env)
        out[("stores", p)] = ok("report", "stores", "-p", p, env=env)
    for d in DAYS:
        out[("daily", d)] = ok("report", "daily", "--date", d, env=env)
        out[("daily SZ01", d)] = ok("report", "daily", "--date", d, "--store", "SZ01", env=env)
    return out


def reference(env: dict | None = None) -> dict:
    """The same reports from the lines: without a recorded zone the reports may not use the table."""
    zone = recorded_zone()
    sql("DELETE FROM setting WHERE key = '_sales_day_tz'")
    try:
        return reports(env)
    finally:
        sql(f"INSERT INTO setting (key, value) VALUES ('_sales_day_tz', '{zone}')")


@pytest.fixture
def october(shop):
    e = at("10-01T09:00")
    ok("stock", "in", "--store", "SZ01", "--sku", "IP17P", "--cost", "7200", "--supplier", "SUP01", *(",".join(p) for p in P[:4]), env=e)
    ok("stock", "in", "--store", "SZ02", "--sku", "IP17P", "--cost", "7300", "--supplier", "SUP01", *(",".join(p) for p in P[4:]), env=e)
    ok("stock", "in", "--store", "SZ01", "--sku", "MBA13", "--cost", "6500", "SNMBA000A", "SNMBA000B", env=e)
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "12", "--qty", "100", env=e)
    ok("stock", "in", "--store", "SZ02", "--sku", "00123", "--cost", "12", "--qty", "50", env=e)
    ok("sell", "--store", "SZ01", "--staff", "E002", P[0][0], "00123:3", "--pay", "cash=9116", env=at("10-05T23:30"))
    ok("sell", "--store", "SZ01", "--staff", "E002", "SNMBA000A", "--pay", "card=7999", env=at("10-06T00:10"))
    s3 = ok("sell", "--store", "SZ01", "--staff", "E001", P[1][0], "SNMBA000B", "00123:2", "--pay", "wechat=17076", env=at("10-06T14:00"))
    # The till credits a whole sale to one salesperson; the books allow one per line. Credit the
    # MBA13 line to E002 and recount (config set timezone recounts in the same transaction).
    sql("UPDATE sale_line SET staff_id = (SELECT id FROM staff WHERE code = 'E002')"
        f" WHERE line_no = 2 AND sale_id = (SELECT id FROM sale WHERE doc_no = '{s3['id']}')")
    ok("config", "set", "timezone", "Asia/Shanghai")
    s4 = ok("sell", "--store", "SZ02", "--staff", "E003", P[4][0], "00123:5", "--pay", "wechat=9194", env=at("10-10T12:00"))
    s5 = ok("sell", "--store", "SZ02", "--staff", "E003", P[5][0], "--price", f"{P[5][0]}=8500", "--pay", "cash=8500", env=at("10-20T12:00"))
    ok("return", s3["id"], "SNMBA000B", "--refund", "wechat", env=at("10-21T11:00"))
    ok("return", s4["id"], "00123:2", "--refund", "cash", env=at("10-21T15:00"))
    ok("sell", "--store", "SZ01", "--staff", "E001", P[2][0], "--pay", "cash=8999", env=at("10-31T23:30"))
    ok("sell", "--store", "SZ01", "--staff", "E002", P[3][0], "--pay", "cash=8999", env=at("11-01T00:10"))
    ok("return", "S-000001", "00123:1", "--refund", "cash", env=at("11-03T10:00"))
    ok("return", s5["id"], "--refund", "cash", env=at("11-03T10:30"))


def test_the_aggregate_holds_one_row_per_shop_day_store_and_salesperson(october):
    assert recorded_zone() == "Asia/Shanghai"
    # 23:30 and 00:10 are one UTC day (15:30Z, 16:10Z) but two shop days
    assert rows_of("2026-10-05") == {("SZ01", "E002"): (1, 1, 4, 911600, 720000 + 3600)}
    assert rows_of("2026-10-06") == {
        ("SZ01", "E002"): (2, 1, 2, 799900 * 2, 650000 * 2),  # S-000002 (its ticket) and S-000003's MBA13 line
        ("SZ01", "E001"): (1, 1, 3, 899900 + 7800, 720000 + 2400),  # S-000003's first line carries its ticket
    }
    assert rows_of("2026-10-21") == {("SZ01", "E002"): (0, 0, -1, -799900, -650000), ("SZ02", "E003"): (0, 0, -2, -7800, -2400)}
    assert rows_of("2026-10-31") == {("SZ01", "E001"): (1, 1, 1, 899900, 720000)}
    assert rows_of("2026-11-01") == {("SZ01", "E002"): (1, 1, 1, 899900, 720000)}
    assert rows_of("2026-11-03") == {("SZ01", "E002"): (0, 0, -1, -3900, -1200), ("SZ02", "E003"): (0, 0, -1, -850000, -730000)}


def test_reports_from_the_aggregate_equal_the_line_query_and_the_hand_figures(october):
    from_table = reports()
    assert from_table == reference()

    staff = {r["staff"]: r for r in from_table[("staff", "2026-10")]}
    assert (staff["E002"]["sales"], staff["E002"]["revenue"]) == (3, "17115.00")  # 9116 + 7999 + 7999 − 7999
    assert (staff["E001"]["sales"], staff["E001"]["revenue"]) == (2, "18076.00")  # 8999 + 78 + 8999
    assert (staff["E003"]["sales"], staff["E003"]["revenue"]) == (2, "17616.00")
    stores = {r["store"]: r for r in from_table[("stores", "2026-10")]}
    assert (stores["SZ01"]["sales"], stores["SZ01"]["revenue"]) == (4, "35191.00")  # S-000003 once, not twice
    assert (stores["SZ02"]["sales"], stores["SZ02"]["revenue"]) == (2, "17616.00")
    november = {r["staff"]: r for r in from_table[("staff", "2026-11")]}
    assert (november["E003"]["sales"], november["E003"]["units"], november["E003"]["revenue"]) == (0, -1, "-8500.00")
    day = from_table[("daily", "2026-10-06")]
    assert (day["total"]["sales"], day["total"]["revenue"]) == (2, "25075.00")
    assert from_table[("daily", "2026-10-05")]["total"]["sales"] == 1
    quarter = from_table[("staff SZ02", "2026Q4")]
    assert [(r["staff"], r["sales"], r["revenue"]) for r in quarter] == [("E003", 2, "9116.00")]


def test_the_staff_store_and_daily_reports_read_the_aggregate_and_products_the_lines(october):
    sql("UPDATE sales_day SET revenue_cents = revenue_cents + 100, tickets = tickets + 1 WHERE day = '2026-10-10'")
    assert {r["staff"]: r["revenue"] for r in ok("report", "staff", "-p", "2026-10")}["E003"] == "17617.00"
    assert {r["store"]: r["sales"] for r in ok("report", "stores", "-p", "2026-10")}["SZ02"] == 3
    assert ok("report", "daily", "--date", "2026-10-10")["total"]["revenue"] == "9195.00"
    assert {r["sku"]: r["revenue"] for r in ok("report", "products", "-p", "2026-10-10")}["IP17P"] == "8999.00"


def test_db_check_catches_a_tampered_row_and_config_set_timezone_recounts_it(october):
    assert ok("db", "check")["ok"] is True
    sql("UPDATE sales_day SET revenue_cents = revenue_cents + 100 WHERE day = '2026-10-10'")
    r = run("db", "check", "--json")
    assert r.code == 1
    problems = [p for p in r.json["problems"] if p["check"] == "sales_day"]
    assert len(problems) == 1 and problems[0]["message"].startswith("2026-10-10 SZ02 E003:")
    assert "revenue_cents 919500" in problems[0]["message"] and "revenue_cents 919400" in problems[0]["message"]

    ok("config", "set", "timezone", "Asia/Shanghai")  # recounts
    assert ok("db", "check")["ok"] is True
    assert rows_of("2026-10-10") == {("SZ02", "E003"): (1, 1, 6, 919400, 730000 + 6000)}


def test_db_check_notices_a_missing_and_an_extra_row(october):
    sql("DELETE FROM sales_day WHERE day = '2026-10-31'",
        "INSERT INTO sales_day (day, store_id, staff_id, sales, tickets, units, revenue_cents, cost_cents)"
        " SELECT '2026-10-30', store_id, id, 1, 1, 1, 100, 50 FROM staff WHERE code = 'E001'")
    r = run("db", "check", "--json")
    assert r.code == 1
    messages = sorted(p["message"] for p in r.json["problems"] if p["check"] == "sales_day")
    assert messages[0].startswith("2026-10-30 SZ01 E001: sales_day has sales 1") and messages[0].endswith("the lines give no row")
    assert messages[1].startswith("2026-10-31 SZ01 E001: sales_day has no row; the lines give sales 1, tickets 1")


def test_a_new_time_zone_recounts_the_days_in_the_same_command(october):
    ok("config", "set", "timezone", "America/New_York")
    assert recorded_zone() == "America/New_York"
    # New York: S-000001 (15:30Z) and S-000002 (16:10Z) are both on 10-05; S-000007 (10-31 16:10Z) stays in October
    assert rows_of("2026-10-05") == {("SZ01", "E002"): (2, 2, 5, 911600 + 799900, 723600 + 650000)}
    assert rows_of("2026-10-31") == {("SZ01", "E001"): (1, 1, 1, 899900, 720000), ("SZ01", "E002"): (1, 1, 1, 899900, 720000)}
    from_table = reports()
    assert from_table == reference()
    assert {r["store"]: r["sales"] for r in from_table[("stores", "2026-10")]} == {"SZ01": 5, "SZ02": 2}
    assert ok("db", "check")["ok"] is True


def test_sales_across_a_dst_change_land_on_their_local_days(october):
    ok("config", "set", "timezone", "America/New_York")  # clocks go back at 02:00 on 2026-11-01
    for moment in ("2026-11-01T04:30:00+00:00", "2026-11-02T04:30:00+00:00", "2026-11-02T05:10:00+00:00"):
        ok("sell", "--store", "SZ01", "--staff", "E001", "00123:1", "--pay", "cash=39", env=at(moment))
    ok("return", "S-000009", "--refund", "cash", env=at("2026-11-02T04:50:00+00:00"))  # 23:50 EST, still 11-01
    # 00:30 EDT and 23:30 EST are both 2026-11-01 (a 25-hour day); 00:10 EST is 11-02
    assert rows_of("2026-11-01")[("SZ01", "E001")] == (2, 2, 1, 3900, 1200)
    assert rows_of("2026-11-02")[("SZ01", "E001")] == (1, 1, 1, 3900, 1200)
    from_table = reports()
    assert from_table == reference()
    assert from_table[("daily", "2026-11-01")]["total"]["sales"] == 2
    assert ok("db", "check")["ok"] is True


def test_a_zone_that_changed_under_the_table_falls_back_to_the_lines_and_the_next_sale_recounts(october):
    london = {"TZ": "Europe/London"}
    sql("DELETE FROM setting WHERE key = 'timezone'")  # the shop now follows the machine's zone
    sql("UPDATE sales_day SET revenue_cents = 0")  # stale anyway: the reports must not read it now
    assert reports(london) == reference(london)
    assert recorded_zone() == "Asia/Shanghai"
    ok("sell", "--store", "SZ01", "--staff", "E002", "00123:1", "--pay", "cash=39", env={**at("11-04T10:00"), **london})
    assert recorded_zone() == "Europe/London"
    assert ok("db", "check", env=london)["ok"] is True
    assert reports(london) == reference(london)
    assert rows_of("2026-11-04") == {("SZ01", "E002"): (1, 1, 1, 3900, 1200)}


def test_db_upgrade_counts_the_aggregate_of_an_older_database(october):
    from storectl import migrate
    from storectl.db import SCHEMA_HEAD, Database, resolve_url

    expected = reports()
    db = Database(resolve_url(os.environ["STORECTL_DB"]))
    migrate.downgrade(db, "0005")
    assert recorded_zone() is None
    db.engine.dispose()
    assert ok("db", "upgrade")["revision"] == SCHEMA_HEAD
    assert recorded_zone() == "Asia/Shanghai"
    assert reports() == expected
    assert ok("db", "check")["ok"] is True


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Europe/London", "America/Sao_Paulo", "Australia/Lord_Howe"])
def test_every_moment_falls_in_exactly_the_day_whose_bounds_hold_it(zone):
    tz = ZoneInfo(zone)
    days = day_bounds(date(2018, 1, 1), date(2019, 1, 1), tz)
    for (d, start, end), (d2, start2, _) in zip(days, days[1:]):
        assert d2 == d + timedelta(days=1) and start2 == end and start < end
        assert (start, end) == Period(d, d2, "").utc_bounds(tz)
    moment = datetime(2018, 1, 1, 12, tzinfo=timezone.utc)
    by_day = {d: (start, end) for d, start, end in days}
    while moment < datetime(2018, 12, 31, tzinfo=timezone.utc):
        d = bounded_day(moment, tz)
        start, end = by_day[d]
        assert start <= moment < end
        moment += timedelta(minutes=20)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Australia/Lord_Howe"])
def test_a_stored_time_read_raw_falls_on_the_shop_day_of_its_instant(zone):
    """`stored_day` (a statement's 100,000 dates) reads SQLite's text and the drivers' datetimes,
    naive or aware, in order or not, and names the day `bounded_day` names, DST days too."""
    from storectl.periods import stored_day

    tz = ZoneInfo(zone)
    moments = []
    moment = datetime(2026, 3, 1, tzinfo=timezone.utc)
    while moment < datetime(2026, 4, 15, tzinfo=timezone.utc):
        moments.append(moment)
        moment += timedelta(minutes=37)
    moments += [start for _, start, _ in day_bounds(date(2026, 3, 1), date(2026, 4, 14), tz)]
    moments += [start - timedelta(microseconds=1) for _, start, _ in day_bounds(date(2026, 3, 2), date(2026, 4, 14), tz)]
    forms = {
        "sqlite text": lambda m: m.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f"),
        "naive": lambda m: m.replace(tzinfo=None),
        "aware": lambda m: m,
    }
    for name, form in forms.items():
        for order in (sorted(moments), list(reversed(sorted(moments)))):
            day = stored_day(tz)
            got = [day(form(m)) for m in order]
            assert got == [bounded_day(m, tz).isoformat() for m in order], name
