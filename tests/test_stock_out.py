"""stock out (OUT-): scrap, loss, supplier-return, internal-use; manager-only reasons; quantities."""

from __future__ import annotations

import pytest
from conftest import fails, ok, run
from test_stock_support import PHONE_1, fake_sale, set_manager_pin, shop, stock_in, unit  # noqa: F401


@pytest.mark.parametrize(
    "reason, status",
    [("scrap", "scrapped"), ("loss", "lost"), ("supplier-return", "supplier_returned"), ("internal-use", "internal_use")],
)
def test_each_reason_gives_its_status_an_out_document_and_a_movement(shop, reason, status):
    stock_in("A1", "A2")
    result = ok("stock", "out", "--reason", reason, "a1")
    assert result["id"] == "OUT-000001" and result["status"] == status and result["units"] == ["A1"] and result["store"] == "SZ01"
    assert result["cost"] == "5000.00"
    shown = ok("sn", "show", "A1")
    assert shown["status"] == status
    assert [(h["kind"], h["doc"], h["from"]) for h in shown["history"]][-1] == ("out", "OUT-000001", "SZ01")
    assert ok("stock", "levels") == [{"store": "SZ01", "sku": "MBA13", "name": "MacBook Air 13 M4", "kind": "serial", "qty": 1, "value": "5000.00"}]
    assert run("db", "check").code == 0


def test_quantities_go_out_per_store_at_the_average_cost(shop):
    stock_in("--qty", "10", sku="00123", cost="3")
    result = ok("stock", "out", "--reason", "internal-use", "--store", "SZ01", "00123:4")
    assert result["lines"] == [{"sku": "00123", "qty": 4, "cost": "12.00"}]
    assert [(r["sku"], r["qty"], r["value"]) for r in ok("stock", "levels")] == [("00123", 6, "18.00")]
    error = fails("insufficient_stock", "stock", "out", "--reason", "internal-use", "--store", "SZ01", "00123:7")
    assert "has 6" in error["message"]
    fails("invalid_input", "stock", "out", "--reason", "internal-use", "00123:1")  # which store?
    fails("invalid_input", "stock", "out", "--reason", "internal-use", "--store", "SZ01", "00123:0")
    fails("invalid_input", "stock", "out", "--reason", "internal-use", "--store", "SZ01", "00123:x")
    fails("invalid_input", "stock", "out", "--reason", "internal-use", "--store", "SZ01", "MBA13:1")
    assert run("db", "check").code == 0


def test_scrap_and_loss_are_for_managers_once_pins_are_in_use(shop):
    stock_in("A1", "A2", "A3")
    set_manager_pin("482100")
    for reason in ("scrap", "loss"):
        fails("forbidden", "--operator", "E002", "stock", "out", "--reason", reason, "A1")
        fails("forbidden", "--operator", "E001", "stock", "out", "--reason", reason, "A1", env={"STORECTL_PIN": "000000"})
    assert ok("--operator", "E002", "stock", "out", "--reason", "supplier-return", "A1")["status"] == "supplier_returned"
    assert ok("--operator", "E001", "stock", "out", "--reason", "loss", "A2", env={"STORECTL_PIN": "482100"})["status"] == "lost"
    assert ok("sn", "show", "A1")["status"] == "supplier_returned" and ok("sn", "show", "A3")["status"] == "in_stock"


def test_what_is_not_in_stock_here_cannot_go_out(shop):
    stock_in("A1", "A2", "A3")
    stock_in("B1", store="SZ02")
    fake_sale("A1")
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "A2")
    for code, word in (("A1", "sold"), ("A2", "in_transit")):
        error = fails("conflict", "stock", "out", "--reason", "internal-use", code)
        assert word in error["message"]
    error = fails("conflict", "stock", "out", "--reason", "internal-use", "--store", "SZ01", "B1")
    assert "not at SZ01" in error["message"]
    fails("not_found", "stock", "out", "--reason", "internal-use", "NOPE")
    fails("invalid_input", "stock", "out", "--reason", "internal-use", "A3", "a3")  # listed twice
    fails("invalid_input", "stock", "out", "--reason", "internal-use", "A3", "B1")  # two stores, no --store
    fails("invalid_input", "stock", "out", "--reason", "stolen", "A3")
    fails("invalid_input", "stock", "out", "--reason", "internal-use")
    assert ok("sn", "show", "A3")["status"] == "in_stock"
    assert run("db", "check").code == 0


def test_a_unit_with_several_codes_goes_out_by_any_of_them(shop):
    stock_in(unit(*PHONE_1), sku="IP17P")
    assert ok("stock", "out", "--reason", "supplier-return", PHONE_1[2])["units"] == [PHONE_1[0]]
    stock_in("A9")
    fails("not_found", "stock", "out", "--reason", "internal-use", f"{PHONE_1[0]},NOPE")
    fails("invalid_input", "stock", "out", "--reason", "internal-use", f"{PHONE_1[0]},A9")  # two different units


def test_a_closed_month_refuses_every_stock_write(shop):
    from storectl.models import Period
    from test_stock_support import write_session

    stock_in("A1", "A2")
    stock_in("--qty", "5", sku="00123", cost="1")
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "A2")
    with write_session() as s:
        s.add(Period(period="2026-11", closed=True, closed_by="E001"))
    fails("period_closed", "stock", "out", "--reason", "internal-use", "A1")
    fails("period_closed", "stock", "out", "--reason", "internal-use", "--store", "SZ01", "00123:1")
    fails("period_closed", "transfer", "send", "--from", "SZ01", "--to", "SZ02", "A1")
    fails("period_closed", "transfer", "receive", "TR-000001")
    fails("period_closed", "transfer", "cancel", "TR-000001")
    fails("period_closed", "stock", "count", "--store", "SZ01", "A1")
    assert ok("sn", "show", "A1")["status"] == "in_stock"  # reading is fine
