"""The catalogue (SPEC §2): stores, staff, suppliers, products and customers — add, list, show."""

from __future__ import annotations

from test_bad_input import _template, cached_shop  # noqa: F401  (fixtures: a copy of one shop per module)
from conftest import fails, ok, run


def test_stores_are_added_and_listed_by_code_with_their_chinese_names():
    ok("init")
    assert ok("store", "add", "SZ02", "南山科技园店") == {"code": "SZ02", "name": "南山科技园店"}
    ok("store", "add", "  SZ01  ", "  华强北旗舰店 ")
    assert ok("store", "list") == [{"code": "SZ01", "name": "华强北旗舰店"}, {"code": "SZ02", "name": "南山科技园店"}]


def test_staff_are_added_with_a_home_store_and_a_role_and_listed_per_store(cached_shop):
    added = ok("staff", "add", "E004", "赵敏", "--store", "SZ02", "--role", "Accountant")
    assert added == {"code": "E004", "name": "赵敏", "store": "SZ02", "role": "accountant", "has_pin": False, "active": True}
    everyone = ok("staff", "list")
    assert [s["code"] for s in everyone] == ["E001", "E002", "E003", "E004"]
    assert {s["code"]: s["role"] for s in everyone}["E001"] == "manager"
    assert {s["code"]: s["role"] for s in everyone}["E002"] == "clerk"
    assert [s["code"] for s in ok("staff", "list", "--store", "SZ02")] == ["E003", "E004"]


def test_suppliers_are_added_and_listed(cached_shop):
    ok("supplier", "add", "SUP02", "广州市天河区联拓数码科技有限公司")
    assert ok("supplier", "list") == [
        {"code": "SUP01", "name": "深圳市华讯通信器材有限公司"},
        {"code": "SUP02", "name": "广州市天河区联拓数码科技有限公司"},
    ]


def test_a_serial_product_keeps_its_code_kinds_in_order(cached_shop):
    phone = ok("product", "show", "IP17P")
    assert phone["serial"] is True and phone["codes"] == ["IMEI1", "IMEI2", "SN"]
    assert phone["price"] == "8999.00" and phone["warranty_months"] == 12
    assert phone["on_hand"] == 0 and phone["avg_cost"] is None


def test_code_kinds_are_cleaned_and_upper_cased():
    ok("init")
    added = ok("product", "add", "IPAD", "iPad Air", "--codes", " sn , imei1 ")
    assert added["codes"] == ["SN", "IMEI1"]


def test_a_serial_product_without_codes_is_tracked_by_sn(cached_shop):
    assert ok("product", "show", "MBA13")["codes"] == ["SN"]


def test_a_quantity_product_has_no_codes_and_shows_its_average_cost(cached_shop):
    cable = ok("product", "show", "00123")
    assert cable["serial"] is False and cable["codes"] == []
    assert cable["on_hand"] == 0 and cable["avg_cost"] == "0.00"


def test_a_leading_zero_sku_stays_text_in_json(cached_shop):
    listed = ok("product", "list")
    assert [p["sku"] for p in listed] == ["00123", "IP17P", "MBA13"]
    assert listed[0]["sku"] == "00123" and isinstance(listed[0]["sku"], str)
    assert ok("product", "show", "00123")["sku"] == "00123"
    fails("not_found", "product", "show", "123")


def test_prices_are_two_decimal_strings_whatever_way_they_were_typed():
    ok("init")
    for sku, typed, shown in (("A", "4999", "4999.00"), ("B", "4999.5", "4999.50"), ("C", "4,999.00", "4999.00"),
                              ("D", "¥4999", "4999.00"), ("E", "￥４９９９．５", "4999.50"), ("F", "0", "0.00")):
        assert ok("product", "add", sku, "x", "--price", typed)["price"] == shown, typed
    assert ok("product", "add", "G", "no price yet")["price"] is None


def test_products_can_be_listed_by_category(cached_shop):
    assert [p["sku"] for p in ok("product", "list", "--category", "笔记本")] == ["MBA13"]
    assert ok("product", "list", "--category", "无此类") == []


def test_a_product_is_shown_to_people_as_a_table(cached_shop):
    r = run("product", "show", "IP17P")
    assert r.code == 0 and "iPhone 17 Pro" in r.stdout and "¥8,999.00" in r.stdout


def test_a_customer_is_added_with_group_and_credit_limit(cached_shop):
    c001 = ok("customer", "show", "C001")
    assert c001["group"] == "批发" and c001["credit_limit"] == "50000.00" and c001["balance"] == "0.00"
    assert c001["phone"] is None and c001["member"] is False and c001["points"] == 0
    assert ok("customer", "add", "C003", "x", "--credit-limit", "¥1,000.50")["credit_limit"] == "1000.50"


def test_a_customer_phone_is_normalised(cached_shop):
    added = ok("customer", "add", "C003", "刘洋", "--phone", "+86 139-0013-9000")
    assert added["phone"] == "13900139000"
    assert ok("customer", "show", "13900139000")["code"] == "C003"


def test_a_phone_typed_in_full_width_digits_is_the_same_phone(cached_shop):
    error = fails("conflict", "customer", "add", "C003", "重复", "--phone", "１３８００１３８０００")
    assert "13800138000" in error["message"]
    assert ok("customer", "add", "C004", "刘洋", "--phone", "＋８６ １３９００１３９０００")["phone"] == "13900139000"


def test_a_customer_can_be_found_by_phone(cached_shop):
    assert ok("customer", "show", "13800138000")["code"] == "C002"


def test_a_duplicate_phone_is_a_conflict_that_names_it(cached_shop):
    error = fails("conflict", "customer", "add", "C003", "重复", "--phone", "138 0013 8000")
    assert "13800138000" in error["message"]
    assert [c["code"] for c in ok("customer", "list")] == ["C001", "C002"]


def test_customers_are_listed_by_group(cached_shop):
    assert [c["code"] for c in ok("customer", "list", "--group", "批发")] == ["C001"]
    assert [c["code"] for c in ok("customer", "list")] == ["C001", "C002"]


def test_money_in_json_is_never_a_float(cached_shop):
    for row in ok("product", "list") + ok("customer", "list"):
        for key in ("price", "credit_limit", "balance"):
            if key in row and row[key] is not None:
                assert isinstance(row[key], str) and row[key].count(".") == 1 and len(row[key].split(".")[1]) == 2


def test_a_customer_is_found_by_a_phone_typed_with_spaces_dashes_or_country_code(shop):
    for typed in ("138-0013-8000", "+86 138 0013 8000", "１３８００１３８０００"):
        assert ok("customer", "show", typed)["code"] == "C002"
