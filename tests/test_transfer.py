"""Transfers (TR-): send, receive all or part, cancel, list, show; refusals; a real two-process race."""

from __future__ import annotations

import subprocess

import pytest
from conftest import fails, ok, run, storectl_exe
from test_stock_support import PHONE_1, fake_sale, shop, stock_in, unit  # noqa: F401


@pytest.fixture
def stocked(shop):
    stock_in("A1", "A2", "A3")
    stock_in(unit(*PHONE_1), sku="IP17P", cost="6999")
    stock_in("--qty", "10", sku="00123", cost="2")
    return shop


def levels():
    return {(r["store"], r["sku"]): r["qty"] for r in ok("stock", "levels")}


def test_sending_puts_units_in_transit_and_takes_quantities_off_the_sender(stocked):
    sent = ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "A1", PHONE_1[2], "00123:4")
    assert {k: sent[k] for k in ("id", "status", "from", "to", "units", "received")} == {
        "id": "TR-000001", "status": "open", "from": "SZ01", "to": "SZ02", "units": ["A1", PHONE_1[0]], "received": [],
    }
    assert sent["lines"][0] == {"sku": "00123", "qty": 4, "received": 0, "cancelled": 0, "in_transit": 4, "cost": "8.00"}
    in_transit = ok("stock", "list", "--status", "in_transit")
    assert [(u["codes"].get("SN"), u["store"]) for u in in_transit] == [(PHONE_1[2], "SZ01"), ("A1", "SZ01")]
    assert levels() == {("SZ01", "MBA13"): 2, ("SZ01", "00123"): 6}
    assert run("db", "check").code == 0


def test_receiving_everything_moves_it_to_the_receiver(stocked):
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "A1", "A2", "00123:4")
    done = ok("transfer", "receive", "tr-1")
    assert done["status"] == "received" and done["received"] == ["A1", "A2"] and done["lines"][0]["received"] == 4
    assert levels() == {("SZ01", "MBA13"): 1, ("SZ01", "IP17P"): 1, ("SZ01", "00123"): 6, ("SZ02", "MBA13"): 2, ("SZ02", "00123"): 4}
    assert ok("sn", "show", "A2")["store"] == "SZ02"
    fails("conflict", "transfer", "receive", "TR-000001")
    fails("conflict", "transfer", "cancel", "TR-000001")
    assert run("db", "check").code == 0


def test_a_partial_receipt_leaves_the_rest_in_transit_until_received(stocked):
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "A1", "A2", "00123:4")
    part = ok("transfer", "receive", "TR-000001", "A2", "00123:1")
    assert part["status"] == "partial" and part["received"] == ["A2"] and part["in_transit"] == ["A1"]
    assert part["lines"][0]["received"] == 1 and part["lines"][0]["in_transit"] == 3
    assert [t["id"] for t in ok("transfer", "list", "--open")] == ["TR-000001"]
    assert run("db", "check").code == 0
    fails("insufficient_stock", "transfer", "receive", "TR-000001", "00123:4")
    fails("conflict", "transfer", "receive", "TR-000001", "A2")  # already received
    fails("conflict", "transfer", "receive", "TR-000001", "A3")  # never sent
    fails("not_found", "transfer", "receive", "TR-000001", "NOPE")
    rest = ok("transfer", "receive", "TR-000001")
    assert rest["status"] == "received" and rest["received"] == ["A1", "A2"] and rest["just_received"] == ["A1"]
    assert ok("transfer", "list", "--open") == []
    assert levels()[("SZ02", "00123")] == 4
    assert run("db", "check").code == 0


def test_cancelling_sends_what_was_not_received_back_to_the_sender(stocked):
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "A1", "A2", "00123:4")
    ok("transfer", "receive", "TR-000001", "A1", "00123:1")
    cancelled = ok("transfer", "cancel", "TR-000001")
    assert cancelled["status"] == "cancelled" and cancelled["received"] == ["A1"] and cancelled["cancelled"] == ["A2"]
    assert cancelled["lines"][0]["cancelled"] == 3
    a2 = ok("sn", "show", "A2")
    assert a2["status"] == "in_stock" and a2["store"] == "SZ01"
    assert [h["kind"] for h in a2["history"]] == ["in", "transfer_send", "transfer_cancel"]
    assert levels()[("SZ01", "00123")] == 9 and levels()[("SZ02", "00123")] == 1
    fails("conflict", "transfer", "receive", "TR-000001")
    fails("conflict", "transfer", "cancel", "TR-000001")
    assert ok("transfer", "list")[0]["status"] == "cancelled"
    assert run("db", "check").code == 0


def test_an_in_transit_unit_cannot_be_sent_again_nor_sold(stocked):
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "A1")
    error = fails("conflict", "transfer", "send", "--from", "SZ01", "--to", "SZ02", "A1")
    assert "in_transit" in error["message"]
    fails("conflict", "transfer", "send", "--from", "SZ02", "--to", "SZ01", "A1")
    from test_stock_support import write_session
    from sqlalchemy import update
    from storectl.models import Unit

    with write_session() as s:  # the guarded update a sale uses finds nothing to sell
        assert s.execute(update(Unit).where(Unit.status == "in_stock", Unit.id == 1).values(status="sold")).rowcount == 0


def test_sending_refuses_bad_requests_with_every_bad_line(stocked):
    stock_in("B1", store="SZ02")
    fake_sale("A3")
    fails("invalid_input", "transfer", "send", "--from", "SZ01", "--to", "SZ01", "A1")
    fails("not_found", "transfer", "send", "--from", "SZ01", "--to", "XX", "A1")
    fails("invalid_input", "transfer", "send", "--from", "SZ01", "--to", "SZ02")
    fails("insufficient_stock", "transfer", "send", "--from", "SZ01", "--to", "SZ02", "00123:11")
    fails("insufficient_stock", "transfer", "send", "--from", "SZ01", "--to", "SZ02", "00123:6", "00123:5")
    error = fails("conflict", "transfer", "send", "--from", "SZ01", "--to", "SZ02", "A1", "B1", "A3", "NOPE", "A1", "bad!")
    lines = error["message"].splitlines()
    assert lines[0].startswith("5 of 6 lines refused")
    assert [line.split(":")[0] for line in lines[1:]] == ["argument 2", "argument 3", "argument 4", "argument 5", "argument 6"]
    assert ok("transfer", "list") == [] and ok("sn", "show", "A1")["status"] == "in_stock"


@pytest.mark.parametrize("doc, code", [("TR-", "invalid_input"), ("", "invalid_input"), ("XX-1", "invalid_input"), ("TR-999", "not_found")])
def test_a_bad_transfer_id_is_a_clean_error(stocked, doc, code):
    for command in ("receive", "cancel", "show"):
        fails(code, "transfer", command, doc)
        human = run("transfer", command, doc)
        assert human.code == 1 and "Traceback" not in human.stderr


def test_units_to_send_can_come_from_a_file_or_stdin(stocked):
    open("send.txt", "w").write("A1\nA2\n")
    assert ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "--file", "send.txt")["units"] == ["A1", "A2"]
    assert ok("transfer", "receive", "TR-000001", "-", input="A2\n")["received"] == ["A2"]
    assert ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "-", input="A3\n00123:1\n")["units"] == ["A3"]


def test_list_and_show_read_well_for_people(stocked):
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "A1", "00123:2")
    listing = run("transfer", "list")
    assert listing.code == 0 and "TR-000001" in listing.stdout
    shown = run("transfer", "show", "TR-000001")
    assert shown.code == 0 and "in transit" in shown.stdout and "00123" in shown.stdout
    sent = run("transfer", "send", "--from", "SZ01", "--to", "SZ02", "A2")
    assert sent.code == 0 and "TR-000002" in sent.stderr


def test_two_processes_sending_the_same_unit_at_once_one_wins_the_other_gets_conflict(stocked):
    args = storectl_exe() + ["transfer", "send", "--from", "SZ01", "--to", "SZ02", "A1", "--json"]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    codes = sorted(rc for _, _, rc in results)
    assert codes == [0, 1], results
    loser = next(out for out, _, rc in results if rc == 1)
    assert '"conflict"' in loser and "locked" not in loser
    assert all("Traceback" not in err and "locked" not in err for _, err, _ in results)
    assert len(ok("transfer", "list")) == 1
    assert run("db", "check").code == 0


def test_scanning_units_to_send_flags_a_repeat_and_a_wrong_store_at_once(stocked):
    import io

    from storectl.cli.stock import in_stock_checker, scan_loop
    from storectl.db import Database, resolve_url
    from storectl.services.stock import transfers

    stock_in("B1", store="SZ02")
    base, check = Database(resolve_url(None)), in_stock_checker("SZ01", "send")

    def run_check(label, text):
        with base.read() as s:
            return check(s, label, text)

    err = io.StringIO()
    good = scan_loop(io.StringIO("A1\na1\nB1\n00123:2\n"), run_check, err=err)
    assert [t for _, t in good] == ["A1", "00123:2"]
    assert "already scanned" in err.getvalue() and "not at SZ01" in err.getvalue()
    sent = ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", "A1", "A2")
    with base.read() as s:
        assert transfers.check_receive_line(s, transfer=sent["id"], text="A2") == f"on {sent['id']}"
        from storectl.errors import StoreError

        with pytest.raises(StoreError):
            transfers.check_receive_line(s, transfer=sent["id"], text="A3")
