"""The demo shop's November: what happens each day, replayed through the services.

`Month` keeps an agenda per day; every entry is one write transaction, dated when it happened (the
database's clock is simulated, see demo.ClockedDatabase) and audited under the code of the staff
member who did it, as if they had typed the command. What happens is data (sample_data/*.csv), the
scripted story in `plan_story`, and a seeded random till that picks from what is really on the
shelf at that moment, so every run gives the same books.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from storectl.demo.commission import plan as plan_commission
from storectl.money import cents_of

SEED = 20261101
TZ = ZoneInfo("Asia/Shanghai")
FIRST, DAYS = date(2026, 11, 1), 30
BASE_URL = "https://m.storectl.cn/hqb/join"
SETTINGS = (("qr.base_url", BASE_URL), ("points.earn_rate", "1"), ("points.redeem_rate", "100"), ("points.expire_months", "12"))
LEVELS = (("银卡", "5000", "2", "1.2"), ("金卡", "20000", "5", "1.5"))  # name, min spend, % off list, points ×
CHECKIN_RULES = ((1, 1, False), (7, 20, False), (1, 50, True))  # every N days, points, once (the welcome gift)
HABITS = {"daily": 1.0, "often": 0.7, "sometimes": 0.35, "never": 0.0}  # members.csv `checkin`: chance per day
KINDS = {"phone": ("手机",), "computer": ("笔记本", "平板"), "earphones": ("耳机",), "small": ()}
# What a clerk offers with a phone, by SKU prefix (first match), and the small things people buy alone.
EXTRAS = (("IP17PM", ["FILM-IP17PM", "APL-20W"]), ("IP17P", ["FILM-IP17P", "CASE-IP17P-TPU", "CASE-IP17P-MS", "APL-20W"]),
          ("IP1", ["APL-20W", "00123", "BS-PB10K"]), ("HWM70P", ["CASE-M70P", "HW-66W-CHG"]), ("HW", ["HW-66W-CHG", "00123"]),
          ("", ["00123", "ANK-30W-GAN", "BS-PB10K"]))
SMALL = ("00123", "00123", "00456", "APL-20W", "ANK-30W-GAN", "HW-66W-CHG", "BS-PB10K", "CASE-IP17P-TPU", "CASE-M70P",
         "FILM-IP17P", "FILM-IP17P", "FILM-IP17PM", "CASE-IP17P-MS", "HW-FB6I")
REFILL = {"APL-20W": 25, "ANK-30W-GAN": 20, "HW-66W-CHG": 10, "BS-PB10K": 12, "CASE-M70P": 12, "CASE-IP17P-MS": 6, "HW-FB6I": 6}
# Transfers: key, day sent, from, to, serial units (only these SKUs, if given), quantity lines, received (day, time, who, how).
TRANSFERS = (
    ("tr_sz01", 2, "WH01", "SZ01", 8, (), {"FILM-IP17P": 60, "CASE-IP17P-TPU": 40, "00123": 50}, (2, "14:10", "E002", "all")),
    ("tr_sz02", 3, "WH01", "SZ02", 8, (), {"FILM-IP17P": 50, "FILM-IP17PM": 40, "00123": 40}, (3, "13:40", "E006", "all")),
    ("tr_shop", 12, "SZ01", "SZ02", 2, ("HWM70P-512-BK",), {}, (12, "17:20", "E005", "all")),  # SZ01 had a dozen Mate 70s
    ("tr_refill", 18, "WH01", "SZ01", 6, (), REFILL, (18, "15:30", "E003", "all")),
    ("tr_partial", 20, "WH01", "SZ02", 5, (), REFILL, (20, "16:45", "E007", "all but one")),  # one box missed the van
    ("tr_road", 30, "WH01", "SZ01", 4, (), {"CASE-IP17P-MS": 10}, None),  # still on the road at month end
)
WHOLESALE_DAYS = (9, 13, 17, 21, 24, 27)  # the warehouse desk sells to trade customers
PAYMENT_DAYS = (15, 22, 29)  # the accountant books the customers' bank transfers


class Skip(Exception):
    """Nothing sensible to do at this moment (nothing left on the shelf, nothing owed): no transaction is made."""


class Stocked(NamedTuple):
    id: int
    code: str
    sku: str
    category: str
    cost: int
    price: int  # list price


@dataclass
class Member:
    phone: str
    name: str
    joined: date
    how: str  # channel-qr | staff-qr | hand
    channel: str
    staff: str
    referrer: str
    habit: str
    store: str = ""
    enrolled: bool = False


def rows(data: Path, name: str) -> list[dict]:
    with open(data / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def day_or_none(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def moment(day: date, clock: str | int) -> datetime:
    """A shop-calendar time (`"09:30"`, or minutes after midnight) as aware UTC, how times are stored."""
    at = time(clock // 60, clock % 60) if isinstance(clock, int) else time.fromisoformat(clock)
    return datetime.combine(day, at, TZ).astimezone(timezone.utc)


def items(values: list[str]) -> list[tuple[str, str]]:
    return [(f"argument {n}", v) for n, v in enumerate(values, start=1)]


class Month:
    """The shop living through November."""

    def __init__(self, db, data: Path, progress: Callable[[str], None]) -> None:  # noqa: ANN001
        self.db, self.data, self.progress = db, data, progress
        self.rng = random.Random(SEED)
        staff = rows(data, "staff.csv")
        self.sellers = {s: [r["code"] for r in staff if r["store"] == s and r["role"] in ("clerk", "manager")] for s in ("SZ01", "SZ02", "WH01")}
        self.manager = {r["store"]: r["code"] for r in staff if r["role"] == "manager"} | {"WH01": self.sellers["WH01"][0]}
        self.accountant = next(r["code"] for r in staff if r["role"] == "accountant")
        home = {r["code"]: r["store"] for r in staff}
        self.members = [
            Member(**{k: r[k] for k in ("phone", "name", "how", "channel", "staff", "referrer")}, joined=date.fromisoformat(r["joined"]), habit=r["checkin"])
            for r in rows(data, "members.csv")
        ]
        for m in self.members:
            m.store = home.get(m.staff) or self.rng.choice(["SZ01", "SZ02"])
        self.fan = next(m for m in self.members if m.habit == "daily")  # pays with points, then brings it back
        self.big = next(m for m in self.members if m.habit == "often" and m.joined.day <= 10)  # spends past 金卡
        customers = rows(data, "customers.csv")
        phones = {m.phone for m in self.members}
        self.walk_ins = [c["code"] for c in customers if c["group"] == "零售" and c["phone"] not in phones]
        self.trade = [c["code"] for c in customers if c["group"] == "批发"]
        self.debtors = [c["code"] for c in customers if c["group"] in ("批发", "企业")]
        rules = rows(data, "prices.csv")
        self.group_skus = {r["sku"] for r in rules if r["group"] == "批发"}
        self.own_rules = {r["customer"] for r in rules if r["customer"]}
        self.windows = sorted({(day_or_none(r["from"]) or FIRST, day_or_none(r["until"]) or date.max) for r in rules if r["from"] or r["until"]})
        self.prices: dict[tuple, int] = {}
        self.list_prices: dict[int, int] = {}
        self.docs: dict[str, str] = {}
        self.agenda: list[tuple[datetime, int, str, str, Callable]] = []

    # --- the clock, and one transaction per operation -----------------------------------------

    @contextmanager
    def op(self, command: str, at: datetime, who: str) -> Iterator:
        self.db.at, self.db.operator = at, who
        with self.db.write(command) as session:
            yield session

    def plan(self, day: date | int, clock: str | int, who: str, command: str, fn: Callable) -> None:
        day = day if isinstance(day, date) else FIRST + timedelta(days=day - 1)
        self.agenda.append((moment(day, clock), len(self.agenda), who, command, fn))

    def run_agenda(self) -> None:
        for at, _, who, command, fn in sorted(self.agenda, key=lambda e: (e[0], e[1])):
            try:
                with self.op(command, at, who) as s:
                    fn(s)
            except Skip:
                pass
        self.agenda.clear()

    def live(self) -> None:
        self.setup()
        self.progress("settings, catalogue, prices, stock")
        for n in range(DAYS):
            day = FIRST + timedelta(days=n)
            self.plan_day(day)
            self.run_agenda()
            self.progress(f"{day:%Y-%m-%d}")

    # --- the 1st: settings, catalogue, channels, levels, rules, prices, stock ------------------

    def setup(self) -> None:
        from storectl.services.loyalty import checkin
        from storectl.services.shop import config
        from storectl.services.shop import importer
        from storectl.services.stock import inventory
        from storectl.services.loyalty import levels
        from storectl.services.loyalty import members
        from storectl.services.till import pricing

        boss = self.manager["SZ01"]
        for key, value in SETTINGS:
            self.plan(1, "08:05", boss, "config set", lambda s, k=key, v=value: config.set_setting(s, k, v))
        for kind in ("stores", "suppliers", "staff", "products", "customers"):
            self.plan(1, "08:10", boss, "import", lambda s, k=kind: importer.import_file(s, kind=k, path=self.data / f"{k}.csv"))
        for r in rows(self.data, "channels.csv"):
            self.plan(1, "08:20", boss, "channel add", lambda s, r=r: members.add_channel(s, code=r["code"], name=r["name"]))
        for a in LEVELS:
            self.plan(1, "08:25", boss, "level add", lambda s, a=a: levels.add_level(s, name=a[0], min_spend=a[1], discount=a[2], multiplier=a[3]))
        for a in CHECKIN_RULES:
            self.plan(1, "08:30", boss, "points rule add", lambda s, a=a: checkin.add_rule(s, every=a[0], points=a[1], once=a[2]))
        for r in rows(self.data, "prices.csv"):
            self.plan(1, "08:40", boss, "price set", lambda s, r=r: pricing.set_price(
                s, sku=r["sku"], price_cents=cents_of(r["price"]), customer=r["customer"] or None, group=r["group"] or None,
                level=r["level"] or None, valid_from=day_or_none(r["from"]), valid_until=day_or_none(r["until"])))
        # units.csv comes in two deliveries: each SKU's dearer batch on the 1st, the cheaper one on the 10th
        batches: dict[tuple, list] = {}
        dearest: dict[str, int] = {}
        for r in rows(self.data, "units.csv"):
            key = (r["store"], r["sku"], r["supplier"], cents_of(r["cost"]))
            batches.setdefault(key, []).append(",".join(c for c in (r["IMEI1"], r["IMEI2"], r["SN"]) if c))
            dearest[r["sku"]] = max(dearest.get(r["sku"], 0), key[3])
        for (store, sku, supplier, cost), units in batches.items():
            day = 1 if cost == dearest[sku] else 10
            lines = [(f"line {n}", u) for n, u in enumerate(units, start=1)]  # as if read from the supplier's file
            self.plan(day, "09:00" if day == 1 else "10:30", self.manager[store], "stock in", lambda s, a=(store, sku, cost, supplier, lines, day):
                      inventory.stock_in(s, store=a[0], sku=a[1], cost_cents=a[2], supplier=a[3], units=a[4], ref=f"PO-202611{a[5]:02d}-{a[3]}"))
        for r in rows(self.data, "stock_qty.csv"):
            self.plan(1, "09:20", self.manager[r["store"]], "stock in", lambda s, r=r: inventory.stock_in(
                s, store=r["store"], sku=r["sku"], cost_cents=cents_of(r["cost"]), supplier=r["supplier"], qty=int(r["qty"]), ref=f"PO-20261101-{r['supplier']}"))
        self.run_agenda()

    # --- one day ------------------------------------------------------------------------------

    def plan_day(self, day: date) -> None:
        n, rng = day.day, self.rng
        self.plan_members(day)
        busy = 2 if day.weekday() >= 5 else 0
        busy += 4 if n == 11 else 1 if 9 <= n <= 12 else 0  # Double 11, and its promotion
        for store, low, high in (("SZ01", 4, 7), ("SZ02", 3, 6)):
            for clock in sorted(rng.randint(10 * 60, 21 * 60 + 30) for _ in range(rng.randint(low, high) + busy)):
                staff = rng.choice(self.sellers[store])
                buyer = rng.choices(["member", "customer", None], weights=(35, 8, 57))[0]
                self.plan(day, clock, staff, "sell", lambda s, a=(store, staff, buyer): self.sale(s, *a))
        if n in WHOLESALE_DAYS:
            self.plan(day, "11:00", self.sellers["WH01"][0], "sell", lambda s: self.wholesale(s, self.rng.choice(self.trade)))
        if n in PAYMENT_DAYS:
            for i, code in enumerate(self.debtors):
                self.plan(day, 16 * 60 + i, self.accountant, "customer pay", lambda s, c=code: self.payment(s, c))
        for key, sent, src, dst, count, skus, qtys, receipt in TRANSFERS:
            if n == sent:
                self.plan(day, "09:30" if n < DAYS else "16:30", self.manager[src], "transfer send",
                          lambda s, a=(key, src, dst, count, skus, qtys): self.send(s, *a))
            if receipt and n == receipt[0]:
                self.plan(day, receipt[1], receipt[2], "transfer receive", lambda s, a=(key, receipt[3]): self.receive(s, *a))
        self.plan_story(day)
        plan_commission(self, day)  # 提成: rules, partners, referrers, payouts (storectl/demo/commission.py)

    def plan_members(self, day: date) -> None:
        """Today's enrolments (in members.csv order), and the check-ins of everyone enrolled before."""
        from storectl.services.loyalty import checkin

        rng = self.rng
        joining = [m for m in self.members if m.joined == day]
        for m, clock in zip(joining, sorted(rng.randint(10 * 60, 21 * 60) for _ in joining)):
            who = m.staff or rng.choice(self.sellers[m.store])
            self.plan(day, clock, who, "member add", lambda s, m=m: self.enrol(s, m))
            if m.habit != "never":  # the welcome gift is paid on the first check-in: people check in at once
                self.plan(day, clock + 2, who, "member checkin", lambda s, m=m: checkin.checkin(s, phone=m.phone))
        for m in self.members:
            if m.joined < day and rng.random() < HABITS[m.habit]:
                who = m.staff or self.manager[m.store]
                self.plan(day, rng.randint(7 * 60 + 30, 22 * 60 + 30), who, "member checkin", lambda s, m=m: checkin.checkin(s, phone=m.phone))

    def enrol(self, s, m: Member) -> None:  # noqa: ANN001
        from storectl.services.loyalty import members
        from storectl.services.qr import codes as qr

        if m.how == "hand":
            members.add_member(s, phone=m.phone, name=m.name, channel=m.channel or None, staff=m.staff or None, referrer=m.referrer or None)
        else:  # they scanned a channel's or a salesperson's code; the clerk passes on what the code says
            members.add_member(s, phone=m.phone, name=m.name, via=qr.build_payload(BASE_URL, channel=m.channel or None, staff=m.staff or None))
        m.enrolled = True

    def plan_story(self, day: date) -> None:
        """The scripted events: the points sale and its return, trade and company orders, a faulty phone,
        a member who spends their way to 金卡, the stock-take, the points-expiry cron job."""
        from storectl.demo.aftersales import plan as plan_aftersales
        from storectl.services.stock import counting
        from storectl.services.loyalty import points
        from storectl.services.till import returns

        n, fan, big, desk = day.day, self.fan, self.big, self.sellers["WH01"][0]
        if day == fan.joined:
            clerk = self.sellers[fan.store][-1]
            self.plan(day, "21:30", clerk, "sell", lambda s: self.sale(s, fan.store, clerk, fan.phone, kind="phone"))
        if n == 8:  # earphones, partly paid with the points of that first phone ...
            self.plan(day, "19:15", self.manager[fan.store], "sell", lambda s: self.points_sale(s, fan))
        if n == 10:  # ... brought back two days later: the points come back, the earned ones go
            self.plan(day, "12:05", self.manager[fan.store], "return", lambda s: returns.return_sale(s, sale=self.docs["points_sale"], refund_method="wechat"))
        if n == 5:
            self.plan(day, "10:40", desk, "sell", lambda s: self.wholesale(s, "C001", units=3, key="wholesale"))
        if n == 16:  # one phone of the 5th's order is faulty: it comes back, C001 owes less
            self.plan(day, "15:10", desk, "return", lambda s: self.return_last(s, "wholesale"))
        if n == 14:  # a walk-in (no customer code) brings back the accessories they bought, for cash
            self.plan(day, "16:40", self.manager["SZ02"], "return", lambda s: self.return_walk_in(s, "SZ02"))
        if n == 6:  # a company's own price (C006), then the 企业 group price
            self.plan(day, "14:30", desk, "sell", lambda s: self.wholesale(s, "C006", skus=("MBA13-M4-16-256",), units=2))
        if n == 19:
            self.plan(day, "15:00", self.manager["SZ01"], "sell", lambda s: self.wholesale(s, "C007", store="SZ01", skus=("LXPRO14-2025-32-1T",), units=2))
        if n == 25:
            self.plan(day, "10:20", desk, "sell", lambda s: self.wholesale(s, "C008", skus=("HWMB14-2025-16-1T", "IPADAIR11-M3-128"), units=3))
        if n == 20:
            self.plan(day, "18:30", self.manager[big.store], "sell", lambda s: self.big_spend(s, big))
        if n == 24:  # now 金卡: earphones at the level's own price
            self.plan(day, "17:45", self.manager[big.store], "sell", lambda s: self.sale(s, big.store, self.manager[big.store], big.phone, kind="earphones"))
        if n == 28:  # the stock-take at SZ02 finds one unit missing and books it lost
            self.plan(day, "21:40", self.manager["SZ02"], "stock count", lambda s: counting.count(s, store="SZ02", items=self.count_scan(s, "SZ02"), apply=True))
        if n == DAYS:  # the nightly cron job (points live 12 months: nothing is old enough yet)
            self.plan(day, "23:50", self.manager["SZ01"], "points expire", points.expire)
        plan_aftersales(self, day)  # a week of after-sales (storectl/demo/aftersales.py)
        from storectl.demo.trade import plan_story as trade_story  # trade-ins and pre-orders (issue 23)

        trade_story(self, day, Skip)

    # --- the shelves ----------------------------------------------------------------------------

    def units_at(self, s, store: str, categories: tuple[str, ...] = (), *, used: bool = False) -> list[Stocked]:  # noqa: ANN001
        from storectl.models import Product, Store, Unit, UnitCode
        from storectl.services.shop import catalogue

        first = aliased(UnitCode)
        query = (
            select(Unit.id, first.code, Product.sku, Product.category, Unit.cost_cents, Product.id)
            .join(Product, Product.id == Unit.product_id).join(Store, Store.id == Unit.store_id)
            .join(first, and_(first.unit_id == Unit.id, first.position == 0))
            .where(Store.code == store, Unit.status == "in_stock").order_by(Unit.id)
        )
        query = query if used else query.where(Unit.condition == "new")  # the till's baskets are new goods (used ones: demo.trade)
        found = s.execute(query.where(Product.category.in_(categories)) if categories else query).all()
        for pid in {row[-1] for row in found} - self.list_prices.keys():
            self.list_prices[pid] = catalogue.list_price_cents(s, pid) or 0
        return [Stocked(uid, code, sku, cat, cost, self.list_prices[pid]) for uid, code, sku, cat, cost, pid in found]

    def qty_at(self, s, store: str) -> dict[str, int]:  # noqa: ANN001
        from storectl.models import Product, StockLevel, Store

        return dict(s.execute(
            select(Product.sku, StockLevel.qty).join(Product, Product.id == StockLevel.product_id)
            .join(Store, Store.id == StockLevel.store_id).where(Store.code == store, StockLevel.qty > 0)
        ).all())

    # --- the till -----------------------------------------------------------------------------

    def price(self, s, sku: str, who) -> int:  # noqa: ANN001
        """What the till will charge (pricing.resolve), remembered: rules are all set on the 1st, so a price
        depends only on the customer's own rules, group and level, and on which dated rules are valid."""
        from storectl.services.shop import lookup
        from storectl.services.till import pricing
        from storectl.services.shop import settings

        today = settings.today(s)
        key = (sku, who.code if who and who.code in self.own_rules else None, who.group_name if who else None,
               who.level_id if who and who.is_member else None, tuple(f <= today <= u for f, u in self.windows))
        if key not in self.prices:
            self.prices[key] = pricing.resolve(s, lookup.product(s, sku), who)[0]
        return self.prices[key]

    def sale(self, s, store: str, staff: str, buyer: str | None, *, kind: str | None = None, redeem: bool = False) -> dict:  # noqa: ANN001
        """One customer at the till: a basket from the shelves, the price rules, sometimes a discount, a way to pay."""
        from storectl.services.shop import lookup
        from storectl.services.loyalty import ledger as loyalty
        from storectl.services.till import sales

        rng = self.rng
        if buyer == "member":
            pool = [m for m in self.members if m.enrolled and m.store == store]
            buyer = rng.choice(pool).phone if pool else None
        elif buyer == "customer":
            buyer = rng.choice(self.walk_ins)
        who = lookup.customer(s, buyer) if buyer else None
        kind = kind or rng.choices(list(KINDS), weights=(30, 6, 8, 56))[0]
        lines, overrides, total = [], [], 0
        for item, sku, qty, cost in self.basket(s, store, kind):
            price = self.price(s, sku, who)
            if cost is not None and rng.random() < 0.12:  # the clerk knocks a little off, never near cost
                better = rng.choice([price - 10000, price - 20000, price // 100000 * 100000 - 11200])  # 8999 → 8888
                if better > cost * 1.03:
                    overrides.append((item, better))
                    price = better
            lines.append(item if qty == 1 and cost is not None else f"{sku}:{qty}")
            total += price * qty
        points = 0
        if who is not None and who.is_member and (redeem or who.points >= 2000 and rng.random() < 0.4):
            points = min(who.points, sales.max_points_for(s, total)) // 100 * 100
        channel = None
        if who is not None and who.channel_id and rng.random() < 0.3:
            channel = next(m.channel for m in self.members if m.phone == who.phone)
        elif who is None and rng.random() < 0.12:
            channel = rng.choice(["DY", "XHS"])  # "I saw your live stream"
        return sales.sell(s, store=store, staff=staff, items=lines, customer=buyer, channel=channel, prices=overrides,
                          payments=self.pay(total - loyalty.points_value_cents(s, points)), points=points)

    def basket(self, s, store: str, kind: str) -> list[tuple[str, str, int, int | None]]:  # noqa: ANN001
        """[(item, sku, qty, cost of a serial unit or None)] from the shelves of `store`."""
        rng = self.rng
        shelf, qtys = self.units_at(s, store, KINDS[kind]) if KINDS[kind] else [], self.qty_at(s, store)
        basket = []
        if shelf:  # every model sells, the cheaper ones more often
            u = rng.choices(shelf, weights=[1 + 12000_00 / max(u.price, 1) for u in shelf])[0]
            basket.append((u.code, u.sku, 1, u.cost))
            if kind == "phone" and rng.random() < 0.6:
                extras = next(x for prefix, x in EXTRAS if u.sku.startswith(prefix))
                basket += [(sku, sku, 1, None) for sku in rng.sample(extras, rng.randint(1, 2)) if qtys.get(sku, 0) >= 1]
        elif kind == "earphones" and qtys.get("HW-FB6I", 0):
            basket.append(("HW-FB6I", "HW-FB6I", 1, None))
        if not basket:
            for sku in dict.fromkeys(rng.sample(SMALL, rng.randint(1, 3))):
                qty = rng.choice([1, 1, 1, 2])
                if qtys.get(sku, 0) >= qty:
                    basket.append((sku, sku, qty, None))
        if not basket:
            raise Skip
        return basket

    def pay(self, due: int) -> list[tuple[str, int]]:
        r = self.rng.random()
        if due <= 0:
            return []
        if r < 0.42:
            return [("wechat", due)]
        if r < 0.65:
            return [("alipay", due)]
        if r < 0.80:
            return [("card", due)]
        if r < 0.93:  # cash in ¥100 notes: the receipt shows the change
            return [("cash", -(-due // 10000) * 10000)]
        part = due * self.rng.randint(3, 7) // 10 // 10000 * 10000
        return [("card", part), ("wechat", due - part)] if 0 < part < due else [("card", due)]

    def points_sale(self, s, fan: Member) -> None:  # noqa: ANN001
        sale = self.sale(s, fan.store, self.manager[fan.store], fan.phone, kind="earphones", redeem=True)
        if not sale["points_redeemed"]:
            raise AssertionError(f"the demo's points sale {sale['id']} paid no points")
        self.docs["points_sale"] = sale["id"]

    def big_spend(self, s, m: Member) -> None:  # noqa: ANN001
        """A member buys the dearest models on the shelf (one of each) until past ¥20,500: card and WeChat."""
        from storectl.services.shop import lookup
        from storectl.services.till import sales

        chosen: list[Stocked] = []
        for u in sorted(self.units_at(s, m.store), key=lambda u: (-u.price, u.id)):
            if sum(c.price for c in chosen) >= 20500_00 or len(chosen) == 3:
                break
            if u.sku not in {c.sku for c in chosen}:
                chosen.append(u)
        who = lookup.customer(s, m.phone)
        total = sum(self.price(s, u.sku, who) for u in chosen)
        sales.sell(s, store=m.store, staff=self.manager[m.store], customer=m.phone, items=[u.code for u in chosen],
                   payments=[("card", 10000_00), ("wechat", total - 10000_00)])

    def wholesale(self, s, customer: str, *, store: str = "WH01", skus=(), units: int = 0, key: str = "") -> None:  # noqa: ANN001
        """A trade or company order at the group's (or the customer's own) price: part paid by bank transfer, the rest on credit."""
        from storectl.services.shop import lookup
        from storectl.services.till import sales

        rng = self.rng
        shelf = [u for u in self.units_at(s, store) if u.sku in (set(skus) or self.group_skus)]
        if not shelf:
            raise Skip
        count = units or rng.randint(2, 4)
        model = rng.choice(shelf).sku
        picked = [u for u in shelf if u.sku == model][:2]
        picked += [u for u in shelf if u not in picked][: count - len(picked)]
        buyer = lookup.customer(s, customer)
        total = sum(self.price(s, u.sku, buyer) for u in picked)
        upfront = rng.choice([0, total * 3 // 10 // 100000 * 100000])
        upfront = max(upfront, total - max(0, buyer.credit_limit_cents - buyer.balance_cents))  # stay within the credit limit
        staff = self.sellers[store][0] if store == "WH01" else self.manager[store]
        sale = sales.sell(s, store=store, staff=staff, customer=customer, items=[u.code for u in picked],
                          payments=[("transfer", upfront)] if upfront else [], on_credit=upfront < total)
        if key:
            self.docs[key] = sale["id"]

    def return_last(self, s, key: str) -> None:  # noqa: ANN001
        from storectl.services.till import returns
        from storectl.services.till import sale_views

        line = sale_views.show_sale(s, self.docs[key])["lines"][-1]
        returns.return_sale(s, sale=self.docs[key], items=[line["unit"]])

    def return_walk_in(self, s, store: str) -> None:  # noqa: ANN001
        """The latest sale of accessories alone to a walk-in at `store`, returned whole, refunded in cash."""
        from sqlalchemy import Integer, func

        from storectl.models import Product, Sale, SaleLine, Store
        from storectl.services.till import returns

        serial_lines = func.sum(Product.serial.cast(Integer))
        doc = s.execute(
            select(Sale.doc_no).join(Store, Store.id == Sale.store_id).join(SaleLine, SaleLine.sale_id == Sale.id)
            .join(Product, Product.id == SaleLine.product_id)
            .where(Store.code == store, Sale.customer_id.is_(None))
            .group_by(Sale.id, Sale.doc_no).having(serial_lines == 0).order_by(Sale.id.desc()).limit(1)
        ).scalar()
        if doc:
            returns.return_sale(s, sale=doc, refund_method="cash")

    def payment(self, s, customer: str) -> None:  # noqa: ANN001
        """A customer's bank transfer: half of what they owe (rounded to ¥1,000), or all of it, or nothing yet."""
        from storectl.services.shop import lookup
        from storectl.services.till import receivables

        owed = lookup.customer(s, customer).balance_cents
        share = self.rng.choice([0, 5, 5, 10])
        amount = owed if share == 10 else owed * share // 10 // 100000 * 100000
        if amount <= 0:
            raise Skip
        receivables.pay(s, customer=customer, amount_cents=amount, method="transfer")

    # --- transfers and the stock-take -------------------------------------------------------------

    def send(self, s, key: str, src: str, dst: str, count: int, skus: tuple, qtys: dict) -> None:  # noqa: ANN001
        """Send what the other store is short of: at most two units per model, phones first, and the quantities."""
        from storectl.services.stock import transfers

        there = Counter(u.sku for u in self.units_at(s, dst))
        per_sku: Counter = Counter()
        picked = []
        for u in sorted(self.units_at(s, src), key=lambda u: (there[u.sku], u.category != "手机", u.id)):
            if len(picked) < count and per_sku[u.sku] < 2 and (not skus or u.sku in skus):
                picked.append(u.code)
                per_sku[u.sku] += 1
        have = self.qty_at(s, src)
        picked += [f"{sku}:{q}" for sku, q in qtys.items() if have.get(sku, 0) >= q]
        self.docs[key] = transfers.send(s, from_store=src, to_store=dst, items=items(picked))["id"]

    def receive(self, s, key: str, how: str) -> None:  # noqa: ANN001
        from storectl.services.stock import transfers

        if how == "all":
            transfers.receive(s, transfer=self.docs[key])
            return
        shown = transfers.show(s, self.docs[key])
        arrived = shown["in_transit"][:-1] + [f"{line['sku']}:{line['in_transit']}" for line in shown["lines"]]
        transfers.receive(s, transfer=self.docs[key], items=items(arrived))

    def count_scan(self, s, store: str) -> list[tuple[str, str]]:  # noqa: ANN001
        """Every unit on the shelf scanned by whichever of its codes comes to hand, except one (AirPods, if any are left)."""
        from storectl.services.shop import lookup

        units, new = self.units_at(s, store, used=True), self.units_at(s, store)
        gone = next((u for u in new if u.sku == "APP3"), new[-1])
        return [(f"line {i}", self.rng.choice(list(lookup.unit_codes(s, u.id).values())))
                for i, u in enumerate((u for u in units if u.id != gone.id), start=1)]
