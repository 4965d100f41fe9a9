"""`storectl config show|set`: shop settings kept in the database."""

from __future__ import annotations

from typing import Annotated

import typer

from storectl.cli.common import JsonOpt, emit, guard, notice, read, write
from storectl.output import table

app = typer.Typer(no_args_is_help=True, help="Shop settings kept in the database.")


@app.command()
def show(json_: JsonOpt = False) -> None:
    """Show every setting with its value.

    Example: storectl config show
    """
    from storectl.services.shop import settings

    with guard(json_):
        with read() as s:
            rows = settings.show(s)
        emit(rows, json_, lambda rs: table("settings", ["key", "value", "", "meaning"], [(r["key"], r["value"], "(default)" if r["default"] else "", r["help"]) for r in rs]))


@app.command("set")
def set_(
    key: Annotated[str, typer.Argument(help="timezone, shop.name, qr.base_url, points.earn_rate, …")],
    value: Annotated[str, typer.Argument(help="The new value.")],
    json_: JsonOpt = False,
) -> None:
    """Change a setting (manager only once PINs are in use).

    Example: storectl config set timezone Asia/Shanghai
    """
    from storectl.services.shop import config

    with guard(json_):
        with write() as s:
            result = config.set_setting(s, key, value)
        emit(result, json_, lambda r: notice(f"{r['key']} = {r['value']}"))
