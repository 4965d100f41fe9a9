"""stock count (CNT-): matched, missing, unexpected, unknown; --apply books the missing as lost (managers)."""

from __future__ import annotations

import json

from conftest import fails, ok, run
from test_stock_support import PHONE_1, fake_sale, read_session, set_manager_pin, shop, stock_in, unit  # noqa: F401


def stocked():
    stock_in("A1", "A2", "A3", "A4")
    stock_in(unit(*PHONE_1), sku="IP17P")
    stock_in("B1", store="SZ02")
    stock_in("S1")
    fake_sale("S1")
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "A4")


def test_a_count_sorts_scans_into_matched_missing_unexpected_and_unknown(shop):
    stocked()
    result = ok("stock", "count", "--store", "SZ01", "a1", PHONE_1[1], "B1", "S1", "A4", "GHOST", "A1", "bad scan!")
    assert result["id"] == "CNT-000001" and result["store"] == "SZ01"
    assert result["matched"] == 2
    assert result["missing"] == ["A2", "A3"]
    assert result["unexpected"] == ["B1", "S1", "A4"]  # elsewhere, sold, in transit
    assert result["unknown"] == ["GHOST", "bad scan!"]
    assert [u["status"] for u in result["unexpected_detail"]] == ["in_stock", "sold", "in_transit"]
    assert result["applied"] is False
    assert ok("sn", "show", "A2")["status"] == "in_stock"  # a count alone changes nothing
    from storectl.models import StockCount
    from sqlmodel import select

    with read_session() as s:
        saved = s.exec(select(StockCount)).one()
        assert (saved.doc_no, saved.matched, json.loads(saved.missing), json.loads(saved.unknown)) == ("CNT-000001", 2, ["A2", "A3"], ["GHOST", "bad scan!"])
    assert run("db", "check").code == 0


def test_apply_books_the_missing_units_as_lost_with_movements(shop):
    stocked()
    open("shelf.txt", "w").write(f"A1\nA2\n{PHONE_1[2]}\n")
    result = ok("stock", "count", "--store", "SZ01", "--file", "shelf.txt", "--apply")
    assert result["missing"] == ["A3"] and result["applied"] is True and result["lost"] == 1
    a3 = ok("sn", "show", "A3")
    assert a3["status"] == "lost" and (a3["history"][-1]["kind"], a3["history"][-1]["doc"]) == ("count", "CNT-000001")
    assert [r["qty"] for r in ok("stock", "levels", "--store", "SZ01") if r["sku"] == "MBA13"] == [2]
    assert run("db", "check").code == 0


def test_apply_is_for_managers_once_pins_are_in_use(shop):
    stocked()
    set_manager_pin("482100")
    fails("forbidden", "--operator", "E002", "stock", "count", "--store", "SZ01", "A1", "--apply")
    assert ok("--operator", "E002", "stock", "count", "--store", "SZ01", "A1")["applied"] is False
    assert ok("--operator", "E001", "stock", "count", "--store", "SZ01", "A1", "--apply", env={"STORECTL_PIN": "482100"})["lost"] == 3


def test_counting_needs_a_store_and_something_scanned(shop):
    fails("not_found", "stock", "count", "--store", "XX", "A1")
    fails("invalid_input", "stock", "count", "--store", "SZ01")
    fails("invalid_input", "stock", "count", "--store", "SZ01", "", " ")
    fails("invalid_input", "stock", "count", "--store", "SZ01", "--file", "nope.txt")
    # no --store and an operator who is no staff member: invalid_input naming the option (issue 17,
    # where the operator's store became the default; it was a usage error, exit 2, before)
    assert "--store" in fails("invalid_input", "stock", "count", "A1")["message"]


def test_counting_from_piped_stdin_and_a_readable_summary(shop):
    stocked()
    assert ok("stock", "count", "--store", "SZ02", "-", input="B1\nA1\n")["unexpected"] == ["A1"]
    human = run("stock", "count", "--store", "SZ02", "B1")
    assert human.code == 0 and "matched" in human.stdout and "CNT-000002" in human.stdout


def test_the_scanner_says_what_each_counted_code_is(shop):
    import io

    from storectl.cli.stock import scan_loop
    from storectl.db import Database, resolve_url
    from storectl.services.stock import counting

    stocked()
    base = Database(resolve_url(None))

    def check(label, text):
        with base.read() as s:
            return counting.check_count_line(s, store="SZ01", text=text)

    err = io.StringIO()
    good = scan_loop(io.StringIO("A1\nB1\nGHOST\nbad!\n"), check, err=err)
    assert [text for _, text in good] == ["A1", "B1", "GHOST"]
    out = err.getvalue()
    assert "✓ A1  MBA13" in out and "unexpected: unit B1 (MBA13, in_stock at SZ02)" in out and "unknown code" in out and "✗ bad!" in out


# --- units reserved for pre-orders (SO-): on the shelf, held for their order ---------------------


def reserved_here():
    """A1 and A2 reserved for C002's order SO-000001 at SZ01, A3 in stock."""
    stock_in("A1", "A2", "A3")
    return ok("order", "add", "A1", "A2", "--customer", "C002", "--deposit", "cash=500", "--store", "SZ01", "--staff", "E002")


def test_a_scanned_reserved_unit_of_the_store_counts_as_present_and_names_its_order(shop):
    so = reserved_here()
    result = ok("stock", "count", "--store", "SZ01", "A1", "A3")
    assert (result["matched"], result["expected"]) == (2, 3)
    assert result["unexpected"] == [] and result["missing"] == []
    assert result["reserved"] == [{"code": "A1", "sku": "MBA13", "order": so["id"]}]
    assert result["missing_reserved"] == [{"code": "A2", "sku": "MBA13", "order": so["id"]}]
    human = run("stock", "count", "--store", "SZ01", "A1", "A3")
    assert human.code == 0 and "held for pre-orders" in human.stdout and "SO-000001" in human.stdout


def test_the_scanner_says_a_reserved_unit_is_held_for_its_order(shop):
    from storectl.db import Database, resolve_url
    from storectl.services.stock import counting

    so = reserved_here()
    stock_in("B1", store="SZ02")
    ok("order", "add", "B1", "--customer", "C002", "--deposit", "cash=500", "--store", "SZ02", "--staff", "E002")
    with Database(resolve_url(None)).read() as s:
        assert counting.check_count_line(s, store="SZ01", text="A1") == f"MBA13  held for {so['id']}"
        assert counting.check_count_line(s, store="SZ01", text="B1").startswith("unexpected: unit B1 (MBA13, reserved")


def test_apply_never_books_a_reserved_unit_lost_and_says_to_cancel_the_order_first(shop):
    so = reserved_here()
    result = ok("stock", "count", "--store", "SZ01", "A1", "--apply")
    assert result["missing"] == ["A3"] and result["lost"] == 1
    assert [m["code"] for m in result["missing_reserved"]] == ["A2"]
    assert "storectl order cancel SO-000001" in result["note"]
    assert ok("sn", "show", "A2")["status"] == "reserved" and ok("sn", "show", "A3")["status"] == "lost"
    assert ok("order", "show", so["id"])["status"] == "open"
    human = run("stock", "count", "--store", "SZ01", "A1", "--apply")
    assert human.code == 0 and "missing, reserved" in human.stdout and "cancel the order first" in human.stdout
    assert run("db", "check").code == 0
