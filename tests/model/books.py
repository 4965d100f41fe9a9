"""A reference model of the shop's books, written from SPEC §3–§5, §7, §9 (and issue 14).

Plain Python: it imports nothing from storectl but the money formatter. It replays a list of
operations (dicts, see `gen.py` for the shapes) and says what every figure must be: the reports
per staff / store / SKU / channel / day, customer balances and statements, stock levels, members'
points, and the month-end workbook.

It models the CORRECT rules, also where the product is known to be wrong (issue 14):

- a quantity product has one moving-average cost per SKU; the on-hand it averages over is every
  store's quantity plus what is on the road; stock in and returned quantities fold in, half up;
- stock value of a quantity product = quantity × the moving average, everywhere;
- the Inventory sheet shows stock at month end per store, quantities on the road in neither store;
- a return credit settles its own sale; payments settle the oldest sales first;
- margin % and average ticket are rounded half up to what is shown;
- days are shop days (Asia/Shanghai).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from storectl.money import format_money as fm

from .commission import CommissionBooks
from .crm import CrmBooks
from .aftersales import AfterSales
from .coupons import CouponBooks
from .campaigns import CampaignBooks
from .flash import FlashBooks
from .trade import TradeBooks

TZ = ZoneInfo("Asia/Shanghai")
REDEEM_RATE = 10  # points worth ¥1 (default)
EARN_RATE_MILLI = 1000  # points per ¥1 (default 1)


def local(at: str | datetime) -> datetime:
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return moment.astimezone(TZ)


def day_of(at) -> date:
    return local(at).date()


def half_up_div(num: int, den: int) -> int:
    """num / den rounded half up (den > 0)."""
    return (2 * num + den) // (2 * den)


# --- the shop's fixed set-up --------------------------------------------------------------------


@dataclass
class Level:
    name: str
    min_spend: int
    discount_bp: int
    mult_milli: int


@dataclass
class Customer:
    code: str
    name: str
    phone: str | None = None
    group: str | None = None
    credit_limit: int = 0
    is_member: bool = False
    channel: str | None = None
    staff: str | None = None
    joined_at: datetime | None = None
    balance: int = 0
    points: int = 0
    lifetime: int = 0
    level: str | None = None


@dataclass
class Unit:
    codes: list[str]
    sku: str
    cost: int
    store: str
    status: str = "in_stock"  # in_stock, in_transit, sold, internal_use, faulty (after-sales)

    @property
    def first(self) -> str:
        return self.codes[0]


@dataclass
class Line:
    sku: str
    unit: str | None  # first code
    qty: int
    price: int
    rule: str
    cost: int
    staff: str
    returned: int = 0
    returned_cost: int = 0
    discount: int = 0  # the line's share of the sale's coupons

    @property
    def amount(self) -> int:
        return self.price * self.qty - self.discount


@dataclass
class Sale:
    doc: str
    at: datetime
    store: str
    staff: str
    customer: str | None
    channel: str | None
    lines: list[Line]
    total: int
    paid: int
    points: int
    points_value: int
    due: int
    earned: int = 0
    returns: list = field(default_factory=list)


@dataclass
class Return:
    doc: str
    sale: str
    at: datetime
    lines: list  # (line index, qty, amount, cost)
    amount: int = 0
    credit: int = 0
    refund: int = 0
    restored: int = 0
    reversed: int = 0
    unrecovered: int = 0


@dataclass
class Transfer:
    doc: str
    at: datetime
    src: str
    dst: str
    units: dict  # first code -> "transit" | "received" | "cancelled"
    qtys: dict  # sku -> [qty, received, cancelled, cost]
    status: str = "open"
    closed_at: datetime | None = None


STORES = {"SZ01": "华强北旗舰店", "SZ02": "南山科技园店", "GZ01": "天河城店"}
STAFF = {  # code: (name, home store)
    "E001": ("张伟", "SZ01"),
    "E002": ("李娜", "SZ01"),
    "E003": ("王磊", "SZ02"),
    "E004": ("刘洋", "GZ01"),
}
# sku: (name, brand, category, list price, serial, code kinds, typical cost)
PRODUCTS = {
    "IP17P": ("iPhone 17 Pro 256GB", "Apple", "手机", 899900, True, ["IMEI1", "IMEI2", "SN"], 699937),
    "MATE70": ("Huawei Mate 70 Pro 512GB", "华为", "手机", 649900, True, ["IMEI1"], 512088),
    "XM15": ("Xiaomi 15 12+256GB", "小米", "手机", 429900, True, ["SN"], 331050),
    "00123": ("数据线 USB-C 1m", "绿联", "数据线", 3900, False, [], 1037),
    "CASE17": ("iPhone 17 Pro 硅胶保护壳", "Apple", "配件", 12900, False, [], 4166),
    "PB20": ("小米充电宝 20000mAh", "小米", "配件", 14900, False, [], 8899),
}
SERIAL = {sku for sku, p in PRODUCTS.items() if p[4]}
QTY_SKUS = [sku for sku, p in PRODUCTS.items() if not p[4]]
CHANNELS = {"WX": "微信公众号", "XHS": "小红书"}
LEVELS = [Level("银卡", 300000, 200, 1500), Level("金卡", 1500000, 500, 2000)]
# (every, points, once)
CHECKIN_RULES = [(1, 5, False), (3, 20, False), (7, 100, True)]
# price rules: (sku, scope, ref, price)
PRICE_RULES = [
    ("IP17P", "group", "批发", 820000),
    ("MATE70", "group", "批发", 599900),
    ("00123", "group", "批发", 2500),
    ("CASE17", "customer", "C002", 9900),
    ("XM15", "level", "金卡", 399900),
]
TRADE = [
    ("C001", "深圳市宝安区鑫达通讯店", None, "批发", 5000000),
    ("C002", "广州天河恒通数码", None, "批发", 2000000),
    ("C003", "陈晓燕", "13800138000", None, 0),
]
# phone, name, channel, staff
MEMBERS = [
    ("13912345678", "王芳", "WX", "E002"),
    ("13787654321", "赵敏", "XHS", None),
]
SETUP_AT = "2026-11-01T08:00:00+08:00"
MONTH = "2026-11"
MONTH_START = datetime(2026, 11, 1, tzinfo=TZ)
MONTH_END = datetime(2026, 12, 1, tzinfo=TZ)


# --- figures as the reports show them ------------------------------------------------------------


def margin_pct(revenue: int, cost: int) -> str | None:
    if revenue <= 0:
        return None
    pct = (Decimal(revenue - cost) * 100 / Decimal(revenue)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{abs(pct) if pct.is_zero() else pct:.1f}"  # a loss under 0.05 % shows 0.0, not -0.0


def avg_ticket(revenue: int, sales: int) -> str:
    if not sales:
        return fm(0)
    cents = (Decimal(revenue) / Decimal(sales)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return fm(int(cents))


def figures(sales: int, units: int, revenue: int, cost: int) -> dict:
    return {
        "sales": sales,
        "units": units,
        "revenue": fm(revenue),
        "cost": fm(cost),
        "profit": fm(revenue - cost),
        "margin_pct": margin_pct(revenue, cost),
        "avg_ticket": avg_ticket(revenue, sales),
    }


@dataclass
class Fact:
    at: datetime
    sale: str
    store: str
    staff: str
    sku: str
    customer: str | None
    channel: str | None
    qty: int
    revenue: int
    cost: int
    is_sale: bool
    first_line: bool = False


@dataclass
class Period:
    label: str
    start: date
    end: date  # exclusive

    def holds(self, at: datetime) -> bool:
        return self.start <= day_of(at) < self.end


def period(text: str) -> Period:
    """The few period forms the test uses: YYYY-MM, YYYY-MM-DD, A..B."""
    if ".." in text:
        a, b = text.split("..")
        return Period(text, date.fromisoformat(a), date.fromisoformat(b))
    if len(text) == 7:
        y, m = map(int, text.split("-"))
        start = date(y, m, 1)
        end = date(y + (m == 12), m % 12 + 1, 1)
        return Period(text, start, end)
    d = date.fromisoformat(text)
    return Period(text, d, d + timedelta(days=1))


# --- the model ----------------------------------------------------------------------------------


class Books(AfterSales, CommissionBooks, CrmBooks, CouponBooks, TradeBooks, FlashBooks, CampaignBooks):
    def __init__(self) -> None:
        self.coupons_init()
        self.now = local(SETUP_AT)
        self.counters: dict[str, int] = {}
        self.units: dict[str, Unit] = {}  # first code -> unit
        self.code_index: dict[str, str] = {}  # any code -> first code
        self.levels: dict[tuple[str, str], int] = {}  # (store, sku) -> qty
        self.avg: dict[str, int] = {sku: 0 for sku in QTY_SKUS}
        self.transfers: dict[str, Transfer] = {}
        self.sales: dict[str, Sale] = {}
        self.returns: list[Return] = []
        self.payments: list[tuple[str, datetime, str, int]] = []  # doc, at, customer, amount
        self.points_ledger: list[tuple[str, datetime, str, int]] = []  # customer, at, kind, delta
        self.checkins: dict[tuple[str, date], int] = {}  # (customer, day) -> streak
        self.once_paid: set[tuple[str, int]] = set()
        self.facts: list[Fact] = []
        self.customers: dict[str, Customer] = {}
        self.month_end: dict | None = None
        self.no_return: set[tuple[str, int]] = set()  # sale lines whose unit came back as a trade-in (trade.py)
        for code, name, phone, group, limit in TRADE:
            self.customers[code] = Customer(code, name, phone=phone, group=group, credit_limit=limit)
        for phone, name, channel, staff in MEMBERS:
            self.member_add({"at": SETUP_AT, "phone": phone, "name": name, "channel": channel, "staff": staff})
        self.cm_init()  # commission (tests/model/commission.py)

    # --- helpers --------------------------------------------------------------------------

    def next_doc(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}-{self.counters[prefix]:06d}"

    def peek_doc(self, prefix: str) -> str:
        return f"{prefix}-{self.counters.get(prefix, 0) + 1:06d}"

    def unit(self, code: str) -> Unit:
        return self.units[self.code_index[code]]

    def in_transit_qty(self, sku: str) -> int:
        return sum(t.qtys[sku][0] - t.qtys[sku][1] - t.qtys[sku][2] for t in self.transfers.values() if sku in t.qtys)

    def on_hand_for_average(self, sku: str) -> int:
        return sum(q for (s, k), q in self.levels.items() if k == sku) + self.in_transit_qty(sku)

    def level_qty(self, store: str, sku: str) -> int:
        return self.levels.get((store, sku), 0)

    def post_points(self, customer: str, kind: str, delta: int) -> None:
        if delta == 0:
            return
        c = self.customers[customer]
        assert c.points + delta >= 0, (customer, kind, delta)
        c.points += delta
        self.points_ledger.append((customer, self.now, kind, delta))

    def refresh_level(self, c: Customer) -> None:
        if not c.is_member:
            return
        best = None
        for lv in LEVELS:
            if lv.min_spend <= c.lifetime and (best is None or lv.min_spend >= best.min_spend):
                best = lv
        c.level = best.name if best else None

    def level_of(self, c: Customer | None) -> Level | None:
        if c is None or not c.is_member or c.level is None:
            return None
        return next(lv for lv in LEVELS if lv.name == c.level)

    def price(self, sku: str, customer: str | None, qty: int = 1, claim: bool = False) -> tuple[int, str]:
        """With `claim`, a flash price taken counts `qty` units of its quota (flash.py)."""
        c = self.customers.get(customer) if customer else None
        lv = self.level_of(c)
        if c is not None:
            candidates = [("customer", c.code)]
            if c.group:
                candidates.append(("group", c.group))
            if lv is not None:
                candidates.append(("level", lv.name))
            for scope, ref in candidates:
                flash = self.flash_price(sku, scope, ref, c, qty, claim)
                if flash is not None:
                    return flash
                for r_sku, r_scope, r_ref, r_price in reversed(PRICE_RULES):
                    if (r_sku, r_scope, r_ref) == (sku, scope, ref):
                        return r_price, f"{scope}:{ref}"
        flash = self.flash_price(sku, "list", "", c, qty, claim)
        if flash is not None:  # a flash price is the price: no level discount on top
            return flash
        list_price = PRODUCTS[sku][3]
        if lv is not None and lv.discount_bp > 0:
            return (list_price * (10_000 - lv.discount_bp) + 5_000) // 10_000, f"level-discount:{lv.name}"
        return list_price, "list"

    def max_points_for(self, total: int) -> int:
        return ((total + 1) * REDEEM_RATE - 1) // 100

    def tick(self, at: str) -> None:
        moment = local(at)
        assert moment >= self.now, f"the clock went back: {at} < {self.now}"
        if self.month_end is None and moment >= MONTH_END:
            self.month_end = self.snapshot()
        self.now = moment

    # --- operations -----------------------------------------------------------------------

    def apply(self, op: dict):
        self.tick(op["at"])
        return getattr(self, op["op"])(op)

    def member_add(self, op: dict) -> None:
        self.now = local(op["at"])
        phone = op["phone"]
        c = self.customers.get(phone) or Customer(phone, op.get("name") or "", phone=phone)
        c.is_member, c.channel, c.staff, c.joined_at = True, op.get("channel"), op.get("staff"), self.now
        self.customers[phone] = c
        self.refresh_level(c)

    def stock_in_units(self, op: dict) -> str:
        doc = self.next_doc("IN")
        for codes in op["units"]:
            u = Unit(list(codes), op["sku"], op["cost"], op["store"])
            self.units[u.first] = u
            for code in codes:
                self.code_index[code] = u.first
        return doc

    def stock_in_qty(self, op: dict) -> str:
        doc = self.next_doc("IN")
        sku, qty, cost = op["sku"], op["qty"], op["cost"]
        on_hand = self.on_hand_for_average(sku)
        self.avg[sku] = half_up_div(on_hand * self.avg[sku] + qty * cost, on_hand + qty)
        self.levels[(op["store"], sku)] = self.level_qty(op["store"], sku) + qty
        return doc

    def stock_out(self, op: dict) -> str:
        doc = self.next_doc("OUT")
        for code in op["units"]:
            u = self.unit(code)
            assert u.status == "in_stock" and u.store == op["store"]
            u.status = "internal_use"
        for sku, qty in op["qtys"].items():
            assert self.level_qty(op["store"], sku) >= qty
            self.levels[(op["store"], sku)] -= qty
        return doc

    def send(self, op: dict) -> str:
        doc = self.next_doc("TR")
        t = Transfer(doc, self.now, op["from"], op["to"], {}, {})
        for code in op["units"]:
            u = self.unit(code)
            assert u.status == "in_stock" and u.store == op["from"]
            u.status = "in_transit"
            t.units[u.first] = "transit"
        for sku, qty in op["qtys"].items():
            assert self.level_qty(op["from"], sku) >= qty
            self.levels[(op["from"], sku)] -= qty
            t.qtys[sku] = [qty, 0, 0, qty * self.avg[sku]]
        self.transfers[doc] = t
        return doc

    def _close_if_done(self, t: Transfer, status: str) -> None:
        left = sum(1 for s in t.units.values() if s == "transit") + sum(q - r - c for q, r, c, _ in t.qtys.values())
        if status == "cancelled":
            t.status, t.closed_at = "cancelled", self.now
        elif left == 0:
            t.status, t.closed_at = "received", self.now
        else:
            t.status = "partial"

    def receive(self, op: dict) -> str:
        t = self.transfers[op["doc"]]
        units = op.get("units")
        qtys = op.get("qtys")
        if not units and not qtys:  # everything still on the road
            units = [c for c, s in t.units.items() if s == "transit"]
            qtys = {sku: q - r - c for sku, (q, r, c, _) in t.qtys.items() if q - r - c > 0}
        for code in units or []:
            u = self.unit(code)
            assert t.units[u.first] == "transit"
            t.units[u.first] = "received"
            u.status, u.store = "in_stock", t.dst
        for sku, qty in (qtys or {}).items():
            line = t.qtys[sku]
            assert line[0] - line[1] - line[2] >= qty
            line[1] += qty
            self.levels[(t.dst, sku)] = self.level_qty(t.dst, sku) + qty
        self._close_if_done(t, "received")
        return t.doc

    def cancel(self, op: dict) -> str:
        t = self.transfers[op["doc"]]
        for code, state in t.units.items():
            if state == "transit":
                t.units[code] = "cancelled"
                self.units[code].status = "in_stock"
                self.units[code].store = t.src
        for sku, line in t.qtys.items():
            left = line[0] - line[1] - line[2]
            line[2] += left
            self.levels[(t.src, sku)] = self.level_qty(t.src, sku) + left
        self._close_if_done(t, "cancelled")
        return t.doc

    def sell(self, op: dict) -> dict:
        """op: store, staff, customer, channel, items [["unit", code] | ["qty", sku, n]],
        prices {code-or-sku: cents}, pay [[method, cents]], points, credit."""
        customer = op.get("customer")
        c = self.customers.get(customer) if customer else None
        lines: list[Line] = []
        by_sku: dict[str, Line] = {}
        for item in op["items"]:
            if item[0] == "unit":
                u = self.unit(item[1])
                lines.append(Line(u.sku, u.first, 1, 0, "", 0, op["staff"]))
            elif item[1] in by_sku:
                by_sku[item[1]].qty += item[2]
            else:
                line = Line(item[1], None, item[2], 0, "", 0, op["staff"])
                by_sku[item[1]] = line
                lines.append(line)
        manual = {}
        for key, cents in (op.get("prices") or {}).items():
            manual[self.code_index.get(key, key)] = cents
        for line in lines:
            key = line.unit if line.unit is not None else line.sku
            if key in manual:
                line.price, line.rule = manual[key], "manual"
            elif line.unit is not None and line.sku in manual:
                line.price, line.rule = manual[line.sku], "manual"
            else:
                line.price, line.rule = self.price(line.sku, customer, line.qty, claim=True)
        taken = self.coupon_plan(op.get("coupons") or [], lines)
        total = sum(line.amount for line in lines)
        points = op.get("points") or 0
        points_value = points * 100 // REDEEM_RATE
        assert points_value <= total and (points == 0 or (c and c.is_member and points <= c.points))
        money_due = total - points_value
        pay: dict[str, int] = {}
        for method, cents in op.get("pay") or []:
            pay[method] = pay.get(method, 0) + cents
        tendered = sum(pay.values())
        change = 0
        if tendered > money_due:
            change = tendered - money_due
            assert change <= pay.get("cash", 0)
        paid = tendered - change
        due = money_due - paid
        assert due == 0 or op.get("credit")
        if due:
            assert c is not None and c.balance + due <= c.credit_limit
        for line in lines:  # take the stock
            if line.unit is not None:
                u = self.units[line.unit]
                assert u.status == "in_stock" and u.store == op["store"], (u, op)
                u.status = "sold"
                line.cost = u.cost
            else:
                assert self.level_qty(op["store"], line.sku) >= line.qty
                self.levels[(op["store"], line.sku)] -= line.qty
                line.cost = line.qty * self.avg[line.sku]
        doc = self.next_doc("S")
        sale = Sale(doc, self.now, op["store"], op["staff"], customer, op.get("channel"), lines, total, paid, points,
                    points_value, due)
        self.sales[doc] = sale
        self.take_credit(op, customer, doc)  # a trade-in credit (trade.py)
        self.coupons_used(doc, taken)
        for i, line in enumerate(lines):
            self.facts.append(Fact(self.now, doc, sale.store, line.staff, line.sku, customer, sale.channel, line.qty,
                                   line.amount, line.cost, True, i == 0))
        if due:
            c.balance += due
        if c is not None:
            self.crm_sale(c.phone, self.now)
            if points:
                self.post_points(customer, "redeem", -points)
            if c.is_member and paid > 0:
                lv = self.level_of(c)
                mult = lv.mult_milli if lv else 1000
                sale.earned = paid * EARN_RATE_MILLI * mult // (100 * 1000 * 1000)
            self.post_points(customer, "earn", sale.earned)
            c.lifetime += total
            self.refresh_level(c)
        self.cm_earn(sale)
        return {"id": doc, "total": total, "due": due, "paid": paid, "change": change, "earned": sale.earned,
                "lines": [(l.sku, l.unit, l.qty, l.price, l.rule, l.cost) for l in lines]}

    def ret(self, op: dict) -> dict:
        """op: sale, items None (all that is left) or [["unit", code] | ["qty", sku, n]]."""
        sale = self.sales[op["sale"]]
        wanted: list[tuple[int, int]] = []
        if not op.get("items"):
            wanted = [(i, l.qty - l.returned) for i, l in enumerate(sale.lines) if l.qty > l.returned]
        else:
            asked: dict[int, int] = {}
            for item in op["items"]:
                if item[0] == "unit":
                    first = self.code_index[item[1]]
                    i = next(i for i, l in enumerate(sale.lines) if l.unit == first)
                    asked[i] = 1
                else:
                    i = next(i for i, l in enumerate(sale.lines) if l.unit is None and l.sku == item[1])
                    asked[i] = asked.get(i, 0) + item[2]
            wanted = list(asked.items())
        assert wanted
        r = Return(self.next_doc("RT"), sale.doc, self.now, [])
        earlier = list(sale.returns)
        for i, qty in wanted:
            line = sale.lines[i]
            assert line.returned + qty <= line.qty
            amount = line.amount * (line.returned + qty) // line.qty - line.amount * line.returned // line.qty
            if line.returned + qty == line.qty:
                cost = line.cost - line.returned_cost
            else:
                cost = line.cost * qty // line.qty
            line.returned += qty
            line.returned_cost += cost
            if line.unit is not None:
                u = self.units[line.unit]
                assert u.status == "sold"
                u.status, u.store = "in_stock", sale.store
            else:
                on_hand = self.on_hand_for_average(line.sku)
                self.avg[line.sku] = half_up_div(self.avg[line.sku] * on_hand + cost, on_hand + qty)
                self.levels[(sale.store, line.sku)] = self.level_qty(sale.store, line.sku) + qty
            r.lines.append((i, qty, amount, cost))
            self.facts.append(Fact(self.now, sale.doc, sale.store, line.staff, line.sku, sale.customer, sale.channel,
                                   -qty, -amount, -cost, False))
        r.amount = sum(x[2] for x in r.lines)
        if all(l.returned == l.qty for l in sale.lines):
            self.coupons_back(sale.doc)
        done = sum(e.amount for e in earlier) + r.amount
        points_value = restore = reverse = 0
        if sale.total > 0:
            points_value = sale.points_value * done // sale.total - sum(e.amount - e.credit - e.refund for e in earlier)
            restore = sale.points * done // sale.total - sum(e.restored for e in earlier)
            reverse = sale.earned * done // sale.total - sum(e.reversed + e.unrecovered for e in earlier)
        money_back = r.amount - points_value
        c = self.customers.get(sale.customer) if sale.customer else None
        if c is not None:
            still_owed = sale.due - sum(e.credit for e in earlier)
            r.credit = max(0, min(money_back, still_owed, c.balance))
            c.balance -= r.credit
        r.refund = money_back - r.credit
        if c is not None:
            r.restored = restore
            self.post_points(c.code, "return_restore", restore)
            if reverse:
                r.reversed = min(reverse, c.points)
                r.unrecovered = reverse - r.reversed
                self.post_points(c.code, "return_reverse", -r.reversed)
            c.lifetime = c.lifetime - r.amount if c.lifetime > r.amount else 0
            self.refresh_level(c)
        sale.returns.append(r)
        self.returns.append(r)
        self.cm_reverse(sale, r)
        return {"id": r.doc, "amount": r.amount, "credit": r.credit, "refund": r.refund, "points_restored": r.restored,
                "points_reversed": r.reversed, "points_unrecovered": r.unrecovered,
                "lines": [(sale.lines[i].sku, sale.lines[i].unit, q, a, co) for i, q, a, co in r.lines]}

    def pay(self, op: dict) -> str:
        c = self.customers[op["customer"]]
        assert 0 < op["amount"] <= c.balance
        c.balance -= op["amount"]
        doc = self.next_doc("PAY")
        self.payments.append((doc, self.now, c.code, op["amount"]))
        return doc

    def checkin(self, op: dict) -> dict:
        c = self.customers[op["phone"]]
        today = self.now.date()
        assert (c.code, today) not in self.checkins
        streak = self.checkins.get((c.code, today - timedelta(days=1)), 0) + 1
        total = 0
        for i, (every, pts, once) in enumerate(CHECKIN_RULES):
            if streak % every:
                continue
            if once:
                if (c.code, i) in self.once_paid:
                    continue
                self.once_paid.add((c.code, i))
            total += pts
        extra, handles = self.checkin_coupons(c.code, streak)  # coupons.py: rules that issue a coupon
        total += extra
        self.checkins[(c.code, today)] = streak
        self.post_points(c.code, "checkin", total)
        return {"date": today.isoformat(), "streak": streak, "points": total, "balance": c.points,
                "coupons": [{"coupon": self.instances[h].coupon, "expires": self.instances[h].expires.isoformat()} for h in handles],
                "_handles": handles}

    # --- what the reports must say --------------------------------------------------------

    def _facts(self, p: Period) -> list[Fact]:
        return [f for f in self.facts if p.holds(f.at)]

    @staticmethod
    def _sum(facts: list[Fact], count) -> tuple[int, int, int, int]:
        return (len({count(f) for f in facts if f.is_sale and count(f) is not None}), sum(f.qty for f in facts),
                sum(f.revenue for f in facts), sum(f.cost for f in facts))

    def _joined(self, p: Period) -> list[Customer]:
        return [c for c in self.customers.values() if c.is_member and c.joined_at and p.holds(c.joined_at)]

    def report_staff(self, p: Period) -> dict[str, dict]:
        facts = self._facts(p)
        joined = self._joined(p)
        out = {}
        for code, (name, store) in STAFF.items():
            mine = [f for f in facts if f.staff == code]
            members = sum(1 for c in joined if c.staff == code)
            won = self.leads_won(code, p)
            if not mine and not members and not won:
                continue
            out[code] = {"staff": code, "name": name, "store": store, **figures(*self._sum(mine, lambda f: f.sale)),
                         "members": members, "leads_won": won}
        return out

    def report_stores(self, p: Period) -> dict[str, dict]:
        facts = self._facts(p)
        out = {}
        for code, name in STORES.items():
            mine = [f for f in facts if f.store == code]
            if mine:
                out[code] = {"store": code, "name": name, **figures(*self._sum(mine, lambda f: f.sale))}
        return out

    def report_products(self, p: Period) -> dict[str, dict]:
        facts = self._facts(p)
        out = {}
        for sku, prod in {**PRODUCTS, **self.extra_products()}.items():
            mine = [f for f in facts if f.sku == sku]
            if mine:
                out[sku] = {"sku": sku, "name": prod[0], "category": prod[2], **figures(*self._sum(mine, lambda f: f.sale))}
        return out

    def report_channels(self, p: Period) -> dict[tuple, dict]:
        groups: dict[tuple, list[Fact]] = {}
        for f in self._facts(p):
            c = self.customers.get(f.customer) if f.customer else None
            key = (f.channel or (c.channel if c else None), c.staff if c else None)
            groups.setdefault(key, []).append(f)
        out: dict[tuple, dict] = {}

        def entry(key):
            if key not in out:
                out[key] = {"channel": key[0], "staff": key[1], "members": 0, "buyers": 0, **figures(0, 0, 0, 0)}
            return out[key]

        for c in self._joined(p):
            entry((c.channel, c.staff))["members"] += 1
        for key, facts in groups.items():
            e = entry(key)
            e.update(figures(*self._sum(facts, lambda f: f.sale)))
            e["buyers"] = len({f.customer for f in facts if f.customer})
        return out

    def report_total(self, p: Period) -> dict:
        return {"period": p.label, **figures(*self._sum(self._facts(p), lambda f: f.sale))}

    def report_daily(self, d: date) -> dict:
        p = period(d.isoformat())
        return {"date": d.isoformat(), "total": self.report_total(p), "stores": self.report_stores(p),
                "staff": self.report_staff(p)}

    # customers -------------------------------------------------------------------------------

    def receivable_events(self, customer: str) -> list[tuple]:
        """(at, rank, doc, kind, signed cents, sale doc) in the order the statement lists them."""
        ev = []
        for s in self.sales.values():
            if s.customer == customer and s.due > 0:
                ev.append((s.at, 0, s.doc, "sale", s.due, s.doc))
        for r in self.returns:
            s = self.sales[r.sale]
            if s.customer == customer and r.credit > 0:
                ev.append((r.at, 1, r.doc, "return", -r.credit, s.doc))
        for doc, at, cust, amount in self.payments:
            if cust == customer:
                ev.append((at, 2, doc, "payment", -amount, None))
        ev.sort(key=lambda e: (e[0], e[1], e[2]))
        return ev

    def statement(self, customer: str, p: Period | None = None) -> dict:
        ev = self.receivable_events(customer)
        opening = sum(e[4] for e in ev if p is not None and day_of(e[0]) < p.start)
        balance = opening
        lines = []
        for at, _, doc, kind, cents, sale in ev:
            if p is not None and not p.holds(at):
                continue
            balance += cents
            lines.append({"date": day_of(at).isoformat(), "doc": doc, "kind": kind, "amount": fm(cents), "balance": fm(balance)})
        return {"customer": customer, "opening": fm(opening), "lines": lines, "closing": fm(balance)}

    def oldest_open(self, customer: str) -> date | None:
        """The oldest sale still (partly) unpaid: a return credit settles its own sale, payments
        settle the oldest sales first."""
        pool = sum(a for _, _, c, a in self.payments if c == customer)
        for s in sorted((s for s in self.sales.values() if s.customer == customer and s.due > 0), key=lambda s: (s.at, s.doc)):
            open_ = s.due - sum(r.credit for r in s.returns)
            if pool >= open_:
                pool -= open_
                continue
            return day_of(s.at)
        return None

    def balances(self) -> list[dict]:
        rows = []
        for c in self.customers.values():
            if c.balance > 0:
                oldest = self.oldest_open(c.code)
                rows.append({"customer": c.code, "name": c.name, "balance": fm(c.balance),
                             "oldest": oldest.isoformat() if oldest else None})
        rows.sort(key=lambda r: (r["oldest"] is None, r["oldest"] or "", -int(r["balance"].replace(".", "")), r["customer"]))
        return rows

    def streak(self, customer: str) -> int:
        today = self.now.date()
        for d in (today, today - timedelta(days=1)):
            if (customer, d) in self.checkins:
                return self.checkins[(customer, d)]
        return 0

    def member(self, phone: str) -> dict:
        c = self.customers[phone]
        return {"code": c.code, "phone": c.phone, "name": c.name, "level": c.level, "points": c.points,
                "streak": self.streak(c.code), "lifetime_spend": fm(c.lifetime), "channel": c.channel, "staff": c.staff}

    # stock ---------------------------------------------------------------------------------

    def stock_levels(self, statuses=("in_stock",)) -> dict[tuple[str, str], dict]:  # noqa: ANN001
        out: dict[tuple[str, str], dict] = {}
        for u in self.units.values():
            if u.status in statuses:  # the month end also counts units reserved by pre-orders
                row = out.setdefault((u.store, u.sku), {"store": u.store, "sku": u.sku, "qty": 0, "value": 0})
                row["qty"] += 1
                row["value"] += u.cost
        for (store, sku), qty in self.levels.items():
            if qty > 0:
                out[(store, sku)] = {"store": store, "sku": sku, "qty": qty, "value": qty * self.avg[sku]}
        for row in out.values():
            row["value"] = fm(row["value"])
        return out

    # month end -----------------------------------------------------------------------------

    def snapshot(self) -> dict:
        """The state sheets as they stand now (taken when the clock first passes month end)."""
        on_road = []
        for t in self.transfers.values():
            for code, state in t.units.items():
                if state == "transit":
                    on_road.append((t.doc, self.units[code].sku, 1, self.units[code].cost))
            for sku, (q, r, c, cost) in t.qtys.items():
                left = q - r - c
                if left > 0:
                    on_road.append((t.doc, sku, left, cost * left // q))
        return {
            "inventory": {k: (v["qty"], v["value"]) for k, v in self.stock_levels(("in_stock", "reserved")).items()},
            "tradein_stock": self.tradein_stock(),
            "on_road": on_road,
            "balances": {c.code: c.balance for c in self.customers.values()},
        }

    def month_end_books(self) -> dict:
        snap = self.month_end or self.snapshot()
        p = period(MONTH)
        start, end = MONTH_START, MONTH_END
        receivables = {}
        for code in self.customers:
            ev = self.receivable_events(code)
            opening = sum(e[4] for e in ev if e[0] < start)
            sold = sum(e[4] for e in ev if start <= e[0] < end and e[3] == "sale")
            back = -sum(e[4] for e in ev if start <= e[0] < end and e[3] == "return")
            paid = -sum(e[4] for e in ev if start <= e[0] < end and e[3] == "payment")
            if opening or sold or back or paid:
                receivables[code] = {"opening": opening, "sales": sold, "returns": back, "payments": paid,
                                     "closing": opening + sold - back - paid}
        points = {}
        kinds = {"earn": "earned", "checkin": "checkin", "redeem": "redeemed", "return_reverse": "returns",
                 "return_restore": "returns", "expire": "expired", "adjust": "adjusted"}
        for customer, at, kind, delta in self.points_ledger:
            if at >= end:
                continue
            row = points.setdefault(customer, {"opening": 0, "earned": 0, "checkin": 0, "redeemed": 0, "returns": 0,
                                               "expired": 0, "adjusted": 0, "unrecovered": 0})
            row["opening" if at < start else kinds[kind]] += delta
        for r in self.returns:
            cust = self.sales[r.sale].customer
            if start <= r.at < end and cust in points:
                points[cust]["unrecovered"] += r.unrecovered
        for row in points.values():
            row["closing"] = sum(row[k] for k in ("opening", "earned", "checkin", "redeemed", "returns", "expired", "adjusted"))
        facts = [f for f in self.facts if start <= f.at < end]
        total = self.report_total(p)
        return {
            "json": {"period": MONTH, "revenue": total["revenue"], "cost": total["cost"], "profit": total["profit"],
                     "sales": total["sales"], "lines": len(facts)},
            "sales_sheet": {"lines": len(facts), "qty": sum(f.qty for f in facts), "amount": sum(f.revenue for f in facts),
                            "cost": sum(f.cost for f in facts)},
            "receivables": receivables,
            "inventory": {k: v for k, v in snap["inventory"].items()},
            "on_road": snap["on_road"],
            "points": points,
            "stores": self.report_stores(p),
            "service": self.service_figures(start, end),
            "trade": self.trade_month(start, end, snap),
        }
