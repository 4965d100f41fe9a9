"""1 December, the till day: coupons and a flash sale (issue 22).

Double 12 (双十二) lies past the demo's calendar, so the shop runs its warm-up on the till day:
a 12.1 flash price (秒杀) on one phone at SZ01 for the first 2 units, one per member; a 满减
coupon (满5000减500) issued to every 金卡 member; a check-in coupon (签到券) on each Nth day of a
streak (the demo's rule: the day after the longest streak so far, so its member gets one today).
Then a 金卡 member buys the flash phone with the 满减 coupon, a second member takes the
last flash unit, and a third pays the list price: the quota is gone. Nothing here touches
November, so the month's figures and workbook stay as they were.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from storectl.demo.month import DAYS, FIRST, moment
from storectl.money import format_money

BOSS, CLERK, STORE = "E001", "E002", "SZ01"


def run(db) -> dict:  # noqa: ANN001  (the demo's ClockedDatabase)
    """Play the promotion on 1 December; returns what the demo prints about it."""
    from storectl.models import Customer, Level, Product, Store, Unit
    from storectl.services.loyalty import checkin
    from storectl.services.promo import coupons
    from storectl.services.shop import lookup
    from storectl.services.till import pricing, sales

    day: date = FIRST + timedelta(days=DAYS)

    def write(clock: str, who: str, command: str):  # noqa: ANN202
        db.at, db.operator = moment(day, clock), who
        return db.write(command)

    with write("10:00", BOSS, "price set") as s:
        store_id = s.execute(select(Store.id).where(Store.code == STORE)).scalar()
        sku, units = s.execute(
            select(Product.sku, func.count()).join(Unit, Unit.product_id == Product.id)
            .where(Unit.store_id == store_id, Unit.status == "in_stock", Product.category == "手机")
            .group_by(Product.sku).having(func.count() >= 3).order_by(func.count().desc(), Product.sku)
        ).first()
        product = lookup.product(s, sku)
        codes = [lookup.first_code(s, u) for u in s.execute(
            select(Unit.id).where(Unit.product_id == product.id, Unit.store_id == store_id, Unit.status == "in_stock")
            .order_by(Unit.id).limit(3)).scalars()]
        list_price = pricing.resolve(s, product, None)[0]
        flash_cents = (list_price * 85 // 100) // 100 * 100  # 15 % off, whole yuan
        pricing.set_price(s, sku=sku, price_cents=flash_cents, valid_from=day, valid_until=day, quota=2, per_member=1)
    with write("10:05", BOSS, "coupon add") as s:
        coupons.add_coupon(s, code="MJ500", name="满5000减500", amount_cents=50_000, min_spend_cents=500_000, valid_days=30)
        coupons.add_coupon(s, code="QD20", name="签到券 满100减20", amount_cents=2_000, min_spend_cents=10_000, valid_days=14,
                           stackable=True)
    with write("10:10", BOSS, "coupon issue") as s:
        issued = coupons.issue(s, code="MJ500", level="金卡")
    with db.read("demo") as s:
        gold = [i["member"] for i in issued["instances"]]
        others = s.execute(select(Customer.phone).where(Customer.is_member == True, Customer.phone.not_in(gold))  # noqa: E712
                           .order_by(Customer.id)).scalars().all()
        ids = dict(s.execute(select(Customer.phone, Customer.id).where(Customer.is_member == True)).all())  # noqa: E712
        from storectl.services.loyalty import members

        current = members.streaks(s, list(ids.values()))
    # a coupon for the longest streak's next day (连续签到 N 天送券); its member checks in and gets it
    due = max(sorted(ids), key=lambda p: current.get(ids[p], 0))
    every = current.get(ids[due], 0) + 1
    with write("10:15", BOSS, "points rule add") as s:
        checkin.add_rules(s, every=every, coupon="QD20")
    with write("10:20", CLERK, "member checkin") as s:
        checkin_coupon = checkin.checkin(s, phone=due)["coupons"]
    buyer = gold[0]
    coupon = issued["instances"][0]["code"]
    sold = []
    with write("10:30", CLERK, "sell") as s:
        price = pricing.resolve(s, lookup.product(s, sku), lookup.member(s, buyer), qty=1)[0]
        sold.append(sales.sell(s, store=STORE, staff=CLERK, items=[codes[0]], customer=buyer, coupons=[coupon],
                               payments=[("wechat", price - 50_000)]))
    for clock, who, code in (("10:45", others[0], codes[1]), ("11:00", others[1], codes[2])):
        with write(clock, CLERK, "sell") as s:
            price = pricing.resolve(s, lookup.product(s, sku), lookup.member(s, who), qty=1)[0]
            sold.append(sales.sell(s, store=STORE, staff=CLERK, items=[code], customer=who, payments=[("alipay", price)]))
    return {
        "promo": {
            "flash_sku": sku, "flash_price": format_money(flash_cents), "list_price": format_money(list_price),
            "mj500_issued": issued["issued"], "checkin_member": due, "checkin_every": every,
            "checkin_coupons": [c["coupon"] for c in checkin_coupon],  # the templates: instance codes are drawn at random
            "sales": [{"id": r["id"], "customer": r["member"], "price": r["lines"][0]["price"], "rule": r["lines"][0]["rule"],
                       "coupons": [c["coupon"] for c in r.get("coupons", [])], "total": r["total"]} for r in sold],
        }
    }
