"""`storectl stock …` and `storectl sn …`: receive, take out, list, levels, count; one unit's story."""

from __future__ import annotations

import sys
from typing import Annotated, Callable, Optional, TextIO

import typer

from storectl.cli.common import WHOLE, JsonOpt, counter, in_range, emit, guard, notice, read, write
from storectl.output import console, money, print_wide, table, when

app = typer.Typer(no_args_is_help=True, help="Receive, take out, list, count stock.")
sn_app = typer.Typer(no_args_is_help=True, help="Find a unit by any of its codes, with its history.")

@sn_app.callback()
def _sn() -> None:
    """Find a unit by any of its codes, with its history."""


UnitsArg = Annotated[Optional[list[str]], typer.Argument(help="Unit codes (IMEI1,IMEI2,SN for one unit), SKU:QTY, or - for stdin.", show_default=False)]
FileOpt = Annotated[Optional[str], typer.Option("--file", help="A .txt (one unit per line), .csv or .xlsx (a column per code kind).")]
StoreOpt = Annotated[Optional[str], typer.Option("--store", help="Store code.")]
NewUnitsArg = Annotated[Optional[list[str]], typer.Argument(help="Unit codes, one unit per argument (IMEI1,IMEI2,SN), or - for stdin.", show_default=False)]
CountedArg = Annotated[Optional[list[str]], typer.Argument(help="The codes scanned (any of a unit's codes), or - for stdin.", show_default=False)]


# --- bulk input: arguments, --file, or stdin (piped, or a scanner at a terminal) ---------------


def gather(units: list[str] | None, file: str | None):
    """The items to work on, or None when '-' is a terminal (the caller runs the scanner loop)."""
    from storectl.errors import invalid
    from storectl.services.stock import unit_input

    units = [u for u in (units or [])]
    if "-" in units:
        if len(units) > 1 or file:
            raise invalid("'-' reads the units from stdin; give it alone", "e.g. storectl stock in … - < codes.txt")
        if sys.stdin.isatty():
            return None
        return unit_input.read_unit_stream(sys.stdin)
    if file is not None:
        if units:
            raise invalid("give the units as arguments or with --file, not both", "drop the arguments or --file")
        return unit_input.read_unit_file(file)
    return unit_input.argument_items(units)


def scan_loop(stream: TextIO, check: Callable[[str, str], str], *, err: TextIO, strict: bool = False) -> list[tuple[str, str]]:
    """Scanner mode: each line checked at once (✓ / ✗ and why, on `err`); an empty line or EOF ends it.

    Bad scans are left out (scan again); with `strict` the first bad scan aborts. Returns the good lines.
    """
    from storectl.errors import StoreError

    from storectl.codes import scanned_lines

    err.write("scan units, one per line; an empty line or Ctrl-D finishes\n")
    err.flush()
    lines = scanned_lines(stream)
    good: list[tuple[str, str]] = []
    refused = 0
    number = 0
    while True:
        raw = next(lines, None)
        if raw is None:
            break
        number += 1
        text = raw.strip()
        if not text:
            break
        label = f"line {number}"
        try:
            note = check(label, text)
        except StoreError as exc:
            refused += 1
            err.write(f"✗ {text}: {exc.message}\n")
            err.flush()
            if strict:
                raise
            continue
        good.append((label, text))
        err.write(f"✓ {text}{'  ' + note if note else ''}\n")
        err.flush()
    err.write(f"{len(good)} scanned" + (f", {refused} refused (left out)" if refused else "") + "\n")
    err.flush()
    return good


def _scan_with(check: Callable) -> Callable[[str, str], str]:
    """Run a per-line check in its own short read snapshot (no lock is held while the clerk scans)."""
    from storectl.cli.common import command_name, database

    base = database()

    def run(label: str, text: str) -> str:
        with base.read(command_name()) as s:
            return check(s, label, text)

    return run


def in_stock_checker(store: str | None, action: str) -> Callable:
    """Scanner check for commands that take in-stock units or SKU:QTY (stock out, transfer send)."""
    from storectl.errors import invalid
    from storectl.services.shop import lookup
    from storectl.services.stock import unit_input

    seen: set[int] = set()

    def check(s, label: str, text: str) -> str:
        where = lookup.store(s, store) if store else None
        units, qtys = unit_input.resolve_items(s, [(label, text)], store=where, action=action)
        if not units:
            return f"{qtys[0].product.sku} × {qtys[0].qty}"
        if units[0].id in seen:
            raise invalid(f"unit {units[0].first} was already scanned", "scan the next one")
        seen.add(units[0].id)
        return units[0].sku

    return check


def _units_or_scan(units, file, check: Callable, *, strict: bool = False):
    items = gather(units, file)
    if items is None:
        items = scan_loop(sys.stdin, _scan_with(check), err=sys.stderr, strict=strict)
    return items


# --- stock in / out ----------------------------------------------------------------------------


@app.command("in")
def stock_in(
    units: NewUnitsArg = None,
    store: Annotated[Optional[str], typer.Option("--store", help="Receiving store (default: the operator's store).")] = None,
    sku: Annotated[str, typer.Option("--sku", help="Product SKU.")] = ...,
    cost: Annotated[str, typer.Option("--cost", help="Purchase cost per unit, e.g. 6999 or ¥6,999.00.")] = ...,
    supplier: Annotated[Optional[str], typer.Option("--supplier", help="Supplier code.")] = None,
    ref: Annotated[Optional[str], typer.Option("--ref", help="Your reference, e.g. the purchase order.")] = None,
    file: FileOpt = None,
    qty: Annotated[Optional[int], typer.Option("--qty", parser=WHOLE, help="Quantity, for products counted by quantity.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Scanner mode: abort at the first bad scan.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Receive serial units (all or nothing) or a quantity into a store.

    Example: storectl stock in --store SZ01 --sku IP17P --cost 6999 --supplier SUP01 356938035643809,356938035643817,F2LXK1ZAJG5J
    """
    from storectl.money import parse_money
    from storectl.services.stock import inventory
    from storectl.services.stock import unit_input

    with guard(json_):
        in_range(qty, "--qty", 1, 1_000_000)
        cost_cents = parse_money(cost, what="cost")
        store, _ = counter(store, example="storectl stock in --store SZ01 --sku IP17P --cost 6999 …")
        items = gather(units, file)
        if items is None:
            with read() as s:
                unit_input.check_in_target(s, store=store, sku=sku, supplier=supplier)
            seen: dict[str, str] = {}
            good: list[str] = []

            def check(s, label: str, text: str) -> str:
                unit_input.check_in_line(s, sku=sku, value=text, seen=seen, label=label)
                good.append(label)
                return f"({len(good)} so far)"

            items = scan_loop(sys.stdin, _scan_with(check), err=sys.stderr, strict=strict)
        with write() as s:
            result = inventory.stock_in(
                s, store=store, sku=sku, cost_cents=cost_cents, supplier=supplier, ref=ref, units=items or None, qty=qty
            )
        emit(result, json_, _received)


def _received(r: dict) -> None:
    what = f"{r['received']} × {r['sku']}"
    extra = f", average cost now {money(r['avg_cost'])}" if r.get("avg_cost") else ""
    notice(f"received {what} into {r['store']} at {money(r['cost'])} each ({r['id']}){extra}")


@app.command("out")
def stock_out(
    items: UnitsArg = None,
    reason: Annotated[str, typer.Option("--reason", help="scrap, loss, supplier-return or internal-use.")] = ...,
    store: StoreOpt = None,
    file: FileOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Take units or quantities out of stock for a reason other than a sale (scrap and loss: managers).

    Example: storectl stock out --reason supplier-return 356938035643809
    """
    from storectl.services.stock import inventory

    with guard(json_):
        found = _units_or_scan(items, file, in_stock_checker(store, "take out"))
        with write(manager=reason.strip().lower() in ("loss", "scrap")) as s:
            result = inventory.stock_out(s, reason=reason, items=found, store=store)
        emit(result, json_, lambda r: notice(
            f"{r['id']}: {len(r['units'])} unit(s)"
            + "".join(f", {line['sku']} × {line['qty']}" for line in r["lines"])
            + f" out of {r['store']} as {r['status']} (cost {money(r['cost'])})"
        ))


@app.command("repair")
def stock_repair(
    code: Annotated[str, typer.Argument(help="Any of the faulty unit's codes.")],
    json_: JsonOpt = False,
) -> None:
    """Put a faulty unit (back from a service exchange) into stock again, repaired.

    Example: storectl stock repair 356938035643809
    """
    from storectl.services.aftersales import faulty

    with guard(json_):
        with write() as s:
            result = faulty.repair(s, code=code)
        emit(result, json_, lambda r: notice(f"{r['unit']} repaired: in stock at {r['store']} (cost {money(r['cost'])}, {r['ticket']})"))


# --- reading -------------------------------------------------------------------------------


@app.command("list")
def stock_list(
    store: StoreOpt = None,
    sku: Annotated[Optional[str], typer.Option("--sku", help="Only this SKU.")] = None,
    status: Annotated[Optional[str], typer.Option("--status", help="in_stock, in_transit, sold, scrapped, lost, supplier_returned, internal_use, faulty, reserved.")] = None,
    condition: Annotated[Optional[str], typer.Option("--condition", metavar="new|used", help="Only new units, or only used ones (trade-ins).")] = None,
    json_: JsonOpt = False,
) -> None:
    """List units with their codes, status, store and cost.

    Example: storectl stock list --store SZ01 --status in_stock
    """
    from storectl.services.stock import inventory

    with guard(json_):
        with read() as s:
            rows = inventory.list_units(s, store=store, sku=sku, status=status, condition=condition)
        emit(rows, json_, lambda rs: table(
            "units", ["store", "sku", "codes", "status", "cost"],
            [(r["store"], r["sku"], " ".join(r["codes"].values()), r["status"] + ("" if r["condition"] == "new" else f" {r['condition']}"),
              money(r["cost"])) for r in rs],
            right=["cost"], caption=f"{len(rs)} units",
        ))


@app.command("levels")
def stock_levels(
    store: StoreOpt = None,
    low: Annotated[Optional[int], typer.Option("--low", parser=WHOLE, help="Only what is at or below N.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Quantity and cost value on hand per store and SKU.

    Example: storectl stock levels --low 2
    """
    from storectl.services.stock import inventory

    with guard(json_):
        in_range(low, "--low", 0, 10**12)
        with read() as s:
            rows = inventory.levels(s, store=store, low=low)
        emit(rows, json_, lambda rs: table(
            "stock levels" + (f" at or below {low}" if low is not None else ""), ["store", "sku", "name", "qty", "value"],
            [(r["store"], r["sku"], r["name"], r["qty"], money(r["value"])) for r in rs], right=["qty", "value"],
        ))


@app.command("count")
def stock_count(
    units: CountedArg = None,
    store: Annotated[Optional[str], typer.Option("--store", help="The store being counted (default: the operator's store).")] = None,
    file: FileOpt = None,
    apply: Annotated[bool, typer.Option("--apply", help="Book the missing units as lost (managers).")] = False,
    json_: JsonOpt = False,
) -> None:
    """Stock-take: compare the scanned units with what the store should hold (CNT- document).

    Example: storectl stock count --store SZ01 --file shelf.txt
    """
    from storectl.services.stock import counting

    def check(s, label: str, text: str) -> str:
        return counting.check_count_line(s, store=store, text=text)

    with guard(json_):
        if units is None and file is None:
            from storectl.errors import invalid

            raise invalid("nothing scanned", "give the codes, --file F, or - to scan")
        store, _ = counter(store, example="storectl stock count --store SZ01 --file shelf.txt")
        found = _units_or_scan(units, file, check)
        with write(manager=apply) as s:
            result = counting.count(s, store=store, items=found, apply=apply)
        emit(result, json_, _counted)


def _counted(r: dict) -> None:
    """The figures first, then one code to a line under each heading (the code as it was scanned)."""
    from rich.markup import escape
    from rich.table import Table

    out = console()
    out.print(f"[bold]{r['id']}[/]  count of {escape(r['store'])}")
    summary = Table.grid(padding=(0, 2))
    summary.add_column()
    summary.add_column(justify="right")
    summary.add_column()
    summary.add_row("matched", str(r["matched"]), f"of {r['expected']} expected")
    if r.get("reserved"):
        summary.add_row("", "", f"{len(r['reserved'])} of them held for pre-orders")
    for key in ("missing", "unexpected", "unknown"):
        summary.add_row(key, str(len(r[key])), "")
    if r.get("missing_reserved"):
        summary.add_row("missing, reserved", str(len(r["missing_reserved"])), "on open orders: never booked lost")
    out.print(summary)
    detail = {
        "missing": [(d["code"], d["sku"]) for d in r.get("missing_detail", [])] or [(c, "") for c in r["missing"]],
        "missing, reserved": [(d["code"], f"{d['sku']}  held for {d['order'] or 'a pre-order'}") for d in r.get("missing_reserved", [])],
        "held for pre-orders": [(d["code"], f"{d['sku']}  {d['order'] or ''}".rstrip()) for d in r.get("reserved", [])],
        "unexpected": [(d["code"], f"{d['sku']}  {d['status']}" + (f" at {d['store']}" if d.get("store") else ""))
                       for d in r.get("unexpected_detail", [])],
        "unknown": [(c, "no unit carries this code") for c in r["unknown"]],
    }
    for key, rows in detail.items():
        if not rows:
            continue
        out.print(f"\n[bold]{key}[/] ({len(rows)})")
        for code, what in rows:
            out.print(f"  {escape(code)}  [dim]{escape(what)}[/]".rstrip(), soft_wrap=True)
    if r.get("applied"):
        out.print("missing units booked as lost")
    if r.get("note"):
        import textwrap

        out.print("\n" + escape(textwrap.fill(r["note"], 78)))


# --- sn show -------------------------------------------------------------------------------


@sn_app.command("show")
def sn_show(
    code: Annotated[str, typer.Argument(help="Any one of the unit's codes (IMEI1, IMEI2, SN).")],
    json_: JsonOpt = False,
) -> None:
    """Show one unit: product, codes, status, store, cost, supplier, warranty and its history.

    Example: storectl sn show 356938035643809
    """
    from storectl.services.stock import trace

    with guard(json_):
        with read() as s:
            result = trace.show_unit(s, code)
        emit(result, json_, _timeline)


# after-sales movements in a clerk's words (services/aftersales)
KIND_WORDS = {"exchange_in": "exchanged back faulty", "exchange_out": "given on exchange", "service_part": "used as a part",
              "repair": "repaired", "faulty_out": "faulty to supplier"}


def _route(src: str | None, dst: str | None) -> str:
    """Where a movement took the unit, as a clerk says it: SZ01 → SZ02, into SZ01, out of SZ01."""
    if src and dst:
        return f"{src} → {dst}"
    return f"into {dst}" if dst else f"out of {src}" if src else ""


def _timeline(r: dict) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = console()
    out.print(f"[bold]{escape(r['sku'])}[/]  {escape(r['name'])}")
    head = Table.grid(padding=(0, 2))
    head.add_column(style="dim")
    head.add_column()
    for kind, code in r["codes"].items():
        head.add_row(kind, code)
    head.add_row("status", r["status"] + (f" at {r['store']}" if r["status"] in ("in_stock", "in_transit") else ""))
    head.add_row("cost", money(r["cost"]))
    head.add_row("supplier", r["supplier"] or "—")
    head.add_row("warranty", f"until {r['warranty_until']}" if r["warranty_until"] else (f"{r['warranty_months']} months from the sale" if r["warranty_months"] else "none"))
    out.print(head)
    sales = any(h["customer"] or h["price"] for h in r["history"])
    history = Table(title="history", header_style="bold")
    for name in ("when", "what", "doc", "where"):
        history.add_column(name, no_wrap=True)
    history.add_column("by", min_width=4)
    if sales:
        history.add_column("customer", min_width=4)
        history.add_column("price", justify="right", no_wrap=True)
    for h in r["history"]:
        row = [when(h["at"]), KIND_WORDS.get(h["kind"], h["kind"].replace("_", " ")), h["doc"],
               _route(h["to"], None) if h["kind"] == "faulty_out" else _route(h["from"], h["to"]), h["operator"]]
        history.add_row(*row, *([h["customer"] or "", money(h["price"])] if sales else []))
    print_wide(history)
