"""The month-end workbook's state sheets: Receivables, Inventory, Points and Transfers.

Each shows the books as they stood at the end of the period, even when the workbook is written
later: balances and stock are rebuilt from the dated history (sales, returns, payments,
movements, the points ledger), not read from today's caches.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlmodel import Session

from storectl.models import (
    Customer,
    Movement,
    Payment,
    PointsEntry,
    Product,
    Sale,
    SaleReturn,
    Store,
    Transfer,
    TransferLine,
    Unit,
)
from storectl.services.shop import settings
from storectl.services.stock import costing
from storectl.services.stock.kinds import ADDS as IN_KINDS, TAKES as OUT_KINDS
from storectl.services.books.xlsx import Col, Formula, SheetWriter, codes_for, local_naive


# --- Receivables ---------------------------------------------------------------------------


def receivables_sheet(session: Session, wb, start, end) -> SheetWriter:  # noqa: ANN001
    cols = [
        Col("客户 Customer", "code", 14), Col("名称 Name", "text", 28),
        Col("期初 Opening", "money", 14, True), Col("赊销 Sales", "money", 14, True),
        Col("退货 Returns", "money", 14, True), Col("收款 Payments", "money", 14, True),
        Col("期末 Closing", "formula", 14, True),
    ]
    sheet = SheetWriter(wb, "Receivables", cols)

    due_before = dict(session.execute(select(Sale.customer_id, func.sum(Sale.due_cents)).where(Sale.at < start, Sale.customer_id.is_not(None)).group_by(Sale.customer_id)).all())
    due_in = dict(session.execute(select(Sale.customer_id, func.sum(Sale.due_cents)).where(Sale.at >= start, Sale.at < end, Sale.customer_id.is_not(None)).group_by(Sale.customer_id)).all())
    credit = select(Sale.customer_id, func.sum(SaleReturn.credit_cents)).join(Sale, Sale.id == SaleReturn.sale_id).where(Sale.customer_id.is_not(None))
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
        closing = Decimal(opening + sold - back - paid).scaleb(-2)
        sheet.append([customers[cid].code, customers[cid].name, opening, sold, back, paid, Formula(f"=C{r}+D{r}-E{r}-F{r}", closing)])
    sheet.totals()
    sheet.filter()
    return sheet


# --- Inventory -----------------------------------------------------------------------------


def inventory_sheet(session: Session, wb, end, tz) -> SheetWriter:  # noqa: ANN001
    """Closing stock at month end by store and SKU, then the serial units on hand."""
    cols = [Col("门店 Store", "code", 9), Col("SKU", "code", 18), Col("商品 Product", "text", 30),
            Col("数量 Qty", "int", 9, True), Col("金额 Value", "money", 16, True)]
    sheet = SheetWriter(wb, "Inventory", cols)
    stores = {s.id: s.code for s in session.execute(select(Store.id, Store.code))}
    products = {p.id: (p.sku, p.name, p.serial) for p in session.execute(select(Product.id, Product.sku, Product.name, Product.serial))}
    later = session.execute(select(Movement.id).where(Movement.at >= end).limit(1)).first() is not None
    units = _units_at(session, end, later)
    averages = costing.replay(session, end)
    per: dict[tuple[int, int], list[int]] = {}
    for unit_id, product_id, store_id, cost, *_ in units:
        acc = per.setdefault((store_id, product_id), [0, 0])
        acc[0] += 1
        acc[1] += cost
    # quantity products: each store's quantity at month end from the ledger (stock on the road is
    # in no store: the Transfers sheet lists it), valued at the moving average as it stood then
    for (store_id, product_id), qty in quantities_at(session, end).items():
        per[(store_id, product_id)] = [qty, qty * averages.get(product_id, 0)]
    for (store_id, product_id), (qty, value) in sorted(per.items(), key=lambda kv: (stores[kv[0][0]], products[kv[0][1]][0])):
        if qty == 0:
            continue
        sku, name, _ = products[product_id]
        sheet.append([stores[store_id], sku, name, qty, value])
    sheet.totals()
    sheet.filter()
    sheet.append_raw([])
    sheet.append_raw([sheet._text_cell("在库串号 Serial units on hand", bold=True)])
    sheet.header(("门店 Store", "SKU", "商品 Product", "串号 Codes", "成本 Cost", "入库 Received", "成色 Condition"))  # repeated on Inventory (2), …
    codes = codes_for(session, {u[0] for u in units})
    sheet.used_cents = 0  # trade-in stock at cost (the Summary sums the Condition column's used-* rows)
    for unit_id, product_id, store_id, cost, received, condition in sorted(units, key=lambda u: (stores[u[2]], products[u[1]][0], u[0])):
        sku, name, _ = products[product_id]
        sheet.used_cents += cost if condition != "new" else 0
        sheet.append_raw([sheet.text(stores[store_id]), sheet.text(sku), sheet.text(name), sheet.text(codes.get(unit_id)),
                          sheet.money(cost), sheet._cell_with(local_naive(received, tz), sheet._dates), sheet.text(condition)])
    return sheet


def quantities_at(session: Session, end) -> dict[tuple[int, int], int]:  # noqa: ANN001
    """{(store_id, product_id): qty} of quantity products on hand at `end`: movements in − out, by kind."""
    signed = case((Movement.kind.in_(IN_KINDS), Movement.qty), else_=-Movement.qty)
    place = case((Movement.kind.in_(IN_KINDS), Movement.to_store_id), else_=Movement.from_store_id)
    query = (
        select(place, Movement.product_id, func.sum(signed))
        .where(Movement.unit_id.is_(None), Movement.at < end, Movement.kind.in_(IN_KINDS + OUT_KINDS))
        .group_by(place, Movement.product_id)
    )
    return {(s, p): int(q) for s, p, q in session.execute(query) if q}


def _units_at(session: Session, end, later: bool) -> list[tuple]:  # noqa: ANN001
    """(unit_id, product_id, store_id, cost, received_at, condition) of serial units in stock (or reserved) at `end`."""
    if not later:  # nothing has moved since month end: the unit table is the month-end state
        return list(session.execute(
            select(Unit.id, Unit.product_id, Unit.store_id, Unit.cost_cents, Unit.received_at, Unit.condition)
            .where(Unit.status.in_(("in_stock", "reserved")))))
    last = (
        select(Movement.unit_id, func.max(Movement.id).label("mid"))
        .where(Movement.unit_id.is_not(None), Movement.at < end)
        .group_by(Movement.unit_id)
        .subquery()
    )
    query = (
        # the cost the unit carried then (a unit sold and traded in since has a new one)
        select(Unit.id, Unit.product_id, Movement.to_store_id, Movement.cost_cents, Unit.received_at, Unit.condition)
        .join(last, last.c.unit_id == Unit.id)
        .join(Movement, Movement.id == last.c.mid)
        .where(Movement.status_after.in_(("in_stock", "reserved")), Movement.to_store_id.is_not(None))
    )
    return list(session.execute(query))


# --- Points --------------------------------------------------------------------------------


def points_sheet(session: Session, wb, start, end) -> SheetWriter:  # noqa: ANN001
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
        closing = int(opening + earned + checkin + redeemed + returns + expired + adjusted)
        sheet.append([customers[cid].code, customers[cid].name, opening, earned, checkin, redeemed, returns, expired, adjusted,
                      Formula(f"=SUM(C{r}:I{r})", closing), Formula(f"=J{r}/{rate}", Decimal(closing) / Decimal(rate)),
                      int(unrecovered.get(cid) or 0)])
    sheet.totals()
    sheet.filter()
    return sheet


# --- Transfers -----------------------------------------------------------------------------


def transfers_sheet(session: Session, wb, end, tz) -> SheetWriter:  # noqa: ANN001
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
    codes = codes_for(session, {line[6] for line in lines if line[6]})
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
