"""`storectl tradein` (buy a used unit from a customer) and `storectl tradeins list|show`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from storectl.cli.common import JsonOpt, counter, emit, guard, read, write
from storectl.output import console, money, table, when
from storectl.services.till.payments import METHODS

tradein_app = typer.Typer(help="Buy a used unit from a customer (回收 / 以旧换新).")
app = typer.Typer(no_args_is_help=True, help="Trade-ins: list and show.")


def _one(r: dict) -> None:
    out = console()
    codes = ",".join(r["codes"].values())
    paid = f"paid out by {r['paid']}" if r["paid"] else (f"credit used on {r['used_on']}" if r["used_on"] else "credit to take on a sale")
    out.print(f"trade-in [bold]{r['id']}[/]  {when(r['at'])}  {r['store']}")
    out.print(f"  {r['sku']} {codes}")
    out.print(f"  grade {r['grade']} ({r['condition']}), price {money(r['price'])}: {paid}")
    if r.get("customer"):
        out.print(f"  from customer {r['customer']}")
    if r.get("returning"):
        out.print("  sold here before; its story: storectl sn show " + next(iter(r["codes"].values())))
    if r["credit"] and not r["used_on"]:
        out.print(f"  next: storectl sell ITEMS… --tradein {r['id']} --pay METHOD=REST")


@tradein_app.command("tradein")
def tradein(
    codes: Annotated[str, typer.Argument(metavar="CODES", help="The unit's codes, e.g. IMEI1,IMEI2,SN.")],
    sku: Annotated[str, typer.Option("--sku", help="What it is (its code kinds are checked).")] = ...,
    grade: Annotated[str, typer.Option("--grade", metavar="A|B|C|D", help="Its state: A like new … D heavily worn.")] = ...,
    price: Annotated[str, typer.Option("--price", metavar="AMOUNT", help="What the shop pays: the unit's cost.")] = ...,
    customer: Annotated[Optional[str], typer.Option("--customer", help="Customer code or member phone.")] = None,
    store: Annotated[Optional[str], typer.Option("--store", help="Store code (default: the operator's store).")] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Who took it in (default: the operator).")] = None,
    pay: Annotated[Optional[str], typer.Option("--pay", metavar="METHOD", help=f"Pay out now: {', '.join(METHODS)}; without it, a credit for one sale.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Buy a used unit: into stock at the price paid, as used-GRADE; prints the TI- id.

    Example: storectl tradein 356938035643809,356938035643817,F2LXK0AAPL --sku IP15 --grade B --price 2800 --customer C002
    """
    from storectl.money import parse_money
    from storectl.services.till.payments import parse_method
    from storectl.services.trade import tradeins

    with guard(json_):
        cents = parse_money(price, what="--price")
        method = parse_method(pay) if pay is not None else None
        store, staff = counter(store, staff, want_staff=False, example="storectl tradein CODES --store SZ01 …")
        with write() as s:
            result = tradeins.trade_in(s, codes=codes, sku=sku, grade=grade, price_cents=cents, store=store, staff=staff,
                                       customer=customer, pay_method=method)
        emit(result, json_, _one)


@app.command("list")
def list_(
    open_: Annotated[bool, typer.Option("--open", help="Only credits not yet used on a sale.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Trade-ins, oldest first.

    Example: storectl tradeins list --open
    """
    from storectl.services.trade import tradeins

    with guard(json_):
        with read() as s:
            rows = tradeins.list_tradeins(s, open_only=open_)
        emit(rows, json_, lambda rs: table(
            "trade-ins", ["id", "day", "store", "sku", "unit", "grade", "price", "money"],
            [(r["id"], r["at"][:10], r["store"], r["sku"], next(iter(r["codes"].values()), ""), r["grade"], money(r["price"]),
              r["paid"] or (r["used_on"] or "credit")) for r in rs],
            right=["price"]))


@app.command("show")
def show(
    doc: Annotated[str, typer.Argument(help="Trade-in id, e.g. TI-000001.")],
    json_: JsonOpt = False,
) -> None:
    """One trade-in: the unit, its grade, the price and how it was paid.

    Example: storectl tradeins show TI-000001
    """
    from storectl.services.trade import tradeins

    with guard(json_):
        with read() as s:
            result = tradeins.show(s, doc)
        emit(result, json_, _one)
