"""Bulk import of catalogue data: every row is checked, and either all rows land or none."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from sqlmodel import Session

from storectl.codes import normalize_phone
from storectl.errors import StoreError, invalid
from storectl.money import parse_money
from storectl.services.shop import catalogue

YES = {"yes", "y", "true", "1", "是", "serial"}
NO = {"no", "n", "false", "0", "否", "qty", "quantity", ""}


def _bool(value: str) -> bool:
    v = value.strip().lower()
    if v in YES:
        return True
    if v in NO:
        return False
    raise invalid(f"{value!r} is not yes/no", "use yes or no")


def _int(value: str, what: str) -> int:
    from storectl.money import parse_whole

    return parse_whole(value.strip() or "0", what=what, low=0, high=240, hint="e.g. 12 (months, at most 240)")


def _money(value: str, what: str) -> int | None:
    return parse_money(value, what=what) if value.strip() else None


def _product(s: Session, r: dict) -> dict:
    serial = _bool(r.get("serial", "yes") or "yes")
    return catalogue.add_product(
        s,
        sku=r.get("sku", ""),
        name=r.get("name", ""),
        brand=r.get("brand", ""),
        category=r.get("category", ""),
        price_cents=_money(r.get("price", ""), "price"),
        serial=serial,
        code_kinds=r.get("codes", "") if serial else None,
        warranty_months=_int(r.get("warranty_months", ""), "warranty_months"),
    )


def _customer(s: Session, r: dict) -> dict:
    return catalogue.add_customer(
        s,
        code=r.get("code", "") or normalize_phone(r.get("phone")) or "",  # the phone as typed may hold +86, spaces, dashes
        name=r.get("name", ""),
        phone=r.get("phone"),
        group=r.get("group", ""),
        credit_limit_cents=_money(r.get("credit_limit", ""), "credit limit") or 0,
    )


KINDS: dict[str, tuple[tuple[str, ...], Callable[[Session, dict], dict]]] = {
    "stores": (("code", "name"), lambda s, r: catalogue.add_store(s, code=r["code"], name=r["name"])),
    "suppliers": (("code", "name"), lambda s, r: catalogue.add_supplier(s, code=r["code"], name=r["name"])),
    "staff": (
        ("code", "name", "store"),
        lambda s, r: catalogue.add_staff(s, code=r["code"], name=r["name"], store=r["store"], role=r.get("role") or "clerk"),
    ),
    "products": (("sku", "name"), _product),
    "customers": (("name",), _customer),
}


def import_file(session: Session, *, kind: str, path: str | Path) -> dict:
    """Import every row of the file, or none: all bad rows are reported with their line numbers."""
    from storectl.services.shop.files import read_table

    kind = kind.strip().lower()
    if kind not in KINDS:
        raise invalid(f"cannot import {kind!r}", "one of: " + ", ".join(KINDS))
    required, add = KINDS[kind]
    headers, rows = read_table(path)
    missing = [h for h in required if h not in headers]
    if missing:
        raise invalid(f"{Path(str(path)).name} lacks the column(s) {', '.join(missing)}", "header row: " + ",".join(required))
    if not rows:
        raise invalid(f"{Path(str(path)).name} has a header but no rows", "add at least one row")
    errors: list[str] = []
    for line, row in rows:
        savepoint = session.begin_nested()
        try:
            add(session, row)
            savepoint.commit()
        except StoreError as err:
            savepoint.rollback()
            if err.code == "forbidden":
                raise
            errors.append(f"line {line}: {err.message}")
    if errors:
        shown = "; ".join(errors[:20]) + (f"; … and {len(errors) - 20} more" if len(errors) > 20 else "")
        raise invalid(f"{len(errors)} bad row(s), nothing imported: {shown}", "fix those lines and import the file again")
    return {"kind": kind, "imported": len(rows), "file": str(path)}
