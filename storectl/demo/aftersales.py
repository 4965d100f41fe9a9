"""A week of after-sales in the demo's November (售后, issue 19), planned into `Month`'s agenda.

- 20th, SZ01: a phone sold this month comes back with a cracked screen (under warranty): a ticket,
  a technician, a screen from the repair stock (warranty cost), ready, handed back, rated 5.
- 21st–24th, SZ02: a phone dead on arrival is exchanged for one of the same SKU from the shelf
  (the cost difference is warranty cost; the original sale stays as it was); the faulty one goes
  back to its supplier on the 24th.
- 23rd–24th, SZ01: data recovery on a phone under warranty is not covered: a paid repair, the
  charge a sale of labour.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

SCREEN = ("SCR-IP17P", "iPhone 17 Pro 屏幕总成 (维修备件)", "维修配件", 1280_00, 860_00)  # sku, name, category, price, cost


def plan(month, day: date) -> None:  # noqa: ANN001
    """Plan the after-sales events of `day` into the month's agenda."""
    from storectl.services.aftersales import tickets
    from storectl.services.shop import catalogue
    from storectl.services.stock import inventory

    n = day.day
    sz01, sz02 = month.manager["SZ01"], month.manager["SZ02"]
    tech = month.sellers["SZ01"][-1]
    if n == 19:  # the repair desk's first parts
        month.plan(day, "09:10", sz01, "product add", lambda s: catalogue.add_product(
            s, sku=SCREEN[0], name=SCREEN[1], brand="Apple", category=SCREEN[2], price_cents=SCREEN[3], serial=False))
        month.plan(day, "09:15", sz01, "stock in", lambda s: inventory.stock_in(
            s, store="SZ01", sku=SCREEN[0], cost_cents=SCREEN[4], supplier="SUP01", qty=3, ref="PO-20261119-SUP01"))
    if n == 20:
        month.plan(day, "10:20", sz01, "service open", lambda s: _open(month, s, "SZ01", sz01, "屏幕碎裂，触摸失灵 cracked screen", "IP17P-256-BK"))
        month.plan(day, "10:40", sz01, "service update", lambda s: _ticket(month, "screen", lambda d: tickets.update_ticket(
            s, doc=d, status="in_repair", technician=tech, note="换屏 new screen")))
        month.plan(day, "11:30", tech, "service part", lambda s: _ticket(month, "screen", lambda d: tickets.add_parts(
            s, doc=d, items=[f"{SCREEN[0]}:1"])))
        month.plan(day, "15:00", tech, "service update", lambda s: _ticket(month, "screen", lambda d: tickets.update_ticket(
            s, doc=d, status="ready")))
        month.plan(day, "18:10", sz01, "service close", lambda s: _ticket(month, "screen", lambda d: tickets.close(s, doc=d)))
        month.plan(day, "18:12", sz01, "service rate", lambda s: _ticket(month, "screen", lambda d: tickets.rate(
            s, doc=d, score=5, comment="当天修好 fixed the same day")))
    if n == 21:
        month.plan(day, "16:30", sz02, "service open", lambda s: _open(month, s, "SZ02", sz02, "开箱即损，无法开机 dead on arrival", None, key="doa"))
        month.plan(day, "16:50", sz02, "service exchange", lambda s: _ticket(month, "doa", lambda d: _exchange(month, s, d)))
        month.plan(day, "16:55", sz02, "service close", lambda s: _ticket(month, "doa", lambda d: tickets.close(s, doc=d)))
    if n == 22:
        month.plan(day, "10:05", sz02, "service rate", lambda s: _ticket(month, "doa", lambda d: tickets.rate(
            s, doc=d, score=4, comment="换新很快 quick exchange")))
    if n == 23:
        month.plan(day, "14:00", sz01, "service open", lambda s: _open(month, s, "SZ01", sz01, "误删照片，数据恢复 data recovery", None, key="data"))
        month.plan(day, "14:05", sz01, "service update", lambda s: _ticket(month, "data", lambda d: tickets.update_ticket(
            s, doc=d, status="in_repair", technician=tech, note="人为操作，不在保修范围 not covered: paid")))
    if n == 24:
        month.plan(day, "11:00", sz01, "service close", lambda s: _ticket(month, "data", lambda d: tickets.close(
            s, doc=d, charge=150_00, payments=[("wechat", 150_00)])))
        month.plan(day, "11:02", sz01, "service rate", lambda s: _ticket(month, "data", lambda d: tickets.rate(s, doc=d, score=5)))
        month.plan(day, "15:30", sz02, "stock out", lambda s: _back_to_supplier(month, s))


def _ticket(month, key: str, step) -> None:  # noqa: ANN001
    """Run `step(doc)` on the ticket opened under `key`, if it was."""
    if key in month.docs:
        step(month.docs[key])


def _sold_phones(s, store: str, sku: str | None = None) -> list[tuple[str, str]]:  # noqa: ANN001
    """(first code, sku) of phones sold at `store` and not on a ticket, in the order they were sold."""
    from storectl.models import Product, ServiceTicket, Store, Unit, UnitCode

    first = aliased(UnitCode)
    query = (
        select(first.code, Product.sku).select_from(Unit)
        .join(Product, Product.id == Unit.product_id).join(Store, Store.id == Unit.store_id)
        .join(first, and_(first.unit_id == Unit.id, first.position == 0))
        .outerjoin(ServiceTicket, ServiceTicket.unit_id == Unit.id)
        .where(Store.code == store, Unit.status == "sold", Product.category == "手机", ServiceTicket.id.is_(None))
        .order_by(Unit.sold_at)
    )
    if sku:
        query = query.where(Product.sku == sku)
    return [tuple(r) for r in s.execute(query)]


def _open(month, s, store: str, staff: str, problem: str, sku: str | None, *, key: str = "screen") -> None:  # noqa: ANN001
    from storectl.services.aftersales import tickets

    phones = _sold_phones(s, store, sku) or _sold_phones(s, store)
    if key == "doa":  # the latest sale whose SKU still has a unit on the shelf to exchange it for
        shelf = {u.sku for u in month.units_at(s, store)}
        phones = [p for p in phones if p[1] in shelf][-1:]
    if not phones:  # nothing to bring back: the ticket's later steps find no ticket and do nothing
        return
    month.docs[key] = tickets.open_ticket(s, code=phones[0][0], problem=problem, store=store, staff=staff)["id"]


def _exchange(month, s, doc: str) -> None:  # noqa: ANN001
    from storectl.services.aftersales import tickets

    shown = tickets.show(s, doc)
    spare = [u for u in month.units_at(s, shown["store"]) if u.sku == shown["sku"]]
    month.docs["doa_faulty"] = shown["unit"]
    tickets.exchange(s, doc=doc, code=spare[0].code)


def _back_to_supplier(month, s) -> None:  # noqa: ANN001
    from storectl.services.stock import inventory

    code = month.docs.get("doa_faulty")
    if code:
        inventory.stock_out(s, reason="supplier-return", items=[("faulty", code)], store="SZ02")
