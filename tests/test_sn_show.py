"""sn show: any code finds the unit; product, codes, status, place, cost, supplier, warranty and history."""

from __future__ import annotations

import pytest
from conftest import fails, ok, run
from test_stock_support import PHONE_1, PHONE_2, fake_sale, shop, stock_in, unit  # noqa: F401


def test_the_whole_story_of_a_phone_with_who_did_what_and_the_warranty_once_sold(shop):
    stock_in("--supplier", "SUP01", unit(*PHONE_1), sku="IP17P", cost="6999")
    sent = ok("--operator", "E002", "transfer", "send", "--from", "SZ01", "--to", "SZ02", PHONE_1[1])
    ok("--operator", "E003", "transfer", "receive", sent["id"])
    fake_sale(PHONE_1[2], customer="C002", price_cents=899900, store="SZ02")
    shown = ok("sn", "show", PHONE_1[1])
    assert {k: shown[k] for k in ("sku", "name", "status", "store", "cost", "supplier", "warranty_until")} == {
        "sku": "IP17P", "name": "iPhone 17 Pro 256GB", "status": "sold", "store": "SZ02", "cost": "6999.00",
        "supplier": "SUP01", "warranty_until": "2027-11-02",
    }
    assert shown["codes"] == {"IMEI1": PHONE_1[0], "IMEI2": PHONE_1[1], "SN": PHONE_1[2]}
    steps = [(h["kind"], h["doc"], h["from"], h["to"], h["operator"], h["customer"], h["price"]) for h in shown["history"]]
    assert steps == [
        ("in", "IN-000001", None, "SZ01", "tester", None, None),
        ("transfer_send", "TR-000001", "SZ01", "SZ02", "E002", None, None),
        ("transfer_receive", "TR-000001", "SZ01", "SZ02", "E003", None, None),
        ("sale", "S-000001", "SZ02", None, "tester", "C002", "8999.00"),
    ]
    assert all(h["at"] == "2026-11-02T10:00:00+08:00" for h in shown["history"])
    human = run("sn", "show", PHONE_1[0])
    assert human.code == 0 and "history" in human.stdout and "TR-000001" in human.stdout and "2027-11-02" in human.stdout
    assert run("db", "check").code == 0


def test_the_warranty_ends_on_the_same_day_months_later_in_the_shop_calendar(shop, monkeypatch):
    stock_in(unit(*PHONE_1), sku="IP17P")
    # 2027-01-31 00:30 in Shanghai is still the 30th in UTC; 12 months later is 2028-01-31
    monkeypatch.setenv("STORECTL_NOW", "2027-01-31T00:30:00+08:00")
    fake_sale(PHONE_1[0])
    assert ok("sn", "show", PHONE_1[0])["warranty_until"] == "2028-01-31"


def test_an_unsold_unit_has_no_warranty_end_yet(shop):
    stock_in("A1")
    assert ok("sn", "show", "a1")["warranty_until"] is None


@pytest.mark.parametrize("code, error", [("NOPE1", "not_found"), ("", "invalid_input"), ("bad code", "invalid_input"), ("x" * 65, "invalid_input")])
def test_an_unknown_or_malformed_code_is_a_clean_error(shop, code, error):
    fails(error, "sn", "show", code)
    human = run("sn", "show", code)
    assert human.code == 1 and "Traceback" not in human.stderr


def test_sn_help_lists_show(shop):
    result = run("sn", "--help")
    assert result.code == 0 and "show" in result.stdout
