"""`storectl campaign …`: reactivation campaigns for old customers (老客户激活)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from storectl.cli.common import WHOLE, JsonOpt, emit, guard, notice, read, write
from storectl.output import money, table

app = typer.Typer(no_args_is_help=True, help="Reactivation campaigns: audience, export, clicks, report.")


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="What the campaign is called, e.g. 三年换新.")],
    years: Annotated[Optional[int], typer.Option("--bought-years", parser=WHOLE, help="Bought N years ago or earlier.")] = None,
    before: Annotated[Optional[str], typer.Option("--bought-before", help="Bought on or before YYYY-MM-DD.")] = None,
    category: Annotated[Optional[str], typer.Option("--category", help="Product category, e.g. 手机.")] = None,
    sku: Annotated[Optional[str], typer.Option("--sku", help="One product instead of a category.")] = None,
    store: Annotated[Optional[str], typer.Option("--store", help="Only purchases made at this store.")] = None,
    tag: Annotated[Optional[str], typer.Option("--tag", help="Only customers with this tag.")] = None,
    holdout: Annotated[int, typer.Option("--holdout", parser=WHOLE, help="Percent set aside, not contacted.")] = 0,
    window: Annotated[int, typer.Option("--window", parser=WHOLE, help="Days a purchase counts as a conversion.")] = 30,
    json_: JsonOpt = False,
) -> None:
    """Build the audience: customers whose latest purchase of the category was that long ago (manager only).

    Example: storectl campaign create 三年换新 --bought-years 3 --category 手机 --holdout 10
    """
    from storectl.services.crm import campaigns

    with guard(json_):
        with write(manager=True) as s:
            r = campaigns.create(s, name=name, years=years, before=before, category=category, sku=sku, store=store,
                                 tag=tag, holdout=holdout, window=window)
        emit(r, json_, lambda r: notice(
            f"{r['id']} {r['name']}: {r['audience']} customers who bought on or before {r['bought_before']}; "
            f"{r['contacted']} to contact, {r['holdout']} held out; window until {r['ends_at'][:10]}"
        ))


@app.command("list")
def list_(json_: JsonOpt = False) -> None:
    """List campaigns.

    Example: storectl campaign list
    """
    from storectl.services.crm import campaigns

    with guard(json_):
        with read() as s:
            rows = campaigns.list_campaigns(s)
        emit(rows, json_, lambda rs: table(
            "campaigns", ["id", "name", "bought by", "audience", "held out", "until"],
            [(r["id"], r["name"], r["bought_before"], r["audience"], r["holdout"], r["ends_at"][:10]) for r in rs],
            right=["audience", "held out"],
        ))


@app.command("export")
def export(
    campaign: Annotated[str, typer.Argument(help="Campaign id, e.g. CA-000001.")],
    out: Annotated[str, typer.Option("--out", help="A .csv or .xlsx file for the SMS gateway.")],
    json_: JsonOpt = False,
) -> None:
    """Write the customers to contact (not the holdout), each with their own link.

    Example: storectl campaign export CA-000001 --out ca-000001.csv
    """
    from storectl.services.crm import campaigns

    with guard(json_):
        with read() as s:
            r = campaigns.export(s, campaign=campaign, out=out)
        emit(r, json_, lambda r: notice(f"{r['campaign']}: {r['rows']} customers written to {r['out']}"))


@app.command("hit")
def hit(
    token: Annotated[Optional[str], typer.Argument(metavar="TOKEN", help="The token after ?c= in the link.")] = None,
    via: Annotated[Optional[str], typer.Option("--via", help="The whole link that was opened.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Record a click on a campaign link; the first click makes a lead for the salesperson.

    Example: storectl campaign hit --via 'https://m.example.cn/s?c=TOKEN'
    """
    from storectl.services.crm import campaigns

    with guard(json_):
        with write() as s:
            r = campaigns.hit(s, token=token, via=via)
        emit(r, json_, lambda r: notice(
            f"{r['campaign']}: {r['customer']} clicked"
            + (f"; lead {r['lead']} for {r['owner']}" if r["first"] else f" again ({r['clicks']} clicks)")
        ))


@app.command("report")
def report(
    campaign: Annotated[str, typer.Argument(help="Campaign id, e.g. CA-000001.")],
    json_: JsonOpt = False,
) -> None:
    """Audience, clicks, leads, buyers and revenue in the window, conversion and lift.

    Example: storectl campaign report CA-000001
    """
    from storectl.services.crm import campaigns

    def pct(v: str | None) -> str:
        return f"{v}%" if v is not None else "—"

    with guard(json_):
        with read() as s:
            r = campaigns.report(s, campaign=campaign)
        emit(r, json_, lambda r: table(
            f"{r['id']} {r['name']} · until {r['ends_at'][:10]}" + (" (open)" if r["window_open"] else ""),
            ["", "contacted", "holdout", "all"],
            [
                ("customers", r["contacted"], r["holdout"], r["audience"]),
                ("clicked", r["clicked"], "", r["clicked"]),
                ("clicks", r["clicks"], "", r["clicks"]),
                ("leads", r["leads"], "", r["leads"]),
                ("leads won", r["leads_won"], "", r["leads_won"]),
                ("buyers", r["contacted_buyers"], r["holdout_buyers"], r["buyers"]),
                ("revenue", money(r["contacted_revenue"]), money(r["holdout_revenue"]), money(r["revenue"])),
                ("conversion", pct(r["contacted_conversion_pct"]), pct(r["holdout_conversion_pct"]), ""),
                ("lift", "", "", f"{r['lift_points']} pts" if r["lift_points"] is not None else "—"),
            ],
            right=["contacted", "holdout", "all"],
        ))
