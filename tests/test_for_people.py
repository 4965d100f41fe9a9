"""Issue 17, "for people": the clerk's defaults and help pages, narrow screens, stderr, time, codes."""

from __future__ import annotations

import re

import pytest
from conftest import fails, imei, ok, run
from test_cli_contract import TREE

# --- defaults from the operator (SPEC §10) -------------------------------------------------------


def _phone(shop, body="86000001700010"):  # noqa: ANN001
    code = imei(body)
    ok("stock", "in", "--sku", "IP17P", "--store", "SZ01", "--cost", "6299", "--supplier", "SUP01",
       f"{code},{imei(body[:-1] + '9')},SN{body[-6:]}")
    return code


def test_a_clerk_who_is_the_operator_sells_without_naming_store_or_staff(shop):
    unit = _phone(shop)
    sale = ok("sell", unit, "--pay", "cash=8999", env={"STORECTL_OPERATOR": "E002"})
    assert sale["store"] == "SZ01" and sale["staff"] == "E002"


def test_an_explicit_store_or_staff_wins_over_the_operator(shop):
    unit = _phone(shop)
    ok("stock", "in", "--sku", "00123", "--store", "SZ02", "--cost", "9", "--qty", "5")
    sale = ok("sell", "00123:1", "--store", "SZ02", "--staff", "E003", "--pay", "cash=39", env={"STORECTL_OPERATOR": "E002"})
    assert sale["store"] == "SZ02" and sale["staff"] == "E003"
    sale = ok("sell", unit, "--staff", "E001", "--pay", "cash=8999", env={"STORECTL_OPERATOR": "E002"})
    assert sale["store"] == "SZ01" and sale["staff"] == "E001"


def test_stock_in_count_and_transfer_send_default_to_the_operators_store(shop):
    as_e003 = {"STORECTL_OPERATOR": "E003"}
    received = ok("stock", "in", "--sku", "00123", "--cost", "9", "--qty", "5", env=as_e003)
    assert received["store"] == "SZ02"
    sent = ok("transfer", "send", "--to", "SZ01", "00123:2", env=as_e003)
    assert sent["from"] == "SZ02"
    counted = ok("stock", "count", "00123:3", env=as_e003)
    assert counted["store"] == "SZ02"


def test_without_a_usable_operator_the_missing_option_is_named(shop):
    unit = _phone(shop)
    error = fails("invalid_input", "sell", unit, "--pay", "cash=8999")  # operator "tester" is no staff
    assert "--store" in error["message"] and "--staff" in error["message"] and "tester" in error["message"]
    assert "STORECTL_OPERATOR" in error["hint"]
    error = fails("invalid_input", "transfer", "send", "--to", "SZ02", unit)
    assert "--from" in error["message"]
    r = run("sell", unit, "--pay", "cash=8999")
    assert r.code == 1 and "Traceback" not in r.stderr and "--store" in r.stderr


# --- help pages ----------------------------------------------------------------------------------

PYTHON_TYPES = re.compile(r"<(bool|int|str|float|path|list\[[^>]*\]|int range|text|integer)>|list\[", re.I)


@pytest.mark.parametrize("path,command", [([], None)] + TREE, ids=["root"] + [" ".join(p) for p, _ in TREE])
def test_every_help_page_shows_what_to_type_an_example_and_what_repeats(path, command):
    r = run(*path, "--help", env={"COLUMNS": "100"})
    assert r.code == 0, r.stdout + r.stderr
    assert not PYTHON_TYPES.search(r.stdout), r.stdout
    if command is None:
        return
    assert "Example" in r.stdout, f"storectl {' '.join(path)} --help has no example"
    repeats = [p for p in command.params if getattr(p, "multiple", False)]
    for param in repeats:
        assert "repeatable" in (param.help or "").lower(), param.name
    if repeats:
        assert "Repeatable" in r.stdout


def test_sell_help_says_method_amount_and_item_amount():
    r = run("sell", "--help", env={"COLUMNS": "120"})
    assert "METHOD=AMOUNT" in r.stdout and "ITEM=AMOUNT" in r.stdout and "Repeatable" in r.stdout


def test_report_help_says_period():
    r = run("report", "staff", "--help", env={"COLUMNS": "120"})
    assert "PERIOD" in r.stdout


# --- --json before the subcommand; typos ---------------------------------------------------------


def test_json_may_come_before_the_subcommand(shop):
    r = run("--json", "product", "show", "00123")
    assert r.code == 0 and r.stderr == ""
    import json

    assert json.loads(r.stdout)["sku"] == "00123"
    r = run("--json", "product", "show", "NOPE")
    assert r.code == 1 and json.loads(r.stdout)["error"]["code"] == "not_found"


def test_a_top_level_typo_gets_a_suggestion():
    r = run("stok", "in")
    assert r.code == 2
    assert "Did you mean 'stock'" in r.stdout + r.stderr
