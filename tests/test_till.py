"""`storectl till` driven through a pipe: scans, customers, points, payments, done, void, EOF, a race."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import imei, ok, run, storectl_exe

PHONE_A = (imei("35693803564380"), imei("35693803564381"), "F2LXK0001")
PHONE_B = (imei("49015420323751"), imei("49015420323752"), "F2LXK0002")
MEMBER = "13900139000"


@pytest.fixture
def counter(shop):
    ok("stock", "in", "--store", "SZ01", "--sku", "IP17P", "--cost", "7000", "--supplier", "SUP01", ",".join(PHONE_A), ",".join(PHONE_B))
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "20")
    ok("level", "add", "银卡", "--min-spend", "0", "--discount", "5")
    ok("member", "add", MEMBER, "--name", "赵六")
    ok("price", "set", "IP17P", "8500", "--level", "银卡")
    ok("points", "adjust", MEMBER, "5000", "--reason", "welcome")
    return shop


def till(*lines: str, args: tuple = ("--store", "SZ01", "--staff", "E002"), root: tuple = ()) -> list[dict]:
    """Pipe the lines into `storectl till --json`; one JSON object per answered line."""
    result = run(*root, "till", *args, "--json", input="".join(line + "\n" for line in lines))
    assert result.code == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(a["ok"] or a["error"]["code"] != "internal" for a in answers), answers
    return answers


def test_a_scan_answers_with_the_item_its_price_rule_warranty_and_the_running_total(counter):
    first, second, end = till(PHONE_A[2], "00123:2")
    assert first["ok"] and first["item"] == {
        "sku": "IP17P", "name": "iPhone 17 Pro 256GB", "unit": PHONE_A[0], "qty": 1, "price": "8999.00", "rule": "list",
        "warranty_until": "2027-11-02", "amount": "8999.00"}
    assert first["total"] == "8999.00"
    assert second["item"]["sku"] == "00123" and second["item"]["qty"] == 2 and second["item"]["warranty_until"] is None
    assert second["total"] == "9077.00"
    assert end["end"] and end["eof"]


def test_an_unknown_code_is_refused_and_the_basket_is_unchanged(counter):
    scan, unknown, too_many, end = till(PHONE_A[1], "NOSUCHCODE", "00123:21")
    assert unknown == {"ok": False, "error": {"code": "not_found", "message": "no unit code or SKU 'NOSUCHCODE'",
                                              "hint": unknown["error"]["hint"]}}
    assert too_many["error"]["code"] == "insufficient_stock"
    assert end["dropped"] == 1


def test_a_unit_scanned_twice_is_refused_the_second_time(counter):
    _, again, _ = till(PHONE_A[0], PHONE_A[2])
    assert again["error"]["code"] == "invalid_input" and "already in the basket" in again["error"]["message"]


def test_a_sold_unit_is_refused_at_the_scan_with_the_sale_it_went_in(counter):
    ok("sell", "--store", "SZ01", "--staff", "E002", PHONE_A[0], "--pay", "cash=8999")
    sold, end = till(PHONE_A[2])
    assert sold["ok"] is False and sold["error"]["code"] == "conflict"
    assert "was sold on 2026-11-02 (S-000001)" in sold["error"]["message"]
    assert end["dropped"] == 0


def test_a_unit_at_another_store_is_refused(counter):
    answers = till(PHONE_A[0], args=("--store", "SZ02", "--staff", "E003"))
    assert answers[0]["error"]["code"] == "conflict" and "in stock at SZ01, not at SZ02" in answers[0]["error"]["message"]


def test_a_customer_with_a_level_price_gets_the_basket_quoted_again(counter):
    scan, customer, accessory, *_ = till(PHONE_A[0], f"c {MEMBER}", "00123")
    assert scan["item"]["price"] == "8999.00" and scan["item"]["rule"] == "list"
    assert customer["customer"]["code"] == MEMBER and customer["customer"]["level"] == "银卡"
    assert customer["customer"]["points"] == 5000 and customer["customer"]["coupons"] == []
    assert customer["lines"][0]["price"] == "8500.00" and customer["lines"][0]["rule"] == "level:银卡"
    assert customer["total"] == "8500.00"
    # a quantity item for this member: the level's 5 % discount off the list price
    assert (accessory["item"]["price"], accessory["item"]["rule"]) == ("37.05", "level-discount:银卡")


def test_points_pay_part_of_a_members_sale_and_the_receipt_says_what_was_earned(counter):
    answers = till(f"c {MEMBER}", PHONE_A[0], "p 3000", "pay wechat 8200", "done")
    points = answers[2]
    assert points["ok"] and points["points"] == 3000 and points["points_value"] == "300.00" and points["to_pay"] == "8200.00"
    sale = answers[4]["sale"]
    assert sale["points_redeemed"] == 3000 and sale["payments"] == {"wechat": "8200.00"}
    assert sale["points_earned"] == 8200 and sale["points_balance"] == 5000 - 3000 + 8200
    assert ok("member", "show", MEMBER)["points"] == 10200


def test_more_points_than_the_member_has_are_refused(counter):
    _, _, refused, _ = till(f"c {MEMBER}", PHONE_A[0], "p 6000")
    assert refused["error"]["code"] == "conflict" and "has 5000 points" in refused["error"]["message"]
    assert refused["error"]["hint"].startswith("at most p ")


def test_a_split_payment_makes_the_same_sale_as_sell(counter):
    answers = till(PHONE_A[0], "00123:2", "pay wechat 5000", "pay cash 4100", "done")
    assert answers[3]["to_pay"] == "0.00" and answers[3]["change"] == "23.00"
    done = answers[4]
    sale = done["sale"]
    assert sale["payments"] == {"wechat": "5000.00", "cash": "4077.00"}
    assert (sale["tendered"], sale["change"], sale["total"]) == ("9100.00", "23.00", "9077.00")
    assert ok("sale", "show", sale["id"]) == sale  # the receipt JSON under "sale" is sell's
    assert done["total"] == "0.00" and done["items"] == 0  # an empty basket for the next customer


def test_payments_that_do_not_cover_the_total_are_refused_and_the_basket_is_kept(counter):
    answers = till(PHONE_A[0], "pay cash 100", "done", "pay cash 8899", "done")
    refused = answers[2]
    assert refused["error"]["code"] == "invalid_input" and refused["error"]["hint"].startswith("add pay cash 8899.00")
    assert answers[4]["sale"]["payments"] == {"cash": "8999.00"}


def test_credit_leaves_the_rest_owed_by_the_customer(counter):
    answers = till("credit", "c C001", PHONE_A[0], "pay transfer 999", "credit", "done")
    assert answers[0]["error"]["code"] == "invalid_input"  # no customer yet
    sale = answers[5]["sale"]
    assert sale["due"] == "8000.00" and sale["customer"] == "C001"
    assert ok("customer", "show", "C001")["balance"] == "8000.00"


def test_done_starts_a_second_basket_and_a_shift_sells_twice(counter):
    answers = till(PHONE_A[0], "pay cash 8999", "done", PHONE_B[0], "00123", "pay alipay 9038", "done", "q")
    first, second, end = answers[2]["sale"], answers[6]["sale"], answers[7]
    assert [l["unit"] for l in first["lines"]] == [PHONE_A[0]]
    assert [l["unit"] or l["sku"] for l in second["lines"]] == [PHONE_B[0], "00123"]
    assert end == {"ok": True, "end": True, "eof": False, "sales": [first["id"], second["id"]], "dropped": 0}


def test_void_empties_the_basket(counter):
    answers = till(PHONE_A[0], "00123:3", f"c {MEMBER}", "void", "00123", "pay cash 39", "done")
    assert answers[3]["void"] and answers[3]["dropped"] == 4 and answers[3]["total"] == "0.00"
    sale = answers[6]["sale"]
    assert sale["customer"] is None and [l["sku"] for l in sale["lines"]] == ["00123"]


def test_x_removes_a_unit_or_some_of_a_quantity(counter):
    answers = till(PHONE_A[0], "00123:3", "x 00123:1", f"x {PHONE_A[2]}", "x NOTHERE")
    assert answers[2]["removed"] == {"sku": "00123", "unit": None, "qty": 1} and answers[2]["total"] == "9077.00"
    assert answers[3]["removed"]["unit"] == PHONE_A[0] and answers[3]["total"] == "78.00"
    assert answers[4]["error"]["code"] == "not_found"


def test_eof_with_an_open_basket_sells_nothing_and_says_so(counter):
    answers = till(PHONE_A[0], "pay cash 8999")
    end = answers[-1]
    assert end["end"] and end["eof"] and end["dropped"] == 1 and "nothing was sold" in end["message"]
    assert ok("sale", "list") == []
    assert ok("sn", "show", PHONE_A[0])["status"] == "in_stock"


def test_coupons_and_trade_ins_say_they_are_not_available_yet(counter):
    coupon, trade_in, help_, _ = till("k WELCOME50", "t TI-000001", "?")
    assert coupon["ok"] is False and "member" in coupon["error"]["message"]  # coupons came (issue 22): a member's, no customer yet
    assert trade_in["ok"] is False and "not available yet" in trade_in["error"]["message"]
    assert {h["line"].split()[0] for h in help_["help"]} >= {"CODE", "c", "x", "p", "k", "t", "pay", "credit", "done", "void", "?", "q"}


def test_blank_lines_are_not_answered_and_bad_lines_never_end_the_till(counter):
    answers = till("", "pay bitcoin 5", "pay cash -3", "p lots", "c", "x", "\x1b[31m", PHONE_A[0])
    assert [a["ok"] for a in answers[:-1]] == [False] * 6 + [True]
    assert answers[-1]["end"]


def test_the_store_and_staff_default_to_the_operator(counter):
    answers = till(PHONE_A[0], "pay cash 8999", "done", args=("--store", "SZ01"), root=("--operator", "E003"))
    assert answers[2]["sale"]["staff"] == "E003" and answers[2]["sale"]["store"] == "SZ01"
    result = run("--operator", "E002", "till", "--json", input=f"{PHONE_B[0]}\npay cash 8999\ndone\n")
    sale = json.loads(result.stdout.splitlines()[2])["sale"]
    assert (sale["store"], sale["staff"]) == ("SZ01", "E002")


def test_without_a_store_or_staff_the_till_says_which_option_is_missing(counter):
    result = run("till", "--json", input="q\n")
    assert result.code == 1
    error = json.loads(result.stdout)  # one line, like every other answer of the till
    assert error["ok"] is False and error["error"]["code"] == "invalid_input" and "--staff" in error["error"]["message"]
    assert len(result.stdout.splitlines()) == 1


def test_the_till_for_people_prints_ticks_crosses_and_the_receipt(counter):
    result = run("till", "--store", "SZ01", "--staff", "E002",
                 input=f"{PHONE_A[0]}\nNOSUCHCODE\npay cash 9000\ndone\n{PHONE_B[0]}\n")
    assert result.code == 0 and "Traceback" not in result.stdout + result.stderr
    assert "✓ iPhone 17 Pro 256GB" in result.stdout and "✗ no unit code or SKU 'NOSUCHCODE'" in result.stdout
    assert "S-000001" in result.stdout and "change" in result.stdout
    assert "nothing was sold" in result.stdout


def test_done_writes_the_receipt_when_asked(counter, tmp_path):
    answers = till(PHONE_A[0], "pay cash 8999", f"done {tmp_path / 'r1.html'}")
    assert answers[2]["receipt"] == str(tmp_path / "r1.html")
    assert os.stat(tmp_path / "r1.html").st_mode & 0o777 == 0o600
    folder = tmp_path / "receipts"
    folder.mkdir()
    answers = till(PHONE_B[0], "pay cash 8999", "done", args=("--store", "SZ01", "--staff", "E002", "--receipts", str(folder)))
    assert answers[2]["receipt"] == str(folder / f"receipt-{answers[2]['sale']['id']}.html")


# --- two tills, one unit ---------------------------------------------------------------------


class Till:
    """A real `storectl till --json` process, talked to line by line."""

    def __init__(self, staff: str) -> None:
        self.proc = subprocess.Popen(storectl_exe() + ["till", "--store", "SZ01", "--staff", staff, "--json"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def answer(self) -> dict:
        return json.loads(self.proc.stdout.readline())

    def ask(self, line: str) -> dict:
        self.send(line)
        return self.answer()

    def close(self) -> tuple[int, str]:
        self.proc.stdin.close()
        rest = self.proc.stdout.read()
        err = self.proc.stderr.read()
        return self.proc.wait(timeout=60), rest + err


def test_two_tills_holding_the_same_unit_make_one_sale_and_one_conflict_and_keep_running(counter):
    a, b = Till("E001"), Till("E002")
    try:
        for t in (a, b):
            assert t.ask(PHONE_A[0])["ok"]
            assert t.ask("pay cash 8999")["ok"]
        a.send("done")
        b.send("done")  # both at once: one wins the unit, the other is refused
        answers = [a.answer(), b.answer()]
        sold = [x for x in answers if x["ok"]]
        refused = [x for x in answers if not x["ok"]]
        assert len(sold) == 1 and len(refused) == 1
        assert refused[0]["error"]["code"] == "conflict" and "was sold on 2026-11-02" in refused[0]["error"]["message"]
        loser = a if not answers[0]["ok"] else b
        # both keep running; the loser's basket is as it was, and it can sell after taking the unit out
        assert a.ask("?")["ok"] and b.ask("?")["ok"]
        assert loser.ask(f"x {PHONE_A[0]}")["ok"]
        assert loser.ask(PHONE_B[0])["ok"]
        assert loser.ask("done")["sale"]["lines"][0]["unit"] == PHONE_B[0]
    finally:
        codes = [t.close() for t in (a, b)]
    assert [c for c, _ in codes] == [0, 0], codes
    assert all("Traceback" not in out for _, out in codes)
    sales = ok("sale", "list")
    assert len(sales) == 2
    assert run("db", "check").code == 0
    units = [ok("sale", "show", s["id"])["lines"][0]["unit"] for s in sales]
    assert sorted(units) == sorted([PHONE_A[0], PHONE_B[0]])
