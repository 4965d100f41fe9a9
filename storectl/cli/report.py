"""`storectl report …` and `storectl period …`: figures from the books and month end."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from storectl.cli.common import JsonOpt, PeriodOpt, StoreOpt, database, emit, guard, notice, read, write
from storectl.output import money, table, when

app = typer.Typer(no_args_is_help=True, help="Daily, staff, store, product and channel reports; month end.")
period_app = typer.Typer(no_args_is_help=True, help="Close and reopen accounting months.")

BAR_WIDTH = 12


def _bar(value: str, top: int) -> str:
    from storectl.money import cents_of

    amount = cents_of(value)
    if top <= 0 or amount <= 0:
        return ""
    return "█" * max(1, round(BAR_WIDTH * amount / top))


def _ranked_table(title: str, rows: list[dict], key: str, label: str, extra: tuple[str, ...] = ()) -> None:
    from storectl.output import console

    from storectl.money import cents_of

    top = max((cents_of(r["revenue"]) for r in rows), default=0)
    bar = console().width >= 125  # on a narrow terminal the figures need the room more than the bar
    columns = ["#", key, label, "sales", "units", "revenue", "cost", "profit", "margin", "avg ticket", *[e.replace("_", " ") for e in extra]] + ([""] if bar else [])
    table(
        title,
        columns,
        [
            (r["rank"], r.get(key) or "—", r.get(label) or "", r["sales"], r["units"], money(r["revenue"]), money(r["cost"]),
             money(r["profit"]), f"{r['margin_pct']}%" if r["margin_pct"] is not None else "", money(r["avg_ticket"]),
             *[r.get(e, "") for e in extra], *([_bar(r["revenue"], top)] if bar else []))
            for r in rows
        ],
        right=["#", "sales", "units", "revenue", "cost", "profit", "margin", "avg ticket", *[e.replace("_", " ") for e in extra]],
        bar_last=bar,
    )


def _report(kind: str, period: Optional[str], store: Optional[str], json_: bool) -> None:
    from storectl.services.books import reports

    with guard(json_):
        with read() as s:
            p = reports.resolve_period(s, period)
            if kind == "staff":
                rows = reports.by_staff(s, p, store=store)
            elif kind == "stores":
                rows = reports.by_store(s, p)
            elif kind == "products":
                rows = reports.by_product(s, p, store=store)
            else:
                rows = reports.by_channel(s, p, store=store)
        titles = {
            "staff": ("staff", "name", ("members", "leads_won")),
            "stores": ("store", "name", ()),
            "products": ("sku", "name", ()),
            "channels": ("channel", "staff", ("members", "buyers")),
        }
        key, label, extra = titles[kind]
        emit(rows, json_, lambda rs: _ranked_table(f"{kind} · {p.label}", rs, key, label, extra))


@app.command()
def staff(period: PeriodOpt = None, store: StoreOpt = None, json_: JsonOpt = False) -> None:
    """Per salesperson: sales, units, revenue, cost, profit, margin, average ticket, members; ranked.

    Example: storectl report staff -p 2026-11
    """
    _report("staff", period, store, json_)


@app.command()
def stores(period: PeriodOpt = None, json_: JsonOpt = False) -> None:
    """Per store, ranked by revenue (net of returns).

    Example: storectl report stores -p 2026Q4
    """
    _report("stores", period, None, json_)


@app.command()
def products(period: PeriodOpt = None, store: StoreOpt = None, json_: JsonOpt = False) -> None:
    """Per SKU with its category, ranked by revenue.

    Example: storectl report products -p 2026-11 --store SZ01
    """
    _report("products", period, store, json_)


@app.command()
def condition(period: PeriodOpt = None, store: StoreOpt = None, json_: JsonOpt = False) -> None:
    """New and used (traded-in) goods apart: sales, units, revenue, cost, profit.

    Example: storectl report condition -p 2026-11
    """
    from storectl.services.books import reports

    with guard(json_):
        with read() as s:
            p = reports.resolve_period(s, period)
            rows = reports.by_condition(s, p, store=store)
        emit(rows, json_, lambda rs: table(
            f"new and used · {p.label}", ["condition", "sales", "units", "revenue", "cost", "profit", "margin"],
            [(r["condition"], r["sales"], r["units"], money(r["revenue"]), money(r["cost"]), money(r["profit"]),
              f"{r['margin_pct']}%" if r["margin_pct"] is not None else "") for r in rs],
            right=["sales", "units", "revenue", "cost", "profit", "margin"]))


@app.command()
def channels(period: PeriodOpt = None, store: StoreOpt = None, json_: JsonOpt = False) -> None:
    """Per acquisition channel and staff code: members brought in and what buyers bought.

    Example: storectl report channels -p 2026-11
    """
    _report("channels", period, store, json_)


@app.command()
def commission(period: PeriodOpt = None, json_: JsonOpt = False) -> None:
    """Commission (提成) per earner and role: lines and amount dated in the period, returns netted.

    Example: storectl report commission -p 2026-11
    """
    from storectl.services.books import reports
    from storectl.services.commission import payouts

    with guard(json_):
        with read() as s:
            rows = payouts.by_earner(s, reports.resolve_period(s, period))
        for r in rows:
            r.pop("amount_cents")
        emit(rows, json_, lambda rows: table(
            "commission by earner and role",
            ["earner", "name", "role", "lines", "base", "amount"],
            [(r["earner"], r["name"], r["role"], r["lines"], money(r["base"]), money(r["amount"])) for r in rows],
            right=["lines", "base", "amount"],
        ))


@app.command()
def service(period: PeriodOpt = None, store: StoreOpt = None, json_: JsonOpt = False) -> None:
    """After-sales per store and technician: opened, closed, median hours, warranty share and cost, revenue, rating.

    Example: storectl report service -p 2026-11
    """
    from storectl.services.aftersales import service_reports

    with guard(json_):
        with read() as s:
            result = service_reports.report(s, period=period, store=store)
        emit(result, json_, lambda r: table(
            f"service · {r['period']}", ["store", "tech", "opened", "closed", "hours", "warr%", "warr cost", "revenue", "rating"],
            [[x["store"], x["technician"] or "—", x["opened"], x["closed"], "" if x["median_hours"] is None else x["median_hours"],
              x["under_warranty_pct"] or "", money(x["warranty_cost"]), money(x["service_revenue"]),
              "" if x["avg_rating"] is None else x["avg_rating"]] for x in r["rows"]],
            right=("opened", "closed", "hours", "warr%", "warr cost", "revenue", "rating")))


@app.command()
def coupons(period: PeriodOpt = None, json_: JsonOpt = False) -> None:
    """Per coupon: issued, used, expired, discount given, revenue of the sales it was used on.

    Example: storectl report coupons -p 2026-11
    """
    from storectl.services.promo import coupons as service

    with guard(json_):
        with read() as s:
            result = service.report(s, period=period)

        def human(r: dict) -> None:
            t = r["total"]
            rows = [(c["code"], c["name"], c["issued"], c["used"], c["expired"], money(c["discount"]), money(c["revenue"])) for c in r["coupons"]]
            rows.append(("total", f"{t['sales']} sales", t["issued"], t["used"], t["expired"], money(t["discount"]), money(t["revenue"])))
            table(f"coupons · {r['period']}", ["coupon", "name", "issued", "used", "expired", "discount", "revenue"], rows,
                  right=["issued", "used", "expired", "discount", "revenue"])

        emit(result, json_, human)


@app.command()
def daily(
    date: Annotated[Optional[str], typer.Option("--date", help="YYYY-MM-DD (default: today).")] = None,
    store: StoreOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Today at a glance: sales, units, revenue and gross profit per store and staff.

    Example: storectl report daily --date 2026-11-05
    """
    from storectl.services.books import reports

    with guard(json_):
        with read() as s:
            result = reports.daily(s, day=date, store=store)

        def human(r: dict) -> None:
            t = r["total"]
            typer.echo(f"{r['date']}: {t['sales']} sales, {t['units']} units, revenue {money(t['revenue'])}, profit {money(t['profit'])}")
            _ranked_table("stores", r["stores"], "store", "name")
            _ranked_table("staff", r["staff"], "staff", "name", ("members",))

        emit(result, json_, human)


@app.command()
def month(
    period: Annotated[Optional[str], typer.Argument(help="The month, e.g. 2026-11 (default: last month).")] = None,
    out: Annotated[str, typer.Option("--out", help="An .xlsx file, or a folder (storectl-2026-11.xlsx inside).")] = ".",
    close: Annotated[bool, typer.Option("--close", help="Also close the month.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Write the month-end workbook (Summary, Sales, Staff, Products, Receivables, Inventory, Points, Transfers).

    Example: storectl report month 2026-11 --out ~/月结 --close
    """
    from storectl.services.books import month_end

    with guard(json_):
        with _progress() as step:
            result = month_end.export(database(), period_text=period, out=out, close=close, progress=step)
        emit(result, json_, lambda r: notice(
            f"{r['period']}: revenue {money(r['revenue'])}, cost {money(r['cost'])}, profit {money(r['profit'])}"
            f"{' — period closed' if r['closed'] else ''}\nworkbook: {r['path']}"))


class _progress:
    """A progress bar on stderr when it is a terminal; otherwise silent."""

    def __enter__(self):  # noqa: ANN204
        self.bar = None
        if sys.stderr.isatty():
            from rich.progress import Progress

            from storectl.services.books.month_end import SHEETS

            self.bar = Progress(transient=True, console=__import__("storectl.output", fromlist=["console"]).console(stderr=True))
            self.bar.start()
            self.task = self.bar.add_task("month end", total=len(SHEETS) + 1)
        return self.step

    def step(self, name: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=f"writing {name}")

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        if self.bar is not None:
            self.bar.stop()


@period_app.command("close")
def period_close(
    period: Annotated[str, typer.Argument(help="The month, e.g. 2026-11.")],
    json_: JsonOpt = False,
) -> None:
    """Close a month: every write dated inside it is refused from now on.

    Example: storectl period close 2026-11
    """
    from storectl.services.shop import closing

    with guard(json_):
        with write() as s:
            result = closing.close(s, period)
        emit(result, json_, lambda r: notice(f"{r['period']} closed" if r["changed"] else f"{r['period']} was already closed"))


@period_app.command("reopen")
def period_reopen(
    period: Annotated[str, typer.Argument(help="The month, e.g. 2026-11.")],
    json_: JsonOpt = False,
) -> None:
    """Reopen a closed month (managers only once PINs are in use).

    Example: storectl --operator E001 period reopen 2026-11
    """
    from storectl.services.shop import closing

    with guard(json_):
        with write(manager=True) as s:
            result = closing.reopen(s, period)
        emit(result, json_, lambda r: notice(f"{r['period']} reopened" if r["changed"] else f"{r['period']} was not closed"))


@period_app.command("list")
def period_list(json_: JsonOpt = False) -> None:
    """List months that were closed, and reopened.

    Example: storectl period list
    """
    from storectl.services.shop import closing

    with guard(json_):
        with read() as s:
            rows = closing.list_periods(s)
        emit(rows, json_, lambda rs: table("periods", ["period", "status", "closed", "by", "reopened", "by"],
                                           [(r["period"], "closed" if r["closed"] else "open", when(r["closed_at"]), r["closed_by"],
                                             when(r["reopened_at"]), r["reopened_by"]) for r in rs]))
