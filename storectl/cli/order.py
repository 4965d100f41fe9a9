"""`storectl order add|complete|cancel|list|show`: pre-orders with a deposit (定金), then the balance (尾款)."""

from __future__ import annotations

from typing import Annotated, List, Optional

import typer

from storectl.cli.common import JsonOpt, counter, emit, guard, read, write
from storectl.output import console, money, table, when
from storectl.services.till.payments import METHODS

app = typer.Typer(no_args_is_help=True, help="Pre-orders: reserve stock against a deposit, then sell or cancel.")

OrderArg = Annotated[str, typer.Argument(help="Order id, e.g. SO-000001.")]


def _one(r: dict) -> None:
    out = console()
    out.print(f"pre-order [bold]{r['id']}[/]  {when(r['at'])}  {r['store']}  staff {r['staff']}  customer {r['customer']}")
    out.print(f"  status {r['status']}" + (f", held until {r['until']}" if r["until"] else "")
              + (", [bold]overdue[/]: complete or cancel it" if r.get("overdue") else "")
              + (f", sold as {r['sale']}" if r["sale"] else ""))
    for line in r["lines"]:
        out.print(f"  {line['sku']} {line['unit'] or ''} {line['qty']} × {money(line['price'])}")
    out.print(f"  total {money(r['total'])}, deposit {money(r['deposit'])}" + (f", to pay {money(r['due'])}" if r["status"] == "open" else ""))
    for p in r["payments"]:
        out.print(f"  {when(p['at'])}  {p['kind']} {p['method']} {money(p['amount'])} by {p['staff']}")
    if r["status"] == "open":
        out.print(f"  next: storectl order complete {r['id']} --pay METHOD={r['due']}")


@app.command("add")
def add(
    items: Annotated[List[str], typer.Argument(help="Unit codes (IMEI/SN) or SKU[:QTY].", show_default=False)],
    customer: Annotated[str, typer.Option("--customer", help="Customer code or member phone.")] = ...,
    deposit: Annotated[str, typer.Option("--deposit", metavar="METHOD=AMOUNT", help=f"The deposit taken now: {', '.join(METHODS)}.")] = ...,
    until: Annotated[Optional[str], typer.Option("--until", metavar="DATE", help="The last day the goods are held (YYYY-MM-DD).")] = None,
    store: Annotated[Optional[str], typer.Option("--store", help="Store code (default: the operator's store).")] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Who took the deposit (default: the operator).")] = None,
    price: Annotated[Optional[List[str]], typer.Option("--price", metavar="ITEM=AMOUNT", help="An agreed price per item.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Reserve units (and promise quantities) for a customer against a deposit; prints the SO- id.

    Example: storectl order add 356938035643809 --customer 13800138000 --deposit wechat=1000 --until 2026-12-10
    """
    from storectl.services.till.payments import parse_payment
    from storectl.services.till.sales import parse_price_override
    from storectl.services.trade import orders

    with guard(json_):
        held = parse_payment(deposit)
        overrides = [parse_price_override(p) for p in price or []]
        store, staff = counter(store, staff, want_staff=True, example="storectl order add ITEMS… --store SZ01 --staff E002 …")
        with write() as s:
            result = orders.add(s, items=list(items), customer=customer, deposit=held, store=store, staff=staff, until=until,
                                prices=overrides)
        emit(result, json_, _one)


@app.command("complete")
def complete(
    order: OrderArg,
    pay: Annotated[Optional[List[str]], typer.Option("--pay", metavar="METHOD=AMOUNT", help=f"The balance: {', '.join(METHODS)}.")] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Who takes the balance and makes the sale (default: the order's salesperson).")] = None,
    json_: JsonOpt = False,
) -> None:
    """Sell a pre-order: the deposit counts as paid, the rest is paid now.

    Example: storectl order complete SO-000001 --pay cash=7999 --staff E003
    """
    from storectl.services.till.payments import parse_payment
    from storectl.services.trade import orders

    with guard(json_):
        payments = [parse_payment(p) for p in pay or []]
        with write() as s:
            result = orders.complete(s, order=order, payments=payments, staff=staff)
        emit(result, json_, _one)


@app.command("cancel")
def cancel(
    order: OrderArg,
    forfeit: Annotated[bool, typer.Option("--forfeit", help="Keep the deposit (other income) instead of refunding it.")] = False,
    refund: Annotated[Optional[str], typer.Option("--refund", metavar="METHOD", help="Refund by this method (default: as the deposit was paid).")] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Who cancels (default: the order's salesperson).")] = None,
    json_: JsonOpt = False,
) -> None:
    """Cancel a pre-order: the units go back to sale; the deposit is refunded, or kept with --forfeit.

    Example: storectl order cancel SO-000002 --forfeit
    """
    from storectl.services.trade import orders

    with guard(json_):
        with write() as s:
            result = orders.cancel(s, order=order, forfeit=forfeit, refund_method=refund, staff=staff)
        emit(result, json_, _one)


@app.command("list")
def list_(
    open_: Annotated[bool, typer.Option("--open", help="Only open orders (goods reserved, deposit held).")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open orders past their --until day.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Pre-orders, oldest first; an open one past its --until day is marked overdue.

    Example: storectl order list --overdue
    """
    from storectl.services.trade import orders

    with guard(json_):
        with read() as s:
            rows = orders.list_orders(s, open_only=open_, overdue_only=overdue)
        late = sum(1 for r in rows if r["overdue"])
        emit(rows, json_, lambda rs: table(
            "pre-orders",
            ["id", "day", "store", "customer", "status", "total", "deposit", "sale"],
            [(r["id"], r["at"][:10], r["store"], r["customer"], "overdue" if r["overdue"] else r["status"], money(r["total"]),
              money(r["deposit"]), r["sale"] or "") for r in rs],
            right=["total", "deposit"],
            caption=f"{late} overdue: past the day they were held until; complete or cancel" if late else None))


@app.command("show")
def show(order: OrderArg, json_: JsonOpt = False) -> None:
    """One pre-order: what it holds, the deposit, and who took each payment.

    Example: storectl order show SO-000001
    """
    from storectl.services.trade import orders

    with guard(json_):
        with read() as s:
            result = orders.show(s, order)
        emit(result, json_, _one)
