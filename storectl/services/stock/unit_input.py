"""Units as the clerk gives them: arguments, .txt/.csv/.xlsx files or stdin, parsed and checked.

Reading bulk input into labelled items, parsing one unit's codes (`parse_unit`, `unit_codes_for`),
finding the units that carry given codes in bulk, resolving unit codes and SKU:QTY items to
in-stock units and quantity lines, and the checks of a `stock in` batch (line by line in scanner
mode, or the whole file at once). Every bad line of a batch is collected by `Problems` and
reported at once.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable, NamedTuple, Union

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from storectl.codes import is_valid_imei, scanned_lines, split_unit_codes, validate_unit_code
from storectl.errors import StoreError, invalid
from storectl.models import Product, StockLevel, Store, Unit, UnitCode
from storectl.services.shop import files
from storectl.services.shop import lookup

# One item of bulk input: a label for messages ("line 3", "argument 2") and the raw text,
# or a .csv/.xlsx row as {lower-cased header: cell}.
Item = tuple[str, Union[str, dict]]

CHUNK = 900  # bound parameters per IN (…) query; below SQLite's oldest limit of 999
MAX_REPORTED = 1000  # a batch error lists at most this many bad lines (a wrong file can have 100,000)
MAX_QTY = 1_000_000
UNITS_HINT = "give unit codes as arguments, --file F (.txt/.csv/.xlsx), or - to read stdin"

_FAST_CODE = re.compile(r"[A-Za-z0-9\-_/.]{1,64}")
_SEPARATORS = re.compile(r"[,;\t，；]")


# --- bulk input ---------------------------------------------------------------------------


def read_unit_file(path: str | Path) -> list[Item]:
    """A .txt (one unit per line) or a .csv/.xlsx (header row, one column per code kind)."""
    suffix = Path(str(path)).suffix.lower()
    if suffix in (".csv", ".xlsx", ".xlsm"):
        _, rows = files.read_table(path)
        return [(f"line {number}", row) for number, row in rows]
    return [(f"line {number}", text) for number, text in files.read_lines(path)]


def read_unit_stream(lines) -> list[Item]:  # noqa: ANN001
    """Piped stdin: like a .txt file (blank lines skipped)."""
    if hasattr(lines, "readline"):
        lines = scanned_lines(lines)
    return [(f"line {n}", line.strip()) for n, line in enumerate(lines, start=1) if line.strip()]


def argument_items(values: Iterable[str]) -> list[Item]:
    return [(f"argument {n}", v) for n, v in enumerate(values, start=1)]


def parse_unit(text: str) -> list[str]:
    """'IMEI1,IMEI2,SN' -> normalised codes. A fast path for clean ASCII; codes.py for the rest."""
    raw = (text or "").strip()
    parts = _SEPARATORS.split(raw) if _SEPARATORS.search(raw) else [raw]
    if all(_FAST_CODE.fullmatch(p) for p in parts):
        return [p.upper() for p in parts]
    return split_unit_codes(raw)  # raises the precise message


def _kinds(product: Product) -> list[str]:
    return product.code_kinds.split(",") if product.code_kinds else []


def row_text(row: dict, kinds: list[str] | None) -> str:
    """A spreadsheet row as 'CODE1,CODE2': the product's kinds in order, or its first filled cell."""
    if kinds is None:
        return next((v for v in row.values() if v and v.strip()), "")
    missing = [k for k in kinds if not (row.get(k.lower()) or "").strip()]
    if missing:
        raise invalid(f"no {', '.join(missing)} in this row", f"fill the {', '.join(missing)} column")
    return ",".join(row[k.lower()].strip() for k in kinds)


def _check_columns(items: list[Item], product: Product) -> None:
    """A spreadsheet must have a column for each of the product's code kinds (case-insensitive)."""
    first = next((v for _, v in items if isinstance(v, dict)), None)
    if first is None:
        return
    kinds = _kinds(product)
    missing = [k for k in kinds if k.lower() not in first]
    if missing:
        raise invalid(
            f"the file has no column {', '.join(missing)}; {product.sku} units carry {','.join(kinds)}",
            f"name the header row's columns {','.join(kinds)}",
        )


def _imei_like(code: str) -> bool:
    return len(code) == 15 and is_valid_imei(code)


def unit_codes_for(product: Product, value: str | dict) -> list[str]:
    """One unit of `product` from its text or row: the right number of codes, IMEIs Luhn-checked."""
    kinds = _kinds(product)
    text = row_text(value, kinds) if isinstance(value, dict) else value
    codes = parse_unit(text)
    if len(codes) != len(kinds):
        raise invalid(
            f"{text.strip()!r} has {len(codes)} code{'s' if len(codes) != 1 else ''}; "
            f"a {product.sku} unit carries {len(kinds)}: {','.join(kinds)}",
            f"write one unit as {','.join(kinds)}",
        )
    for kind, code in zip(kinds, codes):
        if kind.startswith("IMEI") and not is_valid_imei(code):
            validate_unit_code(kind, code)  # raises with the reason
        elif not kind.startswith("IMEI") and not any(k.startswith("IMEI") for k in kinds) and _imei_like(code):
            raise invalid(
                f"{code} is an IMEI, but {product.sku} units carry no IMEI ({','.join(kinds)}): "
                "a phone's code scanned into the wrong delivery?",
                f"scan the {kinds[0]} of the {product.sku} unit; an IMEI belongs to a product with IMEI codes (storectl sn show {code})",
            )
    if len(set(codes)) != len(codes):
        raise invalid(f"{text.strip()!r} repeats a code", "each of a unit's codes is different")
    return codes


class Problems:
    """Every bad line of a batch, so the clerk can fix them all at once; then one StoreError."""

    PRIORITY = ("conflict", "insufficient_stock", "not_found", "invalid_input")

    def __init__(self, total: int, what: str = "nothing was saved") -> None:
        self.total, self.what, self.lines, self.codes = total, what, [], []

    def add(self, label: str, err: StoreError) -> None:
        self.lines.append((_line_no(label), len(self.lines), f"{label}: {err.message}", err.hint))
        self.codes.append(err.code)

    def __bool__(self) -> bool:
        return bool(self.lines)

    def raise_if_any(self, hint: str = "") -> None:
        if not self.lines:
            return
        code = next((c for c in self.PRIORITY if c in self.codes), self.codes[0])
        lines = [text for _, _, text, _ in sorted(self.lines)]
        if len(lines) == 1 and self.total == 1:
            message, hint = lines[0].split(": ", 1)[1], self.lines[0][3] or hint
        else:
            head = f"{len(lines)} of {self.total} line{'s' if self.total != 1 else ''} refused, {self.what}"
            more = len(lines) - MAX_REPORTED
            message = head + ":\n" + "\n".join(lines[:MAX_REPORTED]) + (f"\n… and {more} more" if more > 0 else "")
        raise StoreError(code, message, hint or "fix those lines and run the whole batch again")


# --- looking units up in bulk ----------------------------------------------------------------


class UnitRow(NamedTuple):
    id: int
    product_id: int
    store_id: int
    status: str
    cost_cents: int
    first: str  # the unit's first code
    sku: str
    store: str


def chunks(values: list, size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def units_by_codes(session: Session, codes: list[str]) -> dict[str, UnitRow]:
    """code -> the unit carrying it, for every known code among `codes` (set-based, chunked)."""
    first = aliased(UnitCode)
    found: dict[str, UnitRow] = {}
    for chunk in chunks(sorted(set(codes))):
        rows = session.execute(
            select(UnitCode.code, Unit.id, Unit.product_id, Unit.store_id, Unit.status, Unit.cost_cents, first.code, Product.sku, Store.code)
            .join(Unit, Unit.id == UnitCode.unit_id)
            .join(first, and_(first.unit_id == Unit.id, first.position == 0))
            .join(Product, Product.id == Unit.product_id)
            .join(Store, Store.id == Unit.store_id)
            .where(UnitCode.code.in_(chunk))
        )
        for code, *rest in rows:
            found[code] = UnitRow(*rest)
    return found


def describe(unit: UnitRow) -> str:
    """'unit 356938035643809 (IP17P, in_stock at SZ01)' — how messages name a unit."""
    where = f" at {unit.store}" if unit.status in ("in_stock", "in_transit") else ""
    return f"unit {unit.first} ({unit.sku}, {unit.status}{where})"


def known_conflict(code: str, unit: UnitRow) -> StoreError:
    return StoreError("conflict", f"{code} is already registered to {describe(unit)}", f"storectl sn show {code}")


def parse_qty(text: str, what: str = "quantity") -> int:
    from storectl.money import parse_whole

    return parse_whole(text, what=what, low=1, high=MAX_QTY, hint="e.g. 00123:5")


class QtyLine(NamedTuple):
    label: str
    product: Product
    qty: int


def resolve_items(
    session: Session,
    items: list[Item],
    *,
    store: Store | None = None,
    action: str = "move",
    allow_qty: bool = True,
    problems_note: str = "nothing was saved",
    statuses: tuple[str, ...] = ("in_stock",),
) -> tuple[list[UnitRow], list[QtyLine]]:
    """Unit codes and SKU:QTY items -> in-stock units (at `store`, if given) and quantity lines.

    Every line is checked before anything changes; all problems are reported together.
    """
    problems = Problems(len(items), problems_note)
    unit_lines: list[tuple[str, list[str]]] = []
    qty_lines: dict[int, QtyLine] = {}
    for label, value in items:
        text = row_text(value, None) if isinstance(value, dict) else value
        try:
            if ":" in text and allow_qty:
                sku, _, count = text.rpartition(":")
                product = lookup.product(session, sku)
                if product.serial:
                    raise invalid(f"{product.sku} is tracked by serial number", f"give the {product.sku} units' codes, not {text.strip()}")
                qty = parse_qty(count, f"quantity of {product.sku}")
                before = qty_lines.get(product.id)
                qty_lines[product.id] = QtyLine(label, product, qty + (before.qty if before else 0))
            else:
                unit_lines.append((label, parse_unit(text)))
        except StoreError as err:
            problems.add(label, err)
    known = units_by_codes(session, [c for _, codes in unit_lines for c in codes])
    units: list[UnitRow] = []
    seen: dict[int, str] = {}
    for label, codes in unit_lines:
        unknown = [c for c in codes if c not in known]
        if unknown:
            problems.add(label, StoreError("not_found", f"no unit with code {unknown[0]}", "check the code, or storectl stock list"))
            continue
        unit = known[codes[0]]
        if any(known[c].id != unit.id for c in codes):
            problems.add(label, invalid(f"the codes {','.join(codes)} belong to different units", "one unit per line"))
        elif unit.id in seen:
            problems.add(label, invalid(f"unit {unit.first} is listed twice ({seen[unit.id]} too)", "list each unit once"))
        elif unit.status not in statuses:
            problems.add(label, StoreError("conflict", f"cannot {action} {describe(unit)}", f"storectl sn show {unit.first}"))
        elif store is not None and unit.store_id != store.id:
            problems.add(label, StoreError("conflict", f"cannot {action} {describe(unit)}: it is not at {store.code}", f"storectl sn show {unit.first}"))
        else:
            seen[unit.id] = label
            units.append(unit)
    if qty_lines and store is not None:
        for line in qty_lines.values():
            have = level_qty(session, store.id, line.product.id)
            if have < line.qty:
                problems.add(line.label, StoreError("insufficient_stock", f"{store.code} has {have} of {line.product.sku}, {line.qty} needed", f"storectl stock levels --store {store.code}"))
    problems.raise_if_any()
    return units, list(qty_lines.values())


def level_qty(session: Session, store_id: int, product_id: int) -> int:
    return session.execute(
        select(StockLevel.qty).where(StockLevel.store_id == store_id, StockLevel.product_id == product_id)
    ).scalar() or 0

# --- checking a stock in batch ----------------------------------------------------------------


def check_in_target(session: Session, *, store: str, sku: str, supplier: str | None = None) -> Product:
    """Refuse an unknown store, SKU or supplier before the clerk starts scanning."""
    lookup.store(session, store)
    if supplier:
        lookup.supplier(session, supplier)
    product = lookup.product(session, sku)
    if not product.serial:
        raise invalid(f"{product.sku} is counted by quantity, it has no unit codes", f"storectl stock in --store {store} --sku {product.sku} --qty N --cost AMOUNT")
    return product


def check_in_line(session: Session, *, sku: str, value: str | dict, seen: dict[str, str], label: str = "") -> list[str]:
    """One scanned unit for `stock in`: parsed, checked against the batch (`seen`) and the database.

    Good codes are added to `seen` (code -> label); a bad scan raises StoreError and changes nothing.
    """
    product = lookup.product(session, sku)
    codes = unit_codes_for(product, value)
    for code in codes:
        if code in seen:
            raise invalid(f"{code} was already scanned ({seen[code]})", "scan the next unit")
    known = units_by_codes(session, codes)
    for code in codes:
        if code in known:
            raise known_conflict(code, known[code])
    for code in codes:
        seen[code] = label
    return codes


def unit_parser(product: Product):
    """`unit_codes_for` bound to one product, with a fast path for the common single plain code."""
    kinds = _kinds(product)
    simple = len(kinds) == 1 and not kinds[0].startswith("IMEI")
    fast = _FAST_CODE.fullmatch

    def parse(value: str | dict) -> list[str]:
        if simple and isinstance(value, str) and fast(value) and not _imei_like(value):
            return [value.upper()]
        return unit_codes_for(product, value)

    return parse


def prepare_units(session: Session, product: Product, items: list[Item]) -> list[list[str]]:
    """Every unit's codes, or one StoreError listing every bad line (format, batch or database duplicate)."""
    _check_columns(items, product)
    quick = _prepare_plain(session, product, items)
    if quick is not None:
        return quick
    problems = Problems(len(items), "nothing was received")
    parse = unit_parser(product)
    prepared: list[list[str]] = []
    seen: dict[str, str] = {}
    for label, value in items:
        try:
            codes = parse(value)
        except StoreError as err:
            problems.add(label, err)
            continue
        twice = [c for c in codes if c in seen]
        if twice:
            problems.add(label, invalid(f"{twice[0]} appears twice in this batch ({seen[twice[0]]} too)", "each code once"))
            continue
        for code in codes:
            seen[code] = label
        prepared.append(codes)
    taken = existing_codes(session, list(seen))
    holders = units_by_codes(session, taken[:MAX_REPORTED])
    for code in taken:
        holder = holders.get(code)
        problems.add(seen[code], known_conflict(code, holder) if holder else StoreError("conflict", f"{code} is already registered", f"storectl sn show {code}"))
    problems.raise_if_any()
    return prepared


_PLAIN_LINES = re.compile(r"(?:[A-Za-z0-9\-_/.]{1,64}\n)*[A-Za-z0-9\-_/.]{1,64}")


def _prepare_plain(session: Session, product: Product, items: list[Item]) -> list[list[str]] | None:
    """The common bulk case in a few C-level passes: one plain code per unit, all valid, none repeated
    or known. Anything else returns None and the line-by-line path explains what is wrong."""
    kinds = _kinds(product)
    if len(kinds) != 1 or kinds[0].startswith("IMEI") or not all(type(v) is str for _, v in items):
        return None
    joined = "\n".join(v for _, v in items)
    if not _PLAIN_LINES.fullmatch(joined):
        return None
    codes = joined.upper().split("\n")
    if any(len(code) == 15 and _imei_like(code) for code in codes):
        return None  # the line-by-line path refuses an IMEI given for a product without one
    if len(set(codes)) != len(codes) or existing_codes(session, codes):
        return None
    return [[code] for code in codes]


def existing_codes(session: Session, codes: list[str]) -> list[str]:
    """Which of `codes` some unit already carries: set-based, straight to the driver.

    SQLite takes the whole batch as one JSON array (json_each joined to the UNIQUE index);
    other databases get chunks of IN (…).
    """
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        sql = "SELECT j.value FROM json_each(?) AS j JOIN unit_code AS uc ON uc.code = j.value"
        return [row[0] for row in conn.exec_driver_sql(sql, (json.dumps(codes),))]
    found: list[str] = []
    statements: dict[int, str] = {}
    for chunk in chunks(codes):
        sql = statements.get(len(chunk))
        if sql is None:
            stmt = select(UnitCode.code).where(UnitCode.code.in_([bindparam(f"c{i}") for i in range(len(chunk))]))
            sql = statements[len(chunk)] = stmt.compile(dialect=conn.dialect).string
        params = tuple(chunk) if conn.dialect.positional else {f"c{i}": c for i, c in enumerate(chunk)}
        found.extend(row[0] for row in conn.exec_driver_sql(sql, params))
    return found


def _line_no(label: str) -> int:
    tail = label.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0
