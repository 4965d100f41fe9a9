"""Coupons and flash sales (SPEC §14): templates, instances, the discount inside every line."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import fails, imei, ok, run, run_process
from test_sell import make_member, put_qty, put_units

PHONE = "13900139000"
OTHER = "13700137000"


def _member_shop(shop):
    make_member(PHONE, name="刘洋")
    make_member(OTHER, name="赵敏")


def _issue(code: str, phone: str = PHONE) -> str:
    return ok("coupon", "issue", code, phone)["instances"][0]["code"]


def _phones(n: int, start: int = 0) -> list[str]:
    return [imei(f"3569380356{start + i:04d}") for i in range(n)]


# --- templates and instances ----------------------------------------------------------------


def test_a_coupon_template_is_added_listed_and_shown(shop):
    made = ok("coupon", "add", "MJ100", "满1000减100", "--amount", "100", "--min-spend", "1000", "--valid-days", "30")
    assert made["terms"] == "¥100.00 off from ¥1,000.00"
    assert made["amount"] == "100.00" and made["min_spend"] == "1000.00" and not made["stackable"]
    pct = ok("coupon", "add", "PJ10", "配件9折", "--pct", "10", "--max-off", "50", "--category", "数据线",
             "--until", "2026-12-31", "--stackable")
    assert pct["pct"] == "10" and pct["max_off"] == "50.00" and pct["category"] == "数据线" and pct["stackable"]
    assert [c["code"] for c in ok("coupon", "list")] == ["MJ100", "PJ10"]
    assert ok("coupon", "show", "MJ100")["instances"] == []


@pytest.mark.parametrize("args", [
    ["--amount", "100", "--pct", "10", "--valid-days", "3"],
    ["--valid-days", "3"],
    ["--amount", "100"],
    ["--amount", "100", "--valid-days", "3", "--until", "2026-12-01"],
    ["--pct", "10", "--min-spend", "100", "--valid-days", "3"],
    ["--amount", "100", "--max-off", "10", "--valid-days", "3"],
    ["--pct", "120", "--valid-days", "3"],
    ["--amount", "0", "--valid-days", "3"],
    ["--amount", "100", "--until", "2026-10-01"],
    ["--amount", "100", "--valid-days", "3", "--sku", "IP17P", "--category", "手机"],
])
def test_a_coupon_template_that_makes_no_sense_is_refused_and_changes_nothing(shop, args):
    fails("invalid_input", "coupon", "add", "BAD", "坏券", *args)
    assert ok("coupon", "list") == []


def test_issuing_gives_each_member_an_own_eight_character_code_and_an_expiry(shop):
    _member_shop(shop)
    ok("coupon", "add", "MJ100", "满1000减100", "--amount", "100", "--min-spend", "1000", "--valid-days", "30")
    out = ok("coupon", "issue", "MJ100", PHONE, OTHER)
    codes = [i["code"] for i in out["instances"]]
    assert out["issued"] == 2 and len(set(codes)) == 2
    for code in codes:
        assert re.fullmatch(r"[2-9A-HJ-NP-Z]{8}", code), code
    assert {i["expires"] for i in out["instances"]} == {"2026-12-01"}  # 30 days counting the day of issue
    mine = ok("member", "show", PHONE)["coupons"]
    assert [(c["code"], c["coupon"], c["state"], c["expires"]) for c in mine] == [(codes[0], "MJ100", "open", "2026-12-01")]


def test_issuing_to_a_level_or_all_members_reaches_exactly_those(shop):
    _member_shop(shop)
    ok("level", "add", "金卡", "--min-spend", "5000")
    ok("coupon", "add", "VIP", "金卡专享", "--amount", "50", "--until", "2026-11-30")
    put_units("MBA13", "SZ01", "C02ZK1ABC009")
    ok("sell", "C02ZK1ABC009", "--store", "SZ01", "--staff", "E002", "--customer", PHONE, "--pay", "cash=7999")
    gold = ok("coupon", "issue", "VIP", "--level", "金卡")
    assert [i["member"] for i in gold["instances"]] == [PHONE]
    assert gold["instances"][0]["expires"] == "2026-11-30"
    assert ok("coupon", "issue", "VIP", "--all-members")["issued"] == 2
    fails("not_found", "coupon", "issue", "VIP", "13600136000")
    fails("invalid_input", "coupon", "issue", "VIP")


# --- on a sale ------------------------------------------------------------------------------


def test_a_fixed_coupon_is_spread_over_the_lines_by_largest_remainder_to_the_fen(shop):
    _member_shop(shop)
    put_qty("00123", "SZ01", 10)
    put_units("MBA13", "SZ01", "C02ZK1ABC001")
    ok("price", "set", "00123", "33.33")
    ok("coupon", "add", "J10", "立减10", "--amount", "10", "--valid-days", "7")
    code = _issue("J10")
    sale = ok("sell", "C02ZK1ABC001", "00123:3", "--store", "SZ01", "--staff", "E002", "--customer", PHONE,
              "--coupon", code, "--pay", "cash=8088.99")
    # 7999 and 99.99 share ¥10 pro rata: 9.876… and 0.123… -> 9.88 and 0.12
    assert [l["amount"] for l in sale["lines"]] == ["7989.12", "99.87"]
    assert sale["total"] == "8088.99" and sale["discount"] == "10.00"
    assert sale["coupons"] == [{"code": code, "coupon": "J10", "name": "立减10", "off": "10.00", "given_back": False}]
    shown = ok("sale", "show", sale["id"])
    assert shown["coupons"] == sale["coupons"] and [l["amount"] for l in shown["lines"]] == ["7989.12", "99.87"]
    # gross profit stays exact: every report reads the lines
    day = ok("report", "daily", "--date", "2026-11-02")["total"]
    assert day["revenue"] == "8088.99" and day["profit"] == f"{8088.99 - 6000 - 30:.2f}"


def test_the_split_gives_the_leftover_fen_to_the_largest_remainders(shop):
    from storectl.services.promo.coupons import spread

    assert spread(100, [1, 1, 1]) == [34, 33, 33]
    assert spread(1000, [799900, 9999]) == [988, 12]
    assert spread(7, [3, 3, 3, 3]) == [2, 2, 2, 1]
    assert sum(spread(12345, [101, 2, 9999, 777])) == 12345


def test_percentages_apply_before_fixed_amounts_whatever_the_order_given(shop):
    _member_shop(shop)
    put_units("MBA13", "SZ01", "C02ZK1ABC001", "C02ZK1ABC002")
    ok("coupon", "add", "J100", "立减100", "--amount", "100", "--valid-days", "7", "--stackable")
    ok("coupon", "add", "P10", "九折", "--pct", "10", "--valid-days", "7", "--stackable")
    a, b = _issue("J100"), _issue("P10")
    sale = ok("sell", "C02ZK1ABC001", "--store", "SZ01", "--staff", "E002", "--customer", PHONE,
              "--coupon", a, "--coupon", b, "--pay", "wechat=7099.10")
    # 7999 × 90 % = 7199.10, then − 100 = 7099.10 (the other order would give 7109.10)
    assert sale["total"] == "7099.10"
    assert [(c["coupon"], c["off"]) for c in sale["coupons"]] == [("P10", "799.90"), ("J100", "100.00")]


def test_a_percentage_coupon_is_capped_by_its_max_off(shop):
    _member_shop(shop)
    put_units("MBA13", "SZ01", "C02ZK1ABC001")
    ok("coupon", "add", "P10", "九折封顶200", "--pct", "10", "--max-off", "200", "--valid-days", "7")
    sale = ok("sell", "C02ZK1ABC001", "--store", "SZ01", "--staff", "E002", "--customer", PHONE,
              "--coupon", _issue("P10"), "--pay", "cash=7799")
    assert sale["total"] == "7799.00"


def test_the_minimum_spend_counts_only_the_eligible_lines(shop):
    _member_shop(shop)
    put_qty("00123", "SZ01", 50)
    put_units("MBA13", "SZ01", "C02ZK1ABC001")
    ok("coupon", "add", "XM", "数据线满100减20", "--amount", "20", "--min-spend", "100", "--category", "数据线", "--valid-days", "7")
    code = _issue("XM")
    err = fails("invalid_input", "sell", "C02ZK1ABC001", "00123:2", "--store", "SZ01", "--staff", "E002",
                "--customer", PHONE, "--coupon", code, "--pay", "cash=8077")
    assert "100.00" in err["message"] and "78.00" in err["message"]
    assert ok("member", "show", PHONE)["coupons"][0]["state"] == "open"
    sale = ok("sell", "C02ZK1ABC001", "00123:3", "--store", "SZ01", "--staff", "E002",
              "--customer", PHONE, "--coupon", code, "--pay", "cash=8096")
    # the ¥20 is on the cable line only; the laptop keeps its price
    assert [l["amount"] for l in sale["lines"]] == ["7999.00", "97.00"]


def test_only_the_buyers_own_unexpired_unused_coupon_is_taken(shop, monkeypatch):
    _member_shop(shop)
    put_qty("00123", "SZ01", 50)
    ok("coupon", "add", "J5", "立减5", "--amount", "5", "--valid-days", "3")
    mine, theirs = _issue("J5"), _issue("J5", OTHER)
    sell = ["sell", "00123:2", "--store", "SZ01", "--staff", "E002"]
    fails("invalid_input", *sell, "--coupon", mine, "--pay", "cash=73")  # no member given
    fails("invalid_input", *sell, "--customer", PHONE, "--coupon", theirs, "--pay", "cash=73")
    fails("not_found", *sell, "--customer", PHONE, "--coupon", "ZZZZZZZZ", "--pay", "cash=73")
    fails("invalid_input", *sell, "--customer", PHONE, "--coupon", mine, "--coupon", mine.lower(), "--pay", "cash=73")
    first = ok(*sell, "--customer", PHONE, "--coupon", mine.lower(), "--pay", "cash=73")
    err = fails("conflict", *sell, "--customer", PHONE, "--coupon", mine, "--pay", "cash=73")
    assert first["id"] in err["message"]
    monkeypatch.setenv("STORECTL_NOW", "2026-11-05T10:00:00+08:00")  # issued the 2nd, 3 days: until the 4th
    err = fails("invalid_input", *sell, "--customer", OTHER, "--coupon", theirs, "--pay", "cash=73")
    assert "2026-11-04" in err["message"]


def test_two_non_stackable_coupons_are_refused_together_but_one_goes_with_stackables(shop):
    _member_shop(shop)
    put_units("MBA13", "SZ01", "C02ZK1ABC001")
    ok("coupon", "add", "A", "立减100", "--amount", "100", "--valid-days", "7")
    ok("coupon", "add", "B", "立减50", "--amount", "50", "--valid-days", "7")
    ok("coupon", "add", "S", "叠加券", "--amount", "10", "--valid-days", "7", "--stackable")
    a, b, s = _issue("A"), _issue("B"), _issue("S")
    sell = ["sell", "C02ZK1ABC001", "--store", "SZ01", "--staff", "E002", "--customer", PHONE]
    err = fails("invalid_input", *sell, "--coupon", a, "--coupon", b, "--pay", "cash=7849")
    assert "cannot be used together" in err["message"]
    assert {c["state"] for c in ok("member", "show", PHONE)["coupons"]} == {"open"}
    sale = ok(*sell, "--coupon", a, "--coupon", s, "--pay", "cash=7889")
    assert sale["total"] == "7889.00"


def test_a_coupon_never_takes_a_sale_below_zero(shop):
    _member_shop(shop)
    put_qty("00123", "SZ01", 5)
    ok("coupon", "add", "BIG", "大额券", "--amount", "500", "--valid-days", "7")
    sale = ok("sell", "00123", "--store", "SZ01", "--staff", "E002", "--customer", PHONE, "--coupon", _issue("BIG"))
    assert sale["total"] == "0.00" and sale["lines"][0]["amount"] == "0.00" and sale["coupons"][0]["off"] == "39.00"


def test_the_receipt_and_the_quote_name_each_coupon_and_what_it_took_off(shop, tmp_path):
    _member_shop(shop)
    put_units("MBA13", "SZ01", "C02ZK1ABC001")
    ok("coupon", "add", "MJ", "满1000减100", "--amount", "100", "--min-spend", "1000", "--valid-days", "7")
    code = _issue("MJ")
    quote = ok("price", "quote", "MBA13", "--customer", PHONE, "--coupon", code)
    assert quote["amount"] == "7899.00" and quote["coupons"] == [{"code": code, "coupon": "MJ", "name": "满1000减100", "off": "100.00"}]
    text = run("price", "quote", "MBA13", "--customer", PHONE, "--coupon", code).stdout
    assert code in text and "100.00" in text
    human = run("sell", "C02ZK1ABC001", "--store", "SZ01", "--staff", "E002", "--customer", PHONE, "--coupon", code,
                "--pay", "cash=7899", "--receipt", str(tmp_path / "r.html"))
    assert human.code == 0, human.stdout
    assert code in human.stdout and "满1000减100" in human.stdout and "-¥100.00" in human.stdout.replace(" ", "") or "100.00" in human.stdout
    page = (tmp_path / "r.html").read_text()
    assert code in page and "满1000减100" in page and "-¥100.00" in page


def test_a_full_return_gives_an_unexpired_coupon_back_and_refunds_what_was_paid(shop):
    _member_shop(shop)
    put_units("MBA13", "SZ01", "C02ZK1ABC001")
    put_qty("00123", "SZ01", 10)
    ok("coupon", "add", "J10", "立减10", "--amount", "10", "--valid-days", "7")
    code = _issue("J10")
    sale = ok("sell", "C02ZK1ABC001", "00123:3", "--store", "SZ01", "--staff", "E002", "--customer", PHONE,
              "--coupon", code, "--pay", "cash=8106")
    assert [l["amount"] for l in sale["lines"]] == ["7989.14", "116.86"]
    part = ok("return", sale["id"], "00123:1")
    assert part["refund"] == "38.95"  # a third of 116.86, to the fen below; the last part takes the rest
    assert ok("member", "show", PHONE)["coupons"][0]["state"] == "used"  # a partial return does not
    rest = ok("return", sale["id"])
    assert rest["refund"] == "8067.05" and [l["amount"] for l in rest["lines"]] == ["7989.14", "77.91"]
    assert ok("member", "show", PHONE)["coupons"][0]["state"] == "open"
    assert ok("sale", "show", sale["id"])["coupons"][0]["given_back"] is True
    again = ok("sell", "00123:2", "--store", "SZ01", "--staff", "E002", "--customer", PHONE, "--coupon", code, "--pay", "cash=68")
    assert again["total"] == "68.00"


def test_a_full_return_after_the_coupon_expired_does_not_give_it_back(shop, monkeypatch):
    _member_shop(shop)
    put_qty("00123", "SZ01", 10)
    ok("coupon", "add", "J10", "立减10", "--amount", "10", "--valid-days", "1")
    code = _issue("J10")
    sale = ok("sell", "00123:2", "--store", "SZ01", "--staff", "E002", "--customer", PHONE, "--coupon", code, "--pay", "cash=68")
    monkeypatch.setenv("STORECTL_NOW", "2026-11-03T10:00:00+08:00")
    assert ok("return", sale["id"])["refund"] == "68.00"
    assert ok("member", "show", PHONE)["coupons"][0]["state"] == "used"


# --- flash sales ----------------------------------------------------------------------------


def test_a_flash_price_holds_for_the_first_n_units_then_the_next_rule_applies(shop):
    put_units("MBA13", "SZ01", *[f"C02FL{i:04d}" for i in range(4)])
    put_qty("00123", "SZ01", 10)
    rule = ok("price", "set", "MBA13", "6999", "--from", "2026-11-02", "--until", "2026-11-02", "--quota", "2")
    assert (rule["rule"], rule["quota"], rule["sold"], rule["in_force"]) == ("flash", 2, 0, True)
    sold = [ok("sell", f"C02FL{i:04d}", "--store", "SZ01", "--staff", "E002", "--pay", "cash=8000")["lines"][0] for i in range(3)]
    assert [(l["price"], l["rule"]) for l in sold] == [("6999.00", "flash"), ("6999.00", "flash"), ("7999.00", "list")]
    assert ok("price", "quote", "MBA13")["price"] == "7999.00"
    listed = ok("price", "list", "--sku", "MBA13")
    flash = next(r for r in listed if r["rule"] == "flash")
    assert flash["sold"] == 2 and flash["in_force"] is False
    # a quantity line takes the flash price whole or not at all
    ok("price", "set", "00123", "19", "--from", "2026-11-02", "--until", "2026-11-03", "--quota", "3")
    assert ok("sell", "00123:4", "--store", "SZ01", "--staff", "E002", "--pay", "cash=8000")["lines"][0]["price"] == "39.00"
    assert ok("sell", "00123:3", "--store", "SZ01", "--staff", "E002", "--pay", "cash=8000")["lines"][0]["price"] == "19.00"


def test_a_flash_price_per_member_is_for_members_only_k_each(shop):
    _member_shop(shop)
    put_units("MBA13", "SZ01", *[f"C02FL{i:04d}" for i in range(4)])
    ok("price", "set", "MBA13", "6999", "--from", "2026-11-01", "--until", "2026-11-12", "--quota", "10", "--per-member", "1")
    sell = ["--store", "SZ01", "--staff", "E002", "--pay", "cash=8000"]
    assert ok("sell", "C02FL0000", *sell)["lines"][0]["price"] == "7999.00"  # a walk-in: not counted, not flash
    assert ok("price", "quote", "MBA13", "--customer", PHONE)["rule"] == "flash"
    assert ok("sell", "C02FL0001", *sell, "--customer", PHONE)["lines"][0]["rule"] == "flash"
    assert ok("sell", "C02FL0002", *sell, "--customer", PHONE)["lines"][0]["rule"] == "list"
    assert ok("sell", "C02FL0003", *sell, "--customer", OTHER)["lines"][0]["rule"] == "flash"


@pytest.mark.parametrize("args", [
    ["--quota", "5"],
    ["--from", "2026-11-02", "--quota", "5"],
    ["--from", "2026-11-02", "--until", "2026-11-02", "--quota", "0"],
    ["--from", "2026-11-02", "--until", "2026-11-02", "--quota", "2", "--per-member", "3"],
    ["--per-member", "1"],
])
def test_a_flash_sale_without_dates_or_with_a_silly_quota_is_refused(shop, args):
    fails("invalid_input", "price", "set", "MBA13", "6999", *args)
    assert all(r["rule"] == "list" for r in ok("price", "history", "MBA13"))


def test_eight_tills_racing_for_the_last_flash_units_sell_exactly_n_at_the_flash_price(shop):
    units = [f"C02RC{i:04d}" for i in range(8)]
    put_units("MBA13", "SZ01", *units)
    ok("price", "set", "MBA13", "6999", "--from", "2026-11-02", "--until", "2026-11-02", "--quota", "3")

    def sell(unit: str):
        return run_process("sell", unit, "--store", "SZ01", "--staff", "E002", "--pay", "cash=8000", "--json")

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(sell, units))
    assert all(r.returncode == 0 for r in results), [r.stdout + r.stderr for r in results if r.returncode]
    import json

    prices = sorted(json.loads(r.stdout)["lines"][0]["price"] for r in results)
    assert prices == ["6999.00"] * 3 + ["7999.00"] * 5
    assert next(r for r in ok("price", "list", "--sku", "MBA13") if r["rule"] == "flash")["sold"] == 3


# --- check-in coupons -----------------------------------------------------------------------


def test_a_check_in_on_streak_day_n_issues_the_rules_coupon_with_or_without_points(shop, monkeypatch):
    _member_shop(shop)
    ok("coupon", "add", "QD", "签到券", "--amount", "20", "--valid-days", "7")
    rule = ok("points", "rule", "add", "--every", "2", "--coupon", "QD")
    assert rule["coupon_rule"]["coupon"] == "QD" and "points" not in rule
    ok("points", "rule", "add", "--every", "3", "--points", "5", "--coupon", "QD")
    fails("invalid_input", "points", "rule", "add", "--every", "2")
    fails("not_found", "points", "rule", "add", "--every", "2", "--coupon", "NOPE")
    got = []
    for day in range(2, 8):
        monkeypatch.setenv("STORECTL_NOW", f"2026-11-{day:02d}T09:00:00+08:00")
        r = ok("member", "checkin", PHONE)
        got.append((r["streak"], r["points"], [c["coupon"] for c in r["coupons"]]))
    assert got == [(1, 0, []), (2, 0, ["QD"]), (3, 5, ["QD"]), (4, 0, ["QD"]), (5, 0, []), (6, 5, ["QD", "QD"])]
    mine = ok("member", "show", PHONE)["coupons"]
    assert len(mine) == 5 and {c["state"] for c in mine} == {"open"}


# --- reports and the month end --------------------------------------------------------------


def _coupon_month(shop, monkeypatch) -> tuple[str, str]:
    _member_shop(shop)
    put_units("MBA13", "SZ01", "C02ZK1ABC001", "C02ZK1ABC002")
    put_qty("00123", "SZ01", 20)
    ok("coupon", "add", "MJ", "满1000减100", "--amount", "100", "--min-spend", "1000", "--valid-days", "30")
    ok("coupon", "add", "PJ", "数据线8折", "--pct", "20", "--category", "数据线", "--valid-days", "2", "--stackable")
    mj, pj = _issue("MJ"), _issue("PJ")
    _issue("PJ", OTHER)  # never used: expires on the 3rd
    first = ok("sell", "C02ZK1ABC001", "00123:3", "--store", "SZ01", "--staff", "E002", "--customer", PHONE,
               "--coupon", mj, "--coupon", pj, "--pay", "cash=7992.60")
    assert first["total"] == "7992.60"  # cables 117 − 20 % = 93.60, then ¥100 over 7999 + 93.60
    ok("sell", "C02ZK1ABC002", "--store", "SZ01", "--staff", "E003", "--pay", "cash=7999")
    return mj, pj


def test_report_coupons_gives_issued_used_expired_discount_and_revenue(shop, monkeypatch):
    _coupon_month(shop, monkeypatch)
    monkeypatch.setenv("STORECTL_NOW", "2026-11-20T10:00:00+08:00")
    r = ok("report", "coupons", "-p", "2026-11")
    assert r["coupons"] == [
        {"code": "MJ", "name": "满1000减100", "issued": 1, "used": 1, "expired": 0, "discount": "100.00", "revenue": "7992.60"},
        {"code": "PJ", "name": "数据线8折", "issued": 2, "used": 1, "expired": 1, "discount": "23.40", "revenue": "7992.60"},
    ]
    assert r["total"] == {"issued": 3, "used": 2, "expired": 1, "discount": "123.40", "sales": 1, "revenue": "7992.60"}
    # every report reads the lines, net of the discount: revenue is what was paid
    assert ok("report", "stores", "-p", "2026-11")[0]["revenue"] == "15991.60"
    staff = {s["staff"]: s for s in ok("report", "staff", "-p", "2026-11")}
    assert staff["E002"]["revenue"] == "7992.60"
    text = run("report", "coupons", "-p", "2026-11").stdout
    assert "满1000减100" in text and "123.40" in text
    assert ok("report", "coupons", "-p", "2026-10")["coupons"] == []


@pytest.mark.skipif(__import__("shutil").which("soffice") is None, reason="LibreOffice is not installed")
def test_the_month_end_workbook_shows_the_discount_per_coupon_also_after_recalculation(shop, monkeypatch, tmp_path):
    from decimal import Decimal

    from conftest import recalculated

    _coupon_month(shop, monkeypatch)
    monkeypatch.setenv("STORECTL_NOW", "2026-12-03T10:00:00+08:00")
    result = ok("report", "month", "2026-11", "--out", str(tmp_path))
    wb = recalculated(result["path"], tmp_path)
    rows = [r for r in wb["Coupons"].iter_rows(values_only=True) if r[0] in ("MJ", "PJ")]
    assert [(r[0], Decimal(str(r[5]))) for r in rows] == [("MJ", Decimal("100")), ("PJ", Decimal("23.4"))]
    summary = {str(r[0]).split(" ")[0]: r[1] for r in wb["Summary"].iter_rows(min_row=5, max_row=16, values_only=True) if r[0]}
    assert Decimal(str(summary["优惠券折扣"])).quantize(Decimal("0.01")) == Decimal("123.40")
    assert Decimal(str(summary["销售额"])).quantize(Decimal("0.01")) == Decimal("15991.60")


# --- the till -------------------------------------------------------------------------------


def test_the_till_takes_a_coupon_with_k_and_drops_it_when_the_basket_no_longer_fits(shop):
    import json

    _member_shop(shop)
    put_qty("00123", "SZ01", 20)
    ok("coupon", "add", "XM", "数据线满100减20", "--amount", "20", "--min-spend", "100", "--valid-days", "7")
    code = _issue("XM")
    lines = [f"c {PHONE}", "00123:3", f"k {code.lower()}", "x 00123:1", "00123:1", f"k {code}", "pay cash 97", "done", "q"]
    result = run("till", "--store", "SZ01", "--staff", "E002", "--json", input="".join(l + "\n" for l in lines))
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    customer, _, took, removed, _, again, _, done, _ = answers
    assert customer["customer"]["coupons"][0]["code"] == code
    assert took["ok"] and took["discount"] == "20.00" and took["total"] == "97.00"
    assert removed["coupons_dropped"] == [code] and removed["total"] == "78.00"  # under the minimum now
    assert again["ok"] and again["total"] == "97.00"
    assert done["sale"]["total"] == "97.00" and done["sale"]["coupons"][0]["code"] == code
    assert ok("member", "show", PHONE)["coupons"][0]["state"] == "used"


def test_db_check_finds_a_discount_the_coupons_do_not_account_for(shop):
    from sqlalchemy import text

    from test_sell import _db

    _member_shop(shop)
    put_qty("00123", "SZ01", 10)
    ok("coupon", "add", "J10", "立减10", "--amount", "10", "--valid-days", "7")
    sale = ok("sell", "00123:3", "--store", "SZ01", "--staff", "E002", "--customer", PHONE, "--coupon", _issue("J10"),
              "--pay", "cash=107")
    assert run("db", "check").code == 0
    with _db().write("test") as s:
        s.execute(text("UPDATE sale_coupon SET discount_cents = 900"))
    r = run("db", "check", "--json")
    assert r.code == 1 and sale["id"] in r.stdout and "coupon_discount" in r.stdout


def test_points_rules_lists_coupon_rules_too_and_either_kind_can_be_removed(shop, monkeypatch):
    _member_shop(shop)
    ok("coupon", "add", "QD", "签到券", "--amount", "20", "--valid-days", "7")
    daily = ok("points", "rule", "add", "--every", "1", "--points", "1")
    qd = ok("points", "rule", "add", "--every", "2", "--coupon", "QD")["coupon_rule"]
    both = ok("points", "rule", "add", "--every", "3", "--points", "5", "--coupon", "QD")
    assert (daily["id"], qd["id"], qd["ref"], both["id"], both["coupon_rule"]["ref"]) == (1, 1, "C1", 2, "C2")
    rules = ok("points", "rules")
    assert [(r["ref"], r["kind"], r["every"], r["points"], r["coupon"]) for r in rules] == [
        ("1", "points", 1, 1, None), ("C1", "coupon", 2, None, "QD"), ("2", "points", 3, 5, None), ("C2", "coupon", 3, None, "QD")]
    assert rules[0]["id"] == 1 and rules[0]["once"] is False and rules[1]["coupon_name"] == "签到券"
    human = run("points", "rules")
    assert human.code == 0 and "C2" in human.stdout and "coupon QD" in human.stdout and "5 points" in human.stdout
    removed = ok("points", "rule", "remove", "C1")
    assert (removed["ref"], removed["kind"], removed["active"]) == ("C1", "coupon", False)
    assert ok("points", "rule", "remove", "1")["kind"] == "points"  # a bare number is still the points rule
    assert [r["ref"] for r in ok("points", "rules")] == ["2", "C2"]
    assert [(r["ref"], r["active"]) for r in ok("points", "rules", "--all")] == [
        ("1", False), ("C1", False), ("2", True), ("C2", True)]
    fails("conflict", "points", "rule", "remove", "c1")
    fails("not_found", "points", "rule", "remove", "C9")
    fails("invalid_input", "points", "rule", "remove", "X1")
    got = []
    for day in (2, 3, 4):  # C1 no longer issues on day 2 or 4; C2 and rule 2 still pay on day 3
        monkeypatch.setenv("STORECTL_NOW", f"2026-11-{day:02d}T09:00:00+08:00")
        r = ok("member", "checkin", PHONE)
        got.append((r["streak"], r["points"], [c["coupon"] for c in r["coupons"]]))
    assert got == [(1, 0, []), (2, 0, []), (3, 5, ["QD"])]
    assert run("db", "check").code == 0


def test_issuing_to_all_members_is_one_bulk_insert_with_the_same_instances_as_coupon_show(shop):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    phones = [f"1391234{i:04d}" for i in range(30)]
    for phone in phones:
        make_member(phone, name="会员")
    ok("coupon", "add", "ALL", "全员券", "--amount", "10", "--valid-days", "7")
    _issue("ALL", phones[0])  # a code already in the table: the bulk draw checks against it
    inserts = []

    def count(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith("INSERT INTO COUPON_INSTANCE"):
            inserts.append(executemany or 1)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        out = ok("coupon", "issue", "ALL", "--all-members")
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert len(inserts) == 1, inserts  # one statement for all 30, not one ORM flush per member
    assert out["coupon"] == "ALL" and out["issued"] == 30
    assert sorted(i["member"] for i in out["instances"]) == phones
    codes = [i["code"] for i in out["instances"]]
    assert all(re.fullmatch(r"[2-9A-HJ-NP-Z]{8}", c) for c in codes) and len(set(codes)) == 30
    shown = {i["code"]: i for i in ok("coupon", "show", "ALL")["instances"]}
    assert len(shown) == 31 and all(shown[i["code"]] == i for i in out["instances"])  # the same JSON as each instance shows
    assert run("db", "check").code == 0
    people = run("coupon", "issue", "ALL", "--all-members", env={"COLUMNS": "80"})  # to people: the count and 20 of them
    listed = [code for code in re.findall(r"\b[2-9A-HJ-NP-Z]{8}\b", people.stdout)]
    assert people.code == 0 and "30 issued" in people.stdout and "and 10 more" in people.stdout and len(listed) == 20
