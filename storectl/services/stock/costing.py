"""The moving-average cost of quantity products: one average per SKU, over all the stock the shop owns.

What the shop owns of a SKU is every store's quantity plus what is on the road between stores:
a transfer moves stock, it does not sell it, so a receipt that arrives while cables are in
transit averages with them too. The average changes only when stock comes in at a cost (a
purchase, a return at its sold cost); sales, transfers and stock-outs leave it as it is.

`average_after` is the one formula; the till and receiving call it live, and `replay` runs it over
the movement ledger, which is how the month-end workbook values stock as it stood at month end
and how `db check` proves the cached `product.avg_cost_cents`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from storectl.models import Movement, Product, StockLevel
from storectl.services.stock.kinds import COSTED, LEAVES_SHOP



def average_after(on_hand: int, average: int, qty: int, cost_cents: int) -> int:
    """The average (cents, half up) once `qty` costing `cost_cents` in all join `on_hand` at `average`."""
    total = on_hand + qty
    if total <= 0:
        return average
    return (2 * (on_hand * average + cost_cents) + total) // (2 * total)


def owned_qty(session: Session, product_id: int) -> int:
    """What the shop owns of a quantity product: every store's level plus what is in transit."""
    from storectl.models import TransferLine  # only quantity lines get here: a phone sale defines no transfer table

    held = session.execute(select(func.coalesce(func.sum(StockLevel.qty), 0)).where(StockLevel.product_id == product_id)).scalar()
    road = session.execute(
        select(func.coalesce(func.sum(TransferLine.qty - TransferLine.received_qty - TransferLine.cancelled_qty), 0)).where(
            TransferLine.product_id == product_id, TransferLine.unit_id.is_(None)
        )
    ).scalar()
    return int(held or 0) + int(road or 0)


def receive_at_cost(session: Session, product: Product, qty: int, cost_cents: int) -> int:
    """Fold `qty` arriving at `cost_cents` (all of them) into the product's average; returns it."""
    session.refresh(product, ["avg_cost_cents"])
    product.avg_cost_cents = average_after(owned_qty(session, product.id), product.avg_cost_cents, qty, cost_cents)
    session.add(product)
    session.flush()
    return product.avg_cost_cents


def replay(session: Session, end: datetime | None = None) -> dict[int, int]:
    """{product_id: average} of quantity products from the movement ledger (up to `end`, exclusive)."""
    query = (
        select(Movement.product_id, Movement.kind, Movement.qty, Movement.cost_cents)
        .join(Product, Product.id == Movement.product_id)
        .where(Product.serial == False, Movement.kind.in_(COSTED + LEAVES_SHOP))  # noqa: E712
        .order_by(Movement.id)
    )
    if end is not None:
        query = query.where(Movement.at < end)
    owned: dict[int, int] = {}
    average: dict[int, int] = {}
    for product_id, kind, qty, cost in session.execute(query.execution_options(yield_per=5000)):
        have = owned.get(product_id, 0)
        if kind in COSTED:
            average[product_id] = average_after(have, average.get(product_id, 0), qty, cost)
            owned[product_id] = have + qty
        else:
            owned[product_id] = have - qty
    return average


def invariants(session: Session) -> list[dict]:
    """Each quantity product's cached average = the average its movements give."""
    expected = replay(session)
    problems = []
    for sku, product_id, cached in session.execute(select(Product.sku, Product.id, Product.avg_cost_cents).where(Product.serial == False)):  # noqa: E712
        want = expected.get(product_id, 0)
        if cached != want:
            from storectl.money import format_money

            problems.append({"check": "moving_average", "doc": sku,
                             "message": f"{sku} average cost {format_money(cached)} but its movements give {format_money(want)}"})
    return problems
