"""Flash sales (秒杀 / 限时折扣): a price rule with a quota holds for its first N units (K per member).

`price set SKU AMOUNT --from D --until D --quota N [--per-member K]` writes the rule
(`till/pricing`); while it has units left it wins like any newest rule of its scope, and once it
has sold N (or the member has bought K) the next rule applies. The count is `price_rule.flash_sold`,
moved only by `claim`: a guarded UPDATE (`flash_sold + n <= quota`) checked by rowcount, so two
tills can never sell unit N+1 at the flash price. A line takes the flash price whole or not at all
(a quantity line of 3 with 2 left pays the next rule's price). With --per-member the flash price is
for members only, counted in `flash_take`.
"""

from __future__ import annotations

from sqlalchemy import insert, update
from sqlmodel import Session, select

from storectl.models import Customer, FlashTake, PriceRule


def _taken(session: Session, rule: PriceRule, buyer: Customer) -> int:
    qty = session.exec(select(FlashTake.qty).where(FlashTake.rule_id == rule.id, FlashTake.customer_id == buyer.id)).first()
    return int(qty or 0)


def available(session: Session, rule: PriceRule, buyer: Customer | None, qty: int = 1) -> bool:
    """Whether `qty` more units can still be sold at this flash rule's price to `buyer`."""
    if rule.flash_sold + qty > rule.quota:
        return False
    if rule.per_member is None:
        return True
    if buyer is None or not buyer.is_member:
        return False
    return _taken(session, rule, buyer) + qty <= rule.per_member


def claim(session: Session, rule: PriceRule, buyer: Customer | None, qty: int) -> bool:
    """Count `qty` units sold at the flash price (guarded); False when the quota or the member's share is gone."""
    if not available(session, rule, buyer, qty):
        return False
    if rule.per_member is not None:
        done = session.execute(
            update(FlashTake).where(FlashTake.rule_id == rule.id, FlashTake.customer_id == buyer.id,
                                    FlashTake.qty + qty <= rule.per_member)
            .values(qty=FlashTake.qty + qty).execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            if _taken(session, rule, buyer):
                return False
            session.execute(insert(FlashTake).values(rule_id=rule.id, customer_id=buyer.id, qty=qty))
    done = session.execute(
        update(PriceRule).where(PriceRule.id == rule.id, PriceRule.flash_sold + qty <= PriceRule.quota)
        .values(flash_sold=PriceRule.flash_sold + qty).execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        if rule.per_member is not None:  # undo the member's share in this transaction
            session.execute(update(FlashTake).where(FlashTake.rule_id == rule.id, FlashTake.customer_id == buyer.id)
                            .values(qty=FlashTake.qty - qty).execution_options(synchronize_session=False))
        return False
    session.refresh(rule)
    return True


