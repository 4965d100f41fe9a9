"""The demo's old customers (SPEC §13): phones sold in 2020–2022, and November's campaign to bring
their owners back for a new one.

`join(month)` adds this story to the month's own (`Month.plan_story`), so `Month.live` plays it in
order and the month's seeded till is not disturbed:

- 1 November, before the shop opens: the old till's records are loaded, each sale through the
  services on its own date (`Month.op` sets the simulated clock): the phone models of those years
  (iPhone 12/13, HUAWEI P40/Mate 40 Pro, Xiaomi 11, Redmi K40, valid IMEIs) received and sold to
  30 customers with their phone numbers, tagged 老客户; five of them came back for another phone
  in 2024–2025, so they are not in an audience of three-year-old phones. November's report figures
  do not change (the sales are dated then); the documents numbered after them do.
- 16 November: 张伟 (E001) creates 三年换新 (phones bought three years ago or earlier, 10 % held out,
  a 30-day window); over the next days some customers open their link (one twice), which makes a
  lead for whoever sold them their old phone; the salespeople follow up, one lead is lost.
- 21 November: a walk-in's lead, added by hand.
- 30 November, after the day's till: three of those leads buy a new phone; the leads become won
  by themselves.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

from storectl.codes import luhn_check_digit

SEED = 20201111
TAG = "老客户"
# sku, name, brand, list price now (yuan), price then, cost then, TAC, sold from, sold until
OLD_MODELS = (
    ("IP12-128-BL", "iPhone 12 128GB 蓝色", "Apple", 3299, 6299, 5580, "35302911", date(2020, 10, 23), date(2021, 9, 10)),
    ("IP13-128-PK", "iPhone 13 128GB 粉色", "Apple", 3999, 5999, 5320, "35392611", date(2021, 9, 24), date(2022, 12, 20)),
    ("HWP40-256-BK", "HUAWEI P40 8+256GB 亮黑色", "Huawei", 2599, 4988, 4350, "86784704", date(2020, 11, 1), date(2021, 6, 30)),
    ("HWMT40P-256-SL", "HUAWEI Mate 40 Pro 8+256GB 秘银色", "Huawei", 3899, 6999, 6120, "86054305", date(2020, 10, 30), date(2022, 3, 31)),
    ("MI11-256-BK", "Xiaomi 11 8+256GB 黑色", "Xiaomi", 1999, 4299, 3760, "86230105", date(2021, 1, 1), date(2022, 2, 28)),
    ("RMK40-128-WH", "Redmi K40 8+128GB 晴雪", "Xiaomi", 1299, 1999, 1720, "86887805", date(2021, 3, 4), date(2022, 5, 31)),
)
# bought again in 2024–2025 (a phone of the month's own catalogue, at the price then)
AGAIN = (("IP15-128-BK", "iPhone 15 128GB 黑色", "Apple", 4599, 5999, 5280, "35627314", date(2024, 3, 1), date(2025, 6, 30)),)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("建国", "秀兰", "志明", "丽华", "海燕", "俊杰", "晓东", "春梅", "文静", "国强", "雪梅", "子豪", "雅婷", "伟东", "佳怡")
CUSTOMERS = 30
CLICKS = {16: 3, 17: 3, 18: 1, 19: 1}  # links opened per day (the 17th's first is a second click)
SELLERS = {"SZ01": ("E002", "E003", "E004"), "SZ02": ("E006", "E007")}


def _imei(tac: str, serial: int) -> str:
    body = f"{tac}{serial:06d}"
    return body + luhn_check_digit(body)


def join(month) -> None:  # noqa: ANN001
    """Add the old customers' story to `month` (a demo.month.Month) before it lives."""
    story = month.plan_story
    state = {"rng": random.Random(SEED), "phones": [], "tokens": [], "leads": [], "campaign": None}

    def plan_story(day: date) -> None:
        story(day)
        if day.day == 1:
            _history(month, state)
        _plan(month, day, state)

    month.plan_story = plan_story


def _at(day: date, clock: str) -> datetime:
    from storectl.demo.month import moment

    return moment(day, clock)


def _history(month, state: dict) -> None:  # noqa: ANN001
    """The old till's records, each document on its own date (one transaction each)."""
    from storectl.money import cents_of
    from storectl.services.crm import tags
    from storectl.services.shop import catalogue
    from storectl.services.stock import inventory
    from storectl.services.till import sales

    rng = state["rng"]
    boss = month.manager["SZ01"]
    with month.op("product add", _at(date(2026, 11, 1), "07:40"), boss) as s:
        for sku, name, brand, now, *_ in OLD_MODELS + AGAIN:
            catalogue.add_product(s, sku=sku, name=name, brand=brand, category="手机", price_cents=cents_of(str(now)),
                                  code_kinds="IMEI1,IMEI2,SN", warranty_months=12)
    serial = iter(range(100001, 999999, 7919))
    plans = []
    for n in range(CUSTOMERS):
        model = OLD_MODELS[n % len(OLD_MODELS)]
        first, last = model[7], model[8]
        day = first + timedelta(days=rng.randint(0, (last - first).days))
        store = "SZ01" if n % 3 else "SZ02"
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
        phone = f"1{rng.choice(['35', '38', '39', '58', '86', '88'])}{rng.randint(1000, 9999)}{2000 + n:04d}"
        plans.append((day, f"LK{n + 1:03d}", name, phone, store, model))
        if n % 6 == 5:  # five came back for a newer phone since
            again = AGAIN[0]
            plans.append((again[7] + timedelta(days=rng.randint(0, (again[8] - again[7]).days)), f"LK{n + 1:03d}", name, phone, store, again))
    known: set[str] = set()
    for day, code, name, phone, store, model in sorted(plans, key=lambda p: p[0]):
        sku, _, _, _, then, cost, tac = model[:7]
        clock = f"{rng.randint(10, 20)}:{rng.choice(['05', '17', '32', '48'])}"
        when = _at(day, clock)
        seller = rng.choice(SELLERS[store])
        imei1, imei2 = _imei(tac, next(serial)), _imei(tac, next(serial))
        sn = "F" + "".join(rng.choice("0123456789CDFGHJKLMNPQRTVWXY") for _ in range(11))
        with month.op("stock in", when - timedelta(hours=3), month.manager[store]) as s:
            inventory.stock_in(s, store=store, sku=sku, cost_cents=cents_of(str(cost)), supplier="SUP01",
                               units=[("line 1", f"{imei1},{imei2},{sn}")], ref=f"旧账-{day:%Y%m%d}")
        with month.op("sell", when, seller) as s:
            if code not in known:
                catalogue.add_customer(s, code=code, name=name, phone=phone, group="零售")
                tags.tag(s, customer=code, tags=[TAG])
                known.add(code)
            sales.sell(s, store=store, staff=seller, items=[imei1], customer=code, prices=[(imei1, cents_of(str(then)))],
                       payments=[(rng.choice(["wechat", "alipay", "card", "cash"]), cents_of(str(then)))])


def _plan(month, day: date, state: dict) -> None:  # noqa: ANN001
    from storectl.services.crm import campaigns, leads

    rng, boss = state["rng"], month.manager["SZ01"]
    if day.day == 16:
        def create(s) -> None:  # noqa: ANN001
            from sqlalchemy import select

            from storectl.models import CampaignMember, Customer

            r = campaigns.create(s, name="三年换新", years=3, category="手机", holdout=10, window=30)
            state["campaign"] = r["id"]
            found = s.execute(select(CampaignMember.token, CampaignMember.holdout, Customer.code)
                              .join(Customer, Customer.id == CampaignMember.customer_id).order_by(Customer.code)).all()
            state["tokens"] = [(t, c) for t, held, c in found if not held]
            state["held"] = [c for t, held, c in found if held]
        month.plan(day, "10:10", boss, "campaign create", create)
    if day.day in CLICKS:
        for i in range(CLICKS[day.day]):
            month.plan(day, f"{rng.randint(12, 22)}:{rng.randint(10, 59)}", boss, "campaign hit",
                       lambda s, again=(day.day == 17 and i == 0): _click(s, state, again))
    notes = {18: "电话联系,对 iPhone 17 感兴趣,周末到店看看", 19: "微信发了以旧换新报价", 20: "说暂时不换,明年再说"}
    if day.day in notes:
        def follow(s, n=day.day) -> None:  # noqa: ANN001
            live = [lead for lead, _ in state["leads"] if leads.show(s, lead)["status"] in ("open", "contacted")]
            if not live:
                return
            lead = live[(n - 18) % len(live)]
            status = "lost" if n == 20 else "contacted"
            leads.follow(s, lead_id=lead, note=notes[n], next_date=None if n == 20 else (day + timedelta(days=3)).isoformat(),
                         status=status)
        month.plan(day, "11:30", boss, "lead follow", follow)
    if day.day == 21:  # a walk-in asks about a Mate 70 Pro; 刘洋 takes the lead by hand
        month.plan(day, "15:20", month.manager["SZ02"], "lead add", lambda s: leads.add(
            s, phone="13723418806", name="邓先生", owner=month.manager["SZ02"], source="到店咨询",
            interest="HUAWEI Mate 70 Pro 以旧换新", next_date=(day + timedelta(days=2)).isoformat()))
    if day.day == 30:
        for k in range(3):
            month.plan(day, f"21:{40 + 3 * k}", boss, "sell", lambda s, k=k: _upgrade(month, s, state, k))


def _click(s, state: dict, again: bool) -> None:  # noqa: ANN001
    """Someone opens their link: a new one, or (`again`) the first who clicked, once more."""
    from storectl.services.crm import campaigns

    if again and state["leads"]:
        first = state["leads"][0][1]
        token = next(t for t, code in state["tokens"] if code == first)
    else:
        taken = {code for _, code in state["leads"]}
        free = [(t, code) for t, code in state["tokens"] if code not in taken]
        if not free:
            return
        token, _ = free[state["rng"].randrange(len(free))]
    r = campaigns.hit(s, token=token)
    if r["first"]:
        state["leads"].append((r["lead"], r["customer"]))


def _upgrade(month, s, state: dict, k: int) -> None:  # noqa: ANN001
    """After the day's till: three of the leads trade up to a new phone (the dearest on the shelf)."""
    from storectl.demo.month import Skip
    from storectl.services.crm import leads
    from storectl.services.shop import lookup
    from storectl.services.till import sales

    live = [code for lead, code in state["leads"] if leads.show(s, lead)["status"] in ("open", "contacted")]
    buyers = live[:3]
    if k >= len(buyers):
        raise Skip
    code = buyers[k]
    store = "SZ01" if k % 2 == 0 else "SZ02"
    shelf = month.units_at(s, store, ("手机",))
    if len(shelf) < 3:  # the first phone on SZ01's shelf is the 1 December till's
        raise Skip
    unit = max(shelf[1:], key=lambda u: (u.price, u.id))
    who = lookup.customer(s, code)
    price = month.price(s, unit.sku, who)
    seller = month.sellers[store][k % len(month.sellers[store])]
    sales.sell(s, store=store, staff=seller, items=[unit.code], customer=code, payments=[("wechat", price)])
