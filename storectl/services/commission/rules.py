"""Commission rules: what a role earns on a sale line, and which rule wins.

Rules are never edited: `rule add` appends one, `rule remove` retires it (lines keep naming it).
Per line and role the most specific rule valid on the sale's shop day wins, like prices: one for
the SKU, then one for its category, then one for everything; among rules of the same scope the
newest. Validity is in shop-calendar days, `valid_until` inclusive.
A rule pays `pct_bp` basis points of the line's revenue (net of coupons: the line's booked
amount) or gross profit (amount − cost), or `amount_cents` per unit; never below zero.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlmodel import Session, select

from storectl import db
from storectl.errors import StoreError, invalid, not_found
from storectl.models import CommissionRule, Product
from storectl.models.commission import COMMISSION_ROLES
from storectl.money import format_money, parse_money
from storectl.services.shop import closing, lookup
from storectl.services.shop.auth import require_manager
from storectl.services.shop.catalogue import clean_name

SCOPES = ("sku", "category", "all")  # most specific first
BASES = ("revenue", "profit")
ROLE_HINT = "--role seller, ref1, ref2 or ref3"


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (away from zero at .5), for either sign."""
    if numerator < 0:
        return -half_up(-numerator, denominator)
    return (2 * numerator + denominator) // (2 * denominator)


def earned(rule: CommissionRule, *, qty: int, amount_cents: int, cost_cents: int) -> tuple[int, int]:
    """(base, commission) a sale line of `qty` earns under `rule`; the commission is never negative."""
    if rule.amount_cents is not None:
        return amount_cents, rule.amount_cents * qty
    base = amount_cents if rule.base == "revenue" else amount_cents - cost_cents
    return base, max(0, half_up(base * rule.pct_bp, 10_000))


def pct_text(bp: int) -> str:
    return f"{bp // 100}.{bp % 100:02d}%"


def rule_text(session: Session, rule: CommissionRule) -> str:
    """'sku:IP17P 2.00% of revenue', 'category:配件 ¥5.00 per unit', 'all 1.00% of profit'."""
    if rule.scope == "sku":
        where = f"sku:{lookup.code_of(session, Product, rule.product_id, 'sku')}"
    elif rule.scope == "category":
        where = f"category:{rule.category}"
    else:
        where = "all"
    what = f"{pct_text(rule.pct_bp)} of {rule.base}" if rule.pct_bp is not None else f"¥{format_money(rule.amount_cents)} per unit"
    return f"{where} {what}"


def rule_dict(session: Session, rule: CommissionRule) -> dict:
    return {
        "id": rule.id,
        "scope": rule.scope,
        "sku": lookup.code_of(session, Product, rule.product_id, "sku") if rule.product_id else None,
        "category": rule.category or None,
        "role": rule.role,
        "pct": f"{rule.pct_bp / 100:.2f}" if rule.pct_bp is not None else None,
        "amount": format_money(rule.amount_cents) if rule.amount_cents is not None else None,
        "base": rule.base,
        "from": rule.valid_from.isoformat() if rule.valid_from else None,
        "until": rule.valid_until.isoformat() if rule.valid_until else None,
        "active": rule.active,
        "text": rule_text(session, rule),
    }


def parse_pct(text: str) -> int:
    """'2', '2.5', '2.5%' → basis points (250); more than 100 % or two decimals is refused."""
    raw = (text or "").strip().rstrip("%").strip()
    try:
        bp = parse_money(raw, what="--pct")
    except StoreError:
        raise invalid(f"--pct {text!r} is not a percentage with at most two decimals", "e.g. --pct 2.5") from None
    if bp > 10_000:
        raise invalid(f"--pct {text!r} is more than 100 %", "e.g. --pct 2.5")
    return bp


def add_rule(
    session: Session, *, sku: str | None = None, category: str | None = None, all_: bool = False, role: str,
    pct: str | None = None, amount: str | None = None, base: str | None = None,
    valid_from: date | None = None, valid_until: date | None = None,
) -> dict:
    require_manager(session, "add a commission rule")
    closing.ensure_open(session)
    scopes = [name for name, given in (("sku", sku is not None), ("category", category is not None), ("all", all_)) if given]
    if len(scopes) != 1:
        raise invalid("a commission rule is for one of --sku SKU, --category C or --all", "e.g. --category 手机 --role seller --pct 1")
    role = (role or "").strip().lower()
    if role not in COMMISSION_ROLES:
        raise invalid(f"--role {role!r} is not a commission role", ROLE_HINT)
    if (pct is None) == (amount is None):
        raise invalid("give one of --pct P (of the base) or --amount A (per unit)", "e.g. --pct 2.5 or --amount 50")
    if amount is not None and base is not None:
        raise invalid("--base applies to --pct only; --amount is per unit", "drop --base, or use --pct")
    base = (base or "revenue").strip().lower()
    if base not in BASES:
        raise invalid(f"--base {base!r} is not revenue or profit", "e.g. --base profit")
    if valid_from and valid_until and valid_until < valid_from:
        raise invalid(f"--until {valid_until} is before --from {valid_from}", "the dates are inclusive")
    rule = CommissionRule(
        scope=scopes[0], role=role, base=base, valid_from=valid_from, valid_until=valid_until,
        created_at=db.now_of(session), operator=db.operator_of(session),
    )
    if sku is not None:
        rule.product_id = lookup.product(session, sku).id
    if category is not None:
        rule.category = clean_name(category, "category")
    if pct is not None:
        rule.pct_bp = parse_pct(pct)
    else:
        rule.amount_cents = parse_money(amount, what="--amount")
    session.add(rule)
    session.flush()
    db.note_doc(session, f"commission rule {rule.id}")
    return rule_dict(session, rule)


def list_rules(session: Session, *, all_: bool = False) -> list[dict]:
    query = select(CommissionRule).order_by(CommissionRule.id)
    if not all_:
        query = query.where(CommissionRule.active == True)  # noqa: E712
    return [rule_dict(session, r) for r in session.exec(query).all()]


def remove_rule(session: Session, rule_id: int) -> dict:
    require_manager(session, "remove a commission rule")
    result = session.execute(
        update(CommissionRule).where(CommissionRule.id == rule_id, CommissionRule.active == True)  # noqa: E712
        .values(active=False, removed_at=db.now_of(session)).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        if session.get(CommissionRule, rule_id) is None:
            raise not_found(f"no commission rule {rule_id}", "storectl commission rule list")
        raise StoreError("conflict", f"commission rule {rule_id} was already removed", "storectl commission rule list --all")
    db.note_doc(session, f"commission rule {rule_id}")
    rule = session.get(CommissionRule, rule_id)
    session.refresh(rule)
    return rule_dict(session, rule)


class Resolver:
    """The active rules, loaded once per sale; `best(product, role, day)` is the winning rule or None."""

    def __init__(self, session: Session) -> None:
        self.rules = session.exec(
            select(CommissionRule).where(CommissionRule.active == True)  # noqa: E712
            .order_by(CommissionRule.created_at.desc(), CommissionRule.id.desc())
        ).all()

    def __bool__(self) -> bool:
        return bool(self.rules)

    def roles(self) -> set[str]:
        return {r.role for r in self.rules}

    def best(self, product: Product, role: str, day: date) -> CommissionRule | None:
        found: dict[str, CommissionRule] = {}
        for rule in self.rules:  # newest first: the first valid rule of a scope is the one
            if rule.role != role or rule.scope in found:
                continue
            if (rule.valid_from and rule.valid_from > day) or (rule.valid_until and rule.valid_until < day):
                continue
            if rule.scope == "sku" and rule.product_id != product.id:
                continue
            if rule.scope == "category" and (not product.category or rule.category != product.category):
                continue
            found[rule.scope] = rule
        return next((found[s] for s in SCOPES if s in found), None)
