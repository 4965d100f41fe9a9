"""`storectl demo`: a whole month of a shop, deterministic, with a clean ledger and its month end.

The demo takes a while, so it is built once per test run (see the `demo` fixture), and once more,
into a copy of its folder, by the determinism test at the end.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import time
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ok, run

# The demo always builds its own SQLite shop, whatever STORECTL_DB says: running it again on the
# PostgreSQL pass would only repeat the same test.
pytestmark = pytest.mark.sqlite_only

from storectl.demo import sample_dir

MONTH_END = {"STORECTL_NOW": "2026-11-30T22:00:00+08:00"}  # streaks are as of "today"


def _demo(folder: Path, now: str) -> tuple[int, dict, str]:
    # Any other clock must not matter: the demo lives on its own simulated one.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STORECTL_NOW", now)
        result = run("demo", "--dir", str(folder), "--json")
    return result.code, (json.loads(result.stdout) if result.code == 0 else {}), result.stderr


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> dict:
    """The demo, built once per test run: under pytest-xdist the first worker builds it, the others wait."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    root = tmp_path_factory.getbasetemp().parent if worker else tmp_path_factory.getbasetemp()
    done = root / "demo-summary.json"
    try:
        os.close(os.open(root / "demo.lock", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:  # another worker builds it
        deadline = time.monotonic() + 600
        while not done.exists():
            assert time.monotonic() < deadline, "the demo took more than 10 minutes"
            time.sleep(0.2)
    else:
        code, summary, stderr = _demo(root / "demo", "2031-02-03T04:05:06+08:00")
        outcome = summary if code == 0 and stderr == "" else {"failed": f"exit {code}: {stderr}"}
        (root / "demo-summary.part").write_text(json.dumps(outcome), encoding="utf-8")
        (root / "demo-summary.part").replace(done)
    summary = json.loads(done.read_text(encoding="utf-8"))
    assert "failed" not in summary, summary.get("failed")  # (no progress bar either: stderr is not a terminal)
    return summary


def staff_rows() -> list[dict]:
    with open(sample_dir() / "staff.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_demo_prints_where_everything_is_as_one_json_document(demo):
    for key in ("dir", "db", "workbook", "qr_sheets", "revenue", "profit", "sales", "units", "members", "try"):
        assert key in demo
    assert Path(demo["db"]).is_file() and Path(demo["workbook"]).is_file()
    assert demo["stores"] == 3 and demo["staff"] == 9 and demo["units"] == 340
    assert demo["sales"] > 300 and demo["members"] == 40
    assert Decimal(demo["profit"]) > 0 and Decimal(demo["revenue"]) > Decimal(demo["profit"])
    assert all(cmd.startswith(f"storectl --db {demo['db']} ") for cmd in demo["try"])


def test_every_suggested_command_works_on_the_demo_database(demo):
    for cmd in demo["try"]:
        args = cmd.split()[1:]
        assert run(*args, "--json").code == 0, cmd


def test_db_check_finds_nothing_wrong_in_the_demo_database(demo):
    result = run("--db", demo["db"], "db", "check")
    assert result.code == 0 and result.stdout == "", result.stdout + result.stderr


def test_the_month_end_workbook_has_all_eight_sheets(demo):
    from openpyxl import load_workbook

    from storectl.services.books.month_end import SHEETS

    assert Path(demo["workbook"]).name == "storectl-2026-11.xlsx"
    book = load_workbook(demo["workbook"], read_only=True)
    assert book.sheetnames == list(SHEETS)


def test_revenue_in_the_summary_equals_the_store_report_total(demo):
    stores = ok("--db", demo["db"], "report", "stores", "-p", "2026-11")
    assert sum(Decimal(r["revenue"]) for r in stores) == Decimal(demo["revenue"])
    assert sum(Decimal(r["profit"]) for r in stores) == Decimal(demo["profit"])
    assert sum(r["sales"] for r in stores) == demo["sales"]


def test_every_salesperson_sold_something(demo):
    report = {r["staff"]: r for r in ok("--db", demo["db"], "report", "staff", "-p", "2026-11")}
    sellers = [r["code"] for r in staff_rows() if r["role"] in ("clerk", "manager")]
    assert len(sellers) == 8
    for code in sellers:
        assert report[code]["sales"] > 0, code


def test_sales_happen_every_day_of_the_month(demo):
    days = {s["at"][:10] for s in ok("--db", demo["db"], "sale", "list", "-p", "2026-11")}
    assert len(days) == 30


def test_one_transfer_is_partly_received_and_one_is_still_on_the_road(demo):
    open_ = {t["status"]: t for t in ok("--db", demo["db"], "transfer", "list", "--open")}
    assert open_["partial"]["received"] > 0 and open_["partial"]["in_transit"] > 0
    assert open_["open"]["received"] == 0
    assert ok("--db", demo["db"], "stock", "list", "--status", "in_transit")


def test_members_have_streaks_levels_and_who_brought_them_in(demo):
    members = ok("--db", demo["db"], "member", "list", env=MONTH_END)
    assert len(members) == 40
    assert max(m["streak"] for m in members) >= 14
    assert {m["level"] for m in members} >= {"银卡", "金卡"}
    assert {m["channel"] for m in members} >= {"WX", "XHS", "DY", "WIN", "AS", "REF"}
    assert sum(1 for m in members if m["staff"]) >= 10
    channels = ok("--db", demo["db"], "report", "channels", "-p", "2026-11")
    assert channels


def test_points_were_redeemed_and_a_points_paid_sale_was_returned(demo):
    sales = ok("--db", demo["db"], "sale", "list", "-p", "2026-11")
    redeemed = [s for s in sales if s["points_redeemed"]]
    assert len(redeemed) >= 5
    returned = [s for s in sales if Decimal(s["returned"]) > 0]
    assert len(returned) >= 2
    assert any(s["points_redeemed"] for s in returned)
    shown = ok("--db", demo["db"], "sale", "show", next(s["id"] for s in returned if s["points_redeemed"]))
    assert shown["points_redeemed"] > 0


def test_a_walk_in_brought_back_accessories_and_the_month_end_still_adds_up(demo):
    sales = ok("--db", demo["db"], "sale", "list", "-p", "2026-11")
    walk_in = [s for s in sales if s["customer"] is None and Decimal(s["returned"]) > 0]
    assert len(walk_in) == 1 and walk_in[0]["returned"] == walk_in[0]["total"]
    from openpyxl import load_workbook

    receivables = load_workbook(demo["workbook"], read_only=True)["Receivables"]
    codes = [row[0] for row in receivables.iter_rows(min_row=2, values_only=True) if row and row[0]]
    assert codes and None not in codes


def test_trade_customers_owe_part_of_their_credit_sales(demo):
    balances = ok("--db", demo["db"], "customer", "balances")
    assert balances and all(Decimal(b["balance"]) > 0 for b in balances)
    statement = ok("--db", demo["db"], "customer", "statement", "C001", "-p", "2026-11")
    kinds = {line["kind"] for line in statement["lines"]}
    assert "sale" in kinds and len(kinds) >= 2


def test_the_stock_count_booked_one_unit_lost(demo):
    lost = ok("--db", demo["db"], "stock", "list", "--status", "lost")
    assert len(lost) == 1 and lost[0]["store"] == "SZ02"


def test_the_qr_sheets_name_every_staff_member_and_channel(demo):
    staff_sheet, channel_sheet = (Path(p) for p in demo["qr_sheets"])
    text = staff_sheet.read_text(encoding="utf-8")
    for row in staff_rows():
        assert row["name"] in text and row["code"] in text
    text = channel_sheet.read_text(encoding="utf-8")
    for name in ("微信公众号", "小红书", "抖音", "门店橱窗", "售后回访", "老客推荐"):
        assert name in text


def test_the_audit_log_names_the_staff_who_did_each_thing(demo):
    entries = ok("--db", demo["db"], "audit", "--limit", "5000")
    operators = {e["operator"] for e in entries}
    assert operators <= {r["code"] for r in staff_rows()}
    assert {"E008", "E009"} <= operators


def test_the_human_summary_says_where_things_are_and_what_to_try(demo, capsys):
    from storectl.cli.demo import _human

    _human(demo)
    out = capsys.readouterr().out
    assert demo["db"] in out and demo["workbook"] in out and "try next" in out


def test_the_demo_will_not_replace_a_database_it_did_not_make(tmp_path):
    run("--db", str(tmp_path / "shop" / "store.db"), "init")
    result = run("demo", "--dir", str(tmp_path / "shop"), "--json")
    assert result.code == 1
    assert json.loads(result.stdout)["error"]["code"] == "conflict"


def test_a_second_run_into_the_same_folder_gives_the_same_shop(demo, tmp_path):
    folder = tmp_path / "shop"  # a copy, so other workers can go on reading the first one
    shutil.copytree(demo["dir"], folder)
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    code, again, stderr = _demo(folder, "2027-07-07T07:07:07+08:00")
    assert code == 0, stderr
    where = {"dir", "db", "workbook", "qr_sheets", "try", "till_session", "receipt"}
    assert {k: v for k, v in again.items() if k not in where} == {k: v for k, v in demo.items() if k not in where}
    assert [c.replace(demo["db"], again["db"]) for c in demo["try"]] == again["try"]
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"  # only the demo's own files are replaced
    assert len(ok("--db", again["db"], "sale", "list", "-p", "2026-11")) == demo["sales"]  # replaced, not added to
    assert run("--db", again["db"], "db", "check").code == 0


def test_a_killed_demo_rerun_leaves_the_previous_demo_intact(demo, tmp_path):
    import hashlib
    import signal
    import subprocess

    from conftest import storectl_exe

    folder = tmp_path / "shop"
    shutil.copytree(demo["dir"], folder)

    def digest() -> dict:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}

    before = digest()
    assert {"store.db", "qr-staff.html", "qr-channels.html"} <= set(before) and any(n.endswith(".xlsx") for n in before)
    proc = subprocess.Popen(storectl_exe() + ["demo", "--dir", str(folder), "--json"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=dict(os.environ))
    deadline = time.monotonic() + 60
    while not list(folder.glob(".demo-building-*/store.db")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # well into the build
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert digest() == before
    assert run("--db", str(folder / "store.db"), "db", "check").code == 0


def test_the_demo_pays_commission_up_a_referral_chain_and_claws_back_a_return_after_a_payout(demo):
    db = ("--db", demo["db"])
    chain = {(r["earner"], r["role"]) for r in ok(*db, "report", "commission", "-p", "2026-11")}
    assert {("P-ZX02", "ref1"), ("P-WY01", "ref2"), ("P-WY01", "ref3"), ("18681714341", "ref1")} <= chain
    assert ok(*db, "partner", "show", "P-ZX02")["referrer"] == "P-WY01"
    # the warehouse desk's phones (¥50 each) were paid out, then one came back: its −¥50 is netted by a later payout
    lines = ok(*db, "commission", "list")
    clawbacks = [l for l in lines if l["doc"].startswith("RT-") and l["role"] == "seller" and l["amount"] == "-50.00"]
    assert clawbacks
    paid_first = {l["sale"]: {m["payout"] for m in lines if m["doc"] == l["sale"] and m["role"] == "seller"} for l in clawbacks}
    assert any(None not in paid_first[l["sale"]] and l["payout"] not in paid_first[l["sale"]] | {None} for l in clawbacks)
    assert run("--db", demo["db"], "db", "check").code == 0
