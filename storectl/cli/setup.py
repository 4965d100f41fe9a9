"""`storectl init`, `storectl import KIND FILE` and `storectl audit`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from storectl.cli.common import JsonOpt, database, emit, guard, notice, read, write
from storectl.output import table, when

init_app = typer.Typer()
import_app = typer.Typer()
audit_app = typer.Typer()


@init_app.command()
def init(
    shop_name: Annotated[Optional[str], typer.Option("--shop-name", help="The shop's name on receipts.")] = None,
    timezone: Annotated[Optional[str], typer.Option("--timezone", help="IANA zone, e.g. Asia/Shanghai.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Create the shop database and migrate it to the newest schema; safe to run again.

    Example: storectl init --shop-name 华强北数码 --timezone Asia/Shanghai
    """
    from storectl.services.shop import maintenance

    with guard(json_):
        result = maintenance.init(database(), shop_name=shop_name, timezone_name=timezone)
        emit(result, json_, _initialised)


def _initialised(r: dict) -> None:
    notice(f"{'created' if r['created'] else 'up to date'}: {r['path']} (revision {r['revision']})")
    if r.get("timezone_chosen"):
        notice(f"time zone: {r['timezone']} (this machine's); the shop's days and months follow it. "
               f"If the shop is elsewhere: storectl config set timezone Asia/Shanghai")


@import_app.command(name="import")
def import_(
    kind: Annotated[str, typer.Argument(help="products, customers, staff, stores or suppliers.")],
    file: Annotated[str, typer.Argument(help="A .csv or .xlsx file with a header row.")],
    json_: JsonOpt = False,
) -> None:
    """Import catalogue rows from a file: all rows or none, bad rows reported by line.

    Example: storectl import products sample_data/products.csv
    """
    from storectl.services.shop import importer

    with guard(json_):
        with write(manager=kind.strip().lower() == "staff") as s:
            result = importer.import_file(s, kind=kind, path=file)
        emit(result, json_, lambda r: notice(f"imported {r['imported']} {r['kind']} from {r['file']}"))


@audit_app.command()
def audit(
    since: Annotated[Optional[str], typer.Option("--since", help="Only entries from this date (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100000, help="At most this many, newest last.")] = 200,
    json_: JsonOpt = False,
) -> None:
    """Show the audit log: who ran which write, when, and which documents it made.

    Example: storectl audit --since 2026-11-01
    """
    from storectl.periods import parse_date
    from storectl.services.shop import maintenance
    from storectl.services.shop import settings

    with guard(json_):
        with read() as s:
            start = None
            if since is not None:
                day = parse_date(since)
                start = _local_midnight_utc(day, settings.shop_tz(s))
            rows = maintenance.audit_log(s, since=start, limit=limit)
        emit(
            rows,
            json_,
            lambda rs: table(
                "audit", ["at", "operator", "command", "docs", "outcome"],
                [(when(r["at"]), r["operator"], r["command"], " ".join(r["docs"]), r["outcome"]) for r in rs],
            ),
        )


def _local_midnight_utc(day, tz):  # noqa: ANN001
    from datetime import datetime, time, timezone

    return datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)
