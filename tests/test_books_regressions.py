"""The books' defects an independent model found, each reproduced on the test shop (issue 14).

Cables (SKU 00123, counted by quantity) travel between SZ01 and SZ02; the figures in each test
are worked out by hand in its docstring.
"""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from conftest import fails, imei, ok, recalculated, run


def at(day: str, time: str = "11:00") -> dict:
    return {"STORECTL_NOW": f"2026-{day}T{time}:00+08:00"}


def _levels() -> dict[tuple[str, str], tuple[int, str]]:
    return {(r["store"], r["sku"]): (r["qty"], r["value"]) for r in ok("stock", "levels")}


def _inventory(path: str) -> dict[tuple[str, str], tuple[int, Decimal]]:
    """Store/SKU rows of the Inventory sheet (above its totals row)."""
    ws = load_workbook(path)["Inventory"]
    rows = {}
    for store, sku, _name, qty, value, *_ in ws.iter_rows(min_row=2, values_only=True):
        if store is None or str(store).startswith("合计"):
            break
        rows[(store, sku)] = (qty, Decimal(str(value)).quantize(Decimal("0.01")))
    return rows


def test_a_receipt_averages_with_the_stock_on_the_road(shop):
    """10 in at 10.00, all 10 sent to SZ02, 10 more in at 20.00: the average is 15.00, not 20.00;
    after the receipt each store holds 10 worth 150.00 and selling 10 costs 150.00."""
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "10")
    tr = ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "00123:10")
    assert ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "20", "--qty", "10")["avg_cost"] == "15.00"
    ok("transfer", "receive", tr["id"])
    assert _levels() == {("SZ01", "00123"): (10, "150.00"), ("SZ02", "00123"): (10, "150.00")}
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", "00123:10", "--pay", "cash=390")
    assert sale["lines"][0]["cost"] == "150.00"
    assert run("db", "check").code == 0


def test_a_quantity_returned_while_stock_is_on_the_road_averages_with_it(shop):
    """10 in at 10.00; 1 sold (10.00); 9 sent to SZ02; 10 in at 30.00 → (9×10 + 10×30)/19 = 20.53;
    the one returned comes back at 10.00 → (19×20.53 + 10)/20 = 20.00 (half up from 20.0035)."""
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "10")
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", "00123:1", "--pay", "cash=39")
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "00123:9")
    assert ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "30", "--qty", "10")["avg_cost"] == "20.53"
    ok("return", sale["id"])
    assert ok("product", "show", "00123")["avg_cost"] == "20.00"
    assert run("db", "check").code == 0


def test_db_check_finds_a_moving_average_that_disagrees_with_the_ledger(shop):
    from sqlalchemy import create_engine, text

    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "12", "--qty", "5")
    engine = create_engine(_url(shop))
    with engine.begin() as conn:
        conn.execute(text("UPDATE product SET avg_cost_cents = 1300 WHERE sku = '00123'"))
    engine.dispose()
    result = run("db", "check", "--json")
    assert result.code == 1
    assert [(p["check"], p["doc"]) for p in result.json["problems"]] == [("moving_average", "00123")]
    assert "13.00" in result.json["problems"][0]["message"] and "12.00" in result.json["problems"][0]["message"]


def _url(db_path) -> str:
    import os

    url = os.environ["STORECTL_DB"]
    return url if "://" in url else f"sqlite:///{url}"


def test_the_inventory_sheet_keeps_stock_on_the_road_out_of_both_stores(shop, tmp_path):
    """10 in at SZ01; 4 sent and received at SZ02; 2 sent and still on the road at month end:
    SZ01 4, SZ02 4 (40.00 each), and the 2 on the road only on the Transfers sheet."""
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "10", env=at("11-01"))
    tr = ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "00123:4", env=at("11-02"))
    ok("transfer", "receive", tr["id"], env=at("11-03"))
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "00123:2", env=at("11-04"))
    result = ok("report", "month", "2026-11", "--out", str(tmp_path), env=at("12-01"))
    assert _inventory(result["path"]) == {("SZ01", "00123"): (4, Decimal("40.00")), ("SZ02", "00123"): (4, Decimal("40.00"))}
    transfers = [r for r in load_workbook(result["path"])["Transfers"].iter_rows(min_row=2, values_only=True) if r[0] and r[0].startswith("TR-")]
    assert [(r[4], r[7]) for r in transfers] == [("00123", 2)]


def test_stock_levels_and_the_inventory_sheet_value_stock_the_same_way(shop, tmp_path):
    """2 at 10.00 then 1 at 10.01: the average is 10.00 (half up from 10.0033), so 3 are worth
    30.00 in `stock levels` and on the Inventory sheet alike (not 30.01, paid minus sold)."""
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "2", env=at("11-01"))
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10.01", "--qty", "1", env=at("11-01"))
    assert _levels() == {("SZ01", "00123"): (3, "30.00")}
    result = ok("report", "month", "2026-11", "--out", str(tmp_path), env=at("12-01"))
    assert _inventory(result["path"]) == {("SZ01", "00123"): (3, Decimal("30.00"))}


def test_the_inventory_sheet_values_month_end_stock_at_the_average_of_month_end(shop, tmp_path):
    """5 in at 10.00 in November; 5 more at 20.00 in December: November's sheet still says 50.00."""
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "5", env=at("11-10"))
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "20", "--qty", "5", env=at("12-01"))
    result = ok("report", "month", "2026-11", "--out", str(tmp_path), env=at("12-02"))
    assert _inventory(result["path"]) == {("SZ01", "00123"): (5, Decimal("50.00"))}


def test_the_oldest_debt_is_the_oldest_sale_still_unpaid_after_a_return(shop):
    """Credit sales on 11-03 and 11-10, then the 11-10 sale returned: what is owed is 11-03's."""
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "12", "--qty", "10", env=at("11-01"))
    ok("sell", "--store", "SZ01", "--staff", "E002", "--customer", "C001", "00123:1", "--on-credit", env=at("11-03"))
    later = ok("sell", "--store", "SZ01", "--staff", "E002", "--customer", "C001", "00123:2", "--on-credit", env=at("11-10"))
    ok("return", later["id"], env=at("11-12"))
    rows = ok("customer", "balances", env=at("11-20"))
    assert [(r["customer"], r["balance"], r["oldest"], r["days"]) for r in rows] == [("C001", "39.00", "2026-11-03", 17)]


def test_a_return_cannot_be_dated_before_its_sale(shop):
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "12", "--qty", "10", env=at("11-01"))
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", "00123:1", "--pay", "cash=39", env=at("11-10"))
    err = fails("invalid_input", "return", sale["id"], env=at("11-09"))
    assert sale["id"] in err["message"] and "STORECTL_NOW" in err["hint"]
    assert ok("stock", "levels")[0]["qty"] == 9  # nothing came back


def test_margin_and_average_ticket_are_rounded_half_up_to_what_is_shown(shop):
    """A cable costing 85.95 sold at 100.00 and another at 100.01: revenue 200.01, cost 171.90,
    profit 28.11 → margin 14.0542… % → 14.1 % (cut: 14.0); average ticket 100.005 → 100.01."""
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "85.95", "--qty", "2")
    ok("sell", "--store", "SZ01", "--staff", "E002", "00123", "--price", "00123=100", "--pay", "cash=100")
    ok("sell", "--store", "SZ01", "--staff", "E002", "00123", "--price", "00123=100.01", "--pay", "cash=100.01")
    row = ok("report", "staff")[0]
    assert (row["revenue"], row["profit"], row["margin_pct"], row["avg_ticket"]) == ("200.01", "28.11", "14.1", "100.01")
    table = run("report", "staff").stdout
    assert "14.1%" in table and "100.01" in table


def _walk_in_month():
    """November: a walk-in buys an iPhone (8999) and 3 cables (117) on 11-05 and brings back the
    iPhone and one cable on 11-06; C001 buys 2 cables on credit on 11-07."""
    phone = [imei("35693803564390"), imei("35693803564391"), "F2LXK9J3Z1"]
    ok("stock", "in", "--store", "SZ01", "--sku", "IP17P", "--cost", "7200.55", ",".join(phone), env=at("11-01"))
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "12.34", "--qty", "10", env=at("11-01"))
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", phone[0], "00123:3", "--pay", "cash=9116", env=at("11-05"))
    ok("return", sale["id"], phone[0], "00123", env=at("11-06"))
    ok("sell", "--store", "SZ01", "--staff", "E003", "--customer", "C001", "00123:2", "--on-credit", env=at("11-07"))


def test_report_month_works_for_a_month_with_a_walk_in_return(shop, tmp_path):
    """Revenue 117 − 39 + 2 × group-less list 39 = 156.00; cost 3×12.34 − 12.34 + 2×12.34 = 49.36."""
    _walk_in_month()
    result = ok("report", "month", "2026-11", "--out", str(tmp_path), env=at("12-01"))
    assert (result["revenue"], result["cost"], result["profit"]) == ("156.00", "49.36", "106.64")
    wb = load_workbook(result["path"])
    receivables = [r for r in wb["Receivables"].iter_rows(min_row=2, values_only=True) if r[0] == "C001"]
    assert [(r[0], r[3]) for r in receivables] == [("C001", 78)]
    assert run("db", "check").code == 0


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_recalculates_a_walk_in_return_month_to_the_json(shop, tmp_path):
    _walk_in_month()
    result = ok("report", "month", "2026-11", "--out", str(tmp_path), env=at("12-01"))
    wb = recalculated(result["path"], tmp_path)
    figures = {str(k).split(" ")[0]: v for k, v, *_ in wb["Summary"].iter_rows(min_row=5, max_row=14, values_only=True) if k}
    cents = lambda v: Decimal(str(v)).quantize(Decimal("0.01"))  # noqa: E731
    assert (cents(figures["销售额"]), cents(figures["成本"]), cents(figures["毛利"])) == (
        Decimal(result["revenue"]), Decimal(result["cost"]), Decimal(result["profit"]))
    assert cents(figures["应收期末"]) == Decimal("78.00")
    assert cents(figures["库存金额"]) == Decimal("7274.59")  # the iPhone 7200.55 + 6 cables × 12.34
