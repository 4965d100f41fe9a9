"""Commission (SPEC §12): partners and referral chains, rules, lines earned in the sale, returns
reversing exactly the returned share, statements, payouts paid once, the report, db check."""

from __future__ import annotations

import json

import pytest
from conftest import fails, imei, ok, run, run_process
from test_sell import put_qty, put_units

LATER = {"STORECTL_NOW": "2026-11-20T10:00:00+08:00"}  # 18 days on: lines of 2 Nov are payable
PHONES = ("13911110001", "13911110002", "13911110003", "13911110004")


def _phone(n: int = 0, cost: str = "7000") -> str:
    code = imei(f"3569380356{n:04d}")
    put_units("IP17P", "SZ01", f"{code},{imei(f'3569380357{n:04d}')},SNC{n:04d}", cost=cost)
    return code


def _amounts(rows: list[dict]) -> dict:
    return {(r["earner"], r["role"]): r["amount"] for r in rows}


# --- partners and referrers -------------------------------------------------------------------


def test_a_member_can_be_referred_by_a_partner_or_a_member_and_shows_who(shop):
    ok("partner", "add", "P-WY01", "万科物业 李经理")
    ok("member", "add", PHONES[0], "--referrer", "P-WY01")
    ok("member", "add", PHONES[1], "--referrer", PHONES[0])
    assert ok("member", "show", PHONES[0])["referrer"] == "P-WY01"
    assert ok("member", "show", PHONES[1])["referrer"] == PHONES[0]
    assert ok("partner", "show", "P-WY01")["members"] == [PHONES[0]]
    ok("partner", "add", "P-ZX02", "家美装饰 装修公司", "--referrer", "P-WY01")
    assert ok("partner", "show", "P-ZX02")["referrer"] == "P-WY01"
    assert [p["code"] for p in ok("partner", "list")] == ["P-WY01", "P-ZX02"]


def test_a_referral_loop_or_a_self_referral_is_refused_and_changes_nothing(shop):
    ok("member", "add", PHONES[0])
    ok("member", "add", PHONES[1], "--referrer", PHONES[0])
    ok("member", "add", PHONES[2], "--referrer", PHONES[1])
    assert "loop" in fails("invalid_input", "member", "set-referrer", PHONES[0], PHONES[2])["message"]
    assert "themselves" in fails("invalid_input", "member", "set-referrer", PHONES[0], PHONES[0])["message"]
    assert ok("member", "show", PHONES[0])["referrer"] is None
    # partners too: a partner referred by a member cannot become that member's referrer's referrer
    ok("partner", "add", "P-1", "甲", "--referrer", PHONES[2])
    assert "loop" in fails("invalid_input", "member", "set-referrer", PHONES[0], "P-1")["message"]
    fails("not_found", "member", "set-referrer", PHONES[0], "NOBODY")


def test_a_partner_code_cannot_be_a_staff_code_or_taken_twice(shop):
    fails("conflict", "partner", "add", "E002", "冒名")
    ok("partner", "add", "P-1", "甲")
    fails("conflict", "partner", "add", "P-1", "乙")


def test_a_scanned_partner_code_records_the_partner_as_referrer(shop):
    ok("partner", "add", "P-WY01", "万科物业 李经理")
    code = ok("qr", "partner", "P-WY01")
    assert code["payload"] == "https://m.storectl.cn/join?ref=P-WY01"
    joined = ok("member", "add", PHONES[0], "--via", code["payload"])
    assert joined["referrer"] == "P-WY01"
    fails("invalid_input", "member", "add", PHONES[1], "--via", "https://m.storectl.cn/join?ref=NOBODY")
    assert all(m["phone"] != PHONES[1] for m in ok("member", "list"))


# --- rules and lines --------------------------------------------------------------------------


def test_the_most_specific_valid_rule_wins_and_each_line_names_it(shop):
    ok("commission", "rule", "add", "--all", "--role", "seller", "--pct", "1")
    cat = ok("commission", "rule", "add", "--category", "手机", "--role", "seller", "--pct", "2")
    sku = ok("commission", "rule", "add", "--sku", "IP17P", "--role", "seller", "--amount", "50",
             "--from", "2026-11-10")  # not valid yet
    put_qty("00123", "SZ01", 10)
    code = _phone()
    ok("sell", "--store", "SZ01", "--staff", "E002", code, "00123:2", "--pay", "cash=9077")
    lines = {l["line"]: l for l in ok("commission", "list", "--sale", "S-000001")}
    assert (lines[1]["rule"], lines[1]["amount"], lines[1]["base"]) == (cat["id"], "179.98", "8999.00")
    assert (lines[2]["rule"], lines[2]["amount"]) == (1, "0.78")
    assert lines[1]["earner"] == "E002" and lines[1]["role"] == "seller" and lines[1]["status"] == "pending"
    # from 10 November the SKU rule is valid and wins: per unit
    code2 = _phone(1)
    ok("sell", "--store", "SZ01", "--staff", "E002", code2, "--pay", "cash=8999", env={"STORECTL_NOW": "2026-11-10T10:00:00+08:00"})
    [line] = ok("commission", "list", "--sale", "S-000002")
    assert (line["rule"], line["amount"]) == (sku["id"], "50.00")
    assert [r["id"] for r in ok("commission", "rule", "list")] == [1, cat["id"], sku["id"]]
    ok("commission", "rule", "remove", str(sku["id"]))
    assert sku["id"] not in [r["id"] for r in ok("commission", "rule", "list")]
    fails("conflict", "commission", "rule", "remove", str(sku["id"]))
    fails("not_found", "commission", "rule", "remove", "99")


def test_commission_rounds_half_up_to_the_fen(shop):
    ok("commission", "rule", "add", "--sku", "00123", "--role", "seller", "--pct", "2.5")
    put_qty("00123", "SZ01", 10)
    ok("price", "set", "00123", "0.5")
    ok("sell", "--store", "SZ01", "--staff", "E002", "00123:1", "--pay", "cash=0.5")  # 2.5 % of 0.50 = 0.0125 → 0.01
    ok("price", "set", "00123", "0.2")
    ok("sell", "--store", "SZ01", "--staff", "E002", "00123:1", "--pay", "cash=0.2")  # 2.5 % of 0.20 = 0.005 → 0.01
    assert [l["amount"] for l in ok("commission", "list")] == ["0.01", "0.01"]


def test_profit_based_commission_on_a_loss_earns_zero_never_less(shop):
    ok("commission", "rule", "add", "--all", "--role", "seller", "--pct", "10", "--base", "profit")
    code = _phone(cost="9500")
    ok("sell", "--store", "SZ01", "--staff", "E002", code, "--pay", "cash=8999")
    [line] = ok("commission", "list")
    assert (line["base"], line["amount"]) == ("-501.00", "0.00")


def test_three_levels_of_referrers_earn_and_the_fourth_earns_nothing(shop):
    ok("partner", "add", "P-TOP", "顶层合作方")
    ok("member", "add", PHONES[0], "--referrer", "P-TOP")
    ok("member", "add", PHONES[1], "--referrer", PHONES[0])
    ok("member", "add", PHONES[2], "--referrer", PHONES[1])
    ok("member", "add", PHONES[3], "--referrer", PHONES[2])
    for role, pct in (("ref1", "3"), ("ref2", "2"), ("ref3", "1")):
        ok("commission", "rule", "add", "--all", "--role", role, "--pct", pct)
    code = _phone()
    ok("sell", "--store", "SZ01", "--staff", "E002", code, "--customer", PHONES[3], "--pay", "cash=8999")
    got = _amounts(ok("commission", "list"))
    assert got == {(PHONES[2], "ref1"): "269.97", (PHONES[1], "ref2"): "179.98", (PHONES[0], "ref3"): "89.99"}
    assert "P-TOP" not in {e for e, _ in got}  # the fourth level
    # a buyer without referrer earns nobody anything; no seller rule: no seller line
    ok("sell", "--store", "SZ01", "--staff", "E002", _phone(1), "--pay", "cash=8999")
    assert ok("commission", "list", "--sale", "S-000002") == []


def test_rules_are_manager_input_checked(shop):
    fails("invalid_input", "commission", "rule", "add", "--role", "seller", "--pct", "1")
    fails("invalid_input", "commission", "rule", "add", "--all", "--sku", "IP17P", "--role", "seller", "--pct", "1")
    fails("invalid_input", "commission", "rule", "add", "--all", "--role", "boss", "--pct", "1")
    fails("invalid_input", "commission", "rule", "add", "--all", "--role", "seller")
    fails("invalid_input", "commission", "rule", "add", "--all", "--role", "seller", "--pct", "1", "--amount", "5")
    fails("invalid_input", "commission", "rule", "add", "--all", "--role", "seller", "--pct", "101")
    fails("invalid_input", "commission", "rule", "add", "--all", "--role", "seller", "--pct", "1.234")
    negative = fails("invalid_input", "commission", "rule", "add", "--all", "--role", "seller", "--amount", "-5")
    assert negative["message"] == "--amount '-5' cannot be negative"  # the value named once
    fails("invalid_input", "commission", "rule", "add", "--all", "--role", "seller", "--amount", "5", "--base", "profit")
    fails("not_found", "commission", "rule", "add", "--sku", "NOPE", "--role", "seller", "--pct", "1")
    assert ok("commission", "rule", "list") == []


# --- status, statements, payouts --------------------------------------------------------------


def _seller_sale(n: int = 0, **kw) -> str:
    code = _phone(n)
    ok("sell", "--store", "SZ01", "--staff", "E002", code, "--pay", "cash=8999", **kw)
    return code


def test_lines_are_pending_for_the_hold_days_then_payable_and_pending_lines_are_never_paid(shop):
    ok("commission", "rule", "add", "--all", "--role", "seller", "--amount", "100")
    _seller_sale()
    assert ok("commission", "list")[0]["status"] == "pending"
    assert "pending" in fails("conflict", "commission", "pay", "E002")["message"]
    day7 = {"STORECTL_NOW": "2026-11-08T23:59:00+08:00"}
    day8 = {"STORECTL_NOW": "2026-11-09T00:00:00+08:00"}
    assert ok("commission", "list", env=day7)[0]["status"] == "pending"
    assert ok("commission", "list", env=day8)[0]["status"] == "payable"
    _seller_sale(1, env=day8)  # a new sale, pending until 16 November
    assert ok("commission", "payable", env=day8) == [
        {"earner": "E002", "kind": "staff", "name": "李娜", "payable": "100.00", "lines": 1, "pending": "100.00"}]
    paid = ok("commission", "pay", "E002", "--method", "transfer", env=day8)
    assert (paid["id"], paid["amount"], paid["lines"], paid["method"]) == ("CP-000001", "100.00", 1, "transfer")
    assert [l["status"] for l in ok("commission", "list", env=day8)] == ["paid", "pending"]
    assert "pending" in fails("conflict", "commission", "pay", "E002", env=day8)["message"]
    assert any("CP-000001" in json.dumps(e, ensure_ascii=False) for e in ok("audit", "--limit", "5", env=day8))


def test_the_hold_is_a_setting(shop):
    ok("config", "set", "commission.hold_days", "0")
    ok("commission", "rule", "add", "--all", "--role", "seller", "--amount", "100")
    _seller_sale()
    assert ok("commission", "list")[0]["status"] == "payable"


def test_a_return_before_payout_shrinks_what_is_owed_by_exactly_the_returned_share(shop):
    ok("commission", "rule", "add", "--sku", "00123", "--role", "seller", "--pct", "3")
    put_qty("00123", "SZ01", 10)
    ok("sell", "--store", "SZ01", "--staff", "E002", "00123:3", "--pay", "cash=117")  # 3 % of 117 = 3.51
    ok("return", "S-000001", "00123:1")  # a third: 1.17
    ok("return", "S-000001", "00123:1")  # two thirds: 2.34 in all
    amounts = [l["amount"] for l in ok("commission", "list")]
    assert amounts == ["3.51", "-1.17", "-1.17"]
    ok("return", "S-000001")  # the rest: all of it
    assert sum(float(a) for a in [l["amount"] for l in ok("commission", "list")]) == 0
    assert ok("commission", "payable", env=LATER)[0]["payable"] == "0.00"
    ok("db", "check")


def test_a_return_after_payout_is_a_clawback_the_next_payout_nets(shop):
    ok("commission", "rule", "add", "--all", "--role", "seller", "--amount", "100")
    code = _seller_sale()
    assert ok("commission", "pay", "E002", env=LATER)["amount"] == "100.00"
    later = {"STORECTL_NOW": "2026-11-21T10:00:00+08:00"}
    ok("return", "S-000001", code, env=later)
    claw = [l for l in ok("commission", "list", env=later) if l["amount"].startswith("-")]
    assert [(l["amount"], l["status"], l["doc"]) for l in claw] == [("-100.00", "payable", "RT-000001")]
    # alone, the clawback makes a negative total: refused, nothing changes
    assert "below zero" in fails("conflict", "commission", "pay", "E002", env=later)["message"]
    assert ok("commission", "payable", env=later)[0]["payable"] == "-100.00"
    # two new sales later, the next payout nets the clawback off
    _seller_sale(1, env=later)
    _seller_sale(2, env=later)
    due = {"STORECTL_NOW": "2026-11-30T10:00:00+08:00"}
    paid = ok("commission", "pay", "E002", env=due)
    assert (paid["amount"], paid["lines"]) == ("100.00", 3)
    st = ok("commission", "statement", "E002", env=due)
    assert (st["opening"], st["earned"], st["paid"], st["closing"]) == ("0.00", "200.00", "200.00", "0.00")
    assert [(l["doc"], l["amount"], l["status"]) for l in st["lines"]] == [
        ("S-000001", "100.00", "paid"), ("RT-000001", "-100.00", "paid"), ("S-000002", "100.00", "paid"),
        ("S-000003", "100.00", "paid")]
    ok("db", "check", env=due)


def test_a_statement_for_a_period_carries_the_opening_balance(shop):
    ok("commission", "rule", "add", "--all", "--role", "seller", "--amount", "100")
    _seller_sale()
    ok("commission", "pay", "E002", env=LATER)
    _seller_sale(1, env={"STORECTL_NOW": "2026-12-01T10:00:00+08:00"})
    dec = ok("commission", "statement", "E002", "-p", "2026-12", env={"STORECTL_NOW": "2026-12-02T10:00:00+08:00"})
    assert (dec["opening"], dec["earned"], dec["paid"], dec["closing"]) == ("0.00", "100.00", "0.00", "100.00")
    assert [(l["date"], l["doc"], l["role"], l["status"]) for l in dec["lines"]] == [("2026-12-01", "S-000002", "seller", "pending")]
    nov = ok("commission", "statement", "E002", "-p", "2026-11", env={"STORECTL_NOW": "2026-12-02T10:00:00+08:00"})
    assert (nov["opening"], nov["paid"], nov["closing"]) == ("0.00", "100.00", "0.00")


def test_paying_is_manager_only_once_a_manager_has_a_pin(shop):
    ok("commission", "rule", "add", "--all", "--role", "seller", "--amount", "100")
    _seller_sale()
    ok("staff", "set-pin", "E001", env={"STORECTL_NEW_PIN": "246810"})
    fails("forbidden", "commission", "pay", "E002", env={**LATER, "STORECTL_OPERATOR": "E002"})
    ok("commission", "pay", "E002", env={**LATER, "STORECTL_OPERATOR": "E001", "STORECTL_PIN": "246810"})


def test_partners_and_members_are_earners_found_by_code_or_phone(shop):
    ok("partner", "add", "P-ZX02", "家美装饰 装修公司")
    ok("member", "add", PHONES[0], "--referrer", "P-ZX02")
    ok("member", "add", PHONES[1], "--referrer", PHONES[0])
    ok("commission", "rule", "add", "--all", "--role", "ref1", "--pct", "1")
    ok("commission", "rule", "add", "--all", "--role", "ref2", "--amount", "20")
    code = _phone()
    ok("sell", "--store", "SZ01", "--staff", "E002", code, "--customer", PHONES[1], "--pay", "cash=8999")
    assert ok("commission", "statement", PHONES[0])["closing"] == "89.99"
    assert ok("commission", "statement", "P-ZX02")["closing"] == "20.00"
    assert ok("commission", "pay", "P-ZX02", env=LATER)["amount"] == "20.00"
    fails("not_found", "commission", "statement", "NOBODY")
    report = ok("report", "commission", "-p", "2026-11", env=LATER)
    assert {(r["earner"], r["role"], r["amount"]) for r in report} == {(PHONES[0], "ref1", "89.99"), ("P-ZX02", "ref2", "20.00")}


def test_two_processes_paying_the_same_earner_at_once_pay_each_line_once(shop):
    ok("commission", "rule", "add", "--all", "--role", "seller", "--amount", "100")
    for n in range(3):
        _seller_sale(n)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: run_process("commission", "pay", "E002", "--json", env=LATER), range(2)))
    docs = [json.loads(r.stdout) for r in results]
    paid = [d for d in docs if "id" in d]
    assert len(paid) == 1 and paid[0]["amount"] == "300.00", docs
    assert [d["error"]["code"] for d in docs if "error" in d] == ["conflict"]
    assert all(l["payout"] == paid[0]["id"] for l in ok("commission", "list", env=LATER))
    ok("db", "check", env=LATER)


def test_db_check_finds_a_payout_that_does_not_equal_its_lines(shop):
    ok("commission", "rule", "add", "--all", "--role", "seller", "--amount", "100")
    _seller_sale()
    ok("commission", "pay", "E002", env=LATER)
    from sqlalchemy import update

    from storectl.models import CommissionLine, CommissionPayout
    from test_sell import _db

    with _db().write("test") as s:
        s.execute(update(CommissionPayout).values(amount_cents=5000))
    problems = run("db", "check", "--json", env=LATER)
    assert problems.code == 1 and "commission_payout" in problems.stdout
    with _db().write("test") as s:
        s.execute(update(CommissionPayout).values(amount_cents=10000))
        s.execute(update(CommissionLine).values(amount_cents=9000))
    problems = run("db", "check", "--json", env=LATER)
    assert problems.code == 1 and "commission_trace" in problems.stdout


def test_db_check_finds_a_return_that_reverses_the_wrong_share_or_the_wrong_line(shop):
    ok("commission", "rule", "add", "--all", "--role", "seller", "--amount", "100")
    _seller_sale(0)
    _seller_sale(1)
    ok("return", "S-000001")
    ok("db", "check")
    from sqlalchemy import update

    from storectl.models import CommissionLine, ReturnLine
    from test_sell import _db

    with _db().write("test") as s:  # the clawback takes back less than the returned share
        s.execute(update(CommissionLine).where(CommissionLine.return_line_id.is_not(None)).values(amount_cents=-9000))
    problems = run("db", "check", "--json")
    assert problems.code == 1 and "commission_returns" in problems.stdout and "commission_trace" not in problems.stdout
    with _db().write("test") as s:  # the right amount, but pinned on the other sale's line
        other = s.execute(update(CommissionLine).where(CommissionLine.return_line_id.is_not(None))
                          .values(amount_cents=-10000)).rowcount
        s.execute(update(ReturnLine).values(sale_line_id=ReturnLine.sale_line_id + 1))
    problems = run("db", "check", "--json")
    assert other == 1 and problems.code == 1 and "commission_trace" in problems.stdout


def test_a_sale_without_rules_writes_no_commission(shop):
    _seller_sale()
    assert ok("commission", "list") == [] and ok("commission", "payable") == []


# --- the month-end workbook -------------------------------------------------------------------


@pytest.mark.skipif(__import__("shutil").which("soffice") is None, reason="LibreOffice is not installed")
def test_the_workbook_has_a_commission_sheet_and_the_summary_equals_it_after_recalculation(shop, tmp_path):
    from decimal import Decimal

    from conftest import recalculated

    ok("commission", "rule", "add", "--all", "--role", "seller", "--pct", "2")
    ok("commission", "rule", "add", "--all", "--role", "ref1", "--amount", "30")
    ok("member", "add", PHONES[0])
    ok("member", "add", PHONES[1], "--referrer", PHONES[0])
    code = _phone(0)
    ok("sell", "--store", "SZ01", "--staff", "E002", code, "--customer", PHONES[1], "--pay", "cash=8999")  # 179.98 + 30
    ok("sell", "--store", "SZ01", "--staff", "E003", _phone(1), "--pay", "cash=8999")  # 179.98
    ok("commission", "pay", "E002", env=LATER)
    ok("return", "S-000001", env=LATER)  # −209.98: clawbacks
    result = ok("report", "month", "2026-11", "--out", str(tmp_path), env={"STORECTL_NOW": "2026-12-03T10:00:00+08:00"})
    wb = recalculated(result["path"], tmp_path)
    rows = list(wb["Commission"].iter_rows(values_only=True))
    assert rows[0][:3] == ("日期 Date", "单据 Document", "提成人 Earner")
    data = [r for r in rows[1:] if r[0] != "合计 Total"]
    assert sorted((r[1], r[2], r[4], Decimal(str(r[8])).quantize(Decimal("0.01"))) for r in data) == sorted([
        ("S-000001", "E002", "seller", Decimal("179.98")), ("S-000001", PHONES[0], "ref1", Decimal("30.00")),
        ("S-000002", "E003", "seller", Decimal("179.98")),
        ("RT-000001", "E002", "seller", Decimal("-179.98")), ("RT-000001", PHONES[0], "ref1", Decimal("-30.00"))])
    total = [r for r in rows if r[0] == "合计 Total"][0]
    assert Decimal(str(total[8])).quantize(Decimal("0.01")) == Decimal("179.98")
    summary = {str(r[0]).split(" ")[0]: r[1] for r in wb["Summary"].iter_rows(min_row=5, max_row=20, values_only=True) if r[0]}
    assert Decimal(str(summary["佣金"])).quantize(Decimal("0.01")) == Decimal("179.98")
    profit = Decimal(str(summary["毛利"])) - Decimal("179.98")
    assert Decimal(str(summary["佣金后利润"])).quantize(Decimal("0.01")) == profit.quantize(Decimal("0.01"))
    assert ok("report", "commission", "-p", "2026-11", env=LATER) and sum(
        Decimal(r["amount"]) for r in ok("report", "commission", "-p", "2026-11", env=LATER)) == Decimal("179.98")
