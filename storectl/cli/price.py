"""`storectl price …`: list prices and prices per customer, group or member level."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from storectl.cli.common import WHOLE, JsonOpt, in_range, emit, guard, notice, read, write
from storectl.output import money, table, when

app = typer.Typer(no_args_is_help=True, help="List prices and prices per customer, group or level.")

_RULE_COLUMNS = ["sku", "rule", "price", "from", "until", "in force", "set at", "by"]


def _rule_rows(rows: list[dict]):
    return [
        (r["sku"], r["rule"], money(r["price"]), r["from"] or "", r["until"] or "",
         "yes" if r["in_force"] else ("valid" if r["valid_today"] else "no"), when(r["created_at"]), r["operator"])
        for r in rows
    ]


@app.command("set")
def set_(
    sku: Annotated[str, typer.Argument(help="SKU.")],
    amount: Annotated[str, typer.Argument(help="Price per unit, e.g. 8999 or 4,999.50.")],
    customer: Annotated[Optional[str], typer.Option("--customer", help="Only for this customer (code or member phone).")] = None,
    group: Annotated[Optional[str], typer.Option("--group", help="Only for this customer group, e.g. 批发.")] = None,
    level: Annotated[Optional[str], typer.Option("--level", help="Only for this member level.")] = None,
    from_: Annotated[Optional[str], typer.Option("--from", help="First day it holds (YYYY-MM-DD).")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Last day it holds, inclusive.")] = None,
    quota: Annotated[Optional[int], typer.Option("--quota", parser=WHOLE, help="Flash sale: the price holds for the first N units.")] = None,
    per_member: Annotated[Optional[int], typer.Option("--per-member", parser=WHOLE, help="Flash sale: at most K units per member (members only).")] = None,
    json_: JsonOpt = False,
) -> None:
    """Set a price (manager only): a list price, or one for a customer, group or level.

    Example: storectl price set IP17P 8699 --group 批发 --from 2026-11-01 --until 2026-11-30
    Flash sale: storectl price set IP17P 7999 --from 2026-12-12 --until 2026-12-12 --quota 20 --per-member 1
    """
    from storectl.money import parse_money
    from storectl.periods import parse_date
    from storectl.services.till import pricing

    with guard(json_):
        cents = parse_money(amount, what="price")
        start = parse_date(from_) if from_ is not None else None
        end = parse_date(until) if until is not None else None
        with write(manager=True) as s:
            result = pricing.set_price(
                s, sku=sku, price_cents=cents, customer=customer, group=group, level=level, valid_from=start, valid_until=end,
                quota=quota, per_member=per_member,
            )
        emit(result, json_, lambda r: notice(
            f"{r['sku']} {r['rule']}: {money(r['price'])}"
            + (f" from {r['from']}" if r["from"] else "") + (f" until {r['until']}" if r["until"] else "")
            + (f", first {r['quota']} units" + (f", {r['per_member']} per member" if r["per_member"] else "") if r.get("quota") else "")
        ))


@app.command("quote")
def quote(
    sku: Annotated[str, typer.Argument(help="SKU.")],
    customer: Annotated[Optional[str], typer.Option("--customer", help="Customer code or member phone.")] = None,
    qty: Annotated[int, typer.Option("--qty", parser=WHOLE, help="Quantity.")] = 1,
    coupon: Annotated[Optional[list[str]], typer.Option("--coupon", help="A member's coupon code (several allowed): what it takes off.")] = None,
    json_: JsonOpt = False,
) -> None:
    """The price a customer pays today, and the rule that gives it.

    Example: storectl price quote IP17P --customer C001
    With coupons: storectl price quote IP17P --customer 13800138000 --coupon K7M3QX9A
    """
    from storectl.services.till import pricing

    with guard(json_):
        in_range(qty, "--qty", 1, 1_000_000)
        with read() as s:
            result = pricing.quote(s, sku=sku, customer=customer, qty=qty, coupons=list(coupon or []))

        def human(r: dict) -> None:
            extra = f" × {r['qty']} = {money(r['amount'])}" if r["qty"] != 1 or r.get("coupons") else ""
            who = f" for {r['customer']}" if r["customer"] else ""
            typer.echo(f"{r['sku']}{who}: {money(r['price'])}{extra}  ({r['rule']})")
            for c in r.get("coupons", []):
                typer.echo(f"  coupon {c['code']} {c['name']}: -{money(c['off'])}")

        emit(result, json_, human)


@app.command("list")
def list_(
    sku: Annotated[Optional[str], typer.Option("--sku", help="Only this SKU.")] = None,
    customer: Annotated[Optional[str], typer.Option("--customer", help="Only rules that can apply to this customer.")] = None,
    json_: JsonOpt = False,
) -> None:
    """List price rules, newest first per SKU.

    Example: storectl price list --customer C001
    """
    from storectl.services.till import pricing

    with guard(json_):
        with read() as s:
            rows = pricing.list_rules(s, sku=sku, customer=customer)
        emit(rows, json_, lambda rs: table("price rules", _RULE_COLUMNS, _rule_rows(rs), right=["price"]))


@app.command("history")
def history(
    sku: Annotated[str, typer.Argument(help="SKU.")],
    json_: JsonOpt = False,
) -> None:
    """Every price ever set for a SKU, oldest first.

    Example: storectl price history IP17P
    """
    from storectl.services.till import pricing

    with guard(json_):
        with read() as s:
            rows = pricing.history(s, sku)
        emit(rows, json_, lambda rs: table(f"price history of {sku.strip()}", _RULE_COLUMNS, _rule_rows(rs), right=["price"]))
