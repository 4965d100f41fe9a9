"""Trade-ins and pre-orders in the books model (issue 23, SPEC §15).

`TradeBooks` (a mixin of `Books`): a phone never seen becomes a unit costed at the price paid; one
the shop sold comes back as the same unit, in stock again at the new cost, and the sale line that
sold it can no longer be returned (`no_return`). Either way the unit is used for good (its cost
counts in the month end's trade-in stock, Summary B21, while in stock or reserved at month end).
A trade-in is paid out at once (`--pay`) or kept as a credit of its customer that one later sale
by that customer takes as the payment `tradein` (`--tradein TI-ID`; never more than the sale's
money due: only cash may be overpaid, so the generator offers it only when it fits).

Pre-orders (`order add`): the units become reserved (out of `stock levels`, still in the month-end
Inventory), quantities are only promised; the deposit is held money, no sale. `order complete`
sells the order at the prices agreed at `add`, the deposit counted as the payment `deposit`, the
rest by `--pay`; `order cancel` puts the units back and refunds the deposit or keeps it
(`--forfeit`, Summary B20). Deposits of orders open at month end are Summary B19.

`TradeHistory` (a mixin of `gen.History`) emits all of these with small weights, only valid ones.
Units only for trade-ins: a quantity cannot be traded in, so the moving average never meets one.
"""

from __future__ import annotations

from storectl.money import format_money as fm

HELD = ("in_stock", "reserved")  # what the month-end Inventory counts


class TradeBooks:
    no_return: set  # (sale doc, line index) of units that came back as trade-ins

    def _trade(self) -> dict:
        return self.__dict__.setdefault("_trade_state", {"credits": {}, "used": set(), "orders": {}})

    def tradein(self, op: dict) -> dict:
        from .books import Unit

        doc = self.next_doc("TI")
        known = next((self.code_index[c] for c in op["codes"] if c in self.code_index), None)
        if known is None:
            u = Unit(list(op["codes"]), op["sku"], op["price"], op["store"])
            self.units[u.first] = u
            for code in op["codes"]:
                self.code_index[code] = u.first
        else:
            u = self.units[known]
            assert u.status == "sold" and u.sku == op["sku"] and u.codes == list(op["codes"])
            assert not any(t.unit == u.first and t.status != "closed" for t in self.tickets.values())
            u.status, u.store, u.cost = "in_stock", op["store"], op["price"]
            for sale in self.sales.values():
                for i, line in enumerate(sale.lines):
                    if line.unit == u.first and line.returned < line.qty:
                        self.no_return.add((sale.doc, i))
        self._trade()["used"].add(u.first)
        if not op.get("pay"):
            self._trade()["credits"][doc] = {"customer": op.get("customer"), "price": op["price"], "sale": None}
        return {"id": doc, "price": op["price"], "returning": known is not None}

    def open_credits(self, customer: str | None) -> list[str]:
        """The credits this customer's sale may take (their own, not used yet)."""
        return [doc for doc, c in self._trade()["credits"].items() if c["sale"] is None and customer and c["customer"] == customer]

    def take_credit(self, op: dict, customer: str | None, sale_doc: str) -> None:
        """A sale took its `tradein` credit (called by `Books.sell`)."""
        doc = op.get("tradein")
        if not doc:
            return
        credit = self._trade()["credits"][doc]
        assert credit["sale"] is None and credit["customer"] == customer
        assert [credit["price"]] == [c for m, c in op["pay"] if m == "tradein"]
        credit["sale"] = sale_doc

    def tradein_stock(self) -> int:
        """What the used units the shop holds (in stock or reserved) cost it."""
        return sum(self.units[f].cost for f in self._trade()["used"] if self.units[f].status in HELD)

    # pre-orders ----------------------------------------------------------------------------

    def order_add(self, op: dict) -> dict:
        units = [self.code_index[c] for c in op.get("units") or []]
        # the prices agreed now; a flash price agreed counts its units (flash.py), like a sale
        lines = [(first, self.units[first].sku, 1, self.price(self.units[first].sku, op["customer"], claim=True)[0]) for first in units]
        lines += [(None, sku, n, self.price(sku, op["customer"], n, claim=True)[0]) for sku, n in (op.get("qtys") or {}).items()]
        total = sum(n * price for _, _, n, price in lines)
        deposit = op["deposit"][1]
        assert lines and 0 < deposit <= total
        for first in units:
            u = self.units[first]
            assert u.status == "in_stock" and u.store == op["store"]
            u.status = "reserved"
        for first, sku, n, _ in lines:
            assert first is not None or self.level_qty(op["store"], sku) >= n
        doc = self.next_doc("SO")
        self._trade()["orders"][doc] = {"at": self.now, "store": op["store"], "staff": op["staff"], "customer": op["customer"],
                                        "lines": lines, "total": total, "deposit": deposit, "status": "open",
                                        "closed": None, "forfeited": 0, "sale": None}
        return {"id": doc, "status": "open", "total": fm(total), "deposit": fm(deposit), "due": fm(total - deposit)}

    def open_orders(self) -> dict:
        return {doc: o for doc, o in self._trade()["orders"].items() if o["status"] == "open"}

    def _release(self, o: dict) -> None:
        for first, *_ in o["lines"]:
            if first is not None:
                u = self.units[first]
                assert u.status == "reserved"
                u.status = "in_stock"

    def order_complete(self, op: dict) -> dict:
        o = self._trade()["orders"][op["doc"]]
        assert o["status"] == "open"
        self._release(o)
        items = [["unit", first] if first else ["qty", sku, n] for first, sku, n, _ in o["lines"]]
        prices = {first or sku: price for first, sku, _, price in o["lines"]}
        receipt = self.sell({"store": o["store"], "staff": op.get("staff") or o["staff"], "customer": o["customer"],
                             "items": items, "prices": prices, "pay": [["deposit", o["deposit"]], *op["pay"]], "points": 0})
        o.update(status="completed", closed=self.now, sale=receipt["id"])
        return {"id": op["doc"], "status": "completed", "sale": receipt["id"], "receipt": receipt}

    def order_cancel(self, op: dict) -> dict:
        o = self._trade()["orders"][op["doc"]]
        assert o["status"] == "open"
        self._release(o)
        o.update(status="cancelled", closed=self.now, forfeited=o["deposit"] if op.get("forfeit") else 0)
        return {"id": op["doc"], "status": "cancelled", "forfeited": fm(o["forfeited"]),
                "refunded": fm(0 if op.get("forfeit") else o["deposit"])}

    def trade_month(self, start, end, snap: dict) -> dict:  # noqa: ANN001
        """Summary B19 deposits held at month end, B20 deposits forfeited in the month, B21 trade-in stock at cost."""
        orders = self._trade()["orders"].values()
        held = sum(o["deposit"] for o in orders if o["at"] < end and (o["closed"] is None or o["closed"] >= end))
        kept = sum(o["forfeited"] for o in orders if o["closed"] is not None and start <= o["closed"] < end)
        return {"held": held, "forfeited": kept, "used": snap["tradein_stock"]}


class TradeHistory:
    def op_tradein(self) -> dict | None:
        from .books import PRODUCTS, SERIAL, STORES

        store = self.c.pick(sorted(STORES))
        busy = {t.unit for t in self.books.tickets.values() if t.status != "closed"}  # on a repair bench: refused
        sold = [u for u in self.books.units.values() if u.status == "sold" and u.first not in busy]
        if sold and self.c.chance(50):
            unit = self.c.pick(sold)
            sku, codes = unit.sku, list(unit.codes)
        else:
            sku = self.c.pick(sorted(SERIAL))
            codes = self.new_codes(sku)
        price = max(100, PRODUCTS[sku][6] // 2 + self.c.int(-50, 50) * 100)
        op = {"op": "tradein", "store": store, "sku": sku, "codes": codes, "grade": self.c.pick("ABCD"), "price": price, "pay": "cash"}
        if self.c.chance(50):  # kept as a credit of the customer, for a later sale
            op["pay"] = None
            op["customer"] = self.c.pick(sorted(self.books.customers))
        return op

    def tradein_credit_for(self, op: dict, customer: str | None, due: int) -> int:
        """Sometimes let the sale take one of the buyer's trade-in credits that fits the money due; its amount."""
        fits = [d for d in self.books.open_credits(customer) if self.books._trade()["credits"][d]["price"] <= due]
        if not fits or not self.c.chance(80):
            return 0
        doc = self.c.pick(fits)
        op["tradein"] = doc
        return self.books._trade()["credits"][doc]["price"]

    def op_order_add(self) -> dict | None:
        from .books import STAFF

        stores = self.stores_with_stock()
        if not stores:
            return None
        store = self.c.pick(stores)
        units, qtys = self._some_stock(store, most_units=2)
        customer = self.c.pick(sorted(self.books.customers))
        saved = self.books.flash_save()
        total = sum(self.books.price(self.books.unit(u).sku, customer, claim=True)[0] for u in units)
        total += sum(n * self.books.price(sku, customer, n, claim=True)[0] for sku, n in qtys.items())
        self.books.flash_restore(saved)
        if total <= 0:
            return None
        from .gen import METHODS

        deposit = min(total, self.c.pick([5000, 10000, 20000, 50000])) if self.c.chance(70) else self.c.int(1, total)
        return {"op": "order_add", "store": store, "staff": self.c.pick(sorted(STAFF)), "customer": customer,
                "units": units, "qtys": qtys, "deposit": [self.c.pick(METHODS), deposit]}

    def op_order_complete(self) -> dict | None:
        from .books import STAFF
        from .gen import METHODS

        ready = [doc for doc, o in self.books.open_orders().items()
                 if all(first or self.books.level_qty(o["store"], sku) >= n for first, sku, n, _ in o["lines"])]
        if not ready:
            return None
        doc = self.c.pick(ready)
        o = self.books.open_orders()[doc]
        rest = o["total"] - o["deposit"]
        pay: list[list] = []
        mode = self.c.int(0, 3)
        if rest > 0:
            if mode == 0 and rest >= 2:
                a = self.c.int(1, rest - 1)
                m1 = self.c.pick(METHODS)
                pay = [[m1, a], [self.c.pick([m for m in METHODS if m != m1]), rest - a]]
            elif mode == 1:
                pay = [["cash", (rest // 10000 + 1) * 10000]]
            else:
                pay = [[self.c.pick(METHODS), rest]]
        op = {"op": "order_complete", "doc": doc, "pay": pay}
        if self.c.chance(50):
            op["staff"] = self.c.pick(sorted(STAFF))
        return op

    def op_order_cancel(self) -> dict | None:
        open_ = sorted(self.books.open_orders())
        return {"op": "order_cancel", "doc": self.c.pick(open_), "forfeit": self.c.chance(50)} if open_ else None


WEIGHTS = [("op_order_add", 1), ("op_order_complete", 1), ("op_order_cancel", 1)]


def command(op: dict) -> list[str]:
    if op["op"] == "order_add":
        items = list(op.get("units") or []) + [f"{sku}:{n}" for sku, n in (op.get("qtys") or {}).items()]
        return ["order", "add", *items, "--customer", op["customer"], "--deposit", f"{op['deposit'][0]}={fm(op['deposit'][1])}",
                "--store", op["store"], "--staff", op["staff"]]
    if op["op"] == "order_complete":
        cmd = ["order", "complete", op["doc"]]
        for method, cents in op["pay"]:
            cmd += ["--pay", f"{method}={fm(cents)}"]
        return cmd + (["--staff", op["staff"]] if op.get("staff") else [])
    if op["op"] == "order_cancel":
        return ["order", "cancel", op["doc"]] + (["--forfeit"] if op.get("forfeit") else [])
    cmd = ["tradein", ",".join(op["codes"]), "--sku", op["sku"], "--grade", op["grade"], "--price", fm(op["price"]),
           "--store", op["store"]]
    if op.get("customer"):
        cmd += ["--customer", op["customer"]]
    return cmd + (["--pay", op["pay"]] if op.get("pay") else [])


def check(harness, op: dict, got: dict, answer: dict, where: str) -> None:  # noqa: ANN001
    """What `tradein` / `order add|complete|cancel` answered, against the model."""
    if op["op"] == "tradein":
        harness.check(where, got, {"id": answer["id"], "price": fm(answer["price"]), "returning": answer["returning"],
                                   "credit": not op.get("pay")})
    elif op["op"] == "order_complete":
        harness.check(where, got, {k: answer[k] for k in ("id", "status", "sale")})
        harness.check_answer({"op": "sell", "at": op["at"]}, got.get("receipt") or {}, answer["receipt"])
    else:
        harness.check(where, got, answer)


def returnable(books, sale) -> list[int]:  # noqa: ANN001
    """The indexes of a sale's lines that can still be returned (not in full, not traded back in)."""
    closed = getattr(books, "no_return", set())
    return [i for i, line in enumerate(sale.lines) if line.returned < line.qty and (sale.doc, i) not in closed]
