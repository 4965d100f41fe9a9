"""The points ledger: history, manual adjustment (managers), FIFO expiry, and the db check invariants."""

from __future__ import annotations

import pytest
from conftest import fails, ok, run
from sqlalchemy import text
from sqlmodel import select

from storectl.db import Database, resolve_url

PHONE = "13800138000"
CODE = "C002"  # the shop's customer with that phone, enrolled as a member


def when(stamp: str) -> dict:
    """STORECTL_NOW for a Shanghai wall-clock time, e.g. '2026-12-01T00:00'."""
    return {"STORECTL_NOW": f"{stamp}:00+08:00"}


def adjust(delta: str, stamp: str, phone: str = PHONE) -> dict:
    return ok("points", "adjust", phone, delta, "--reason", "test", env=when(stamp))


def expire(stamp: str) -> dict:
    return ok("points", "expire", env=when(stamp))


def database() -> Database:
    return Database(resolve_url(None))


@pytest.fixture
def member(shop):
    ok("member", "add", PHONE)
    return PHONE


def set_pin(code: str = "E001", pin: str = "1234") -> None:
    from storectl.services.shop import auth
    from storectl.services.shop import lookup

    with database().write("t") as s:
        lookup.staff(s, code).pin_hash = auth.hash_pin(pin)


# --- history and adjust ---------------------------------------------------------------------


def test_history_lists_every_ledger_row_with_its_running_balance(member):
    adjust("+100", "2026-11-02T10:00")
    adjust("-30", "2026-11-03T10:00")
    adjust("5", "2026-11-04T10:00")
    h = ok("points", "history", PHONE)
    assert h["balance"] == 75
    assert [(x["kind"], x["delta"], x["balance"]) for x in h["lines"]] == [("adjust", 100, 100), ("adjust", -30, 70), ("adjust", 5, 75)]
    assert h["lines"][1]["at"] == "2026-11-03T10:00:00+08:00"
    assert h["lines"][0]["reason"] == "test" and h["lines"][0]["operator"] == "tester"
    assert "Traceback" not in run("points", "history", PHONE).stderr


def test_an_adjustment_never_takes_the_balance_below_zero(member):
    adjust("+20", "2026-11-02T10:00")
    err = fails("conflict", "points", "adjust", PHONE, "-21", "--reason", "too much")
    assert "20 points" in err["message"]
    assert adjust("-20", "2026-11-02T11:00")["balance"] == 0
    assert ok("member", "show", PHONE)["points"] == 0


def test_bad_adjustments_are_refused_without_a_traceback(member):
    for delta in ["abc", "0", "-0", "1.5", "", "+-3", "1e3", "１０x", "99999999999"]:
        fails("invalid_input", "points", "adjust", PHONE, delta, "--reason", "r")
    for args in (["X", "abc", "--reason", "r"], [PHONE, "5", "--reason", ""], [PHONE, "5", "--reason", "  "], ["C001", "5", "--reason", "r"]):
        r = run("points", "adjust", *args)
        assert r.code == 1, args
        assert "Traceback" not in r.stdout + r.stderr
    fails("not_found", "points", "adjust", "X", "5", "--reason", "r")
    fails("not_found", "points", "adjust", "C001", "5", "--reason", "r")
    fails("invalid_input", "points", "adjust", PHONE, "5", "--reason", " ")
    assert run("points", "adjust", PHONE, "5").code == 2  # --reason is required
    assert ok("points", "adjust", PHONE, "＋１０", "--reason", "全角")["balance"] == 10


def test_adjust_is_for_managers_with_their_pin_once_a_manager_has_a_pin(member):
    from storectl.models import Audit

    adjust("+10", "2026-11-02T10:00")  # a new shop trusts the operator
    set_pin()
    fails("forbidden", "points", "adjust", PHONE, "5", "--reason", "r", env={"STORECTL_OPERATOR": "E002"})
    fails("forbidden", "points", "adjust", PHONE, "5", "--reason", "r", env={"STORECTL_OPERATOR": "E001"})
    fails("forbidden", "points", "adjust", PHONE, "5", "--reason", "r", env={"STORECTL_OPERATOR": "E001", "STORECTL_PIN": "9999"})
    done = ok("points", "adjust", PHONE, "5", "--reason", "r", env={"STORECTL_OPERATOR": "E001", "STORECTL_PIN": "1234"})
    assert done["balance"] == 15
    with database().read() as s:
        refusals = s.exec(select(Audit).where(Audit.outcome == "forbidden")).all()
    assert len(refusals) == 3
    # check-in rules and levels are also manager business
    fails("forbidden", "points", "rule", "add", "--every", "1", "--points", "1", env={"STORECTL_OPERATOR": "E002"})
    fails("forbidden", "level", "add", "金卡", "--min-spend", "1000", env={"STORECTL_OPERATOR": "E002"})
    # a clerk still checks members in
    ok("member", "checkin", PHONE, env={"STORECTL_OPERATOR": "E002"})


# --- expiry ---------------------------------------------------------------------------------


def test_expiry_is_fifo_an_earlier_negative_adjust_eats_the_oldest_lot_and_a_rerun_expires_nothing(member):
    ok("config", "set", "points.expire_months", "1")
    adjust("+100", "2026-10-10T12:00")  # lot A: October, expires 2026-12-01
    adjust("+50", "2026-11-05T12:00")  # lot B: November, expires 2027-01-01
    adjust("-30", "2026-11-20T12:00")  # eats A first: A has 70 left
    assert expire("2026-11-30T23:59") == {"expired": 0, "members": [], "months": 1, "date": "2026-11-30"}
    first = expire("2026-12-01T00:00")
    assert first["expired"] == 70
    assert first["members"] == [{"member": CODE, "phone": PHONE, "expired": 70, "balance": 50}]
    assert expire("2026-12-01T00:05")["expired"] == 0  # idempotent
    assert expire("2026-12-31T23:00")["expired"] == 0
    assert expire("2027-01-01T08:00")["expired"] == 50
    assert expire("2027-01-01T09:00")["expired"] == 0
    kinds = [(x["kind"], x["delta"]) for x in ok("points", "history", PHONE)["lines"]]
    assert kinds[-2:] == [("expire", -70), ("expire", -50)]
    assert ok("member", "show", PHONE)["points"] == 0
    assert run("db", "check").code == 0


def test_a_redemption_larger_than_the_oldest_lot_eats_into_the_next(member):
    from storectl.services.shop import lookup
    from storectl.services.loyalty import ledger as loyalty

    ok("config", "set", "points.expire_months", "1")
    adjust("+100", "2026-10-10T12:00")
    adjust("+50", "2026-11-05T12:00")
    with database().write("sell") as s:  # as the till redeems: 120 points, A then B
        loyalty.post(s, customer_id=lookup.member(s, PHONE).id, kind="redeem", delta=-120, doc_no="S-000001")
    assert expire("2026-12-01T10:00")["expired"] == 0
    assert expire("2027-01-01T10:00")["expired"] == 30


def test_with_two_months_points_earned_in_november_expire_on_the_first_of_february(member):
    ok("config", "set", "points.expire_months", "2")
    ok("points", "rule", "add", "--every", "1", "--points", "4")
    ok("member", "checkin", PHONE, env=when("2026-11-30T23:50"))  # still November in Shanghai
    ok("member", "checkin", PHONE, env=when("2026-12-01T00:10"))
    assert expire("2027-01-31T23:59")["expired"] == 0
    assert expire("2027-02-01T00:00")["expired"] == 4
    assert expire("2027-03-01T00:00")["expired"] == 4


def test_expiry_reports_each_member_and_the_total_and_is_off_by_default(member):
    ok("member", "add", "13900139000")
    adjust("+10", "2020-01-01T10:00")
    assert expire("2026-12-01T10:00") == {"expired": 0, "members": [], "months": 0, "date": "2026-12-01"}
    assert "never expire" in run("points", "expire").stderr
    adjust("-10", "2020-01-01T11:00")
    ok("config", "set", "points.expire_months", "1")
    adjust("+10", "2026-10-01T10:00")
    adjust("+25", "2026-10-31T23:00", "13900139000")
    result = expire("2026-12-01T03:00")
    assert result["expired"] == 35
    assert sorted((m["member"], m["expired"]) for m in result["members"]) == [("13900139000", 25), (CODE, 10)]
    human = run("points", "expire", env=when("2026-12-02T03:00"))
    assert human.code == 0 and "Traceback" not in human.stderr


def test_expiry_date_is_the_first_day_after_the_nth_month():
    from datetime import date

    from storectl.services.loyalty.points import expiry_date

    assert expiry_date(date(2026, 11, 3), 2) == date(2027, 2, 1)
    assert expiry_date(date(2026, 11, 30), 1) == date(2027, 1, 1)
    assert expiry_date(date(2026, 1, 31), 12) == date(2027, 2, 1)
    assert expiry_date(date(2026, 12, 1), 0) == date(2027, 1, 1)


# --- invariants -----------------------------------------------------------------------------


def test_db_check_finds_a_wrong_cache_a_ledger_dipping_below_zero_and_a_check_in_unlike_its_payouts(member):
    from datetime import datetime, timezone

    from storectl.models import Checkin, Customer, PointsEntry

    adjust("+10", "2026-11-02T10:00")
    assert run("db", "check").code == 0
    with database().write("t") as s:
        s.execute(text("UPDATE customer SET points = 99 WHERE phone = :p"), {"p": PHONE})
    r = run("db", "check", "--json")
    assert r.code == 1
    assert [(p["check"], p["doc"]) for p in r.json["problems"]] == [("points_ledger", CODE)]

    moment = datetime(2026, 11, 2, 2, tzinfo=timezone.utc)
    with database().write("t") as s:
        s.execute(text("UPDATE customer SET points = 10 WHERE phone = :p"), {"p": PHONE})
        cid = s.exec(select(Customer.id).where(Customer.phone == PHONE)).one()
        s.add(PointsEntry(customer_id=cid, at=moment, kind="adjust", delta=-15))
        s.flush()
        s.add(PointsEntry(customer_id=cid, at=moment, kind="adjust", delta=15))
        s.add(Checkin(customer_id=cid, day=moment.date(), at=moment, streak=1, points=3))
    checks = sorted(p["check"] for p in run("db", "check", "--json").json["problems"])
    assert checks == ["checkin_payouts", "points_running_balance"]
