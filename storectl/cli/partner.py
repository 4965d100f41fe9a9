"""`storectl partner …`: referrers who are not members (异业合作), for three-level commission."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from storectl.cli.common import JsonOpt, emit, guard, notice, read, write
from storectl.output import details, table

app = typer.Typer(no_args_is_help=True, help="Partners who refer customers (异业合作).")


def _partner_table(r: dict) -> None:
    details(
        f"partner {r['code']}  {r['name']}",
        [("referrer", r["referrer"] or ""), ("members referred", ", ".join(r["members"])),
         ("partners referred", ", ".join(r["partners"]))],
    )


@app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="Partner code, e.g. P-WY01.")],
    name: Annotated[str, typer.Argument(help="Name, e.g. 万科物业 李经理.")],
    referrer: Annotated[Optional[str], typer.Option("--referrer", help="Who referred them: a partner code or a member's phone.",
                                                    metavar="REF")] = None,
    json_: JsonOpt = False,
) -> None:
    """Add a partner (a property manager, a decorator, another shop) who refers customers.

    Example: storectl partner add P-WY01 "万科物业 李经理"
    """
    from storectl.services.commission import partners

    with guard(json_):
        with write() as s:
            result = partners.add_partner(s, code=code, name=name, referrer=referrer)
        emit(result, json_, lambda r: notice(f"added partner {r['code']} {r['name']}"))


@app.command("list")
def list_(json_: JsonOpt = False) -> None:
    """Partners, who referred them and how many members they brought.

    Example: storectl partner list
    """
    from storectl.services.commission import partners

    with guard(json_):
        with read() as s:
            result = partners.list_partners(s)
        emit(result, json_, lambda rows: table(
            "partners", ["code", "name", "referrer", "members"],
            [(r["code"], r["name"], r["referrer"] or "", len(r["members"])) for r in rows], right=["members"],
        ))


@app.command("show")
def show(code: Annotated[str, typer.Argument(help="Partner code.")], json_: JsonOpt = False) -> None:
    """One partner: who referred them, the members and partners they referred.

    Example: storectl partner show P-WY01
    """
    from storectl.services.commission import partners

    with guard(json_):
        with read() as s:
            result = partners.show_partner(s, code)
        emit(result, json_, _partner_table)
