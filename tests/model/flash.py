"""Flash sales in the books model (SPEC §14, `storectl/services/promo/flash.py`).

`price set SKU AMOUNT --from D --until D --quota N [--per-member K] [--customer|--group|--level]`
appends a rule newer than every rule of the set-up. Within its scope the newest valid rule wins; a
flash rule only while it still has the line's whole quantity left (and, with --per-member, only
for a member with that many of their K left): otherwise the next valid rule of the scope (the
set-up's), and when the scope has none, the next scope (customer, group, level, list). A list
flash price is the price: no level discount on top. Rule names: `flash`, `flash:group:批发`, …

What counts: every line sold at the flash price, at the sale, and every line of a pre-order
agreed at it (`order add`), for good: a return or a cancelled order gives nothing back (the
product's choice: the quota is "the first N units sold at the price"). Manual prices never count.

`FlashHistory` (a mixin of `gen.History`) sets flash sales now and then, mostly on a SKU the
shop has in stock, from today for a few days, so that sales meet them and run them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from storectl.money import format_money as fm


@dataclass
class Flash:
    sku: str
    scope: str
    ref: str
    price: int
    start: date
    end: date
    quota: int
    per_member: int | None
    sold: int = 0
    taken: dict = field(default_factory=dict)  # customer -> units at the flash price (per-member rules)

    @property
    def label(self) -> str:
        return "flash" if self.scope == "list" else f"flash:{self.scope}:{self.ref}"


class FlashBooks:
    def flash_rules(self) -> list[Flash]:
        return self.__dict__.setdefault("_flash_rules", [])

    def flash_set(self, op: dict) -> dict:
        r = Flash(op["sku"], op["scope"], op["ref"], op["price"], date.fromisoformat(op["from"]), date.fromisoformat(op["until"]),
                  op["quota"], op.get("per_member"))
        self.flash_rules().append(r)
        return {"rule": r.label, "price": fm(r.price), "from": op["from"], "until": op["until"], "quota": r.quota, "sold": 0,
                "per_member": r.per_member}

    def _flash_available(self, r: Flash, c, qty: int) -> bool:  # noqa: ANN001
        if r.sold + qty > r.quota:
            return False
        if r.per_member is None:
            return True
        return c is not None and c.is_member and r.taken.get(c.code, 0) + qty <= r.per_member

    def flash_price(self, sku: str, scope: str, ref: str, c, qty: int, claim: bool) -> tuple[int, str] | None:  # noqa: ANN001
        """The newest valid flash rule of the scope that still holds `qty` for buyer `c` (None: the next rule)."""
        today = self.now.date()
        for r in reversed(self.flash_rules()):
            if (r.sku, r.scope, r.ref) != (sku, scope, ref) or not r.start <= today <= r.end:
                continue
            if self._flash_available(r, c, qty):
                if claim:
                    r.sold += qty
                    if r.per_member is not None:
                        r.taken[c.code] = r.taken.get(c.code, 0) + qty
                return r.price, r.label
        return None

    def flash_save(self) -> list:
        return [(r.sold, dict(r.taken)) for r in self.flash_rules()]

    def flash_restore(self, saved: list) -> None:
        for r, (sold, taken) in zip(self.flash_rules(), saved):
            r.sold, r.taken = sold, taken

    def flash_listing(self, sku: str) -> list[dict]:
        """`price list --sku SKU`'s flash rows, newest first: counted units and whether in force today."""
        today = self.now.date()
        out = []
        rules = self.flash_rules()
        for r in reversed(rules):
            if r.sku != sku:
                continue
            valid = r.start <= today <= r.end
            winner = next((x for x in reversed(rules) if (x.sku, x.scope, x.ref) == (r.sku, r.scope, r.ref)
                           and x.start <= today <= x.end and x.sold < x.quota), None)
            out.append({"rule": r.label, "price": fm(r.price), "quota": r.quota, "sold": r.sold, "per_member": r.per_member,
                        "valid_today": valid, "in_force": valid and winner is r})
        return out


# --- the generator's side -----------------------------------------------------------------------

SCOPES = [("list", "")] * 8 + [("group", "批发")] * 2 + [("level", "金卡"), ("level", "银卡"), ("customer", "C001"), ("customer", "C002")]


class FlashHistory:
    def op_flash_set(self) -> dict:
        from .books import PRODUCTS

        in_stock = sorted({u.sku for u in self.books.units.values() if u.status == "in_stock"} |
                          {sku for (_, sku), q in self.books.levels.items() if q > 0})
        sku = self.c.pick(in_stock if in_stock and self.c.chance(90) else sorted(PRODUCTS))
        scope, ref = self.c.pick(SCOPES)
        price = PRODUCTS[sku][3] * self.c.int(60, 90) // 10_000 * 100  # whole yuan
        start = self.now.date() + timedelta(days=0 if self.c.chance(85) else 1)
        quota = self.c.int(1, 4)
        op = {"op": "flash_set", "sku": sku, "scope": scope, "ref": ref, "price": price, "from": start.isoformat(),
              "until": (start + timedelta(days=self.c.int(1, 5))).isoformat(), "quota": quota}
        if self.c.chance(30):
            op["per_member"] = self.c.int(1, min(2, quota))
        return op

    def flash_items(self, store: str, units: list[str], qtys: dict[str, int]) -> None:
        """A sale while a flash sale runs often takes its SKU (in stock at `store`): add one such item."""
        today = self.now.date()
        live = sorted({r.sku for r in self.books.flash_rules() if r.start <= today <= r.end})
        if not live or not self.c.chance(60):
            return
        sku = self.c.pick(live)
        have = {self.books.unit(code).first for code in units}
        spare = [u.first for u in self.books.units.values() if u.status == "in_stock" and u.store == store and u.sku == sku
                 and u.first not in have]
        left = self.books.level_qty(store, sku) - qtys.get(sku, 0)
        if spare:
            units.append(self.code_for(self.c.pick(spare)))
        elif left > 0 and sku not in qtys:
            qtys[sku] = self.c.int(1, min(left, 3))


WEIGHTS = [("op_flash_set", 2)]


def command(op: dict) -> list[str]:
    cmd = ["price", "set", op["sku"], fm(op["price"]), "--from", op["from"], "--until", op["until"], "--quota", str(op["quota"])]
    if op.get("per_member"):
        cmd += ["--per-member", str(op["per_member"])]
    if op["scope"] != "list":
        cmd += [f"--{op['scope']}", op["ref"]]
    return cmd


def compare(harness) -> None:  # noqa: ANN001
    """The flash rules' counters and whether each is in force, as `price list --sku` shows them."""
    b = harness.books
    for sku in sorted({r.sku for r in b.flash_rules()}):
        got = [r for r in harness.cli(["price", "list", "--sku", sku]) if "quota" in r]
        harness.check(f"price list --sku {sku} (flash rules)", got, b.flash_listing(sku))
