"""`storectl commission …`: rules, the lines sales earned, statements, who is owed, payouts (CP-)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from storectl.cli.common import WHOLE, JsonOpt, PeriodOpt, emit, guard, in_range, notice, read, write
from storectl.output import emit_long, money, table

app = typer.Typer(no_args_is_help=True, help="Commission (提成): rules, lines, statements, payouts.")
rule_app = typer.Typer(no_args_is_help=True, help="Commission rules: who earns what on which products.")
app.add_typer(rule_app, name="rule")

EarnerArg = Annotated[str, typer.Argument(help="Staff code, partner code or member phone.", metavar="EARNER")]


def _rules_table(rows: list[dict]) -> None:
    table(
        "commission rules",
        ["id", "role", "rule", "from", "until", "active"],
        [(r["id"], r["role"], r["text"], r["from"] or "", r["until"] or "", "yes" if r["active"] else "removed") for r in rows],
        right=["id"],
    )


@rule_app.command("add")
def rule_add(
    role: Annotated[str, typer.Option("--role", help="seller, ref1, ref2 or ref3.", metavar="ROLE")],
    sku: Annotated[Optional[str], typer.Option("--sku", help="For this SKU.")] = None,
    category: Annotated[Optional[str], typer.Option("--category", help="For this category.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="For every product.")] = False,
    pct: Annotated[Optional[str], typer.Option("--pct", help="Percent of the base, e.g. 2.5.", metavar="PCT")] = None,
    amount: Annotated[Optional[str], typer.Option("--amount", help="Amount per unit, e.g. 50.", metavar="AMOUNT")] = None,
    base: Annotated[Optional[str], typer.Option("--base", help="revenue (default) or profit, for --pct.", metavar="BASE")] = None,
    from_: Annotated[Optional[str], typer.Option("--from", help="First day it applies (YYYY-MM-DD).", metavar="DATE")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Last day it applies (inclusive).", metavar="DATE")] = None,
    json_: JsonOpt = False,
) -> None:
    """Add a commission rule (manager only); the most specific valid rule wins per line and role.

    Example: storectl commission rule add --category 手机 --role seller --pct 1 --base profit
    """
    from storectl.periods import parse_date
    from storectl.services.commission import rules

    with guard(json_):
        start = parse_date(from_) if from_ is not None else None
        end = parse_date(until) if until is not None else None
        with write(manager=True) as s:
            result = rules.add_rule(s, sku=sku, category=category, all_=all_, role=role, pct=pct, amount=amount, base=base,
                                    valid_from=start, valid_until=end)
        emit(result, json_, lambda r: notice(f"commission rule {r['id']}: {r['role']} earns {r['text']}"))


@rule_app.command("list")
def rule_list(
    all_: Annotated[bool, typer.Option("--all", help="Also removed rules.")] = False,
    json_: JsonOpt = False,
) -> None:
    """The commission rules in force (with --all, removed ones too).

    Example: storectl commission rule list
    """
    from storectl.services.commission import rules

    with guard(json_):
        with read() as s:
            result = rules.list_rules(s, all_=all_)
        emit(result, json_, _rules_table)


@rule_app.command("remove")
def rule_remove(
    rule_id: Annotated[int, typer.Argument(help="The rule's id (commission rule list).", metavar="ID", parser=WHOLE)],
    json_: JsonOpt = False,
) -> None:
    """Retire a commission rule (manager only); lines already earned keep naming it.

    Example: storectl commission rule remove 2
    """
    from storectl.services.commission import rules

    with guard(json_):
        in_range(rule_id, "ID", 1, 2**62)
        with write(manager=True) as s:
            result = rules.remove_rule(s, rule_id)
        emit(result, json_, lambda r: notice(f"commission rule {r['id']} removed"))


@app.command("list")
def list_(
    sale: Annotated[Optional[str], typer.Option("--sale", help="Only this sale's lines.", metavar="S-ID")] = None,
    earner: Annotated[Optional[str], typer.Option("--earner", help="Only this earner's lines.", metavar="EARNER")] = None,
    status: Annotated[Optional[str], typer.Option("--status", help="pending, payable or paid.", metavar="STATUS")] = None,
    json_: JsonOpt = False,
) -> None:
    """Commission lines: who earned what on which sale line, by which rule.

    Example: storectl commission list --sale S-000012
    """
    from storectl.services.commission import payouts

    with guard(json_):
        with read() as s:
            result = payouts.list_lines(s, sale=sale, earner=earner, status=status)
        emit(result, json_, lambda rows: table(
            "commission lines",
            ["date", "doc", "line", "earner", "role", "amount", "rule", "status"],
            [(r["date"], r["doc"], r["line"], r["earner"], r["role"], money(r["amount"]), r["rule"], r["status"]) for r in rows],
            right=["line", "amount", "rule"],
        ))


@app.command("statement")
def statement(earner: EarnerArg, period: PeriodOpt = None, json_: JsonOpt = False) -> None:
    """佣金对账单: opening balance owed, the lines, what was paid, the closing balance.

    Example: storectl commission statement E002 -p 2026-11
    """
    from storectl.services.commission import payouts

    with guard(json_):
        with read() as s:
            result = payouts.statement(s, earner=earner, period=period)
        emit_long(result, "lines", json_, lambda r: table(
            f"commission statement {r['earner']} {r['name']}" + (f" {r['period']}" if r["period"] else ""),
            ["date", "doc", "role", "amount", "status"],
            [(x["date"], x["doc"], x["role"], money(x["amount"]), x["status"]) for x in r["lines"]],
            right=["amount"],
            caption=f"opening {money(r['opening'])} + earned {money(r['earned'])} − paid {money(r['paid'])} = "
                    f"closing {money(r['closing'])}",
        ))


@app.command("payable")
def payable(json_: JsonOpt = False) -> None:
    """Who is owed what today (payable net of clawbacks), and what is still pending.

    Example: storectl commission payable
    """
    from storectl.services.commission import payouts

    with guard(json_):
        with read() as s:
            result = payouts.payable(s)
        emit(result, json_, lambda rows: table(
            "commission payable today",
            ["earner", "name", "lines", "payable", "pending"],
            [(r["earner"], r["name"], r["lines"], money(r["payable"]), money(r["pending"])) for r in rows],
            right=["lines", "payable", "pending"],
        ))


@app.command("pay")
def pay(
    earner: EarnerArg,
    method: Annotated[Optional[str], typer.Option("--method", help="cash, card, wechat, alipay or transfer.", metavar="METHOD")] = None,
    json_: JsonOpt = False,
) -> None:
    """Pay an earner every payable line, clawbacks netted, as CP-… (manager only).

    Example: storectl commission pay E002 --method transfer
    """
    from storectl.services.commission import payouts

    with guard(json_):
        with write(manager=True) as s:
            result = payouts.pay(s, earner=earner, method=method)
        emit(result, json_, lambda r: notice(
            f"{r['id']}: paid {r['earner']} {r['name']} {money(r['amount'])} for {r['lines']} line(s) by {r['method']}"))
