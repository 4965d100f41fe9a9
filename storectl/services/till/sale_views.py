"""Showing and listing sales: one sale as a receipt (`sale_dict`, `show_sale`), finding a sale by its
document id (`sale_by_doc`), and the list of sales for a period, store or staff member."""

from __future__ import annotations

from datetime import date, timezone

from sqlalchemy import func
from sqlmodel import Session, select

from storectl import models
from storectl.codes import parse_doc_no
from storectl.errors import not_found
from storectl.models import (
    Channel,
    Customer,
    Product,
    Sale,
    SaleLine,
    SalePayment,
    Staff,
    Store,
)
from storectl.money import cents_of, format_money
from storectl.periods import add_months
from storectl.services.shop import lookup
from storectl.services.shop import settings


def parse_sale_doc(text: str, prefix: str = "S") -> str:
    """'S-12', 's-000012' -> 'S-000012'."""
    return parse_doc_no(text, prefix, what="a document id", hint=f"e.g. {prefix}-000012 (storectl sale list)")


def line_dict(session: Session, line: SaleLine, *, sale_day: date, product: Product | None = None) -> dict:
    product = product or session.get(Product, line.product_id)
    codes = lookup.unit_codes(session, line.unit_id) if line.unit_id else {}
    from storectl.services.trade.tradeins import warranty_months

    months = warranty_months(session, line.condition, product.warranty_months) if line.unit_id else 0
    warranty = add_months(sale_day, months).isoformat() if line.unit_id and months else None
    return {
        "line": line.line_no,
        "sku": product.sku,
        "name": product.name,
        "unit": next(iter(codes.values()), None) if line.unit_id else None,
        "codes": codes,
        "qty": line.qty,
        "price": format_money(line.price_cents),
        "amount": format_money(line.amount_cents),
        "rule": line.rule,
        "cost": format_money(line.cost_cents),
        "staff": lookup.code_of(session, Staff, line.staff_id),
        "returned": line.returned_qty,
        "warranty_until": warranty,
        "condition": line.condition,
    }


def sale_dict(session: Session, sale: Sale, *, returns: list[str] | None = None) -> dict:
    """The receipt; `returns` (the sale's return documents) is looked up unless given."""
    tz = settings.shop_tz(session)
    day = sale.at.astimezone(tz).date()
    store = session.get(Store, sale.store_id)
    staff = session.get(Staff, sale.staff_id)
    buyer = session.get(Customer, sale.customer_id) if sale.customer_id else None
    lines = session.exec(select(SaleLine).where(SaleLine.sale_id == sale.id).order_by(SaleLine.line_no)).all()
    payments: dict[str, str] = {}
    for p in session.exec(select(SalePayment).where(SalePayment.sale_id == sale.id).order_by(SalePayment.id)):
        payments[p.method] = format_money(p.amount_cents)
    if returns is None:
        ret = models.SaleReturn
        returns = session.exec(select(ret.doc_no).where(ret.sale_id == sale.id).order_by(ret.id)).all()
    return {
        "id": sale.doc_no,
        "at": settings.local_iso(session, sale.at),
        "shop": settings.get(session, "shop.name"),
        "store": store.code,
        "store_name": store.name,
        "staff": staff.code,
        "staff_name": staff.name,
        "customer": buyer.code if buyer else None,
        "customer_name": buyer.name if buyer else None,
        "member": buyer.phone if buyer is not None and buyer.is_member else None,
        "channel": lookup.code_of(session, Channel, sale.channel_id),
        "lines": [line_dict(session, line, sale_day=day) for line in lines],
        "total": format_money(sale.total_cents),
        "payments": payments,
        "paid": format_money(sale.paid_cents),
        "tendered": format_money(sale.paid_cents + sale.change_cents),
        "change": format_money(sale.change_cents),
        "points_redeemed": sale.points_redeemed,
        "points_value": format_money(sale.points_value_cents),
        "points_earned": sale.points_earned,
        "points_balance": buyer.points if buyer is not None and buyer.is_member else None,
        "due": format_money(sale.due_cents),
        "returns": list(returns),
        **_coupons(session, sale),
    }


def _coupons(session: Session, sale: Sale) -> dict:
    """The coupons a sale used and what each took off (the lines' amounts are net of them)."""
    from storectl.services.promo import coupons

    used = coupons.sale_coupons(session, sale.id)
    return {"coupons": used, "discount": format_money(sum(cents_of(c["off"]) for c in used))} if used else {}


def sale_by_doc(session: Session, text: str) -> Sale:
    doc = parse_sale_doc(text)
    sale = session.exec(select(Sale).where(Sale.doc_no == doc)).first()
    if sale is None:
        raise not_found(f"no sale {doc}", "storectl sale list")
    return sale


def show_sale(session: Session, doc: str) -> dict:
    return sale_dict(session, sale_by_doc(session, doc))


def list_sales(session: Session, *, period: str | None = None, store: str | None = None, staff: str | None = None) -> list[dict]:
    """Sales, oldest first: `[{"id","at","store","staff","customer","items","total","due","returned"}]`."""
    from storectl.periods import parse_period

    query = select(Sale)
    if period:
        start, end = parse_period(period).utc_bounds(settings.shop_tz(session))
        query = query.where(Sale.at >= start.replace(tzinfo=timezone.utc), Sale.at < end.replace(tzinfo=timezone.utc))
    if store:
        query = query.where(Sale.store_id == lookup.store(session, store).id)
    if staff:
        query = query.where(Sale.staff_id == lookup.staff(session, staff).id)
    sales = session.exec(query.order_by(Sale.at, Sale.id)).all()
    ids = [s.id for s in sales]
    items = dict(session.execute(
        select(SaleLine.sale_id, func.sum(SaleLine.qty)).where(SaleLine.sale_id.in_(ids)).group_by(SaleLine.sale_id)
    ).all()) if ids else {}
    returned = dict(session.execute(
        select(models.SaleReturn.sale_id, func.sum(models.SaleReturn.amount_cents)).where(models.SaleReturn.sale_id.in_(ids)).group_by(models.SaleReturn.sale_id)
    ).all()) if ids else {}
    stores = {r.id: r.code for r in session.exec(select(Store))}
    staff_codes = {r.id: r.code for r in session.exec(select(Staff))}
    customers = {r.id: r.code for r in session.exec(select(Customer).where(Customer.id.in_({s.customer_id for s in sales if s.customer_id})))}
    return [
        {
            "id": s.doc_no,
            "at": settings.local_iso(session, s.at),
            "store": stores.get(s.store_id),
            "staff": staff_codes.get(s.staff_id),
            "customer": customers.get(s.customer_id),
            "items": int(items.get(s.id) or 0),
            "total": format_money(s.total_cents),
            "paid": format_money(s.paid_cents),
            "points_redeemed": s.points_redeemed,
            "due": format_money(s.due_cents),
            "returned": format_money(int(returned.get(s.id) or 0)),
        }
        for s in sales
    ]
