"""After-sales (SPEC §11, issue 19): warranty by any code, service tickets, parts, exchanges,
paid repairs, the customer's progress code, and warranty cost in every report and the month end."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import fails, imei, ok, recalculated, run

P1 = [imei("35693803564380"), imei("35693803564381"), "F2LXK9J3Q1"]
P2 = [imei("35693803564382"), imei("35693803564383"), "F2LXK9J3Q2"]
P3 = [imei("35693803564384"), imei("35693803564385"), "F2LXK9J3Q3"]


def at(day: str, time: str = "11:00") -> dict:
    return {"STORECTL_NOW": f"2026-{day}T{time}:00+08:00"}


@pytest.fixture
def sold(shop):
    """Three iPhones in SZ01 (¥7,200, ¥7,100 and ¥7,300), screens in stock, one phone sold on 3 Nov
    by E002 to C002 (陈晓燕, 13800138000)."""
    e = at("11-01", "09:00")
    ok("stock", "in", "--store", "SZ01", "--sku", "IP17P", "--cost", "7200", "--supplier", "SUP01", ",".join(P1), env=e)
    ok("stock", "in", "--store", "SZ01", "--sku", "IP17P", "--cost", "7100", "--supplier", "SUP01", ",".join(P2), env=e)
    ok("stock", "in", "--store", "SZ01", "--sku", "IP17P", "--cost", "7300", "--supplier", "SUP01", ",".join(P3), env=e)
    ok("product", "add", "SCR17P", "iPhone 17 Pro 屏幕总成", "--category", "配件", "--price", "900", "--no-serial", env=e)
    ok("stock", "in", "--store", "SZ01", "--sku", "SCR17P", "--cost", "450", "--qty", "4", env=e)
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", "--customer", "C002", P1[0], "--pay", "wechat=8999", env=at("11-03"))
    return sale


def staff_row(period: str = "2026-11", who: str = "E002", env: dict | None = None) -> dict:
    return {r["staff"]: r for r in ok("report", "staff", "-p", period, env=env or at("11-30"))}[who]


# --- warranty ---------------------------------------------------------------------------------


def test_warranty_runs_from_the_sales_shop_calendar_day_for_the_products_months(shop):
    ok("stock", "in", "--store", "SZ01", "--sku", "IP17P", "--cost", "7200", ",".join(P1), env=at("11-01"))
    # 00:30 on 4 Nov in Shenzhen is still 3 Nov in UTC: the shop's day counts
    ok("sell", "--store", "SZ01", "--staff", "E002", P1[1], "--pay", "cash=8999", env=at("11-04", "00:30"))
    w = ok("warranty", P1[2], env=at("11-10"))
    assert w["status"] == "in_warranty" and w["warranty_until"] == "2027-11-04"
    assert w["unit"] == P1[0] and w["sku"] == "IP17P" and w["sale"] == "S-000001" and w["days_left"] == 359
    assert w["tickets"] == [] and w["customer"] is None
    late = run("warranty", P1[0], "--json", env={"STORECTL_NOW": "2027-11-05T09:00:00+08:00"})
    assert late.code == 0 and late.json["status"] == "expired" and late.json["days_left"] is None
    last = run("warranty", P1[0], "--json", env={"STORECTL_NOW": "2027-11-04T23:00:00+08:00"})
    assert last.json["status"] == "in_warranty" and last.json["days_left"] == 0


def test_an_unsold_unit_and_a_product_without_warranty_say_so(shop):
    ok("product", "add", "RM13", "Redmi Note 13", "--price", "1299", "--codes", "IMEI1", env=at("11-01"))
    ok("stock", "in", "--store", "SZ01", "--sku", "RM13", "--cost", "900", imei("86012345678901"), env=at("11-01"))
    ok("stock", "in", "--store", "SZ01", "--sku", "IP17P", "--cost", "7200", ",".join(P1), env=at("11-01"))
    assert ok("warranty", P1[1])["status"] == "not_sold"
    ok("sell", "--store", "SZ01", "--staff", "E002", imei("86012345678901"), "--pay", "cash=1299")
    w = ok("warranty", imei("86012345678901"))
    assert w["status"] == "no_warranty" and w["warranty_until"] is None
    fails("not_found", "warranty", "000000000000000")


def test_a_used_unit_has_the_used_warranty_for_warranty_lookups_and_tickets(shop):
    ok("tradein", ",".join(P1), "--sku", "IP17P", "--grade", "B", "--price", "2800", "--store", "SZ01", "--pay", "cash", env=at("11-01"))
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", P1[0], "--price", f"{P1[0]}=3500", "--pay", "cash=3500", env=at("11-02"))
    assert sale["lines"][0]["warranty_until"] == "2027-02-02"  # what the receipt says: 3 months, not the product's 12
    w = ok("warranty", P1[1], env=at("11-10"))
    assert w["status"] == "in_warranty" and w["warranty_until"] == "2027-02-02"
    late = {"STORECTL_NOW": "2027-03-01T11:00:00+08:00"}
    assert ok("warranty", P1[0], env=late)["status"] == "expired"
    t = ok("service", "open", P1[0], "--problem", "屏幕碎裂", "--store", "SZ01", "--staff", "E002", env=late)
    assert t["under_warranty"] is False and t["warranty_until"] == "2027-02-02"


def test_used_units_sold_without_warranty_have_none_anywhere(shop):
    ok("config", "set", "warranty.used_months", "0", env=at("11-01"))
    ok("tradein", ",".join(P1), "--sku", "IP17P", "--grade", "C", "--price", "2500", "--store", "SZ01", "--pay", "cash", env=at("11-01"))
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", P1[0], "--price", f"{P1[0]}=3000", "--pay", "cash=3000", env=at("11-02"))
    assert sale["lines"][0]["warranty_until"] is None
    assert ok("sn", "show", P1[0], env=at("11-02"))["warranty_until"] is None
    assert ok("warranty", P1[0], env=at("11-02"))["status"] == "no_warranty"
    t = ok("service", "open", P1[0], "--problem", "不开机", "--store", "SZ01", "--staff", "E002", env=at("11-02"))
    assert t["under_warranty"] is False


def test_a_return_ends_the_warranty_and_a_resale_starts_a_new_one(sold):
    ok("return", sold["id"], "--refund", "cash", env=at("11-05"))
    assert ok("warranty", P1[0], env=at("11-06"))["status"] == "not_sold"
    ok("sell", "--store", "SZ01", "--staff", "E002", P1[0], "--pay", "cash=8999", env=at("11-20"))
    w = ok("warranty", P1[0], env=at("11-21"))
    assert w["status"] == "in_warranty" and w["warranty_until"] == "2027-11-20" and w["sale"] == "S-000002"


# --- tickets ----------------------------------------------------------------------------------


def test_a_ticket_records_warranty_at_opening_and_its_dated_audited_timeline(sold):
    t = ok("service", "open", P1[1], "--problem", "屏幕碎裂 cracked screen", "--store", "SZ01", "--staff", "E002", env=at("11-10"))
    assert t["id"] == "SV-000001" and t["under_warranty"] is True and t["warranty_until"] == "2027-11-03"
    assert t["customer"] == "C002" and t["unit"] == P1[0] and t["status"] == "open"
    ok("service", "update", "SV-000001", "--status", "in_repair", "--technician", "E003", "--note", "换屏", env=at("11-10", "14:00"))
    shown = ok("service", "show", "SV-000001", env=at("11-11"))
    assert [s["status"] for s in shown["timeline"]] == ["open", "in_repair"]
    assert shown["timeline"][1]["at"] == "2026-11-10T14:00:00+08:00" and shown["technician"] == "E003"
    audited = [(a["command"], a["docs"]) for a in ok("audit") if "SV-000001" in a["docs"]]
    assert audited == [("service open", ["SV-000001"]), ("service update", ["SV-000001"])]
    listed = ok("service", "list", "--open", "--technician", "E003")
    assert [r["id"] for r in listed] == ["SV-000001"]
    fails("invalid_input", "service", "update", "SV-000001", "--status", "fixed")
    fails("not_found", "service", "show", "SV-000009")


def test_tickets_are_for_units_customers_bring_back_one_open_ticket_at_a_time(sold):
    fails("conflict", "service", "open", P2[0], "--problem", "x", "--store", "SZ01", "--staff", "E002")  # still in stock
    ok("service", "open", P1[0], "--problem", "不开机", "--store", "SZ01", "--staff", "E002", env=at("11-10"))
    fails("conflict", "service", "open", P1[0], "--problem", "again", "--store", "SZ01", "--staff", "E002", env=at("11-10"))
    fails("invalid_input", "service", "open", P1[0], "--problem", "  ", "--store", "SZ01", "--staff", "E002")


def test_a_unit_on_an_open_ticket_cannot_be_returned_until_the_ticket_is_closed(sold):
    ok("service", "open", P1[0], "--problem", "屏幕闪烁", "--store", "SZ01", "--staff", "E002", env=at("11-10"))
    err = fails("conflict", "return", sold["id"], env=at("11-11"))
    assert "SV-000001" in err["message"] and "service close SV-000001" in err["hint"]
    assert ok("sn", "show", P1[0], env=at("11-11"))["status"] == "sold"
    ok("service", "close", "SV-000001", env=at("11-12"))
    ok("return", sold["id"], env=at("11-12"))
    assert run("db", "check", env=at("11-12")).code == 0


def test_parts_under_warranty_leave_stock_at_their_cost_and_are_warranty_cost(sold):
    before = staff_row()
    ok("service", "open", P1[0], "--problem", "屏幕碎裂", "--store", "SZ01", "--staff", "E002", env=at("11-10"))
    t = ok("service", "part", "SV-000001", "SCR17P:1", env=at("11-10"))
    assert t["parts"] == [{"sku": "SCR17P", "unit": None, "qty": 1, "cost": "450.00", "warranty": True}]
    assert t["warranty_cost"] == "450.00"
    levels = {(r["store"], r["sku"]): r["qty"] for r in ok("stock", "levels", "--store", "SZ01")}
    assert levels[("SZ01", "SCR17P")] == 3
    after = staff_row()
    assert after["revenue"] == before["revenue"] == "8999.00" and after["sales"] == before["sales"] == 1
    assert after["units"] == before["units"] == 1
    assert Decimal(after["cost"]) - Decimal(before["cost"]) == Decimal("450.00")
    assert ok("report", "stores", "-p", "2026-11", env=at("11-30"))[0]["profit"] == "1349.00"
    assert {r["sku"]: r for r in ok("report", "products", "-p", "2026-11", env=at("11-30"))}["SCR17P"]["cost"] == "450.00"
    assert ok("report", "daily", "--date", "2026-11-10", env=at("11-30"))["total"]["cost"] == "450.00"
    assert ok("db", "check")["ok"] is True


def test_bad_parts_change_nothing(sold):
    ok("service", "open", P1[0], "--problem", "屏幕碎裂", "--store", "SZ01", "--staff", "E002", env=at("11-10"))
    fails("not_found", "service", "part", "SV-000001", "SCR17P:1", "NOPE:1")
    fails("insufficient_stock", "service", "part", "SV-000001", "SCR17P:9")
    assert ok("service", "show", "SV-000001")["parts"] == []
    assert {r["sku"]: r["qty"] for r in ok("stock", "levels", "--store", "SZ01")}["SCR17P"] == 4
    assert len(ok("service", "show", "SV-000001")["timeline"]) == 1


def test_an_exchange_keeps_the_original_sale_and_gives_the_replacement_the_same_warranty_end(sold):
    before = staff_row()
    ok("service", "open", P1[0], "--problem", "开箱即损 dead on arrival", "--store", "SZ01", "--staff", "E002", env=at("11-05"))
    t = ok("service", "exchange", "SV-000001", P2[2], env=at("11-05", "12:00"))
    assert t["replacement"] == P2[0] and t["warranty_cost"] == "-100.00"  # 7,100 − 7,200: the replacement cost less
    faulty, new = ok("sn", "show", P1[0]), ok("sn", "show", P2[0])
    assert faulty["status"] == "faulty" and [h["kind"] for h in faulty["history"]] == ["in", "sale", "exchange_in"]
    assert new["status"] == "sold" and [h["kind"] for h in new["history"]] == ["in", "exchange_out"]
    assert new["warranty_until"] == "2027-11-03"
    w = ok("warranty", P2[1], env=at("11-06"))
    assert w["status"] == "in_warranty" and w["warranty_until"] == "2027-11-03" and w["exchanged_on"] == "SV-000001"
    assert w["sale"] == sold["id"] and w["tickets"] == ["SV-000001"]
    sale = ok("sale", "show", sold["id"])
    assert sale["total"] == "8999.00" and sale["lines"][0]["staff"] == "E002"
    after = staff_row()
    assert after["revenue"] == "8999.00" and after["sales"] == 1 and after["units"] == 1
    assert Decimal(after["cost"]) - Decimal(before["cost"]) == Decimal("-100.00")
    human = run("sn", "show", P1[0]).stdout
    assert "exchanged back faulty" in human and "SV-000001" in human
    assert "given on exchange" in run("sn", "show", P2[0]).stdout
    assert ok("db", "check")["ok"] is True


def test_an_exchange_refuses_another_sku_a_unit_elsewhere_and_a_second_exchange(sold):
    ok("stock", "in", "--store", "SZ01", "--sku", "MBA13", "--cost", "6500", "SNMBA000A", env=at("11-01"))
    ok("service", "open", P1[0], "--problem", "DOA", "--store", "SZ01", "--staff", "E002", env=at("11-05"))
    fails("invalid_input", "service", "exchange", "SV-000001", "SNMBA000A")
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", P3[0])
    fails("conflict", "service", "exchange", "SV-000001", P3[0])
    assert ok("sn", "show", P1[0])["status"] == "sold" and ok("sn", "show", P3[0])["status"] == "in_transit"
    ok("service", "exchange", "SV-000001", P2[0])
    fails("conflict", "service", "exchange", "SV-000001", P3[0])


def test_a_faulty_unit_goes_back_to_its_supplier_or_is_repaired_into_stock(sold):
    ok("sell", "--store", "SZ01", "--staff", "E002", P3[0], "--pay", "cash=8999", env=at("11-04"))
    ok("service", "open", P1[0], "--problem", "DOA", "--store", "SZ01", "--staff", "E002", env=at("11-05"))
    ok("service", "exchange", "SV-000001", P2[0], env=at("11-05"))
    ok("service", "open", P3[0], "--problem", "DOA", "--store", "SZ01", "--staff", "E002", env=at("11-05"))
    fails("conflict", "stock", "repair", P2[0])  # sold, not faulty
    out = ok("stock", "out", "--reason", "supplier-return", P1[0], env=at("11-06"))
    assert out["status"] == "supplier_returned" and out["units"] == [P1[0]] and out["cost"] == "7200.00"
    assert ok("sn", "show", P1[0])["history"][-1]["kind"] == "faulty_out"
    assert ok("db", "check")["ok"] is True
    # the second phone: exchanged, repaired, and back in stock to be sold again
    ok("service", "update", "SV-000002", "--status", "ready")
    ok("stock", "in", "--store", "SZ01", "--sku", "IP17P", "--cost", "7000", f"{imei('35693803564386')},{imei('35693803564387')},F2LXK9J3Q4", env=at("11-05"))
    ok("service", "exchange", "SV-000002", "F2LXK9J3Q4", env=at("11-05"))
    r = ok("stock", "repair", P3[1], env=at("11-07"))
    assert r["status"] == "in_stock" and r["store"] == "SZ01" and r["ticket"] == "SV-000002"
    assert ok("warranty", P3[0])["status"] == "not_sold"
    assert [u["codes"]["IMEI1"] for u in ok("stock", "list", "--sku", "IP17P", "--status", "in_stock")] == [P3[0]]
    assert ok("db", "check")["ok"] is True


def test_a_paid_repair_is_a_sale_of_its_parts_and_labour(shop):
    ok("product", "add", "RM13", "Redmi Note 13", "--price", "1299", "--codes", "IMEI1", env=at("11-01"))  # no warranty
    ok("product", "add", "BAT-RM13", "Redmi Note 13 电池", "--price", "120", "--no-serial", env=at("11-01"))
    ok("stock", "in", "--store", "SZ01", "--sku", "RM13", "--cost", "900", imei("86012345678901"), env=at("11-01"))
    ok("stock", "in", "--store", "SZ01", "--sku", "BAT-RM13", "--cost", "60", "--qty", "3", env=at("11-01"))
    ok("sell", "--store", "SZ01", "--staff", "E002", imei("86012345678901"), "--pay", "cash=1299", env=at("11-02"))
    before = ok("report", "stores", "-p", "2026-11", env=at("11-30"))[0]
    t = ok("service", "open", imei("86012345678901"), "--problem", "电池鼓包", "--store", "SZ01", "--staff", "E002", env=at("11-12"))
    assert t["under_warranty"] is False
    ok("service", "update", t["id"], "--status", "in_repair", "--technician", "E001", env=at("11-12"))
    ok("service", "part", t["id"], "BAT-RM13", env=at("11-12"))
    fails("conflict", "service", "exchange", t["id"], imei("86012345678901"))  # no exchange out of warranty
    fails("invalid_input", "service", "close", t["id"])  # the paid part needs a charge
    fails("invalid_input", "service", "close", t["id"], "--charge", "180", "--pay", "cash=100")
    closed = ok("service", "close", t["id"], "--charge", "180", "--pay", "wechat=180", env=at("11-13"))
    assert closed["status"] == "closed" and closed["charge"] == "180.00" and closed["warranty_cost"] == "0.00"
    sale = ok("sale", "show", closed["sale"])
    assert sale["total"] == "180.00" and [(line["sku"], line["amount"]) for line in sale["lines"]] == [("BAT-RM13", "60.00"), ("SERVICE", "120.00")]
    after = ok("report", "stores", "-p", "2026-11", env=at("11-30"))[0]
    assert Decimal(after["revenue"]) - Decimal(before["revenue"]) == Decimal("180.00")
    assert Decimal(after["cost"]) - Decimal(before["cost"]) == Decimal("60.00")
    assert after["sales"] == before["sales"] + 1
    staff = {r["staff"]: r for r in ok("report", "staff", "-p", "2026-11", env=at("11-30"))}
    assert staff["E001"]["revenue"] == "180.00"  # the technician's sale
    assert ok("db", "check")["ok"] is True
    fails("conflict", "service", "close", t["id"], "--charge", "180", "--pay", "wechat=180")  # once
    fails("conflict", "return", closed["sale"], env=at("11-14"))  # a paid repair is not returned: SERVICE never becomes stock
    assert "SERVICE" not in {r["sku"] for r in ok("stock", "levels")}


def test_a_ticket_closes_once_and_is_rated_once_from_one_to_five(sold):
    ok("service", "open", P1[0], "--problem", "进水", "--store", "SZ01", "--staff", "E002", env=at("11-10"))
    fails("conflict", "service", "rate", "SV-000001", "5")  # not handed back yet
    ok("service", "close", "SV-000001", env=at("11-11"))
    fails("conflict", "service", "close", "SV-000001")
    fails("conflict", "service", "update", "SV-000001", "--status", "in_repair")
    fails("conflict", "service", "part", "SV-000001", "SCR17P:1")
    r = run("service", "rate", "SV-000001", "6", "--json")
    assert r.code != 0 and ok("service", "show", "SV-000001")["rating"] is None
    rated = ok("service", "rate", "SV-000001", "4", "--comment", "很快", env=at("11-12"))
    assert rated["rating"] == 4 and rated["comment"] == "很快"
    fails("conflict", "service", "rate", "SV-000001", "5")
    assert ok("service", "show", "SV-000001")["rating"] == 4


def test_a_closed_month_refuses_ticket_steps_dated_in_it(sold):
    ok("service", "open", P1[0], "--problem", "屏幕碎裂", "--store", "SZ01", "--staff", "E002", env=at("11-10"))
    ok("period", "close", "2026-11", env=at("12-01"))
    fails("period_closed", "service", "update", "SV-000001", "--status", "in_repair", env=at("11-30"))
    fails("period_closed", "service", "part", "SV-000001", "SCR17P:1", env=at("11-30"))
    fails("period_closed", "service", "open", P1[0], "--problem", "x", "--store", "SZ01", "--staff", "E002", env=at("11-30"))
    ok("service", "part", "SV-000001", "SCR17P:1", env=at("12-02"))  # December is open: the cost counts there
    assert staff_row("2026-12", env=at("12-03"))["cost"] == "450.00"
    assert staff_row("2026-11", env=at("12-03"))["cost"] == "7200.00"


# --- the customer's progress code -------------------------------------------------------------


def test_the_progress_code_shows_state_and_dates_never_names_or_phones(sold):
    ok("config", "set", "qr.base_url", "https://shop.example/s")
    ok("service", "open", P1[0], "--problem", "陈晓燕 13800138000 说屏幕碎裂", "--store", "SZ01", "--staff", "E002", env=at("11-10"))
    ok("service", "update", "SV-000001", "--status", "waiting_parts", "--note", "陈晓燕 13800138000", env=at("11-11"))
    code = ok("qr", "service", "SV-000001")
    assert code["kind"] == "service" and code["payload"].startswith("https://shop.example/s?sv=")
    token = code["payload"].split("sv=")[1]
    assert len(token) >= 20
    status = ok("service", "status", code["payload"])
    assert status == ok("service", "status", token)
    assert status["id"] == "SV-000001" and status["status"] == "waiting_parts"
    assert [s["status"] for s in status["steps"]] == ["open", "waiting_parts"]
    text = str(status) + run("service", "status", token).stdout
    for private in ("陈晓燕", "13800138000", "C002", "E002", "李娜", "tester", "屏幕"):
        assert private not in text
    fails("not_found", "service", "status", "A" * 22)
    fails("invalid_input", "service", "status", "https://shop.example/s?r=abc")


# --- report service and the month end ---------------------------------------------------------


def test_report_service_per_store_and_technician(sold):
    ok("service", "open", P1[0], "--problem", "屏幕碎裂", "--store", "SZ01", "--staff", "E002", env=at("11-10", "10:00"))
    ok("service", "update", "SV-000001", "--status", "in_repair", "--technician", "E003", env=at("11-10", "11:00"))
    ok("service", "part", "SV-000001", "SCR17P:1", env=at("11-10", "12:00"))
    ok("service", "close", "SV-000001", env=at("11-11", "16:00"))
    ok("service", "rate", "SV-000001", "5", env=at("11-11", "16:30"))
    report = ok("report", "service", "-p", "2026-11", env=at("11-30"))
    assert report["period"] == "2026-11"
    assert report["rows"] == [{
        "store": "SZ01", "technician": "E003", "opened": 1, "closed": 1, "median_hours": 30.0, "under_warranty_pct": "100.0",
        "warranty_cost": "450.00", "service_revenue": "0.00", "avg_rating": 5.0, "ratings": 1,
    }]
    assert ok("report", "service", "-p", "2026-10", env=at("11-30"))["rows"] == []
    assert "E003" in run("report", "service", "-p", "2026-11", env=at("11-30")).stdout


def _after_sales_month(sold) -> None:
    ok("service", "open", P1[0], "--problem", "屏幕碎裂", "--store", "SZ01", "--staff", "E002", env=at("11-10"))
    ok("service", "part", "SV-000001", "SCR17P:1", env=at("11-10"))
    ok("service", "exchange", "SV-000001", P3[0], env=at("11-11"))  # 7,300 − 7,200 = +100
    ok("service", "close", "SV-000001", env=at("11-11"))


def test_the_month_end_has_a_service_sheet_and_the_summary_counts_warranty_cost(sold, tmp_path):
    _after_sales_month(sold)
    result = ok("report", "month", "2026-11", "--out", str(tmp_path), env=at("12-03"))
    assert result["revenue"] == "8999.00" and result["cost"] == "7750.00" and result["profit"] == "1249.00"
    wb = load_workbook(result["path"])
    assert "Service" in wb.sheetnames
    rows = [r for r in wb["Service"].iter_rows(min_row=2, values_only=True) if r[1] and str(r[1]).startswith("SV-")]
    assert [(r[4], Decimal(str(r[9]))) for r in rows] == [("part", Decimal("450")), ("exchange", Decimal("100"))]
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=5, max_row=20, values_only=True) if r[0]}
    assert summary["保修成本 Warranty cost"].startswith("=")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_recalculates_the_summary_to_the_detail_sheets_with_warranty_cost(sold, tmp_path):
    _after_sales_month(sold)
    result = ok("report", "month", "2026-11", "--out", str(tmp_path), env=at("12-03"))
    wb = recalculated(result["path"], tmp_path)
    figures = {str(k).split(" ")[0]: v for k, v in (r[:2] for r in wb["Summary"].iter_rows(min_row=5, max_row=20, values_only=True)) if k}
    money = lambda v: Decimal(str(v)).quantize(Decimal("0.01"))  # noqa: E731
    assert money(figures["销售额"]) == Decimal("8999.00")
    assert money(figures["成本"]) == Decimal("7750.00")
    assert money(figures["毛利"]) == Decimal("1249.00")
    assert money(figures["保修成本"]) == Decimal("550.00")
    sales_cost = [r for r in wb["Sales"].iter_rows(values_only=True) if r[0] and str(r[0]).startswith("合计")][0]
    assert money(sales_cost[12]) == Decimal("7750.00")


# --- db check ---------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_db_check_finds_a_faulty_unit_that_came_back_on_no_exchange(sold):
    import os
    import sqlite3

    ok("service", "open", P1[0], "--problem", "DOA", "--store", "SZ01", "--staff", "E002", env=at("11-05"))
    ok("service", "exchange", "SV-000001", P2[0], env=at("11-05"))
    assert ok("db", "check")["ok"] is True
    with sqlite3.connect(os.environ["STORECTL_DB"]) as conn:
        conn.execute("UPDATE service_ticket SET replacement_unit_id = NULL, unit_id = (SELECT unit_id FROM unit_code WHERE code = ?)", (P3[0],))
    r = run("db", "check", "--json")
    checks = {p["check"] for p in r.json["problems"]}
    assert "service_faulty" in checks and "service_unit" in checks
