"""`storectl lead …`: sales leads and their follow-ups (销售线索)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from storectl.cli.common import JsonOpt, emit, guard, notice, read, write
from storectl.output import details, table

app = typer.Typer(no_args_is_help=True, help="Sales leads: add, follow up, list what is due.")


def _rows(rs: list[dict]) -> None:
    table(
        "leads", ["id", "phone", "name", "owner", "status", "next", "interest"],
        [(r["id"], r["phone"], r["name"], r["owner"], r["status"], (r["next"] or "") + (" !" if r["due"] else ""), r["interest"])
         for r in rs],
    )


def _one(r: dict) -> None:
    details(
        f"{r['id']}  {r['name']}  {r['phone']}",
        [("owner", r["owner"]), ("status", r["status"]), ("next", r["next"] or ""), ("source", r["source"]),
         ("interest", r["interest"]), ("customer", r["customer"] or ""), ("won by", r["won_sale"] or ""),
         ("until", (r["until"] or "")[:10])],
    )
    if r.get("notes"):
        table("follow-ups", ["at", "status", "next", "note"],
              [(n["at"][:16].replace("T", " "), n["status"], n["next"] or "", n["note"]) for n in r["notes"]])


@app.command("add")
def add(
    phone: Annotated[str, typer.Argument(help="The customer's phone.")],
    name: Annotated[Optional[str], typer.Option("--name")] = None,
    owner: Annotated[Optional[str], typer.Option("--owner", help="Salesperson code (default: who sold to them last).")] = None,
    source: Annotated[Optional[str], typer.Option("--source", help="Where it came from, e.g. 到店咨询.")] = None,
    interest: Annotated[Optional[str], typer.Option("--interest", help="What they want, e.g. iPhone 17 Pro.")] = None,
    next_date: Annotated[Optional[str], typer.Option("--next", help="Next follow-up, YYYY-MM-DD.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Add a lead; prints the L- id.

    Example: storectl lead add 13800138000 --owner E002 --interest 'iPhone 17 Pro' --next 2026-11-05
    """
    from storectl.services.crm import leads

    with guard(json_):
        with write() as s:
            r = leads.add(s, phone=phone, name=name, owner=owner, source=source, interest=interest, next_date=next_date)
        emit(r, json_, lambda r: notice(f"lead {r['id']}: {r['phone']} {r['name']} for {r['owner']}"))


@app.command("follow")
def follow(
    lead_id: Annotated[str, typer.Argument(help="Lead id, e.g. L-000001.")],
    note: Annotated[str, typer.Option("--note", help="What was said or done.")],
    next_date: Annotated[Optional[str], typer.Option("--next", help="Next follow-up, YYYY-MM-DD.")] = None,
    status: Annotated[Optional[str], typer.Option("--status", help="contacted, won or lost.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Record a follow-up: a note, the next date, the status.

    Example: storectl lead follow L-000001 --note 电话沟通,周末到店 --next 2026-11-07
    """
    from storectl.services.crm import leads

    with guard(json_):
        with write() as s:
            r = leads.follow(s, lead_id=lead_id, note=note, next_date=next_date, status=status)
        emit(r, json_, lambda r: notice(f"lead {r['id']}: {r['status']}" + (f", next {r['next']}" if r["next"] else "")))


@app.command("list")
def list_(
    owner: Annotated[Optional[str], typer.Option("--owner", help="Salesperson code.")] = None,
    due: Annotated[bool, typer.Option("--due", help="Only follow-ups due today or late.")] = False,
    json_: JsonOpt = False,
) -> None:
    """List leads (newest first); --due: those to call today, oldest first.

    Example: storectl lead list --owner E002 --due
    """
    from storectl.services.crm import leads

    with guard(json_):
        with read() as s:
            rows = leads.list_leads(s, owner=owner, due=due)
        emit(rows, json_, _rows)


@app.command("show")
def show(
    lead_id: Annotated[str, typer.Argument(help="Lead id, e.g. L-000001.")],
    json_: JsonOpt = False,
) -> None:
    """Show a lead with its follow-ups.

    Example: storectl lead show L-000001
    """
    from storectl.services.crm import leads

    with guard(json_):
        with read() as s:
            r = leads.show(s, lead_id)
        emit(r, json_, _one)
