"""Trade-ins (TI-) and pre-orders with deposits (SO-), SPEC §15."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import fails, imei, ok, run, storectl_exe

OLD1, OLD2 = imei("35693803564390"), imei("35693803564391")
OLD = f"{OLD1},{OLD2},F2LXOLD01"
NEW1, NEW2 = imei("86012345678911"), imei("86012345678912")
NEW = f"{NEW1},{NEW2},F17NEW01"


def receive(codes: str, cost: str = "7000", store: str = "SZ01", sku: str = "IP17P") -> None:
    ok("stock", "in", "--store", store, "--sku", sku, "--cost", cost, "--supplier", "SUP01", codes)


def trade(codes: str = OLD, *extra: str, price: str = "2800", grade: str = "B") -> dict:
    return ok("tradein", codes, "--sku", "IP17P", "--grade", grade, "--price", price, "--store", "SZ01", "--staff", "E002", *extra)


# --- trade-in: into stock at the price paid --------------------------------------------------


def test_a_trade_in_puts_the_unit_in_stock_used_at_the_price_paid(shop):
    ti = trade(OLD, "--customer", "C002")
    assert ti["id"] == "TI-000001" and ti["condition"] == "used-B" and ti["price"] == "2800.00" and ti["credit"] is True
    unit = ok("sn", "show", OLD1)
    assert unit["status"] == "in_stock" and unit["store"] == "SZ01" and unit["cost"] == "2800.00" and unit["condition"] == "used-B"
    assert [h["kind"] for h in unit["history"]] == ["tradein"] and unit["history"][0]["customer"] == "C002"
    assert ok("stock", "levels", "--store", "SZ01") == [
        {"store": "SZ01", "sku": "IP17P", "name": "iPhone 17 Pro 256GB", "kind": "serial", "qty": 1, "value": "2800.00"}]
    assert run("db", "check").code == 0


def test_stock_list_tells_new_units_from_used_ones(shop):
    receive(NEW)
    trade(OLD)
    used = ok("stock", "list", "--condition", "used")
    new = ok("stock", "list", "--condition", "new")
    assert [u["codes"]["IMEI1"] for u in used] == [OLD1] and used[0]["condition"] == "used-B"
    assert [u["codes"]["IMEI1"] for u in new] == [NEW1] and new[0]["condition"] == "new"
    fails("invalid_input", "stock", "list", "--condition", "refurbished")


def test_a_trade_in_checks_the_codes_like_a_stock_in(shop):
    fails("invalid_input", "tradein", f"{OLD1},{OLD2}", "--sku", "IP17P", "--grade", "B", "--price", "2800", "--store", "SZ01")
    fails("invalid_input", "tradein", f"{OLD1[:-1]}0,{OLD2},SNX", "--sku", "IP17P", "--grade", "B", "--price", "2800", "--store", "SZ01")
    fails("invalid_input", "tradein", OLD, "--sku", "IP17P", "--grade", "E", "--price", "2800", "--store", "SZ01")
    fails("invalid_input", "tradein", "00123", "--sku", "00123", "--grade", "A", "--price", "5", "--store", "SZ01")
    fails("invalid_input", "tradein", OLD, "--sku", "IP17P", "--grade", "B", "--price", "-1", "--store", "SZ01")
    fails("invalid_input", "tradein", OLD, "--sku", "IP17P", "--grade", "B", "--price", "2800", "--store", "SZ01", "--pay", "bitcoin")
    assert ok("stock", "list") == [] and ok("tradeins", "list") == []


def test_a_unit_on_an_open_service_ticket_cannot_be_traded_in_until_the_ticket_is_closed(shop):
    receive(NEW)
    ok("sell", "--store", "SZ01", "--staff", "E002", "--customer", "C002", NEW1, "--pay", "cash=8999")
    ok("service", "open", NEW1, "--problem", "屏幕闪烁", "--store", "SZ01", "--staff", "E002")
    err = fails("conflict", "tradein", NEW, "--sku", "IP17P", "--grade", "B", "--price", "5000", "--store", "SZ01", "--pay", "cash")
    assert "SV-000001" in err["message"] and "service close SV-000001" in err["hint"]
    assert ok("sn", "show", NEW1)["status"] == "sold" and ok("tradeins", "list") == []
    ok("service", "close", "SV-000001")
    assert trade(NEW, "--pay", "cash")["returning"] is True
    assert run("db", "check").code == 0


def test_a_code_the_shop_holds_is_a_conflict(shop):
    receive(NEW)
    err = fails("conflict", "tradein", NEW, "--sku", "IP17P", "--grade", "A", "--price", "5000", "--store", "SZ01")
    assert NEW1 in err["message"] and "in_stock at SZ01" in err["message"]
    trade(OLD)
    fails("conflict", "tradein", OLD, "--sku", "IP17P", "--grade", "A", "--price", "5000", "--store", "SZ01")
    assert len(ok("tradeins", "list")) == 1


def test_a_unit_the_shop_sold_before_comes_back_with_its_history(shop):
    receive(NEW, cost="7000")
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", NEW1, "--customer", "C002", "--pay", "cash=8999")
    ti = ok("tradein", NEW, "--sku", "IP17P", "--grade", "A", "--price", "6000", "--store", "SZ02", "--customer", "C002", "--pay", "cash")
    assert ti["returning"] is True and ti["paid"] == "cash"
    unit = ok("sn", "show", "F17NEW01")
    assert [h["kind"] for h in unit["history"]] == ["in", "sale", "tradein"]
    assert unit["status"] == "in_stock" and unit["store"] == "SZ02" and unit["cost"] == "6000.00" and unit["condition"] == "used-A"
    # the first sale keeps the cost it booked
    assert ok("sale", "show", sale["id"])["lines"][0]["cost"] == "7000.00"
    # and it cannot also be returned on that sale: it came back as a trade-in
    err = fails("conflict", "return", sale["id"])
    assert ti["id"] in err["message"]
    assert run("db", "check").code == 0


def test_codes_of_a_sold_unit_given_with_another_code_are_a_conflict(shop):
    receive(NEW)
    ok("sell", "--store", "SZ01", "--staff", "E002", NEW1, "--pay", "cash=8999")
    fails("conflict", "tradein", f"{NEW1},{NEW2},OTHERSN", "--sku", "IP17P", "--grade", "A", "--price", "6000", "--store", "SZ01")
    fails("conflict", "tradein", f"{NEW1},{OLD2},F17NEW01", "--sku", "IP17P", "--grade", "A", "--price", "6000", "--store", "SZ01")


# --- the credit: a payment `tradein`, once ------------------------------------------------------


def test_a_trade_in_credit_pays_part_of_a_sale(shop):
    receive(NEW)
    ti = trade(OLD, "--customer", "C002")
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", NEW1, "--customer", "C002", "--tradein", ti["id"], "--pay", "wechat=6199")
    assert sale["payments"] == {"wechat": "6199.00", "tradein": "2800.00"} and sale["total"] == "8999.00"
    shown = ok("tradeins", "show", ti["id"])
    assert shown["used_on"] == sale["id"]
    assert ok("tradeins", "list", "--open") == []
    assert run("db", "check").code == 0


def test_a_sale_paid_only_by_a_trade_in_credit_refunds_in_cash_not_in_credit(shop):
    receive(NEW)
    ti = trade(OLD, "--customer", "C002", price="8999")
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", NEW1, "--customer", "C002", "--tradein", ti["id"])
    assert sale["payments"] == {"tradein": "8999.00"}
    back = ok("return", sale["id"])
    assert back["refund"] == "8999.00" and back["refund_method"] == "cash"  # money goes back; a spent credit is no method


def test_a_trade_in_credit_used_twice_is_refused(shop):
    receive(NEW)
    receive(f"{imei('86012345678913')},{imei('86012345678914')},F17NEW02")
    ti = trade(OLD)
    first = ok("sell", "--store", "SZ01", "--staff", "E002", NEW1, "--tradein", ti["id"], "--pay", "cash=6199")
    err = fails("conflict", "sell", "--store", "SZ01", "--staff", "E002", "F17NEW02", "--tradein", ti["id"], "--pay", "cash=6199")
    assert first["id"] in err["message"]
    assert ok("sn", "show", "F17NEW02")["status"] == "in_stock"


def test_a_paid_out_trade_in_is_no_credit(shop):
    receive(NEW)
    ti = trade(OLD, "--pay", "cash")
    fails("conflict", "sell", "--store", "SZ01", "--staff", "E002", NEW1, "--tradein", ti["id"], "--pay", "cash=6199")
    fails("not_found", "sell", "--store", "SZ01", "--staff", "E002", NEW1, "--tradein", "TI-000009", "--pay", "cash=6199")


def test_another_customers_credit_does_not_pay(shop):
    receive(NEW)
    ti = trade(OLD, "--customer", "C002")
    fails("invalid_input", "sell", "--store", "SZ01", "--staff", "E002", NEW1, "--customer", "C001", "--tradein", ti["id"], "--pay", "cash=6199")


def test_two_processes_racing_for_one_credit_make_one_sale(shop):
    receive(NEW)
    receive(f"{imei('86012345678913')},{imei('86012345678914')},F17NEW02")
    ti = trade(OLD)
    procs = [
        subprocess.Popen(storectl_exe() + ["sell", "--store", "SZ01", "--staff", "E002", code, "--tradein", ti["id"], "--pay", "cash=6199", "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
        for code in (NEW1, "F17NEW02")
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert sorted(rc for rc, _, _ in results) == [0, 1], results
    loser = next(json.loads(out)["error"] for rc, out, _ in results if rc)
    assert loser["code"] == "conflict"
    assert len(ok("sale", "list")) == 1


# --- used units sell like new, with the used warranty --------------------------------------------


def test_a_used_unit_sells_with_the_used_warranty(shop):
    trade(OLD)
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", OLD1, "--price", f"{OLD1}=3500", "--pay", "cash=3500")
    line = sale["lines"][0]
    assert line["cost"] == "2800.00" and line["condition"] == "used-B"
    assert line["warranty_until"] == "2027-02-02"  # 3 months, not the product's 12
    assert ok("sn", "show", OLD1)["warranty_until"] == "2027-02-02"


def test_the_used_warranty_is_a_setting(shop):
    ok("config", "set", "warranty.used_months", "6")
    trade(OLD)
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", OLD1, "--price", f"{OLD1}=3500", "--pay", "cash=3500")
    assert sale["lines"][0]["warranty_until"] == "2027-05-02"
    receive(NEW)
    new = ok("sell", "--store", "SZ01", "--staff", "E002", NEW1, "--pay", "cash=8999")
    assert new["lines"][0]["warranty_until"] == "2027-11-02" and new["lines"][0]["condition"] == "new"


# --- pre-orders: reserved stock, a deposit held ----------------------------------------------------


def at(day: str, time: str = "11:00") -> dict:
    return {"STORECTL_NOW": f"2026-{day}T{time}:00+08:00"}


def test_a_pre_order_reserves_the_unit_and_holds_the_deposit_as_no_revenue(shop):
    receive(NEW)
    so = ok("order", "add", NEW1, "--customer", "C002", "--deposit", "wechat=1000", "--until", "2026-11-20", "--store", "SZ01", "--staff", "E002")
    assert so["id"] == "SO-000001" and so["status"] == "open" and so["total"] == "8999.00" and so["deposit"] == "1000.00"
    assert so["due"] == "7999.00" and so["payments"][0] == {"at": so["at"], "kind": "deposit", "method": "wechat", "amount": "1000.00", "staff": "E002"}
    assert ok("sn", "show", NEW1)["status"] == "reserved"
    assert ok("report", "stores", "-p", "2026-11") == []  # a deposit is no sale
    assert [o["id"] for o in ok("order", "list", "--open")] == ["SO-000001"]
    assert ok("stock", "list", "--status", "reserved")[0]["codes"]["IMEI1"] == NEW1
    assert run("db", "check").code == 0


def test_a_reserved_unit_cannot_be_sold_sent_or_counted_missing(shop):
    receive(NEW)
    so = ok("order", "add", NEW1, "--customer", "C002", "--deposit", "cash=500", "--store", "SZ01", "--staff", "E002")
    err = fails("conflict", "sell", "--store", "SZ01", "--staff", "E002", NEW1, "--pay", "cash=8999")
    assert "reserved" in err["message"]
    fails("conflict", "transfer", "send", "--from", "SZ01", "--to", "SZ02", NEW1)
    fails("conflict", "order", "add", NEW1, "--customer", "C001", "--deposit", "cash=500", "--store", "SZ01", "--staff", "E002")
    fails("conflict", "stock", "out", "--reason", "internal-use", "--store", "SZ01", NEW1)
    receive(f"{imei('86012345678913')},{imei('86012345678914')},F17NEW02")
    count = ok("stock", "count", "--store", "SZ01", "F17NEW02", "--apply")
    assert count["matched"] == 1 and NEW1 not in json.dumps(count["missing"])
    assert ok("sn", "show", NEW1)["status"] == "reserved"
    assert ok("order", "show", so["id"])["status"] == "open"


def test_completing_a_pre_order_sells_it_with_the_deposit_paid_and_who_took_each_payment(shop):
    receive(NEW)
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "12", "--qty", "5")
    so = ok("order", "add", NEW1, "00123:2", "--customer", "C002", "--deposit", "wechat=1000", "--store", "SZ01", "--staff", "E002",
            "--price", f"{NEW1}=8800")
    assert so["total"] == "8878.00"
    done = ok("order", "complete", so["id"], "--pay", "cash=7878", "--staff", "E001", env=at("11-05"))
    sale = done["receipt"]
    assert done["status"] == "completed" and done["sale"] == sale["id"]
    assert sale["total"] == "8878.00" and sale["payments"] == {"cash": "7878.00", "deposit": "1000.00"} and sale["staff"] == "E001"
    assert [(p["kind"], p["method"], p["amount"], p["staff"]) for p in done["payments"]] == [
        ("deposit", "wechat", "1000.00", "E002"), ("balance", "cash", "7878.00", "E001")]
    assert ok("sn", "show", NEW1)["status"] == "sold"
    assert ok("report", "stores", "-p", "2026-11")[0]["revenue"] == "8878.00"
    fails("conflict", "order", "complete", so["id"], "--pay", "cash=7878")
    fails("conflict", "order", "cancel", so["id"])
    assert run("db", "check").code == 0


def test_a_pre_order_agreed_at_a_flash_price_counts_its_units_against_the_quota(shop):
    receive(NEW)
    receive(f"{imei('86012345678913')},{imei('86012345678914')},F17NEW02")
    ok("price", "set", "IP17P", "6999", "--customer", "C002", "--from", "2026-11-02", "--until", "2026-11-05", "--quota", "1")
    so = ok("order", "add", NEW1, "--customer", "C002", "--deposit", "wechat=1000", "--store", "SZ01", "--staff", "E002")
    assert so["total"] == "6999.00"
    assert next(r for r in ok("price", "list", "--sku", "IP17P") if "quota" in r)["sold"] == 1
    # the quota is gone: the next unit sells at the next rule, and so would a second order
    line = ok("sell", imei("86012345678913"), "--store", "SZ01", "--staff", "E002", "--customer", "C002", "--pay", "cash=9000")["lines"][0]
    assert line["rule"] != "flash:customer:C002" and line["price"] != "6999.00"
    done = ok("order", "complete", so["id"], "--pay", "cash=5999")  # the order keeps the price it agreed
    assert done["receipt"]["total"] == "6999.00"


def test_a_pre_order_must_be_paid_in_full_to_complete(shop):
    receive(NEW)
    so = ok("order", "add", NEW1, "--customer", "C002", "--deposit", "wechat=1000", "--store", "SZ01", "--staff", "E002")
    fails("invalid_input", "order", "complete", so["id"], "--pay", "cash=100")
    assert ok("order", "show", so["id"])["status"] == "open" and ok("sn", "show", NEW1)["status"] == "reserved"


def test_a_deposit_is_more_than_zero_and_at_most_the_order(shop):
    receive(NEW)
    fails("invalid_input", "order", "add", NEW1, "--customer", "C002", "--deposit", "wechat=9000", "--store", "SZ01", "--staff", "E002")
    fails("invalid_input", "order", "add", NEW1, "--customer", "C002", "--deposit", "wechat=0", "--store", "SZ01", "--staff", "E002")
    fails("invalid_input", "order", "add", NEW1, "--customer", "C002", "--deposit", "wechat=100", "--until", "2026-10-01", "--store", "SZ01", "--staff", "E002")
    fails("not_found", "order", "add", NEW1, "--customer", "C999", "--deposit", "wechat=100", "--store", "SZ01", "--staff", "E002")
    fails("insufficient_stock", "order", "add", "00123:3", "--customer", "C002", "--deposit", "wechat=10", "--store", "SZ01", "--staff", "E002")
    assert ok("order", "list") == [] and ok("sn", "show", NEW1)["status"] == "in_stock"


def test_cancelling_refunds_the_deposit_and_releases_the_unit(shop):
    receive(NEW)
    so = ok("order", "add", NEW1, "--customer", "C002", "--deposit", "wechat=1000", "--store", "SZ01", "--staff", "E002")
    done = ok("order", "cancel", so["id"])
    assert done["status"] == "cancelled" and done["refunded"] == "1000.00" and done["forfeited"] == "0.00"
    assert done["payments"][-1]["kind"] == "refund" and done["payments"][-1]["method"] == "wechat"
    assert ok("sn", "show", NEW1)["status"] == "in_stock"
    ok("sell", "--store", "SZ01", "--staff", "E002", NEW1, "--pay", "cash=8999")
    assert run("db", "check").code == 0


def test_cancelling_with_forfeit_keeps_the_deposit(shop):
    receive(NEW)
    so = ok("order", "add", NEW1, "--customer", "C002", "--deposit", "cash=800", "--store", "SZ01", "--staff", "E002")
    done = ok("order", "cancel", so["id"], "--forfeit")
    assert done["forfeited"] == "800.00" and done["refunded"] == "0.00" and done["payments"][-1]["kind"] == "forfeit"
    assert ok("sn", "show", NEW1)["status"] == "in_stock"
    assert ok("report", "stores", "-p", "2026-11") == []  # other income, not sales revenue
    assert run("db", "check").code == 0


def test_a_cancel_after_the_deposits_month_closed_books_in_the_open_month(shop):
    receive(NEW)
    so = ok("order", "add", NEW1, "--customer", "C002", "--deposit", "cash=800", "--store", "SZ01", "--staff", "E002", env=at("11-20"))
    ok("period", "close", "2026-11", env=at("12-02"))
    fails("period_closed", "order", "cancel", so["id"], "--forfeit", env=at("11-30"))
    done = ok("order", "cancel", so["id"], "--forfeit", env=at("12-02"))
    assert done["closed_at"].startswith("2026-12-02")
    assert run("db", "check", env=at("12-02")).code == 0


def test_a_sale_and_a_reservation_racing_for_one_unit_make_exactly_one_winner(shop):
    for attempt in range(3):
        a, b = imei(f"8601234567{attempt:02d}21"), imei(f"8601234567{attempt:02d}22")
        receive(f"{a},{b},F17RACE{attempt}")
        procs = [
            subprocess.Popen(storectl_exe() + args + ["--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
            for args in (["sell", "--store", "SZ01", "--staff", "E002", a, "--pay", "cash=8999"],
                         ["order", "add", a, "--customer", "C002", "--deposit", "cash=500", "--store", "SZ01", "--staff", "E003"])
        ]
        results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        assert sorted(rc for rc, _, _ in results) == [0, 1], results
        assert all("Traceback" not in out + err for _, out, err in results)
        loser = next(json.loads(out)["error"] for rc, out, _ in results if rc)
        assert loser["code"] == "conflict"
        status = ok("sn", "show", a)["status"]
        assert status == ("sold" if results[0][0] == 0 else "reserved")
    assert run("db", "check").code == 0


# --- month end, reports --------------------------------------------------------------------------


def _money(value):
    from decimal import Decimal

    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.fixture
def traded_november(shop):
    """A trade-in in stock, one sold, a pre-order open at month end, one cancelled with the deposit kept."""
    receive(NEW, cost="7000")
    receive(f"{imei('86012345678913')},{imei('86012345678914')},F17NEW02", cost="7000")
    ti = trade(OLD, "--customer", "C002")  # cost 2800, stays in stock
    ok("tradein", f"{imei('35693803564392')},{imei('35693803564393')},F2LXOLD02", "--sku", "IP17P", "--grade", "C",
       "--price", "2000", "--store", "SZ01", "--pay", "cash", env=at("11-03"))
    ok("sell", "--store", "SZ01", "--staff", "E002", "F2LXOLD02", "--price", "F2LXOLD02=2600", "--pay", "cash=2600", env=at("11-04"))
    ok("sell", "--store", "SZ01", "--staff", "E002", NEW1, "--customer", "C002", "--tradein", ti["id"], "--pay", "wechat=6199", env=at("11-05"))
    ok("order", "add", "F17NEW02", "--customer", "C001", "--deposit", "transfer=2000", "--store", "SZ01", "--staff", "E002", env=at("11-10"))
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "12", "--qty", "10", env=at("11-10"))
    so = ok("order", "add", "00123:2", "--customer", "C002", "--deposit", "cash=30", "--store", "SZ01", "--staff", "E002", env=at("11-11"))
    ok("order", "cancel", so["id"], "--forfeit", env=at("11-12"))


def test_reports_split_new_and_used_goods(traded_november):
    rows = {r["condition"]: r for r in ok("report", "condition", "-p", "2026-11", env=at("12-03"))}
    assert (rows["used"]["units"], rows["used"]["revenue"], rows["used"]["cost"], rows["used"]["profit"]) == (1, "2600.00", "2000.00", "600.00")
    assert (rows["new"]["units"], rows["new"]["revenue"], rows["new"]["cost"]) == (1, "8999.00", "7000.00")
    total = ok("report", "stores", "-p", "2026-11", env=at("12-03"))[0]
    assert total["revenue"] == "11599.00"  # the forfeited deposit is other income, not sales


def test_the_month_end_shows_deposits_held_and_trade_in_stock_at_cost(traded_november, tmp_path):
    from openpyxl import load_workbook

    result = ok("report", "month", "2026-11", "--out", str(tmp_path), env=at("12-03"))
    wb = load_workbook(result["path"])
    assert "Orders" in wb.sheetnames
    orders = [r for r in wb["Orders"].iter_rows(min_row=2, values_only=True) if r[0] and r[0].startswith("SO-")]
    assert [(r[0], r[4], _money(r[8]), _money(r[9])) for r in orders] == [
        ("SO-000001", "open", _money(2000), _money(0)), ("SO-000002", "cancelled", _money(0), _money(30))]
    units = {r[3].split(" / ")[0]: r for r in wb["Inventory"].iter_rows(values_only=True) if r[3] and str(r[3]).startswith(("35", "86"))}
    assert units[OLD1][6] == "used-B" and units[imei("86012345678913")][6] == "new"  # the reserved unit is still the shop's
    assert run("db", "check", env=at("12-03")).code == 0


@pytest.mark.skipif(__import__("shutil").which("soffice") is None, reason="LibreOffice is not installed")
def test_the_summary_figures_equal_the_detail_after_libreoffice_recalculates(traded_november, tmp_path):
    from conftest import recalculated

    result = ok("report", "month", "2026-11", "--out", str(tmp_path), env=at("12-03"))
    wb = recalculated(result["path"], tmp_path)
    figures = {str(row[0]).split(" ")[0]: row[1] for row in wb["Summary"].iter_rows(min_row=5, max_row=24, values_only=True) if row[0]}
    assert _money(figures["定金"]) == _money(2000)
    assert _money(figures["没收定金"]) == _money(30)
    assert _money(figures["回收库存"]) == _money(2800)
    assert _money(figures["库存金额"]) == _money(2800 + 7000 + 10 * 12)


def test_a_later_cancel_leaves_the_deposit_held_in_the_closed_month(traded_november, tmp_path):
    from openpyxl import load_workbook

    ok("period", "close", "2026-11", env=at("12-02"))
    ok("order", "cancel", "SO-000001", env=at("12-03"))
    nov = load_workbook(ok("report", "month", "2026-11", "--out", str(tmp_path / "nov.xlsx"), env=at("12-04"))["path"])
    held = [r for r in nov["Orders"].iter_rows(values_only=True) if r[0] == "SO-000001"][0]
    assert held[4] == "open" and _money(held[8]) == _money(2000)
    dec = load_workbook(ok("report", "month", "2026-12", "--out", str(tmp_path / "dec.xlsx"), env=at("12-04"))["path"])
    row = [r for r in dec["Orders"].iter_rows(values_only=True) if r[0] == "SO-000001"][0]
    assert row[4] == "cancelled" and _money(row[8]) == 0 and _money(row[10]) == _money(2000)


def test_an_open_order_past_its_until_day_is_overdue_in_the_shop_calendar_and_nothing_expires(shop):
    for sn in ("MBAHOLD1", "MBAHOLD2", "MBAHOLD3", "MBAHOLD4"):
        receive(sn, sku="MBA13")

    def order(sn: str, *until: str) -> str:
        return ok("order", "add", sn, "--customer", "C002", "--deposit", "cash=500", "--store", "SZ01", "--staff", "E002",
                  *until, env=at("11-10"))["id"]

    late, open_ended, later, gone = order("MBAHOLD1", "--until", "2026-11-20"), order("MBAHOLD2"), \
        order("MBAHOLD3", "--until", "2026-11-25"), order("MBAHOLD4", "--until", "2026-11-15")
    ok("order", "cancel", gone, env=at("11-12"))

    def overdue(day: str, time: str = "11:00") -> list[str]:
        rows = ok("order", "list", env=at(day, time))
        assert all(isinstance(r["overdue"], bool) for r in rows)
        listed = [r["id"] for r in ok("order", "list", "--overdue", env=at(day, time))]
        assert listed == [r["id"] for r in rows if r["overdue"]]
        return listed

    assert overdue("11-20", "23:30") == []  # the until day itself is still held
    assert overdue("11-21", "00:10") == [late]  # shop time: still 11-20 in UTC
    assert overdue("11-26") == [late, later]  # never the order without --until, nor a cancelled one
    assert ok("order", "show", late, env=at("11-26"))["overdue"] is True
    assert ok("order", "show", open_ended, env=at("11-26"))["overdue"] is False
    human = run("order", "list", env=at("11-26"))
    assert human.code == 0 and human.stdout.count("overdue") == 3  # two rows and the caption
    assert "overdue" in run("order", "show", late, env=at("11-26")).stdout
    assert ok("sn", "show", "MBAHOLD1", env=at("11-26"))["status"] == "reserved"  # nothing expires by itself
    assert ok("order", "show", late, env=at("11-26"))["status"] == "open"
    ok("order", "complete", late, "--pay", "cash=7999", env=at("11-26"))
    assert overdue("11-26") == [later]


def _summed_sumifs(wb, formula: str):
    """What the Summary's SUMIF(Sheet!G:G,"used-X",Sheet!E:E)+… comes to on the workbook's own cells."""
    import re
    from decimal import Decimal

    total = Decimal(0)
    for sheet, grade in re.findall(r"SUMIF\('?((?:[^'!]|'')+)'?!G:G,\"(used-[A-D])\",", formula):
        for row in wb[sheet.replace("''", "'")].iter_rows(values_only=True):
            if len(row) > 6 and row[6] == grade:
                total += Decimal(str(row[4]))
    return total


def test_trade_in_stock_at_cost_sums_every_inventory_sheet_of_a_long_inventory(shop, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    from storectl.services.books import xlsx

    codes = tmp_path / "codes.txt"
    codes.write_text("".join(f"SNLONG{i:04d}\n" for i in range(40)))
    ok("stock", "in", "--store", "SZ01", "--sku", "MBA13", "--cost", "5000", "--file", str(codes), env=at("11-02"))
    for n, (grade, price) in enumerate((("A", "3100"), ("B", "2800"), ("D", "900"))):
        ok("tradein", f"F2LXLONG0{n}", "--sku", "MBA13", "--grade", grade, "--price", price, "--store", "SZ02", "--staff", "E002",
           env=at("11-03"))  # SZ02 sorts after SZ01's 40 units: these rows land on a continuation sheet
    monkeypatch.setattr(xlsx, "SHEET_ROWS", 30)
    result = ok("report", "month", "2026-11", "--out", str(tmp_path / "m.xlsx"), env=at("12-03"))
    formulas, cached = load_workbook(result["path"]), load_workbook(result["path"], data_only=True)
    inventory = [t for t in formulas.sheetnames if t.startswith("Inventory")]
    assert len(inventory) >= 2, formulas.sheetnames
    assert not any(len(r) > 6 and str(r[6]).startswith("used-") for r in formulas["Inventory"].iter_rows(values_only=True))
    label, formula = formulas["Summary"]["A21"].value, formulas["Summary"]["B21"].value
    assert label.startswith("回收库存") and all(f"'{t}'!G:G" in formula or f"{t}!G:G" in formula for t in inventory), formula
    assert _money(cached["Summary"]["B21"].value) == _money(6800) == _summed_sumifs(formulas, formula)
