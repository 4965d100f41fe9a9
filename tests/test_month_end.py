"""Reports and the month-end workbook over a month whose figures are worked out by hand below.

November 2026 in the test shop (list prices: IP17P 8999, MBA13 7999, 00123 39):
  11-01 stock in SZ01: three IP17P at 7200, two MBA13 at 6500, 100 × 00123 at 12
  11-05 E002 sells IP17P #1 to C003 (a formula-like name) for 8999 cash
  11-06 E001 sells MBA13 #A + 2 × 00123 to trade customer C001, all on credit: 8077 owed
  11-08 IP17P #2 goes SZ01 → SZ02, received 11-09; 11-10 E003 sells it at a manual 8500
  11-20 the 11-05 sale is returned
  11-25 IP17P #3 leaves SZ01 for SZ02 and is still on the road at month end
  11-28 C001 pays 3000
  12-02 E002 sells MBA13 #B (must not appear in November)
So November: revenue 8999 + 8077 + 8500 − 8999 = 16577.00; cost 7200 + 6524 + 7200 − 7200 = 13724.00;
profit 2853.00. Month-end stock: SZ01 holds IP17P #1 (7200), MBA13 #B (6500) and 98 cables (1176).
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import fails, imei, ok, recalculated, run

FORMULA_NAME = '=HYPERLINK("http://evil.example","点我")'
P1 = [imei("35693803564380"), imei("35693803564381"), "F2LXK9J3Q1"]
P2 = [imei("35693803564382"), imei("35693803564383"), "F2LXK9J3Q2"]
P3 = [imei("35693803564384"), imei("35693803564385"), "F2LXK9J3Q3"]


def at(day: str, time: str = "11:00") -> dict:
    return {"STORECTL_NOW": f"2026-{day}T{time}:00+08:00"}


@pytest.fixture
def november(shop):
    ok("customer", "add", "C003", FORMULA_NAME, "--phone", "13900139000")
    e = at("11-01", "09:00")
    ok("stock", "in", "--store", "SZ01", "--sku", "IP17P", "--cost", "7200", "--supplier", "SUP01",
       ",".join(P1), ",".join(P2), ",".join(P3), env=e)
    ok("stock", "in", "--store", "SZ01", "--sku", "MBA13", "--cost", "6500", "SNMBA000A", "SNMBA000B", env=e)
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "12", "--qty", "100", env=e)
    s1 = ok("sell", "--store", "SZ01", "--staff", "E002", "--customer", "C003", P1[0], "--pay", "cash=8999", env=at("11-05"))
    s2 = ok("sell", "--store", "SZ01", "--staff", "E001", "--customer", "C001", "SNMBA000A", "00123:2", "--on-credit", env=at("11-06"))
    tr = ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", P2[2], env=at("11-08"))
    ok("transfer", "receive", tr["id"], env=at("11-09"))
    ok("sell", "--store", "SZ02", "--staff", "E003", P2[1], "--price", f"{P2[1]}=8500", "--pay", "wechat=8500", env=at("11-10"))
    ok("return", s1["id"], "--refund", "cash", env=at("11-20"))
    ok("transfer", "send", "--from", "SZ01", "--to", "SZ02", P3[0], env=at("11-25"))
    ok("customer", "pay", "C001", "3000", env=at("11-28"))
    ok("sell", "--store", "SZ01", "--staff", "E002", "SNMBA000B", "--pay", "card=7999", env=at("12-02"))
    return {"credit_sale": s2}


def test_the_staff_report_nets_returns_and_uses_each_units_own_cost(november):
    rows = {r["staff"]: r for r in ok("report", "staff", "-p", "2026-11", env=at("12-03"))}
    assert rows["E001"]["revenue"] == "8077.00" and rows["E001"]["cost"] == "6524.00" and rows["E001"]["units"] == 3
    assert rows["E003"]["revenue"] == "8500.00" and rows["E003"]["profit"] == "1300.00"
    assert rows["E002"]["revenue"] == "0.00" and rows["E002"]["sales"] == 1 and rows["E002"]["units"] == 0
    assert [r["staff"] for r in sorted(rows.values(), key=lambda r: r["rank"])][:2] == ["E003", "E001"]


def test_the_december_sale_stays_out_of_november_and_shows_in_december(november):
    stores = {r["store"]: r for r in ok("report", "stores", "-p", "2026-11", env=at("12-03"))}
    assert stores["SZ01"]["revenue"] == "8077.00"  # 8999 sold and returned, 8077 on credit
    december = ok("report", "stores", "-p", "2026-12", env=at("12-03"))
    assert [(r["store"], r["revenue"]) for r in december] == [("SZ01", "7999.00")]


def test_the_daily_report_shows_one_day(november):
    day = ok("report", "daily", "--date", "2026-11-10", env=at("12-03"))
    assert day["total"]["revenue"] == "8500.00" and day["total"]["sales"] == 1
    assert [r["staff"] for r in day["staff"]] == ["E003"]


def test_products_report_groups_by_sku_with_category(november):
    rows = {r["sku"]: r for r in ok("report", "products", "-p", "2026-11", env=at("12-03"))}
    assert rows["00123"]["units"] == 2 and rows["00123"]["revenue"] == "78.00" and rows["00123"]["cost"] == "24.00"
    assert rows["IP17P"]["revenue"] == "8500.00" and rows["IP17P"]["units"] == 1
    assert rows["MBA13"]["category"] == "笔记本"


def _workbook(tmp_path: Path, *args: str):
    result = ok("report", "month", "2026-11", "--out", str(tmp_path), *args, env=at("12-03"))
    return result, load_workbook(result["path"])


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_month_end_json_totals_match_the_hand_figures(november, tmp_path):
    result, _ = _workbook(tmp_path)
    assert result["path"].endswith("storectl-2026-11.xlsx")
    assert (result["revenue"], result["cost"], result["profit"], result["closed"]) == ("16577.00", "13724.00", "2853.00", False)


def test_the_workbook_has_every_sheet_with_frozen_filtered_headers(november, tmp_path):
    _, wb = _workbook(tmp_path)
    assert wb.sheetnames == ["Summary", "Sales", "Staff", "Products", "Receivables", "Inventory", "Points", "Transfers", "Orders",
                             "Coupons", "Service", "Commission"]
    for name in wb.sheetnames[1:]:
        ws = wb[name]
        assert ws.freeze_panes is not None, name
        assert ws.auto_filter.ref, name
    assert len(wb["Staff"]._charts) == 1 and len(wb["Summary"]._charts) == 1


def _sales_rows(wb):
    ws = wb["Sales"]
    header = [c.value for c in ws[1]]
    rows = []
    for row in ws.iter_rows(min_row=2):
        values = {h: c for h, c in zip(header, row)}
        if values["单据 Document"].value is None or str(values["日期 Date"].value or "").startswith("合计"):
            continue
        rows.append(values)
    return header, rows


def test_sales_sheet_has_a_line_per_sale_and_return_with_typed_cells(november, tmp_path):
    _, wb = _workbook(tmp_path)
    header, rows = _sales_rows(wb)
    docs = [r["单据 Document"].value for r in rows]
    assert len(rows) == 5  # 1 + 2 (unit + cables) + 1 + 1 return line; December is absent
    assert sum(1 for d in docs if d.startswith("RT-")) == 1
    first = rows[0]
    assert first["日期 Date"].is_date
    assert first["金额 Amount"].data_type == "n" and "¥" in first["金额 Amount"].number_format
    codes = [r["串号 Codes"].value for r in rows if r["串号 Codes"].value]
    assert any(P1[0] in c for c in codes)
    assert all(r["串号 Codes"].data_type == "s" for r in rows if r["串号 Codes"].value)
    skus = [r["SKU"] for r in rows if r["SKU"].value == "00123"]
    assert skus and skus[0].data_type == "s"  # leading zeros kept as text
    returned = next(r for r in rows if r["单据 Document"].value.startswith("RT-"))
    assert returned["数量 Qty"].value == -1 and _money(returned["金额 Amount"].value) == Decimal("-8999.00")


def test_a_formula_like_customer_name_stays_text(november, tmp_path):
    _, wb = _workbook(tmp_path)
    _, rows = _sales_rows(wb)
    cells = [r["客户 Customer"] for r in rows if r["客户 Customer"].value == FORMULA_NAME]
    assert cells, "the customer's name is written exactly as typed"
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_totals_rows_are_sum_formulas_over_their_columns(november, tmp_path):
    _, wb = _workbook(tmp_path)
    ws = wb["Sales"]
    last = ws.max_row
    assert str(ws.cell(last, 1).value).startswith("合计")
    assert ws.cell(last, 12).value == f"=SUM(L2:L{last - 1})"
    amounts = [ws.cell(r, 12).value for r in range(2, last)]
    assert sum(_money(a) for a in amounts) == Decimal("16577.00")


def test_receivables_inventory_and_transfers_show_the_month_end_state(november, tmp_path):
    _, wb = _workbook(tmp_path)
    rec = wb["Receivables"]
    c001 = next(r for r in rec.iter_rows(min_row=2, values_only=True) if r[0] == "C001")
    assert [_money(v) for v in c001[2:6]] == [Decimal("0.00"), Decimal("8077.00"), Decimal("0.00"), Decimal("3000.00")]
    assert c001[6].startswith("=C")
    inv = {}
    for r in wb["Inventory"].iter_rows(min_row=2, values_only=True):
        if r[0] is None:  # the by-store table ends at its totals row and a blank line
            break
        inv[(r[0], r[1])] = r
    assert inv[("SZ01", "IP17P")][3] == 1 and _money(inv[("SZ01", "IP17P")][4]) == Decimal("7200.00")
    assert inv[("SZ01", "MBA13")][3] == 1  # sold only in December
    assert inv[("SZ01", "00123")][3] == 98 and _money(inv[("SZ01", "00123")][4]) == Decimal("1176.00")
    assert ("SZ02", "IP17P") not in inv
    units = [r for r in wb["Inventory"].iter_rows(values_only=True) if r[3] and P1[0] in str(r[3])]
    assert len(units) == 1 and units[0][0] == "SZ01"  # the returned phone is listed among units on hand
    road = [r for r in wb["Transfers"].iter_rows(min_row=2, values_only=True) if r[0] and str(r[0]).startswith("TR-")]
    assert len(road) == 1 and P3[0] in road[0][6] and road[0][7] == 1 and _money(road[0][8]) == Decimal("7200.00")


def test_report_month_close_exports_and_closes_in_one_step(november, tmp_path):
    result, _ = _workbook(tmp_path, "--close")
    assert result["closed"] is True
    assert [p["period"] for p in ok("period", "list") if p["closed"]] == ["2026-11"]
    fails("period_closed", "customer", "pay", "C001", "100", env=at("11-30"))
    ok("customer", "pay", "C001", "100", env=at("12-03"))  # December is still open


def test_a_closed_month_refuses_sales_stock_and_payments_until_reopened(november):
    ok("period", "close", "2026-11", env=at("12-03"))
    fails("period_closed", "stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "12", "--qty", "1", env=at("11-30"))
    fails("period_closed", "sell", "--store", "SZ01", "--staff", "E002", "00123:1", "--pay", "cash=39", env=at("11-30"))
    ok("period", "reopen", "2026-11", env=at("12-03"))
    ok("sell", "--store", "SZ01", "--staff", "E002", "00123:1", "--pay", "cash=39", env=at("11-30"))


def test_report_month_refuses_a_bad_out_path_and_writes_nothing(november, tmp_path):
    fails("invalid_input", "report", "month", "2026-11", "--out", str(tmp_path / "nope" / "x.xlsx"))
    fails("invalid_input", "report", "month", "2026-11", "--out", str(tmp_path / "x.csv"))
    fails("invalid_input", "report", "month", "2026-13", "--out", str(tmp_path))


def test_a_failed_export_never_replaces_a_good_workbook(november, tmp_path, monkeypatch):
    result, _ = _workbook(tmp_path)
    good = Path(result["path"]).read_bytes()
    from storectl.services.books import month_end_books

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(month_end_books, "points_sheet", boom)
    r = run("report", "month", "2026-11", "--out", str(tmp_path), "--json", env=at("12-03"))
    assert r.code != 0
    assert Path(result["path"]).read_bytes() == good
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_recalculates_the_totals_to_the_json_figures(november, tmp_path):
    result, _ = _workbook(tmp_path)
    wb = recalculated(result["path"], tmp_path)
    summary = {row[0]: row[1] for row in wb["Summary"].iter_rows(min_row=5, max_row=14, values_only=True)}
    figures = {k.split(" ")[0]: v for k, v in summary.items() if k}
    assert _money(figures["销售额"]) == Decimal(result["revenue"])
    assert _money(figures["成本"]) == Decimal(result["cost"])
    assert _money(figures["毛利"]) == Decimal(result["profit"])
    assert _money(figures["应收期末"]) == Decimal("5077.00")
    assert _money(figures["库存金额"]) == Decimal("14876.00")
    staff_total = [r for r in wb["Staff"].iter_rows(values_only=True) if r[0] and str(r[0]).startswith("合计")][0]
    assert _money(staff_total[5]) == Decimal(result["revenue"])  # Staff sheet sums to the Summary figure


def test_an_export_clears_temporary_files_left_by_a_killed_export(november, tmp_path):
    import os
    import time

    stale = tmp_path / ".storectl-2026-11-killed.xlsx.part"
    fresh = tmp_path / ".storectl-2026-11-running.xlsx.part"
    stale.write_bytes(b"half a workbook")
    fresh.write_bytes(b"another export, still writing")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    _workbook(tmp_path)
    assert not stale.exists() and fresh.exists()


# --- read without recalculating (issue 17): a phone's preview, pandas with calamine ----------------


def _calamine(path: str) -> dict[str, list[list]]:
    """Every sheet as a reader that never recalculates sees it: a formula shows its stored value."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(path)
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def _table(rows: list[list], header_row: int = 1) -> tuple[list[dict], dict]:
    """The data rows (as {title: value}) and the totals row of a sheet read by calamine."""
    header = rows[header_row - 1]
    data, total = [], None
    for row in rows[header_row:]:
        if row[0] == "合计 Total":
            total = dict(zip(header, row))
            break
        data.append(dict(zip(header, row)))
    assert total is not None, "no totals row"
    return data, total


def _yuan(value) -> str:
    assert value != "", "a blank where a figure should be"
    return str(_money(value))


def _pct(value) -> str | None:
    """A stored ratio (0.172) as the reports' margin_pct ("17.2"); blank is None."""
    return None if value == "" else str((Decimal(str(value)) * 100).quantize(Decimal("0.1")))


def test_a_reader_that_does_not_recalculate_finds_every_figure_equal_to_the_json(november, tmp_path):
    result, _ = _workbook(tmp_path)
    sheets = _calamine(result["path"])
    env = at("12-03")

    sales, sales_total = _table(sheets["Sales"])
    assert len(sales) == result["lines"] == 5
    for line in sales:  # every line's profit is there, and is amount − cost
        assert _money(line["毛利 Profit"]) == _money(line["金额 Amount"]) - _money(line["成本 Cost"])
    assert (_yuan(sales_total["金额 Amount"]), _yuan(sales_total["成本 Cost"]), _yuan(sales_total["毛利 Profit"])) == (
        result["revenue"], result["cost"], result["profit"])
    assert sales_total["数量 Qty"] == sum(line["数量 Qty"] for line in sales)

    for sheet, command, key, title in (("Staff", "staff", "staff", "店员 Staff"), ("Products", "products", "sku", "SKU")):
        report = {r[key]: r for r in ok("report", command, "-p", "2026-11", env=env)}
        rows, total = _table(sheets[sheet])
        assert {r[title] for r in rows} == set(report)
        for row in rows:
            want = report[row[title]]
            got = {"revenue": _yuan(row["销售额 Revenue"]), "cost": _yuan(row["成本 Cost"]),
                   "profit": _yuan(row["毛利 Profit"]), "margin_pct": _pct(row["毛利率 Margin"]),
                   "sales": row["单数 Sales"], "units": row["数量 Units"]}
            assert got == {k: want[k] for k in got}, (sheet, row[title])
        assert _yuan(total["销售额 Revenue"]) == result["revenue"] and _yuan(total["毛利 Profit"]) == result["profit"]
        assert _yuan(total["成本 Cost"]) == result["cost"]

    receivables, rec_total = _table(sheets["Receivables"])
    balances = {r["customer"]: r for r in ok("customer", "balances", env=at("11-30", "23:00"))}
    assert {r["客户 Customer"]: _yuan(r["期末 Closing"]) for r in receivables} == {"C001": "5077.00"}
    assert _yuan(rec_total["期末 Closing"]) == "5077.00" == balances["C001"]["balance"]

    inventory, inv_total = _table(sheets["Inventory"])
    assert _yuan(inv_total["金额 Value"]) == "14876.00" and inv_total["数量 Qty"] == sum(r["数量 Qty"] for r in inventory)

    points, pts_total = _table(sheets["Points"], header_row=2)
    for row in points:
        assert row["期末 Closing"] == sum(row[t] for t in ("期初 Opening", "获得 Earned", "签到 Check-in", "抵扣 Redeemed",
                                                             "退货 Returns", "过期 Expired", "调整 Adjusted"))
    assert pts_total["期末 Closing"] != "" and pts_total["负债 Liability"] != ""

    road, road_total = _table(sheets["Transfers"])
    assert (road_total["数量 Qty"], _yuan(road_total["成本 Cost"])) == (1, "7200.00")

    summary = {row[0].split(" ")[0]: row[1] for row in sheets["Summary"][4:15]}
    assert len(summary) == 11 and "" not in summary.values()
    assert (_yuan(summary["销售额"]), _yuan(summary["成本"]), _yuan(summary["毛利"])) == (
        result["revenue"], result["cost"], result["profit"])
    assert _pct(summary["毛利率"]) == "17.2"  # 2853 / 16577 = 17.21 %
    assert summary["销售件数"] == sales_total["数量 Qty"]
    assert _yuan(summary["应收期末"]) == "5077.00" and _yuan(summary["库存金额"]) == "14876.00"
    assert (summary["在途"], _yuan(summary["在途成本"])) == (1, "7200.00")
    assert _yuan(summary["积分负债"]) == _yuan(pts_total["负债 Liability"])
    stores = {r["store"]: r for r in ok("report", "stores", "-p", "2026-11", env=env)}
    table = [row for row in sheets["Summary"][23:] if row and row[0]]  # under the figures
    assert {row[0].split(" ")[0]: (_yuan(row[1]), _yuan(row[3]), _yuan(row[4])) for row in table} == {
        k: (r["revenue"], r["cost"], r["profit"]) for k, r in stores.items()}


# --- on paper (issue 17) ---------------------------------------------------------------------


def _width(text) -> int:
    """Columns a text takes: CJK characters are two wide."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in str(text))


def test_every_sheet_prints_on_a4_one_page_wide_with_its_headers_and_a_title(november, tmp_path):
    _, wb = _workbook(tmp_path)
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert int(setup.paperSize) == 9 and int(setup.fitToWidth) == 1, ws.title  # A4, one page wide
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        header = ws.oddHeader.center.text
        assert "测试数码" in header and "2026-11" in header and ws.title in header, ws.title
        if ws.title != "Summary":
            assert ws.print_title_rows and ws.print_title_rows.startswith("$1:"), ws.title  # header rows on every page
    assert wb["Sales"].page_setup.orientation == "landscape"
    assert wb["Summary"].page_setup.orientation == "portrait" and int(wb["Summary"].page_setup.fitToHeight) == 1


def test_every_label_fits_its_column(november, tmp_path):
    from openpyxl.utils import get_column_letter

    _, wb = _workbook(tmp_path)
    for name in wb.sheetnames[1:]:  # header cells: bold, with the filter button beside them
        ws = wb[name]
        for row in ws.iter_rows(min_row=1, max_row=2):
            for cell in row:
                if cell.font.b and isinstance(cell.value, str) and cell.row == (2 if name == "Points" else 1):
                    width = ws.column_dimensions[get_column_letter(cell.column)].width
                    assert _width(cell.value) * 1.1 + 2 <= width, (name, cell.value, width)
    summary = wb["Summary"]
    labels = [row[0] for row in summary.iter_rows(min_row=4, values_only=True) if row and row[0]]
    assert "库存金额 Inventory value at month end" in labels
    assert all(_width(text) * 1.1 <= summary.column_dimensions["A"].width for text in labels)


def test_charts_sit_under_their_tables_within_the_printed_width(november, tmp_path):
    _, wb = _workbook(tmp_path)
    for name in ("Summary", "Staff"):
        ws = wb[name]
        (chart,) = ws._charts
        anchor = chart.anchor._from
        last = max(r for r, row in enumerate(ws.iter_rows(values_only=True), start=1) if any(v is not None for v in row))
        assert anchor.col == 0 and anchor.row >= last, name  # 0-based: below the last row, from column A


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or poppler-utils is not installed")
def test_the_summary_prints_on_one_page_with_nothing_cut(november, tmp_path):
    import subprocess

    result, _ = _workbook(tmp_path)
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), result["path"]],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "pdf" / "storectl-2026-11.pdf"

    def page(n: int) -> str:
        return subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                              check=True, capture_output=True, text=True).stdout

    first, second = page(1), page(2)
    for text in ("销售额 Revenue (net of returns)", "库存金额 Inventory value at month end", "积分负债 Points liability",
                 "¥16,577.00", "¥2,853.00", "¥14,876.00", "毛利 Profit", "门店销售额与毛利"):
        assert text in first, text
    for r in ok("report", "stores", "-p", "2026-11", env=at("12-03")):  # every store's figures, profit included
        assert f"¥{Decimal(r['profit']):,.2f}" in first, r["store"]
    assert "Summary" not in second and "单据 Document" in second  # page 2 is the Sales sheet: the Summary is one page
