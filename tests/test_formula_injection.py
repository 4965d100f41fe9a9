"""Formula injection (SPEC §7): user text that starts like a formula reaches the month-end workbook
as a quote-prefixed text cell with its exact text, never as a formula; real numbers stay numbers;
the QR sheet's HTML shows the same text escaped.

Every payload is typed through the CLI as each kind of user text that reaches an export: store code
and name, staff code and name, product SKU, name, brand and category, customer code and name,
channel code and name, member name, supplier name, stock-in reference, a unit code (`-5A`, the only
form a unit code can take), and the shop's name.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import pytest
from conftest import ON_POSTGRES, ok, run
from reliability_helpers import sqlite_copy

PAYLOADS = [
    "=1+1",
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\n=1",
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
]
HTML_PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>']
DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n")


def cli(*command_and_options: str, args: tuple = ()):
    """Positional values after `--`, so a value like -1+2 is an argument and not an option."""
    r = run(*command_and_options, "--json", "--", *args)
    assert r.code == 0, f"{command_and_options} {args!r}: {r.stdout}{r.stderr}"
    return r.json


def _texts(i: int, p: str) -> dict:
    """Code texts get the payload's index appended (\\t=1, \\r=1 and \\n=1 all strip to =1)."""
    return {"code": f"{p}{i}", "name": p}


@pytest.fixture(scope="module")
def _template(tmp_path_factory):
    return tmp_path_factory.mktemp("poisoned") / "shop.db"


@pytest.fixture
def poisoned(request, _template, tmp_path):
    """The poisoned shop, built once per module (per worker) and copied for each test."""
    here = Path(os.environ["STORECTL_DB"])
    if _template.exists() and not ON_POSTGRES:
        sqlite_copy(_template, here)
        made = json.loads(_template.with_suffix(".json").read_text())
    else:
        request.getfixturevalue("shop")
        made = _poison()
        if not ON_POSTGRES:
            sqlite_copy(here, _template)
            _template.with_suffix(".json").write_text(json.dumps(made))
    out = tmp_path / "month.xlsx"
    result = ok("report", "month", "2026-11", "--out", str(out))
    assert Path(result["path"]) == out
    return made, out


def _poison() -> list[dict]:
    ok("config", "set", "shop.name", '=HYPERLINK("http://x","y")')
    made = []
    for i, p in enumerate(PAYLOADS + HTML_PAYLOADS):
        t = _texts(i, p)
        store = cli("store", "add", args=(t["code"], t["name"]))["code"]
        staff = cli("staff", "add", "--store", store, args=(t["code"], t["name"]))["code"]
        sku = cli("product", "add", "--brand", p, "--category", p, "--price", "100", args=(t["code"], t["name"]))["sku"]
        customer = cli("customer", "add", "--credit-limit", "10000", args=(t["code"], t["name"]))["code"]
        channel = cli("channel", "add", args=(t["code"], t["name"]))["code"]
        phone = f"1390000{i:04d}"
        cli("member", "add", "--name", p, "--channel", channel, args=(phone,))
        supplier = cli("supplier", "add", args=(f"SUPX{i}", p))["code"]
        units = [f"-{i}A{k}" for k in range(4)]
        cli("stock", "in", "--store", store, "--sku", sku, "--cost", "60", "--supplier", supplier, "--ref", p, args=tuple(units))
        cli("sell", "--store", store, "--staff", staff, "--customer", customer, "--channel", channel, "--on-credit", args=(units[0],))
        cli("sell", "--store", store, "--staff", staff, "--customer", phone, "--pay", "cash=100", args=(units[1],))
        cli("transfer", "send", "--from", store, "--to", "SZ01", args=(units[2],))  # left on the road
        made.append({"payload": p, "text": p.strip(), "code": f"{p.strip()}{i}", "unit": units[0].upper(), "phone": phone})
    return made


def _cells(path: Path):
    from openpyxl import load_workbook

    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield ws.title, cell


def _header(ws, cell) -> str:
    """The column title a detail cell sits under (the first header-ish text above it)."""
    for r in range(cell.row - 1, 0, -1):
        v = ws.cell(row=r, column=cell.column).value
        if isinstance(v, str) and (" " in v) and not any(v.startswith(d) for d in DANGEROUS) and v.isascii() is False:
            return v
    return f"col{cell.column}"


def test_every_user_text_in_the_workbook_is_neutralised_text_and_numbers_stay_numbers(poisoned):
    made, path = poisoned
    from openpyxl import load_workbook

    wb = load_workbook(path)
    formulas = 0
    found: set[tuple[str, str, str]] = set()  # (payload, sheet, column)
    wanted = {m["text"] for m in made} | {m["code"] for m in made} | {m["unit"] for m in made}
    owner = {}
    for m in made:
        for key in ("text", "code", "unit"):
            owner.setdefault(m[key], set()).add(m["payload"])
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if v is None:
                    continue
                if cell.data_type == "f":
                    formulas += 1
                    # a formula storectl wrote: references and SUM/IF only, nothing a user typed
                    for m in made:
                        assert m["text"] not in v or m["text"] in ("+1",), (ws.title, cell.coordinate, v)
                    assert "HYPERLINK" not in v and "cmd|" not in v, (ws.title, cell.coordinate, v)
                    continue
                if isinstance(v, str):
                    if v.startswith(DANGEROUS):
                        assert cell.data_type == "s" and cell.quotePrefix, f"{ws.title}!{cell.coordinate} {v!r} is not neutralised"
                    for text in wanted:
                        if v == text or (ws.title == "Summary" and v.startswith(text + " ")):
                            for payload in owner[text]:
                                found.add((payload, ws.title, _header(ws, cell)))
                            assert cell.data_type == "s"
                            if text.startswith(DANGEROUS):
                                assert cell.quotePrefix, f"{ws.title}!{cell.coordinate} {v!r}"
    assert formulas > 20  # the totals really are formulas
    # the expected places, for every formula payload
    sheets_for_payload = {}
    for payload, sheet, _col in found:
        sheets_for_payload.setdefault(payload, set()).add(sheet)
    for p in PAYLOADS:
        assert {"Sales", "Staff", "Products", "Receivables", "Inventory", "Points", "Transfers", "Summary"} <= sheets_for_payload.get(p, set()), (p, sheets_for_payload.get(p))
    checked = len([f for f in found if f[0] in PAYLOADS])
    print(f"\nformula injection: {len(PAYLOADS)} payloads, {checked} payload×column places neutralised")
    assert checked >= len(PAYLOADS) * 15

    # money and quantities are numbers, not text
    sales = wb["Sales"]
    header = [c.value for c in sales[1]]
    amount, qty = header.index("金额 Amount") + 1, header.index("数量 Qty") + 1
    data = [r for r in sales.iter_rows(min_row=2) if r[1].value and str(r[1].value).startswith("S-")]
    assert len(data) == 2 * len(made)
    for r in data:
        assert r[amount - 1].data_type == "n" and float(r[amount - 1].value) == 100.0
        assert r[qty - 1].data_type == "n" and r[qty - 1].value == 1
    rec = wb["Receivables"]
    money_cells = [r[3] for r in rec.iter_rows(min_row=2) if r[0].value and r[0].data_type == "s" and r[3].data_type != "f"]
    assert money_cells and all(c.data_type == "n" for c in money_cells)


def test_the_qr_sheets_show_every_payload_escaped(poisoned, tmp_path):
    made, _ = poisoned
    for kind in ("--channels", "--staff"):
        out = tmp_path / f"sheet{kind}.html"
        ok("qr", "sheet", kind, "--out", str(out))
        page = out.read_text(encoding="utf-8")
        for m in made:
            assert html.escape(m["text"]) in page, (kind, m["text"])
            if any(ch in m["text"] for ch in '<>"'):
                assert m["text"] not in page, f"{m['text']!r} appears unescaped in {kind}"
        assert "<script>alert" not in page and "<img src=x" not in page


def test_the_poisoned_shop_passes_db_check(poisoned):
    r = run("db", "check")
    assert (r.code, r.stdout) == (0, ""), r.stdout
