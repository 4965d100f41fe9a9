"""`storectl sell`, `storectl sale show|list` and `storectl return`: the till."""

from __future__ import annotations

import sys
from typing import Annotated, List, Optional

import typer

from storectl.cli.common import WHOLE, JsonOpt, counter, in_range, PeriodOpt, emit, guard, read, write
from storectl.output import console, money, table, when
from storectl.services.till.payments import METHODS, parse_method, parse_payment

sell_app = typer.Typer(help="Sell units and quantities: prints the receipt.")
app = typer.Typer(no_args_is_help=True, help="Show and list sales.")
return_app = typer.Typer(help="Return all or some lines of a sale.")


ItemsFile = Annotated[Optional[str], typer.Option("--file", help="Items from a .txt (one per line), .csv or .xlsx (a row per item).")]


def gather_items(items: list[str] | None, file: str | None) -> list[str]:
    """Items from the arguments, from --file, or from stdin with '-' (one per line; an empty line ends it)."""
    from storectl.errors import invalid

    items = list(items or [])
    if "-" in items:
        if len(items) > 1 or file:
            raise invalid("'-' reads the items from stdin; give it alone", "e.g. storectl sell --store SZ01 --staff E002 - < items.txt")
        if sys.stdin.isatty():
            sys.stderr.write("scan items, one per line; an empty line or Ctrl-D finishes\n")
        from storectl.codes import scanned_lines

        out = []
        for raw in scanned_lines(sys.stdin):
            if not raw.strip():
                break
            out.append(raw.strip())
        if not out:  # never let an empty scan mean "the whole sale"
            raise invalid("no items were read from stdin", "one unit code or SKU[:QTY] per line")
        return out
    if file is not None:
        from pathlib import Path

        from storectl.services.shop import files

        if items:
            raise invalid("give the items as arguments or with --file, not both", "drop the arguments or --file")
        if Path(file).suffix.lower() in (".csv", ".xlsx", ".xlsm"):
            _, rows = files.read_table(file)
            out = [",".join(v for v in row.values() if v and v.strip()) for _, row in rows]
        else:
            out = [text for _, text in files.read_lines(file)]
        if not out:
            raise invalid(f"{file} has no items", "one unit code or SKU[:QTY] per line")
        return out
    return items


def print_receipt(r: dict, *, title: str = "") -> None:
    """A till receipt: shop, store, staff, time, items with codes and warranty, money, points."""
    from rich.markup import escape
    from rich.table import Table

    out = console()
    out.print(f"[bold]{escape(r['shop'])}[/]  {escape(r['store_name'])} ({r['store']})")
    out.print(f"{title or '销售单 sale'} [bold]{r['id']}[/]   {when(r['at'])}   staff {escape(r['staff_name'])} ({r['staff']})")
    if r["customer"]:
        out.print(f"customer {escape(r['customer'])} {escape(r['customer_name'] or '')}")
    # a line per item, then its code, quantity × price and amount: fits a narrow screen (or an 80 mm
    # slip) whatever the length of the name, and a price never shares a cell with a wrapped word
    items = Table(show_header=False, box=None, pad_edge=False, expand=False)
    items.add_column("what", overflow="fold")
    items.add_column("qty × price", justify="right", no_wrap=True)
    items.add_column("amount", justify="right", no_wrap=True)
    for line in r["lines"]:
        code = line["unit"] or line["sku"]
        items.add_row(f"[bold]{escape(line['name'])}[/]", "", "")
        items.add_row(f"  {escape(code)}", f"{line['qty']} × {money(line['price'])}", money(line["amount"]))
        details = []
        if line["rule"] not in ("list",):
            details.append(f"price: {line['rule']}")
        if line["warranty_until"]:
            details.append(f"warranty until {line['warranty_until']}")
        if line.get("returned"):
            details.append(f"returned {line['returned']}")
        for detail in details:
            items.add_row(f"  [dim]{escape(detail)}[/]", "", "")
    out.print(items)
    totals = Table(show_header=False, box=None, pad_edge=False)
    totals.add_column("what")
    totals.add_column("amount", justify="right")
    for c in r.get("coupons", []):
        totals.add_row(f"coupon {c['code']} {escape(c['name'])}", f"-{money(c['off'])}")
    totals.add_row("[bold]total[/]", f"[bold]{money(r['total'])}[/]")
    if r["points_redeemed"]:
        totals.add_row(f"points ({r['points_redeemed']})", money(r["points_value"]))
    change = r.get("change") not in (None, "0.00")
    for method, amount in r["payments"].items():
        if method == "cash" and change:  # the receipt shows the cash handed over, then the change
            from storectl.money import format_money, parse_money

            amount = format_money(parse_money(amount) + parse_money(r["change"]))
        totals.add_row(method, money(amount))
    if change and "cash" not in r["payments"]:
        totals.add_row("cash", money(r["change"]))
    if change:
        totals.add_row("change", money(r["change"]))
    if r["due"] != "0.00":
        totals.add_row("[bold]owed[/]", f"[bold]{money(r['due'])}[/]")
    out.print(totals)
    if r["member"] is not None:
        out.print(f"points earned {r['points_earned']}, balance {r['points_balance']}")
    if r.get("returns"):
        out.print(f"returns: {', '.join(r['returns'])}")
    if r.get("receipt"):
        out.print(f"receipt written: {escape(r['receipt'])}")


@sell_app.command("sell")
def sell(
    items: Annotated[Optional[List[str]], typer.Argument(help="Unit codes (IMEI/SN) or SKU[:QTY]; - reads them from stdin.", show_default=False)] = None,
    store: Annotated[Optional[str], typer.Option("--store", help="Store code (default: the operator's store).")] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Salesperson's staff code (default: the operator).")] = None,
    customer: Annotated[Optional[str], typer.Option("--customer", help="Customer code or member phone.")] = None,
    channel: Annotated[Optional[str], typer.Option("--channel", help="Sales channel code.")] = None,
    price: Annotated[Optional[List[str]], typer.Option("--price", help="ITEM=AMOUNT: a manual price per unit.")] = None,
    pay: Annotated[Optional[List[str]], typer.Option("--pay", help=f"METHOD=AMOUNT: {', '.join(METHODS)}.")] = None,
    points: Annotated[int, typer.Option("--points", parser=WHOLE, help="Pay with this many points (members).")] = 0,
    on_credit: Annotated[bool, typer.Option("--on-credit", help="The customer owes what is not paid.")] = False,
    coupon: Annotated[Optional[List[str]], typer.Option("--coupon", help="The member's coupon code (several allowed).")] = None,
    tradein: Annotated[Optional[List[str]], typer.Option("--tradein", metavar="TI-ID", help="Take a trade-in's credit as payment (each once).")] = None,
    file: ItemsFile = None,
    receipt: Annotated[Optional[str], typer.Option("--receipt", metavar="FILE.html", help="Also write the printable 80 mm receipt (with its QR code) here.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Sell units and quantities; prints the receipt with the S- id.

    Example: storectl sell 356938035643809 00123:2 --pay wechat=9077  (as E002: --store/--staff default to the operator)
    """
    from storectl.services.till import receipts, sales

    with guard(json_):
        in_range(points, "--points", 0, 10**12)
        receipts.check_out(receipt)
        overrides = [sales.parse_price_override(p) for p in price or []]
        payments = [parse_payment(p) for p in pay or []]
        store, staff = counter(store, staff, want_staff=True, example="storectl sell --store SZ01 --staff E002 …")
        wanted = gather_items(items, file)
        with write() as s:
            result = sales.sell(
                s, store=store, staff=staff, items=wanted, customer=customer, channel=channel,
                prices=overrides, payments=payments, points=points, on_credit=on_credit, coupons=list(coupon or []),
                tradein=tradein or [],
            )
            page = receipts.with_receipt(s, result) if receipt else None
        if page is not None:  # after the commit: the lock is not held while the page is drawn
            result["receipt"] = write_receipt_after_sale(page, receipt)
        emit(result, json_, print_receipt)


def write_receipt_after_sale(page: dict, path: str) -> str:
    """Write a just-made sale's receipt; a failure says the sale stands and how to print it again."""
    from storectl.errors import StoreError
    from storectl.services.till import receipts

    try:
        return receipts.write(page, path)
    except StoreError as err:
        raise StoreError(err.code, f"sale {page['id']} was made, but its receipt was not written: {err.message}",
                         f"storectl sale receipt {page['id']} --out FILE.html") from None


@app.command("receipt")
def receipt_(
    doc: Annotated[str, typer.Argument(help="Sale id, e.g. S-000012.")],
    out: Annotated[Optional[str], typer.Option("--out", metavar="FILE.html", help="Where to write it (default receipt-S-ID.html here).")] = None,
    json_: JsonOpt = False,
) -> None:
    """Write a sale's printable 80 mm receipt (HTML) with its after-sales QR code.

    Example: storectl sale receipt S-000012 --out receipt.html
    """
    from storectl.services.till import receipts
    from storectl.services.till.sale_views import parse_sale_doc

    with guard(json_):
        doc = parse_sale_doc(doc)
        path = out or receipts.default_path(doc)
        receipts.check_out(path)
        with read() as s:
            missing = receipts.needs_token(s, doc)
        if missing:  # a sale made before tokens existed gets one now, in a write of its own
            with write() as s:
                receipts.ensure_token(s, doc)
        with read() as s:
            page = receipts.receipt(s, doc)
        written = receipts.write(page, path)
        emit({"id": page["id"], "path": written, "token": page["token"], "payload": page["payload"]}, json_,
             lambda r: console().print(f"receipt {r['id']} written: {r['path']}"))


@app.command("lookup")
def lookup_(
    token: Annotated[str, typer.Argument(metavar="TOKEN", help="The token under a receipt's QR code, or the whole scanned address.")],
    json_: JsonOpt = False,
) -> None:
    """Find the sale a receipt's QR code belongs to (after-sales); shows it as its receipt.

    Example: storectl sale lookup 'https://m.storectl.cn/join?r=3q2-7wEjVh0bF8kS1m0xkQ'
    """
    from storectl.services.till import receipts

    with guard(json_):
        with read() as s:
            result = receipts.lookup_sale(s, token)
        emit(result, json_, print_receipt)


@app.command("show")
def show(
    doc: Annotated[str, typer.Argument(help="Sale id, e.g. S-000012.")],
    json_: JsonOpt = False,
) -> None:
    """Show one sale as its receipt, with what has been returned.

    Example: storectl sale show S-000012
    """
    from storectl.services.till import sale_views

    with guard(json_):
        with read() as s:
            result = sale_views.show_sale(s, doc)
        emit(result, json_, print_receipt)


@app.command("list")
def list_(
    period: PeriodOpt = None,
    store: Annotated[Optional[str], typer.Option("--store", help="Only this store.")] = None,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Only this salesperson.")] = None,
    json_: JsonOpt = False,
) -> None:
    """List sales, oldest first.

    Example: storectl sale list -p 2026-11 --store SZ01
    """
    from storectl.services.till import sale_views

    with guard(json_):
        with read() as s:
            rows = sale_views.list_sales(s, period=period, store=store, staff=staff)
        emit(rows, json_, lambda rs: table(
            "sales", ["id", "at", "store", "staff", "customer", "items", "total", "owed", "returned"],
            [(r["id"], when(r["at"]), r["store"], r["staff"], r["customer"] or "", r["items"],
              money(r["total"]), money(r["due"]), money(r["returned"])) for r in rs],
            right=["items", "total", "owed", "returned"],
        ))


@return_app.command("return")
def return_(
    doc: Annotated[str, typer.Argument(help="Sale id, e.g. S-000012.")],
    items: Annotated[Optional[List[str]], typer.Argument(help="Unit codes or SKU[:QTY]; none = the whole sale; - reads stdin.", show_default=False)] = None,
    refund: Annotated[Optional[str], typer.Option("--refund", help=f"Refund method, one of {', '.join(METHODS)} (default: the sale's first payment method).")] = None,
    file: ItemsFile = None,
    json_: JsonOpt = False,
) -> None:
    """Return a whole sale, or some of its items; prints the RT- id.

    Example: storectl return S-000012 356938035643809 --refund wechat
    """
    from storectl.services.till import returns
    from storectl.services.till import sales

    with guard(json_):
        method = parse_method(refund) if refund is not None else None
        wanted = gather_items(items, file)
        with write() as s:
            result = returns.return_sale(s, sale=doc, items=wanted, refund_method=method)
        emit(result, json_, _print_return)


def _print_return(r: dict) -> None:
    out = console()
    out.print(f"[bold]{r['id']}[/] return of {r['sale']}   {when(r['at'])}")
    table(None, ["item", "code", "qty", "amount"],
          [(line["name"], line["unit"] or line["sku"], line["qty"], money(line["amount"])) for line in r["lines"]],
          right=["qty", "amount"])
    out.print(f"returned {money(r['amount'])}")
    if r["credit"] != "0.00":
        out.print(f"less owed: {money(r['credit'])}")
    if r["refund"] != "0.00":
        out.print(f"[bold]refund {money(r['refund'])} by {r['refund_method']}[/]")
    if r["points_restored"] or r["points_reversed"] or r["points_unrecovered"]:
        out.print(f"points given back {r['points_restored']}, taken back {r['points_reversed']}"
                  + (f", [bold red]not recoverable {r['points_unrecovered']}[/]" if r["points_unrecovered"] else ""))
