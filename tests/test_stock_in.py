"""stock in: serial units all-or-nothing, files and stdin, scanner mode, quantities with moving-average cost."""

from __future__ import annotations

import io
import json

import pytest
from conftest import fails, ok, run
from test_stock_support import PHONE_1, PHONE_2, shop, stock_in, unit, write_session  # noqa: F401


def test_serial_units_are_received_under_one_in_document(shop):
    result = stock_in("--supplier", "SUP01", "--ref", "PO-118", "c02xk1", "C02XK2")
    assert result["id"] == "IN-000001"
    assert result["received"] == 2 and result["units"] == ["C02XK1", "C02XK2"]
    assert result["store"] == "SZ01" and result["sku"] == "MBA13"
    units = ok("stock", "list")
    assert [(u["codes"], u["status"], u["store"], u["cost"]) for u in units] == [
        ({"SN": "C02XK1"}, "in_stock", "SZ01", "5000.00"),
        ({"SN": "C02XK2"}, "in_stock", "SZ01", "5000.00"),
    ]
    shown = ok("sn", "show", "C02XK2")
    assert shown["supplier"] == "SUP01"
    assert [(h["kind"], h["doc"], h["to"], h["operator"]) for h in shown["history"]] == [("in", "IN-000001", "SZ01", "tester")]
    assert run("db", "check").code == 0


def test_a_phone_carries_imei1_imei2_and_sn_and_any_of_them_finds_it(shop):
    stock_in(unit(*PHONE_1), sku="IP17P", cost="6999")
    for code in PHONE_1:
        shown = ok("sn", "show", code.lower())
        assert shown["codes"] == {"IMEI1": PHONE_1[0], "IMEI2": PHONE_1[1], "SN": PHONE_1[2]}
        assert shown["cost"] == "6999.00" and shown["status"] == "in_stock"


def test_a_bad_imei_check_digit_rejects_the_whole_batch_and_names_the_line(shop):
    bad = PHONE_2[0][:-1] + str((int(PHONE_2[0][-1]) + 1) % 10)
    error = fails("invalid_input", "stock", "in", "--store", "SZ01", "--sku", "IP17P", "--cost", "6999",
                  unit(*PHONE_1), unit(bad, *PHONE_2[1:]))
    assert "argument 2" in error["message"] and "check digit" in error["message"]
    assert "argument 1" not in error["message"]
    assert ok("stock", "list") == []


def test_a_unit_with_the_wrong_number_of_codes_is_refused(shop):
    error = fails("invalid_input", "stock", "in", "--store", "SZ01", "--sku", "IP17P", "--cost", "1", unit(*PHONE_1[:2]))
    assert "IMEI1,IMEI2,SN" in error["message"]


def test_a_code_already_known_is_a_conflict_naming_the_unit_that_holds_it(shop):
    stock_in(unit(*PHONE_1), sku="IP17P")
    error = fails("conflict", "stock", "in", "--store", "SZ02", "--sku", "MBA13", "--cost", "1", PHONE_1[2])
    assert PHONE_1[0] in error["message"] and "IP17P" in error["message"] and "in_stock" in error["message"]
    assert ok("stock", "levels", "--store", "SZ02") == []


def test_every_bad_line_is_listed_and_nothing_is_received(shop):
    stock_in("OLD1")
    (  # line 1 fine, 2 known, 3 garbage, 4 fine, 5 repeats 4
        open("batch.txt", "w").write("NEW1\nOLD1\nbad code!\nNEW2\nNEW2\n")
    )
    error = fails("conflict", "stock", "in", "--store", "SZ01", "--sku", "MBA13", "--cost", "1", "--file", "batch.txt")
    lines = error["message"].splitlines()
    assert lines[0].startswith("3 of 5 lines refused")
    assert [line.split(":")[0] for line in lines[1:]] == ["line 2", "line 3", "line 5"]
    assert "OLD1 (MBA13, in_stock at SZ01)" in lines[1]
    assert [u["codes"]["SN"] for u in ok("stock", "list")] == ["OLD1"]


def test_units_come_from_a_txt_file_a_csv_an_xlsx_or_piped_stdin(shop):
    from openpyxl import Workbook

    open("units.txt", "w").write("T1\n\n t2 \n")
    assert stock_in("--file", "units.txt")["units"] == ["T1", "T2"]
    open("phones.csv", "w", encoding="utf-8").write("sn,Imei2,IMEI1\n" + f"{PHONE_1[2]},{PHONE_1[1]},{PHONE_1[0]}\n")
    assert stock_in("--file", "phones.csv", sku="IP17P")["units"] == [PHONE_1[0]]
    wb = Workbook()
    wb.active.append(["IMEI1", "IMEI2", "SN"])
    wb.active.append(list(PHONE_2))
    wb.save("phones.xlsx")
    assert stock_in("--file", "phones.xlsx", sku="IP17P")["units"] == [PHONE_2[0]]
    assert stock_in("-", input="P1\nP2\n")["units"] == ["P1", "P2"]
    assert run("db", "check").code == 0


def test_a_csv_without_a_column_for_each_code_kind_is_refused(shop):
    open("phones.csv", "w").write("IMEI1,SN\n" + f"{PHONE_1[0]},{PHONE_1[2]}\n")
    error = fails("invalid_input", "stock", "in", "--store", "SZ01", "--sku", "IP17P", "--cost", "1", "--file", "phones.csv")
    assert "IMEI2" in error["message"]


def test_quantity_stock_in_keeps_a_moving_average_cost_across_all_stores(shop):
    first = stock_in("--qty", "10", sku="00123", cost="10")
    assert first["received"] == 10 and first["units"] == [] and first["avg_cost"] == "10.00"
    second = stock_in("--qty", "10", sku="00123", cost="20", store="SZ02")
    assert second["avg_cost"] == "15.00"
    levels = {(r["store"], r["sku"]): (r["qty"], r["value"]) for r in ok("stock", "levels")}
    assert levels == {("SZ01", "00123"): (10, "150.00"), ("SZ02", "00123"): (10, "150.00")}
    assert ok("product", "show", "00123")["avg_cost"] == "15.00"
    assert run("db", "check").code == 0


def test_the_moving_average_rounds_half_up_to_the_cent(shop):
    stock_in("--qty", "1", sku="00123", cost="0.01")
    assert stock_in("--qty", "1", sku="00123", cost="0.02")["avg_cost"] == "0.02"  # 1.5 cents -> 2
    assert stock_in("--qty", "1", sku="00123", cost="0.01")["avg_cost"] == "0.02"  # (4 + 1) / 3 = 1.67 -> 2


@pytest.mark.parametrize(
    "args, hint",
    [
        (("--sku", "IP17P", "--qty", "3"), "serial"),
        (("--sku", "00123", "X1"), "--qty"),
        (("--sku", "00123",), "--qty"),
        (("--sku", "00123", "--qty", "0"), "1"),
        (("--sku", "00123", "--qty", "-1"), "1"),
        (("--sku", "MBA13",), "units"),
    ],
)
def test_quantities_and_unit_codes_are_not_mixed_up(shop, args, hint):
    error = fails("invalid_input", "stock", "in", "--store", "SZ01", "--cost", "1", *args)
    assert hint in error["message"] + error["hint"]


@pytest.mark.parametrize(
    "args, code",
    [
        (("--store", "SZ09", "--sku", "MBA13", "--cost", "1", "A1"), "not_found"),
        (("--store", "SZ01", "--sku", "NOPE", "--cost", "1", "A1"), "not_found"),
        (("--store", "SZ01", "--sku", "MBA13", "--cost", "1", "--supplier", "X", "A1"), "not_found"),
        (("--store", "SZ01", "--sku", "MBA13", "--cost", "abc", "A1"), "invalid_input"),
        (("--store", "SZ01", "--sku", "MBA13", "--cost", "1e309", "A1"), "invalid_input"),
        (("--store", "SZ01", "--sku", "MBA13", "--cost", "-5", "A1"), "invalid_input"),
        (("--store", "SZ01", "--sku", "MBA13", "--cost", "1.001", "A1"), "invalid_input"),
        (("--store", "SZ01", "--sku", "MBA13", "--cost", "1", ""), "invalid_input"),
        (("--store", "SZ01", "--sku", "MBA13", "--cost", "1", " , "), "invalid_input"),
        (("--store", "SZ01", "--sku", "MBA13", "--cost", "1", "--file", "missing.txt"), "invalid_input"),
        (("--store", "SZ01", "--sku", "MBA13", "--cost", "1", "--file", "."), "invalid_input"),
        (("--store", "SZ01", "--sku", "MBA13", "--cost", "1", "A1", "--file", "x.txt"), "invalid_input"),
        (("--store", "SZ01", "--sku", "MBA13", "--cost", "1", "-", "A1"), "invalid_input"),
        (("--store", "SZ01", "--sku", "MBA13", "--cost", "1", "A\u200b1"), "invalid_input"),
        (("--store", "", "--sku", "MBA13", "--cost", "1", "A1"), "invalid_input"),
    ],
)
def test_bad_input_is_a_clean_error_never_a_traceback(shop, args, code):
    fails(code, "stock", "in", *args)
    human = run("stock", "in", *args)
    assert human.code == 1 and "Traceback" not in human.stdout + human.stderr and human.stdout == ""


def test_usage_errors_exit_2_without_a_traceback(shop):
    for args in (("--qty", "abc"), ("--cost",), ()):
        result = run("stock", "in", "--store", "SZ01", "--sku", "00123", *args)
        assert result.code == 2 and "Traceback" not in result.stdout + result.stderr


def test_a_closed_month_refuses_stock_in(shop):
    from storectl.models import Period

    with write_session() as s:
        s.add(Period(period="2026-11", closed=True, closed_by="E001"))
    fails("period_closed", "stock", "in", "--store", "SZ01", "--sku", "MBA13", "--cost", "1", "A1")
    fails("period_closed", "stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "1", "--qty", "1")


def test_an_integrity_error_in_a_race_comes_out_as_conflict(shop, monkeypatch):
    from storectl.services.stock import unit_input

    stock_in("RACE1")
    # As if another writer registered the code after our duplicate check: the UNIQUE index decides.
    with monkeypatch.context() as mp:
        mp.setattr(unit_input, "existing_codes", lambda session, codes: [])
        error = fails("conflict", "stock", "in", "--store", "SZ01", "--sku", "MBA13", "--cost", "1", "RACE2", "RACE1")
    assert "nothing was received" in error["message"]
    assert [u["codes"]["SN"] for u in ok("stock", "list")] == ["RACE1"]
    assert run("db", "check").code == 0


# --- scanner mode ----------------------------------------------------------------------------


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def _checker(sku: str):
    from storectl.db import Database, resolve_url
    from storectl.services.stock import unit_input

    base, seen = Database(resolve_url(None)), {}

    def check(label: str, text: str) -> str:
        with base.read() as s:
            unit_input.check_in_line(s, sku=sku, value=text, seen=seen, label=label)
        return ""

    return check


def test_scanner_mode_answers_each_scan_and_keeps_only_the_good_ones(shop):
    from storectl.cli.stock import scan_loop

    stock_in("KNOWN1")
    err = io.StringIO()
    stream = FakeTTY("S1\nKNOWN1\nbad scan\ns1\nS2\n\nS3\n")
    good = scan_loop(stream, _checker("MBA13"), err=err)
    assert good == [("line 1", "S1"), ("line 5", "S2")]
    lines = err.getvalue().splitlines()
    assert "✓ S1" in lines[1]
    assert lines[2].startswith("✗ KNOWN1") and "already registered" in lines[2]
    assert lines[3].startswith("✗ bad scan")
    assert lines[4].startswith("✗ s1") and "already scanned" in lines[4]
    assert lines[5].startswith("✓ S2")
    assert stream.readline() == "S3\n"  # the empty line ended the batch


def test_strict_scanner_mode_aborts_at_the_first_bad_scan(shop):
    from storectl.cli.stock import scan_loop
    from storectl.errors import StoreError

    with pytest.raises(StoreError):
        scan_loop(FakeTTY("S1\nS1\nS2\n"), _checker("MBA13"), err=io.StringIO(), strict=True)


def test_stock_in_from_a_terminal_commits_the_good_scans_together(shop, monkeypatch, capsys):
    from storectl.cli import stock

    monkeypatch.setattr("storectl.cli.common.state.db", None)  # as the root callback leaves it: STORECTL_DB
    monkeypatch.setattr("sys.stdin", FakeTTY("SCAN1\nnot valid!\nSCAN2\n"))
    stock.stock_in(units=["-"], store="SZ01", sku="MBA13", cost="100", supplier=None, ref=None, file=None, qty=None, strict=False, json_=True)
    captured = capsys.readouterr()
    assert json.loads(captured.out)["units"] == ["SCAN1", "SCAN2"]
    assert "✗ not valid!" in captured.err and "✓ SCAN2" in captured.err
    assert len(ok("stock", "list")) == 2
