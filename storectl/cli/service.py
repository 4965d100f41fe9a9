"""`storectl service …`: after-sales tickets (售后) — open, steps, parts, exchange, close, rate; the
customer's progress lookup. The rules are `services/aftersales/tickets`."""

from __future__ import annotations

from typing import Annotated, List, Optional

import typer

from storectl.cli.common import WHOLE, JsonOpt, counter, emit, guard, in_range, notice, read, write
from storectl.output import console, money, print_wide, table, when

app = typer.Typer(no_args_is_help=True, help="After-sales service tickets: open, repair, exchange, close, rate.")

DocArg = Annotated[str, typer.Argument(metavar="SV-ID", help="The ticket, e.g. SV-000001.")]


def _done(r: dict) -> None:
    notice(f"{r['id']}: {r['status']} · {r['sku']} {r['unit']}"
           + (" · under warranty" + (f" until {r['warranty_until']}" if r["warranty_until"] else "") if r["under_warranty"] else " · out of warranty")
           + (f" · warranty cost {money(r['warranty_cost'])}" if r["warranty_cost"] != "0.00" else "")
           + (f" · {r['sale']} {money(r['charge'])}" if r["sale"] else ""))


@app.command("open")
def open_(
    code: Annotated[str, typer.Argument(help="Any of the unit's codes (IMEI or SN).")],
    problem: Annotated[str, typer.Option("--problem", help="What the customer says is wrong.")] = ...,
    store: Annotated[Optional[str], typer.Option("--store", help="Store taking it in (default: the operator's).")] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Staff code opening it (default: the operator).")] = None,
    customer: Annotated[Optional[str], typer.Option("--customer", help="Customer code or member phone (default: the unit's buyer).")] = None,
    json_: JsonOpt = False,
) -> None:
    """Open a service ticket for a unit a customer brought back; records whether it is under warranty.

    Example: storectl service open 356938035643809 --problem '屏幕碎裂 cracked screen'
    """
    from storectl.services.aftersales import tickets

    with guard(json_):
        store, staff = counter(store, staff, want_staff=True, example="storectl service open CODE --problem TEXT --store SZ01 --staff E002")
        with write() as s:
            result = tickets.open_ticket(s, code=code, problem=problem, store=store, staff=staff, customer=customer)
        emit(result, json_, _done)


@app.command("update")
def update(
    doc: DocArg,
    status: Annotated[str, typer.Option("--status", help="in_repair, waiting_parts or ready.")] = ...,
    technician: Annotated[Optional[str], typer.Option("--technician", help="Staff code of the technician.")] = None,
    note: Annotated[Optional[str], typer.Option("--note", help="A note on the timeline.")] = None,
    json_: JsonOpt = False,
) -> None:
    """A dated step on the ticket's timeline.

    Example: storectl service update SV-000001 --status in_repair --technician E003
    """
    from storectl.services.aftersales import tickets

    with guard(json_):
        with write() as s:
            result = tickets.update_ticket(s, doc=doc, status=status, technician=technician, note=note)
        emit(result, json_, _done)


@app.command("part")
def part(
    doc: DocArg,
    items: Annotated[Optional[List[str]], typer.Argument(help="Parts: unit codes or SKU[:QTY], in stock at the ticket's store.", show_default=False)] = None,
    json_: JsonOpt = False,
) -> None:
    """Parts used on the ticket: they leave stock at their cost (warranty cost when under warranty).

    Example: storectl service part SV-000001 SCR-IP15:1
    """
    from storectl.services.aftersales import tickets

    with guard(json_):
        with write() as s:
            result = tickets.add_parts(s, doc=doc, items=list(items or []))
        emit(result, json_, _done)


@app.command("exchange")
def exchange(
    doc: DocArg,
    new_code: Annotated[str, typer.Argument(metavar="NEWCODE", help="The replacement: a unit of the same SKU in stock at the ticket's store.")],
    json_: JsonOpt = False,
) -> None:
    """换新: the faulty unit comes back as `faulty`, the replacement goes to the customer (same warranty end).

    Example: storectl service exchange SV-000002 356938035643817
    """
    from storectl.services.aftersales import tickets

    with guard(json_):
        with write() as s:
            result = tickets.exchange(s, doc=doc, code=new_code)
        emit(result, json_, _done)


@app.command("close")
def close(
    doc: DocArg,
    charge: Annotated[Optional[str], typer.Option("--charge", help="What the customer pays (out of warranty): makes a sale S-.")] = None,
    pay: Annotated[Optional[List[str]], typer.Option("--pay", help="METHOD=AMOUNT: cash, card, wechat, alipay, transfer.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Hand the unit back and close the ticket, once.

    Example: storectl service close SV-000003 --charge 180 --pay wechat=180
    """
    from storectl.money import parse_money
    from storectl.services.aftersales import tickets
    from storectl.services.till.payments import parse_payment

    with guard(json_):
        cents = parse_money(charge, what="--charge") if charge is not None else None
        payments = [parse_payment(p) for p in pay or []]
        with write() as s:
            result = tickets.close(s, doc=doc, charge=cents, payments=payments)
        emit(result, json_, _done)


@app.command("rate")
def rate(
    doc: DocArg,
    score: Annotated[int, typer.Argument(parser=WHOLE, metavar="SCORE", help="1 to 5.")],
    comment: Annotated[Optional[str], typer.Option("--comment", help="What the customer said.")] = None,
    json_: JsonOpt = False,
) -> None:
    """The customer's evaluation of a closed ticket, 1–5, once.

    Example: storectl service rate SV-000001 5 --comment '很快 quick'
    """
    from storectl.services.aftersales import tickets

    with guard(json_):
        in_range(score, "SCORE", 1, 5)
        with write() as s:
            result = tickets.rate(s, doc=doc, score=score, comment=comment)
        emit(result, json_, _done)


@app.command("show")
def show(doc: DocArg, json_: JsonOpt = False) -> None:
    """A ticket: unit, warranty, parts, cost, charge, rating and its timeline.

    Example: storectl service show SV-000001
    """
    from storectl.services.aftersales import tickets

    with guard(json_):
        with read() as s:
            result = tickets.show(s, doc)
        emit(result, json_, _timeline)


def _timeline(r: dict) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = console()
    out.print(f"[bold]{r['id']}[/]  {escape(r['sku'])} {escape(r['name'])}  {r['unit']}")
    head = Table.grid(padding=(0, 2))
    head.add_column(style="dim")
    head.add_column()
    head.add_row("status", r["status"])
    head.add_row("warranty", (f"yes, until {r['warranty_until']}" if r["under_warranty"] else "no"))
    head.add_row("problem", escape(r["problem"]))
    head.add_row("store", f"{r['store']} · opened by {r['staff']}" + (f" · technician {r['technician']}" if r["technician"] else ""))
    if r["customer"]:
        head.add_row("customer", r["customer"])
    if r["replacement"]:
        head.add_row("exchanged", f"for {r['replacement']}")
    for p in r["parts"]:
        head.add_row("part", f"{p['sku']} × {p['qty']}" + (f" {p['unit']}" if p["unit"] else "") + f"  {money(p['cost'])}")
    head.add_row("warranty cost", money(r["warranty_cost"]))
    if r["sale"]:
        head.add_row("charge", f"{money(r['charge'])} ({r['sale']})")
    if r["rating"]:
        head.add_row("rating", f"{r['rating']}/5" + (f" {escape(r['comment'])}" if r["comment"] else ""))
    out.print(head)
    steps = Table(title="timeline", header_style="bold")
    for name in ("when", "step", "by"):
        steps.add_column(name, no_wrap=True)
    steps.add_column("note")
    for step in r["timeline"]:
        steps.add_row(when(step["at"]), step["status"].replace("_", " "), step["operator"], escape(step["note"]))
    print_wide(steps)


@app.command("list")
def list_(
    status: Annotated[Optional[str], typer.Option("--status", help="open, in_repair, waiting_parts, ready or closed.")] = None,
    store: Annotated[Optional[str], typer.Option("--store", help="Store code.")] = None,
    technician: Annotated[Optional[str], typer.Option("--technician", help="Technician's staff code.")] = None,
    only_open: Annotated[bool, typer.Option("--open", help="Only tickets not closed yet.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Service tickets, oldest first.

    Example: storectl service list --open --store SZ01
    """
    from storectl.services.aftersales import tickets

    with guard(json_):
        with read() as s:
            rows = tickets.list_tickets(s, status=status, store=store, technician=technician, only_open=only_open)
        emit(rows, json_, lambda rs: table(
            "service tickets", ["ticket", "opened", "store", "sku", "unit", "status", "warranty", "tech"],
            [[r["id"], when(r["opened_at"]), r["store"], r["sku"], r["unit"], r["status"].replace("_", " "),
              "yes" if r["under_warranty"] else "no", r["technician"] or ""] for r in rs]))


@app.command("status")
def status(
    token: Annotated[str, typer.Argument(metavar="TOKEN", help="The code under the service QR, or the whole scanned address.")],
    json_: JsonOpt = False,
) -> None:
    """What the customer's progress code shows: the state and dates, never names or phones.

    Example: storectl service status 'https://shop.example/?sv=…'
    """
    from storectl.services.aftersales import tickets

    with guard(json_):
        with read() as s:
            result = tickets.status_by_token(s, token)
        emit(result, json_, lambda r: table(
            f"{r['id']} · {r['status'].replace('_', ' ')}", ["when", "step"],
            [[when(st["at"]), st["status"].replace("_", " ")] for st in r["steps"]]))
