"""Prices: list prices and prices for one customer, a customer group or a member level.

Rules are never edited: `price set` appends a PriceRule and the newest valid rule of a scope wins.
Resolution, most specific first: customer, group, level, list less the level's discount, list.
Validity is in shop-calendar days; `valid_until` is inclusive.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from storectl import db
from storectl.codes import clean_code
from storectl.errors import invalid, not_found
from storectl.models import Customer, Level, PriceRule, Product
from storectl.money import format_money
from storectl.services.promo import coupons as coupon_rules
from storectl.services.promo import flash
from storectl.services.shop import closing
from storectl.services.shop import lookup
from storectl.services.shop import settings
from storectl.services.shop.auth import require_manager


def discounted(list_cents: int, discount_bp: int) -> int:
    """The list price less a discount in basis points, to the nearest cent (half up)."""
    return (list_cents * (10_000 - discount_bp) + 5_000) // 10_000


def _newest_valid(session: Session, product_id: int, scope: str, ref: str, day: date, *,
                  buyer: Customer | None = None, qty: int = 1, claim: bool = False, anyone: bool = False) -> PriceRule | None:
    """The newest rule valid on `day`; a flash rule only while it has `qty` units left (for `buyer`),
    and with `claim` its units are counted (promo.flash.claim, guarded)."""
    query = (
        select(PriceRule)
        .where(PriceRule.product_id == product_id, PriceRule.scope == scope, PriceRule.scope_ref == ref)
        .where((PriceRule.valid_from.is_(None)) | (PriceRule.valid_from <= day))
        .where((PriceRule.valid_until.is_(None)) | (PriceRule.valid_until >= day))
        .order_by(PriceRule.created_at.desc(), PriceRule.id.desc())
    )
    rule = session.exec(query).first()
    if rule is None or rule.quota is None:
        return rule
    for rule in session.exec(query).all():  # a flash sale ahead: the first rule that still holds
        if rule.quota is None or (rule.flash_sold < rule.quota if anyone else (flash.claim if claim else flash.available)(session, rule, buyer, qty)):
            return rule
    return None


def resolve(session: Session, product: Product, customer: Customer | None, *, day: date | None = None,
            qty: int = 1, claim: bool = False) -> tuple[int, str]:
    """(price in cents, rule) for one unit of `product` sold to `customer` on `day` (default today).

    A flash rule holds for a line of `qty` only while that many units are left (`claim`: the sale
    counts them). Raises not_found when the product has no price at all for this customer.
    """
    more = {"buyer": customer, "qty": qty, "claim": claim}
    day = day or settings.today(session)
    level = session.get(Level, customer.level_id) if customer is not None and customer.is_member and customer.level_id else None
    candidates: list[tuple[str, str, str]] = []
    if customer is not None:
        candidates.append(("customer", customer.code, f"customer:{customer.code}"))
        if customer.group_name:
            candidates.append(("group", customer.group_name, f"group:{customer.group_name}"))
        if level is not None:
            candidates.append(("level", level.name, f"level:{level.name}"))
    for scope, ref, label in candidates:
        rule = _newest_valid(session, product.id, scope, ref, day, **more)
        if rule is not None:
            return rule.price_cents, rule_label(rule)
    rule = _newest_valid(session, product.id, "list", "", day, **more)
    if rule is None:
        raise not_found(
            f"{product.sku} has no price valid on {day.isoformat()}",
            f"storectl price set {product.sku} AMOUNT",
        )
    if rule.quota is not None:  # a flash price is the price: no level discount on top
        return rule.price_cents, rule_label(rule)
    if level is not None and level.discount_bp > 0:
        return discounted(rule.price_cents, level.discount_bp), f"level-discount:{level.name}"
    return rule.price_cents, "list"


def quote(session: Session, *, sku: str, customer: str | None = None, qty: int = 1, coupons: list[str] = ()) -> dict:
    """`{"sku", "price", "rule", "qty", "amount"}`: what `customer` pays for `qty` of `sku` today
    (with `coupons`, net of them, and `coupons`: what each takes off)."""
    if qty < 1 or qty > 1_000_000:
        raise invalid(f"quantity {qty} must be from 1 to 1000000", "e.g. --qty 2")
    product = lookup.product(session, sku)
    buyer = lookup.customer(session, customer) if customer else None
    price, rule = resolve(session, product, buyer, qty=qty)
    out = {
        "sku": product.sku,
        "price": format_money(price),
        "rule": rule,
        "qty": qty,
        "amount": format_money(price * qty),
        "customer": buyer.code if buyer else None,
    }
    if coupons:
        line = coupon_rules.Basket(product, qty, price)
        taken = coupon_rules.plan(session, buyer=buyer, lines=[line], codes=list(coupons))
        out["amount"] = format_money(price * qty - line.discount_cents)
        out["discount"] = format_money(taken.discount)
        out["coupons"] = [{"code": t.instance.code, "coupon": t.coupon.code, "name": t.coupon.name, "off": format_money(t.off)}
                          for t in taken.taken]
    return out


def _scope(session: Session, customer: str | None, group: str | None, level: str | None) -> tuple[str, str]:
    given = [x for x in (customer, group, level) if x is not None]
    if len(given) > 1:
        raise invalid("give at most one of --customer, --group and --level", "one rule is for one scope")
    if customer is not None:
        return "customer", lookup.customer(session, customer).code
    if group is not None:
        return "group", clean_code(group, "group")
    if level is not None:
        return "level", lookup.level(session, level).name
    return "list", ""


def rule_label(rule: PriceRule) -> str:
    label = "list" if rule.scope == "list" else f"{rule.scope}:{rule.scope_ref}"
    if rule.quota is not None:
        return "flash" if rule.scope == "list" else f"flash:{label}"
    return label


def rule_dict(session: Session, rule: PriceRule, *, sku: str | None = None, day: date | None = None) -> dict:
    day = day or settings.today(session)
    valid = (rule.valid_from is None or rule.valid_from <= day) and (rule.valid_until is None or rule.valid_until >= day)
    in_force = valid and (
        (winner := _newest_valid(session, rule.product_id, rule.scope, rule.scope_ref, day, anyone=True)) is not None
        and winner.id == rule.id
    )
    return {
        "id": rule.id,
        "sku": sku or lookup.code_of(session, Product, rule.product_id, "sku"),
        "rule": rule_label(rule),
        "scope": rule.scope,
        "ref": rule.scope_ref or None,
        "price": format_money(rule.price_cents),
        "from": rule.valid_from.isoformat() if rule.valid_from else None,
        "until": rule.valid_until.isoformat() if rule.valid_until else None,
        "valid_today": valid,
        "in_force": in_force,
        "created_at": settings.local_iso(session, rule.created_at),
        "operator": rule.operator,
        **({"quota": rule.quota, "sold": rule.flash_sold, "per_member": rule.per_member} if rule.quota is not None else {}),
    }


def set_price(
    session: Session,
    *,
    sku: str,
    price_cents: int,
    customer: str | None = None,
    group: str | None = None,
    level: str | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    quota: int | None = None,
    per_member: int | None = None,
) -> dict:
    """Append a price rule (manager only); a new row every time, never an edit. With `quota`, a
    flash sale: the price holds for the first `quota` units (`per_member` each, members only)."""
    if price_cents < 0:
        raise invalid("a price cannot be negative", "e.g. storectl price set IP17P 8999")
    if per_member is not None and quota is None:
        raise invalid("--per-member goes with --quota", "e.g. --quota 20 --per-member 1")
    if quota is not None:
        if valid_from is None or valid_until is None:
            raise invalid("a flash sale (--quota) needs --from and --until", "e.g. --from 2026-12-12 --until 2026-12-12 --quota 20")
        if quota < 1 or (per_member is not None and not 1 <= per_member <= quota):
            raise invalid("--quota must be at least 1, and --per-member from 1 to the quota", "e.g. --quota 20 --per-member 1")
    if valid_from and valid_until and valid_until < valid_from:
        raise invalid(
            f"--until {valid_until.isoformat()} is before --from {valid_from.isoformat()}",
            "--until is the last day the price holds (inclusive)",
        )
    product = lookup.product(session, sku)
    scope, ref = _scope(session, customer, group, level)
    require_manager(session, "price set")
    closing.ensure_open(session)
    rule = PriceRule(
        product_id=product.id,
        scope=scope,
        scope_ref=ref,
        price_cents=price_cents,
        valid_from=valid_from,
        valid_until=valid_until,
        quota=quota,
        per_member=per_member,
        created_at=db.now_of(session),
        operator=db.operator_of(session),
    )
    session.add(rule)
    session.flush()
    db.note_doc(session, f"price {product.sku} {rule_label(rule)}")
    return rule_dict(session, rule, sku=product.sku)


def list_rules(session: Session, *, sku: str | None = None, customer: str | None = None) -> list[dict]:
    """Rules, newest first; with --customer only those that can apply to that customer."""
    query = select(PriceRule)
    if sku:
        query = query.where(PriceRule.product_id == lookup.product(session, sku).id)
    if customer:
        buyer = lookup.customer(session, customer)
        scopes = [(PriceRule.scope == "list"), (PriceRule.scope == "customer") & (PriceRule.scope_ref == buyer.code)]
        if buyer.group_name:
            scopes.append((PriceRule.scope == "group") & (PriceRule.scope_ref == buyer.group_name))
        if buyer.is_member and buyer.level_id:
            name = lookup.code_of(session, Level, buyer.level_id, "name")
            scopes.append((PriceRule.scope == "level") & (PriceRule.scope_ref == name))
        condition = scopes[0]
        for extra in scopes[1:]:
            condition = condition | extra
        query = query.where(condition)
    rows = session.exec(query.order_by(PriceRule.product_id, PriceRule.created_at.desc(), PriceRule.id.desc())).all()
    day = settings.today(session)
    skus = {p.id: p.sku for p in session.exec(select(Product))}
    out = [rule_dict(session, r, sku=skus.get(r.product_id), day=day) for r in rows]
    out.sort(key=lambda r: r["sku"] or "")
    return out


def history(session: Session, sku: str) -> list[dict]:
    """Every rule ever set for a SKU, oldest first: the price changes."""
    product = lookup.product(session, sku)
    rows = session.exec(
        select(PriceRule).where(PriceRule.product_id == product.id).order_by(PriceRule.created_at, PriceRule.id)
    ).all()
    day = settings.today(session)
    return [rule_dict(session, r, sku=product.sku, day=day) for r in rows]

