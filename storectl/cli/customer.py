"""`storectl customer …`: trade and retail customers and their accounts."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from storectl.cli.common import JsonOpt, emit, guard, notice, read, write
from storectl.output import details, money, table
from storectl.services.till.payments import METHODS

app = typer.Typer(no_args_is_help=True, help="Customers, payments, statements and balances.")


@app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="Customer code (text).")],
    name: Annotated[str, typer.Argument(help="Name.")],
    phone: Annotated[Optional[str], typer.Option("--phone")] = None,
    group: Annotated[str, typer.Option("--group", help="Price group, e.g. 批发.")] = "",
    credit_limit: Annotated[str, typer.Option("--credit-limit", help="How much they may owe.")] = "0",
    json_: JsonOpt = False,
) -> None:
    """Add a customer.

    Example: storectl customer add C001 深圳市宝安区鑫达通讯店 --group 批发 --credit-limit 50000
    """
    from storectl.money import parse_money
    from storectl.services.shop import catalogue

    with guard(json_):
        limit = parse_money(credit_limit, what="credit limit")
        with write() as s:
            result = catalogue.add_customer(s, code=code, name=name, phone=phone, group=group, credit_limit_cents=limit)
        emit(result, json_, lambda r: notice(f"added customer {r['code']}: {r['name']}"))


@app.command("list")
def list_(
    group: Annotated[Optional[str], typer.Option("--group")] = None,
    tag: Annotated[Optional[str], typer.Option("--tag", help="Only customers with this tag.")] = None,
    json_: JsonOpt = False,
) -> None:
    """List customers with their balances.

    Example: storectl customer list --group 批发
    """
    from storectl.services.crm import tags

    with guard(json_):
        with read() as s:
            rows = tags.list_customers(s, group=group, tag=tag)
        emit(
            rows,
            json_,
            lambda rs: table(
                "customers", ["code", "name", "phone", "group", "credit limit", "owes"],
                [(r["code"], r["name"], r["phone"] or "", r["group"], money(r["credit_limit"]), money(r["balance"])) for r in rs],
                right=["credit limit", "owes"],
            ),
        )


@app.command("show")
def show(
    code: Annotated[str, typer.Argument(help="Customer code or member phone.")],
    json_: JsonOpt = False,
) -> None:
    """Show one customer.

    Example: storectl customer show C001
    """
    from storectl.services.crm import tags

    with guard(json_):
        with read() as s:
            r = tags.show_customer(s, code)
        emit(
            r,
            json_,
            lambda r: details(
                f"{r['code']}  {r['name']}",
                [("phone", r["phone"] or ""), ("group", r["group"]), ("credit limit", money(r["credit_limit"])),
                 ("owes", money(r["balance"])), ("member", "yes" if r["member"] else "no"),
                 ("level", r["level"] or ""), ("points", r["points"]), ("tags", " ".join(r["tags"]))],
            ),
        )


@app.command("tag")
def tag(
    code: Annotated[str, typer.Argument(help="Customer code or member phone.")],
    tags_: Annotated[list[str], typer.Argument(metavar="TAG...", help="One or more tags, e.g. 老客户.")],
    json_: JsonOpt = False,
) -> None:
    """Put tags on a customer.

    Example: storectl customer tag C002 老客户 换机意向
    """
    from storectl.services.crm import tags

    with guard(json_):
        with write() as s:
            r = tags.tag(s, customer=code, tags=tags_)
        emit(r, json_, lambda r: notice(f"{r['customer']}: {' '.join(r['tags'])}"))


@app.command("untag")
def untag(
    code: Annotated[str, typer.Argument(help="Customer code or member phone.")],
    tags_: Annotated[list[str], typer.Argument(metavar="TAG...", help="The tags to take off.")],
    json_: JsonOpt = False,
) -> None:
    """Take tags off a customer.

    Example: storectl customer untag C002 换机意向
    """
    from storectl.services.crm import tags

    with guard(json_):
        with write() as s:
            r = tags.untag(s, customer=code, tags=tags_)
        emit(r, json_, lambda r: notice(f"{r['customer']}: {' '.join(r['tags']) or 'no tags'}"))


@app.command("pay")
def pay(
    code: Annotated[str, typer.Argument(help="Customer code or member phone.")],
    amount: Annotated[str, typer.Argument(help="Amount paid, e.g. 5000.")],
    method: Annotated[str, typer.Option("--method", help=f"One of {', '.join(METHODS)}.")] = "cash",
    json_: JsonOpt = False,
) -> None:
    """Take a payment against what the customer owes (not more than that); prints the PAY- id.

    Example: storectl customer pay C001 5000 --method transfer
    """
    from storectl.money import parse_money
    from storectl.services.till import receivables

    with guard(json_):
        cents = parse_money(amount, allow_zero=False, what="payment")
        with write() as s:
            r = receivables.pay(s, customer=code, amount_cents=cents, method=method)
        emit(r, json_, lambda r: notice(
            f"{r['id']}: {r['customer']} paid {money(r['amount'])} by {r['method']}; still owes {money(r['balance'])}"
        ))


@app.command("statement")
def statement(
    code: Annotated[str, typer.Argument(help="Customer code or member phone.")],
    period: Annotated[Optional[str], typer.Option("--period", "-p", help="2026-11, 2026Q4, 2026 or A..B.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Opening balance, credit sales, return credits and payments with a running balance, closing.

    Example: storectl customer statement C001 -p 2026-11
    """
    from storectl.services.till import receivables

    with guard(json_):
        with read() as s:
            r = receivables.statement(s, customer=code, period=period)
        emit(r, json_, lambda r: table(
            f"{r['customer']}  {r['name']}" + (f"  {r['period']}" if r["period"] else ""),
            ["date", "doc", "kind", "amount", "balance"],
            [("", "", "opening", "", money(r["opening"]))]
            + [(l["date"], l["doc"], l["kind"] + (f" ({l['sale']})" if l["kind"] == "return" else ""), money(l["amount"]), money(l["balance"])) for l in r["lines"]]
            + [("", "", "closing", "", money(r["closing"]))],
            right=["amount", "balance"],
        ))


@app.command("balances")
def balances(json_: JsonOpt = False) -> None:
    """Who owes what, oldest unpaid debt first.

    Example: storectl customer balances --json
    """
    from storectl.services.till import receivables

    with guard(json_):
        with read() as s:
            rows = receivables.balances(s)
        emit(rows, json_, lambda rs: table(
            "customer balances", ["customer", "name", "owes", "credit limit", "oldest", "days"],
            [(r["customer"], r["name"], money(r["balance"]), money(r["credit_limit"]), r["oldest"] or "", r["days"] if r["days"] is not None else "") for r in rs],
            right=["owes", "credit limit", "days"],
        ))
