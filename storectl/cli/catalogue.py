"""`storectl store|staff|supplier|product …`: the catalogue."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from storectl.cli.common import JsonOpt, emit, guard, notice, read, write
from storectl.output import details, money, table

store_app = typer.Typer(no_args_is_help=True, help="Stores and warehouses.")
staff_app = typer.Typer(no_args_is_help=True, help="Staff, their stores and roles.")
supplier_app = typer.Typer(no_args_is_help=True, help="Suppliers.")
product_app = typer.Typer(no_args_is_help=True, help="The catalogue: serial and quantity products.")


def _added(what: str):
    return lambda r: notice(f"added {what} {r.get('code') or r.get('sku')}: {r['name']}")


@store_app.command("add")
def store_add(
    code: Annotated[str, typer.Argument(help="Store code, e.g. SZ01.")],
    name: Annotated[str, typer.Argument(help="Store name.")],
    json_: JsonOpt = False,
) -> None:
    """Add a store or warehouse.

    Example: storectl store add SZ01 华强北旗舰店
    """
    from storectl.services.shop import catalogue

    with guard(json_):
        with write() as s:
            result = catalogue.add_store(s, code=code, name=name)
        emit(result, json_, _added("store"))


@store_app.command("list")
def store_list(json_: JsonOpt = False) -> None:
    """List stores.

    Example: storectl store list --json
    """
    from storectl.services.shop import catalogue

    with guard(json_):
        with read() as s:
            rows = catalogue.list_stores(s)
        emit(rows, json_, lambda rs: table("stores", ["code", "name"], [(r["code"], r["name"]) for r in rs]))


@staff_app.command("add")
def staff_add(
    code: Annotated[str, typer.Argument(help="Staff code, e.g. E001.")],
    name: Annotated[str, typer.Argument(help="Full name.")],
    store: Annotated[str, typer.Option("--store", help="Home store code.")],
    role: Annotated[str, typer.Option("--role", help="clerk, manager or accountant.")] = "clerk",
    json_: JsonOpt = False,
) -> None:
    """Add a staff member (manager only once PINs are in use).

    Example: storectl staff add E001 张伟 --store SZ01 --role manager
    """
    from storectl.services.shop import catalogue

    with guard(json_):
        with write(manager=True) as s:
            result = catalogue.add_staff(s, code=code, name=name, store=store, role=role)
        emit(result, json_, _added("staff member"))


@staff_app.command("list")
def staff_list(
    store: Annotated[Optional[str], typer.Option("--store", help="Only this store.")] = None,
    json_: JsonOpt = False,
) -> None:
    """List staff.

    Example: storectl staff list --store SZ01
    """
    from storectl.services.shop import catalogue

    with guard(json_):
        with read() as s:
            rows = catalogue.list_staff(s, store=store)
        emit(rows, json_, lambda rs: table("staff", ["code", "name", "store", "role", "PIN"], [(r["code"], r["name"], r["store"], r["role"], "yes" if r["has_pin"] else "") for r in rs]))


@staff_app.command("set-pin")
def staff_set_pin(
    code: Annotated[str, typer.Argument(help="Staff code.")],
    json_: JsonOpt = False,
) -> None:
    """Set a staff member's PIN: from a hidden prompt, or STORECTL_NEW_PIN for scripts.

    Once any manager has a PIN, manager-only actions need a manager operator and their PIN.
    Example: storectl --operator E001 staff set-pin E001
    """
    import os

    from storectl.services.shop import auth

    with guard(json_):
        pin = os.environ.get("STORECTL_NEW_PIN")
        if pin is None:
            pin = typer.prompt(f"new PIN for {code}", hide_input=True, confirmation_prompt=True, err=True)
        auth.validate_pin(pin)
        with write(manager=True) as s:
            result = auth.set_pin(s, code=code, pin=pin)
        emit(result, json_, lambda r: notice(f"PIN set for {r['staff']}" + (" — manager-only actions now need a manager's PIN" if r["pins_in_force"] else "")))


@supplier_app.command("add")
def supplier_add(
    code: Annotated[str, typer.Argument(help="Supplier code.")],
    name: Annotated[str, typer.Argument(help="Supplier name.")],
    json_: JsonOpt = False,
) -> None:
    """Add a supplier.

    Example: storectl supplier add SUP01 深圳市华讯通信器材有限公司
    """
    from storectl.services.shop import catalogue

    with guard(json_):
        with write() as s:
            result = catalogue.add_supplier(s, code=code, name=name)
        emit(result, json_, _added("supplier"))


@supplier_app.command("list")
def supplier_list(json_: JsonOpt = False) -> None:
    """List suppliers.

    Example: storectl supplier list
    """
    from storectl.services.shop import catalogue

    with guard(json_):
        with read() as s:
            rows = catalogue.list_suppliers(s)
        emit(rows, json_, lambda rs: table("suppliers", ["code", "name"], [(r["code"], r["name"]) for r in rs]))


@product_app.command("add")
def product_add(
    sku: Annotated[str, typer.Argument(help="SKU (text; leading zeros kept).")],
    name: Annotated[str, typer.Argument(help="Product name.")],
    brand: Annotated[str, typer.Option("--brand")] = "",
    category: Annotated[str, typer.Option("--category")] = "",
    price: Annotated[Optional[str], typer.Option("--price", help="List price, e.g. 8999 or ¥8,999.00.")] = None,
    serial: Annotated[bool, typer.Option("--serial/--no-serial", help="Tracked unit by unit, or by quantity.")] = True,
    codes: Annotated[Optional[str], typer.Option("--codes", help="Code kinds one unit carries, e.g. IMEI1,IMEI2,SN.")] = None,
    warranty_months: Annotated[int, typer.Option("--warranty-months", min=0, max=240)] = 0,
    json_: JsonOpt = False,
) -> None:
    """Add a product to the catalogue.

    Example: storectl product add IP17P-256-BK "iPhone 17 Pro 256GB 深空黑" --brand Apple --price 8999 --codes IMEI1,IMEI2,SN --warranty-months 12
    """
    from storectl.money import parse_money
    from storectl.services.shop import catalogue

    with guard(json_):
        price_cents = parse_money(price, what="price") if price is not None else None
        with write() as s:
            result = catalogue.add_product(
                s, sku=sku, name=name, brand=brand, category=category, price_cents=price_cents,
                serial=serial, code_kinds=codes, warranty_months=warranty_months,
            )
        emit(result, json_, _added("product"))


@product_app.command("list")
def product_list(
    category: Annotated[Optional[str], typer.Option("--category")] = None,
    json_: JsonOpt = False,
) -> None:
    """List products with their list prices.

    Example: storectl product list --json
    """
    from storectl.services.shop import catalogue

    with guard(json_):
        with read() as s:
            rows = catalogue.list_products(s, category=category)
        emit(
            rows,
            json_,
            lambda rs: table(
                "products", ["sku", "name", "brand", "category", "tracked by", "price"],
                [(r["sku"], r["name"], r["brand"], r["category"], ",".join(r["codes"]) if r["serial"] else "quantity", money(r["price"])) for r in rs],
                right=["price"],
            ),
        )


@product_app.command("show")
def product_show(
    sku: Annotated[str, typer.Argument(help="SKU.")],
    json_: JsonOpt = False,
) -> None:
    """Show one product with its price and stock on hand.

    Example: storectl product show IP17P-256-BK
    """
    from storectl.services.shop import catalogue

    with guard(json_):
        with read() as s:
            result = catalogue.show_product(s, sku)
        emit(
            result,
            json_,
            lambda r: details(
                f"{r['sku']}  {r['name']}",
                [("brand", r["brand"]), ("category", r["category"]),
                 ("tracked by", ",".join(r["codes"]) if r["serial"] else "quantity"),
                 ("list price", money(r["price"])), ("warranty", f"{r['warranty_months']} months"),
                 ("on hand", r["on_hand"])] + ([("average cost", money(r["avg_cost"]))] if r["avg_cost"] else []),
            ),
        )
