"""`storectl transfer …`: move stock between stores; in transit until received."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from storectl.cli.common import JsonOpt, counter, emit, guard, notice, read, write
from storectl.cli.stock import FileOpt, UnitsArg, _units_or_scan, in_stock_checker
from storectl.output import table

app = typer.Typer(no_args_is_help=True, help="Move stock between stores (in transit until received).")

TransferArg = Annotated[str, typer.Argument(help="Transfer id, e.g. TR-000012.")]


def _summary(r: dict) -> None:
    parts = [f"{len(r['units'])} unit(s)"] + [f"{line['sku']} × {line['qty']}" for line in r["lines"]]
    notice(f"{r['id']} {r['from']} → {r['to']}: {', '.join(parts)} — {r['status']}"
           + (f"; received {len(r['received'])}, in transit {len(r['in_transit'])}" if r["status"] != "open" else ""))


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
            "transfers", ["id", "status", "from", "to", "sent", "units", "qty", "in transit"],
            [(r["id"], r["status"], r["from"], r["to"], (r["at"] or "")[:16].replace("T", " "), r["units"], r["qty"], r["in_transit"]) for r in rs],
            right=["units", "qty", "in transit"],
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
          caption=f"sent {r['at']} by {r['operator']}")
