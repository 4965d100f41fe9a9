"""Member levels: parsing thresholds, discounts and multipliers; placing members by lifetime spend."""

from __future__ import annotations

from conftest import fails, ok, run
from sqlalchemy import text

from storectl.db import Database, resolve_url


def test_a_level_parses_its_threshold_discount_and_multiplier(shop):
    gold = ok("level", "add", "金卡", "--min-spend", "¥20,000", "--discount", "7.5", "--points-multiplier", "1.25")
    assert {k: gold[k] for k in ("name", "min_spend", "discount", "points_multiplier")} == {
        "name": "金卡", "min_spend": "20000.00", "discount": "7.5", "points_multiplier": "1.25"
    }
    silver = ok("level", "add", "银卡", "--min-spend", "5000", "--discount", "5%")
    assert (silver["discount"], silver["points_multiplier"]) == ("5", "1")
    ok("level", "add", "普通", "--min-spend", "0", "--discount", "０")
    assert [(r["name"], r["min_spend"], r["discount"]) for r in ok("level", "list")] == [
        ("普通", "0.00", "0"), ("银卡", "5000.00", "5"), ("金卡", "20000.00", "7.5")
    ]
    assert "金卡" in run("level", "list").stdout


def test_bad_level_input_is_invalid_input_never_a_traceback(shop):
    cases = [
        ["", "--min-spend", "-5"],
        ["金卡", "--min-spend", "-5"],
        ["金卡", "--min-spend", "abc"],
        ["金卡", "--min-spend", "1.234"],
        ["金卡", "--min-spend", "100", "--discount", "101"],
        ["金卡", "--min-spend", "100", "--discount", "-1"],
        ["金卡", "--min-spend", "100", "--discount", "5.555"],
        ["金卡", "--min-spend", "100", "--points-multiplier", "0"],
        ["金卡", "--min-spend", "100", "--points-multiplier", "x"],
    ]
    for args in cases:
        fails("invalid_input", "level", "add", *args)
        r = run("level", "add", *args)
        assert r.code == 1 and "Traceback" not in r.stdout + r.stderr
    assert ok("level", "list") == []


def test_level_names_and_thresholds_are_unique(shop):
    ok("level", "add", "金卡", "--min-spend", "20000")
    fails("conflict", "level", "add", "金卡", "--min-spend", "30000")
    fails("conflict", "level", "add", "铂金", "--min-spend", "20000.00")


def test_adding_a_level_places_every_member_by_lifetime_spend(shop):
    for phone in ("13900000001", "13900000002", "13900000003"):
        ok("member", "add", phone)
    with Database(resolve_url(None)).write("t") as s:
        for phone, cents in (("13900000001", 0), ("13900000002", 600_000), ("13900000003", 2_500_000)):
            s.execute(text("UPDATE customer SET lifetime_spend_cents = :c WHERE phone = :p"), {"c": cents, "p": phone})
    ok("level", "add", "银卡", "--min-spend", "5000")
    placed = lambda: {m["phone"]: m["level"] for m in ok("member", "list")}  # noqa: E731
    assert placed() == {"13900000001": None, "13900000002": "银卡", "13900000003": "银卡"}
    gold = ok("level", "add", "金卡", "--min-spend", "20000")
    assert (gold["members"], gold["members_moved"]) == (1, 1)
    assert placed() == {"13900000001": None, "13900000002": "银卡", "13900000003": "金卡"}
    assert [(r["name"], r["members"]) for r in ok("level", "list")] == [("银卡", 1), ("金卡", 1)]
    assert [m["phone"] for m in ok("member", "list", "--level", "金卡")] == ["13900000003"]
    # a customer who is not a member gets no level
    assert ok("customer", "show", "C001")["level"] is None
    # a new member lands on the level a zero spend reaches
    ok("level", "add", "普通", "--min-spend", "0")
    assert ok("member", "add", "13900000004")["level"] == "普通"
