"""`storectl demo`: a complete demo shop (a month of trading, then the month end) from the sample data."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Annotated, Callable, Iterator

import typer

from storectl.cli.common import JsonOpt, emit, guard

app = typer.Typer()

@contextmanager
def _progress(total: int) -> Iterator[Callable[[str], None]]:
    """A Rich progress bar on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        yield lambda step: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from storectl.output import console

    bar = Progress(TextColumn("{task.description:<36}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=console(stderr=True), transient=True)
    with bar:
        task = bar.add_task("building the demo shop", total=total)
        yield lambda step: bar.update(task, advance=1, description=f"demo: {step}")


def _human(r: dict) -> None:
    from storectl.output import money

    say = typer.echo
    say(f"Demo shop ready: {r['period']} at 华强北数码, two Shenzhen shops and a warehouse, replayed day by day")
    say(f"  {r['stores']} stores, {r['staff']} staff, {r['units']} units tracked by serial number, {r['members']} members")
    say(f"  {r['sales']} sales ({r['units_sold']} items): revenue {money(r['revenue'])}, "
        f"gross profit {money(r['profit'])} ({r['margin_pct']} %)")
    say(f"  {r['in_transit']} units still on the road ({r['open_transfers']} open transfers)")
    if r.get("promo"):
        p = r["promo"]
        say(f"  1 December: 秒杀 {p['flash_sku']} at {money(p['flash_price'])} for the first 2, "
            f"满5000减500 to {p['mj500_issued']} 金卡 members")
    say(f"database:   {r['db']}")
    say(f"workbook:   {r['workbook']}")
    say("QR sheets:  " + "\n            ".join(r["qr_sheets"]))
    say("try next:")
    for command in r["try"]:
        say(f"  {command}")


@app.command()
def demo(
    dir: Annotated[str, typer.Option("--dir", help="Folder for the demo database, workbook and QR sheets.")] = "storectl-demo",
    json_: JsonOpt = False,
) -> None:
    """Build a demo shop in DIR: November 2026 of a Shenzhen phone chain, its month-end workbook and QR sheets.

    Example: storectl demo --dir /tmp/shop && storectl --db /tmp/shop/store.db report staff -p 2026-11
    """
    from storectl import demo as demo_service

    with guard(json_):
        with _progress(demo_service.STEPS) as step:
            result = demo_service.build(folder=dir, progress=step)
        emit(result, json_, _human)
