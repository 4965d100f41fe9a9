"""Prices: most specific valid rule first (customer > group > level > level discount > list)."""

from __future__ import annotations

from conftest import fails, ok, run
from test_sell import _db, add_level, make_member, put_qty, set_level

MEMBER = "13900005555"


def _member_in_group_with_level(discount_bp: int = 1000) -> None:
    from storectl.services.shop import lookup

    add_level("金卡", 0, discount_bp=discount_bp)
    make_member(MEMBER)
    set_level(MEMBER, "金卡")
    with _db().write("test") as s:
        c = lookup.customer(s, MEMBER)
        c.group_name = "VIP"
        s.add(c)


def _quote(customer: str | None = MEMBER) -> tuple[str, str]:
    q = ok("price", "quote", "IP17P", *(("--customer", customer) if customer else ()))
    return q["price"], q["rule"]


def test_the_most_specific_valid_rule_wins(shop):
    _member_in_group_with_level()
    assert _quote() == ("8099.10", "level-discount:金卡")
    ok("price", "set", "IP17P", "8500", "--level", "金卡")
    assert _quote() == ("8500.00", "level:金卡")
    ok("price", "set", "IP17P", "8400", "--group", "VIP")
    assert _quote() == ("8400.00", "group:VIP")
    rule = ok("price", "set", "IP17P", "8300", "--customer", MEMBER)
    assert (rule["rule"], rule["price"], rule["in_force"]) == (f"customer:{MEMBER}", "8300.00", True)
    assert _quote() == ("8300.00", f"customer:{MEMBER}")
    assert _quote("C002") == ("8999.00", "list")
    assert _quote(None) == ("8999.00", "list")


def test_rules_that_expired_or_are_not_yet_valid_are_skipped_and_until_is_inclusive(shop, monkeypatch):
    _member_in_group_with_level()
    ok("price", "set", "IP17P", "8300", "--customer", MEMBER)
    ok("price", "set", "IP17P", "8000", "--customer", MEMBER, "--until", "2026-11-01")
    ok("price", "set", "IP17P", "7000", "--customer", MEMBER, "--from", "2026-11-03")
    assert _quote() == ("8300.00", f"customer:{MEMBER}")
    ok("price", "set", "IP17P", "8200", "--customer", MEMBER, "--from", "2026-11-02", "--until", "2026-11-02")
    assert _quote() == ("8200.00", f"customer:{MEMBER}")
    monkeypatch.setenv("STORECTL_NOW", "2026-11-03T00:30:00+08:00")  # the shop's calendar, not UTC's
    assert _quote() == ("7000.00", f"customer:{MEMBER}")
    # an expired group price falls through to the level
    ok("price", "set", "IP17P", "6000", "--group", "VIP", "--until", "2026-11-02")
    ok("price", "set", "IP17P", "6500", "--level", "金卡", "--from", "2026-11-03")
    assert _quote("C001") == ("8999.00", "list")
    ok("price", "set", "IP17P", "6800", "--group", "批发", "--from", "2026-11-04")
    assert _quote("C001") == ("8999.00", "list")
    ok("price", "set", "IP17P", "8888", "--from", "2026-11-03")
    assert _quote("C001") == ("8888.00", "list")


def test_the_level_discount_rounds_to_the_nearest_cent_half_up(shop):
    from storectl.services.till.pricing import discounted

    assert discounted(1001, 5000) == 501
    assert discounted(999, 500) == 949
    assert discounted(899900, 1000) == 809910
    add_level("半价", 0, discount_bp=5000)
    make_member(MEMBER)
    set_level(MEMBER, "半价")
    ok("price", "set", "00123", "10.01")
    assert ok("price", "quote", "00123", "--customer", MEMBER, "--qty", "3")["amount"] == "15.03"


def test_a_sale_uses_and_remembers_the_resolved_price(shop):
    put_qty("00123", "SZ01", 10)
    ok("price", "set", "00123", "30", "--group", "批发")
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", "--customer", "C001", "00123:2", "--pay", "cash=60")
    assert [(l["price"], l["rule"]) for l in sale["lines"]] == [("30.00", "group:批发")]
    ok("price", "set", "00123", "25", "--group", "批发")
    assert ok("sale", "show", "S-000001")["lines"][0]["price"] == "30.00"


def test_list_and_history_show_every_rule(shop):
    _member_in_group_with_level()
    ok("price", "set", "IP17P", "8500", "--level", "金卡")
    ok("price", "set", "IP17P", "8600", "--group", "批发")
    ok("price", "set", "IP17P", "8700")
    history = ok("price", "history", "IP17P")
    assert [(h["rule"], h["price"]) for h in history] == [
        ("list", "8999.00"), ("level:金卡", "8500.00"), ("group:批发", "8600.00"), ("list", "8700.00")]
    assert [h["in_force"] for h in history] == [False, True, True, True]
    for_member = ok("price", "list", "--customer", MEMBER, "--sku", "IP17P")
    assert {r["rule"] for r in for_member} == {"list", "level:金卡"}
    assert {r["sku"] for r in ok("price", "list")} == {"IP17P", "MBA13", "00123"}
    assert run("price", "list").code == 0 and run("price", "history", "IP17P").code == 0


def test_no_price_at_all_is_a_clear_not_found(shop):
    ok("product", "add", "CASE1", "手机壳", "--no-serial")
    err = fails("not_found", "price", "quote", "CASE1")
    assert err["hint"] == "storectl price set CASE1 AMOUNT"
    put_qty("CASE1", "SZ01", 1)
    assert fails("not_found", "sell", "--store", "SZ01", "--staff", "E002", "CASE1", "--pay", "cash=1")["hint"] == "storectl price set CASE1 AMOUNT"
    assert ok("sell", "--store", "SZ01", "--staff", "E002", "CASE1", "--price", "CASE1=15", "--pay", "cash=15")["lines"][0]["rule"] == "manual"


def test_bad_price_input_is_refused(shop):
    fails("invalid_input", "price", "set", "IP17P", "8999.999")
    fails("invalid_input", "price", "set", "IP17P", "abc")
    fails("invalid_input", "price", "set", "IP17P", "1", "--group", "批发", "--customer", "C001")
    fails("invalid_input", "price", "set", "IP17P", "1", "--from", "2026-11-05", "--until", "2026-11-04")
    fails("invalid_input", "price", "set", "IP17P", "1", "--from", "2026-02-30")
    fails("not_found", "price", "set", "IP17P", "1", "--level", "钻石")
    fails("not_found", "price", "set", "IP17P", "1", "--customer", "C999")
    fails("not_found", "price", "quote", "NOPE")
    fails("invalid_input", "price", "quote", "IP17P", "--qty", "0")


def test_only_a_manager_sets_prices_once_pins_are_in_use(shop):
    ok("--operator", "E001", "staff", "set-pin", "E001", env={"STORECTL_NEW_PIN": "4821"})
    fails("forbidden", "--operator", "E002", "price", "set", "IP17P", "1", env={"STORECTL_PIN": "4821"})
    fails("forbidden", "--operator", "E001", "price", "set", "IP17P", "1", env={"STORECTL_PIN": "0000"})
    rule = ok("--operator", "E001", "price", "set", "IP17P", "8799", env={"STORECTL_PIN": "4821"})
    assert rule["operator"] == "E001"
    assert _quote(None) == ("8799.00", "list")
