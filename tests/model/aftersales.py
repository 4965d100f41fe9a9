"""The after-sales part of the books model (SPEC §11, issue 19): service tickets, parts, exchanges
and paid repairs, as a mixin `Books` inherits.

What it says must hold:
- a part used on a ticket under warranty leaves its store's stock at qty × the moving average and
  is warranty cost: a fact with revenue 0, no units, that cost, on its own day, in the ticket's
  store, for the staff member who opened the ticket (every report, the Sales sheet);
- an exchange sends the customer's unit back as faulty (out of every count of stock) and hands a
  unit of the same SKU from the ticket's store to the customer; replacement − faulty is warranty
  cost (negative when the replacement cost less); the original sale is untouched;
- a ticket closed with a charge is a sale S- by the opener, for the unit's customer, paid in full,
  with no points: first the parts used out of warranty, each line priced at its cost per unit while
  the charge covers it (what is left, per unit, rounded down, once it does not), then one labour
  line (SERVICE, no stock, cost 0) with the rest; the parts of a warranty ticket stay warranty cost;
- new units carry 12 months' warranty; used ones (traded in) none: the shop sells them as they are
  (`warranty.used_months 0`, set up here). So a ticket on a unit last sold used is out of warranty:
  its parts leave stock with no cost booked until the close sells them, it cannot exchange, and it
  must close with a charge. A replacement from an exchange keeps the ticket's warranty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

LABOUR = ("SERVICE", "维修服务 Repair labour", "service")  # sku, name, category


@dataclass
class Ticket:
    doc: str
    unit: str  # first code
    sku: str
    store: str
    staff: str
    customer: str | None
    status: str = "open"
    replacement: str | None = None
    warranty_cost: int = 0
    sale: str | None = None
    charge: int = 0
    under: bool = True
    paid_parts: list = field(default_factory=list)  # (sku, qty, cost) used out of warranty, in order


class AfterSales:
    """State: tickets, units handed out on exchanges (unit → (time, ticket)), paid repairs."""

    @property
    def tickets(self) -> dict[str, Ticket]:
        if "_tickets" not in self.__dict__:
            self.__dict__["_tickets"] = {}
            self.__dict__["_given"] = {}
            self.__dict__["_labour_sold"] = False
        return self.__dict__["_tickets"]

    # views the generator uses -------------------------------------------------------------

    def on_ticket(self, first: str) -> bool:
        """Whether a unit is or was on a ticket (its sale's line can no longer be returned)."""
        return any(t.unit == first or t.replacement == first for t in self.tickets.values())

    def returnable(self, sale) -> bool:  # noqa: ANN001
        return not any(line.unit is not None and line.returned < line.qty and self.on_ticket(line.unit) for line in sale.lines)

    def customer_of(self, first: str) -> str | None:
        """The customer the unit was last handed to: its latest sale, or the exchange that gave it."""
        given = self.__dict__.get("_given", {}).get(first)
        sold = [(s.at, s.customer) for s in self.sales.values() for line in s.lines if line.unit == first]
        latest = max(sold, key=lambda x: x[0]) if sold else None
        if given is not None and (latest is None or given[0] >= latest[0]):
            return self.tickets[given[1]].customer
        return latest[1] if latest else None

    def extra_products(self) -> dict[str, tuple]:
        if not self.__dict__.get("_labour_sold"):
            return {}
        sku, name, category = LABOUR
        return {sku: (name, "", category)}

    # operations -----------------------------------------------------------------------------

    def _warranty_fact(self, t: Ticket, sku: str, cost: int) -> None:
        from .books import Fact

        t.warranty_cost += cost
        self.facts.append(Fact(self.now, t.doc, t.store, t.staff, sku, None, None, 0, 0, cost, False))

    def service_open(self, op: dict) -> dict:
        """op: code, store, staff, problem."""
        u = self.unit(op["code"])
        assert u.status == "sold" and not any(t.unit == u.first and t.status != "closed" for t in self.tickets.values())
        t = Ticket(self.next_doc("SV"), u.first, u.sku, op["store"], op["staff"], self.customer_of(u.first))
        t.under = not self.sold_used(u.first)
        self.tickets[t.doc] = t
        return {"id": t.doc, "status": "open", "under_warranty": t.under, "warranty_cost": "0.00"}

    def sold_used(self, first: str) -> bool:
        """Whether the unit was last handed over by a sale of it used (no warranty), not by an exchange."""
        given = self.__dict__.get("_given", {}).get(first)
        sold = [s.at for s in self.sales.values() for line in s.lines if line.unit == first]
        if given is not None and (not sold or given[0] >= max(sold)):
            return False
        return first in self._trade()["used"]

    def service_part(self, op: dict) -> dict:
        """op: doc, qtys {sku: n} in stock at the ticket's store."""
        from storectl.money import format_money as fm

        t = self.tickets[op["doc"]]
        assert t.status != "closed"
        for sku, qty in op["qtys"].items():
            assert self.level_qty(t.store, sku) >= qty
            self.levels[(t.store, sku)] -= qty
            if t.under:
                self._warranty_fact(t, sku, qty * self.avg[sku])
            else:  # paid: its cost is booked when the close sells it
                t.paid_parts.append((sku, qty, qty * self.avg[sku]))
        return {"id": t.doc, "warranty_cost": fm(t.warranty_cost)}

    def service_exchange(self, op: dict) -> dict:
        """op: doc, code (the replacement, in stock at the ticket's store, same SKU)."""
        from storectl.money import format_money as fm

        t = self.tickets[op["doc"]]
        old, new = self.units[t.unit], self.unit(op["code"])
        assert t.status != "closed" and t.replacement is None and old.status == "sold" and t.under
        assert new.status == "in_stock" and new.store == t.store and new.sku == t.sku
        old.status, old.store = "faulty", t.store
        new.status = "sold"
        t.replacement = new.first
        self.__dict__["_given"][new.first] = (self.now, t.doc)
        self._warranty_fact(t, new.sku, new.cost - old.cost)
        return {"id": t.doc, "warranty_cost": fm(t.warranty_cost), "replacement": new.first}

    def service_close(self, op: dict) -> dict:
        """op: doc, charge (cents) or None, pay [[method, cents]]."""
        from storectl.money import format_money as fm

        from .books import Fact

        t = self.tickets[op["doc"]]
        assert t.status != "closed"
        t.status = "closed"
        assert op.get("charge") is not None or not t.paid_parts
        if op.get("charge") is not None:
            assert sum(c for _, c in op["pay"]) == op["charge"]
            t.sale, t.charge = self.next_doc("S"), op["charge"]
            self.__dict__["_labour_sold"] = True
            left = t.charge
            for i, (sku, qty, cost) in enumerate(t.paid_parts):
                price = min(cost // qty, left // qty)
                left -= price * qty
                self.facts.append(Fact(self.now, t.sale, t.store, t.staff, sku, t.customer, None, qty, price * qty, cost, True, i == 0))
            self.facts.append(Fact(self.now, t.sale, t.store, t.staff, LABOUR[0], t.customer, None, 1, left, 0, True,
                                   not t.paid_parts))
        return {"id": t.doc, "status": "closed", "warranty_cost": fm(t.warranty_cost), "sale": t.sale,
                "charge": fm(t.charge) if t.sale else None}

    def service_figures(self, start: datetime, end: datetime) -> dict:
        """The month's warranty cost (the Service sheet's total) and its rows."""
        rows = [f for f in self.facts if not f.is_sale and f.sale.startswith("SV-") and start <= f.at < end]
        return {"rows": len(rows), "cost": sum(f.cost for f in rows)}


# --- the generator's side (gen.History calls these) ---------------------------------------------


def service_command(op: dict) -> list[str] | None:
    """The storectl arguments of an after-sales operation (None: not one of them)."""
    from storectl.money import format_money as fm

    kind = op["op"]
    if kind == "service_open":
        return ["service", "open", op["code"], "--problem", op["problem"], "--store", op["store"], "--staff", op["staff"]]
    if kind == "service_part":
        return ["service", "part", op["doc"], *[f"{sku}:{n}" for sku, n in op["qtys"].items()]]
    if kind == "service_exchange":
        return ["service", "exchange", op["doc"], op["code"]]
    if kind == "service_close":
        cmd = ["service", "close", op["doc"]]
        if op.get("charge") is not None:
            cmd += ["--charge", fm(op["charge"])] + [f"--pay={m}={fm(c)}" for m, c in op["pay"]]
        return cmd
    return None


PROBLEMS = ["屏幕碎裂", "不开机", "电池鼓包", "进水", "充电口接触不良", "开箱即损 DOA"]


def add_used_unit(h, store: str, units: list[str]) -> None:  # noqa: ANN001
    """A sale often takes a used (traded-in) unit in stock at `store`: sold as it is, later a paid repair."""
    used = h.books._trade()["used"]
    have = {h.books.unit(code).first for code in units}
    spare = [u.first for u in h.books.units.values() if u.status == "in_stock" and u.store == store and u.first in used
             and u.first not in have]
    if spare and h.c.chance(50):
        units.append(h.code_for(h.c.pick(spare)))


def setup_commands() -> list[list[str]]:
    return [["config", "set", "warranty.used_months", "0"]]  # used phones sold as they are (二手机不保修)


def op_service_open(h) -> dict | None:  # noqa: ANN001
    b = h.books
    sold = [u.first for u in b.units.values() if u.status == "sold" and not any(
        t.unit == u.first and t.status != "closed" for t in b.tickets.values())]
    if not sold:
        return None
    used = [first for first in sold if b.sold_used(first)]
    if used and h.c.chance(70):  # out of warranty: a paid repair
        sold = used
    with_parts = sorted(s for s in ("SZ01", "SZ02", "GZ01") if h.qty_at(s))
    store = h.c.pick(with_parts if with_parts and h.c.chance(70) else sorted({"SZ01", "SZ02", "GZ01"}))
    from .books import STAFF

    staff = h.c.pick([code for code, (_, home) in STAFF.items() if home == store] or list(STAFF))
    return {"op": "service_open", "code": h.code_for(h.c.pick(sold)), "store": store, "staff": staff, "problem": h.c.pick(PROBLEMS)}


def _open(h) -> list:  # noqa: ANN001
    return [t for t in h.books.tickets.values() if t.status != "closed"]


def op_service_part(h) -> dict | None:  # noqa: ANN001
    tickets = [t for t in _open(h) if h.qty_at(t.store)]
    if not tickets:
        return None
    paid = [t for t in tickets if not t.under]
    if paid and h.c.chance(70):  # a repair out of warranty mostly needs a part
        tickets = paid
    t = h.c.pick(tickets)
    have = h.qty_at(t.store)
    sku = h.c.pick(sorted(have))
    return {"op": "service_part", "doc": t.doc, "qtys": {sku: h.c.int(1, min(2, have[sku]))}}


def op_service_exchange(h) -> dict | None:  # noqa: ANN001
    b = h.books
    choices = []
    for t in _open(h):
        if t.replacement is None and b.units[t.unit].status == "sold" and t.under:
            spare = [u.first for u in b.units.values() if u.status == "in_stock" and u.store == t.store and u.sku == t.sku]
            if spare:
                choices.append((t, spare))
    if not choices:
        return None
    t, spare = h.c.pick(choices)
    return {"op": "service_exchange", "doc": t.doc, "code": h.code_for(h.c.pick(spare))}


def op_service_close(h) -> dict | None:  # noqa: ANN001
    tickets = _open(h)
    if tickets and h.c.chance(70):  # a repair out of warranty mostly waits for its part before it closes
        tickets = [t for t in tickets if t.under or t.paid_parts]
    if not tickets:
        return None
    t = h.c.pick(tickets)
    op = {"op": "service_close", "doc": t.doc}
    parts = sum(cost for _, _, cost in t.paid_parts)
    if t.paid_parts or h.c.chance(30):
        charge = h.c.int(50, 300) * 100 + h.c.pick([0, 50])
        if t.paid_parts:  # the parts at cost and labour; now and then a charge short of the parts
            charge = h.c.int(1, parts) if h.c.chance(25) else parts + charge
        op["charge"], op["pay"] = charge, [[h.c.pick(["cash", "wechat", "alipay"]), charge]]
    return op


WEIGHTS = [("op_service_open", 1), ("op_service_part", 2), ("op_service_exchange", 1), ("op_service_close", 1)]
