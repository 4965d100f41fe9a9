"""Daily check-in: streaks in the shop's calendar, stacking rules, once-rules, one per day (also racing)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
from conftest import fails, ok, run, run_process

PHONE = "13800138000"


def at(day: str, time: str = "10:00") -> dict:
    """STORECTL_NOW for a shop-local moment in Asia/Shanghai; day as 'MM-DD' in 2026."""
    return {"STORECTL_NOW": f"2026-{day}T{time}:00+08:00"}


def nov(n: int, time: str = "10:00") -> dict:
    return at(f"11-{n:02d}", time)


@pytest.fixture
def member(shop):
    ok("member", "add", PHONE)
    return PHONE


def checkin(day_env: dict, phone: str = PHONE) -> dict:
    return ok("member", "checkin", phone, env=day_env)


def test_the_spec_example_pays_1_1_1_1_11_and_day_10_pays_11_again(member):
    ok("points", "rule", "add", "--every", "1", "--points", "1")
    ok("points", "rule", "add", "--every", "5", "--points", "10")
    results = [checkin(nov(day)) for day in range(2, 12)]
    assert [r["streak"] for r in results] == list(range(1, 11))
    assert [r["points"] for r in results] == [1, 1, 1, 1, 11, 1, 1, 1, 1, 11]
    assert results[4]["balance"] == 15
    assert results[-1] == {**results[-1], "date": "2026-11-11", "streak": 10, "points": 11, "balance": 30}
    assert set(results[0]) >= {"date", "streak", "points", "balance"}
    assert ok("member", "show", PHONE, env=nov(11))["points"] == 30


def test_a_missed_day_resets_the_streak_to_day_one(member):
    ok("points", "rule", "add", "--every", "1", "--points", "2")
    ok("points", "rule", "add", "--every", "3", "--points", "5")
    assert [checkin(nov(d))["streak"] for d in (2, 3)] == [1, 2]
    assert ok("member", "show", PHONE, env=nov(4))["streak"] == 2  # yesterday's streak still counts
    assert ok("member", "show", PHONE, env=nov(5))["streak"] == 0  # a day missed: gone
    again = checkin(nov(5))
    assert (again["streak"], again["points"]) == (1, 2)
    assert [checkin(nov(d))["points"] for d in (6, 7)] == [2, 7]


def test_a_once_rule_pays_each_member_only_once_in_their_lifetime(member):
    ok("member", "add", "13900139000")
    ok("points", "rule", "add", "--every", "1", "--points", "1")
    rule = ok("points", "rule", "add", "--every", "3", "--points", "50", "--once")
    assert rule["once"] is True
    assert [checkin(nov(d))["points"] for d in (2, 3, 4, 5, 6, 7)] == [1, 1, 51, 1, 1, 1]
    # a new streak reaches day 3 again: still not paid
    assert [checkin(nov(d))["points"] for d in (10, 11, 12)] == [1, 1, 1]
    # another member gets it once too
    assert [checkin(nov(d), "13900139000")["points"] for d in (10, 11, 12)] == [1, 1, 51]


def test_the_shop_day_follows_shanghai_time_not_utc(member):
    late, early = at("11-02", "23:30"), at("11-03", "00:10")
    to_utc = lambda env: datetime.fromisoformat(env["STORECTL_NOW"]).astimezone(timezone.utc).date()  # noqa: E731
    assert to_utc(late) == to_utc(early)  # one UTC date …
    first, second = checkin(late), checkin(early)
    assert (first["date"], first["streak"]) == ("2026-11-02", 1)  # … two shop days
    assert (second["date"], second["streak"]) == ("2026-11-03", 2)
    # and the other way round: 07:30 and 09:00 in Shanghai straddle UTC midnight but are one shop day
    checkin(at("11-04", "07:30"))
    err = fails("already_checked_in", "member", "checkin", PHONE, env=at("11-04", "09:00"))
    assert "2026-11-04" in err["message"]


def test_a_second_check_in_the_same_day_is_refused_and_pays_nothing(member):
    ok("points", "rule", "add", "--every", "1", "--points", "3")
    assert checkin(nov(2, "09:00"))["balance"] == 3
    err = fails("already_checked_in", "member", "checkin", PHONE, env=nov(2, "18:00"))
    assert err["hint"]
    plain = run("member", "checkin", PHONE, env=nov(2, "19:00"))
    assert plain.code == 1 and "Traceback" not in plain.stderr
    assert ok("member", "show", PHONE)["points"] == 3
    assert len(ok("points", "history", PHONE)["lines"]) == 1


def test_a_racing_insert_that_slips_past_the_look_up_is_still_already_checked_in(member, monkeypatch):
    from storectl.db import Database, resolve_url
    from storectl.errors import StoreError
    from storectl.services.loyalty import checkin as service

    ok("points", "rule", "add", "--every", "1", "--points", "3")
    checkin(nov(2))
    monkeypatch.setattr(service, "_checkin_on", lambda *a: None)  # as if another process had not committed yet
    with pytest.raises(StoreError) as caught:
        with Database(resolve_url(None)).write("member checkin") as s:
            service.checkin(s, phone=PHONE)
    assert caught.value.code == "already_checked_in"
    assert ok("member", "show", PHONE)["points"] == 3


def test_two_processes_checking_in_at_once_pay_exactly_once(member):
    ok("points", "rule", "add", "--every", "1", "--points", "5")
    env = {"STORECTL_NOW": os.environ["STORECTL_NOW"]}
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: run_process("member", "checkin", PHONE, "--json", env=env), range(2)))
    codes = sorted(r.returncode for r in results)
    assert codes == [0, 1], [(r.returncode, r.stdout, r.stderr) for r in results]
    for r in results:
        assert "Traceback" not in r.stderr
        if r.returncode == 1:
            assert '"already_checked_in"' in r.stdout
    assert ok("member", "show", PHONE)["points"] == 5
    assert len(ok("points", "history", PHONE)["lines"]) == 1


def test_each_check_in_stores_what_it_paid_rule_by_rule(member):
    from sqlmodel import select

    from storectl.db import Database, resolve_url
    from storectl.models import Checkin, CheckinPayout

    first = checkin(nov(1))  # no rules yet: the streak counts, nothing is paid
    assert (first["streak"], first["points"], first["balance"], first["paid"]) == (1, 0, 0, [])
    assert ok("points", "history", PHONE)["lines"] == []
    ok("points", "rule", "add", "--every", "1", "--points", "1")
    ok("points", "rule", "add", "--every", "2", "--points", "4")
    assert checkin(nov(2))["paid"] == [
        {"rule": 1, "every": 1, "points": 1, "once": False},
        {"rule": 2, "every": 2, "points": 4, "once": False},
    ]
    checkin(nov(3))
    with Database(resolve_url(None)).read() as s:
        rows = s.exec(select(Checkin).order_by(Checkin.day)).all()
        assert [(r.streak, r.points) for r in rows] == [(1, 0), (2, 5), (3, 1)]
        payouts = s.exec(select(CheckinPayout.checkin_id, CheckinPayout.points)).all()
        assert sorted(payouts) == [(rows[1].id, 1), (rows[1].id, 4), (rows[2].id, 1)]
    assert run("db", "check").code == 0


def test_a_removed_rule_stops_paying_and_stays_in_the_history(member):
    keep = ok("points", "rule", "add", "--every", "1", "--points", "1")
    gone = ok("points", "rule", "add", "--every", "1", "--points", "9")
    assert checkin(nov(2))["points"] == 10
    removed = ok("points", "rule", "remove", str(gone["id"]), env=nov(2, "12:00"))
    assert removed["active"] is False and removed["removed_at"].startswith("2026-11-02T12:00")
    assert [r["id"] for r in ok("points", "rules")] == [keep["id"]]
    assert [r["id"] for r in ok("points", "rules", "--all")] == [keep["id"], gone["id"]]
    assert checkin(nov(3))["points"] == 1
    fails("conflict", "points", "rule", "remove", str(gone["id"]))
    fails("not_found", "points", "rule", "remove", "99")


def test_bad_input_is_refused_without_a_traceback(shop):
    for every, points in [("0", "1"), ("1", "0"), ("-3", "5"), ("2", "-1"), ("99999", "1")]:
        fails("invalid_input", "points", "rule", "add", "--every", every, "--points", points)
    assert run("points", "rule", "add", "--every", "x", "--points", "1").code == 2  # a usage error
    assert ok("points", "rules") == []
    err = fails("not_found", "member", "checkin", "C001")  # a customer, not a member
    assert "member add" in err["hint"]
    fails("not_found", "member", "checkin", "+0")
    fails("not_found", "member", "checkin", "13999999999")
    r = run("member", "checkin", "+0")
    assert r.code == 1 and "Traceback" not in r.stdout + r.stderr


def test_a_check_in_in_a_closed_month_is_refused(member):
    from storectl.db import Database, resolve_url
    from storectl.models import Period

    with Database(resolve_url(None)).write("t") as s:
        s.add(Period(period="2026-11", closed=True, closed_by="E001"))
    fails("period_closed", "member", "checkin", PHONE)
    assert checkin(at("12-01"))["streak"] == 1
