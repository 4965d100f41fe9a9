"""The month-end workbook: Summary, Sales, Staff, Products, Receivables, Inventory, Points, Transfers.

Written from one read snapshot, streamed (write-only openpyxl), into a temporary file that is
renamed over the target only when complete: a killed export never leaves half a workbook.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from sqlalchemy import and_, case, func, select
from sqlmodel import Session

from storectl.errors import invalid
from storectl.models import (
    Customer,
    Movement,
    Payment,
    PointsEntry,
    Product,
    ReturnLine,
    Sale,
    SaleLine,
    SaleReturn,
    Staff,
    Store,
    Transfer,
    TransferLine,
    Unit,
    UnitCode,
    Channel,
)
from storectl.periods import Period, last_month, parse_period
from storectl.services import reports, settings
from storectl.services.xlsx import Col, SheetWriter, is_dangerous, local_naive

SHEETS = ("Summary", "Sales", "Staff", "Products", "Receivables", "Inventory", "Points", "Transfers")


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
    from openpyxl import Workbook

    tz = settings.shop_tz(session)
    start, end = reports.bounds(session, period)
    wb = Workbook(write_only=True)
    wb.calculation.fullCalcOnLoad = True  # formulas have no cached values: compute on open
    try:
        totals = _fill(session, wb, period, start, end, tz, progress)
    except BaseException:
        for ws in wb.worksheets:  # finish the sheets' temporary files so nothing is left half-open
            try:
                ws.close()
            except Exception:  # noqa: BLE001
                pass
        raise
    progress("saving")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx.part", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {
        "period": period.label,
        "path": str(path),
        "revenue": totals["revenue"],
        "cost": totals["cost"],
        "profit": totals["profit"],
        "sales": totals["sales"],
        "lines": totals["lines"],
        "sheets": list(SHEETS),
    }


def _fill(session: Session, wb, period: Period, start, end, tz, progress) -> dict:  # noqa: ANN001
    summary = wb.create_sheet("Summary")  # first tab; filled last, when the totals are known
    progress("Sales")
    sales = _sales_sheet(session, wb, start, end, tz)
    progress("Staff")
    staff = _table_sheet(wb, "Staff", reports.by_staff(session, period), "staff")
    progress("Products")
    products = _table_sheet(wb, "Products", reports.by_product(session, period), "sku")  # noqa: F841
    progress("Receivables")
    receivables = _receivables_sheet(session, wb, start, end)
    progress("Inventory")
    inventory = _inventory_sheet(session, wb, end, tz)
    progress("Points")
    points = _points_sheet(session, wb, start, end)
    progress("Transfers")
    transfers = _transfers_sheet(session, wb, end, tz)
    progress("Summary")
    totals = reports.totals(session, period)
    _summary(session, wb, summary, period, totals, sales, staff, receivables, inventory, points, transfers)
    totals["lines"] = sales.row - sales.first_data_row
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


def _codes_for(session: Session, unit_ids: set[int]) -> dict[int, str]:
    codes: dict[int, list[str]] = {}
    ids = list(unit_ids)
    for i in range(0, len(ids), 5000):
        chunk = ids[i : i + 5000]
        for unit_id, code in session.execute(
            select(UnitCode.unit_id, UnitCode.code).where(UnitCode.unit_id.in_(chunk)).order_by(UnitCode.unit_id, UnitCode.position)
        ):
            codes.setdefault(unit_id, []).append(code)
    return {k: " / ".join(v) for k, v in codes.items()}


def _sales_sheet(session: Session, wb, start, end, tz) -> SheetWriter:  # noqa: ANN001
    sheet = SheetWriter(wb, "Sales", SALES_COLS)
    staff = {s.id: s.name for s in session.execute(select(Staff.id, Staff.name))}
    stores = {s.id: s.code for s in session.execute(select(Store.id, Store.code))}
    channels = {c.id: c.code for c in session.execute(select(Channel.id, Channel.code))}
    products = {p.id: (p.sku, p.name) for p in session.execute(select(Product.id, Product.sku, Product.name))}
    sold = (
        select(Sale.at, Sale.doc_no, Sale.store_id, SaleLine.staff_id, Customer.name, Customer.code, Sale.channel_id,
               SaleLine.product_id, SaleLine.unit_id, SaleLine.qty, SaleLine.price_cents, SaleLine.amount_cents, SaleLine.cost_cents)
        .select_from(SaleLine)
        .join(Sale, Sale.id == SaleLine.sale_id)
        .outerjoin(Customer, Customer.id == Sale.customer_id)
        .where(Sale.at >= start, Sale.at < end)
    )
    returned = (
        select(SaleReturn.at, SaleReturn.doc_no, Sale.store_id, SaleLine.staff_id, Customer.name, Customer.code, Sale.channel_id,
               SaleLine.product_id, ReturnLine.unit_id, -ReturnLine.qty, SaleLine.price_cents, -ReturnLine.amount_cents, -ReturnLine.cost_cents)
        .select_from(ReturnLine)
        .join(SaleReturn, SaleReturn.id == ReturnLine.return_id)
        .join(SaleLine, SaleLine.id == ReturnLine.sale_line_id)
        .join(Sale, Sale.id == SaleLine.sale_id)
        .outerjoin(Customer, Customer.id == Sale.customer_id)
        .where(SaleReturn.at >= start, SaleReturn.at < end)
    )
    unit_ids: set[int] = set()
    for query in (sold, returned):
        sq = query.subquery()
        unit_ids |= {r[0] for r in session.execute(select(sq.c.unit_id).where(sq.c.unit_id.is_not(None)))}
    codes = _codes_for(session, unit_ids)
    amount_col, cost_col = "L", "M"
    for query in (sold.order_by(Sale.at, Sale.id, SaleLine.line_no), returned.order_by(SaleReturn.at, SaleReturn.id)):
        for at, doc, store_id, staff_id, cname, ccode, ch_id, product_id, unit_id, qty, price, amount, cost in session.execute(
            query.execution_options(yield_per=5000)
        ):
            sku, pname = products[product_id]
            r = sheet.row + 1
            sheet.append(
                [local_naive(at, tz), doc, stores.get(store_id), staff.get(staff_id), cname or ccode or "散客", channels.get(ch_id),
                 sku, pname, codes.get(unit_id) if unit_id else None, qty, price, amount, cost, f"={amount_col}{r}-{cost_col}{r}"]
            )
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
        values = lead(r) + [r["sales"], r["units"], _cents(r["revenue"]), _cents(r["cost"]), f"={rev}{row}-{cost}{row}",
                            f"=IF({rev}{row}=0,0,{profit}{row}/{rev}{row})"]
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
        chart.height, chart.width = 8 + 0.4 * min(len(rows), 30), 16
        data = Reference(sheet.ws, min_col=n + 3, max_col=n + 3, min_row=sheet.header_row, max_row=sheet.data_end)
        chart.add_data(data, titles_from_data=True)
        chart.add_data(Reference(sheet.ws, min_col=n + 5, max_col=n + 5, min_row=sheet.header_row, max_row=sheet.data_end), titles_from_data=True)
        chart.set_categories(Reference(sheet.ws, min_col=2 if key == "staff" else 1, min_row=sheet.header_row + 1, max_row=sheet.data_end))
        sheet.ws.add_chart(chart, f"{sheet_col(len(cols) + 2)}2")
    return sheet


def sheet_col(i: int) -> str:
    from storectl.services.xlsx import col_letter

    return col_letter(i)


def _cents(text: str) -> int:
    negative = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    value = int(whole) * 100 + int((frac + "00")[:2])
    return -value if negative else value


# --- Receivables ---------------------------------------------------------------------------


def _receivables_sheet(session: Session, wb, start, end) -> SheetWriter:  # noqa: ANN001
    cols = [
        Col("客户 Customer", "code", 14), Col("名称 Name", "text", 28),
        Col("期初 Opening", "money", 14, True), Col("赊销 Sales", "money", 14, True),
        Col("退货 Returns", "money", 14, True), Col("收款 Payments", "money", 14, True),
        Col("期末 Closing", "formula", 14, True),
    ]
    sheet = SheetWriter(wb, "Receivables", cols)

    due_before = dict(session.execute(select(Sale.customer_id, func.sum(Sale.due_cents)).where(Sale.at < start, Sale.customer_id.is_not(None)).group_by(Sale.customer_id)).all())
    due_in = dict(session.execute(select(Sale.customer_id, func.sum(Sale.due_cents)).where(Sale.at >= start, Sale.at < end, Sale.customer_id.is_not(None)).group_by(Sale.customer_id)).all())
    credit = select(Sale.customer_id, func.sum(SaleReturn.credit_cents)).join(Sale, Sale.id == SaleReturn.sale_id)
    cr_before = dict(session.execute(credit.where(SaleReturn.at < start).group_by(Sale.customer_id)).all())
    cr_in = dict(session.execute(credit.where(SaleReturn.at >= start, SaleReturn.at < end).group_by(Sale.customer_id)).all())
    pay = select(Payment.customer_id, func.sum(Payment.amount_cents))
    pay_before = dict(session.execute(pay.where(Payment.at < start).group_by(Payment.customer_id)).all())
    pay_in = dict(session.execute(pay.where(Payment.at >= start, Payment.at < end).group_by(Payment.customer_id)).all())
    ids = set(due_before) | set(due_in) | set(cr_before) | set(cr_in) | set(pay_before) | set(pay_in)
    customers = {c.id: c for c in session.execute(select(Customer.id, Customer.code, Customer.name).where(Customer.id.in_(ids)))} if ids else {}
    for cid in sorted(ids, key=lambda i: customers[i].code):
        opening = int(due_before.get(cid) or 0) - int(cr_before.get(cid) or 0) - int(pay_before.get(cid) or 0)
        sold, back, paid = int(due_in.get(cid) or 0), int(cr_in.get(cid) or 0), int(pay_in.get(cid) or 0)
        if not (opening or sold or back or paid):
            continue
        r = sheet.row + 1
        sheet.append([customers[cid].code, customers[cid].name, opening, sold, back, paid, f"=C{r}+D{r}-E{r}-F{r}"])
    sheet.totals()
    sheet.filter()
    return sheet


# --- Inventory -----------------------------------------------------------------------------


def _inventory_sheet(session: Session, wb, end, tz) -> SheetWriter:  # noqa: ANN001
    """Closing stock at month end by store and SKU, then the serial units on hand."""
    cols = [Col("门店 Store", "code", 9), Col("SKU", "code", 18), Col("商品 Product", "text", 30),
            Col("数量 Qty", "int", 9, True), Col("金额 Value", "money", 16, True)]
    sheet = SheetWriter(wb, "Inventory", cols)
    stores = {s.id: s.code for s in session.execute(select(Store.id, Store.code))}
    products = {p.id: (p.sku, p.name, p.serial) for p in session.execute(select(Product.id, Product.sku, Product.name, Product.serial))}
    later = session.execute(select(Movement.id).where(Movement.at >= end).limit(1)).first() is not None
    units = _units_at(session, end, later)
    per: dict[tuple[int, int], list[int]] = {}
    for unit_id, product_id, store_id, cost, _received in units:
        acc = per.setdefault((store_id, product_id), [0, 0])
        acc[0] += 1
        acc[1] += cost
    # quantity products: movements into a store minus movements out, up to month end
    into = select(Movement.to_store_id, Movement.product_id, func.sum(Movement.qty), func.sum(Movement.cost_cents)).where(
        Movement.unit_id.is_(None), Movement.at < end, Movement.to_store_id.is_not(None)).group_by(Movement.to_store_id, Movement.product_id)
    out = select(Movement.from_store_id, Movement.product_id, func.sum(Movement.qty), func.sum(Movement.cost_cents)).where(
        Movement.unit_id.is_(None), Movement.at < end, Movement.from_store_id.is_not(None)).group_by(Movement.from_store_id, Movement.product_id)
    for sign, query in ((1, into), (-1, out)):
        for store_id, product_id, qty, cost in session.execute(query):
            acc = per.setdefault((store_id, product_id), [0, 0])
            acc[0] += sign * int(qty or 0)
            acc[1] += sign * int(cost or 0)
    for (store_id, product_id), (qty, value) in sorted(per.items(), key=lambda kv: (stores[kv[0][0]], products[kv[0][1]][0])):
        if qty == 0:
            continue
        sku, name, _ = products[product_id]
        sheet.append([stores[store_id], sku, name, qty, value])
    sheet.totals()
    sheet.filter()
    sheet.append_raw([])
    sheet.append_raw([sheet._text_cell("在库串号 Serial units on hand", bold=True)])
    sheet.append_raw([sheet._text_cell(t, bold=True) for t in ("门店 Store", "SKU", "商品 Product", "串号 Codes", "成本 Cost", "入库 Received")])
    codes = _codes_for(session, {u[0] for u in units})
    for unit_id, product_id, store_id, cost, received in sorted(units, key=lambda u: (stores[u[2]], products[u[1]][0], u[0])):
        sku, name, _ = products[product_id]
        sheet.append_raw([sheet.text(stores[store_id]), sheet.text(sku), sheet.text(name), sheet.text(codes.get(unit_id)),
                          sheet.money(cost), sheet._cell_with(local_naive(received, tz), sheet._dates)])
    return sheet


def _units_at(session: Session, end, later: bool) -> list[tuple]:  # noqa: ANN001
    """(unit_id, product_id, store_id, cost, received_at) of serial units in stock at `end`."""
    if not later:  # nothing has moved since month end: the unit table is the month-end state
        return list(session.execute(
            select(Unit.id, Unit.product_id, Unit.store_id, Unit.cost_cents, Unit.received_at).where(Unit.status == "in_stock")))
    last = (
        select(Movement.unit_id, func.max(Movement.id).label("mid"))
        .where(Movement.unit_id.is_not(None), Movement.at < end)
        .group_by(Movement.unit_id)
        .subquery()
    )
    query = (
        select(Unit.id, Unit.product_id, Movement.to_store_id, Unit.cost_cents, Unit.received_at)
        .join(last, last.c.unit_id == Unit.id)
        .join(Movement, Movement.id == last.c.mid)
        .where(Movement.status_after == "in_stock", Movement.to_store_id.is_not(None))
    )
    return list(session.execute(query))


# --- Points --------------------------------------------------------------------------------


def _points_sheet(session: Session, wb, start, end) -> SheetWriter:  # noqa: ANN001
    rate = settings.int_setting(session, "points.redeem_rate")
    cols = [
        Col("会员 Member", "code", 14), Col("姓名 Name", "text", 12),
        Col("期初 Opening", "int", 11, True), Col("获得 Earned", "int", 11, True), Col("签到 Check-in", "int", 11, True),
        Col("抵扣 Redeemed", "int", 11, True), Col("退货 Returns", "int", 11, True), Col("过期 Expired", "int", 11, True),
        Col("调整 Adjusted", "int", 11, True), Col("期末 Closing", "formula", 11, True),
        Col("负债 Liability", "formula", 14, True), Col("未追回 Unrecovered", "int", 12, True),
    ]
    sheet = SheetWriter(wb, "Points", cols, heading=[f"积分负债按 {rate} 积分 = ¥1 计 (points.redeem_rate)"])
    kind = PointsEntry.kind
    in_period = and_(PointsEntry.at >= start, PointsEntry.at < end)

    def summed(condition):  # noqa: ANN001, ANN202
        return func.coalesce(func.sum(case((condition, PointsEntry.delta), else_=0)), 0)

    query = (
        select(
            PointsEntry.customer_id,
            summed(PointsEntry.at < start),
            summed(and_(in_period, kind == "earn")),
            summed(and_(in_period, kind == "checkin")),
            summed(and_(in_period, kind == "redeem")),
            summed(and_(in_period, kind.in_(("return_reverse", "return_restore")))),
            summed(and_(in_period, kind == "expire")),
            summed(and_(in_period, kind == "adjust")),
        )
        .where(PointsEntry.at < end)
        .group_by(PointsEntry.customer_id)
    )
    unrecovered = dict(session.execute(
        select(Sale.customer_id, func.sum(SaleReturn.points_unrecovered)).join(Sale, Sale.id == SaleReturn.sale_id)
        .where(SaleReturn.at >= start, SaleReturn.at < end).group_by(Sale.customer_id)).all())
    rows = list(session.execute(query))
    customers = {c.id: c for c in session.execute(select(Customer.id, Customer.code, Customer.name).where(Customer.id.in_([r[0] for r in rows])))} if rows else {}
    for cid, opening, earned, checkin, redeemed, returns, expired, adjusted in sorted(rows, key=lambda r: customers[r[0]].code):
        r = sheet.row + 1
        sheet.append([customers[cid].code, customers[cid].name, opening, earned, checkin, redeemed, returns, expired, adjusted,
                      f"=SUM(C{r}:I{r})", f"=J{r}/{rate}", int(unrecovered.get(cid) or 0)])
    sheet.totals()
    sheet.filter()
    return sheet


# --- Transfers -----------------------------------------------------------------------------


def _transfers_sheet(session: Session, wb, end, tz) -> SheetWriter:  # noqa: ANN001
    """What was on the road at month end: sent before it and not received or cancelled by then."""
    cols = [Col("调拨单 Transfer", "code", 12), Col("发出 Sent", "datetime", 17), Col("从 From", "code", 8), Col("到 To", "code", 8),
            Col("SKU", "code", 18), Col("商品 Product", "text", 28), Col("串号 Codes", "code", 36), Col("数量 Qty", "int", 8, True),
            Col("成本 Cost", "money", 14, True)]
    sheet = SheetWriter(wb, "Transfers", cols)
    stores = {s.id: s.code for s in session.execute(select(Store.id, Store.code))}
    products = {p.id: (p.sku, p.name) for p in session.execute(select(Product.id, Product.sku, Product.name))}
    query = (
        select(Transfer.doc_no, Transfer.at, Transfer.from_store_id, Transfer.to_store_id, TransferLine.id, TransferLine.product_id,
               TransferLine.unit_id, TransferLine.qty, TransferLine.cost_cents)
        .join(TransferLine, TransferLine.transfer_id == Transfer.id)
        .where(Transfer.at < end)
        .where((Transfer.closed_at.is_(None)) | (Transfer.closed_at >= end))
        .order_by(Transfer.at, Transfer.id, TransferLine.id)
    )
    lines = list(session.execute(query))
    docs = {line[0] for line in lines}
    arrived: dict[tuple[str, int | None, int], int] = {}
    if docs:
        for doc, unit_id, product_id, qty in session.execute(
            select(Movement.doc_no, Movement.unit_id, Movement.product_id, func.sum(Movement.qty))
            .where(Movement.doc_no.in_(docs), Movement.kind.in_(("transfer_receive", "transfer_cancel")), Movement.at < end)
            .group_by(Movement.doc_no, Movement.unit_id, Movement.product_id)
        ):
            arrived[(doc, unit_id, product_id)] = int(qty or 0)
    codes = _codes_for(session, {line[6] for line in lines if line[6]})
    for doc, at, from_id, to_id, _line_id, product_id, unit_id, qty, cost in lines:
        done = arrived.get((doc, unit_id, product_id), 0)
        if unit_id is None:
            # quantity lines of one product in one transfer share the arrivals, in line order
            arrived[(doc, None, product_id)] = max(0, done - qty)
        left = qty - min(done, qty)
        if left <= 0:
            continue
        sku, name = products[product_id]
        unit_cost = cost * left // qty if qty else 0
        sheet.append([doc, local_naive(at, tz), stores.get(from_id), stores.get(to_id), sku, name, codes.get(unit_id), left, unit_cost])
    sheet.totals()
    sheet.filter()
    return sheet


# --- Summary -------------------------------------------------------------------------------


def _summary(session, wb, ws, period, totals, sales, staff, receivables, inventory, points, transfers) -> None:  # noqa: ANN001
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    bold = Font(bold=True)
    big = Font(bold=True, size=14)
    money_style = sales._money
    ws.freeze_panes = "A5"
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 18
    ws.column_dimensions["D"].width = 12
    ws.column_dimensions["E"].width = 16
    ws.column_dimensions["F"].width = 16

    def label(text, font=bold):  # noqa: ANN001, ANN202
        cell = WriteOnlyCell(ws, value=text)
        if is_dangerous(text):  # shop and store names are user text
            cell.data_type, cell.quotePrefix = "s", True
        cell.font = font
        return cell

    def formula(expr, money=True):  # noqa: ANN001, ANN202
        cell = WriteOnlyCell(ws, value=expr)
        if money:
            cell._style = money_style
        return cell

    ws.append([label(f"{settings.get(session, 'shop.name')} · 月结 {period.label}", big)])
    ws.append([label(f"{period.start.isoformat()} – {period.end.isoformat()} (end exclusive)", Font(italic=True))])
    ws.append([])
    ws.append([label("项目 Figure"), label("金额 Amount")])
    rows = [
        ("销售额 Revenue (net of returns)", f"={sales.ref('金额 Amount')}", True),
        ("成本 Cost of goods sold", f"={sales.ref('成本 Cost')}", True),
        ("毛利 Gross profit", "=B5-B6", True),
        ("毛利率 Margin", "=IF(B5=0,0,B7/B5)", False),
        ("销售件数 Units sold (net)", f"={sales.ref('数量 Qty')}", False),
        ("应收期末 Receivables at month end", f"={receivables.ref('期末 Closing')}", True),
        ("库存金额 Inventory value at month end", f"={inventory.ref('金额 Value')}", True),
        ("在途 Units on the road at month end", f"={transfers.ref('数量 Qty')}", False),
        ("在途成本 Cost on the road", f"={transfers.ref('成本 Cost')}", True),
        ("积分负债 Points liability", f"={points.ref('负债 Liability')}", True),
    ]
    for text, expr, is_money in rows:
        cell = formula(expr, is_money)
        if text.startswith("毛利率"):
            cell.number_format = "0.0%"
        ws.append([label(text, Font()), cell])
    ws.append([])
    # per-store table for the chart, two rows under the figures
    header_row = 4 + len(rows) + 2
    ws.append([label("门店 Store"), label("销售额 Revenue"), None, label("成本 Cost"), label("毛利 Profit")])
    store_rows = reports.by_store(session, period)
    for i, r in enumerate(store_rows, start=header_row + 1):
        ws.append([label(f"{r['store']} {r['name']}", Font()), _money_cell(ws, r["revenue"], money_style), None,
                   _money_cell(ws, r["cost"], money_style), formula(f"=B{i}-D{i}")])
    if store_rows:
        chart = BarChart()
        chart.title = "门店销售额与毛利 Revenue and profit by store"
        chart.add_data(Reference(ws, min_col=2, min_row=header_row, max_row=header_row + len(store_rows)), titles_from_data=True)
        chart.add_data(Reference(ws, min_col=5, min_row=header_row, max_row=header_row + len(store_rows)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=header_row + len(store_rows)))
        chart.height, chart.width = 8, 16
        ws.add_chart(chart, "H4")


def _money_cell(ws, text: str, style):  # noqa: ANN001, ANN202
    from decimal import Decimal

    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=Decimal(_cents(text)).scaleb(-2))
    cell._style = style
    return cell
