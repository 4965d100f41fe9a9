"""The month-end workbook's Orders sheet: pre-orders and their deposits as they stood at month end.

One row per order that touched the month: taken before its end and not closed before its start.
`定金持有 Deposit held` is the deposit of an order still open at month end (a liability, not
revenue); `没收 Forfeited` a deposit kept by a cancel in the month (other income); `退还 Refunded`
one given back by a cancel in the month. Read from the order tables by date, so a workbook written
later shows the month as it stood (a cancel in a later month leaves the deposit held here).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from storectl.models import Customer, Sale, SaleOrder, Store
from storectl.services.books.xlsx import Col, SheetWriter, local_naive

COLS = [
    Col("订单 Order", "code", 12), Col("日期 Date", "datetime", 17), Col("门店 Store", "code", 8),
    Col("客户 Customer", "text", 22), Col("月末状态 At month end", "code", 12), Col("结束 Closed", "datetime", 17),
    Col("销售单 Sale", "code", 12), Col("总额 Total", "money", 13), Col("定金持有 Deposit held", "money", 15, True),
    Col("没收 Forfeited", "money", 13, True), Col("退还 Refunded", "money", 13, True),
]


def orders_sheet(session: Session, wb, start, end, tz) -> SheetWriter:  # noqa: ANN001
    sheet = SheetWriter(wb, "Orders", COLS)
    stores = {s.id: s.code for s in session.execute(select(Store.id, Store.code))}
    query = (
        select(SaleOrder, Customer.name, Customer.code, Sale.doc_no)
        .join(Customer, Customer.id == SaleOrder.customer_id)
        .outerjoin(Sale, Sale.id == SaleOrder.sale_id)
        .where(SaleOrder.at < end, (SaleOrder.closed_at.is_(None)) | (SaleOrder.closed_at >= start))
        .order_by(SaleOrder.at, SaleOrder.id)
    )
    for order, name, code, sale in session.execute(query):
        closed_in = order.closed_at is not None and order.closed_at < end
        state = order.status if closed_in else "open"
        sheet.append([
            order.doc_no, local_naive(order.at, tz), stores.get(order.store_id), name or code, state,
            local_naive(order.closed_at, tz) if closed_in else None, sale if closed_in else None, order.total_cents,
            0 if closed_in else order.deposit_cents,
            order.forfeited_cents if closed_in else 0, order.refunded_cents if closed_in else 0,
        ])
    sheet.totals()
    sheet.filter()
    return sheet
