"""Returns: whole and partial, stock back, no double return, credit first, points pro rata."""

from __future__ import annotations

from conftest import fails, imei, ok, run
from test_sell import make_member, phone_codes, points_of, put_qty, put_units


def _check_clean():
    """The till's ledger invariants hold (sales, receivables, the points ledger)."""
    from sqlalchemy import func, select

    from storectl.models import Customer, PointsEntry
    from storectl.services.till import receivables
    from storectl.services.till import sales
    from test_sell import _db

    with _db().read() as s:
        assert sales.invariants(s) == []
        assert receivables.invariants(s) == []
        sums = dict(s.execute(select(PointsEntry.customer_id, func.sum(PointsEntry.delta)).group_by(PointsEntry.customer_id)).all())
        for c in s.execute(select(Customer)).scalars():
            assert c.points == int(sums.get(c.id) or 0) >= 0


def test_a_whole_sale_comes_back_into_stock_at_its_store(shop):
    put_units("IP17P", "SZ01", phone_codes("3569380356438"), cost="7000")
    put_qty("00123", "SZ01", 5, cost="10")
    code = imei("35693803564381")
    ok("sell", "--store", "SZ01", "--staff", "E002", code, "00123:2", "--pay", "wechat=9077")
    ret = ok("return", "S-000001")
    assert ret["id"] == "RT-000001" and ret["sale"] == "S-000001"
    assert sorted((l["sku"], l["unit"], l["qty"], l["amount"], l["cost"]) for l in ret["lines"]) == [
        ("00123", None, 2, "78.00", "20.00"), ("IP17P", code, 1, "8999.00", "7000.00")]
    assert (ret["amount"], ret["credit"], ret["refund"], ret["refund_method"]) == ("9077.00", "0.00", "9077.00", "wechat")
    assert ok("product", "show", "00123")["on_hand"] == 5
    # the phone can be sold again
    again = ok("sell", "--store", "SZ01", "--staff", "E002", code, "--pay", "cash=8999")
    assert again["id"] == "S-000002"
    shown = ok("sale", "show", "S-000001")
    assert shown["returns"] == ["RT-000001"] and all(l["returned"] == l["qty"] for l in shown["lines"])
    assert ok("sale", "list")[0]["returned"] == "9077.00"
    _check_clean()


def test_partial_returns_add_up_and_a_line_cannot_be_returned_twice(shop):
    put_units("MBA13", "SZ01", "C02AAA", "C02BBB", cost="6000")
    put_qty("00123", "SZ01", 10, cost="10")
    ok("sell", "--store", "SZ01", "--staff", "E002", "C02AAA", "C02BBB", "00123:3", "--pay", "card=16115")
    first = ok("return", "S-000001", "c02aaa", "00123:2", "--refund", "cash")
    assert (first["amount"], first["refund"], first["refund_method"]) == ("8077.00", "8077.00", "cash")
    err = fails("conflict", "return", "S-000001", "C02AAA")
    assert "already returned (RT-000001)" in err["message"]
    err = fails("conflict", "return", "S-000001", "00123:2")
    assert "only 1 of 00123" in err["message"]
    rest = ok("return", "S-000001")
    assert sorted((l["sku"], l["qty"]) for l in rest["lines"]) == [("00123", 1), ("MBA13", 1)]
    assert rest["refund_method"] == "card"
    assert "returned in full" in fails("conflict", "return", "S-000001")["message"]
    assert ok("product", "show", "00123")["on_hand"] == 10
    _check_clean()


def test_an_item_not_in_the_sale_is_refused(shop):
    put_units("MBA13", "SZ01", "C02CCC", "C02DDD")
    put_qty("00123", "SZ01", 3)
    ok("sell", "--store", "SZ01", "--staff", "E002", "C02CCC", "--pay", "cash=7999")
    assert "not on S-000001" in fails("not_found", "return", "S-000001", "C02DDD")["message"]
    fails("not_found", "return", "S-000001", "00123")
    fails("not_found", "return", "S-000001", "NOSUCHCODE")
    fails("not_found", "return", "S-000099")
    for bad in (("S-",), ("S-000001", "C02CCC", "C02CCC"), ("S-000001", "--refund", "gold"), ("S-000001", "00123:0")):
        r = run("return", *bad, "--json")
        assert r.code == 1 and "Traceback" not in r.stdout + r.stderr, (bad, r.stdout, r.stderr)
        assert r.json["error"]["code"] == "invalid_input", (bad, r.stdout)


def test_returned_quantities_fold_back_into_the_moving_average_cost(shop):
    put_qty("00123", "SZ01", 2, cost="10")
    ok("sell", "--store", "SZ01", "--staff", "E002", "00123:2", "--pay", "cash=78")  # cost 20.00, none left
    put_qty("00123", "SZ01", 2, cost="16")  # average now 16
    ok("return", "S-000001", "00123")  # one back at 10: (2 × 16 + 10) / 3 = 14
    assert ok("product", "show", "00123")["avg_cost"] == "14.00"


def test_a_credit_sale_return_reduces_what_is_owed_first(shop):
    put_units("MBA13", "SZ01", "C02EEE", "C02FFF", cost="6000")
    ok("sell", "--store", "SZ01", "--staff", "E001", "--customer", "C001", "C02EEE", "C02FFF",
       "--pay", "transfer=2000", "--on-credit")  # total 15998, owes 13998
    first = ok("return", "S-000001", "C02EEE")
    assert (first["credit"], first["refund"]) == ("7999.00", "0.00")
    assert ok("customer", "show", "C001")["balance"] == "5999.00"
    ok("customer", "pay", "C001", "1000")
    second = ok("return", "S-000001")
    assert (second["credit"], second["refund"], second["refund_method"]) == ("4999.00", "3000.00", "transfer")
    assert ok("customer", "show", "C001")["balance"] == "0.00"
    _check_clean()


def test_a_closed_month_refuses_sales_returns_and_payments(shop):
    from storectl.models import Period
    from test_sell import _db

    put_units("MBA13", "SZ01", "C02JJJ", "C02KKK")
    ok("sell", "--store", "SZ01", "--staff", "E001", "--customer", "C001", "C02JJJ", "--on-credit")
    with _db().write("test") as s:
        s.add(Period(period="2026-11", closed=True, closed_by="E001"))
    fails("period_closed", "sell", "--store", "SZ01", "--staff", "E001", "C02KKK", "--pay", "cash=7999")
    fails("period_closed", "return", "S-000001")
    fails("period_closed", "customer", "pay", "C001", "100")
    assert ok("customer", "show", "C001")["balance"] == "7999.00"


def test_a_return_gives_back_paid_points_and_takes_back_earned_ones_pro_rata(shop):
    put_qty("00123", "SZ01", 20)
    make_member("13900003333", points=100)
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", "--customer", "13900003333", "00123:4",
              "--points", "100", "--pay", "cash=146")  # total 156 = 10 (points) + 146 cash
    assert (sale["points_redeemed"], sale["points_earned"], sale["points_balance"]) == (100, 146, 146)
    half = ok("return", "S-000001", "00123:2")  # 78 of 156
    assert (half["points_restored"], half["points_reversed"], half["points_unrecovered"]) == (50, 73, 0)
    assert (half["amount"], half["refund"]) == ("78.00", "73.00")  # 5.00 came back as points
    rest = ok("return", "S-000001")
    assert (rest["points_restored"], rest["points_reversed"], rest["refund"]) == (50, 73, "73.00")
    assert points_of("13900003333") == 100
    _check_clean()


def test_points_that_were_spent_cannot_be_taken_back_and_are_reported(shop):
    put_qty("00123", "SZ01", 20)
    make_member("13900004444")
    ok("sell", "--store", "SZ01", "--staff", "E002", "--customer", "13900004444", "00123:2", "--pay", "cash=78")
    assert points_of("13900004444") == 78
    spend = ok("sell", "--store", "SZ01", "--staff", "E002", "--customer", "13900004444", "00123", "--points", "70", "--pay", "cash=32")
    assert spend["points_balance"] == 8 + 32
    ret = ok("return", "S-000001")
    assert (ret["points_reversed"], ret["points_unrecovered"]) == (40, 38)
    assert points_of("13900004444") == 0
    r = run("return", "S-000001", "--json")
    assert r.json["error"]["code"] == "conflict"
    _check_clean()
