"""A hypothesis state machine over the services: the whole shop's ledgers stay balanced.

Rules: receive units and quantities, sell (walk-in, on credit, to a member, paying with points),
return a whole sale, transfer send / receive / cancel, stock count with and without --apply,
customer payments, check-ins (the clock moves day by day through session.info["now"]), points
adjustments and expiry. One SQLite file per run (a copy of one prepared shop).

After every step the `db check` invariants of every area hold, and so does an independent model:
units in stock per store, quantity per store, the customer's balance, the member's points.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from reliability_helpers import LONG, build_shop, database, sqlite_copy

from storectl.errors import StoreError

MEMBER = "13900000001"
STORES = ("SZ01", "SZ02")
PRICE = 799900  # MBA13's list price
QTY_PRICE = 3900  # 00123's
CREDIT_LIMIT = 5_000_000
STEPS = {"max_examples": 100 if LONG else 15, "stateful_step_count": 60 if LONG else 25}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    from storectl.services.shop import catalogue
    from storectl.services.loyalty import checkin
    from storectl.services.loyalty import members
    from storectl.services.shop import settings as shop_settings

    path = tmp_path_factory.mktemp("machine") / "template.db"
    build_shop(path)
    with database(path).write("setup") as s:
        members.add_member(s, phone=MEMBER, name="会员")
        catalogue.add_customer(s, code="C010", name="赊账客户", credit_limit_cents=CREDIT_LIMIT)
        checkin.add_rule(s, every=1, points=1)
        checkin.add_rule(s, every=3, points=5)
        shop_settings.set_value(s, "points.expire_months", "1")
    return path


class Shop(RuleBasedStateMachine):
    template: Path
    steps = 0

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="storectl-machine-"))
        self.path = sqlite_copy(self.template, self.dir / "store.db")
        self.db = database(self.path)
        self.raw = sqlite3.connect(self.path, isolation_level=None)
        self.now = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
        self.units: dict[str, tuple] = {}  # code -> ("in_stock", store) | ("sold", sale) | ("in_transit", tr) | ("lost",)
        self.qty = {s: 0 for s in STORES}
        self.balance = 0
        self.points = 0
        self.sales: dict[str, dict] = {}  # id -> {"units", "qty", "store", "returned", "customer", "total", "points_value"}
        self.transfers: dict[str, tuple] = {}  # id -> (from, to, code)
        self.serial = 0
        self.checked_in_on = None
        self.streak = 0

    def teardown(self) -> None:
        try:
            from reliability_helpers import problems

            assert problems(self.path) == []
        finally:
            self.raw.close()
            self.db.engine.dispose()
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- helpers ----------------------------------------------------------------------------

    def write(self, command: str, fn):
        Shop.steps += 1
        with self.db.write(command) as s:
            s.info["now"] = self.now
            return fn(s)

    def q(self, sql: str, params: tuple = ()):
        return self.raw.execute(sql, params).fetchone()[0]

    def in_stock(self, store: str) -> list[str]:
        return sorted(c for c, st_ in self.units.items() if st_ == ("in_stock", store))

    def today(self):
        return (self.now + timedelta(hours=8)).date()

    # --- rules ------------------------------------------------------------------------------

    @rule(store=st.sampled_from(STORES), n=st.integers(1, 3))
    def receive_units(self, store, n):
        from storectl.services.stock import inventory

        codes = [f"M{self.serial + i:05d}" for i in range(n)]
        self.serial += n
        items = [(f"arg {i}", c) for i, c in enumerate(codes)]
        got = self.write("stock in", lambda s: inventory.stock_in(s, store=store, sku="MBA13", cost_cents=500000, units=items))
        assert got["received"] == n
        for c in codes:
            self.units[c] = ("in_stock", store)

    @rule(store=st.sampled_from(STORES), n=st.integers(1, 20))
    def receive_qty(self, store, n):
        from storectl.services.stock import inventory

        self.write("stock in", lambda s: inventory.stock_in(s, store=store, sku="00123", cost_cents=1000, qty=n))
        self.qty[store] += n

    @rule(data=st.data(), store=st.sampled_from(STORES), who=st.sampled_from(["walk-in", "credit", "member"]),
          with_qty=st.integers(0, 3), use_points=st.booleans())
    def sell(self, data, store, who, with_qty, use_points):
        from storectl.services.till import sales

        here = self.in_stock(store)
        code = data.draw(st.sampled_from(here)) if here and data.draw(st.booleans()) else None
        if code is None and with_qty == 0:
            with_qty = 1
        items = ([code] if code else []) + ([f"00123:{with_qty}"] if with_qty else [])
        total = (PRICE if code else 0) + QTY_PRICE * with_qty
        points = 0
        if who == "member" and use_points and self.points >= 10:
            points = data.draw(st.integers(1, min(self.points, total // 10)))
        value = points * 10  # 10 points = ¥1 → 1 point = 10 fen
        kwargs = {"customer": {"walk-in": None, "credit": "C010", "member": MEMBER}[who], "points": points}
        if who == "credit":
            kwargs["on_credit"] = True
        else:
            kwargs["payments"] = [("cash", total - value)] if total - value > 0 else []
        enough_qty = self.qty[store] >= with_qty
        within_credit = who != "credit" or self.balance + total <= CREDIT_LIMIT
        try:
            got = self.write("sell", lambda s: sales.sell(s, store=store, staff="E002", items=items, **kwargs))
        except StoreError as err:
            assert not (enough_qty and within_credit), f"sell {items} {kwargs} refused: {err.code} {err.message}"
            assert err.code in ("insufficient_stock", "invalid_input", "conflict"), err.code
            return
        assert enough_qty and within_credit, f"sell {items} {kwargs} went through"
        assert got["points_redeemed"] == points
        if who == "member":
            assert got["points_earned"] == (total - value) // 100
            self.points += got["points_earned"] - points
        else:
            assert got["points_earned"] == 0
        if who == "credit":
            self.balance += total
        if code:
            self.units[code] = ("sold", got["id"])
        self.qty[store] -= with_qty
        self.sales[got["id"]] = {"unit": code, "qty": with_qty, "store": store, "returned": False, "who": who,
                                 "total": total, "value": value, "earned": got["points_earned"], "redeemed": points}

    @precondition(lambda self: any(not s["returned"] for s in self.sales.values()))
    @rule(data=st.data())
    def return_sale(self, data):
        from storectl.services.till import returns

        doc = data.draw(st.sampled_from(sorted(d for d, s in self.sales.items() if not s["returned"])))
        sale = self.sales[doc]
        got = self.write("return", lambda s: returns.return_sale(s, sale=doc))
        sale["returned"] = True
        if sale["unit"]:
            self.units[sale["unit"]] = ("in_stock", sale["store"])
        self.qty[sale["store"]] += sale["qty"]
        if sale["who"] == "credit":
            credit = min(sale["total"], self.balance)
            assert got["credit"] == f"{credit // 100}.{credit % 100:02d}", (got, self.balance)
            self.balance -= credit
        if sale["who"] == "member":
            assert got["points_reversed"] + got["points_unrecovered"] == sale["earned"], got
            assert got["points_restored"] == sale["redeemed"], got
            self.points += got["points_restored"] - got["points_reversed"]
            assert self.points >= 0

    @rule(data=st.data(), src=st.sampled_from(STORES))
    def transfer_send(self, data, src):
        from storectl.services.stock import transfers

        here = self.in_stock(src)
        if not here:
            return
        code = data.draw(st.sampled_from(here))
        dst = STORES[1 - STORES.index(src)]
        got = self.write("transfer send", lambda s: transfers.send(s, from_store=src, to_store=dst, items=[("arg 1", code)]))
        self.units[code] = ("in_transit", got["id"])
        self.transfers[got["id"]] = (src, dst, code)

    @precondition(lambda self: bool(self.transfers))
    @rule(data=st.data(), cancel=st.booleans())
    def transfer_finish(self, data, cancel):
        from storectl.services.stock import transfers

        doc = data.draw(st.sampled_from(sorted(self.transfers)))
        src, dst, code = self.transfers.pop(doc)
        if cancel:
            self.write("transfer cancel", lambda s: transfers.cancel(s, transfer=doc))
            self.units[code] = ("in_stock", src)
        else:
            self.write("transfer receive", lambda s: transfers.receive(s, transfer=doc))
            self.units[code] = ("in_stock", dst)

    @rule(data=st.data(), store=st.sampled_from(STORES), apply=st.booleans())
    def count(self, data, store, apply):
        from storectl.services.stock import counting

        here = self.in_stock(store)
        scanned = data.draw(st.lists(st.sampled_from(here), unique=True)) if here else []
        scanned = scanned or ["NEVERSEEN1"]
        got = self.write("stock count", lambda s: counting.count(s, store=store, items=[(f"a{i}", c) for i, c in enumerate(scanned)], apply=apply))
        missing = sorted(set(here) - set(scanned))
        assert sorted(got["missing"]) == missing
        assert got["matched"] == len(set(scanned) & set(here))
        if apply:
            for c in missing:
                self.units[c] = ("lost",)

    @rule(cents=st.integers(1, 2_000_000))
    def pay(self, cents):
        from storectl.services.till import receivables

        try:
            self.write("customer pay", lambda s: receivables.pay(s, customer="C010", amount_cents=cents))
        except StoreError as err:
            assert cents > self.balance and err.code == "invalid_input", (cents, self.balance, err.message)
            return
        assert cents <= self.balance
        self.balance -= cents

    @rule()
    def checkin(self):
        from storectl.services.loyalty import checkin

        try:
            got = self.write("member checkin", lambda s: checkin.checkin(s, phone=MEMBER))
        except StoreError as err:
            assert err.code == "already_checked_in" and self.checked_in_on == self.today()
            return
        assert self.checked_in_on != self.today()
        self.streak = self.streak + 1 if self.checked_in_on == self.today() - timedelta(days=1) else 1
        self.checked_in_on = self.today()
        assert got["streak"] == self.streak
        assert got["points"] == 1 + (5 if self.streak % 3 == 0 else 0)
        self.points += got["points"]

    @rule(days=st.integers(1, 20))
    def next_day(self, days):
        self.now += timedelta(days=days)

    @rule(delta=st.integers(-500, 500))
    def adjust(self, delta):
        from storectl.services.loyalty import points

        if delta == 0:
            return
        try:
            self.write("points adjust", lambda s: points.adjust(s, phone=MEMBER, delta=delta, reason="state machine"))
        except StoreError as err:
            assert self.points + delta < 0 and err.code == "conflict", (delta, self.points, err.message)
            return
        assert self.points + delta >= 0
        self.points += delta

    @rule()
    def expire(self):
        from storectl.services.loyalty import points

        before = self.points
        self.write("points expire", lambda s: points.expire(s))
        self.points = self.q(f"SELECT points FROM customer WHERE code = '{MEMBER}'")
        assert 0 <= self.points <= before

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def ledgers_balance(self):
        from storectl.services.shop import maintenance

        with self.db.read() as s:
            for check in maintenance.invariant_checks():
                found = check(s)
                assert found == [], found

    @invariant()
    def model_agrees(self):
        for store in STORES:
            n = self.q("SELECT count(*) FROM unit u JOIN store s ON s.id = u.store_id WHERE s.code = ? AND u.status = 'in_stock'", (store,))
            assert n == len(self.in_stock(store)), (store, n)
            q = self.q("SELECT coalesce(sum(qty), 0) FROM stock_level l JOIN store s ON s.id = l.store_id WHERE s.code = ?", (store,))
            assert q == self.qty[store], (store, q, self.qty[store])
        assert self.q("SELECT count(*) FROM unit WHERE status = 'in_transit'") == len(self.transfers)
        assert self.q("SELECT count(*) FROM unit WHERE status = 'sold'") == sum(1 for v in self.units.values() if v[0] == "sold")
        assert self.q("SELECT count(*) FROM unit WHERE status = 'lost'") == sum(1 for v in self.units.values() if v[0] == "lost")
        assert self.q("SELECT balance_cents FROM customer WHERE code = 'C010'") == self.balance
        assert self.q(f"SELECT points FROM customer WHERE code = '{MEMBER}'") == self.points


@pytest.mark.sqlite_only
def test_the_shop_stays_balanced_under_any_sequence_of_operations(template):
    Shop.template = template
    Shop.steps = 0
    runner = Shop.TestCase()
    runner.settings = settings(max_examples=STEPS["max_examples"], stateful_step_count=STEPS["stateful_step_count"], deadline=None)
    runner.runTest()
    print(f"\nstate machine: {STEPS['max_examples']} runs, {Shop.steps} service calls")
