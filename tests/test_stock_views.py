"""stock list and stock levels: filters, codes keyed by kind, values from SQL aggregates."""

from __future__ import annotations

from conftest import fails, ok, run
from test_stock_support import PHONE_1, fake_sale, shop, stock_in, unit  # noqa: F401


def test_stock_list_filters_by_store_sku_and_status(shop):
    stock_in(unit(*PHONE_1), sku="IP17P", cost="6999.50")
    stock_in("A1", "A2")
    stock_in("B1", store="SZ02")
    fake_sale("A1")
    everything = ok("stock", "list")
    assert [u["codes"] for u in everything] == [
        {"IMEI1": PHONE_1[0], "IMEI2": PHONE_1[1], "SN": PHONE_1[2]}, {"SN": "A1"}, {"SN": "A2"}, {"SN": "B1"},
    ]
    assert everything[0] == {"sku": "IP17P", "codes": everything[0]["codes"], "status": "in_stock", "store": "SZ01", "cost": "6999.50", "condition": "new"}
    assert [u["codes"]["SN"] for u in ok("stock", "list", "--store", "SZ02")] == ["B1"]
    assert [u["codes"]["SN"] for u in ok("stock", "list", "--sku", "MBA13", "--status", "in_stock")] == ["A2", "B1"]
    assert [u["codes"]["SN"] for u in ok("stock", "list", "--status", "sold")] == ["A1"]
    fails("invalid_input", "stock", "list", "--status", "gone")
    fails("not_found", "stock", "list", "--store", "XX")
    fails("not_found", "stock", "list", "--sku", "XX")
    human = run("stock", "list")
    assert human.code == 0 and PHONE_1[2] in human.stdout and "¥6,999.50" in human.stdout


def test_stock_levels_count_units_and_quantities_with_their_cost_value(shop):
    stock_in("A1", cost="5000")
    stock_in("A2", cost="5100.50")
    stock_in("A3", cost="1")
    fake_sale("A3")
    stock_in("--qty", "7", sku="00123", cost="3.5", store="SZ02")
    rows = ok("stock", "levels")
    assert [(r["store"], r["sku"], r["qty"], r["value"]) for r in rows] == [
        ("SZ01", "MBA13", 2, "10100.50"),
        ("SZ02", "00123", 7, "24.50"),
    ]
    assert [r["sku"] for r in ok("stock", "levels", "--store", "SZ02")] == ["00123"]


def test_low_stock_shows_what_is_at_or_below_n_including_sold_out(shop):
    stock_in("A1", "A2", "A3")
    stock_in("C1")
    fake_sale("C1")  # MBA13 was carried at SZ01 ... and IP17P never
    stock_in("--qty", "2", sku="00123", cost="1", store="SZ02")
    ok("stock", "out", "--reason", "internal-use", "--store", "SZ02", "00123:2")
    low = ok("stock", "levels", "--low", "2")
    assert [(r["store"], r["sku"], r["qty"]) for r in low] == [("SZ02", "00123", 0)]
    assert [(r["store"], r["sku"], r["qty"]) for r in ok("stock", "levels", "--low", "4")] == [("SZ01", "MBA13", 4 - 1), ("SZ02", "00123", 0)]
    fails("invalid_input", "stock", "levels", "--low", "-1")
