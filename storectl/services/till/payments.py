"""How customers pay: the payment methods, parsing `METHOD=AMOUNT`, and a sale's settlement.

Sales, returns (refunds) and receivables (customer payments) take their methods from here, and
the command-line help is built from `METHODS`, so a new method is one line.

`settle` is the money arithmetic of a sale, a pure function: money payments plus the value of
redeemed points must cover the total; only cash may be more than what is due (the difference is
the change, and the sale keeps the cash actually taken); with credit the rest is owed.
"""

from __future__ import annotations

from dataclasses import dataclass

from storectl.errors import invalid
from storectl.money import format_money, parse_money

METHODS = ("cash", "card", "wechat", "alipay", "transfer")


def parse_method(text: str) -> str:
    method = (text or "").strip().lower()
    if method not in METHODS:
        raise invalid(f"unknown payment method {text.strip()!r}" if method else "the payment method is empty", "one of: " + ", ".join(METHODS))
    return method


def parse_payment(text: str) -> tuple[str, int]:
    """'cash=100' -> ('cash', 10000)."""
    method, sep, amount = (text or "").partition("=")
    if not sep:
        raise invalid(f"--pay {text!r} is not METHOD=AMOUNT", "e.g. --pay cash=4999 --pay wechat=1000")
    return parse_method(method), parse_money(amount, allow_zero=False, what=f"payment by {method.strip() or '?'}")


def tendered(payments: list[tuple[str, int]]) -> dict[str, int]:
    """Payments summed per method (each more than zero), in the order first given."""
    out: dict[str, int] = {}
    for method, cents in payments:
        method = parse_method(method)
        if cents <= 0:
            raise invalid(f"payment {method}={format_money(cents)} must be more than zero", "e.g. --pay cash=100")
        out[method] = out.get(method, 0) + cents
    return out


@dataclass(frozen=True)
class Settlement:
    payments: dict[str, int]  # what the shop keeps per method (cash net of change)
    tendered: int  # what was handed over
    change: int  # cash handed back
    paid: int  # tendered − change
    due: int  # left owing (credit sales only)


def settle(total: int, points_value: int, payments: dict[str, int], *, on_credit: bool, has_customer: bool) -> Settlement:
    """Settle a sale of `total` cents of which `points_value` is paid in points."""
    money_due = total - points_value
    handed = sum(payments.values())
    kept = dict(payments)
    change = 0
    if handed > money_due:
        change = handed - money_due
        if change > kept.get("cash", 0):
            raise invalid(
                f"payments of {format_money(handed)} are more than the {format_money(money_due)} due; only cash can be overpaid",
                f"pay exactly {format_money(money_due)}",
            )
        kept["cash"] -= change
        if kept["cash"] == 0:
            del kept["cash"]
    paid = handed - change
    due = money_due - paid
    if on_credit and not has_customer:
        raise invalid("--on-credit needs a customer who will owe the rest", "add --customer CODE")
    if due > 0 and not on_credit:
        raise invalid(
            f"payments of {format_money(paid)} do not cover the {format_money(money_due)} due: {format_money(due)} missing",
            f"add --pay cash={format_money(due)}" + (" or --on-credit" if has_customer else ", or --customer CODE --on-credit"),
        )
    return Settlement(payments=kept, tendered=handed, change=change, paid=paid, due=due)
