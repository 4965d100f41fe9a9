"""`storectl transfer …`: move stock between stores; in transit until received."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from storectl.cli.common import JsonOpt, counter, emit, guard, notice, read, write
from storectl.cli.stock import FileOpt, UnitsArg, _units_or_scan, in_stock_checker
from storectl.output import table, when

app = typer.Typer(no_args_is_help=True, help="Move stock between stores (in transit until received).")

TransferArg = Annotated[str, typer.Argument(help="Transfer id, e.g. TR-000012.")]


def _summary(r: dict) -> None:
    """One line: units and each quantity line apart, what arrived and what is still on the road."""
    head = f"{r['id']} {r['from']} → {r['to']} ({r['status']})"
    if r["status"] == "open":
        parts = ([f"{len(r['units'])} unit(s)"] if r["units"] else []) + [f"{line['sku']} × {line['qty']}" for line in r["lines"]]
        notice(f"{head}: {', '.join(parts)}")
        return
    parts = []
    if r["units"]:
        parts.append(f"units: {len(r['received'])} of {len(r['units'])} received, {len(r['in_transit'])} in transit"
                     + (f", {len(r['cancelled'])} back" if r["cancelled"] else ""))
    for line in r["lines"]:
        parts.append(f"{line['sku']}: {line['received']} of {line['qty']} received, {line['in_transit']} in transit"
                     + (f", {line['cancelled']} back" if line["cancelled"] else ""))
    notice(f"{head}; " + "; ".join(parts))


@app.command("send")
def send(
    items: UnitsArg = None,
    from_: Annotated[Optional[str], typer.Option("--from", help="Sending store (default: the operator's store).")] = None,
    to: Annotated[str, typer.Option("--to", help="Receiving store.")] = ...,
    file: FileOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Send units and quantities to another store; prints the TR- id.

    Example: storectl transfer send --from SZ01 --to SZ02 356938035643809 00123:10
    """
    from storectl.services.stock import transfers

    with guard(json_):
        from_, _ = counter(from_, store_option="--from", example="storectl transfer send --from SZ01 --to SZ02 …")
        found = _units_or_scan(items, file, in_stock_checker(from_, "send"))
        with write() as s:
            result = transfers.send(s, from_store=from_, to_store=to, items=found)
        emit(result, json_, _summary)


@app.command("receive")
def receive(
    transfer: TransferArg,
    items: UnitsArg = None,
    file: FileOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Receive a transfer: everything, or only the listed units / SKU:QTY (the rest stay in transit).

    Example: storectl transfer receive TR-000012
    """
    from storectl.services.stock import transfers

    def check(s, label: str, text: str) -> str:
        return transfers.check_receive_line(s, transfer=transfer, text=text)

    with guard(json_):
        found = _units_or_scan(items, file, check) if (items or file) else None
        with write() as s:
            result = transfers.receive(s, transfer=transfer, items=found)
        emit(result, json_, _summary)


@app.command("cancel")
def cancel(transfer: TransferArg, json_: JsonOpt = False) -> None:
    """Cancel what has not been received: it goes back to the sender.

    Example: storectl transfer cancel TR-000012
    """
    from storectl.services.stock import transfers

    with guard(json_):
        with write() as s:
            result = transfers.cancel(s, transfer=transfer)
        emit(result, json_, _summary)


@app.command("list")
def list_(
    open_: Annotated[bool, typer.Option("--open", help="Only transfers still (partly) in transit.")] = False,
    json_: JsonOpt = False,
) -> None:
    """List transfers.

    Example: storectl transfer list --open
    """
    from storectl.services.stock import transfers

    with guard(json_):
        with read() as s:
            rows = transfers.list_transfers(s, open_only=open_)
        emit(rows, json_, lambda rs: table(
            "transfers", ["id", "status", "from → to", "sent", "units", "qty"],
            [(r["id"], r["status"], f"{r['from']} → {r['to']}", when(r["at"]),
              f"{r['units_in_transit']} of {r['units']}" if r["units"] else "",
              f"{r['qty_in_transit']} of {r['qty']}" if r["qty"] else "") for r in rs],
            right=["units", "qty"], caption="units and quantities in transit, of those sent",
        ))


@app.command("show")
def show(transfer: TransferArg, json_: JsonOpt = False) -> None:
    """Show one transfer: its units and quantities, what was received, what is still on the road.

    Example: storectl transfer show TR-000012
    """
    from storectl.services.stock import transfers

    with guard(json_):
        with read() as s:
            result = transfers.show(s, transfer)
        emit(result, json_, _detail)


def _detail(r: dict) -> None:
    rows = [(code, "received" if code in r["received"] else "cancelled" if code in r["cancelled"] else "in transit") for code in r["units"]]
    rows += [(f"{line['sku']} × {line['qty']}", f"received {line['received']}, cancelled {line['cancelled']}, in transit {line['in_transit']}") for line in r["lines"]]
    table(f"{r['id']}  {r['from']} → {r['to']}  ({r['status']})", ["item", "state"], rows,
          caption=f"sent {when(r['at'])} by {r['operator']}")
