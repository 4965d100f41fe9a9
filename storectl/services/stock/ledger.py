"""The stock ledger: the one door through which every unit and every quantity moves.

`move` makes the guarded state change (a unit's status and place, checked by rowcount; a store's
quantity, never below zero) and appends the movement rows, together, always. Movement kinds are
the closed set `Kind`; each carries its direction in `RULES` (what a unit must be before, what it
becomes, whether a quantity leaves `from_store` or arrives at `to_store`), which is also how
`db check` and the month end read the ledger. Receiving new serial units is the bulk path
(`receive_units`: set-based inserts, no ORM object per row).

Quantities carry the moving-average cost (`costing`): what arrives at a cost (a purchase, a
return) is folded into the average before it lands; what leaves costs qty × the average.
A new document that moves stock adds a kind here, not an UPDATE of its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import Integer, and_, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storectl import db
from storectl.errors import StoreError
from storectl.models import Movement, Product, StockLevel, Store, Unit, UnitCode
from storectl.services.stock import costing
from storectl.services.stock.kinds import RULES, Kind, Rule
from storectl.services.stock.unit_input import chunks, level_qty

@dataclass
class Line:
    """One unit, or a quantity of a product, on a document. `cost_cents` is the line's total cost:
    given for what arrives at its own cost, filled in by `move` for a quantity that leaves."""

    product_id: int
    qty: int = 1
    unit_id: int | None = None
    cost_cents: int | None = None
    price_cents: int | None = None
    customer_id: int | None = None


def move(
    session: Session,
    kind: Kind,
    lines: list[Line],
    *,
    doc_no: str,
    from_store_id: int | None = None,
    to_store_id: int | None = None,
    status: str | None = None,
    at=None,  # noqa: ANN001
    conflict: Callable[[int], StoreError] | None = None,
    condition: str | None = None,
) -> list[Line]:
    """Move `lines` as `kind` under `doc_no`; returns them with every cost filled in.

    A unit not in the state the kind expects (another till sold it meanwhile) raises
    `conflict(unit_id)` (default: a plain `conflict`); a quantity short raises `insufficient_stock`.
    """
    db.note_doc(session, doc_no)  # a receipt or cancel of TR-… names the transfer in the audit
    if not lines:
        return lines
    rule = RULES[kind]
    after = status or rule.after
    assert after is not None, f"{kind} needs the status units take"
    at = at or db.now_of(session)
    units = [line for line in lines if line.unit_id is not None]
    if units:
        _move_units(session, rule, [line.unit_id for line in units], after=after, at=at,
                    from_store_id=from_store_id, to_store_id=to_store_id, conflict=conflict, condition=condition)
        if rule.revalues:
            for line in units:
                session.execute(update(Unit).where(Unit.id == line.unit_id).values(cost_cents=line.cost_cents)
                                .execution_options(synchronize_session=False))
        costs = _unit_costs(session, [line.unit_id for line in units if line.cost_cents is None])
        for line in units:
            if line.cost_cents is None:
                line.cost_cents = costs[line.unit_id]
    for line in lines:
        if line.unit_id is None:
            _move_quantity(session, rule, line, from_store_id=from_store_id, to_store_id=to_store_id)
    session.execute(insert(Movement), [
        {"at": at, "kind": kind.value, "doc_no": doc_no, "unit_id": line.unit_id, "product_id": line.product_id, "qty": line.qty,
         "from_store_id": from_store_id, "to_store_id": to_store_id, "status_after": after if line.unit_id is not None else "",
         "cost_cents": line.cost_cents, "price_cents": line.price_cents, "customer_id": line.customer_id,
         "operator": db.operator_of(session)}
        for line in lines
    ])
    return lines


def _move_units(session: Session, rule: Rule, ids: list[int], *, after: str, at, from_store_id, to_store_id, conflict, condition=None) -> None:  # noqa: ANN001
    values: dict = {"status": after}
    if condition is not None:
        values["condition"] = condition
    if rule.relocates:
        values["store_id"] = to_store_id
    if after == "sold":
        values["sold_at"] = at
    elif rule.before == "sold":
        values["sold_at"] = None
    # where the unit must be: the store it leaves (units in transit stay at the sender's)
    held_at = from_store_id if from_store_id is not None else (None if rule.relocates else to_store_id)
    moved: set[int] = set()
    for chunk in chunks(ids):
        stmt = update(Unit).where(Unit.id.in_(chunk), Unit.status == rule.before)
        if held_at is not None:
            stmt = stmt.where(Unit.store_id == held_at)
        stmt = stmt.values(**values).returning(Unit.id).execution_options(synchronize_session=False)
        moved.update(uid for (uid,) in session.execute(stmt))
    if len(moved) == len(ids):
        return
    first = next(uid for uid in ids if uid not in moved)
    if conflict is not None:
        raise conflict(first)
    raise StoreError("conflict", f"{len(ids) - len(moved)} of the units changed while this command ran", "look again and retry")


def _unit_costs(session: Session, ids: list[int]) -> dict[int, int]:
    return {uid: cost for chunk in chunks(ids) for uid, cost in session.execute(select(Unit.id, Unit.cost_cents).where(Unit.id.in_(chunk)))}


def _move_quantity(session: Session, rule: Rule, line: Line, *, from_store_id, to_store_id) -> None:  # noqa: ANN001
    product = session.get(Product, line.product_id)
    if rule.costed and rule.adds:
        costing.receive_at_cost(session, product, line.qty, line.cost_cents or 0)
    elif line.cost_cents is None:
        session.refresh(product, ["avg_cost_cents"])
        line.cost_cents = line.qty * product.avg_cost_cents
    if rule.takes:
        _take(session, product, from_store_id, line.qty)
    if rule.adds:
        _add(session, to_store_id, line.product_id, line.qty)


def _take(session: Session, product: Product, store_id: int, qty: int) -> None:
    """stock_level -= qty, guarded: never below zero."""
    result = session.execute(
        update(StockLevel)
        .where(StockLevel.store_id == store_id, StockLevel.product_id == product.id, StockLevel.qty >= qty)
        .values(qty=StockLevel.qty - qty)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        have = level_qty(session, store_id, product.id)
        store = session.execute(select(Store.code).where(Store.id == store_id)).scalar()
        raise StoreError("insufficient_stock", f"only {have} of {product.sku} in stock at {store}; {qty} needed",
                         f"storectl stock levels --store {store}")


def _add(session: Session, store_id: int, product_id: int, qty: int) -> None:
    """stock_level += qty (an upsert; SQLite and PostgreSQL share the ON CONFLICT form)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    stmt = upsert(StockLevel).values(store_id=store_id, product_id=product_id, qty=qty)
    stmt = stmt.on_conflict_do_update(index_elements=["store_id", "product_id"], set_={"qty": StockLevel.qty + stmt.excluded.qty})
    session.execute(stmt)


def receive_used(session: Session, *, product_id: int, store_id: int, kinds: list[str], codes: list[str], cost_cents: int,
                 condition: str, doc_no: str, customer_id: int | None = None) -> int:
    """One unit the shop has never held arrives as a trade-in (Kind.TRADEIN) at `cost_cents`; returns its id."""
    db.note_doc(session, doc_no)
    now = db.now_of(session)
    unit_id = session.execute(insert(Unit).values(
        product_id=product_id, store_id=store_id, status="in_stock", cost_cents=cost_cents, received_at=now, condition=condition,
    ).returning(Unit.id)).scalar_one()
    try:
        with session.begin_nested():
            session.execute(insert(UnitCode), [{"unit_id": unit_id, "kind": k, "code": c, "position": i}
                                               for i, (k, c) in enumerate(zip(kinds, codes))])
    except IntegrityError:
        raise StoreError("conflict", f"a code of {','.join(codes)} was registered by another command at the same moment",
                         f"storectl sn show {codes[0]}") from None
    session.execute(insert(Movement).values(
        at=now, kind=Kind.TRADEIN.value, doc_no=doc_no, unit_id=unit_id, product_id=product_id, qty=1, to_store_id=store_id,
        status_after="in_stock", cost_cents=cost_cents, customer_id=customer_id, operator=db.operator_of(session),
    ))
    return unit_id


# --- new serial units: the bulk path of Kind.IN ---------------------------------------------


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


def receive_units(session: Session, *, product: Product, store: Store, doc, cost_cents: int, kinds: list[str], prepared: list[list[str]]) -> None:  # noqa: ANN001
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
        _insert_codes(session, kinds, prepared, low if high - low + 1 == count else None, mine)
    except IntegrityError:
        # The pre-check ran inside this same write transaction, so only a concurrent writer on a
        # server database can get here; the UNIQUE index is the last line of defence.
        raise StoreError("conflict", "a code in this batch was registered by another command at the same moment; nothing was received", "run the batch again to see which code") from None
    session.execute(
        insert(Movement).from_select(
            ["at", "kind", "doc_no", "unit_id", "product_id", "qty", "to_store_id", "status_after", "cost_cents", "operator"],
            select(
                literal(now, Movement.__table__.c.at.type), literal(Kind.IN.value), literal(doc.doc_no), Unit.id, Unit.product_id,
                literal(1), Unit.store_id, literal("in_stock"), Unit.cost_cents, literal(db.operator_of(session)),
            ).where(mine).order_by(Unit.id),
        )
    )


def _insert_codes(session: Session, kinds: list[str], prepared: list[list[str]], first_id: int | None, mine) -> None:  # noqa: ANN001
    """Each unit's codes. Contiguous ids on SQLite: one INSERT … SELECT over a JSON array; else executemany."""
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
