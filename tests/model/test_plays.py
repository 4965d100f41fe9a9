"""The plays the random histories reach only now and then, each once as a fixed history compared
figure by figure with the model (the month-end workbook too): flash sales with a pre-order and a
per-member quota, coupons issued by check-ins, paid repairs with parts out of warranty, a
campaign whose click makes a lead that a sale wins.
"""

from __future__ import annotations

from .books import period
from .harness import Player, Shop
from .test_regressions import at, qty_in, sell

WANG = "13912345678"  # 王芳, a member of the set-up


def units_in(day: int, store: str, sku: str, cost: int, *codes: str) -> dict:
    return {"op": "stock_in_units", "at": at(day), "store": store, "sku": sku, "cost": cost, "units": [[c] for c in codes]}


def test_flash_prices_hold_for_the_quota_with_pre_orders_counting_and_check_in_coupons(tmp_path) -> None:
    with Shop(tmp_path) as shop:
        p = Player(shop, label="flash sales and check-in coupons")
        p.apply(units_in(2, "SZ01", "XM15", 330000, "FXM9100001X", "FXM9100002X", "FXM9100003X"))
        p.apply(qty_in(2, "SZ01", "CASE17", 4000, 10, "10:05"))
        p.apply({"op": "flash_set", "at": at(2, "10:10"), "sku": "XM15", "scope": "list", "ref": "", "price": 329900,
                 "from": "2026-11-02", "until": "2026-11-04", "quota": 2})
        p.apply({"op": "order_add", "at": at(2, "10:20"), "store": "SZ01", "staff": "E002", "customer": "C003",
                 "units": ["FXM9100001X"], "qtys": {}, "deposit": ["cash", 10000]})
        first = p.apply(sell(at(2, "10:30"), "SZ01", "E001", [["unit", "FXM9100002X"]], pay=[["cash", 329900]]))
        second = p.apply(sell(at(2, "10:40"), "SZ01", "E001", [["unit", "FXM9100003X"]], pay=[["cash", 429900]]))
        assert [first["lines"][0]["rule"], second["lines"][0]["rule"]] == ["flash", "list"]  # the order took one of two
        p.apply({"op": "flash_set", "at": at(2, "10:50"), "sku": "CASE17", "scope": "list", "ref": "", "price": 9900,
                 "from": "2026-11-02", "until": "2026-11-03", "quota": 3, "per_member": 2})
        got = p.apply({"op": "checkin", "at": at(2, "11:00"), "phone": WANG})
        assert [c["coupon"] for c in got["coupons"]] == ["LJ5"]  # every check-in: 立减5元
        coupon = p.apply(sell(at(2, "11:10"), "SZ01", "E002", [["qty", "CASE17", 2]], customer=WANG, coupons=["LJ5#1"],
                              pay=[["wechat", 19300]]))
        assert coupon["lines"][0]["rule"] == "flash" and coupon["total"] == "193.00"
        again = p.apply(sell(at(2, "11:20"), "SZ01", "E002", [["qty", "CASE17", 1]], customer=WANG, pay=[["wechat", 12900]]))
        walk_in = p.apply(sell(at(2, "11:30"), "SZ01", "E002", [["qty", "CASE17", 1]], pay=[["cash", 12900]]))
        assert again["lines"][0]["rule"] == walk_in["lines"][0]["rule"] == "list"  # her two are used; members only
        p.apply({"op": "order_complete", "at": at(3), "doc": "SO-000001", "pay": [["cash", 319900]]})
        got = p.apply({"op": "checkin", "at": at(3, "10:10"), "phone": WANG})
        assert [c["coupon"] for c in got["coupons"]] == ["LJ5", "PJ10"] and got["points"] == 5 + 10
        p.apply({"op": "ret", "at": at(3, "10:20"), "sale": "S-000003"})  # a return gives no flash unit back
        assert [r["sold"] for r in p.books.flash_listing("CASE17")] == [2]
        p.compare_books(workbook=True)


def test_a_paid_repair_out_of_warranty_sells_its_parts_then_labour(tmp_path) -> None:
    with Shop(tmp_path) as shop:
        p = Player(shop, label="paid repairs out of warranty")
        p.apply(qty_in(2, "SZ01", "CASE17", 4000, 5))
        p.apply(qty_in(2, "SZ01", "PB20", 9000, 2, "10:05"))
        for n, (day, price) in enumerate([(2, 150000), (3, 160000)], start=1):
            code = f"FXM920000{n}X"
            p.apply({"op": "tradein", "at": at(day, "11:00"), "store": "SZ01", "sku": "XM15", "codes": [code], "grade": "C",
                     "price": price, "pay": "cash"})
            p.apply(sell(at(day, "12:00"), "SZ01", "E002", [["unit", code]], customer="C003", prices={code: 220000},
                         pay=[["cash", 220000]]))
        for doc, code in (("SV-000001", "FXM9200001X"), ("SV-000002", "FXM9200002X")):
            got = p.apply({"op": "service_open", "at": at(5, "10:00" if doc.endswith("1") else "10:30"), "code": code,
                           "store": "SZ01", "staff": "E001", "problem": "充电口接触不良"})
            assert got["under_warranty"] is False  # sold used: no warranty (warranty.used_months 0)
        p.apply({"op": "service_part", "at": at(5, "11:00"), "doc": "SV-000001", "qtys": {"CASE17": 2}})
        p.apply({"op": "service_part", "at": at(5, "11:10"), "doc": "SV-000002", "qtys": {"PB20": 1}})
        # a charge short of the parts: they take it all at 25.00 each, labour 0; then one with labour
        p.apply({"op": "service_close", "at": at(6), "doc": "SV-000001", "charge": 5000, "pay": [["wechat", 5000]]})
        p.apply({"op": "service_close", "at": at(6, "10:10"), "doc": "SV-000002", "charge": 20050, "pay": [["cash", 20050]]})
        repair = [(f.sku, f.qty, f.revenue, f.cost) for f in p.books.facts if f.sale in ("S-000003", "S-000004")]
        assert repair == [("CASE17", 2, 5000, 8000), ("SERVICE", 1, 0, 0), ("PB20", 1, 9000, 9000), ("SERVICE", 1, 11050, 0)]
        p.compare_books(workbook=True)


def test_a_campaign_click_makes_a_lead_for_the_seller_and_a_sale_in_the_window_wins_it(tmp_path) -> None:
    with Shop(tmp_path) as shop:
        p = Player(shop, label="a campaign's clicks, leads and the sale that wins one")
        p.apply(units_in(2, "SZ01", "XM15", 330000, "FXM9300001X", "FXM9300002X"))
        p.apply(qty_in(2, "SZ01", "CASE17", 4000, 5, "10:05"))
        p.apply(sell(at(2, "11:00"), "SZ01", "E002", [["unit", "FXM9300001X"]], customer=WANG, pay=[["wechat", 429900]]))
        p.apply(sell(at(2, "11:10"), "SZ01", "E001", [["unit", "FXM9300002X"]], customer="C003", pay=[["cash", 429900]]))
        p.apply({"op": "ret", "at": at(3), "sale": "S-000002"})  # a returned phone was not bought: not in the audience
        got = p.apply({"op": "campaign_create", "at": at(4), "name": "老客户换新", "window": 7})
        assert got["audience"] == 1
        first = p.apply({"op": "campaign_hit", "at": at(5), "campaign": "CA-000001", "customer": WANG})
        again = p.apply({"op": "campaign_hit", "at": at(5, "12:00"), "campaign": "CA-000001", "customer": WANG})
        assert (first["first"], first["owner"], again["first"], again["clicks"]) == (True, "E002", False, 2)
        p.apply(sell(at(9), "SZ01", "E001", [["qty", "CASE17", 1]], customer=WANG, pay=[["cash", 12900]]))
        assert p.books.report_staff(period("2026-11"))["E002"]["leads_won"] == 1
        p.compare_books(workbook=False)
