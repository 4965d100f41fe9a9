"""The month-end workbook: Summary, Sales, Staff, Products, Receivables, Inventory, Points, Transfers, Coupons,
Service, Commission.

Written from one read snapshot, streamed (write-only openpyxl), into a temporary file that is
renamed over the target only when complete: a killed export never leaves half a workbook.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from sqlalchemy import select
from sqlmodel import Session

from decimal import Decimal

from storectl.errors import invalid
from storectl.money import cents_of
from storectl.models import Channel, Customer, Product, Staff, Store
from storectl.periods import Period, last_month, parse_period
from storectl.services.books import month_end_books as books
from storectl.services.books import month_end_commission
from storectl.services.books import month_end_promo
from storectl.services.books import month_end_service
from storectl.services.books import month_end_trade
from storectl.services.books import reports
from storectl.services.shop import settings
from storectl.services.books.facts import signed_lines
from storectl.services.books.xlsx import (
    Col,
    Formula,
    SheetWriter,
    codes_for,
    column_width,
    is_dangerous,
    local_naive,
    page_header,
    print_setup,
    start_sheet,
)

SHEETS = ("Summary", "Sales", "Staff", "Products", "Receivables", "Inventory", "Points", "Transfers", "Orders", "Coupons",
          "Service", "Commission")


def resolve_month(session: Session, text: str | None) -> Period:
    if not text:
        return last_month(settings.today(session))
    return parse_period(text)


def target_path(out: str, period: Period) -> Path:
    """PATH may be a folder (then storectl-2026-11.xlsx inside it) or an .xlsx file."""
    if not out or not out.strip():
        raise invalid("no --out given", "e.g. --out ~/月结 or --out 2026-11.xlsx")
    path = Path(out).expanduser()
    if path.is_dir() or out.endswith(("/", os.sep)):
        path = path / f"storectl-{period.label}.xlsx"
    if path.suffix.lower() != ".xlsx":
        raise invalid(f"{path.name}: the workbook must be an .xlsx file", "e.g. --out storectl-2026-11.xlsx, or a folder")
    if not path.parent.is_dir():
        raise invalid(f"folder {str(path.parent)!r} does not exist", "create it first or choose another --out")
    if not os.access(path.parent, os.W_OK):
        raise invalid(f"folder {str(path.parent)!r} is not writable", "choose another --out")
    return path.absolute()


def write_workbook(session: Session, *, period: Period, path: Path, progress: Callable[[str], None] = lambda s: None) -> dict:
    """Write the workbook and put it in place (owner-only: it holds names, phones, balances, costs)."""
    built = build_workbook(session, period=period, path=path, progress=progress)
    try:
        place(built)
    finally:
        discard(built)
    return built.result


def export(db, *, period_text: str | None, out: str, close: bool, progress: Callable[[str], None] = lambda s: None) -> dict:  # noqa: ANN001
    """`report month [--close]`: the workbook from one read snapshot; with --close the month is
    closed only once the workbook is in place, and only if nothing dated in the month was written
    while it was being made (then the export is refused, to be run again, and nothing is closed).

    Closing first (as before) left the month closed without a workbook when the disk filled;
    holding the write lock through the export would stop the tills for as long as it runs.
    """
    from storectl.services.shop import closing

    with db.read("report month") as s:
        p = resolve_month(s, period_text)
    path = target_path(out, p)
    with db.read("report month") as s:
        mark = closing.audit_mark(s)
        built = build_workbook(s, period=p, path=path, progress=progress)
    try:
        closed = False
        if close:
            with db.write("report month") as s:
                start, end = reports.bounds(s, p)
                closing.refuse_if_written_since(s, mark, start, end, p.label)
                closed = closing.close(s, p.label)["closed"]
                place(built)  # in place before the close commits: never a closed month without its workbook
        else:
            place(built)
    finally:
        discard(built)
    return {**built.result, "closed": closed}


class Built:
    """A workbook written to a temporary file beside its target, not yet in place."""

    def __init__(self, tmp: Path, path: Path, result: dict) -> None:
        self.tmp, self.path, self.result = tmp, path, result


def build_workbook(session: Session, *, period: Period, path: Path, progress: Callable[[str], None] = lambda s: None) -> Built:
    from openpyxl import Workbook

    tz = settings.shop_tz(session)
    start, end = reports.bounds(session, period)
    wb = Workbook(write_only=True)
    # every formula carries its value (xlsx.CachedWriter); Excel and LibreOffice recompute anyway
    wb.calculation.fullCalcOnLoad = True
    try:
        totals = _fill(session, wb, period, start, end, tz, progress)
    except BaseException:
        _close_sheets(wb)
        raise
    progress("saving")
    _remove_stale_parts(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx.part", dir=path.parent)  # 0600
    except OSError as exc:
        _close_sheets(wb)
        raise _storage(exc) from None
    os.close(fd)
    try:
        save_private(wb, Path(tmp))
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _storage(exc) from None
        raise
    return Built(Path(tmp), path, {
        "period": period.label,
        "path": str(path),
        "revenue": totals["revenue"],
        "cost": totals["cost"],
        "profit": totals["profit"],
        "sales": totals["sales"],
        "lines": totals["lines"],
        "sheets": list(wb.sheetnames),  # SHEETS, and "Inventory (2)" … when a sheet runs past Excel's rows
    })


def place(built: Built) -> None:
    """Rename the finished workbook over its target, and make the rename durable."""
    try:
        os.replace(built.tmp, built.path)
        fd = os.open(built.path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _storage(exc) from None


def discard(built: Built) -> None:
    try:
        built.tmp.unlink(missing_ok=True)
    except OSError:
        pass


def save_private(wb, path: Path) -> None:  # noqa: ANN001
    """Save a workbook into `path` (already created 0600), flushed to the disk.

    openpyxl's own save leaves its ZipFile open when a write fails (a full disk), and the ZipFile's
    __del__ then tries to write again and prints a traceback; here a failed archive is dropped."""
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    os.chmod(path, 0o600)  # owner-only whatever the umask: names, phones, balances and costs
    with open(path, "wb") as fh:
        archive = zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        try:
            ExcelWriter(wb, archive).save()
        except BaseException:
            archive.fp = None  # nothing more to write: the file is removed by the caller
            _close_sheets(wb)
            raise
        fh.flush()
        os.fsync(fh.fileno())


def _close_sheets(wb) -> None:  # noqa: ANN001
    for ws in wb.worksheets:  # finish the sheets' temporary files so nothing is left half-open
        try:
            ws.close()
        except Exception:  # noqa: BLE001
            pass


def _storage(exc: OSError):  # noqa: ANN202
    from storectl.errors import STORAGE_ERRNOS, storage_error

    if exc.errno in STORAGE_ERRNOS:
        return storage_error(exc, "write the workbook")
    return invalid(f"cannot write the workbook: {exc.strerror or exc}", "check the --out folder is writable")


STALE_PART_SECONDS = 3600


def _remove_stale_parts(path: Path) -> None:
    """Temporary files left by exports that were killed (an hour old: no export runs that long)."""
    import time

    for part in path.parent.glob(f".{path.stem}-*.xlsx.part"):
        try:
            if time.time() - part.stat().st_mtime > STALE_PART_SECONDS:
                part.unlink()
        except OSError:
            pass


def _fill(session: Session, wb, period: Period, start, end, tz, progress) -> dict:  # noqa: ANN001
    summary = wb.create_sheet("Summary")  # first tab; filled last, when the totals are known
    progress("Sales")
    sales = _sales_sheet(session, wb, start, end, tz)
    progress("Staff")
    staff = _table_sheet(wb, "Staff", reports.by_staff(session, period), "staff")
    progress("Products")
    products = _table_sheet(wb, "Products", reports.by_product(session, period), "sku")  # noqa: F841
    progress("Receivables")
    receivables = books.receivables_sheet(session, wb, start, end)
    progress("Inventory")
    inventory = books.inventory_sheet(session, wb, end, tz)
    progress("Points")
    points = books.points_sheet(session, wb, start, end)
    progress("Transfers")
    transfers = books.transfers_sheet(session, wb, end, tz)
    progress("Orders")
    orders = month_end_trade.orders_sheet(session, wb, start, end, tz)
    progress("Coupons")
    coupons = month_end_promo.coupons_sheet(session, wb, start, end)
    progress("Service")
    service = month_end_service.service_sheet(session, wb, start, end, tz)
    progress("Commission")
    commission = month_end_commission.commission_sheet(session, wb, start, end, tz)
    progress("Summary")
    totals = reports.totals(session, period)
    _summary(session, wb, summary, period, totals, sales, staff, receivables, inventory, points, transfers, orders, coupons,
             service, commission)
    title = f"{settings.get(session, 'shop.name')} · 月结 {period.label}"
    for ws in wb.worksheets:  # printed on every page: the shop, the period and the sheet
        page_header(ws, title)
    totals["lines"] = sales.data_rows
    return totals


# --- Sales ---------------------------------------------------------------------------------

SALES_COLS = [
    Col("日期 Date", "datetime", 17),
    Col("单据 Document", "code", 12),
    Col("门店 Store", "code", 8),
    Col("店员 Staff", "text", 10),
    Col("客户 Customer", "text", 22),
    Col("渠道 Channel", "code", 9),
    Col("SKU", "code", 16),
    Col("商品 Product", "text", 30),
    Col("串号 Codes", "code", 36),
    Col("数量 Qty", "int", 8, True),
    Col("单价 Price", "money", 12),
    Col("金额 Amount", "money", 13, True),
    Col("成本 Cost", "money", 13, True),
    Col("毛利 Profit", "formula", 13, True),
]


def _sales_sheet(session: Session, wb, start, end, tz) -> SheetWriter:  # noqa: ANN001
    """A row per sale line and per return line (signed) from the sales facts; columns by title."""
    sheet = SheetWriter(wb, "Sales", SALES_COLS)
    staff = {s.id: s.name for s in session.execute(select(Staff.id, Staff.name))}
    stores = {s.id: s.code for s in session.execute(select(Store.id, Store.code))}
    channels = {c.id: c.code for c in session.execute(select(Channel.id, Channel.code))}
    products = {p.id: (p.sku, p.name) for p in session.execute(select(Product.id, Product.sku, Product.name))}
    f = signed_lines(start=start, end=end)
    codes = codes_for(session, {r[0] for r in session.execute(select(f.c.unit_id).where(f.c.unit_id.is_not(None)))})
    query = (
        select(f, Customer.name.label("customer_name"), Customer.code.label("customer_code"))
        .outerjoin(Customer, Customer.id == f.c.customer_id)
        .order_by(f.c.is_sale.desc(), f.c.at, f.c.doc_id, f.c.line_order)
    )
    amount, cost = sheet.letter("金额 Amount"), sheet.letter("成本 Cost")
    for line in session.execute(query.execution_options(yield_per=5000)):
        sku, name = products[line.product_id]
        r = sheet.row + 1
        cells = {
            "日期 Date": local_naive(line.at, tz), "单据 Document": line.doc_no, "门店 Store": stores.get(line.store_id),
            "店员 Staff": staff.get(line.staff_id), "客户 Customer": line.customer_name or line.customer_code or "散客",
            "渠道 Channel": channels.get(line.channel_id), "SKU": sku, "商品 Product": name,
            "串号 Codes": codes.get(line.unit_id) if line.unit_id else None, "数量 Qty": line.qty, "单价 Price": line.price,
            "金额 Amount": line.revenue, "成本 Cost": line.cost,
            "毛利 Profit": Formula(f"={amount}{r}-{cost}{r}", _yuan(line.revenue - line.cost)),
        }
        sheet.append([cells[c.title] for c in SALES_COLS])
    sheet.totals()
    sheet.filter()
    return sheet


# --- Staff / Products (from the report rows) ------------------------------------------------


def _table_sheet(wb, title: str, rows: list[dict], key: str) -> SheetWriter:  # noqa: ANN001
    if key == "staff":
        cols = [Col("店员 Staff", "code", 9), Col("姓名 Name", "text", 10), Col("门店 Store", "code", 8)]
        lead = lambda r: [r["staff"], r["name"], r["store"]]  # noqa: E731
    else:
        cols = [Col("SKU", "code", 18), Col("商品 Product", "text", 30), Col("类别 Category", "text", 10)]
        lead = lambda r: [r["sku"], r["name"], r["category"]]  # noqa: E731
    cols += [
        Col("单数 Sales", "int", 9, True),
        Col("数量 Units", "int", 9, True),
        Col("销售额 Revenue", "money", 14, True),
        Col("成本 Cost", "money", 14, True),
        Col("毛利 Profit", "formula", 14, True),
        Col("毛利率 Margin", "pct", 10),
    ]
    if key == "staff":
        cols.append(Col("新会员 Members", "int", 10, True))
    sheet = SheetWriter(wb, title, cols)
    n = len(lead({"staff": 0, "name": 0, "store": 0, "sku": 0, "category": 0}))
    rev, cost, profit = (sheet_col(n + 3), sheet_col(n + 4), sheet_col(n + 5))
    for r in rows:
        row = sheet.row + 1
        values = lead(r) + [r["sales"], r["units"], cents_of(r["revenue"]), cents_of(r["cost"]),
                            Formula(f"={rev}{row}-{cost}{row}", _yuan(cents_of(r["profit"]))),
                            margin_formula(f"{rev}{row}", f"{profit}{row}", r["margin_pct"])]
        if key == "staff":
            values.append(r["members"])
        sheet.append(values)
    sheet.totals()
    sheet.filter()
    if rows:
        from openpyxl.chart import BarChart, Reference

        chart = BarChart()
        chart.type = "bar"
        chart.title = "销售额与毛利 Revenue and profit"
        chart.height, chart.width = min(7 + 0.4 * min(len(rows), 30), CHART_MAX_CM), 16
        data = Reference(sheet.ws, min_col=n + 3, max_col=n + 3, min_row=sheet.header_row, max_row=sheet.data_end)
        chart.add_data(data, titles_from_data=True)
        chart.add_data(Reference(sheet.ws, min_col=n + 5, max_col=n + 5, min_row=sheet.header_row, max_row=sheet.data_end), titles_from_data=True)
        chart.set_categories(Reference(sheet.ws, min_col=2 if key == "staff" else 1, min_row=sheet.header_row + 1, max_row=sheet.data_end))
        place_chart_below(sheet, chart)
    return sheet


# Printed landscape on A4 at the margins of xlsx.print_setup, one page holds about this much.
PAGE_CM = 17.5
ROW_CM = 0.53  # a default row (15 points)
CHART_MAX_CM = 15.0


def place_chart_below(sheet: SheetWriter, chart) -> None:  # noqa: ANN001
    """The chart under the table, one row below its totals row, where printing keeps it whole:
    when the table and the chart do not fit on the first page together, a page break before the
    chart starts it on a page of its own (the chart is never taller than a page). Beside the table
    it made the sheet twice as wide, so printed one page wide everything shrank by half."""
    from openpyxl.worksheet.pagebreak import Break

    anchor = sheet.row + 2
    if sheet.sheets > 1 or anchor * ROW_CM + chart.height > PAGE_CM:
        sheet.ws.row_breaks.append(Break(id=anchor - 1))
    sheet.ws.add_chart(chart, f"A{anchor}")


def _yuan(cents: int) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def margin_formula(revenue: str, profit: str, margin_pct: str | None) -> Formula:
    """Margin as the reports show it: profit / revenue rounded half up to 0.1 % (Excel's ROUND
    rounds halves away from zero, as `money.div_half_up` does), blank without revenue."""
    value = "" if margin_pct is None else Decimal(margin_pct).scaleb(-2)
    return Formula(f'=IF({revenue}<=0,"",ROUND({profit}/{revenue},3))', value)


def margin_pct(revenue_cents: int, cost_cents: int) -> str | None:
    """As the reports show it (`reports._figures`): 0.1 %, half up; None without revenue."""
    from storectl.money import div_half_up, format_tenths

    if revenue_cents <= 0:
        return None
    return format_tenths(div_half_up((revenue_cents - cost_cents) * 1000, revenue_cents))


def sheet_col(i: int) -> str:
    from storectl.services.books.xlsx import col_letter

    return col_letter(i)


# --- Summary -------------------------------------------------------------------------------


def _summary(session, wb, ws, period, totals, sales, staff, receivables, inventory, points, transfers, orders, coupons, service, commission) -> None:  # noqa: ANN001
    """The figures (each a formula over a detail sheet's totals, with its value), the stores table
    and its chart under them: laid out to print on one A4 page, portrait."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    from storectl.services.books.xlsx import cached_formula_cell

    bold = Font(bold=True)
    big = Font(bold=True, size=14)
    money_style = sales._money
    shop = settings.get(session, "shop.name")
    store_rows = reports.by_store(session, period)

    def label(text, font=bold):  # noqa: ANN001, ANN202
        cell = WriteOnlyCell(ws, value=text)
        if is_dangerous(text):  # shop and store names are user text
            cell.data_type, cell.quotePrefix = "s", True
        cell.font = font
        return cell

    def formula(expr, value, style=money_style):  # noqa: ANN001, ANN202
        cell = cached_formula_cell(ws, expr, value)
        if style is not None:
            cell._style = style
        return cell

    rows = _figures(sales, receivables, inventory, points, transfers, orders, coupons, service, commission)
    store_labels = [f"{r['store']} {r['name']}" for r in store_rows]
    # every label fits its column (CJK characters count two); the money columns fit ¥99,999,999.99
    widths = {"A": column_width([t for t, *_ in rows] + store_labels + ["门店 Store"], least=20, most=48),
              "B": 16.0, "C": 2.0, "D": 16.0, "E": 16.0}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A5"
    print_setup(ws, widths=list(widths.values()), title_rows=None, fit_height=True)
    start_sheet(ws)

    ws.append([label(f"{shop} · 月结 {period.label}", big)])
    ws.append([label(f"{period.start.isoformat()} – {period.end.isoformat()} (end exclusive)", Font(italic=True))])
    ws.append([])
    ws.append([label("项目 Figure"), label("金额 Amount")])
    for text, expr, value, style in rows:
        ws.append([label(text, Font()), formula(expr, value, style)])
    ws.append([])
    # per-store table for the chart, two rows under the figures
    header_row = 4 + len(rows) + 2
    ws.append([label("门店 Store"), label("销售额 Revenue"), None, label("成本 Cost"), label("毛利 Profit")])
    for i, (r, text) in enumerate(zip(store_rows, store_labels), start=header_row + 1):
        ws.append([label(text, Font()), _money_cell(ws, r["revenue"], money_style), None,
                   _money_cell(ws, r["cost"], money_style), formula(f"=B{i}-D{i}", _yuan(cents_of(r["profit"])))])
    if store_rows:
        chart = BarChart()
        chart.title = "门店销售额与毛利 Revenue and profit by store"
        chart.add_data(Reference(ws, min_col=2, min_row=header_row, max_row=header_row + len(store_rows)), titles_from_data=True)
        chart.add_data(Reference(ws, min_col=5, min_row=header_row, max_row=header_row + len(store_rows)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=header_row + len(store_rows)))
        # under the stores table, as wide as the columns A–E: the page is one page wide and tall
        chart.height, chart.width = 7.5 + 0.3 * min(len(store_rows), 20), 0.19 * sum(widths.values())
        ws.add_chart(chart, f"A{header_row + len(store_rows) + 2}")


def _figures(sales, receivables, inventory, points, transfers, orders, coupons, service, commission) -> list[tuple]:  # noqa: ANN001
    """The Summary's figures from row 5: (label, formula over a detail sheet's totals, its value, style)."""
    money_style, pct_style = sales._money, sales._pct
    revenue, cost = sales.total("金额 Amount"), sales.total("成本 Cost")
    margin = margin_pct(int(revenue * 100), int(cost * 100))
    return [
        ("销售额 Revenue (net of returns)", f"={sales.ref('金额 Amount')}", revenue, money_style),
        ("成本 Cost of goods sold", f"={sales.ref('成本 Cost')}", cost, money_style),
        ("毛利 Gross profit", "=B5-B6", revenue - cost, money_style),
        ("毛利率 Margin", '=IF(B5<=0,"",ROUND(B7/B5,3))', "" if margin is None else Decimal(margin).scaleb(-2), pct_style),
        ("销售件数 Units sold (net)", f"={sales.ref('数量 Qty')}", sales.total("数量 Qty"), None),
        ("应收期末 Receivables at month end", f"={receivables.ref('期末 Closing')}", receivables.total("期末 Closing"), money_style),
        ("库存金额 Inventory value at month end", f"={inventory.ref('金额 Value')}", inventory.total("金额 Value"), money_style),
        ("在途 Units on the road at month end", f"={transfers.ref('数量 Qty')}", transfers.total("数量 Qty"), None),
        ("在途成本 Cost on the road", f"={transfers.ref('成本 Cost')}", transfers.total("成本 Cost"), money_style),
        ("积分负债 Points liability", f"={points.ref('负债 Liability')}", points.total("负债 Liability"), money_style),
        ("保修成本 Warranty cost", f"={service.ref('保修成本 Warranty cost')}", service.total("保修成本 Warranty cost"), money_style),
        ("优惠券折扣 Coupon discount given", f"={coupons.ref('折扣 Discount')}", coupons.total("折扣 Discount"), money_style),
        # rows 17 and 18 (issue 20): commission expense from the Commission sheet, and the profit after it
        ("佣金 Commission expense", f"={commission.ref(month_end_commission.AMOUNT)}",
         commission.total(month_end_commission.AMOUNT), money_style),
        ("佣金后利润 Profit after commission", "=B7-B17", revenue - cost - commission.total(month_end_commission.AMOUNT),
         money_style),
        ("定金 Deposits held at month end", f"={orders.ref('定金持有 Deposit held')}", orders.total("定金持有 Deposit held"), money_style),
        ("没收定金 Forfeited deposits", f"={orders.ref('没收 Forfeited')}", orders.total("没收 Forfeited"), money_style),
        # the used-* units of Inventory's serial-units table (its column G); the units are also in 库存金额 above
        ("回收库存 Trade-in stock at cost", _used_at_cost(inventory), _yuan(inventory.used_cents), money_style),
    ]


def _used_at_cost(inventory) -> str:  # noqa: ANN001
    """SUMIF of the used-* rows over every Inventory sheet: a long inventory goes on in "Inventory (2)", …"""
    titles = [inventory.title] + [f"{inventory.title} ({n})" for n in range(2, inventory.sheets + 1)]
    refs = [t if t.isalnum() else "'" + t.replace("'", "''") + "'" for t in titles]
    return "=" + "+".join(f"SUMIF({r}!G:G,\"used-{g}\",{r}!E:E)" for r in refs for g in "ABCD")


def _money_cell(ws, text: str, style):  # noqa: ANN001, ANN202
    from decimal import Decimal

    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=Decimal(cents_of(text)).scaleb(-2))
    cell._style = style
    return cell
