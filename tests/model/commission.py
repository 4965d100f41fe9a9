"""The books model learns commission (issue 20, SPEC §12): rules, referral chains, the lines a
sale earns, returns reversing exactly the returned share (also after payouts), and payouts.

`CommissionBooks` is a mixin of `Books`: `cm_earn(sale)` and `cm_reverse(sale, ret)` are called
from `Books.sell` / `Books.ret`, `commission_pay(op)` is an operation. The fixed set-up (partners,
referrals, rules) is `setup_commands()`; the figures the harness compares are
`commission_statement(earner, period)` and `commission_payable()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from storectl.money import format_money as fm

HOLD_DAYS = 7
# partner code, name, referrer
PARTNERS = [("P-WY01", "万科物业 李经理", None), ("P-ZX02", "家美装饰 装修公司", "P-WY01")]
# member phone, referrer (a partner code or a member phone): 13787654321 → 13912345678 → P-ZX02 → P-WY01
REFERRALS = [("13912345678", "P-ZX02"), ("13787654321", "13912345678")]
# scope, sku or category, role, pct (basis points), amount (cents per unit), base; rule id = index + 1
RULES = [
    ("category", "手机", "seller", 100, None, "revenue"),
    ("sku", "IP17P", "seller", None, 5000, "revenue"),
    ("category", "配件", "seller", 800, None, "profit"),
    ("all", None, "seller", 150, None, "revenue"),
    ("all", None, "ref1", 50, None, "revenue"),
    ("all", None, "ref2", None, 300, "revenue"),
    ("all", None, "ref3", 25, None, "profit"),
]
ROLES = ("seller", "ref1", "ref2", "ref3")


def half_up(num: int, den: int) -> int:
    return -half_up(-num, den) if num < 0 else (2 * num + den) // (2 * den)


def setup_commands() -> list[list[str]]:
    cmds = []
    for code, name, ref in PARTNERS:
        cmds.append(["partner", "add", code, name] + (["--referrer", ref] if ref else []))
    for phone, ref in REFERRALS:
        cmds.append(["member", "set-referrer", phone, ref])
    for scope, ref, role, pct, amount, base in RULES:
        cmd = ["commission", "rule", "add", f"--{scope}"] + ([ref] if ref else []) + ["--role", role]
        cmd += ["--pct", f"{pct / 100:g}", "--base", base] if pct is not None else ["--amount", fm(amount)]
        cmds.append(cmd)
    return cmds


@dataclass
class CmLine:
    sale: str
    line: int  # index of the sale line
    doc: str
    at: datetime
    due: date
    earner: str
    role: str
    qty: int
    base: int
    amount: int
    is_return: bool = False
    payout: str | None = None


class CommissionBooks:
    def cm_init(self) -> None:
        self.cm_lines: list[CmLine] = []
        self.cm_referrer: dict[str, str] = dict(REFERRALS)
        self.cm_referrer.update({code: ref for code, _, ref in PARTNERS if ref})
        self.cm_payouts: list[tuple[str, datetime, str, int]] = []  # doc, at, earner, amount

    # --- earning and reversing ------------------------------------------------------------

    def _cm_rule(self, sku: str, role: str):  # noqa: ANN202
        from .books import PRODUCTS

        category = PRODUCTS[sku][2]
        for scope in ("sku", "category", "all"):
            for rule in reversed(RULES):
                r_scope, ref, r_role = rule[:3]
                if r_role != role or r_scope != scope:
                    continue
                if scope == "all" or (scope == "sku" and ref == sku) or (scope == "category" and ref == category):
                    return rule
        return None

    def _cm_chain(self, customer: str | None) -> list[str]:
        out: list[str] = []
        node = customer
        while node is not None and len(out) < 3:
            node = self.cm_referrer.get(node)
            if node is not None:
                out.append(node)
        return out

    def cm_earn(self, sale) -> None:  # noqa: ANN001
        from .books import day_of

        due = day_of(sale.at) + timedelta(days=HOLD_DAYS)
        chain = self._cm_chain(sale.customer)
        for i, line in enumerate(sale.lines):
            earners = {"seller": line.staff, **dict(zip(ROLES[1:], chain))}
            for role, earner in earners.items():
                rule = self._cm_rule(line.sku, role)
                if rule is None:
                    continue
                _, _, _, pct, amount, base_kind = rule
                if amount is not None:
                    base, earned = line.amount, amount * line.qty
                else:
                    base = line.amount if base_kind == "revenue" else line.amount - line.cost
                    earned = max(0, half_up(base * pct, 10_000))
                self.cm_lines.append(CmLine(sale.doc, i, sale.doc, sale.at, due, earner, role, line.qty, base, earned))

    def cm_reverse(self, sale, ret) -> None:  # noqa: ANN001
        from .books import day_of

        returned = {i for i, *_ in ret.lines}
        for pos in [c for c in self.cm_lines if c.sale == sale.doc and not c.is_return and c.line in returned]:
            back = sale.lines[pos.line].returned
            done = [c for c in self.cm_lines if c.sale == sale.doc and c.line == pos.line and c.role == pos.role and c.is_return]
            amount = half_up(pos.amount * back, pos.qty) + sum(c.amount for c in done)
            base = half_up(pos.base * back, pos.qty) + sum(c.base for c in done)
            qty = back + sum(c.qty for c in done)
            if qty <= 0:
                continue
            due = pos.due if pos.payout is None else day_of(ret.at)
            self.cm_lines.append(CmLine(sale.doc, pos.line, ret.doc, ret.at, due, pos.earner, pos.role, -qty, -base, -amount,
                                        is_return=True))

    # --- paying ----------------------------------------------------------------------------

    def cm_payable_lines(self, earner: str) -> list[CmLine]:
        from .books import day_of

        today = day_of(self.now)
        return [c for c in self.cm_lines if c.earner == earner and c.payout is None and c.due <= today]

    def commission_pay(self, op: dict) -> dict:
        lines = self.cm_payable_lines(op["earner"])
        total = sum(c.amount for c in lines)
        assert lines and total >= 0, (op, total)
        doc = self.next_doc("CP")
        for c in lines:
            c.payout = doc
        self.cm_payouts.append((doc, self.now, op["earner"], total))
        return {"id": doc, "amount": fm(total), "lines": len(lines)}

    # --- figures ---------------------------------------------------------------------------

    def cm_kind(self, earner: str) -> str:
        from .books import STAFF

        if earner in STAFF:
            return "staff"
        return "partner" if earner in {p[0] for p in PARTNERS} else "member"

    def cm_name(self, earner: str) -> str:
        from .books import STAFF

        kind = self.cm_kind(earner)
        if kind == "staff":
            return STAFF[earner][0]
        if kind == "partner":
            return next(name for code, name, _ in PARTNERS if code == earner)
        return self.customers[earner].name

    def cm_status(self, c: CmLine) -> str:
        from .books import day_of

        if c.payout is not None:
            return "paid"
        return "payable" if c.due <= day_of(self.now) else "pending"

    def cm_earners(self) -> list[str]:
        return sorted({c.earner for c in self.cm_lines})

    def commission_statement(self, earner: str, p=None) -> dict:  # noqa: ANN001
        from .books import day_of

        lines = [c for c in self.cm_lines if c.earner == earner]
        paid = [x for x in self.cm_payouts if x[2] == earner]
        opening = 0
        if p is not None:
            opening = sum(c.amount for c in lines if day_of(c.at) < p.start) - sum(x[3] for x in paid if day_of(x[1]) < p.start)
            lines = [c for c in lines if p.holds(c.at)]
            paid = [x for x in paid if p.holds(x[1])]
        lines = sorted(lines, key=lambda c: c.at)  # stable: the order they were written in
        earned = sum(c.amount for c in lines)
        out = sum(x[3] for x in paid)
        return {
            "earner": earner, "kind": self.cm_kind(earner), "name": self.cm_name(earner), "period": p.label if p else None,
            "opening": fm(opening), "earned": fm(earned), "paid": fm(out), "closing": fm(opening + earned - out),
            "lines": [{"date": day_of(c.at).isoformat(), "doc": c.doc, "role": c.role, "amount": fm(c.amount),
                       "status": self.cm_status(c)} for c in lines],
        }

    def commission_payable(self) -> list[dict]:
        from .books import day_of

        today = day_of(self.now)
        out = []
        for earner in self.cm_earners():
            unpaid = [c for c in self.cm_lines if c.earner == earner and c.payout is None]
            if not unpaid:
                continue
            due = [c for c in unpaid if c.due <= today]
            out.append({"earner": earner, "kind": self.cm_kind(earner), "name": self.cm_name(earner),
                        "payable": fm(sum(c.amount for c in due)), "lines": len(due),
                        "pending": fm(sum(c.amount for c in unpaid if c.due > today))})
        return sorted(out, key=lambda r: (r["kind"], r["earner"]))

    def commission_month(self, start: datetime, end: datetime) -> int:
        """Commission expense of the month (the workbook's Commission sheet total)."""
        return sum(c.amount for c in self.cm_lines if start <= c.at < end)


def month_bounds() -> tuple[datetime, datetime]:
    from .books import MONTH_END, MONTH_START

    return MONTH_START, MONTH_END


def op_commission_pay(history) -> dict | None:  # noqa: ANN001
    """The generator's operation: pay an earner whose payable lines net to zero or more."""
    books = history.books
    candidates = []
    for earner in books.cm_earners():
        lines = books.cm_payable_lines(earner)
        if lines and sum(c.amount for c in lines) >= 0:
            candidates.append(earner)
    if not candidates:
        return None
    return {"op": "commission_pay", "earner": history.c.pick(candidates), "method": history.c.pick(["cash", "wechat", "transfer"])}


def compare(harness, *, full: bool = True) -> None:  # noqa: ANN001
    """Statements of every earner (all time, and the month when full) and who is owed what."""
    from .books import MONTH, period

    b = harness.books
    for earner in b.cm_earners():
        harness.check(f"commission statement {earner}", harness.cli(["commission", "statement", earner]),
                      b.commission_statement(earner))
        if full:
            harness.check(f"commission statement {earner} -p {MONTH}",
                          harness.cli(["commission", "statement", earner, "-p", MONTH]),
                          b.commission_statement(earner, period(MONTH)))
    harness.check("commission payable", harness.cli(["commission", "payable"]), b.commission_payable())
