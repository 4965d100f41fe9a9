"""Selling at the till: items, prices, payments, credit, points, receipts, sale show/list."""

from __future__ import annotations

import os

from conftest import fails, imei, ok, run

# --- stock and members through the services, in one transaction each -------------------------


def _db():
    from storectl.db import Database, resolve_url

    return Database(resolve_url(os.environ["STORECTL_DB"]), operator="test")


def put_units(sku: str, store: str, *units: str, cost: str = "6000") -> list[str]:
    """Receive serial units ('IMEI1,IMEI2,SN' or one code each); returns their first codes."""
    from storectl.money import parse_money
    from storectl.services.stock import inventory
    from storectl.services.stock.unit_input import argument_items

    with _db().write("test") as s:
        received = inventory.stock_in(s, store=store, sku=sku, cost_cents=parse_money(cost), units=argument_items(units))
    return received["units"]


def put_qty(sku: str, store: str, qty: int, cost: str = "10") -> None:
    """Receive a quantity at a unit cost (the moving average follows)."""
    from storectl.money import parse_money
    from storectl.services.stock import inventory

    with _db().write("test") as s:
        inventory.stock_in(s, store=store, sku=sku, cost_cents=parse_money(cost), qty=qty)


def make_member(phone: str, points: int = 0, name: str = "会员") -> None:
    """A member with a points balance (an opening adjustment through the points ledger)."""
    from storectl.services.loyalty import ledger as loyalty
    from storectl.services.loyalty import members
    from storectl.services.shop import lookup

    with _db().write("test") as s:
        members.add_member(s, phone=phone, name=name)
        if points:
            loyalty.post(s, customer_id=lookup.customer(s, phone).id, kind="adjust", delta=points, reason="test")


def add_level(name: str, min_spend: int, discount_bp: int = 0, multiplier_milli: int = 1000) -> None:
    from storectl.money import format_money, format_multiplier, format_percent
    from storectl.services.loyalty import levels

    with _db().write("test") as s:
        levels.add_level(s, name=name, min_spend=format_money(min_spend), discount=format_percent(discount_bp),
                         multiplier=format_multiplier(multiplier_milli))


def set_level(phone: str, level: str) -> None:
    from storectl.services.shop import lookup

    with _db().write("test") as s:
        c = lookup.customer(s, phone)
        c.level_id = lookup.level(s, level).id
        s.add(c)


def points_of(code: str) -> int:
    from storectl.services.shop import lookup

    with _db().read() as s:
        return lookup.customer(s, code).points


PHONE1 = imei("86012345678901")
PHONE2 = imei("86012345678902")
PHONE3 = imei("86012345678903")


def phone_codes(body: str) -> str:
    """'IMEI1,IMEI2,SN' for one phone from a 13-digit body."""
    return f"{imei(body + '1')},{imei(body + '2')},SN{body}"


# --- tests -----------------------------------------------------------------------------------


def test_a_mixed_sale_of_units_quantities_and_a_manual_price_prints_its_lines(shop):
    put_units("IP17P", "SZ01", phone_codes("3569380356438"), cost="7000")
    put_units("MBA13", "SZ01", "C02XK1ZAJG5J", cost="6000")
    put_qty("00123", "SZ01", 10, cost="8.50")
    sn = "C02XK1ZAJG5J"
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", imei("35693803564381"), sn, "00123:3",
              "--price", f"{sn}=7500", "--pay", "wechat=10000", "--pay", "cash=6616")
    assert sale["id"] == "S-000001"
    assert sale["store"] == "SZ01" and sale["staff"] == "E002" and sale["customer"] is None
    lines = {(l["sku"], l["unit"]): l for l in sale["lines"]}
    phone = lines[("IP17P", imei("35693803564381"))]
    assert (phone["qty"], phone["price"], phone["amount"], phone["rule"], phone["cost"]) == (1, "8999.00", "8999.00", "list", "7000.00")
    assert phone["warranty_until"] == "2027-11-02"
    laptop = lines[("MBA13", sn)]
    assert (laptop["price"], laptop["rule"], laptop["cost"]) == ("7500.00", "manual", "6000.00")
    cable = lines[("00123", None)]
    assert (cable["qty"], cable["price"], cable["amount"], cable["cost"]) == (3, "39.00", "117.00", "25.50")
    assert sale["total"] == "16616.00"
    assert sale["payments"] == {"wechat": "10000.00", "cash": "6616.00"}
    assert sale["due"] == "0.00" and sale["points_earned"] == 0
    assert ok("sale", "show", "S-1") == sale
    assert ok("product", "show", "00123")["on_hand"] == 7


def test_a_unit_is_found_by_any_of_its_codes_and_sold_once(shop):
    put_units("IP17P", "SZ01", phone_codes("3569380356438"))
    ok("sell", "--store", "SZ01", "--staff", "E002", "SN3569380356438", "--pay", "card=8999")
    err = fails("conflict", "sell", "--store", "SZ01", "--staff", "E002", imei("35693803564382"), "--pay", "card=8999")
    assert err["message"] == f"unit {imei('35693803564381')} was sold on 2026-11-02 (S-000001)"
    assert err["hint"] == f"storectl sn show {imei('35693803564381')}"


def test_a_unit_in_another_store_cannot_be_sold_here(shop):
    put_units("MBA13", "SZ02", "C02AAA")
    err = fails("conflict", "sell", "--store", "SZ01", "--staff", "E002", "c02aaa", "--pay", "cash=7999")
    assert "SZ02" in err["message"] and "transfer send" in err["hint"]


def test_a_quantity_short_of_stock_is_refused_and_nothing_is_sold(shop):
    put_units("MBA13", "SZ01", "C02BBB")
    put_qty("00123", "SZ01", 2)
    err = fails("insufficient_stock", "sell", "--store", "SZ01", "--staff", "E002", "C02BBB", "00123:3", "--pay", "cash=8116")
    assert "only 2 of 00123" in err["message"]
    assert ok("sell", "--store", "SZ01", "--staff", "E002", "C02BBB", "--pay", "cash=7999")["id"] == "S-000001"


def test_payments_that_do_not_add_up_are_refused(shop):
    put_units("MBA13", "SZ01", "C02CCC")
    base = ("sell", "--store", "SZ01", "--staff", "E002", "C02CCC")
    assert "missing" in fails("invalid_input", *base, "--pay", "card=7000")["message"]
    fails("invalid_input", *base)
    assert "only cash" in fails("invalid_input", *base, "--pay", "card=8000")["message"]
    fails("invalid_input", *base, "--pay", "bitcoin=7999")
    fails("invalid_input", *base, "--pay", "cash=7999.001")


def test_cash_may_exceed_the_total_and_the_change_is_on_the_receipt(shop):
    put_units("MBA13", "SZ01", "C02DDD")
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", "C02DDD", "--pay", "card=7000", "--pay", "cash=1000.50")
    assert sale["payments"] == {"card": "7000.00", "cash": "999.00"}
    assert (sale["tendered"], sale["change"], sale["paid"]) == ("8000.50", "1.50", "7999.00")
    human = run("sale", "show", "S-000001")
    assert human.code == 0 and "S-000001" in human.stdout and "测试数码" in human.stdout


def test_a_credit_sale_owes_the_rest_within_the_credit_limit(shop):
    put_units("MBA13", "SZ01", "C02EEE", "C02FFF")
    put_units("IP17P", "SZ01", *[phone_codes(f"35693803564{n:02d}") for n in range(6)])
    sale = ok("sell", "--store", "SZ01", "--staff", "E001", "--customer", "C001", "C02EEE", "--pay", "cash=999", "--on-credit")
    assert sale["due"] == "7000.00" and sale["customer"] == "C001"
    assert ok("customer", "show", "C001")["balance"] == "7000.00"
    phones = [imei(f"35693803564{n:02d}1") for n in range(6)]
    # 7000 owed + 5 × 8999 = 51995 > 50000
    err = fails("conflict", "sell", "--store", "SZ01", "--staff", "E001", "--customer", "C001", *phones[:5], "--on-credit")
    assert "credit limit" in err["message"] and "customer pay C001" in err["hint"]
    assert ok("customer", "show", "C001")["balance"] == "7000.00"
    fails("invalid_input", "sell", "--store", "SZ01", "--staff", "E001", "C02FFF", "--on-credit")
    fails("conflict", "sell", "--store", "SZ01", "--staff", "E001", "--customer", "C002", "C02FFF", "--on-credit")


def test_points_pay_part_of_a_sale_and_are_limited_by_balance_and_total(shop):
    put_qty("00123", "SZ01", 50)
    make_member("13900001111", points=500)
    base = ("sell", "--store", "SZ01", "--staff", "E002", "--customer", "13900001111")
    # 00123:1 costs 39.00; 500 points are worth 50.00: more than the total
    err = fails("invalid_input", *base, "00123", "--points", "500")
    assert "at most --points 390" == err["hint"]
    err = fails("conflict", *base, "00123:2", "--points", "600")
    assert "has 500 points" in err["message"]
    assert "member" in fails("invalid_input", "sell", "--store", "SZ01", "--staff", "E002", "--customer", "C002",
                             "00123", "--points", "10", "--pay", "cash=38")["message"]
    fails("invalid_input", "sell", "--store", "SZ01", "--staff", "E002", "00123", "--points", "10", "--pay", "cash=38")
    sale = ok(*base, "00123:2", "--points", "300", "--pay", "cash=48")
    assert (sale["points_redeemed"], sale["points_value"], sale["points_earned"]) == (300, "30.00", 48)
    assert sale["points_balance"] == 500 - 300 + 48 == points_of("13900001111")


def test_a_level_earns_points_with_its_multiplier_and_a_sale_can_lift_the_level(shop):
    put_units("MBA13", "SZ01", "C02GGG")
    add_level("银卡", 500000, discount_bp=500, multiplier_milli=1500)
    make_member("13900002222")
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", "--customer", "13900002222", "C02GGG", "--pay", "alipay=7999")
    assert sale["points_earned"] == 7999
    assert ok("price", "quote", "MBA13", "--customer", "13900002222") == {
        "sku": "MBA13", "price": "7599.05", "rule": "level-discount:银卡", "qty": 1, "amount": "7599.05", "customer": "13900002222"}


def test_sale_list_filters_by_period_store_and_staff(shop):
    put_qty("00123", "SZ01", 10)
    put_qty("00123", "SZ02", 10)
    ok("sell", "--store", "SZ01", "--staff", "E002", "00123", "--pay", "cash=39")
    ok("sell", "--store", "SZ02", "--staff", "E003", "00123:2", "--pay", "cash=78")
    assert [s["id"] for s in ok("sale", "list")] == ["S-000001", "S-000002"]
    assert [s["id"] for s in ok("sale", "list", "--store", "SZ02")] == ["S-000002"]
    assert [s["id"] for s in ok("sale", "list", "--staff", "E002", "-p", "2026-11")] == ["S-000001"]
    assert ok("sale", "list", "-p", "2026-10") == []
    assert ok("sale", "list", "-p", "2026-11-02")[1]["items"] == 2
    fails("not_found", "sale", "show", "S-000009")
    fails("invalid_input", "sale", "show", "S-")


def test_bad_till_input_never_gives_a_traceback(shop):
    for args in (
        ("sell", "--store", "X", "--staff", "Y", "Z", "--pay", "="),
        ("sell", "--store", "SZ01", "--staff", "E002", "00123", "--pay", "cash=abc"),
        ("sell", "--store", "SZ01", "--staff", "E002", "00123", "--price", "=5"),
        ("sell", "--store", "SZ01", "--staff", "E002", "00123:0"),
        ("sell", "--store", "SZ01", "--staff", "E002", "IP17P", "--pay", "cash=1"),
        ("sell", "--store", "SZ01", "--staff", "E002", "☃", "--pay", "cash=1"),
        ("sell", "--store", "SZ01", "--staff", "E002", "00123", "--points", "-5"),
        ("sell", "--store", "SZ01", "--staff", "E002", "00123", "--price", "MBA13=5", "--pay", "cash=5"),
    ):
        r = run(*args, "--json")
        assert r.code == 1, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stdout + r.stderr
        assert r.json["error"]["code"] in ("invalid_input", "not_found")


def test_items_can_come_from_stdin_or_a_file(shop, tmp_path):
    put_units("MBA13", "SZ01", "C02HHH", "C02III")
    put_qty("00123", "SZ01", 5)
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", "-", "--pay", "cash=8038", input="C02HHH\n00123\n\n")
    assert [l["sku"] for l in sale["lines"]] == ["MBA13", "00123"]
    (tmp_path / "items.txt").write_text("C02III\n")
    assert ok("sell", "--store", "SZ01", "--staff", "E002", "--file", str(tmp_path / "items.txt"), "--pay", "cash=7999")["total"] == "7999.00"
    (tmp_path / "empty.txt").write_text("\n")
    fails("invalid_input", "return", "S-000001", "--file", str(tmp_path / "empty.txt"))
    assert ok("return", "S-000001", "-", input="00123\n")["amount"] == "39.00"
