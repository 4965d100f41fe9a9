"""Coupons (优惠券 / 满减): templates, the instances members hold, and what they take off a sale.

A template (`coupon add`) is a fixed amount off with an optional minimum spend (满减), or a
percentage off with an optional cap, for the whole sale or only one SKU or category. `coupon
issue` gives members instances, each with its own 8-character code (no 0/O/1/I) and its expiry.

On a sale (`plan` then `redeem`): only the buyer's own, unexpired, unused instances; at most one
non-stackable; percentages first, then fixed amounts, each on what the eligible lines still cost
after the coupons before it; the minimum spend counts the eligible lines at their price (before
any coupon). Each coupon's discount is spread over its eligible lines pro rata by largest
remainder to the fen, so every line's amount is net of it and the parts add up exactly. An
instance is used by one sale: a guarded UPDATE (`used_sale_id IS NULL`) checked by rowcount.
When a sale has been returned in full, its unexpired coupons come back (`give_back`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, insert, update
from sqlmodel import Session, select

from storectl import db
from storectl.codes import clean_code
from storectl.errors import StoreError, invalid, not_found
from storectl.models import Coupon, CouponInstance, CouponRule, Customer, Product, SaleCoupon
from storectl.money import div_half_up, format_money, format_money_human, format_percent
from storectl.services.shop import closing, lookup, settings
from storectl.services.shop.auth import require_manager

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O/1/I: read aloud and typed from a chat message
CODE_LEN = 8
MAX_VALID_DAYS = 3660


# --- templates ------------------------------------------------------------------------------


def _template(session: Session, code: str) -> Coupon:
    row = session.exec(select(Coupon).where(Coupon.code == clean_code(code, "coupon code"))).first()
    if row is None:
        raise not_found(f"no coupon {code.strip()!r}", "storectl coupon list")
    return row


def describe(session: Session, c: Coupon) -> str:
    """'¥100 off from ¥1,000 on IP17P', '10% off (at most ¥200)'."""
    if c.pct_bp:
        text = f"{format_percent(c.pct_bp)}% off" + (f" (at most {format_money_human(c.max_off_cents)})" if c.max_off_cents else "")
    else:
        text = f"{format_money_human(c.amount_cents)} off"
    if c.min_spend_cents:
        text += f" from {format_money_human(c.min_spend_cents)}"
    if c.sku_id:
        text += f" on {lookup.code_of(session, Product, c.sku_id, 'sku')}"
    elif c.category:
        text += f" on {c.category}"
    return text


def coupon_dict(session: Session, c: Coupon, *, counts: bool = True) -> dict:
    out = {
        "code": c.code,
        "name": c.name,
        "kind": "pct" if c.pct_bp else "amount",
        "amount": format_money(c.amount_cents) if c.amount_cents else None,
        "pct": format_percent(c.pct_bp) if c.pct_bp else None,
        "min_spend": format_money(c.min_spend_cents),
        "max_off": format_money(c.max_off_cents) if c.max_off_cents else None,
        "sku": lookup.code_of(session, Product, c.sku_id, "sku"),
        "category": c.category or None,
        "valid_days": c.valid_days,
        "until": c.valid_until.isoformat() if c.valid_until else None,
        "stackable": c.stackable,
        "terms": describe(session, c),
    }
    if counts:
        today = settings.today(session)
        inst = CouponInstance
        issued = session.execute(select(func.count()).where(inst.coupon_id == c.id)).scalar() or 0
        used = session.execute(select(func.count()).where(inst.coupon_id == c.id, inst.used_sale_id.is_not(None))).scalar() or 0
        expired = session.execute(select(func.count()).where(
            inst.coupon_id == c.id, inst.used_sale_id.is_(None), inst.expires_on < today)).scalar() or 0
        given = session.execute(select(func.coalesce(func.sum(SaleCoupon.discount_cents), 0)).where(
            SaleCoupon.coupon_id == c.id)).scalar()
        out.update(issued=int(issued), used=int(used), expired=int(expired), open=int(issued - used - expired),
                   discount=format_money(int(given or 0)))
    return out


def add_coupon(
    session: Session,
    *,
    code: str,
    name: str,
    amount_cents: int | None = None,
    pct_bp: int | None = None,
    min_spend_cents: int | None = None,
    max_off_cents: int | None = None,
    sku: str | None = None,
    category: str | None = None,
    valid_days: int | None = None,
    until: date | None = None,
    stackable: bool = False,
) -> dict:
    """A new coupon template (manager only)."""
    code = clean_code(code, "coupon code")
    name = (name or "").strip()
    if not name:
        raise invalid("a coupon needs a name", "e.g. storectl coupon add MJ100 '满1000减100' --amount 100 --min-spend 1000 --valid-days 30")
    if (amount_cents is None) == (pct_bp is None):
        raise invalid("give either --amount or --pct", "--amount 100 (¥100 off) or --pct 10 (10% off)")
    if amount_cents is not None and amount_cents <= 0:
        raise invalid("--amount must be more than zero", "e.g. --amount 100")
    if pct_bp is not None and not 0 < pct_bp <= 10_000:
        raise invalid("--pct must be more than 0 and at most 100", "e.g. --pct 10")
    if min_spend_cents is not None and pct_bp is not None:
        raise invalid("--min-spend goes with --amount (满减)", "drop --min-spend, or use --amount")
    if max_off_cents is not None and amount_cents is not None:
        raise invalid("--max-off goes with --pct", "drop --max-off: an --amount coupon takes off at most its amount")
    if sku and category:
        raise invalid("give --sku or --category, not both", "one coupon is for one SKU, one category, or the whole sale")
    if (valid_days is None) == (until is None):
        raise invalid("give either --valid-days or --until", "--valid-days 30 (from the day it is issued) or --until 2026-12-31")
    if valid_days is not None and not 1 <= valid_days <= MAX_VALID_DAYS:
        raise invalid(f"--valid-days must be from 1 to {MAX_VALID_DAYS}", "e.g. --valid-days 30")
    if until is not None and until < settings.today(session):
        raise invalid(f"--until {until.isoformat()} is already past", "give today or a later day")
    product = lookup.product(session, sku) if sku else None
    if category is not None:
        category = category.strip()
        if not category:
            raise invalid("--category is empty", "e.g. --category 配件")
        if session.exec(select(Product.id).where(Product.category == category)).first() is None:
            raise not_found(f"no product in category {category!r}", "storectl product list")
    require_manager(session, "coupon add")
    closing.ensure_open(session)
    if session.exec(select(Coupon.id).where(Coupon.code == code)).first() is not None:
        raise StoreError("conflict", f"coupon {code} already exists", f"storectl coupon show {code}")
    row = Coupon(
        code=code, name=name, amount_cents=amount_cents or 0, pct_bp=pct_bp or 0, min_spend_cents=min_spend_cents or 0,
        max_off_cents=max_off_cents or 0, sku_id=product.id if product else None, category=category or "",
        valid_days=valid_days, valid_until=until, stackable=stackable, created_at=db.now_of(session),
        operator=db.operator_of(session),
    )
    session.add(row)
    session.flush()
    db.note_doc(session, f"coupon {code}")
    return coupon_dict(session, row)


def list_coupons(session: Session) -> list[dict]:
    return [coupon_dict(session, c) for c in session.exec(select(Coupon).order_by(Coupon.code))]


def show_coupon(session: Session, code: str) -> dict:
    c = _template(session, code)
    out = coupon_dict(session, c)
    rows = session.exec(select(CouponInstance).where(CouponInstance.coupon_id == c.id).order_by(CouponInstance.id)).all()
    out["instances"] = [instance_dict(session, r, coupon=c) for r in rows]
    return out


# --- instances ------------------------------------------------------------------------------


def new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LEN))
        if session.exec(select(CouponInstance.id).where(CouponInstance.code == code)).first() is None:
            return code


_CODE_BYTES = bytes(ord(ALPHABET[b % len(ALPHABET)]) for b in range(256))  # 256 = 8 × 32: every letter as likely


def fresh_codes(session: Session, n: int) -> list[str]:
    """`n` new instance codes at once, as `new_code` makes them (same alphabet and length), unique among
    themselves and against the table (checked a chunk at a time): drawn up front for a bulk issue."""
    codes: set[str] = set()
    while len(codes) < n:
        want = n - len(codes)
        text = secrets.token_bytes(want * CODE_LEN).translate(_CODE_BYTES).decode("ascii")
        batch = {text[i:i + CODE_LEN] for i in range(0, len(text), CODE_LEN)} - codes
        drawn = sorted(batch)
        for i in range(0, len(drawn), 900):  # bound parameters per IN (…), below SQLite's oldest limit
            batch -= set(session.exec(select(CouponInstance.code).where(CouponInstance.code.in_(drawn[i:i + 900]))))
        codes |= batch
    return list(codes)


def instance_dict(session: Session, row: CouponInstance, *, coupon: Coupon | None = None) -> dict:
    coupon = coupon or session.get(Coupon, row.coupon_id)
    today = settings.today(session)
    used = None
    if row.used_sale_id is not None:
        used = lookup.code_of(session, models_sale(), row.used_sale_id, "doc_no")
    state = "used" if used else ("expired" if row.expires_on < today else "open")
    return {
        "code": row.code,
        "coupon": coupon.code,
        "name": coupon.name,
        "terms": describe(session, coupon),
        "member": lookup.code_of(session, Customer, row.customer_id, "phone"),
        "issued_at": settings.local_iso(session, row.issued_at),
        "expires": row.expires_on.isoformat(),
        "state": state,
        "sale": used,
    }


def models_sale():  # noqa: ANN201
    from storectl import models

    return models.Sale


def issue_one(session: Session, coupon: Coupon, member: Customer, *, source: str = "issue") -> CouponInstance:
    """One instance of `coupon` for `member`, expiring per the template (no manager check: callers do)."""
    today = settings.today(session)
    expires = today + timedelta(days=coupon.valid_days - 1) if coupon.valid_days else coupon.valid_until
    row = CouponInstance(code=new_code(session), coupon_id=coupon.id, customer_id=member.id, issued_at=db.now_of(session),
                         expires_on=expires, source=source)
    session.add(row)
    session.flush()
    return row


def issue(session: Session, *, code: str, phones: list[str] = (), level: str | None = None, all_members: bool = False) -> dict:
    """Give `code` to the named members, to a level's members or to every member (manager only)."""
    coupon = _template(session, code)
    if sum([bool(phones), level is not None, all_members]) != 1:
        raise invalid("give member phones, or --level L, or --all-members", f"e.g. storectl coupon issue {coupon.code} 13800138000")
    if coupon.valid_until is not None and coupon.valid_until < settings.today(session):
        raise invalid(f"coupon {coupon.code} ran until {coupon.valid_until.isoformat()}", "storectl coupon add … a new one")
    members: list[tuple[int, str | None]] = []  # (customer id, phone)
    if phones:
        seen = set()
        for phone in phones:
            m = lookup.member(session, phone)
            if m.id in seen:
                raise invalid(f"member {m.phone} is named twice", "name each member once")
            seen.add(m.id)
            members.append((m.id, m.phone))
    else:
        query = select(Customer.id, Customer.phone).where(Customer.is_member == True)  # noqa: E712
        if level is not None:
            query = query.where(Customer.level_id == lookup.level(session, level).id)
        members = [tuple(row) for row in session.execute(query.order_by(Customer.code))]
        if not members:
            raise not_found(f"no members {'at level ' + level.strip() if level else 'yet'}", "storectl member list")
    require_manager(session, "coupon issue")
    closing.ensure_open(session)
    # one INSERT for all (tens of thousands of members: not one ORM object each); what issue_one writes
    today, now = settings.today(session), db.now_of(session)
    expires = today + timedelta(days=coupon.valid_days - 1) if coupon.valid_days else coupon.valid_until
    codes = fresh_codes(session, len(members))
    session.execute(insert(CouponInstance), [
        {"code": code, "coupon_id": coupon.id, "customer_id": cid, "issued_at": now, "expires_on": expires, "source": "issue"}
        for code, (cid, _) in zip(codes, members)])
    db.note_doc(session, f"coupon {coupon.code} issued")
    # each instance as instance_dict shows it: all new, unused, issued now
    same = {"coupon": coupon.code, "name": coupon.name, "terms": describe(session, coupon)}
    after = {"issued_at": settings.local_iso(session, now), "expires": expires.isoformat(),
             "state": "expired" if expires < today else "open", "sale": None}
    instances = [{"code": code, **same, "member": phone, **after} for code, (_, phone) in zip(codes, members)]
    return {"coupon": coupon.code, "issued": len(instances), "instances": instances}


def member_coupons(session: Session, customer_id: int) -> list[dict]:
    """A member's coupons, open first (soonest expiry), then used and expired."""
    rows = session.exec(select(CouponInstance).where(CouponInstance.customer_id == customer_id).order_by(CouponInstance.id)).all()
    out = [instance_dict(session, r) for r in rows]
    order = {"open": 0, "used": 1, "expired": 2}
    out.sort(key=lambda d: (order[d["state"]], d["expires"]))
    return out


# --- on a sale ------------------------------------------------------------------------------


@dataclass
class Basket:
    """A line as `plan` sees it (the till's own lines have the same attributes)."""

    product: Product
    qty: int
    price_cents: int
    discount_cents: int = 0


@dataclass
class Taken:
    instance: CouponInstance
    coupon: Coupon
    off: int = 0


@dataclass
class Plan:
    taken: list[Taken] = field(default_factory=list)

    @property
    def discount(self) -> int:
        return sum(t.off for t in self.taken)


def _instance(session: Session, text: str) -> CouponInstance:
    code = (text or "").strip().upper()
    row = session.exec(select(CouponInstance).where(CouponInstance.code == code)).first() if code else None
    if row is None:
        raise not_found(f"no coupon {text.strip()!r}", "the member's coupons: storectl member show PHONE")
    return row


def _eligible(coupon: Coupon, product: Product) -> bool:
    if coupon.sku_id is not None:
        return product.id == coupon.sku_id
    if coupon.category:
        return product.category == coupon.category
    return True


def spread(off: int, amounts: list[int]) -> list[int]:
    """`off` split over `amounts` pro rata, to the fen, by largest remainder (ties: the earlier line)."""
    base = sum(amounts)
    if base <= 0 or off <= 0:
        return [0] * len(amounts)
    shares = [off * a // base for a in amounts]
    order = sorted(range(len(amounts)), key=lambda i: (-(off * amounts[i] % base), i))
    for i in order[: off - sum(shares)]:
        shares[i] += 1
    return shares


def plan(session: Session, *, buyer: Customer | None, lines: list, codes: list[str]) -> Plan:
    """Check `codes` against the buyer and the lines and set each line's `discount_cents`.

    `lines` are the till's lines (`product`, `qty`, `price_cents`, `discount_cents`).
    """
    result = Plan()
    if not codes:
        return result
    if buyer is None or not buyer.is_member:
        who = f"customer {buyer.code} is not a member" if buyer else "no member given"
        raise invalid(f"coupons are a member's: {who}", "give the member: --customer PHONE")
    today = settings.today(session)
    seen: set[int] = set()
    for text in codes:
        inst = _instance(session, text)
        if inst.id in seen:
            raise invalid(f"coupon {inst.code} is given twice", "give each coupon once")
        seen.add(inst.id)
        if inst.customer_id != buyer.id:
            raise invalid(f"coupon {inst.code} is not {buyer.phone}'s", f"storectl member show {buyer.phone}")
        if inst.used_sale_id is not None:
            doc = lookup.code_of(session, models_sale(), inst.used_sale_id, "doc_no")
            raise StoreError("conflict", f"coupon {inst.code} was used on {doc}", f"storectl member show {buyer.phone}")
        if inst.expires_on < today:
            raise invalid(f"coupon {inst.code} expired on {inst.expires_on.isoformat()}", f"storectl member show {buyer.phone}")
        result.taken.append(Taken(inst, session.get(Coupon, inst.coupon_id)))
    single = [t for t in result.taken if not t.coupon.stackable]
    if len(single) > 1:
        raise invalid(f"coupons {single[0].instance.code} and {single[1].instance.code} cannot be used together (at most one non-stackable coupon a sale)",
                      "use one of them")
    result.taken.sort(key=lambda t: 0 if t.coupon.pct_bp else 1)  # percentages first, each group as given
    for t in result.taken:
        c = t.coupon
        eligible = [line for line in lines if _eligible(c, line.product)]
        if not eligible:
            raise invalid(f"coupon {t.instance.code} ({describe(session, c)}) applies to nothing in this sale", "use it on a sale with such items")
        gross = sum(line.price_cents * line.qty for line in eligible)
        if gross < c.min_spend_cents:
            raise invalid(f"coupon {t.instance.code} needs ¥{format_money(c.min_spend_cents)} of eligible items; this sale has ¥{format_money(gross)}",
                          "add items, or use it another time")
        net = [line.price_cents * line.qty - line.discount_cents for line in eligible]
        base = sum(net)
        if c.pct_bp:
            off = div_half_up(base * c.pct_bp, 10_000)
            if c.max_off_cents:
                off = min(off, c.max_off_cents)
        else:
            off = min(c.amount_cents, base)
        if off <= 0:
            raise invalid(f"coupon {t.instance.code} takes nothing off this sale", "use it another time")
        for line, share in zip(eligible, spread(off, net)):
            line.discount_cents += share
        t.off = off
    return result


def redeem(session: Session, *, sale_id: int, sale_doc: str, plan_: Plan) -> None:
    """Mark the plan's instances used by the sale (guarded) and record what each took off."""
    for t in plan_.taken:
        done = session.execute(
            update(CouponInstance).where(CouponInstance.id == t.instance.id, CouponInstance.used_sale_id.is_(None))
            .values(used_sale_id=sale_id).execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            raise StoreError("conflict", f"coupon {t.instance.code} was used meanwhile", "sell again without it")
        session.add(SaleCoupon(sale_id=sale_id, instance_id=t.instance.id, coupon_id=t.coupon.id, discount_cents=t.off))
    if plan_.taken:
        session.flush()


def sale_coupons(session: Session, sale_id: int) -> list[dict]:
    """`[{"code", "coupon", "name", "off", "given_back"}]` for a sale's receipt."""
    rows = session.execute(
        select(SaleCoupon, CouponInstance.code, Coupon.code, Coupon.name)
        .join(CouponInstance, CouponInstance.id == SaleCoupon.instance_id).join(Coupon, Coupon.id == SaleCoupon.coupon_id)
        .where(SaleCoupon.sale_id == sale_id).order_by(SaleCoupon.id)
    ).all()
    return [{"code": code, "coupon": tcode, "name": name, "off": format_money(sc.discount_cents), "given_back": sc.given_back}
            for sc, code, tcode, name in rows]


def give_back(session: Session, *, sale_id: int) -> list[str]:
    """After a sale is returned in full: its unexpired coupons can be used again. The codes given back."""
    today = settings.today(session)
    back = []
    rows = session.exec(select(SaleCoupon).where(SaleCoupon.sale_id == sale_id, SaleCoupon.given_back == False)).all()  # noqa: E712
    for sc in rows:
        inst = session.get(CouponInstance, sc.instance_id)
        if inst.expires_on < today:
            continue
        done = session.execute(
            update(CouponInstance).where(CouponInstance.id == inst.id, CouponInstance.used_sale_id == sale_id)
            .values(used_sale_id=None).execution_options(synchronize_session=False)
        )
        if done.rowcount == 1:
            sc.given_back = True
            session.add(sc)
            back.append(inst.code)
    session.flush()
    return back


# --- check-in coupons -----------------------------------------------------------------------


def add_rule(session: Session, *, every: int, code: str) -> dict:
    """A check-in on every streak day divisible by `every` issues `code` (the caller checks the manager)."""
    coupon = _template(session, code)
    row = CouponRule(every=every, coupon_id=coupon.id, active=True, created_at=db.now_of(session))
    session.add(row)
    session.flush()
    return {"id": row.id, "ref": f"C{row.id}", "every": every, "coupon": coupon.code, "name": coupon.name}


def rule_dict(session: Session, row: CouponRule) -> dict:
    """A coupon rule in `points rules`' shape: `ref` C1, C2, … is what `points rule remove` takes (the
    two rule tables number their ids each from 1). No removal time is kept for coupon rules."""
    coupon = session.get(Coupon, row.coupon_id)
    return {"id": row.id, "ref": f"C{row.id}", "kind": "coupon", "every": row.every, "points": None, "once": False,
            "coupon": coupon.code, "coupon_name": coupon.name, "active": row.active,
            "created_at": settings.local_iso(session, row.created_at), "removed_at": None}


def list_coupon_rules(session: Session, *, include_removed: bool = False) -> list[dict]:
    query = select(CouponRule).order_by(CouponRule.every, CouponRule.id)
    if not include_removed:
        query = query.where(CouponRule.active == True)  # noqa: E712
    return [rule_dict(session, row) for row in session.exec(query)]


def remove_rule(session: Session, *, rule_id: int) -> dict:
    """Stop a coupon rule issuing (guarded: one of two removals wins); coupons it issued stay (the caller checks the manager)."""
    row = session.get(CouponRule, rule_id)
    if row is None:
        raise StoreError("not_found", f"no coupon rule C{rule_id}", "storectl points rules")
    done = session.execute(update(CouponRule).where(CouponRule.id == rule_id, CouponRule.active == True)  # noqa: E712
                           .values(active=False).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise StoreError("conflict", f"coupon rule C{rule_id} was removed already", "storectl points rules --all")
    session.refresh(row)
    return rule_dict(session, row)


def on_checkin(session: Session, *, member: Customer, streak: int) -> list[dict]:
    """The coupons a check-in on streak day `streak` issues (templates still running)."""
    today = settings.today(session)
    out = []
    rules = session.exec(select(CouponRule).where(CouponRule.active == True).order_by(CouponRule.every, CouponRule.id)).all()  # noqa: E712
    for rule in rules:
        if streak % rule.every:
            continue
        coupon = session.get(Coupon, rule.coupon_id)
        if coupon.valid_until is not None and coupon.valid_until < today:
            continue
        row = issue_one(session, coupon, member, source="checkin")
        out.append({"code": row.code, "coupon": coupon.code, "name": coupon.name, "expires": row.expires_on.isoformat()})
    return out


# --- report coupons ------------------------------------------------------------------------


def figures(session: Session, start, end) -> list[dict]:  # noqa: ANN001
    """Per template, for the UTC half-open [start, end): instances issued, coupons used on sales made
    then, instances that expired unused on a day of the period that has passed, the discount those
    sales got, and their revenue (each sale's total, net of every coupon). Cents as ints."""
    from storectl import models

    tz = settings.shop_tz(session)
    first, last = start.astimezone(tz).date(), (end.astimezone(tz) - timedelta(microseconds=1)).date()
    today = settings.today(session)
    inst, sale = CouponInstance, models.Sale
    issued = dict(session.execute(select(inst.coupon_id, func.count()).where(inst.issued_at >= start, inst.issued_at < end)
                                  .group_by(inst.coupon_id)).all())
    expired = dict(session.execute(
        select(inst.coupon_id, func.count()).where(inst.used_sale_id.is_(None), inst.expires_on >= first, inst.expires_on <= last,
                                                   inst.expires_on < today).group_by(inst.coupon_id)).all())
    used = session.execute(
        select(SaleCoupon.coupon_id, SaleCoupon.sale_id, SaleCoupon.discount_cents, sale.total_cents)
        .join(sale, sale.id == SaleCoupon.sale_id).where(sale.at >= start, sale.at < end)
    ).all()
    out = []
    for c in session.exec(select(Coupon).order_by(Coupon.code)):
        mine = [u for u in used if u.coupon_id == c.id]
        row = {"code": c.code, "name": c.name, "issued": int(issued.get(c.id) or 0), "used": len(mine),
               "expired": int(expired.get(c.id) or 0), "discount": sum(u.discount_cents for u in mine),
               "revenue": sum({u.sale_id: u.total_cents for u in mine}.values())}
        if any(row[k] for k in ("issued", "used", "expired")):
            out.append(row)
    return out


def report(session: Session, *, period: str | None = None) -> dict:
    """`report coupons`: per coupon and in total; revenue counts each sale once."""
    from storectl import models
    from storectl.periods import month_period, parse_period

    p = parse_period(period) if period else month_period(settings.today(session))
    start, end = p.utc_bounds(settings.shop_tz(session))
    rows = figures(session, start, end)
    sales = session.execute(
        select(func.count(), func.coalesce(func.sum(models.Sale.total_cents), 0))
        .where(models.Sale.id.in_(select(SaleCoupon.sale_id).distinct()), models.Sale.at >= start, models.Sale.at < end)
    ).one()
    money = ("discount", "revenue")
    return {
        "period": p.label,
        "coupons": [{k: (format_money(v) if k in money else v) for k, v in r.items()} for r in rows],
        "total": {"issued": sum(r["issued"] for r in rows), "used": sum(r["used"] for r in rows),
                  "expired": sum(r["expired"] for r in rows), "discount": format_money(sum(r["discount"] for r in rows)),
                  "sales": int(sales[0]), "revenue": format_money(int(sales[1]))},
    }


# --- db check -------------------------------------------------------------------------------


def invariants(session: Session) -> list[dict]:
    """Each sale's lines are short of price × qty by exactly what its coupons took off; a used
    instance names a sale that recorded it."""
    from storectl import models

    line = models.SaleLine
    short = dict(session.execute(select(line.sale_id, func.sum(line.price_cents * line.qty - line.amount_cents))
                                 .group_by(line.sale_id).having(func.sum(line.price_cents * line.qty - line.amount_cents) != 0)).all())
    taken = dict(session.execute(select(SaleCoupon.sale_id, func.sum(SaleCoupon.discount_cents)).group_by(SaleCoupon.sale_id)).all())
    problems = []
    for sale_id in sorted(set(short) | set(taken)):
        if int(short.get(sale_id) or 0) != int(taken.get(sale_id) or 0):
            problems.append({"check": "coupon_discount", "doc": lookup.code_of(session, models.Sale, sale_id, "doc_no"), "message": (
                f"the lines are {format_money(int(short.get(sale_id) or 0))} under price × qty, "
                f"the coupons took off {format_money(int(taken.get(sale_id) or 0))}")})
    recorded = select(SaleCoupon.id).where(SaleCoupon.instance_id == CouponInstance.id, SaleCoupon.sale_id == CouponInstance.used_sale_id)
    for code, in session.execute(select(CouponInstance.code).where(CouponInstance.used_sale_id.is_not(None), ~recorded.exists())):
        problems.append({"check": "coupon_used", "doc": code, "message": f"coupon {code} is marked used by a sale that did not record it"})
    return problems
