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


# --- narrow screens: every read command of the demo at 80 columns --------------------------------

from test_demo import demo  # noqa: E402,F401  (the demo, built once per run)



def _demo_reads(summary) -> list[list[str]]:  # noqa: ANN001
    import json

    db = summary["db"]
    units = json.loads(run("--db", db, "stock", "list", "--store", "SZ01", "--json").stdout)
    code = next(iter(units[0]["codes"].values()))
    phone = next(m["phone"] for m in json.loads(run("--db", db, "member", "list", "--json").stdout))
    return [
        ["report", "staff", "-p", "2026-11"], ["report", "stores", "-p", "2026-11"],
        ["report", "products", "-p", "2026-11"], ["report", "channels", "-p", "2026-11"],
        ["report", "daily", "--date", "2026-11-05"], ["points", "history", phone], ["member", "show", phone],
        ["member", "list"], ["product", "list"], ["customer", "list"], ["customer", "balances"],
        ["customer", "statement", "C001"], ["stock", "levels"], ["stock", "list", "--store", "SZ01"],
        ["sn", "show", code], ["transfer", "list"], ["transfer", "show", "TR-000005"], ["sale", "list", "-p", "2026-11-03"],
        ["sale", "show", "S-000001"], ["price", "list"], ["audit", "--limit", "30"], ["staff", "list"], ["store", "list"],
        ["channel", "list"], ["level", "list"], ["config", "show"], ["supplier", "list"],
    ]


def test_every_read_command_of_the_demo_fits_80_columns_with_every_figure_whole(demo):
    from rich.cells import cell_len

    problems = []
    for args in _demo_reads(demo):
        r = run("--db", demo["db"], *args, env={"COLUMNS": "80", "STORECTL_NOW": "2026-12-01T10:00:00+08:00"})
        label = " ".join(args)
        if r.code != 0:
            problems.append(f"{label}: exit {r.code}: {r.stderr[:200]}")
            continue
        for line in r.stdout.splitlines():
            if cell_len(line.rstrip()) > 80:
                problems.append(f"{label}: {cell_len(line.rstrip())} wide: {line[:60]}…")
                break
        if "…" in r.stdout:
            problems.append(f"{label}: something is cut short")
        for figure in re.findall(r"¥[^\s│┃]*", r.stdout):
            if not re.fullmatch(r"¥[0-9]{1,3}(?:,[0-9]{3})*(?:\.[0-9]{2})?", figure.rstrip(",;)")):
                problems.append(f"{label}: money figure {figure!r} is not whole")
    assert not problems, "\n".join(problems)


def test_the_receipt_at_80_columns_keeps_every_figure_on_one_line(shop):
    unit = _phone(shop)
    ok("stock", "in", "--sku", "00123", "--store", "SZ01", "--cost", "9", "--qty", "5")
    r = run("sell", unit, "00123:2", "--customer", "C001", "--pay", "cash=9100", env={"STORECTL_OPERATOR": "E002", "COLUMNS": "80"})
    assert r.code == 0, r.stderr
    from rich.cells import cell_len

    assert all(cell_len(line.rstrip()) <= 80 for line in r.stdout.splitlines())
    assert "¥8,999.00" in r.stdout and f"warranty until 2027-11-02" in r.stdout
    assert "1 × ¥8,999.00" in r.stdout and "2 × ¥39.00" in r.stdout


# --- stderr: one message, one line ---------------------------------------------------------------


def test_a_long_message_on_stderr_is_one_line_when_piped(shop):
    ok("stock", "in", "--sku", "00123", "--store", "SZ01", "--cost", "9", "--qty", "5")
    r = run("sell", "--store", "SZ01", "--staff", "E002", "00123:2", "--pay", "cash=1", env={"COLUMNS": "80"})
    assert r.code == 1
    first = r.stderr.splitlines()[0]
    assert "do not cover" in first and "missing" in first  # not broken at column 80
    r = run("stock", "in", "--sku", "00123", "--store", "SZ01", "--cost", "9", "--qty", "10", "--supplier", "SUP01",
            "--ref", "a-rather-long-purchase-order-reference-that-pushes-the-line-past-eighty", env={"COLUMNS": "80"})
    assert r.code == 0 and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["[/]王[bold]五", "[link=http://x.example]点我[/link]", "李[红]"])
def test_a_name_with_brackets_is_printed_as_typed_never_read_as_markup(shop, name):
    """A name or code holding Rich markup (or brackets that break it) is data: printed as typed, in
    tables, records, confirmations and the narrow layout; before, `[/]` ended in exit 70."""
    added = run("member", "add", "13900001111", "--name", name)
    assert added.code == 0 and name in added.stderr, added.stderr
    ok("customer", "add", "[/]C9", name)
    for args in (["member", "show", "13900001111"], ["member", "list"], ["customer", "show", "[/]C9"],
                 ["customer", "list"]):
        for columns in ("200", "40"):
            r = run(*args, env={"COLUMNS": columns})
            assert r.code == 0 and "internal error" not in r.stderr, (args, r.stderr)
            assert name in r.stdout or columns == "40", (args, r.stdout)


# --- one human time format -----------------------------------------------------------------------


def test_people_see_one_time_format_and_json_keeps_iso_with_offset(shop):
    unit = _phone(shop)
    sale = ok("sell", "--store", "SZ01", "--staff", "E002", unit, "--pay", "cash=8999")
    assert re.fullmatch(r"2026-11-02T10:00:00\+08:00", sale["at"])
    shown = run("sn", "show", unit).stdout + run("sale", "list").stdout + run("audit").stdout + run("transfer", "list").stdout
    assert "2026-11-02 10:00" in shown
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", shown), shown
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", _phone(shop, "86000001700020"))
    detail = run("transfer", "show", "TR-000001").stdout
    assert "sent 2026-11-02 10:00" in detail and "T10:00" not in detail


# --- counts and transfers: units and quantities apart, the code scanned --------------------------


def test_stock_count_lists_codes_one_to_a_line_and_shows_the_code_scanned(shop):
    bodies = [f"860000018{n}0000" for n in range(8)]
    for body in bodies:
        _phone(shop, body)
    moved = imei(bodies[0])  # a unit moved to SZ02, then scanned at SZ01 by its IMEI2
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", moved)
    ok("transfer", "receive", "TR-000001")
    moved_imei2 = imei(bodies[0][:-1] + "9")
    counted = [imei(bodies[1])] + [imei(b[:-1] + "9") for b in bodies[2:4]] + [moved_imei2]
    doc = ok("stock", "count", "--store", "SZ01", *counted)
    assert moved_imei2 in doc["unexpected"]  # the code scanned, not the unit's IMEI1
    r = run("stock", "count", "--store", "SZ01", *counted, env={"COLUMNS": "80"})
    assert r.code == 0
    lines = r.stdout.splitlines()
    missing = [line for line in lines if line.strip().startswith("860000018") and line.strip().endswith("IP17P")]
    assert len(missing) == 4  # one missing unit a line, with its SKU
    assert any(moved_imei2 in line for line in lines) and moved not in r.stdout
    assert all(len(line) <= 80 for line in lines)


def test_transfer_receive_and_list_report_units_and_quantities_apart(shop):
    unit = _phone(shop)
    ok("stock", "in", "--sku", "00123", "--store", "SZ01", "--cost", "9", "--qty", "20")
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", unit, "00123:10")
    r = run("transfer", "receive", "TR-000001", "00123:10")
    assert r.code == 0
    assert "00123: 10 of 10 received, 0 in transit" in r.stderr and "units: 0 of 1 received, 1 in transit" in r.stderr
    rows = ok("transfer", "list", "--open")
    assert rows[0]["units_in_transit"] == 1 and rows[0]["qty_in_transit"] == 0
    shown = run("transfer", "list", "--open", env={"COLUMNS": "80"}).stdout
    assert "1 of 1" in shown and "0 of 10" in shown


# --- audit names the documents of every write ----------------------------------------------------


def test_audit_names_the_documents_of_receive_cancel_price_member_and_points(shop):
    first, second = _phone(shop), _phone(shop, "86000001700020")
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", first)
    ok("transfer", "receive", "TR-000001")
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", second)
    ok("transfer", "cancel", "TR-000002")
    ok("price", "set", "IP17P", "8799", "--group", "批发")
    ok("member", "add", "13900139000", "--name", "周杰")
    ok("points", "adjust", "13900139000", "+50", "--reason", "补登")
    docs = {row["command"]: row["docs"] for row in ok("audit")}
    assert "TR-000001" in docs["transfer receive"]
    assert "TR-000002" in docs["transfer cancel"]
    assert "IP17P" in " ".join(docs["price set"])
    assert "13900139000" in " ".join(docs["member add"])
    assert "13900139000" in " ".join(docs["points adjust"])


# --- init says which zone it chose ---------------------------------------------------------------


def test_init_without_a_timezone_says_which_zone_it_chose_and_how_to_change_it():
    r = run("init")
    assert r.code == 0
    assert "time zone" in r.stderr and "storectl config set timezone" in r.stderr
    zone = {row["key"]: row["value"] for row in ok("config", "show")}["timezone"]
    assert zone in r.stderr


def test_init_with_a_timezone_says_nothing_about_it():
    r = run("init", "--timezone", "Asia/Shanghai")
    assert r.code == 0 and "config set timezone" not in r.stderr


# --- codes as scanners and spreadsheets give them ------------------------------------------------


def test_an_imei_scanned_for_a_product_without_imei_is_refused(shop):
    phone_imei = imei("86000001900010")
    error = fails("invalid_input", "stock", "in", "--sku", "MBA13", "--store", "SZ01", "--cost", "6000", phone_imei)
    assert "IMEI" in error["message"] and "MBA13" in error["message"]
    error = fails("invalid_input", "stock", "in", "--sku", "MBA13", "--store", "SZ01", "--cost", "6000", "-",
                  input=f"C02AAA000001\n{phone_imei}\n")
    assert phone_imei in error["message"] or "line 2" in error["message"]
    assert ok("stock", "in", "--sku", "MBA13", "--store", "SZ01", "--cost", "6000", "C02AAA000001")["received"] == 1


def test_full_width_digits_in_an_imei_are_read_as_digits(shop):
    code = imei("86000001900020")
    wide = code.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    second = imei("86000001900029")
    received = ok("stock", "in", "--sku", "IP17P", "--store", "SZ01", "--cost", "6299", f"{wide}，{second}，ＳＮ９００２０")
    assert received["received"] == 1
    assert ok("sn", "show", code)["codes"]["SN"] == "SN90020"


def test_cr_lf_and_crlf_all_end_a_scanned_line(shop):
    codes = [f"C02CR{n:07d}" for n in range(3)]
    received = ok("stock", "in", "--sku", "MBA13", "--store", "SZ01", "--cost", "6000", "-",
                  input=f"{codes[0]}\r{codes[1]}\r\n{codes[2]}\n")
    assert received["received"] == 3


def test_a_code_in_excels_scientific_notation_names_the_cause_and_the_fix(shop, tmp_path):
    path = tmp_path / "delivery.csv"
    path.write_text("IMEI1,IMEI2,SN\n8.69733E+14,8.69733E+14,F2LXK0001\n", encoding="utf-8")
    error = fails("invalid_input", "stock", "in", "--sku", "IP17P", "--store", "SZ01", "--cost", "6299", "--file", str(path))
    assert "scientific" in error["message"] and "Excel" in error["message"]
    assert "Text" in error["message"] + error["hint"] and ".xlsx" in error["message"] + error["hint"]


# --- periods with / ------------------------------------------------------------------------------


@pytest.mark.parametrize("text,label", [("2026/11", "2026-11"), ("2026/11/03", "2026-11-03"), ("2026/11/01..2026/12/01", "2026-11-01..2026-12-01")])
def test_periods_accept_a_slash_between_the_parts(text, label):
    from storectl.periods import parse_period

    assert parse_period(text).label == label


def test_a_period_mixing_separators_in_one_date_is_refused():
    from storectl.errors import StoreError
    from storectl.periods import parse_period

    with pytest.raises(StoreError):
        parse_period("2026/11-03")


# --- the README's commands work where it says ----------------------------------------------------


def test_the_demo_leaves_the_sample_files_the_readme_imports(demo):
    from pathlib import Path

    folder = Path(demo["db"]).parent
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for name in re.findall(r"storectl import \w+ storectl-demo/(\S+)", readme):
        assert (folder / name).is_file(), name
    assert "sample_data/stores.csv" not in readme


def test_a_units_history_says_where_each_movement_took_it_in_words(shop):
    phone = [imei("35693803564500"), imei("35693803564501"), "F2LXKWHERE1"]
    ok("stock", "in", "--store", "SZ01", "--sku", "IP17P", "--cost", "7200", ",".join(phone))
    tr = ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", phone[0])
    ok("transfer", "receive", tr["id"])
    ok("sell", "--store", "SZ02", "--staff", "E003", phone[0], "--pay", "cash=8999")
    out = run("sn", "show", phone[1], env={"COLUMNS": "80"}).stdout
    assert "into SZ01" in out and "SZ01 → SZ02" in out and "out of SZ02" in out
    assert "·" not in out
