"""The till (`storectl till`): one process for a shift at the counter, one answer per scanned line.

A `Till` holds the basket in memory and answers each line with a plain dict: `{"ok": true, …}` or
`{"ok": false, "error": {"code", "message", "hint"}}`. It never raises, so no error ends a shift.

- Each lookup (a scan, a customer, points) runs in a short read snapshot of its own, closed before
  the answer is given: a clerk scanning never holds SQLite's write lock nor pins an old snapshot,
  and sees what other tills sold a moment ago. The database's readiness is checked once, at the
  start; the imports are paid once, so a scan costs a few queries (see bench/till.py).
- `done` is `sales.sell` in one write transaction (BEGIN IMMEDIATE: a busy database waits), so the
  sale, its receipt JSON and its refusals are exactly those of `storectl sell`: a unit another
  till sold meanwhile is the same `conflict`, nothing is half-sold, and the basket stays as it was
  for the clerk to fix (`x` the unit, `done` again) or `void`.
- The till makes no money movement of its own (done = sell), so the reference model of the books
  (tests/model) needs nothing new for it.

Coupons (`k`) and trade-ins (`t`) arrive with their issues; until then they say so.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

from sqlmodel import Session, select

from storectl import db as dbmod
from storectl import models
from storectl.errors import StoreError, invalid, not_found
from storectl.models import Customer, Product, Store
from storectl.money import format_money, parse_money
from storectl.periods import add_months
from storectl.services.shop import lookup, settings
from storectl.services.till import payments as till_payments
from storectl.services.till import pricing, sales
from storectl.services.trade import tradeins

HELP = [
    ("CODE", "add a unit by any of its codes (IMEI, SN), or SKU[:QTY] for quantity items"),
    ("c PHONE|CODE", "set the customer (prices are quoted again for them)"),
    ("x CODE", "remove an item (a unit code, a SKU, or SKU:QTY to take some off)"),
    ("p N", "pay N points (members; p 0 takes them off)"),
    ("k COUPON", "apply a member's coupon (k off takes them off)"),
    ("t TI-ID", "apply a trade-in credit (not available yet)"),
    ("pay METHOD AMOUNT", "add a payment: " + ", ".join(till_payments.METHODS)),
    ("credit", "the customer owes what is not paid (needs a customer)"),
    ("done [FILE.html]", "make the sale, as storectl sell does; optionally write its receipt"),
    ("void", "empty the basket"),
    ("?", "this list"),
    ("q", "end (an unfinished basket is dropped)"),
]
WORDS = {"c", "x", "p", "k", "t", "pay", "credit", "done", "void", "?", "q", "quit", "help"}


def counter_defaults(session: Session, *, store: str | None, staff: str | None) -> tuple[str, str]:
    """Store and salesperson: as given, else the operator's own store and self when the operator is
    an active staff member (`lookup.counter_person`, as every counter command; SPEC §10)."""
    if store is not None and staff is not None:
        return store, staff
    person = lookup.counter_person(session, dbmod.operator_of(session))
    if person is None:
        missing = [name for name, value in (("--store", store), ("--staff", staff)) if value is None]
        raise lookup.no_counter_default(missing, dbmod.operator_of(session))
    return (store if store is not None else person[1]), (staff if staff is not None else person[0])


@dataclass
class Entry:
    """One basket line: a unit, or a quantity of an accessory."""

    product_id: int
    sku: str
    name: str
    unit_id: int | None
    unit: str | None  # the unit's first code
    qty: int
    price_cents: int = 0
    rule: str = "list"
    warranty_months: int = 0

    @property
    def amount_cents(self) -> int:
        return self.price_cents * self.qty

    def item(self) -> str:
        """How `sell` is given this line."""
        return self.unit if self.unit is not None else f"{self.sku}:{self.qty}"


@dataclass
class Basket:
    entries: list[Entry] = field(default_factory=list)
    customer: str | None = None  # customer code
    points: int = 0
    payments: list[tuple[str, int]] = field(default_factory=list)
    on_credit: bool = False
    coupons: list[str] = field(default_factory=list)
    discount_cents: int = 0  # what the coupons take off, as the sale will (promo.coupons.plan)

    @property
    def total_cents(self) -> int:
        return sum(e.amount_cents for e in self.entries) - self.discount_cents

    @property
    def busy(self) -> bool:
        return bool(self.entries or self.customer or self.points or self.payments or self.on_credit)


def _open_coupons(s: Session, buyer: Customer) -> list[dict]:
    """The member's coupons that `k CODE` can use today."""
    from storectl.services.promo import coupons

    if not buyer.is_member:
        return []
    return [{k: c[k] for k in ("code", "name", "terms", "expires")} for c in coupons.member_coupons(s, buyer.id) if c["state"] == "open"]


class Till:
    """The counter's state and its answers. `db` is a storectl.db.Database."""

    def __init__(self, db, *, store: str | None = None, staff: str | None = None,  # noqa: ANN001
                 receipts: Callable[[dict, str | None], str | None] | None = None) -> None:
        self.db = db
        self.receipts = receipts  # writes a sale's receipt after `done`: (page, path given or None) -> path
        db.ensure_ready()
        with self._read() as s:
            store, staff = counter_defaults(s, store=store, staff=staff)
            shop = lookup.store(s, store)
            clerk = lookup.staff(s, staff)
            if not clerk.active:
                raise invalid(f"staff member {clerk.code} is no longer active", "storectl staff list")
            self.store, self.store_id, self.store_name = shop.code, shop.id, shop.name
            self.staff, self.staff_name = clerk.code, clerk.name
        self.basket = Basket()
        self.sales: list[str] = []

    # --- plumbing ---------------------------------------------------------------------------

    def _read(self):  # noqa: ANN202
        """A short read snapshot; readiness was checked when the till started."""
        return self.db.read("till", assume_ready=True)

    def answer(self, line: str) -> dict | None:
        """The answer to one input line (None for a blank line). Never raises for a user's error."""
        text = (line or "").strip()
        if not text:
            return None
        try:
            return self._dispatch(text)
        except StoreError as err:
            return {"ok": False, **err.as_dict()}
        except Exception as exc:  # noqa: BLE001  (the till keeps running whatever happens)
            mapped = dbmod.translate_db_error(exc)
            if mapped is not None:
                return {"ok": False, **mapped.as_dict()}
            import os

            if os.environ.get("STORECTL_DEBUG"):
                raise
            return {"ok": False, "error": {"code": "internal", "message": f"storectl failed: {type(exc).__name__}: {dbmod.driver_message(exc)}",
                                           "hint": "this is a bug; rerun with STORECTL_DEBUG=1 for details and report it"}}

    def _dispatch(self, text: str) -> dict:
        word, _, rest = text.partition(" ")
        word, rest = word.lower(), rest.strip()
        if word not in WORDS:
            return self.add(text)
        if word in ("?", "help"):
            return {"ok": True, "help": [{"line": a, "does": b} for a, b in HELP]}
        if word in ("q", "quit"):
            return self.end()
        if word == "c":
            return self.set_customer(rest)
        if word == "x":
            return self.remove(rest)
        if word == "p":
            return self.set_points(rest)
        if word == "k":
            return self.coupon(rest)
        if word == "t":
            raise invalid("trade-ins are not available yet: t does nothing", "wait for trade-ins (回收 / 以旧换新)")
        if word == "pay":
            return self.pay(rest)
        if word == "credit":
            return self.credit(rest)
        if word == "done":
            return self.done(rest or None)
        return self.void()

    def _state(self) -> dict:
        """What every answer carries: the running total and what is left to pay."""
        b = self.basket
        paid = sum(c for _, c in b.payments)
        with_points = self._points_value(b.points) if b.points else 0
        left = b.total_cents - with_points - paid
        return {"total": format_money(b.total_cents), "items": sum(e.qty for e in b.entries),
                "paid": format_money(paid), "points": b.points, "points_value": format_money(with_points),
                "to_pay": format_money(max(0, left)), "change": format_money(max(0, -left)), "credit": b.on_credit}

    _redeem_rate: int | None = None

    def _points_value(self, points: int) -> int:
        if self._redeem_rate is None:
            with self._read() as s:
                from storectl.services.loyalty import ledger as loyalty

                self._redeem_rate = loyalty.redeem_rate(s)
        return points * 100 // self._redeem_rate

    def _buyer(self, s: Session) -> Customer | None:
        return lookup.customer(s, self.basket.customer) if self.basket.customer else None

    # --- lines ------------------------------------------------------------------------------

    def add(self, text: str) -> dict:
        with self._read() as s:
            entry = self._entry(s, text)
            entry.price_cents, entry.rule = pricing.resolve(s, s.get(Product, entry.product_id), self._buyer(s))
            warranty = None
            if entry.unit_id is not None and entry.warranty_months:
                warranty = add_months(settings.today(s), entry.warranty_months).isoformat()
        same = next((e for e in self.basket.entries if e.unit_id is None and e.product_id == entry.product_id), None)
        if same is not None:
            same.qty += entry.qty
        else:
            self.basket.entries.append(entry)
        item = {"sku": entry.sku, "name": entry.name, "unit": entry.unit, "qty": entry.qty, "price": format_money(entry.price_cents),
                "rule": entry.rule, "warranty_until": warranty, "amount": format_money(entry.amount_cents)}
        return {"ok": True, "item": item, **self._recoupon(), **self._state()}

    def _entry(self, s: Session, text: str) -> Entry:
        """The line a scan adds, refused when it cannot be sold here (the basket is not touched)."""
        item = sales.resolve_item(s, text)
        product = item.product
        if item.unit is not None:
            unit = item.unit
            if any(e.unit_id == unit.id for e in self.basket.entries):
                raise invalid(f"unit {lookup.first_code(s, unit.id)} is already in the basket", "scan each unit once; x CODE removes it")
            if unit.status != "in_stock" or unit.store_id != self.store_id:
                raise sales._unit_conflict(s, unit.id, s.get(Store, self.store_id))
            return Entry(product.id, product.sku, product.name, unit.id, lookup.first_code(s, unit.id), 1,
                         warranty_months=tradeins.warranty_months(s, unit.condition, product.warranty_months or 0))
        held = sum(e.qty for e in self.basket.entries if e.product_id == product.id) + item.qty
        if held > sales.MAX_QTY:
            raise invalid(f"{product.sku}: {held} is more than {sales.MAX_QTY} in one sale", sales.ITEM_HINT)
        on_hand = s.execute(select(models.StockLevel.qty).where(
            models.StockLevel.store_id == self.store_id, models.StockLevel.product_id == product.id)).scalar() or 0
        if held > on_hand:
            raise StoreError("insufficient_stock", f"{product.sku}: {on_hand} in stock at {self.store}, {held} in the basket",
                             f"storectl stock levels --store {self.store}")
        return Entry(product.id, product.sku, product.name, None, None, item.qty)

    def set_customer(self, code: str) -> dict:
        if not code:
            raise invalid("c needs the customer's code or member phone", "e.g. c 13800138000")
        with self._read() as s:
            buyer = lookup.customer(s, code)
            for entry in self.basket.entries:  # quoted again for this customer
                entry.price_cents, entry.rule = pricing.resolve(s, s.get(Product, entry.product_id), buyer)
            level = lookup.code_of(s, models.Level, buyer.level_id, "name") if buyer.is_member and buyer.level_id else None
            customer = {"code": buyer.code, "name": buyer.name, "phone": buyer.phone, "member": buyer.is_member,
                        "level": level, "points": buyer.points if buyer.is_member else None, "coupons": _open_coupons(s, buyer),
                        "owes": format_money(buyer.balance_cents), "credit_limit": format_money(buyer.credit_limit_cents)}
        self.basket.customer = customer["code"]
        return {"ok": True, "customer": customer, "lines": self.lines(), **self._recoupon(), **self._state()}

    def lines(self) -> list[dict]:
        return [{"sku": e.sku, "name": e.name, "unit": e.unit, "qty": e.qty, "price": format_money(e.price_cents),
                 "rule": e.rule, "amount": format_money(e.amount_cents)} for e in self.basket.entries]

    def remove(self, text: str) -> dict:
        if not text:
            raise invalid("x needs the code of the item to remove", "e.g. x 356938035643809, x 00123 or x 00123:1")
        entries = self.basket.entries
        with self._read() as s:
            sku, sep, qty_text = text.rpartition(":")
            if sep:
                item = sales.resolve_item(s, sku, allow_serial_sku=True)
                qty = sales._qty(qty_text, text)
            else:
                item = sales.resolve_item(s, text, allow_serial_sku=True)
                qty = None
            unit_id, product_id = (item.unit.id if item.unit is not None else None), item.product.id
        if unit_id is not None:
            found = next((e for e in entries if e.unit_id == unit_id), None)
        else:
            found = next((e for e in entries if e.unit_id is None and e.product_id == product_id), None)
        if found is None:
            raise not_found(f"{text} is not in the basket", "? lists the lines; the basket is in the answers' lines")
        if qty is not None and found.unit_id is None and qty < found.qty:
            found.qty -= qty
            removed = {"sku": found.sku, "unit": None, "qty": qty}
        else:
            entries.remove(found)
            removed = {"sku": found.sku, "unit": found.unit, "qty": found.qty}
        return {"ok": True, "removed": removed, "lines": self.lines(), **self._recoupon(), **self._state()}

    def set_points(self, text: str) -> dict:
        from storectl.money import parse_whole

        if not text:
            raise invalid("p needs a number of points", "e.g. p 3000 (p 0 takes them off)")
        points = parse_whole(text, what="points", high=10**12, hint="e.g. p 3000 (p 0 takes them off)")
        if points:
            with self._read() as s, _till_hints():
                sales._points_value(s, self._buyer(s), points, self.basket.total_cents)
        self.basket.points = points
        return {"ok": True, **self._state()}

    def coupon(self, text: str) -> dict:
        """`k CODE`: the coupon joins the basket's (checked as the sale will check it); `k off` drops them."""
        if not text:
            raise invalid("k needs the member's coupon code", "e.g. k K7M3QX9A (c PHONE first; k off takes them off)")
        wanted = [] if text.lower() == "off" else [*self.basket.coupons, text.strip().upper()]
        with self._read() as s, _till_hints():
            self.basket.discount_cents = self._discount(s, wanted)
        self.basket.coupons = wanted
        return {"ok": True, "coupons": wanted, "discount": format_money(self.basket.discount_cents), **self._state()}

    def _recoupon(self) -> dict:
        """After the basket or its customer changed: the coupons again, or dropped (with why) if they no longer fit."""
        if not self.basket.coupons:
            return {}
        try:
            with self._read() as s:
                self.basket.discount_cents = self._discount(s, self.basket.coupons)
            return {"discount": format_money(self.basket.discount_cents)}
        except StoreError as err:
            dropped, self.basket.coupons, self.basket.discount_cents = self.basket.coupons, [], 0
            return {"coupons_dropped": dropped, "why": err.message}

    def _discount(self, s: Session, codes: list[str]) -> int:
        from storectl.services.promo import coupons

        if not codes:
            return 0
        lines = [coupons.Basket(s.get(Product, e.product_id), e.qty, e.price_cents) for e in self.basket.entries]
        return coupons.plan(s, buyer=self._buyer(s), lines=lines, codes=codes).discount

    def pay(self, text: str) -> dict:
        method, _, amount = text.partition(" ")
        if not method or not amount.strip():
            raise invalid("pay needs a method and an amount", f"e.g. pay wechat 8999 ({', '.join(till_payments.METHODS)})")
        method = till_payments.parse_method(method)
        cents = parse_money(amount.strip(), allow_zero=False, what=f"payment by {method}")
        self.basket.payments.append((method, cents))
        return {"ok": True, "payment": {"method": method, "amount": format_money(cents)}, **self._state()}

    def credit(self, rest: str) -> dict:
        if rest.lower() in ("off", "no"):
            self.basket.on_credit = False
            return {"ok": True, **self._state()}
        if not self.basket.customer:
            raise invalid("credit needs a customer who will owe the rest", "c CODE first")
        self.basket.on_credit = True
        return {"ok": True, **self._state()}

    def done(self, path: str | None = None) -> dict:
        b = self.basket
        if not b.entries:
            raise invalid("the basket is empty: nothing to sell", "scan an item first")
        if path is not None and self.receipts is None:
            raise invalid("this till writes no receipts", "storectl sale receipt S-ID --out FILE.html")
        with self.db.write("till") as s, _till_hints():
            sale = sales.sell(s, store=self.store, staff=self.staff, items=[e.item() for e in b.entries],
                              customer=b.customer, payments=list(b.payments), points=b.points, on_credit=b.on_credit,
                              coupons=list(b.coupons))
            page = None
            if self.receipts is not None:
                from storectl.services.till import receipts

                page = receipts.with_receipt(s, sale)
        self.basket = Basket()
        self.sales.append(sale["id"])
        answer = {"ok": True, "sale": sale, **self._state()}
        if page is not None:
            try:
                answer["receipt"] = self.receipts(page, path)
            except StoreError as err:  # the sale stands; say what happened to its receipt
                answer["receipt"] = None
                answer["receipt_error"] = err.as_dict()["error"]
        return answer

    def void(self) -> dict:
        dropped = sum(e.qty for e in self.basket.entries)
        self.basket = Basket()
        return {"ok": True, "void": True, "dropped": dropped, **self._state()}

    def end(self, *, eof: bool = False) -> dict:
        """q or EOF: the shift ends; an unfinished basket is dropped, and the answer says so."""
        busy, dropped = self.basket.busy, sum(e.qty for e in self.basket.entries)
        self.basket = Basket()
        answer = {"ok": True, "end": True, "eof": eof, "sales": list(self.sales), "dropped": dropped}
        if busy:
            answer["message"] = f"an unfinished basket ({dropped} item{'s' if dropped != 1 else ''}) was dropped: nothing was sold"
        return answer


# what `sell`'s hints say in its options, said in the till's lines
_HINTS = (("--customer CODE --on-credit", "c CODE, then credit"), ("--on-credit", "credit"), ("--pay cash=", "pay cash "),
          ("--pay ", "pay "), ("--points ", "p "), ("--customer PHONE", "c PHONE"), ("--customer CODE", "c CODE"),
          ("add --", "add "))


@contextmanager
def _till_hints():
    try:
        yield
    except StoreError as err:
        hint = err.hint
        for option, line in _HINTS:
            hint = hint.replace(option, line)
        raise StoreError(err.code, err.message, hint) from None


def run(till: Till, lines, emit: Callable[[dict], None]) -> dict:  # noqa: ANN001
    """Answer `lines` (an iterable of text lines) until q or their end; the last answer (the end)."""
    for line in lines:
        answer = till.answer(line)
        if answer is None:
            continue
        emit(answer)
        if answer.get("end"):
            return answer
    answer = till.end(eof=True)
    emit(answer)
    return answer
