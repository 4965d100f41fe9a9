"""The root command: global options, and the command groups, each loaded only when used.

Loading a group imports its services (SQLAlchemy, openpyxl, …); `storectl --help` needs none of
them, so the groups are listed from the table below and imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Optional

import typer
from typer.core import TyperCommand, TyperGroup

# name → (module, attribute, one-line help). Order is the order of `storectl --help`.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("storectl.cli.setup", "init_app", "Create the shop database and migrate it to the newest schema."),
    "demo": ("storectl.cli.demo", "app", "Build a complete demo shop from the sample data."),
    "db": ("storectl.cli.db", "app", "Database: path, migrations, backup, integrity check."),
    "config": ("storectl.cli.config", "app", "Shop settings kept in the database."),
    "store": ("storectl.cli.catalogue", "store_app", "Stores and warehouses."),
    "staff": ("storectl.cli.catalogue", "staff_app", "Staff, their stores and roles."),
    "supplier": ("storectl.cli.catalogue", "supplier_app", "Suppliers."),
    "product": ("storectl.cli.catalogue", "product_app", "The catalogue: serial and quantity products."),
    "customer": ("storectl.cli.customer", "app", "Customers, payments, statements and balances."),
    "import": ("storectl.cli.setup", "import_app", "Bulk import of catalogue data from .csv or .xlsx."),
    "stock": ("storectl.cli.stock", "app", "Receive, take out, list, count stock."),
    "sn": ("storectl.cli.stock", "sn_app", "Find a unit by any of its codes, with its history."),
    "transfer": ("storectl.cli.transfer", "app", "Move stock between stores (in transit until received)."),
    "price": ("storectl.cli.price", "app", "List prices and prices per customer, group or level."),
    "sell": ("storectl.cli.sale", "sell_app", "Sell units and quantities: prints the receipt."),
    "sale": ("storectl.cli.sale", "app", "Show and list sales."),
    "return": ("storectl.cli.sale", "return_app", "Return all or some lines of a sale."),
    "tradein": ("storectl.cli.tradein", "tradein_app", "Buy a used unit from a customer: into stock at the price paid."),
    "tradeins": ("storectl.cli.tradein", "app", "Trade-ins: list and show."),
    "order": ("storectl.cli.order", "app", "Pre-orders: reserve stock against a deposit, then sell or cancel."),
    "till": ("storectl.cli.till", "app", "The till: a scan-driven counter mode for a whole shift."),
    "member": ("storectl.cli.member", "app", "Members: enrol, show, daily check-in."),
    "points": ("storectl.cli.points", "app", "Points ledger, check-in rules, adjustments, expiry."),
    "level": ("storectl.cli.points", "level_app", "Member levels by lifetime spend."),
    "channel": ("storectl.cli.member", "channel_app", "Acquisition channels."),
    "partner": ("storectl.cli.partner", "app", "Partners who refer customers (异业合作)."),
    "commission": ("storectl.cli.commission", "app", "Commission (提成): rules, lines, statements, payouts."),
    "campaign": ("storectl.cli.campaign", "app", "Old customers back: campaign audiences, export, clicks, report."),
    "lead": ("storectl.cli.lead", "app", "Sales leads: add, follow up, list what is due."),
    "qr": ("storectl.cli.qr", "app", "QR codes for channels, staff and units; printable sheets."),
    "warranty": ("storectl.cli.warranty", "app", "Whether a unit is under warranty, by any of its codes."),
    "service": ("storectl.cli.service", "app", "After-sales service tickets: open, repair, exchange, close, rate."),
    "coupon": ("storectl.cli.coupon", "app", "Coupons: templates, issuing them to members (优惠券 / 满减)."),
    "report": ("storectl.cli.report", "app", "Daily, staff, store, product and channel reports; month end."),
    "period": ("storectl.cli.report", "period_app", "Close and reopen accounting months."),
    "audit": ("storectl.cli.setup", "audit_app", "The append-only log of who changed what."),
}


class _Placeholder(TyperCommand):
    """Stands in for a group in help listings without importing it."""

    def __init__(self, name: str, help_text: str) -> None:
        super().__init__(name=name, help=help_text, short_help=help_text)


class LazyGroup(TyperGroup):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from storectl.cli.helptext import humanise_params, quiet_help_option

        humanise_params(self.params)
        quiet_help_option(self)

    def list_commands(self, ctx) -> list[str]:
        return [name for name in COMMANDS if _available(name)]

    def get_command(self, ctx, cmd_name: str):
        if cmd_name not in COMMANDS or not _available(cmd_name):
            return None
        return _Placeholder(cmd_name, COMMANDS[cmd_name][2])

    def resolve_command(self, ctx, args: list[str]):
        cmd_name = str(args[0]) if args else None
        if cmd_name in COMMANDS and _available(cmd_name):
            from storectl.cli.common import state

            command = load(cmd_name)
            state.command = cmd_name
            if hasattr(command, "commands") and len(args) > 1 and not args[1].startswith("-"):
                state.command = f"{cmd_name} {args[1]}"
            return cmd_name, command, args[1:]
        try:
            return super().resolve_command(ctx, args)
        except typer._click.exceptions.UsageError as exc:  # a typo: suggest the closest commands
            import difflib

            known = [name for name in COMMANDS if _available(name)]
            matches = difflib.get_close_matches(cmd_name or "", known, n=3, cutoff=0.6) if cmd_name else []
            if matches and "Did you mean" not in exc.message:
                exc.message = exc.message.rstrip(".") + ". Did you mean " + ", ".join(repr(m) for m in matches) + "?"
            raise


def _available(name: str) -> bool:
    return importlib.util.find_spec(COMMANDS[name][0]) is not None


def load(name: str):
    module, attr, _ = COMMANDS[name]
    sub = getattr(importlib.import_module(module), attr)
    sub._add_completion = False  # converted on its own, a group would offer --install-completion
    command = typer.main.get_command(sub)
    command.name = name
    from storectl.cli.helptext import humanise

    humanise(command)
    return command


app = typer.Typer(
    cls=LazyGroup,
    name="storectl",
    help="storectl — the back office of a small electronics shop. Every command takes --json.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from storectl import __version__

        typer.echo(f"storectl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: Annotated[
        Optional[str],
        typer.Option("--db", envvar="STORECTL_DB", help="Database file or SQLAlchemy URL.", show_envvar=True),
    ] = None,
    operator: Annotated[
        Optional[str],
        typer.Option("--operator", envvar="STORECTL_OPERATOR", help="Who is typing (a staff code).", show_envvar=True),
    ] = None,
    json_: Annotated[
        bool, typer.Option("--json", help="Every command prints one JSON document (same as --json after it).")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """storectl — the back office of a small electronics shop."""
    from storectl.cli.common import state

    state.db = db
    state.operator = operator
    state.json = json_


def main() -> None:
    app()
