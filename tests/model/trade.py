"""Trade-ins in the books model (issue 23): a used unit enters stock at the price paid.

`TradeBooks` (a mixin of `Books`): a phone never seen becomes a unit costed at the price paid; one
the shop sold comes back as the same unit, in stock again at the new cost, and the sale line that
sold it can no longer be returned (`no_return`). `TradeHistory` (a mixin of `gen.History`) emits
trade-ins with a small weight, paid out in cash at once; the credit taken by a later sale and the
pre-orders with deposits are tested in tests/test_trade.py, not generated here. Units only: a
quantity cannot be traded in, so the moving average never meets a trade-in.
"""

from __future__ import annotations

from storectl.money import format_money as fm


class TradeBooks:
    no_return: set  # (sale doc, line index) of units that came back as trade-ins

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
            u.status, u.store, u.cost = "in_stock", op["store"], op["price"]
            for sale in self.sales.values():
                for i, line in enumerate(sale.lines):
                    if line.unit == u.first and line.returned < line.qty:
                        self.no_return.add((sale.doc, i))
        return {"id": doc, "price": op["price"], "returning": known is not None}


class TradeHistory:
    def op_tradein(self) -> dict | None:
        from .books import PRODUCTS, SERIAL, STORES

        store = self.c.pick(sorted(STORES))
        sold = [u for u in self.books.units.values() if u.status == "sold"]
        if sold and self.c.chance(50):
            unit = self.c.pick(sold)
            sku, codes = unit.sku, list(unit.codes)
        else:
            sku = self.c.pick(sorted(SERIAL))
            codes = self.new_codes(sku)
        price = max(100, PRODUCTS[sku][6] // 2 + self.c.int(-50, 50) * 100)
        return {"op": "tradein", "store": store, "sku": sku, "codes": codes, "grade": self.c.pick("ABCD"), "price": price, "pay": "cash"}


def command(op: dict) -> list[str]:
    return ["tradein", ",".join(op["codes"]), "--sku", op["sku"], "--grade", op["grade"], "--price", fm(op["price"]),
            "--store", op["store"], "--pay", op["pay"]]


def returnable(books, sale) -> list[int]:  # noqa: ANN001
    """The indexes of a sale's lines that can still be returned (not in full, not traded back in)."""
    closed = getattr(books, "no_return", set())
    return [i for i, line in enumerate(sale.lines) if line.returned < line.qty and (sale.doc, i) not in closed]
