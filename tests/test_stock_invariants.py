"""db check proves the stock state agrees with the movements: it is silent when they do, loud when not."""

from __future__ import annotations

from sqlalchemy import text

from conftest import ok, run
from test_stock_support import fake_sale, read_session, shop, stock_in, write_session  # noqa: F401


def problems():
    from storectl.services.stock import stock_checks

    with read_session() as s:
        return [(p["check"], p["message"]) for p in stock_checks.invariants(s)]


def busy_shop():
    stock_in("A1", "A2", "A3", "A4")
    stock_in("--qty", "10", sku="00123", cost="2")
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "A1", "A2", "00123:3")
    ok("transfer", "receive", "TR-000001", "A1", "00123:1")
    ok("stock", "out", "--reason", "internal-use", "A3")
    ok("stock", "count", "--store", "SZ01", "A4")
    fake_sale("A4")


def test_a_busy_shop_is_clean(shop):
    busy_shop()
    assert problems() == []
    assert run("db", "check").code == 0


def test_a_status_changed_behind_the_ledgers_back_is_found(shop):
    busy_shop()
    with write_session() as s:
        s.execute(text("UPDATE unit SET status='in_stock' WHERE id = (SELECT unit_id FROM unit_code WHERE code='A3')"))
    found = problems()
    assert ("unit_status", "unit A3 is in_stock but its last movement (out) left it internal_use") in found
    assert any(check == "stock_movements" and "MBA13" in msg for check, msg in found)
    result = run("db", "check", "--json")
    assert result.code == 1 and "A3" in result.stdout


def test_a_unit_moved_to_another_store_without_a_movement_is_found(shop):
    busy_shop()
    with write_session() as s:
        s.execute(text("UPDATE unit SET store_id = (SELECT id FROM store WHERE code='SZ02') WHERE id = (SELECT unit_id FROM unit_code WHERE code='A4')"))
    assert [c for c, _ in problems()] == ["unit_place"]


def test_an_in_transit_unit_without_its_open_transfer_line_is_found(shop):
    busy_shop()
    with write_session() as s:
        s.execute(text("UPDATE transfer_line SET cancelled_qty = 1 WHERE unit_id = (SELECT unit_id FROM unit_code WHERE code='A2')"))
    assert ("unit_transit", "unit A2 is in_transit with 0 open transfer lines (expected 1)") in problems()


def test_a_sold_unit_whose_last_movement_is_not_a_sale_is_found(shop):
    busy_shop()
    with write_session() as s:
        s.execute(text("UPDATE movement SET kind='out' WHERE kind='sale'"))
    assert [c for c, _ in problems()] == ["unit_sold"]


def test_a_stock_level_that_disagrees_with_its_movements_is_found(shop):
    busy_shop()
    with write_session() as s:
        s.execute(text("UPDATE stock_level SET qty = qty + 1"))
    found = problems()
    assert [c for c, _ in found] == ["stock_movements", "stock_movements"]
    assert "00123: stock level 8, movements say 7" in found[0][1]


def test_a_unit_without_any_movement_is_found(shop):
    busy_shop()
    with write_session() as s:
        s.execute(text("DELETE FROM movement WHERE unit_id = (SELECT unit_id FROM unit_code WHERE code='A1')"))
    assert ("unit_history", "unit A1 has no movements") in problems()
