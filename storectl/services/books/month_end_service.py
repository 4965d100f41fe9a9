"""The month-end workbook's Service sheet (issue 19): the month's warranty cost, one row per part
or exchange booked to a ticket under warranty."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from storectl.models import Product, ServiceCost, ServiceTicket, Staff, Store
from storectl.services.books.xlsx import Col, SheetWriter, codes_for, local_naive


def service_sheet(session: Session, wb, start, end, tz) -> SheetWriter:  # noqa: ANN001
    """The month's warranty cost (services/aftersales), one row per part or exchange booked to a
    ticket under warranty: the same rows the sales facts carry as cost, so the Sales sheet's cost
    includes this sheet's total."""
    cols = [Col("日期 Date", "datetime", 17), Col("单据 Ticket", "code", 11), Col("门店 Store", "code", 8), Col("店员 Staff", "text", 10),
            Col("类别 Kind", "code", 9), Col("SKU", "code", 16), Col("商品 Product", "text", 28), Col("串号 Codes", "code", 36),
            Col("数量 Qty", "int", 8, True), Col("保修成本 Warranty cost", "money", 16, True)]
    sheet = SheetWriter(wb, "Service", cols)
    stores = {s.id: s.code for s in session.execute(select(Store.id, Store.code))}
    staff = {s.id: s.name for s in session.execute(select(Staff.id, Staff.name))}
    products = {p.id: (p.sku, p.name) for p in session.execute(select(Product.id, Product.sku, Product.name))}
    rows = list(session.execute(
        select(ServiceCost.at, ServiceTicket.doc_no, ServiceCost.store_id, ServiceCost.staff_id, ServiceCost.kind, ServiceCost.product_id,
               ServiceCost.unit_id, ServiceCost.qty, ServiceCost.cost_cents)
        .join(ServiceTicket, ServiceTicket.id == ServiceCost.ticket_id)
        .where(ServiceCost.warranty == True, ServiceCost.at >= start, ServiceCost.at < end)  # noqa: E712
        .order_by(ServiceCost.at, ServiceCost.id)
    ))
    codes = codes_for(session, {r[6] for r in rows if r[6]})
    for at, doc, store_id, staff_id, kind, product_id, unit_id, qty, cost in rows:
        sku, name = products[product_id]
        sheet.append([local_naive(at, tz), doc, stores.get(store_id), staff.get(staff_id), kind, sku, name, codes.get(unit_id), qty, cost])
    sheet.totals()
    sheet.filter()
    return sheet


