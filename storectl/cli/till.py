"""`storectl till`: the counter's scan-driven mode, one process for a whole shift.

The rules live in services/till/counter.py; this module reads the lines and prints the answers:
with --json one JSON object per line (JSON Lines), else a ✓/✗ line per scan and the receipt at `done`.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated, Iterator, Optional

import typer

from storectl.cli.common import JsonOpt, database, guard, interactive
from storectl.output import OutputFailed, _silence_stdout, _write_stdout, clean, console, money

app = typer.Typer(help="The till: scan items, set the customer, take payment, print the receipt.")

StoreOpt = Annotated[Optional[str], typer.Option("--store", help="Store code (default: the operator's store).")]
StaffOpt = Annotated[Optional[str], typer.Option("--staff", help="Salesperson's staff code (default: the operator).")]
ReceiptsOpt = Annotated[Optional[str], typer.Option("--receipts", metavar="FOLDER", help="Write every sale's receipt here (receipt-S-ID.html).")]


def _lines() -> Iterator[str]:
    """stdin one line at a time, as it arrives (a scanner, a terminal or a pipe); bytes that are
    not UTF-8 become U+FFFD, which no code contains, so such a line is refused, not a crash."""
    stream = getattr(sys.stdin, "buffer", None)
    while True:
        raw = stream.readline() if stream is not None else sys.stdin.readline()
        if not raw:
            return
        yield raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw


@app.command("till")
def till(
    store: StoreOpt = None,
    staff: StaffOpt = None,
    receipts: ReceiptsOpt = None,
    json_: Annotated[bool, typer.Option("--json", help="Answer each line with one JSON object (JSON Lines).")] = False,
) -> None:
    """The till: one line per scan or command, each answered at once; ? lists the lines, q ends.

    Example: storectl --operator E002 till --receipts ~/receipts
    """
    from storectl.services.till import counter
    from storectl.services.till import receipts as receipt_pages

    with guard(json_):
        if receipts is not None:
            folder = os.path.abspath(os.path.expanduser(receipts))
            if not os.path.isdir(folder):
                from storectl.errors import invalid

                raise invalid(f"--receipts: folder {folder} does not exist", "create it first, or leave --receipts out")

        def write_receipt(page: dict, path: str | None) -> str | None:
            if path is None and receipts is None:
                return None
            return receipt_pages.write(page, path or os.path.join(folder, receipt_pages.default_path(page["id"])))

        from storectl.errors import StoreError

        try:
            desk = counter.Till(database(), store=store, staff=staff, receipts=write_receipt)
        except StoreError as err:
            if not json_:
                raise
            _json_line({"ok": False, **err.as_dict()})  # JSON Lines from the first line on
            raise typer.Exit(1) from None
        if interactive():
            console(stderr=True).print(
                f"till open at {clean(desk.store)} {clean(desk.store_name)}, staff {clean(desk.staff)} {clean(desk.staff_name)}: "
                "scan items; ? lists the lines, q ends", highlight=False)
        show = _json_line if json_ else _Human().show
        counter.run(desk, _lines(), show)


def _json_line(answer: dict) -> None:
    _write_stdout(json.dumps(answer, ensure_ascii=False) + "\n")


class _Human:
    """✓/✗ per line, the running basket, the receipt at done."""

    def __init__(self) -> None:
        from rich.console import Console

        self.out = Console(highlight=False, soft_wrap=True)  # a message is one line, never hard-wrapped

    def show(self, a: dict) -> None:
        try:
            self._show(a)
            sys.stdout.flush()
        except OSError as exc:
            _silence_stdout()
            raise OutputFailed(exc) from None

    def _total(self, a: dict) -> None:
        extra = []
        if a["points"]:
            extra.append(f"points {a['points']} = {money(a['points_value'])}")
        if a["paid"] != "0.00":
            extra.append(f"paid {money(a['paid'])}")
        if a["change"] != "0.00":
            extra.append(f"change {money(a['change'])}")
        elif a["credit"] and a["to_pay"] != "0.00":
            extra.append(f"owed on credit {money(a['to_pay'])}")
        else:
            extra.append(f"to pay {money(a['to_pay'])}")
        self.out.print(f"  [bold]total {money(a['total'])}[/] · {a['items']} item{'s' if a['items'] != 1 else ''} · " + " · ".join(extra))

    def _basket(self, lines: list[dict]) -> None:
        from rich.markup import escape
        from rich.table import Table

        if not lines:
            return
        t = Table(box=None, show_header=False, pad_edge=False)
        for justify in ("left", "left", "right", "right", "left"):
            t.add_column(justify=justify, overflow="fold")
        for line in lines:
            t.add_row("  " + escape(clean(line["name"])), line["unit"] or f"{line['sku']} ×{line['qty']}", money(line["amount"]),
                      "" if line["rule"] == "list" else escape(line["rule"]), "")
        self.out.print(t)

    def _show(self, a: dict) -> None:
        from rich.markup import escape

        if not a["ok"]:
            err = a["error"]
            self.out.print(f"[bold red]✗[/] {escape(clean(err['message']))} [dim]({err['code']})[/]")
            if err.get("hint"):
                self.out.print(f"  [dim]hint:[/] {escape(clean(err['hint']))}")
            return
        if "item" in a:
            i = a["item"]
            what = i["unit"] or f"{i['sku']} ×{i['qty']}"
            rule = "" if i["rule"] == "list" else f" ({escape(i['rule'])})"
            warranty = f" · warranty until {i['warranty_until']}" if i["warranty_until"] else ""
            self.out.print(f"[bold green]✓[/] {escape(clean(i['name']))}  {escape(what)}  {money(i['price'])}{rule}{warranty}")
            self._total(a)
        elif "customer" in a:
            c = a["customer"]
            about = []
            if c["member"]:
                about.append(f"member, level {escape(c['level'] or '—')}, {c['points']:,} points")
            if c["owes"] != "0.00":
                about.append(f"owes {money(c['owes'])}")
            self.out.print(f"[bold green]✓[/] customer {escape(clean(c['name']))} ({escape(c['code'])})"
                           + (": " + ", ".join(about) if about else ""))
            self._basket(a["lines"])
            self._total(a)
        elif "removed" in a:
            r = a["removed"]
            self.out.print(f"[bold green]✓[/] removed {escape(r['unit'] or r['sku'] + ' ×' + str(r['qty']))}")
            self._total(a)
        elif "payment" in a:
            self.out.print(f"[bold green]✓[/] {a['payment']['method']} {money(a['payment']['amount'])}")
            self._total(a)
        elif "sale" in a:
            from storectl.cli.sale import print_receipt

            print_receipt(a["sale"])
            if a.get("receipt"):
                self.out.print(f"receipt written: {escape(a['receipt'])}")
            elif a.get("receipt_error"):
                self.out.print(f"[bold red]✗[/] the receipt was not written: {escape(clean(a['receipt_error']['message']))}")
            self.out.print("[bold green]✓[/] sold; next customer")
        elif "help" in a:
            for h in a["help"]:
                self.out.print(f"  [bold]{escape(h['line']):<18}[/] {escape(h['does'])}")
        elif a.get("void"):
            self.out.print(f"[bold green]✓[/] basket emptied ({a['dropped']} item{'s' if a['dropped'] != 1 else ''} dropped)")
        elif a.get("end"):
            sold = f"sales this shift: {', '.join(a['sales'])}" if a["sales"] else "no sales this shift"
            if a.get("message"):
                self.out.print(f"[bold yellow]![/] {escape(a['message'])}")
            self.out.print(f"till closed; {sold}")
        else:  # points, credit
            self.out.print("[bold green]✓[/] " + (f"points {a['points']} = {money(a['points_value'])}" if not a["credit"] else "on credit"))
            self._total(a)
