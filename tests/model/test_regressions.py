"""Issue 14's defects, each as a tiny fixed history compared figure by figure with the model.

The expected figures are the model's; each test also pins the one figure the issue names, so a
model that drifted would be caught too.
"""

from __future__ import annotations

import json

from conftest import run

from .books import MONTH
from .harness import Player, Shop

NOV = "2026-11-{:02d}T{}:00+08:00"


def at(day: int, hm: str = "10:00") -> str:
    return NOV.format(day, hm)


DEC = "2026-12-01T10:00:00+08:00"


def qty_in(day: int, store: str, sku: str, cost: int, qty: int, hm: str = "10:00") -> dict:
    return {"op": "stock_in_qty", "at": at(day, hm), "store": store, "sku": sku, "cost": cost, "qty": qty}


def sell(when: str, store: str, staff: str, items: list, **kw) -> dict:
    return {"op": "sell", "at": when, "store": store, "staff": staff, "items": items, **kw}


def test_moving_average_counts_stock_on_the_road(tmp_path) -> None:
    """10 cables at 10 sent away, 10 more at 20 bought: the average is 15.00, not 20.00."""
    with Shop(tmp_path) as shop:
        p = Player(shop, label="moving average with stock on the road")
        p.apply(qty_in(2, "SZ01", "00123", 1000, 10))
        p.apply({"op": "send", "at": at(2, "11:00"), "from": "SZ01", "to": "SZ02", "units": [], "qtys": {"00123": 10}})
        p.apply(qty_in(2, "SZ01", "00123", 2000, 10, "12:00"))
        assert p.books.avg["00123"] == 1500
        p.apply({"op": "receive", "at": at(2, "13:00"), "doc": "TR-000001"})
        p.compare_stock()
        assert p.books.stock_levels()[("SZ02", "00123")]["value"] == "150.00"
        p.apply(sell(at(2, "14:00"), "SZ02", "E003", [["qty", "00123", 10]], pay=[["cash", 39000]]))
        assert p.books.sales["S-000001"].lines[0].cost == 15000
        p.compare_books(workbook=True)


def test_returned_quantity_folds_in_with_stock_on_the_road(tmp_path) -> None:
    """A returned quantity is averaged over all stores plus what is in transit."""
    with Shop(tmp_path) as shop:
        p = Player(shop, label="return folded into the average with stock on the road")
        p.apply(qty_in(2, "SZ01", "CASE17", 4000, 4))
        p.apply(sell(at(2, "11:00"), "SZ01", "E001", [["qty", "CASE17", 2]], pay=[["cash", 25800]]))
        p.apply(qty_in(3, "SZ01", "CASE17", 5000, 6))
        p.apply({"op": "send", "at": at(3, "12:00"), "from": "SZ01", "to": "GZ01", "units": [], "qtys": {"CASE17": 7}})
        p.apply({"op": "ret", "at": at(4), "sale": "S-000001", "items": [["qty", "CASE17", 1]]})
        p.compare_stock()
        p.compare_books(workbook=False)


def test_inventory_sheet_with_transfers(tmp_path) -> None:
    """10 in at SZ01, 4 sent and received at SZ02, 2 sent and left on the road:
    Inventory SZ01 4, SZ02 4; the 2 on the road are in the Transfers sheet only."""
    with Shop(tmp_path) as shop:
        p = Player(shop, label="Inventory sheet with transfers")
        p.apply(qty_in(2, "SZ01", "00123", 1000, 10))
        p.apply({"op": "send", "at": at(3), "from": "SZ01", "to": "SZ02", "units": [], "qtys": {"00123": 4}})
        p.apply({"op": "receive", "at": at(4), "doc": "TR-000001"})
        p.apply({"op": "send", "at": at(5), "from": "SZ01", "to": "SZ02", "units": [], "qtys": {"00123": 2}})
        want = p.books.month_end_books()
        assert want["inventory"] == {("SZ01", "00123"): (4, "40.00"), ("SZ02", "00123"): (4, "40.00")}
        assert want["on_road"] == [("TR-000002", "00123", 2, 2000)]
        p.clock = DEC
        p.compare_workbook()


def test_one_valuation_of_quantity_stock(tmp_path) -> None:
    """2 cables at 10.00 and 1 at 10.01: 3 worth 30.00 (quantity × average) in stock levels
    and in the Inventory sheet alike."""
    with Shop(tmp_path) as shop:
        p = Player(shop, label="two valuations of the same stock")
        p.apply(qty_in(2, "SZ01", "00123", 1000, 2))
        p.apply(qty_in(2, "SZ01", "00123", 1001, 1, "11:00"))
        assert p.books.stock_levels()[("SZ01", "00123")] == {"store": "SZ01", "sku": "00123", "qty": 3, "value": "30.00"}
        p.compare_stock()
        p.clock = DEC
        p.compare_workbook()


def test_oldest_debt_after_a_return(tmp_path) -> None:
    """Credit sales on 3 and 10 Nov, the 10 Nov one returned: the oldest open debt is 3 Nov."""
    with Shop(tmp_path) as shop:
        p = Player(shop, label="oldest debt after a return")
        p.apply(qty_in(2, "SZ01", "00123", 1000, 50))
        p.apply(sell(at(3), "SZ01", "E002", [["qty", "00123", 10]], customer="C001", credit=True))
        p.apply(sell(at(10), "SZ01", "E002", [["qty", "00123", 20]], customer="C001", credit=True))
        p.apply({"op": "ret", "at": at(11), "sale": "S-000002"})
        assert p.books.balances() == [{"customer": "C001", "name": "深圳市宝安区鑫达通讯店", "balance": "250.00", "oldest": "2026-11-03"}]
        p.compare_customers()


def test_oldest_debt_payments_settle_the_oldest_first(tmp_path) -> None:
    """Payments settle the oldest sales first; a partial return credit stays on its own sale."""
    with Shop(tmp_path) as shop:
        p = Player(shop, label="oldest debt with payments and a partial return")
        p.apply(qty_in(2, "SZ01", "00123", 1000, 50))
        p.apply(sell(at(3), "SZ01", "E002", [["qty", "00123", 10]], customer="C001", credit=True))
        p.apply(sell(at(10), "SZ01", "E002", [["qty", "00123", 20]], customer="C001", credit=True))
        p.apply({"op": "ret", "at": at(11), "sale": "S-000001", "items": [["qty", "00123", 4]]})
        p.apply({"op": "pay", "at": at(12), "customer": "C001", "amount": 15000, "method": "transfer"})
        assert p.books.balances()[0]["oldest"] == "2026-11-10"
        p.compare_customers()


def test_month_end_with_a_walk_in_return(tmp_path) -> None:
    """A walk-in sale (no customer) returned in the month: the workbook is written and agrees."""
    with Shop(tmp_path) as shop:
        p = Player(shop, label="report month with a walk-in return")
        p.apply({"op": "stock_in_units", "at": at(2), "store": "SZ01", "sku": "XM15", "cost": 331050,
                 "units": [["FXM0000001X"], ["FXM0000002X"]]})
        p.apply(sell(at(3), "SZ01", "E002", [["unit", "FXM0000001X"], ["unit", "FXM0000002X"]], pay=[["wechat", 859800]]))
        p.apply({"op": "ret", "at": at(4), "sale": "S-000001", "items": [["unit", "FXM0000002X"]]})
        p.clock = DEC
        p.compare_books(workbook=True)


def test_margin_and_average_ticket_round_half_up(tmp_path) -> None:
    """Margin 14.064 % shows as 14.1 and an average ticket of 3539.2857 as 3539.29 (never cut)."""
    with Shop(tmp_path) as shop:
        p = Player(shop, label="rounding of margin and average ticket")
        p.apply(qty_in(2, "SZ02", "PB20", 85936, 1))
        p.apply(sell(at(2, "11:00"), "SZ02", "E003", [["qty", "PB20", 1]], prices={"PB20": 100000}, pay=[["cash", 100000]]))
        p.apply(qty_in(3, "SZ01", "00123", 1000, 7))
        for i, price in enumerate([353900] * 6 + [354100]):
            p.apply(sell(at(4 + i), "SZ01", "E002", [["qty", "00123", 1]], prices={"00123": price}, pay=[["card", price]]))
        from .books import period

        assert p.books.report_staff(period("2026-11-02"))["E003"]["margin_pct"] == "14.1"
        assert p.books.report_staff(period("2026-11-04..2026-11-11"))["E002"]["avg_ticket"] == "3539.29"
        p.compare_reports(["2026-11-02", "2026-11-04..2026-11-11", MONTH], [])
        p.clock = DEC
        p.compare_workbook()


def test_a_return_before_its_sale_is_refused(tmp_path) -> None:
    """A return whose clock is earlier than its sale fails and changes nothing."""
    with Shop(tmp_path) as shop:
        p = Player(shop, label="return dated before its sale")
        p.apply(qty_in(2, "SZ01", "00123", 1000, 5))
        p.apply(sell(at(5), "SZ01", "E002", [["qty", "00123", 2]], pay=[["cash", 7800]]))
        result = run("return", "S-000001", "--json", env=shop.env(at(4)))
        assert result.code == 1, result.stdout
        assert "error" in json.loads(result.stdout)
        p.clock = at(6)
        p.compare_books(workbook=False)


def test_day_boundaries_are_shop_days(tmp_path) -> None:
    """A sale at 23:30 counts on its shop day, one at 00:10 on the next (not by UTC)."""
    with Shop(tmp_path) as shop:
        p = Player(shop, label="shop-day boundaries")
        p.apply(qty_in(2, "SZ01", "00123", 1000, 10))
        p.apply(sell(at(3, "23:30"), "SZ01", "E002", [["qty", "00123", 1]], pay=[["cash", 3900]]))
        p.apply(sell(at(4, "00:10"), "SZ01", "E001", [["qty", "00123", 2]], pay=[["cash", 7800]]))
        p.apply({"op": "ret", "at": at(4, "23:30"), "sale": "S-000002", "items": [["qty", "00123", 1]]})
        from datetime import date

        assert p.books.report_daily(date(2026, 11, 3))["total"]["units"] == 1
        assert p.books.report_daily(date(2026, 11, 4))["total"]["units"] == 1
        p.compare_reports(["2026-11-03", "2026-11-04", MONTH], [date(2026, 11, 3), date(2026, 11, 4), date(2026, 11, 5)])
