"""The books model's coupons (issue 22, SPEC §14): templates, members' instances, the discount
spread over eligible lines by largest remainder (each line's revenue net of it), returns refunding
what was paid for a line, coupons back on a full return, and `report coupons`.

Instances are named by handles (`MJ100#3`) in the operations; the harness learns the product's
real 8-character code from `coupon issue` and puts it in `CODES`, which `gen.command` reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from storectl.money import format_money as fm

# (code, name, amount, min_spend, pct_bp, max_off, category, valid_days, stackable)
COUPONS = [
    ("MJ100", "满1000减100", 10000, 100000, 0, 0, None, 5, False),
    ("PJ10", "配件九折", 0, 0, 1000, 2000, "配件", 10, True),
    ("LJ5", "立减5元", 500, 0, 0, 0, None, 3, True),
]
CODES: dict[str, str] = {}  # handle -> the product's instance code (the harness fills it)
# check-in rules that issue a coupon (`points rule add --every N [--points P] --coupon CODE`): every, points, coupon
CHECKIN_COUPONS = [(1, None, "LJ5"), (2, 10, "PJ10")]


def setup_commands() -> list[list[str]]:
    cmds = []
    for code, name, amount, min_spend, pct, max_off, category, days, stackable in COUPONS:
        cmd = ["coupon", "add", code, name]
        cmd += ["--amount", fm(amount)] + (["--min-spend", fm(min_spend)] if min_spend else []) if amount else \
               ["--pct", f"{pct / 100:g}"] + (["--max-off", fm(max_off)] if max_off else [])
        cmd += (["--category", category] if category else []) + ["--valid-days", str(days)] + (["--stackable"] if stackable else [])
        cmds.append(cmd)
    for every, points, code in CHECKIN_COUPONS:
        cmds.append(["points", "rule", "add", "--every", str(every)] + (["--points", str(points)] if points else []) + ["--coupon", code])
    return cmds


@dataclass
class Instance:
    handle: str
    coupon: str
    customer: str
    issued: date
    expires: date
    used: str | None = None


def spread(off: int, amounts: list[int]) -> list[int]:
    """Largest remainder, ties to the earlier line (written again here, from the rule)."""
    base = sum(amounts)
    if base <= 0:
        return [0] * len(amounts)
    shares = [off * a // base for a in amounts]
    rest = off - sum(shares)
    order = sorted(range(len(amounts)), key=lambda i: (-(off * amounts[i] % base), i))
    for i in order[:rest]:
        shares[i] += 1
    return shares


class CouponBooks:
    """Mixed into `Books`: `coupon_issue` (an operation), the plan a sale uses, the report."""

    def coupons_init(self) -> None:
        self.templates = {c[0]: c for c in COUPONS}
        self.instances: dict[str, Instance] = {}
        self.sale_coupons: list[tuple[str, str, str, int, bool]] = []  # sale doc, handle, coupon, off, given back

    def coupon_issue(self, op: dict) -> str:
        code = op["coupon"]
        n = sum(1 for i in self.instances.values() if i.coupon == code) + 1
        handle = f"{code}#{n}"
        today = self.now.date()
        self.instances[handle] = Instance(handle, code, op["phone"], today, today + timedelta(days=self.templates[code][7] - 1))
        return handle

    def checkin_coupons(self, customer: str, streak: int) -> tuple[int, list[str]]:
        """What the coupon rules give a check-in on streak day `streak`: their points, the instances issued."""
        points, handles = 0, []
        for every, pts, code in sorted(CHECKIN_COUPONS, key=lambda r: r[0]):
            if streak % every == 0:
                points += pts or 0
                handles.append(self.coupon_issue({"coupon": code, "phone": customer}))
        return points, handles

    def category_of(self, sku: str) -> str:
        from .books import PRODUCTS

        return PRODUCTS[sku][2]

    def open_coupons(self, customer: str | None) -> list[str]:
        today = self.now.date()
        return [h for h, i in self.instances.items() if i.customer == customer and i.used is None and i.expires >= today]

    def coupon_plan(self, handles: list[str], lines: list) -> list[tuple[str, int]]:
        """Set each line's `discount`; (handle, off) in the order applied. Asserts the sale is valid."""
        taken = [self.instances[h] for h in handles]
        assert sum(1 for i in taken if not self.templates[i.coupon][8]) <= 1
        taken.sort(key=lambda i: 0 if self.templates[i.coupon][4] else 1)
        out = []
        for inst in taken:
            _, _, amount, min_spend, pct, max_off, category, _, _ = self.templates[inst.coupon]
            eligible = [l for l in lines if category is None or self.category_of(l.sku) == category]
            assert eligible and sum(l.price * l.qty for l in eligible) >= min_spend
            net = [l.price * l.qty - l.discount for l in eligible]
            base = sum(net)
            off = min((base * pct * 2 + 10_000) // 20_000, max_off or base) if pct else min(amount, base)
            assert off > 0
            for line, share in zip(eligible, spread(off, net)):
                line.discount += share
            out.append((inst.handle, off))
        return out

    def coupons_used(self, doc: str, taken: list[tuple[str, int]]) -> None:
        for handle, off in taken:
            inst = self.instances[handle]
            assert inst.used is None
            inst.used = doc
            self.sale_coupons.append([doc, handle, inst.coupon, off, False])

    def coupons_back(self, doc: str) -> None:
        """The sale was returned in full: its unexpired coupons can be used again."""
        today = self.now.date()
        for row in self.sale_coupons:
            inst = self.instances[row[1]]
            if row[0] == doc and not row[4] and inst.expires >= today:
                inst.used, row[4] = None, True

    def report_coupons(self, p) -> dict:  # noqa: ANN001
        today = self.now.date()
        rows, sales = [], {}
        for code, name, *_ in sorted(COUPONS):
            mine = [r for r in self.sale_coupons if r[2] == code and p.holds(self.sales[r[0]].at)]
            row = {
                "code": code, "name": name,
                "issued": sum(1 for i in self.instances.values() if i.coupon == code and p.start <= i.issued < p.end),
                "used": len(mine),
                "expired": sum(1 for i in self.instances.values() if i.coupon == code and i.used is None
                               and p.start <= i.expires < p.end and i.expires < today),
                "discount": fm(sum(r[3] for r in mine)),
                "revenue": fm(sum({r[0]: self.sales[r[0]].total for r in mine}.values())),
            }
            for r in mine:
                sales[r[0]] = self.sales[r[0]].total
            if row["issued"] or row["used"] or row["expired"]:
                rows.append(row)
        total = {"issued": sum(r["issued"] for r in rows), "used": sum(r["used"] for r in rows),
                 "expired": sum(r["expired"] for r in rows),
                 "discount": fm(sum(r[3] for r in self.sale_coupons if p.holds(self.sales[r[0]].at))),
                 "sales": len(sales), "revenue": fm(sum(sales.values()))}
        return {"period": p.label, "coupons": rows, "total": total}
