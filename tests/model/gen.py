"""Random valid histories for the differential test, and the commands that play them.

The generator keeps its own `Books` (the model) to emit only valid operations: units in stock at
the store, enough quantity, credit within the limit, points within the balance, one check-in a
day. It draws every choice from a `Chooser` — hypothesis's `data` (so failures shrink) or a
seeded `random.Random`.

An operation is a plain dict with "op" (a `Books` method name) and "at" (ISO time, shop zone);
`command(op)` turns it into the storectl arguments a clerk would type.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from storectl.money import format_money as fm

from . import commission
from . import aftersales
from .aftersales import service_command
from . import campaigns, flash, trade
from .campaigns import CampaignHistory
from .flash import FlashHistory
from .trade import TradeHistory

from .books import (
    CHANNELS,
    CHECKIN_RULES,
    LEVELS,
    MEMBERS,
    PRICE_RULES,
    PRODUCTS,
    QTY_SKUS,
    SERIAL,
    SETUP_AT,
    STAFF,
    STORES,
    TRADE,
    TZ,
    Books,
    Line,
)
from .coupons import CODES, COUPONS
from .coupons import setup_commands as coupon_setup

NAMES = ["周杰", "吴静", "郑浩", "孙丽", "马超", "朱婷", "胡斌", "郭敏", "何强", "高霞", "林峰", "罗娟"]
METHODS = ["cash", "card", "wechat", "alipay", "transfer"]


def setup_commands() -> list[list[str]]:
    """The shop every history starts from (run at SETUP_AT)."""
    cmds = [["init", "--shop-name", "测试数码连锁", "--timezone", "Asia/Shanghai"]]
    cmds += [["store", "add", code, name] for code, name in STORES.items()]
    for i, (code, (name, store)) in enumerate(STAFF.items()):
        cmds.append(["staff", "add", code, name, "--store", store, "--role", "manager" if i == 0 else "clerk"])
    cmds.append(["supplier", "add", "SUP01", "深圳市华讯通信器材有限公司"])
    for sku, (name, brand, cat, price, serial, kinds, _cost) in PRODUCTS.items():
        cmd = ["product", "add", sku, name, "--brand", brand, "--category", cat, "--price", fm(price)]
        cmd += ["--codes", ",".join(kinds), "--warranty-months", "12"] if serial else ["--no-serial"]
        cmds.append(cmd)
    for code, name in CHANNELS.items():
        cmds.append(["channel", "add", code, name])
    for lv in LEVELS:
        mult = f"{lv.mult_milli / 1000:g}"
        cmds.append(["level", "add", lv.name, "--min-spend", fm(lv.min_spend), "--discount", f"{lv.discount_bp / 100:g}",
                     "--points-multiplier", mult])
    for code, name, phone, group, limit in TRADE:
        cmd = ["customer", "add", code, name]
        if phone:
            cmd += ["--phone", phone]
        if group:
            cmd += ["--group", group]
        if limit:
            cmd += ["--credit-limit", fm(limit)]
        cmds.append(cmd)
    for phone, name, channel, staff in MEMBERS:
        cmd = ["member", "add", phone, "--name", name]
        if channel:
            cmd += ["--channel", channel]
        if staff:
            cmd += ["--staff", staff]
        cmds.append(cmd)
    for every, points, once in CHECKIN_RULES:
        cmds.append(["points", "rule", "add", "--every", str(every), "--points", str(points)] + (["--once"] if once else []))
    for sku, scope, ref, price in PRICE_RULES:
        cmds.append(["price", "set", sku, fm(price), f"--{scope}", ref])
    cmds += commission.setup_commands()
    cmds += coupon_setup()
    cmds += aftersales.setup_commands()
    return cmds


def _items(op: dict) -> list[str]:
    out = list(op.get("units") or [])
    out += [f"{sku}:{n}" for sku, n in (op.get("qtys") or {}).items()]
    return out


def command(op: dict) -> list[str]:
    """The storectl arguments for one operation."""
    kind = op["op"]
    if kind == "stock_in_units":
        return ["stock", "in", "--store", op["store"], "--sku", op["sku"], "--cost", op.get("cost_text") or fm(op["cost"]),
                "--supplier", "SUP01", *[",".join(codes) for codes in op["units"]]]
    if kind == "stock_in_qty":
        return ["stock", "in", "--store", op["store"], "--sku", op["sku"], "--cost", op.get("cost_text") or fm(op["cost"]),
                "--qty", str(op["qty"])]
    if kind == "stock_out":
        return ["stock", "out", "--reason", "internal-use", "--store", op["store"], *_items(op)]
    if kind == "send":
        return ["transfer", "send", "--from", op["from"], "--to", op["to"], *_items(op)]
    if kind == "receive":
        return ["transfer", "receive", op["doc"], *_items(op)]
    if kind == "cancel":
        return ["transfer", "cancel", op["doc"]]
    if kind == "sell":
        cmd = ["sell", "--store", op["store"], "--staff", op["staff"]]
        if op.get("customer"):
            cmd += ["--customer", op["customer"]]
        if op.get("channel"):
            cmd += ["--channel", op["channel"]]
        cmd += [item[1] if item[0] == "unit" else f"{item[1]}:{item[2]}" for item in op["items"]]
        for key, cents in (op.get("prices") or {}).items():
            cmd += ["--price", f"{key}={fm(cents)}"]
        for method, cents in op.get("pay") or []:
            if method != "tradein":  # a trade-in credit is named by its TI- id
                cmd += ["--pay", f"{method}={fm(cents)}"]
        if op.get("tradein"):
            cmd += ["--tradein", op["tradein"]]
        if op.get("points"):
            cmd += ["--points", str(op["points"])]
        if op.get("credit"):
            cmd += ["--on-credit"]
        for handle in op.get("coupons") or []:
            cmd += ["--coupon", CODES.get(handle, handle)]
        return cmd
    if kind == "ret":
        items = [item[1] if item[0] == "unit" else f"{item[1]}:{item[2]}" for item in op.get("items") or []]
        return ["return", op["sale"], *items]
    if kind == "pay":
        return ["customer", "pay", op["customer"], fm(op["amount"]), "--method", op.get("method", "transfer")]
    if kind == "checkin":
        return ["member", "checkin", op["phone"]]
    if kind.startswith("service_"):
        return service_command(op)
    if kind == "commission_pay":
        return ["commission", "pay", op["earner"], "--method", op["method"]]
    if kind == "coupon_issue":
        return ["coupon", "issue", op["coupon"], op["phone"]]
    if kind == "member_add":
        cmd = ["member", "add", op["phone"], "--name", op["name"]]
        if op.get("channel"):
            cmd += ["--channel", op["channel"]]
        if op.get("staff"):
            cmd += ["--staff", op["staff"]]
        return cmd
    if kind == "lead_add":
        return ["lead", "add", op["phone"], "--owner", op["owner"]]
    if kind == "tradein" or kind.startswith("order_"):
        return trade.command(op)
    if kind == "flash_set":
        return flash.command(op)
    if kind.startswith("campaign_"):
        return campaigns.command(op)
    raise ValueError(kind)


def show(op: dict) -> str:
    """One line for a failure report: when, and what was typed."""
    return f"{op['at']}  storectl " + " ".join(a if a and " " not in a else repr(a) for a in command(op))


# --- choosing -------------------------------------------------------------------------------


class Chooser:
    """Every random choice of the generator, from hypothesis's data or a seeded Random."""

    def __init__(self, data=None, seed: int | None = None) -> None:  # noqa: ANN001
        self.data = data
        self.rng = random.Random(seed)

    def int(self, lo: int, hi: int) -> int:
        if self.data is not None:
            from hypothesis import strategies as st

            return self.data.draw(st.integers(lo, hi))
        return self.rng.randint(lo, hi)

    def pick(self, seq):  # noqa: ANN001, ANN201
        seq = list(seq)
        return seq[self.int(0, len(seq) - 1)]

    def chance(self, percent: int) -> bool:
        return self.int(0, 99) < percent

    def subset(self, seq, most: int | None = None) -> list:  # noqa: ANN001
        seq = list(seq)
        n = self.int(1, min(len(seq), most or len(seq)))
        out = []
        for _ in range(n):
            out.append(seq.pop(self.int(0, len(seq) - 1)))
        return out


def luhn(body: str) -> str:
    """body + its Luhn check digit: storectl's own parsing helper, trusted like money's."""
    from storectl.codes import luhn_check_digit

    return body + luhn_check_digit(body)


# --- the generator --------------------------------------------------------------------------


class History(TradeHistory, FlashHistory, CampaignHistory):
    """Builds a valid history step by step, applying each operation to its own model."""

    def __init__(self, chooser: Chooser) -> None:
        self.c = chooser
        self.books = Books()
        self.now = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)
        self.ops: list[dict] = []
        self.serial = 0
        self.new_members = 0
        self.late_days: set = set()  # shop days with 23:30 / 00:10 activity

    # time -------------------------------------------------------------------------------

    def advance(self, december: bool = False) -> str:
        if december:
            self.now = datetime(2026, 12, 1, 0, 10, tzinfo=TZ) if self.c.chance(50) else datetime(2026, 12, 2, 10, 5, tzinfo=TZ)
            return self.now.isoformat()
        limit = datetime(2026, 11, 30, 23, 45, tzinfo=TZ)
        step = self.c.int(0, 9)
        now = self.now
        if step <= 3:
            nxt = now + timedelta(minutes=self.c.int(3, 150))
        elif step == 4:
            nxt = now.replace(hour=23, minute=30)
        elif step == 5:
            nxt = (now + timedelta(days=1)).replace(hour=0, minute=10)
        elif step <= 7:
            nxt = (now + timedelta(days=1)).replace(hour=self.c.int(9, 21), minute=self.c.int(0, 59))
        else:
            nxt = (now + timedelta(days=self.c.int(2, 4))).replace(hour=self.c.int(9, 21), minute=self.c.int(0, 59))
        if nxt.hour < 8 and (nxt.hour, nxt.minute) != (0, 10):  # the shop sleeps
            nxt = nxt.replace(hour=9, minute=self.c.int(0, 59))
        if nxt <= now or nxt > limit:
            nxt = now + timedelta(minutes=1)
        if (nxt.hour, nxt.minute) in ((23, 30), (0, 10)):
            self.late_days.add(nxt.date())
        self.now = nxt
        return nxt.isoformat()

    # state views ------------------------------------------------------------------------

    def units_at(self, store: str) -> list[str]:
        return [u.first for u in self.books.units.values() if u.status == "in_stock" and u.store == store]

    def qty_at(self, store: str) -> dict[str, int]:
        return {sku: q for (s, sku), q in self.books.levels.items() if s == store and q > 0}

    def stores_with_stock(self) -> list[str]:
        return [s for s in STORES if self.units_at(s) or self.qty_at(s)]

    def cost(self, sku: str) -> int:
        base = PRODUCTS[sku][6]
        return max(1, base + self.c.int(-base // 10, base // 10))

    def code_for(self, first: str) -> str:
        """Any one of the unit's codes, as a scanner would give it."""
        return self.c.pick(self.books.units[first].codes)

    def new_codes(self, sku: str) -> list[str]:
        self.serial += 1
        n = self.serial
        out = []
        for kind in PRODUCTS[sku][5]:
            if kind.startswith("IMEI"):
                out.append(luhn(f"35{kind[-1]}9380{n:07d}"))
            else:
                out.append(f"F{sku[:2]}{n:07d}X")
        return out

    # operations -------------------------------------------------------------------------

    def op_stock_in(self) -> dict:
        store = self.c.pick(STORES)
        sku = self.c.pick(list(PRODUCTS))
        if sku in SERIAL:
            return {"op": "stock_in_units", "store": store, "sku": sku, "cost": self.cost(sku),
                    "units": [self.new_codes(sku) for _ in range(self.c.int(1, 3))]}
        return {"op": "stock_in_qty", "store": store, "sku": sku, "cost": self.cost(sku), "qty": self.c.int(1, 30)}

    def _some_stock(self, store: str, most_units: int = 2) -> tuple[list[str], dict[str, int]]:
        units, qtys = self.units_at(store), self.qty_at(store)
        pool = [("u", u) for u in units] + [("q", sku) for sku in qtys]
        chosen = self.c.subset(pool, most_units + 1)
        out_units = [self.code_for(x) for k, x in chosen if k == "u"]
        out_qty = {x: self.c.int(1, qtys[x]) for k, x in chosen if k == "q"}
        return out_units, out_qty

    def op_send(self) -> dict | None:
        stores = self.stores_with_stock()
        if not stores:
            return None
        src = self.c.pick(stores)
        dst = self.c.pick([s for s in STORES if s != src])
        units, qtys = self._some_stock(src)
        return {"op": "send", "from": src, "to": dst, "units": units, "qtys": qtys}

    def _open_transfers(self):
        return [t for t in self.books.transfers.values() if t.status in ("open", "partial")]

    def op_receive(self) -> dict | None:
        open_ = self._open_transfers()
        if not open_:
            return None
        t = self.c.pick(open_)
        if self.c.chance(50):
            return {"op": "receive", "doc": t.doc}
        pool = [("u", u) for u, s in t.units.items() if s == "transit"]
        pool += [("q", sku) for sku, (q, r, c, _) in t.qtys.items() if q - r - c > 0]
        chosen = self.c.subset(pool)
        units = [self.code_for(x) for k, x in chosen if k == "u"]
        qtys = {}
        for k, x in chosen:
            if k == "q":
                q, r, c, _ = t.qtys[x]
                qtys[x] = self.c.int(1, q - r - c)
        return {"op": "receive", "doc": t.doc, "units": units, "qtys": qtys}

    def op_cancel(self) -> dict | None:
        open_ = self._open_transfers()
        return {"op": "cancel", "doc": self.c.pick(open_).doc} if open_ else None

    def op_stock_out(self) -> dict | None:
        stores = self.stores_with_stock()
        if not stores:
            return None
        store = self.c.pick(stores)
        units, qtys = self._some_stock(store, most_units=1)
        return {"op": "stock_out", "store": store, "units": units, "qtys": qtys}

    def op_sell(self) -> dict | None:
        stores = self.stores_with_stock()
        if not stores:
            return None
        store = self.c.pick(stores)
        staff = self.c.pick([code for code, (_, home) in STAFF.items() if home == store] if self.c.chance(75) else list(STAFF))
        units, qtys = self._some_stock(store, most_units=2)
        self.flash_items(store, units, qtys)  # flash.py: now and then the SKU of a running flash sale
        aftersales.add_used_unit(self, store, units)  # and a used unit in stock there
        items = [["unit", u] for u in units] + [["qty", sku, n] for sku, n in qtys.items()]
        members = [c.code for c in self.books.customers.values() if c.is_member]
        who = self.c.int(0, 9)
        customer = None if who <= 3 else self.c.pick(["C001", "C002"]) if who <= 5 else "C003" if who == 6 else self.c.pick(members)
        if who > 6:  # a member who holds coupons (issued, or from check-ins) comes to use them more often
            holders = [m for m in members if self.books.open_coupons(m)]
            customer = self.c.pick(holders) if holders and self.c.chance(50) else customer
        op = {"op": "sell", "store": store, "staff": staff, "customer": customer, "items": items}
        if self.c.chance(20):
            op["channel"] = self.c.pick(CHANNELS)
        if self.c.chance(20):  # a manual price for one item
            item = self.c.pick(items)
            key = item[1]
            sku = self.books.unit(key).sku if item[0] == "unit" else key
            base = PRODUCTS[sku][3]
            op["prices"] = {key: self.c.int(base * 7 // 10, base)}
        # price it with the model (without applying) to know the total
        total = 0
        priced = []
        saved = self.books.flash_save()  # flash units the pricing counts are given back below
        for item in items:
            if item[0] == "unit":
                u = self.books.unit(item[1])
                key = item[1]
                price = (op.get("prices") or {}).get(key)
                price = price if price is not None else self.books.price(u.sku, customer, claim=True)[0]
                total += price
                priced.append(Line(u.sku, u.first, 1, price, "", 0, staff))
            else:
                price = (op.get("prices") or {}).get(item[1])
                price = price if price is not None else self.books.price(item[1], customer, item[2], claim=True)[0]
                total += item[2] * price
                priced.append(Line(item[1], None, item[2], price, "", 0, staff))
        self.books.flash_restore(saved)
        total -= self._coupons_for(op, customer, priced)
        cust = self.books.customers.get(customer) if customer else None
        points = 0
        if cust is not None and cust.is_member and cust.points > 0 and self.c.chance(50):
            points = self.c.int(1, min(cust.points, self.books.max_points_for(total)) or 1)
            if points * 100 // 10 > total:
                points = 0
        op["points"] = points
        due = total - points * 100 // 10
        credit_used = self.tradein_credit_for(op, customer, due)  # trade.py: a trade-in credit that fits
        due -= credit_used
        pay: list[list] = [["tradein", credit_used]] if credit_used else []
        credit = False
        mode = self.c.int(0, 9)
        room = (cust.credit_limit - cust.balance) if cust is not None else 0
        if due > 0:
            if cust is not None and cust.credit_limit and mode <= 4:
                part = 0 if self.c.chance(50) else self.c.int(0, due)
                if due - part <= room:
                    credit = True
                    if part:
                        pay.append([self.c.pick(METHODS), part])
            if not credit:
                if mode in (5, 6) and due >= 2:  # split
                    a = self.c.int(1, due - 1)
                    m1 = self.c.pick(METHODS)
                    m2 = self.c.pick([m for m in METHODS if m != m1])
                    pay += [[m1, a], [m2, due - a]]
                elif mode in (7, 8):  # cash with change
                    tendered = (due // 10000 + 1) * 10000
                    pay.append(["cash", tendered])
                else:
                    pay.append([self.c.pick(METHODS), due])
        op["pay"] = pay
        op["credit"] = credit
        return op

    def _coupons_for(self, op: dict, customer: str | None, priced: list) -> int:
        """Sometimes use one or two of the buyer's open coupons; the discount they give (0 if none fit)."""
        handles = self.books.open_coupons(customer) if customer else []
        if not handles or not self.c.chance(80):
            return 0
        chosen = self.c.subset(handles, most=2)
        try:
            self.books.coupon_plan(chosen, priced)
        except AssertionError:  # not for this sale (minimum, category, two non-stackable): sell without
            return 0
        op["coupons"] = chosen
        return sum(l.discount for l in priced)

    def op_coupon_issue(self) -> dict | None:
        members = [c.code for c in self.books.customers.values() if c.is_member]
        return {"op": "coupon_issue", "coupon": self.c.pick([c[0] for c in COUPONS]), "phone": self.c.pick(members)}

    def op_return(self) -> dict | None:
        open_ = [s for s in self.books.sales.values() if any(l.returned < l.qty for l in s.lines) and self.books.returnable(s)
                 and trade.returnable(self.books, s)]
        if not open_:
            return None
        sale = self.c.pick(open_)
        whole = not any(doc == sale.doc for doc, _ in self.books.no_return)  # a traded-back unit would refuse it
        if whole and self.c.chance(40):
            return {"op": "ret", "sale": sale.doc}
        left = [(i, sale.lines[i]) for i in trade.returnable(self.books, sale)]
        chosen = self.c.subset(left)
        items = []
        for _, line in chosen:
            if line.unit is not None:
                items.append(["unit", self.code_for(line.unit)])
            else:
                items.append(["qty", line.sku, self.c.int(1, line.qty - line.returned)])
        return {"op": "ret", "sale": sale.doc, "items": items}

    def op_pay(self) -> dict | None:
        owing = [c for c in self.books.customers.values() if c.balance > 0]
        if not owing:
            return None
        cust = self.c.pick(owing)
        amount = cust.balance if self.c.chance(30) else self.c.int(1, cust.balance)
        return {"op": "pay", "customer": cust.code, "amount": amount, "method": self.c.pick(METHODS)}

    def op_checkin(self) -> dict | None:
        today = self.now.date()
        members = [c.code for c in self.books.customers.values() if c.is_member and (c.code, today) not in self.books.checkins]
        on_a_streak = [m for m in members if (m, today - timedelta(days=1)) in self.books.checkins]
        if on_a_streak and self.c.chance(60):  # keep a streak going: streak days 2, 3 issue coupons (coupons.py)
            members = on_a_streak
        return {"op": "checkin", "phone": self.c.pick(members)} if members else None

    def op_member_add(self) -> dict | None:
        self.new_members += 1
        phone = f"1{self.c.pick(['35', '58', '86', '99'])}{self.c.int(0, 9999):04d}{self.new_members:04d}"
        if phone in self.books.customers:
            return None
        return {"op": "member_add", "phone": phone, "name": self.c.pick(NAMES),
                "channel": self.c.pick([None, *CHANNELS]), "staff": self.c.pick([None, *STAFF])}

    def op_lead_add(self) -> dict | None:
        """A lead (SPEC §13) for a customer with a phone, owned by one of the staff."""
        phones = [c.phone for c in self.books.customers.values() if c.phone]
        return {"op": "lead_add", "phone": self.c.pick(phones), "owner": self.c.pick(STAFF)} if phones else None

    WEIGHTS = [("op_stock_in", 4), ("op_sell", 7), ("op_return", 3), ("op_send", 2), ("op_receive", 2), ("op_cancel", 1),
               ("op_stock_out", 1), ("op_pay", 2), ("op_checkin", 3), ("op_member_add", 1), ("op_commission_pay", 1),
               ("op_lead_add", 1), ("op_coupon_issue", 3), ("op_tradein", 1)] + aftersales.WEIGHTS + trade.WEIGHTS + flash.WEIGHTS + campaigns.WEIGHTS

    def op_commission_pay(self) -> dict | None:
        return commission.op_commission_pay(self)

    def step(self, *, december: bool = False) -> dict:
        at = self.advance(december)
        if december:
            kinds = ["op_sell", "op_stock_in"]
        else:
            # early on, mostly stock in: a shop sells what it has
            if len(self.ops) < 2:
                kinds = ["op_stock_in"]
            else:
                kinds = [name for name, w in self.WEIGHTS for _ in range(w)]
        while True:
            name = self.c.pick(kinds)
            # check-ins are per shop day: the model needs the op's day
            self.books.tick(at)
            op = getattr(self, name)() if hasattr(self, name) else getattr(aftersales, name)(self)
            if op is not None:
                break
            kinds = [k for k in kinds if k != name] or ["op_stock_in"]
        op["at"] = at
        self.ops.append(op)
        return op


def generate(chooser: Chooser, n_ops: int, *, december: bool = True):
    """Yield (operation, model's answer) for a history of n_ops operations (the last in December)."""
    h = History(chooser)
    for i in range(n_ops):
        op = h.step(december=december and i == n_ops - 1)
        answer = h.books.apply(op)
        yield op, answer, h
