"""`storectl demo`: a complete demo shop from the sample data."""

from __future__ import annotations

from typing import Annotated

import typer

from storectl.cli.common import JsonOpt, emit, guard, notice

app = typer.Typer()


@app.command()
def demo(
    dir: Annotated[str, typer.Option("--dir", help="Folder for the demo database and files.")] = "storectl-demo",
    json_: JsonOpt = False,
) -> None:
    """Build a demo shop in DIR (default ./storectl-demo): catalogue, a month of trading, month end.

    Example: storectl demo --dir /tmp/shop && storectl --db /tmp/shop/store.db product list
    """
    from storectl.services import demo as demo_service

    with guard(json_):
        result = demo_service.build(folder=dir, report=notice)

        def human(r: dict) -> None:
            typer.echo(f"demo shop ready: {r['db']}")
            typer.echo(f"try: storectl --db {r['db']} product list")

        emit(result, json_, human)
