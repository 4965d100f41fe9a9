"""Stock: receiving (IN-), taking out (OUT-), listing, levels per store, one unit's story, invariants.

Serial units are tracked one by one (`unit`, `unit_code`); quantity products by a per-store
`stock_level` and a moving-average cost per SKU. Every change appends `movement` rows, and
`invariants` proves the state columns agree with them.

Receiving is the bulk path (a supplier's file of 100,000 serials): the units of one batch are
identical apart from their codes, so they are inserted by one INSERT … SELECT, their movements by
another, and only the codes go through a driver-level executemany. No ORM object per row.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable, NamedTuple, Union

from sqlalchemy import Integer, and_, bindparam, case, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session

from storectl import db
from storectl.codes import is_valid_imei, split_unit_codes, validate_unit_code
from storectl.errors import StoreError, invalid
from storectl.models import UNIT_STATUSES, Customer, Movement, Product, StockDoc, StockLevel, Store, Supplier, Unit, UnitCode
from storectl.money import format_money
from storectl.services import closing, files, lookup, settings

# One item of bulk input: a label for messages ("line 3", "argument 2") and the raw text,
# or a .csv/.xlsx row as {lower-cased header: cell}.
Item = tuple[str, Union[str, dict]]

CHUNK = 900  # bound parameters per IN (…) query; below SQLite's oldest limit of 999
MAX_REPORTED = 1000  # a batch error lists at most this many bad lines (a wrong file can have 100,000)
MAX_QTY = 1_000_000
MAX_TOTAL_CENTS = 10**15  # ¥10 trillion: far above any shop, far below int64
UNITS_HINT = "give unit codes as arguments, --file F (.txt/.csv/.xlsx), or - to read stdin"
IN_KINDS = ("in", "return", "transfer_receive", "transfer_cancel")  # add stock at to_store
OUT_KINDS = ("out", "sale", "transfer_send", "count")  # take stock from from_store

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


def read_unit_stream(lines: Iterable[str]) -> list[Item]:
    """Piped stdin: like a .txt file (blank lines skipped)."""
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


def _chunks(values: list, size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def units_by_codes(session: Session, codes: list[str]) -> dict[str, UnitRow]:
    """code -> the unit carrying it, for every known code among `codes` (set-based, chunked)."""
    first = aliased(UnitCode)
    found: dict[str, UnitRow] = {}
    for chunk in _chunks(sorted(set(codes))):
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
    raw = (text or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 7 or not 0 < int(raw) <= MAX_QTY:
        raise invalid(f"{what} {raw!r} is not a whole number from 1 to {MAX_QTY:,}", "e.g. 00123:5")
    return int(raw)


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
        elif unit.status != "in_stock":
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


# --- writing ---------------------------------------------------------------------------------


def executemany(session: Session, table, columns: list[str], rows: list[tuple]) -> None:
    """A driver-level executemany of plain tuples (no per-row ORM or type processing)."""
    if not rows:
        return
    conn = session.connection()
    compiled = insert(table).inline().compile(dialect=conn.dialect, column_keys=columns)
    names = list(compiled.positiontup) if compiled.positional else None
    if names is not None and names != columns:
        raise AssertionError(f"column order {names} != {columns}")
    conn.exec_driver_sql(compiled.string, rows if names is not None else [dict(zip(columns, r)) for r in rows])


def add_movements(session: Session, rows: list[dict]) -> None:
    if not rows:
        return
    defaults = {"at": db.now_of(session), "operator": db.operator_of(session), "qty": 1, "status_after": "", "cost_cents": 0,
                "unit_id": None, "from_store_id": None, "to_store_id": None, "price_cents": None, "customer_id": None}
    session.execute(insert(Movement), [{**defaults, **r} for r in rows])


def set_unit_status(
    session: Session, ids: list[int], *, to: str, expect: str, store_id: int | None = None, values: dict | None = None
) -> None:
    """Guarded status change: every unit must still be `expect` (at `store_id`), or it is a conflict."""
    changed = 0
    for chunk in _chunks(ids):
        stmt = update(Unit).where(Unit.id.in_(chunk), Unit.status == expect)
        if store_id is not None:
            stmt = stmt.where(Unit.store_id == store_id)
        stmt = stmt.values(status=to, **(values or {})).execution_options(synchronize_session=False)
        changed += session.execute(stmt).rowcount
    if changed != len(ids):
        raise StoreError("conflict", f"{len(ids) - changed} of the units changed while this command ran", "look again and retry")


def level_qty(session: Session, store_id: int, product_id: int) -> int:
    return session.execute(
        select(StockLevel.qty).where(StockLevel.store_id == store_id, StockLevel.product_id == product_id)
    ).scalar() or 0


def add_level(session: Session, store_id: int, product_id: int, qty: int) -> None:
    """stock_level += qty (an upsert; SQLite and PostgreSQL share the ON CONFLICT form)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    stmt = upsert(StockLevel).values(store_id=store_id, product_id=product_id, qty=qty)
    stmt = stmt.on_conflict_do_update(index_elements=["store_id", "product_id"], set_={"qty": StockLevel.qty + stmt.excluded.qty})
    session.execute(stmt)


def take_level(session: Session, store: Store, product: Product, qty: int) -> None:
    """stock_level -= qty, guarded: never below zero."""
    result = session.execute(
        update(StockLevel)
        .where(StockLevel.store_id == store.id, StockLevel.product_id == product.id, StockLevel.qty >= qty)
        .values(qty=StockLevel.qty - qty)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        have = level_qty(session, store.id, product.id)
        raise StoreError("insufficient_stock", f"{store.code} has {have} of {product.sku}, {qty} needed", f"storectl stock levels --store {store.code}")


def _div_half_up(num: int, den: int) -> int:
    return (2 * num + den) // (2 * den)


def _stock_doc(session: Session, *, kind: str, reason: str, store: Store, supplier: Supplier | None = None, ref: str = "") -> StockDoc:
    doc = StockDoc(
        doc_no=db.next_doc_no(session, "IN" if kind == "in" else "OUT"),
        kind=kind, reason=reason, store_id=store.id, supplier_id=supplier.id if supplier else None,
        ref=ref, at=db.now_of(session), operator=db.operator_of(session),
    )
    session.add(doc)
    session.flush()
    return doc


def _ref(text: str | None) -> str:
    ref = (text or "").strip()
    if len(ref) > 200 or any(ord(c) < 32 for c in ref):
        raise invalid("--ref must be up to 200 printable characters", "e.g. --ref PO-2026-118")
    return ref


# --- stock in ------------------------------------------------------------------------------


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
        if simple and isinstance(value, str) and fast(value):
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
    for chunk in _chunks(codes):
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


def stock_in(
    session: Session,
    *,
    store: str,
    sku: str,
    cost_cents: int,
    supplier: str | None = None,
    ref: str | None = None,
    units: list[Item] | None = None,
    qty: int | None = None,
) -> dict:
    """Receive serial units (all or nothing) or a quantity, under one IN- document."""
    closing.ensure_open(session)
    where = lookup.store(session, store)
    product = lookup.product(session, sku)
    source = lookup.supplier(session, supplier) if supplier else None
    ref = _ref(ref)
    if cost_cents < 0:
        raise invalid("the cost cannot be negative", "e.g. --cost 6999")
    if product.serial:
        if qty is not None:
            raise invalid(f"{product.sku} is tracked by serial number; --qty is for quantity products", UNITS_HINT)
        if not units:
            raise invalid(f"no {product.sku} units given", UNITS_HINT)
        prepared = prepare_units(session, product, units)
        if cost_cents * len(prepared) > MAX_TOTAL_CENTS:
            raise invalid("the batch's total cost is too large", "check --cost")
        doc = _stock_doc(session, kind="in", reason="purchase", store=where, supplier=source, ref=ref)
        _insert_units(session, product=product, store=where, doc=doc, cost_cents=cost_cents, prepared=prepared)
        received, first_codes = len(prepared), [codes[0] for codes in prepared]
    else:
        if units:
            raise invalid(f"{product.sku} is counted by quantity; give --qty N, not unit codes", f"storectl stock in --store {where.code} --sku {product.sku} --qty 10 --cost AMOUNT")
        if qty is None:
            raise invalid(f"how many {product.sku}? give --qty N", f"storectl stock in --store {where.code} --sku {product.sku} --qty 10 --cost AMOUNT")
        if not 0 < qty <= MAX_QTY:
            raise invalid(f"--qty must be from 1 to {MAX_QTY:,}", "e.g. --qty 50")
        if cost_cents * qty > MAX_TOTAL_CENTS:
            raise invalid("the batch's total cost is too large", "check --cost and --qty")
        doc = _stock_doc(session, kind="in", reason="purchase", store=where, supplier=source, ref=ref)
        on_hand = session.execute(select(func.coalesce(func.sum(StockLevel.qty), 0)).where(StockLevel.product_id == product.id)).scalar()
        product.avg_cost_cents = _div_half_up(on_hand * product.avg_cost_cents + qty * cost_cents, on_hand + qty)
        session.add(product)
        add_level(session, where.id, product.id, qty)
        add_movements(session, [{"kind": "in", "doc_no": doc.doc_no, "product_id": product.id, "qty": qty, "to_store_id": where.id, "cost_cents": qty * cost_cents}])
        session.flush()
        received, first_codes = qty, []
    result = {
        "id": doc.doc_no, "store": where.code, "sku": product.sku, "received": received, "units": first_codes,
        "cost": format_money(cost_cents), "supplier": source.code if source else None, "ref": ref,
    }
    if not product.serial:
        result["avg_cost"] = format_money(product.avg_cost_cents)
    return result


def _insert_units(session: Session, *, product: Product, store: Store, doc: StockDoc, cost_cents: int, prepared: list[list[str]]) -> None:
    """Set-based: N identical unit rows from a counting CTE, their codes by executemany, their movements by INSERT … SELECT."""
    count = len(prepared)
    before = session.execute(select(func.coalesce(func.max(Unit.id), 0))).scalar()
    seq = select(literal(1).label("i")).cte("seq", recursive=True)
    seq = seq.union_all(select((seq.c.i + 1).label("i")).where(seq.c.i < count))
    now = db.now_of(session)
    session.execute(
        insert(Unit).from_select(
            ["product_id", "store_id", "status", "cost_cents", "supplier_id", "stock_in_id", "received_at"],
            select(
                literal(product.id), literal(store.id), literal("in_stock"), literal(cost_cents),
                literal(doc.supplier_id, Integer), literal(doc.id), literal(now, Unit.__table__.c.received_at.type),
            ).select_from(seq),
        )
    )
    # New ids are above every id visible before the insert (SQLite: max+1; PostgreSQL: a sequence),
    # and since every unit of the batch is alike, which id gets which codes does not matter.
    mine = and_(Unit.id > before, Unit.stock_in_id == doc.id)
    low, high, inserted = session.execute(select(func.min(Unit.id), func.max(Unit.id), func.count()).where(mine)).one()
    if inserted != count:
        raise AssertionError(f"inserted {inserted} units, expected {count}")
    try:
        _insert_codes(session, product, prepared, low if high - low + 1 == count else None, mine)
    except IntegrityError:
        # The pre-check ran inside this same write transaction, so only a concurrent writer on a
        # server database can get here; the UNIQUE index is the last line of defence.
        raise StoreError("conflict", "a code in this batch was registered by another command at the same moment; nothing was received", "run the batch again to see which code") from None
    session.execute(
        insert(Movement).from_select(
            ["at", "kind", "doc_no", "unit_id", "product_id", "qty", "to_store_id", "status_after", "cost_cents", "operator"],
            select(
                literal(now, Movement.__table__.c.at.type), literal("in"), literal(doc.doc_no), Unit.id, Unit.product_id,
                literal(1), Unit.store_id, literal("in_stock"), Unit.cost_cents, literal(db.operator_of(session)),
            ).where(mine).order_by(Unit.id),
        )
    )


def _insert_codes(session: Session, product: Product, prepared: list[list[str]], first_id: int | None, mine) -> None:
    """Each unit's codes. Contiguous ids on SQLite: one INSERT … SELECT over a JSON array; else executemany."""
    kinds = _kinds(product)
    conn = session.connection()
    if first_id is not None and conn.dialect.name == "sqlite" and len(kinds) == 1:
        conn.exec_driver_sql(
            "INSERT INTO unit_code (unit_id, kind, code, position) SELECT ? + j.key, ?, j.value, 0 FROM json_each(?) AS j",
            (first_id, kinds[0], json.dumps([codes[0] for codes in prepared])),
        )
        return
    if first_id is not None and conn.dialect.name == "sqlite":
        n = len(kinds)
        conn.exec_driver_sql(
            "INSERT INTO unit_code (unit_id, kind, code, position) "
            "SELECT ? + j.key / ?, json_extract(?, '$[' || (j.key % ?) || ']'), j.value, j.key % ? FROM json_each(?) AS j",
            (first_id, n, json.dumps(kinds), n, n, json.dumps([c for codes in prepared for c in codes])),
        )
        return
    ids = [row[0] for row in session.execute(select(Unit.id).where(mine).order_by(Unit.id))]
    rows = [(uid, kind, code, pos) for uid, codes in zip(ids, prepared) for pos, (kind, code) in enumerate(zip(kinds, codes))]
    executemany(session, UnitCode.__table__, ["unit_id", "kind", "code", "position"], rows)


# --- stock out -----------------------------------------------------------------------------

OUT_REASONS = {"scrap": "scrapped", "loss": "lost", "supplier-return": "supplier_returned", "internal-use": "internal_use"}


def stock_out(session: Session, *, reason: str, items: list[Item], store: str | None = None) -> dict:
    """Take units or quantities out of stock for any reason but a sale (OUT- document)."""
    reason = (reason or "").strip().lower().replace("_", "-")
    if reason not in OUT_REASONS:
        raise invalid(f"unknown reason {reason!r}", "one of: " + ", ".join(OUT_REASONS))
    if reason in ("scrap", "loss"):
        from storectl.services.auth import require_manager

        require_manager(session, f"stock out --reason {reason}")
    closing.ensure_open(session)
    where = lookup.store(session, store) if store else None
    if not items:
        raise invalid("nothing to take out", UNITS_HINT + " or SKU:QTY")
    units, qtys = resolve_items(session, items, store=where, action=f"take out ({reason})")
    if qtys and where is None:
        raise invalid("quantities are kept per store: give --store", f"storectl stock out --reason {reason} --store SZ01 {qtys[0].product.sku}:{qtys[0].qty}")
    stores = {u.store_id for u in units}
    if where is None:
        if len(stores) > 1:
            raise invalid("the units are in several stores (" + ", ".join(sorted({u.store for u in units})) + ")", "take them out one store at a time with --store")
        where = session.get(Store, units[0].store_id)
    status = OUT_REASONS[reason]
    doc = _stock_doc(session, kind="out", reason=reason, store=where)
    set_unit_status(session, [u.id for u in units], to=status, expect="in_stock", store_id=where.id)
    moves = [{"kind": "out", "doc_no": doc.doc_no, "unit_id": u.id, "product_id": u.product_id, "from_store_id": where.id,
              "status_after": status, "cost_cents": u.cost_cents} for u in units]
    lines = []
    for line in qtys:
        take_level(session, where, line.product, line.qty)
        cost = line.qty * line.product.avg_cost_cents
        moves.append({"kind": "out", "doc_no": doc.doc_no, "product_id": line.product.id, "qty": line.qty, "from_store_id": where.id, "cost_cents": cost})
        lines.append({"sku": line.product.sku, "qty": line.qty, "cost": format_money(cost)})
    add_movements(session, moves)
    return {
        "id": doc.doc_no, "reason": reason, "status": status, "store": where.code,
        "units": [u.first for u in units], "lines": lines,
        "cost": format_money(sum(u.cost_cents for u in units) + sum(line.qty * line.product.avg_cost_cents for line in qtys)),
    }


# --- reading -------------------------------------------------------------------------------


def list_units(session: Session, *, store: str | None = None, sku: str | None = None, status: str | None = None) -> list[dict]:
    """Units with their codes keyed by kind: [{"sku", "codes", "status", "store", "cost"}]."""
    query = (
        select(Unit.id, Product.sku, Unit.status, Store.code, Unit.cost_cents, UnitCode.kind, UnitCode.code)
        .join(Product, Product.id == Unit.product_id)
        .join(Store, Store.id == Unit.store_id)
        .join(UnitCode, UnitCode.unit_id == Unit.id)
        .order_by(Store.code, Product.sku, Unit.id, UnitCode.position)
    )
    if store:
        query = query.where(Unit.store_id == lookup.store(session, store).id)
    if sku:
        query = query.where(Unit.product_id == lookup.product(session, sku).id)
    if status:
        status = status.strip().lower().replace("-", "_")
        if status not in UNIT_STATUSES:
            raise invalid(f"unknown status {status!r}", "one of: " + ", ".join(UNIT_STATUSES))
        query = query.where(Unit.status == status)
    out: list[dict] = []
    last = None
    for uid, p_sku, st, store_code, cost, kind, code in session.execute(query):
        if uid != last:
            out.append({"sku": p_sku, "codes": {}, "status": st, "store": store_code, "cost": format_money(cost)})
            last = uid
        out[-1]["codes"][kind] = code
    return out


def levels(session: Session, *, store: str | None = None, low: int | None = None) -> list[dict]:
    """Quantity and cost value per store and SKU (in-stock units; quantity × moving average).

    With `low`, every store/SKU pair the store has ever carried whose quantity is at or below it.
    """
    where = lookup.store(session, store) if store else None
    if low is not None and low < 0:
        raise invalid("--low must be 0 or more", "e.g. --low 2")
    in_stock = Unit.status == "in_stock"
    qty = func.count(case((in_stock, 1)))
    serial = (
        select(Store.code, Product.sku, Product.name, qty, func.coalesce(func.sum(case((in_stock, Unit.cost_cents), else_=0)), 0))
        .join(Store, Store.id == Unit.store_id)
        .join(Product, Product.id == Unit.product_id)
        .group_by(Store.code, Product.sku, Product.name)
    )
    counted = (
        select(Store.code, Product.sku, Product.name, StockLevel.qty, StockLevel.qty * Product.avg_cost_cents)
        .join(Store, Store.id == StockLevel.store_id)
        .join(Product, Product.id == StockLevel.product_id)
    )
    if where is not None:
        serial = serial.where(Unit.store_id == where.id)
        counted = counted.where(StockLevel.store_id == where.id)
    if low is None:
        serial = serial.where(in_stock)
        counted = counted.where(StockLevel.qty > 0)
    else:
        serial = serial.having(qty <= low)
        counted = counted.where(StockLevel.qty <= low)
    rows = [
        {"store": s, "sku": k, "name": n, "kind": kind, "qty": int(q), "value": format_money(int(v or 0))}
        for kind, query in (("serial", serial), ("quantity", counted))
        for s, k, n, q, v in session.execute(query)
    ]
    rows.sort(key=lambda r: (r["store"], r["sku"]))
    return rows


def _add_months(day, months: int):
    import calendar

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def show_unit(session: Session, code: str) -> dict:
    """Everything about one unit, found by any of its codes, with its full history."""
    from storectl.periods import local_date

    unit = lookup.unit_by_code(session, code)
    product = session.get(Product, unit.product_id)
    warranty = None
    if unit.status == "sold" and unit.sold_at is not None:
        warranty = _add_months(local_date(unit.sold_at, settings.shop_tz(session)), product.warranty_months).isoformat()
    src, dst = aliased(Store), aliased(Store)
    history = [
        {
            "at": settings.local_iso(session, at), "kind": kind, "doc": doc, "from": f, "to": t, "operator": op,
            "customer": cust, "price": format_money(price) if price is not None else None,
        }
        for at, kind, doc, f, t, op, cust, price in session.execute(
            select(Movement.at, Movement.kind, Movement.doc_no, src.code, dst.code, Movement.operator, Customer.code, Movement.price_cents)
            .outerjoin(src, src.id == Movement.from_store_id)
            .outerjoin(dst, dst.id == Movement.to_store_id)
            .outerjoin(Customer, Customer.id == Movement.customer_id)
            .where(Movement.unit_id == unit.id)
            .order_by(Movement.at, Movement.id)
        )
    ]
    return {
        "sku": product.sku, "name": product.name, "codes": lookup.unit_codes(session, unit.id), "status": unit.status,
        "store": lookup.code_of(session, Store, unit.store_id), "cost": format_money(unit.cost_cents),
        "supplier": lookup.code_of(session, Supplier, unit.supplier_id),
        "received_at": settings.local_iso(session, unit.received_at), "sold_at": settings.local_iso(session, unit.sold_at),
        "warranty_months": product.warranty_months, "warranty_until": warranty, "history": history,
    }


# --- invariants ----------------------------------------------------------------------------


def invariants(session: Session) -> list[dict]:
    """Each unit in one state and place, agreeing with its movements; quantities = Σ movements."""
    problems: list[dict] = []

    def problem(check: str, doc: str | None, message: str) -> None:
        problems.append({"check": check, "doc": doc, "message": message})

    first = aliased(UnitCode)
    last_id = select(func.max(Movement.id)).where(Movement.unit_id == Unit.id).correlate(Unit).scalar_subquery()
    last = aliased(Movement)
    place = case((last.kind.in_(IN_KINDS), last.to_store_id), else_=last.from_store_id)
    rows = session.execute(
        select(first.code, Unit.status, Unit.store_id, Unit.sold_at, last.id, last.kind, last.doc_no, last.status_after, place)
        .outerjoin(first, and_(first.unit_id == Unit.id, first.position == 0))
        .outerjoin(last, last.id == last_id)
        .where(
            or_(
                last.id.is_(None),
                last.status_after != Unit.status,
                and_(place.is_not(None), place != Unit.store_id),
                (Unit.status == "sold") != (last.kind == "sale"),
                and_(Unit.status == "sold", Unit.sold_at.is_(None)),
            )
        )
    )
    for code, status, store_id, sold_at, mid, kind, doc, after, at in rows:
        if mid is None:
            problem("unit_history", code, f"unit {code} has no movements")
        elif after != status:
            problem("unit_status", doc, f"unit {code} is {status} but its last movement ({kind}) left it {after}")
        elif (status == "sold") != (kind == "sale"):
            problem("unit_sold", doc, f"unit {code} is {status} but its last movement is {kind}")
        elif status == "sold" and sold_at is None:
            problem("unit_sold", doc, f"unit {code} is sold without a sale time")
        else:
            problem("unit_place", doc, f"unit {code} is recorded at store #{store_id} but its last movement ({kind}) put it at #{at}")
    problems.extend(_transit_invariants(session))
    problems.extend(_quantity_invariants(session))
    return problems


def _transit_invariants(session: Session) -> list[dict]:
    from storectl.models import Transfer, TransferLine

    first = aliased(UnitCode)
    open_lines = (
        select(func.count(TransferLine.id))
        .join(Transfer, Transfer.id == TransferLine.transfer_id)
        .where(TransferLine.unit_id == Unit.id, TransferLine.received_qty + TransferLine.cancelled_qty < TransferLine.qty)
        .where(Transfer.status.in_(("open", "partial")))
        .correlate(Unit)
        .scalar_subquery()
    )
    rows = session.execute(
        select(first.code, Unit.status, open_lines)
        .outerjoin(first, and_(first.unit_id == Unit.id, first.position == 0))
        .where(or_(and_(Unit.status == "in_transit", open_lines != 1), and_(Unit.status != "in_transit", open_lines != 0)))
    )
    return [
        {"check": "unit_transit", "doc": code, "message": f"unit {code} is {status} with {n} open transfer lines (expected {1 if status == 'in_transit' else 0})"}
        for code, status, n in rows
    ]


def _quantity_invariants(session: Session) -> list[dict]:
    """On hand per store and SKU = Σ movements in − out: stock_level for quantity products, in-stock units for serial ones."""
    signed = case((Movement.kind.in_(IN_KINDS), Movement.qty), else_=-Movement.qty)
    at = case((Movement.kind.in_(IN_KINDS), Movement.to_store_id), else_=Movement.from_store_id)
    moved = {
        (s, p): int(q)
        for s, p, q in session.execute(
            select(at, Movement.product_id, func.sum(signed)).where(at.is_not(None)).group_by(at, Movement.product_id)
        )
    }
    serial_ids = {pid for (pid,) in session.execute(select(Product.id).where(Product.serial == True))}  # noqa: E712
    held: dict[tuple[int, int], int] = {
        (s, p): int(q) for s, p, q in session.execute(select(StockLevel.store_id, StockLevel.product_id, StockLevel.qty))
    }
    held.update(
        ((s, p), int(q))
        for s, p, q in session.execute(
            select(Unit.store_id, Unit.product_id, func.count()).where(Unit.status == "in_stock").group_by(Unit.store_id, Unit.product_id)
        )
    )
    stores = dict(session.execute(select(Store.id, Store.code)).all())
    skus = dict(session.execute(select(Product.id, Product.sku)).all())
    problems = []
    for key in sorted(set(moved) | set(held)):
        store_id, product_id = key
        have, expected = held.get(key, 0), moved.get(key, 0)
        what = "in-stock units" if product_id in serial_ids else "stock level"
        if have < 0:
            problems.append({"check": "stock_negative", "doc": f"{stores.get(store_id)} {skus.get(product_id)}", "message": f"{stores.get(store_id)} has {have} of {skus.get(product_id)}"})
        if have != expected:
            problems.append({
                "check": "stock_movements", "doc": f"{stores.get(store_id)} {skus.get(product_id)}",
                "message": f"{stores.get(store_id)} {skus.get(product_id)}: {what} {have}, movements say {expected}",
            })
    return problems
