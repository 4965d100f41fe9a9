"""`storectl coupon …`: coupon templates and issuing them to members (优惠券 / 满减)."""

from __future__ import annotations

from typing import Annotated, List, Optional

import typer

from storectl.cli.common import WHOLE, JsonOpt, emit, guard, in_range, notice, read, write
from storectl.output import emit_long, money, table

SHOWN = 20  # instances listed by coupon issue for people (all of them in --json)

app = typer.Typer(no_args_is_help=True, help="Coupons: templates, issuing them to members (优惠券 / 满减).")


def _coupon_rows(rows: list[dict]):
    return [
        (r["code"], r["name"], r["terms"], r["until"] or f"{r['valid_days']} days", "yes" if r["stackable"] else "no",
         r["issued"], r["used"], r["expired"], money(r["discount"]))
        for r in rows
    ]


_COLUMNS = ["code", "name", "terms", "valid", "stackable", "issued", "used", "expired", "discount"]


@app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="The coupon's code, e.g. MJ100.")],
    name: Annotated[str, typer.Argument(help="Its name on receipts, e.g. 满1000减100.")],
    amount: Annotated[Optional[str], typer.Option("--amount", help="A fixed amount off, e.g. 100.")] = None,
    min_spend: Annotated[Optional[str], typer.Option("--min-spend", help="With --amount: the eligible items must come to this (满减).")] = None,
    pct: Annotated[Optional[str], typer.Option("--pct", help="A percentage off, e.g. 10.")] = None,
    max_off: Annotated[Optional[str], typer.Option("--max-off", help="With --pct: at most this much off.")] = None,
    sku: Annotated[Optional[str], typer.Option("--sku", help="Only on this SKU.")] = None,
    category: Annotated[Optional[str], typer.Option("--category", help="Only on this category.")] = None,
    valid_days: Annotated[Optional[int], typer.Option("--valid-days", parser=WHOLE, help="Each coupon holds N days from the day it is issued.")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Or: every coupon holds until this day (YYYY-MM-DD, inclusive).")] = None,
    stackable: Annotated[bool, typer.Option("--stackable", help="May be used with other coupons on one sale.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Add a coupon template (manager only).

    Example: storectl coupon add MJ100 满1000减100 --amount 100 --min-spend 1000 --valid-days 30
    Example: storectl coupon add PJ10 配件9折 --pct 10 --max-off 50 --category 配件 --until 2026-12-31 --stackable
    """
    from storectl.money import parse_money, parse_percent
    from storectl.periods import parse_date
    from storectl.services.promo import coupons

    with guard(json_):
        in_range(valid_days, "--valid-days", 1, coupons.MAX_VALID_DAYS)
        args = dict(
            amount_cents=parse_money(amount, what="--amount") if amount is not None else None,
            min_spend_cents=parse_money(min_spend, what="--min-spend") if min_spend is not None else None,
            pct_bp=parse_percent(pct) if pct is not None else None,
            max_off_cents=parse_money(max_off, what="--max-off") if max_off is not None else None,
            until=parse_date(until) if until is not None else None,
        )
        with write(manager=True) as s:
            result = coupons.add_coupon(s, code=code, name=name, sku=sku, category=category, valid_days=valid_days,
                                        stackable=stackable, **args)
        emit(result, json_, lambda r: notice(f"coupon {r['code']} {r['name']}: {r['terms']}"))


@app.command("list")
def list_(json_: JsonOpt = False) -> None:
    """List coupon templates with how many were issued, used and expired.

    Example: storectl coupon list
    """
    from storectl.services.promo import coupons

    with guard(json_):
        with read() as s:
            rows = coupons.list_coupons(s)
        emit(rows, json_, lambda rows: table("coupons", _COLUMNS, _coupon_rows(rows)))


@app.command("show")
def show(code: Annotated[str, typer.Argument(help="The coupon's code.")], json_: JsonOpt = False) -> None:
    """Show a coupon template and every instance issued.

    Example: storectl coupon show MJ100
    """
    from storectl.services.promo import coupons

    with guard(json_):
        with read() as s:
            result = coupons.show_coupon(s, code)

        def human(r: dict) -> None:
            table(f"{r['code']}  {r['name']}", _COLUMNS, _coupon_rows([r]))
            table("issued", ["code", "member", "expires", "state"],
                  [(i["code"], i["member"] or "", i["expires"], i["state"] + (f" {i['sale']}" if i["sale"] else "")) for i in r["instances"]])

        emit(result, json_, human)


@app.command("issue")
def issue(
    code: Annotated[str, typer.Argument(help="The coupon's code.")],
    phones: Annotated[Optional[List[str]], typer.Argument(help="Members' phones.", show_default=False)] = None,
    level: Annotated[Optional[str], typer.Option("--level", help="Every member on this level.")] = None,
    all_members: Annotated[bool, typer.Option("--all-members", help="Every member.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Issue a coupon to members (manager only): each gets its own 8-character code.

    Example: storectl coupon issue MJ100 --level 金卡
    """
    from storectl.services.promo import coupons

    with guard(json_):
        with write(manager=True) as s:
            result = coupons.issue(s, code=code, phones=list(phones or []), level=level, all_members=all_members)

        def human(r: dict) -> None:
            shown = r["instances"][:SHOWN]  # to every member: the count and a sample, not 50,000 lines
            more = r["issued"] - len(shown)
            table(f"coupon {r['coupon']}: {r['issued']} issued", ["code", "member", "expires"],
                  [(i["code"], i["member"] or "", i["expires"]) for i in shown],
                  caption=f"and {more:,} more: member show PHONE lists a member's coupons, --json lists them all" if more else None)

        emit_long(result, "instances", json_, human)
