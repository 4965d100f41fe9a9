"""The sales facts: every sale line (+) and every return line (−) as one selectable of signed rows.

Reports, the month-end Sales sheet and the daily aggregate (`sales_day`) all read money from here,
so a figure means the same everywhere: revenue is net of returns, cost is what each line booked
(a unit's own cost, the moving average for a quantity), a return counts on its own day, in the
sale's store, for the salesperson of the returned line. A later document that earns or costs
money on a sale (a service charge, a coupon, warranty cost) joins this union as signed rows.

Columns: kind ("sale" / "return"), at, doc_id, doc_no, line_order, line_id, sale_id, store_id,
staff_id, product_id, customer_id, channel_id, unit_id, qty, price, revenue, cost, ticket (1 on
a sale's first line: each sale counted once), is_sale; `condition` (the unit's when sold: new or
used-A…D) when asked; and `day` when counted by shop day.
Kind "service" rows are after-sales warranty cost (see `_warranty_costs`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, and_, case, cast, literal, null, select, union_all


def signed_lines(*, start: datetime | None = None, end: datetime | None = None, store_id: int | None = None, days=None,  # noqa: ANN001
                 service: bool = True, condition: bool = False):
    """The UNION ALL of sale and return lines dated in [start, end) (or joined to `days`, a
    (day, lo, hi) CTE of shop days with their UTC bounds, which adds a `day` column), and the
    after-sales warranty cost (`service=False` only for a schema from before it, in migrations)."""
    # imported here: `report staff` reads the daily totals and never needs the line tables defined
    from storectl.models import ReturnLine, Sale, SaleLine, SaleReturn

    sold = select(
        literal("sale").label("kind"), Sale.at.label("at"), Sale.id.label("doc_id"), Sale.doc_no.label("doc_no"),
        SaleLine.line_no.label("line_order"), SaleLine.id.label("line_id"), SaleLine.sale_id.label("sale_id"),
        Sale.store_id.label("store_id"), SaleLine.staff_id.label("staff_id"), SaleLine.product_id.label("product_id"),
        Sale.customer_id.label("customer_id"), Sale.channel_id.label("channel_id"), SaleLine.unit_id.label("unit_id"),
        SaleLine.qty.label("qty"), SaleLine.price_cents.label("price"), SaleLine.amount_cents.label("revenue"),
        SaleLine.cost_cents.label("cost"), case((SaleLine.line_no == 1, 1), else_=0).label("ticket"), literal(1).label("is_sale"),
    ).select_from(SaleLine).join(Sale, Sale.id == SaleLine.sale_id)
    returned = select(
        literal("return"), SaleReturn.at, SaleReturn.id, SaleReturn.doc_no,
        ReturnLine.id, SaleLine.id, SaleLine.sale_id,
        Sale.store_id, SaleLine.staff_id, SaleLine.product_id,
        Sale.customer_id, Sale.channel_id, ReturnLine.unit_id,
        -ReturnLine.qty, SaleLine.price_cents, -ReturnLine.amount_cents,
        -ReturnLine.cost_cents, literal(0), literal(0),
    ).select_from(ReturnLine).join(SaleReturn, SaleReturn.id == ReturnLine.return_id).join(
        SaleLine, SaleLine.id == ReturnLine.sale_line_id).join(Sale, Sale.id == SaleLine.sale_id)
    serviced = _warranty_costs()
    if condition:  # only when asked: the sales_day recount of migration 0006 runs before the column exists
        sold, returned = sold.add_columns(SaleLine.condition.label("condition")), returned.add_columns(SaleLine.condition)
        serviced = serviced.add_columns(cast(null(), String).label("condition"))  # warranty cost: no unit sold
    if days is not None:
        serviced = serviced.add_columns(days.c.day).join(days, and_(serviced.selected_columns.at >= days.c.lo, serviced.selected_columns.at < days.c.hi))
        sold = sold.add_columns(days.c.day.label("day")).join(days, and_(Sale.at >= days.c.lo, Sale.at < days.c.hi))
        returned = returned.add_columns(days.c.day).join(days, and_(SaleReturn.at >= days.c.lo, SaleReturn.at < days.c.hi))
    if start is not None:
        sold, returned = sold.where(Sale.at >= start), returned.where(SaleReturn.at >= start)
        serviced = serviced.where(serviced.selected_columns.at >= start)
    if end is not None:
        sold, returned = sold.where(Sale.at < end), returned.where(SaleReturn.at < end)
        serviced = serviced.where(serviced.selected_columns.at < end)
    if store_id is not None:
        sold, returned = sold.where(Sale.store_id == store_id), returned.where(Sale.store_id == store_id)
        serviced = serviced.where(serviced.selected_columns.store_id == store_id)
    return (union_all(sold, returned, serviced) if service else union_all(sold, returned)).subquery("facts")


def _warranty_costs():  # noqa: ANN202
    """After-sales warranty cost (services/aftersales): revenue 0, the cost booked, no units, on the
    day it was booked, in the ticket's store, for the staff member who opened the ticket."""
    from storectl.models import ServiceCost, ServiceTicket

    c = ServiceCost.__table__.c
    return select(
        literal("service").label("kind"), c.at.label("at"), ServiceTicket.id, ServiceTicket.doc_no,
        c.id, c.id, cast(null(), Integer), c.store_id.label("store_id"), c.staff_id, c.product_id,
        cast(null(), Integer), cast(null(), Integer), c.unit_id,
        literal(0), literal(0), literal(0), c.cost_cents, literal(0), literal(0),
    ).select_from(ServiceCost.__table__).join(ServiceTicket, ServiceTicket.id == c.ticket_id).where(c.warranty == True)  # noqa: E712
