"""Old customers back (SPEC §13): tags, campaign audiences, export, clicks, leads, the report."""

from __future__ import annotations

import csv
import itertools
import os
import stat

import pytest

from conftest import fails, imei, ok, run

NOW = "2026-11-02T10:00:00+08:00"
_serial = itertools.count(1)


def at(moment: str) -> dict:
    return {"STORECTL_NOW": moment}


def customer(code: str, phone: str | None, name: str = "老客户") -> None:
    ok("customer", "add", code, name, *(["--phone", phone] if phone else []))


def bought(who: str, when: str, sku: str = "IP17P", staff: str = "E002", store: str = "SZ01", price: str = "8999") -> dict:
    """`who` bought one unit of `sku` at `when` (shop time): stock in then, sold then."""
    n = next(_serial)
    codes = f"{imei(f'860000{n:08d}')},{imei(f'861000{n:08d}')},F2L{n:06d}" if sku == "IP17P" else f"C02X{n:06d}"
    ok("stock", "in", "--sku", sku, "--store", store, "--cost", "5000", codes, env=at(when))
    first = codes.split(",")[0]
    sale = ok("sell", "--store", store, "--staff", staff, first, "--customer", who, "--price", f"{first}={price}",
              "--pay", f"wechat={price}", env=at(when))
    return {"sale": sale["id"], "unit": first}


def create(*args: str, env: dict | None = None) -> dict:
    return ok("campaign", "create", "三年换新", *args, env=env)


def members_of(campaign: str, tmp_path, name: str = "out.csv") -> list[dict]:
    path = tmp_path / name
    ok("campaign", "export", campaign, "--out", str(path))
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# --- tags ------------------------------------------------------------------------------------


def test_tags_are_put_on_shown_listed_and_taken_off(shop):
    customer("C101", "13900000101")
    assert ok("customer", "tag", "C002", "老客户", "换机意向")["tags"] == ["换机意向", "老客户"]
    ok("customer", "tag", "13900000101", "老客户")
    assert ok("customer", "show", "C002")["tags"] == ["换机意向", "老客户"]
    assert [r["code"] for r in ok("customer", "list", "--tag", "老客户")] == ["C002", "C101"]
    assert [r["code"] for r in ok("customer", "list", "--tag", "换机意向")] == ["C002"]
    ok("customer", "untag", "C002", "换机意向")
    assert ok("customer", "show", "C002")["tags"] == ["老客户"]


def test_untagging_a_tag_the_customer_lacks_is_not_found_and_changes_nothing(shop):
    ok("customer", "tag", "C002", "老客户")
    fails("not_found", "customer", "untag", "C002", "老客户", "没有")
    assert ok("customer", "show", "C002")["tags"] == ["老客户"]
    fails("invalid_input", "customer", "tag", "C002", "a b")


# --- audiences -------------------------------------------------------------------------------


def test_the_audience_is_whoever_last_bought_on_or_before_the_cut_off_day_and_nothing_since(shop, tmp_path):
    for code, phone in [("A", "13900000001"), ("B", "13900000002"), ("C", "13900000003"), ("D", "13900000004"),
                        ("F", "13900000006")]:
        customer(code, phone)
    customer("E", None)  # no phone: cannot be reached
    bought("A", "2023-11-02T23:30:00+08:00")  # the last minute of the cut-off day: in
    bought("B", "2023-11-03T00:10:00+08:00")  # the next day: out
    bought("C", "2022-05-01T12:00:00+08:00")
    bought("C", "2025-06-01T12:00:00+08:00")  # bought one since: out
    bought("D", "2022-05-01T12:00:00+08:00")
    newer = bought("D", "2025-06-01T12:00:00+08:00")
    ok("return", newer["sale"], env=at("2025-06-03T12:00:00+08:00"))  # a returned unit was not bought: in
    bought("E", "2022-05-01T12:00:00+08:00")
    bought("F", "2022-05-01T12:00:00+08:00", sku="MBA13")  # a laptop, not a phone: out
    r = create("--bought-years", "3", "--category", "手机")
    assert r["bought_before"] == "2023-11-02" and r["audience"] == 2 and r["holdout"] == 0
    rows = members_of(r["id"], tmp_path)
    assert sorted(row["customer"] for row in rows) == ["A", "D"]
    assert {row["customer"]: row["bought_on"] for row in rows} == {"A": "2023-11-02", "D": "2022-05-01"}
    # --bought-before the same day gives the same audience; a day earlier loses A
    assert ok("campaign", "create", "x", "--bought-before", "2023-11-02", "--category", "手机")["audience"] == 2
    assert ok("campaign", "create", "y", "--bought-before", "2023-11-01", "--category", "手机")["audience"] == 1
    # any category: F's laptop counts, and is F's latest purchase
    assert ok("campaign", "create", "z", "--bought-years", "3")["audience"] == 3


def test_the_audience_narrows_by_sku_store_and_tag(shop):
    customer("A", "13900000001")
    customer("B", "13900000002")
    customer("G", "13900000007")
    bought("A", "2022-05-01T12:00:00+08:00", store="SZ01")
    bought("B", "2022-05-01T12:00:00+08:00", store="SZ02", staff="E003")
    bought("G", "2022-05-01T12:00:00+08:00", sku="MBA13")
    ok("customer", "tag", "B", "老客户")
    assert create("--bought-years", "3", "--sku", "IP17P")["audience"] == 2
    assert create("--bought-years", "3", "--sku", "MBA13")["audience"] == 1
    assert create("--bought-years", "3", "--category", "手机", "--store", "SZ02")["audience"] == 1
    assert create("--bought-years", "3", "--tag", "老客户")["audience"] == 1
    fails("not_found", "campaign", "create", "空", "--bought-years", "3", "--tag", "没有人")


def test_a_campaign_needs_one_cut_off_and_sane_options_and_bad_input_makes_none(shop):
    fails("invalid_input", "campaign", "create", "x", "--category", "手机")
    fails("invalid_input", "campaign", "create", "x", "--bought-years", "3", "--bought-before", "2023-01-01")
    fails("invalid_input", "campaign", "create", "x", "--bought-years", "3", "--holdout", "95")
    fails("invalid_input", "campaign", "create", "x", "--bought-before", "2027-01-01")
    fails("invalid_input", "campaign", "create", "x", "--bought-years", "3", "--category", "手机", "--sku", "IP17P")
    assert ok("campaign", "list") == []


# --- holdout and export ----------------------------------------------------------------------


def test_the_holdout_is_recorded_and_kept_out_of_the_export_with_one_link_per_customer(shop, tmp_path):
    for n in range(10):
        customer(f"K{n:02d}", f"1390000{n:04d}", name=f"客户{n}")
        bought(f"K{n:02d}", "2022-03-01T12:00:00+08:00")
    ok("config", "set", "qr.base_url", "https://m.example.cn/s")
    r = create("--bought-years", "3", "--holdout", "30", "--category", "手机")
    assert (r["audience"], r["holdout"], r["contacted"]) == (10, 3, 7)
    rows = members_of(r["id"], tmp_path)
    assert len(rows) == 7
    assert list(rows[0]) == ["phone", "name", "customer", "bought", "sku", "unit", "bought_on", "salesperson", "link"]
    tokens = [row["link"].split("?c=")[1] for row in rows]
    assert len(set(tokens)) == 7 and all(len(t) >= 20 for t in tokens)
    assert all(row["link"].startswith("https://m.example.cn/s?c=") for row in rows)
    assert rows[0]["salesperson"] == "E002" and rows[0]["phone"].startswith("1390000")
    assert stat.S_IMODE(os.stat(tmp_path / "out.csv").st_mode) == 0o600
    # the held-out customers' tokens are recorded but never exported: 3 customers missing
    assert len({row["customer"] for row in rows}) == 7
    # the spreadsheet: the same rows, phones and IMEIs as text
    from openpyxl import load_workbook

    ok("campaign", "export", r["id"], "--out", str(tmp_path / "out.xlsx"))
    ws = load_workbook(tmp_path / "out.xlsx").active
    data = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(data) == 7
    assert all(isinstance(v, str) for row in data for v in row)
    assert sorted(row[0] for row in data) == sorted(row["phone"] for row in rows)
    fails("invalid_input", "campaign", "export", r["id"], "--out", str(tmp_path / "out.txt"))
    fails("not_found", "campaign", "export", "CA-000099", "--out", str(tmp_path / "x.csv"))


# --- clicks and leads ------------------------------------------------------------------------


def _one_member(tmp_path, staff: str = "E002") -> tuple[str, str]:
    customer("A", "13900000001", name="刘洋")
    bought("A", "2022-05-01T12:00:00+08:00", staff=staff)
    ok("config", "set", "qr.base_url", "https://m.example.cn/s")
    r = create("--bought-years", "3", "--category", "手机")
    link = members_of(r["id"], tmp_path)[0]["link"]
    return r["id"], link


def test_the_first_click_makes_one_lead_for_the_seller_and_later_clicks_only_count(shop, tmp_path):
    campaign, link = _one_member(tmp_path)
    token = link.split("?c=")[1]
    first = ok("campaign", "hit", token)
    assert first["first"] is True and first["owner"] == "E002" and first["lead"] == "L-000001"
    again = ok("campaign", "hit", "--via", link + "&from=singlemessage")
    assert again["first"] is False and again["clicks"] == 2 and again["lead"] == "L-000001"
    assert len(ok("lead", "list")) == 1
    lead = ok("lead", "show", "L-000001")
    assert lead["phone"] == "13900000001" and lead["source"] == f"campaign {campaign}" and lead["status"] == "open"
    fails("not_found", "campaign", "hit", "NoSuchToken123456")
    fails("invalid_input", "campaign", "hit", "--via", "https://m.example.cn/s?r=abc")


def test_a_click_on_an_inactive_sellers_customer_goes_to_the_stores_manager(shop, tmp_path):
    campaign, link = _one_member(tmp_path)
    from storectl.db import Database, resolve_url
    from sqlalchemy import text

    with Database(resolve_url(os.environ["STORECTL_DB"]), operator="test").write("test") as s:
        s.execute(text("UPDATE staff SET active = false WHERE code = 'E002'"))
    assert ok("campaign", "hit", "--via", link)["owner"] == "E001"


# --- leads -----------------------------------------------------------------------------------


def test_a_lead_is_followed_up_and_due_lists_only_those_today_or_late(shop):
    ok("lead", "add", "13900000011", "--name", "王芳", "--owner", "E002", "--next", "2026-11-01")
    ok("lead", "add", "13900000012", "--owner", "E002", "--next", "2026-11-02")
    ok("lead", "add", "13900000013", "--owner", "E003", "--next", "2026-11-03")
    ok("lead", "add", "13900000014", "--owner", "E003")
    assert [r["id"] for r in ok("lead", "list", "--due")] == ["L-000001", "L-000002"]
    assert [r["id"] for r in ok("lead", "list", "--owner", "E003")] == ["L-000004", "L-000003"]
    r = ok("lead", "follow", "L-000001", "--note", "电话沟通,周末到店", "--next", "2026-11-07")
    assert r["status"] == "contacted" and r["next"] == "2026-11-07" and r["notes"][0]["note"] == "电话沟通,周末到店"
    ok("lead", "follow", "L-000002", "--note", "不需要", "--status", "lost")
    assert ok("lead", "list", "--due") == []
    assert [r["id"] for r in ok("lead", "list", "--due", env=at("2026-11-07T09:00:00+08:00"))] == ["L-000003", "L-000001"]
    fails("conflict", "lead", "follow", "L-000002", "--note", "再试", "--status", "won")
    fails("invalid_input", "lead", "follow", "L-000001", "--note", "x", "--status", "maybe")
    fails("not_found", "lead", "show", "L-000099")
    fails("invalid_input", "lead", "add", "13900000015")  # no owner and nobody sold to them


def test_a_sale_within_the_window_wins_the_lead_by_itself_and_report_staff_credits_its_owner(shop):
    customer("A", "13900000001")
    ok("lead", "add", "13900000001", "--owner", "E003", "--next", "2026-11-03")
    ok("lead", "add", "13900000002", "--owner", "E003")  # not yet a customer: matched by phone
    sale = bought("A", "2026-11-05T15:00:00+08:00", staff="E002")
    lead = ok("lead", "show", "L-000001")
    assert lead["status"] == "won" and lead["won_sale"] == sale["sale"] and lead["notes"][-1]["status"] == "won"
    customer("B", "13900000002")
    bought("B", "2026-12-05T15:00:00+08:00")  # 33 days later: past the window
    assert ok("lead", "show", "L-000002")["status"] == "open"
    staff = {r["staff"]: r for r in ok("report", "staff", "-p", "2026-11")}
    assert staff["E003"]["leads_won"] == 1 and staff["E003"]["sales"] == 0
    assert staff["E002"]["leads_won"] == 0
    out = run("report", "staff", "-p", "2026-11", env={"COLUMNS": "80"}).stdout
    assert "leads won" in out
    assert max(len(line) for line in out.splitlines()) <= 80


# --- the report --------------------------------------------------------------------------------


def test_the_report_counts_buyers_and_revenue_in_the_window_for_contacted_and_holdout_and_the_lift(shop, tmp_path):
    for n in range(10):
        customer(f"K{n:02d}", f"1390000{n:04d}")
        bought(f"K{n:02d}", "2022-03-01T12:00:00+08:00")
    r = create("--bought-years", "3", "--holdout", "20", "--category", "手机", "--window", "30")
    contacted = [row["customer"] for row in members_of(r["id"], tmp_path)]
    held = sorted({f"K{n:02d}" for n in range(10)} - set(contacted))
    assert len(contacted) == 8 and len(held) == 2
    tokens = [row["link"].split("?c=")[1] for row in members_of(r["id"], tmp_path)]
    ok("campaign", "hit", tokens[0])
    ok("campaign", "hit", tokens[0])
    ok("campaign", "hit", tokens[1])
    # in the window: two contacted and one held-out customer buy a phone; one contacted buys a cable only
    bought(contacted[0], "2026-11-10T12:00:00+08:00", price="8999")
    bought(contacted[1], "2026-11-11T12:00:00+08:00", price="8500")
    bought(held[0], "2026-11-12T12:00:00+08:00", price="8999")
    ok("stock", "in", "--sku", "00123", "--store", "SZ01", "--cost", "10", "--qty", "5")
    ok("sell", "--store", "SZ01", "--staff", "E002", "00123", "--customer", contacted[2], "--pay", "cash=39")
    # after the window: does not count
    bought(contacted[3], "2026-12-03T12:00:00+08:00")
    rep = ok("campaign", "report", r["id"], env=at("2026-12-10T12:00:00+08:00"))
    assert (rep["audience"], rep["holdout"], rep["contacted"]) == (10, 2, 8)
    assert (rep["clicks"], rep["clicked"], rep["leads"], rep["leads_won"]) == (3, 2, 2, 2)
    assert (rep["contacted_buyers"], rep["holdout_buyers"], rep["buyers"]) == (2, 1, 3)
    assert (rep["contacted_revenue"], rep["holdout_revenue"], rep["revenue"]) == ("17499.00", "8999.00", "26498.00")
    assert rep["contacted_conversion_pct"] == "25.0" and rep["holdout_conversion_pct"] == "50.0"
    assert rep["lift_points"] == "-25.0" and rep["window_open"] is False
    human = run("campaign", "report", r["id"], env={"COLUMNS": "80"}).stdout
    assert "lift" in human and max(len(line) for line in human.splitlines()) <= 80


def test_six_processes_opening_one_link_at_once_make_one_lead_and_six_clicks(shop, tmp_path):
    import json
    import subprocess

    from conftest import storectl_exe

    campaign, link = _one_member(tmp_path)
    args = storectl_exe() + ["campaign", "hit", "--via", link, "--json"]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
             for _ in range(6)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert all(rc == 0 and err == "" for rc, out, err in results), results
    answers = [json.loads(out) for rc, out, err in results]
    assert sum(a["first"] for a in answers) == 1
    assert {a["lead"] for a in answers} == {"L-000001"}
    assert len(ok("lead", "list")) == 1
    rep = ok("campaign", "report", campaign)
    assert (rep["clicks"], rep["clicked"], rep["leads"]) == (6, 1, 1)


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_exported_as_text(shop, tmp_path):
    customer("A", "13900000001", name="=HYPERLINK(\"http://x\")")
    bought("A", "2022-05-01T12:00:00+08:00")
    r = create("--bought-years", "3")
    rows = members_of(r["id"], tmp_path)
    assert rows[0]["name"] == "'=HYPERLINK(\"http://x\")" and rows[0]["phone"] == "13900000001"


def test_no_token_starts_with_a_dash_so_every_one_can_be_typed_as_an_argument(shop, tmp_path):
    for n in range(40):
        customer(f"K{n:02d}", f"1390000{n:04d}")
        bought(f"K{n:02d}", "2022-03-01T12:00:00+08:00")
    for _ in range(3):
        r = create("--bought-years", "3")
        tokens = [row["link"].split("?c=")[1] for row in members_of(r["id"], tmp_path)]
        assert not any(t.startswith("-") for t in tokens)
    assert ok("campaign", "hit", tokens[0])["first"] is True
