"""`storectl warranty CODE`: whether a unit is under warranty (services/aftersales/warranty)."""

from __future__ import annotations

from typing import Annotated

import typer

from storectl.cli.common import JsonOpt, emit, guard, read

app = typer.Typer(help="Whether a unit is under warranty, by any of its codes.")

WORDS = {"in_warranty": "under warranty", "expired": "warranty expired", "not_sold": "not sold", "no_warranty": "sold without warranty"}


@app.command("warranty")
def warranty(
    code: Annotated[str, typer.Argument(help="Any of the unit's codes (IMEI1, IMEI2, SN).")],
    json_: JsonOpt = False,
) -> None:
    """A unit's warranty: status, until when, days left, its sale, customer and service tickets.

    Example: storectl warranty 356938035643809
    """
    from storectl.services.aftersales import warranty as w

    with guard(json_):
        with read() as s:
            result = w.show(s, code)
        emit(result, json_, _human)


def _human(r: dict) -> None:
    from storectl.output import console

    line = f"{r['unit']} {r['sku']}: {WORDS[r['status']]}"
    if r["warranty_until"]:
        line += f" (until {r['warranty_until']}" + (f", {r['days_left']} days left" if r["days_left"] is not None else "") + ")"
    console().print(line, markup=False)
    if r["sale"]:
        console().print(f"sold on {r['sale']}" + (f" to {r['customer']}" if r["customer"] else "")
                        + (f"; exchanged on {r['exchanged_on']}" if r["exchanged_on"] else ""), markup=False)
    if r["tickets"]:
        console().print("tickets: " + ", ".join(r["tickets"]), markup=False)
