"""Transfers between stores (TR-): send, receive all or part, cancel the rest, list, show.

While in transit a unit keeps the sender's store_id with status `in_transit` and exactly one
open transfer line; quantities leave the sender's stock_level at send and reach the receiver's at
receive. Every step appends movements: transfer_send, transfer_receive, transfer_cancel.
"""

from __future__ import annotations

import re

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session

from storectl import db
from storectl.errors import StoreError, invalid, not_found
from storectl.models import Product, Store, Transfer, TransferLine, UnitCode
from storectl.money import format_money
from storectl.services.shop import closing
from storectl.services.shop import lookup
from storectl.services.shop import settings
from storectl.services.stock import unit_input
from storectl.services.stock import ledger
from storectl.services.stock.ledger import Kind, Line
from storectl.services.stock.unit_input import Item, Problems

OPEN = ("open", "partial")
_DOC = re.compile(r"(?:TR-?)?0*([0-9]{1,12})")


def get(session: Session, doc: str) -> Transfer:
    """A transfer by its id: `TR-000012`, `tr-12` or `12`."""
    raw = (doc or "").strip()
    m = _DOC.fullmatch(raw.upper())
    if m is None or not m.group(1):
        raise invalid(f"{raw!r} is not a transfer id", "e.g. TR-000012; storectl transfer list --open")
    number = f"TR-{int(m.group(1)):06d}"
    row = session.scalars(select(Transfer).where(Transfer.doc_no == number)).first()
    if row is None:
        raise not_found(f"no transfer {number}", "storectl transfer list")
    return row


def _open(session: Session, doc: str, action: str) -> Transfer:
    row = get(session, doc)
    if row.status not in OPEN:
        raise StoreError("conflict", f"{row.doc_no} is {row.status}; nothing left to {action}", f"storectl transfer show {row.doc_no}")
    return row


def send(session: Session, *, from_store: str, to_store: str, items: list[Item]) -> dict:
    """Units leave `from_store` (in_transit) and quantities leave its stock level, under one TR- id."""
    closing.ensure_open(session)
    src, dst = lookup.store(session, from_store), lookup.store(session, to_store)
    if src.id == dst.id:
        raise invalid(f"--from and --to are both {src.code}", "send to another store")
    if not items:
        raise invalid("nothing to send", unit_input.UNITS_HINT + " or SKU:QTY")
    units, qtys = unit_input.resolve_items(session, items, store=src, action="send")
    now = db.now_of(session)
    row = Transfer(doc_no=db.next_doc_no(session, "TR"), from_store_id=src.id, to_store_id=dst.id, status="open", at=now, operator=db.operator_of(session))
    session.add(row)
    session.flush()
    moved = ledger.move(
        session, Kind.TRANSFER_SEND, [Line(u.product_id, unit_id=u.id, cost_cents=u.cost_cents) for u in units]
        + [Line(line.product.id, line.qty) for line in qtys], doc_no=row.doc_no, from_store_id=src.id, to_store_id=dst.id,
    )
    session.execute(insert(TransferLine), [
        {"transfer_id": row.id, "product_id": m.product_id, "unit_id": m.unit_id, "qty": m.qty, "cost_cents": m.cost_cents} for m in moved
    ])
    return show(session, row.doc_no)


def _open_lines(session: Session, transfer_id: int):
    first = aliased(UnitCode)
    return session.execute(
        select(TransferLine, first.code, Product.sku)
        .join(Product, Product.id == TransferLine.product_id)
        .outerjoin(first, and_(first.unit_id == TransferLine.unit_id, first.position == 0))
        .where(TransferLine.transfer_id == transfer_id, TransferLine.received_qty + TransferLine.cancelled_qty < TransferLine.qty)
        .order_by(TransferLine.id)
        .execution_options(populate_existing=True)
    ).all()


def _pick(session: Session, row: Transfer, open_lines, items: list[Item]) -> list[tuple[TransferLine, str | None, int]]:
    """The open lines (and how much of each) that the listed units / SKU:QTY items name."""
    by_unit = {line.unit_id: (line, code) for line, code, _ in open_lines if line.unit_id is not None}
    by_product = {line.product_id: (line, sku) for line, _, sku in open_lines if line.unit_id is None}
    problems = Problems(len(items), "nothing was received")
    picked: dict[int, tuple[TransferLine, str | None, int]] = {}
    parsed: list[tuple[str, list[str]]] = []
    for label, value in items:
        text = unit_input.row_text(value, None) if isinstance(value, dict) else value
        try:
            if ":" in text:
                sku, _, count = text.rpartition(":")
                product = lookup.product(session, sku)
                qty = unit_input.parse_qty(count, f"quantity of {product.sku}")
                if product.id not in by_product:
                    raise StoreError("conflict", f"{row.doc_no} has no {product.sku} left in transit", f"storectl transfer show {row.doc_no}")
                line, _ = by_product[product.id]
                already = picked.get(line.id, (line, None, 0))[2]
                left = line.qty - line.received_qty - line.cancelled_qty
                if already + qty > left:
                    raise StoreError("insufficient_stock", f"only {left} of {product.sku} are in transit on {row.doc_no}", f"storectl transfer show {row.doc_no}")
                picked[line.id] = (line, None, already + qty)
            else:
                parsed.append((label, unit_input.parse_unit(text)))
        except StoreError as err:
            problems.add(label, err)
    known = unit_input.units_by_codes(session, [c for _, codes in parsed for c in codes])
    for label, codes in parsed:
        unit = known.get(codes[0])
        if unit is None:
            problems.add(label, not_found(f"no unit with code {codes[0]}", "check the code"))
        elif unit.id not in by_unit:
            problems.add(label, StoreError("conflict", f"{unit_input.describe(unit)} is not in transit on {row.doc_no}", f"storectl transfer show {row.doc_no}"))
        elif by_unit[unit.id][0].id in picked:
            problems.add(label, invalid(f"unit {unit.first} is listed twice", "list each unit once"))
        else:
            line, code = by_unit[unit.id]
            picked[line.id] = (line, code, 1)
    problems.raise_if_any()
    return list(picked.values())


def check_receive_line(session: Session, *, transfer: str, text: str) -> str:
    """Scanner feedback for `transfer receive … -`: is this unit (or SKU:QTY) still on the road on this transfer?"""
    row = _open(session, transfer, "receive")
    _pick(session, row, _open_lines(session, row.id), [("scan", text)])
    return f"on {row.doc_no}"


def receive(session: Session, *, transfer: str, items: list[Item] | None = None) -> dict:
    """Receive everything still in transit, or only the listed units / SKU:QTY (a partial receipt)."""
    row = _open(session, transfer, "receive")
    closing.ensure_open(session)
    open_lines = _open_lines(session, row.id)
    if items:
        picked = _pick(session, row, open_lines, items)
    else:
        picked = [(line, code, line.qty - line.received_qty - line.cancelled_qty) for line, code, _ in open_lines]
    for line, _, qty in picked:
        _done(session, line, received=qty)
    ledger.move(session, Kind.TRANSFER_RECEIVE, [_arriving(line, qty) for line, _, qty in picked], doc_no=row.doc_no,
                from_store_id=row.from_store_id, to_store_id=row.to_store_id)
    left = _left(session, row.id)
    row.status = "received" if left == 0 else "partial"
    row.closed_at = db.now_of(session) if left == 0 else None
    session.add(row)
    session.flush()
    result = show(session, row.doc_no)
    result["just_received"] = [code for _, code, _ in picked if code]
    return result


def cancel(session: Session, *, transfer: str) -> dict:
    """What has not been received goes back to the sender (units in stock there again)."""
    row = _open(session, transfer, "cancel")
    closing.ensure_open(session)
    open_lines = _open_lines(session, row.id)
    back = []
    for line, _, _ in open_lines:
        qty = line.qty - line.received_qty - line.cancelled_qty
        _done(session, line, cancelled=qty)
        back.append(_arriving(line, qty))
    ledger.move(session, Kind.TRANSFER_CANCEL, back, doc_no=row.doc_no, to_store_id=row.from_store_id)
    row.status = "cancelled"
    row.closed_at = db.now_of(session)
    session.add(row)
    session.flush()
    return show(session, row.doc_no)


def _arriving(line: TransferLine, qty: int) -> Line:
    """What of a transfer line arrives (or goes back): a unit at its cost, or `qty` of a quantity
    line at its share of the line's cost."""
    cost = line.cost_cents if line.unit_id is not None else line.cost_cents * qty // line.qty
    return Line(line.product_id, qty, unit_id=line.unit_id, cost_cents=cost)


def _done(session: Session, line: TransferLine, *, received: int = 0, cancelled: int = 0) -> None:
    n = received + cancelled
    result = session.execute(
        update(TransferLine)
        .where(TransferLine.id == line.id, TransferLine.received_qty + TransferLine.cancelled_qty + n <= TransferLine.qty)
        .values(received_qty=TransferLine.received_qty + received, cancelled_qty=TransferLine.cancelled_qty + cancelled)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StoreError("conflict", "the transfer changed while this command ran", "look again: storectl transfer show")


def _left(session: Session, transfer_id: int) -> int:
    return session.execute(
        select(func.coalesce(func.sum(TransferLine.qty - TransferLine.received_qty - TransferLine.cancelled_qty), 0)).where(
            TransferLine.transfer_id == transfer_id
        )
    ).scalar()


def show(session: Session, doc: str) -> dict:
    """{"id", "status", "from", "to", "units", "received", …} with quantity lines under "lines"."""
    row = get(session, doc)
    first = aliased(UnitCode)
    units, received, cancelled, in_transit, lines = [], [], [], [], []
    for line, code, sku in session.execute(
        select(TransferLine, first.code, Product.sku)
        .join(Product, Product.id == TransferLine.product_id)
        .outerjoin(first, and_(first.unit_id == TransferLine.unit_id, first.position == 0))
        .where(TransferLine.transfer_id == row.id)
        .order_by(TransferLine.id)
        .execution_options(populate_existing=True)  # lines change by guarded UPDATEs, not through the ORM
    ):
        if line.unit_id is None:
            lines.append({"sku": sku, "qty": line.qty, "received": line.received_qty, "cancelled": line.cancelled_qty,
                          "in_transit": line.qty - line.received_qty - line.cancelled_qty, "cost": format_money(line.cost_cents)})
            continue
        units.append(code)
        (received if line.received_qty else cancelled if line.cancelled_qty else in_transit).append(code)
    return {
        "id": row.doc_no, "status": row.status,
        "from": lookup.code_of(session, Store, row.from_store_id), "to": lookup.code_of(session, Store, row.to_store_id),
        "at": settings.local_iso(session, row.at), "operator": row.operator, "closed_at": settings.local_iso(session, row.closed_at),
        "units": units, "received": received, "in_transit": in_transit, "cancelled": cancelled, "lines": lines,
    }


def list_transfers(session: Session, *, open_only: bool = False) -> list[dict]:
    src, dst = aliased(Store), aliased(Store)
    unit_line = TransferLine.unit_id.is_not(None)
    query = (
        select(
            Transfer.doc_no, Transfer.status, src.code, dst.code, Transfer.at,
            func.count(TransferLine.unit_id),
            func.coalesce(func.sum(TransferLine.received_qty).filter(unit_line), 0),
            func.coalesce(func.sum(TransferLine.qty).filter(~unit_line), 0),
            func.coalesce(func.sum(TransferLine.qty - TransferLine.received_qty - TransferLine.cancelled_qty), 0),
            func.coalesce(func.sum(TransferLine.qty - TransferLine.received_qty - TransferLine.cancelled_qty).filter(unit_line), 0),
        )
        .join(src, src.id == Transfer.from_store_id)
        .join(dst, dst.id == Transfer.to_store_id)
        .outerjoin(TransferLine, TransferLine.transfer_id == Transfer.id)
        .group_by(Transfer.id, Transfer.doc_no, Transfer.status, src.code, dst.code, Transfer.at)
        .order_by(Transfer.id)
    )
    if open_only:
        query = query.where(Transfer.status.in_(OPEN))
    return [
        {"id": doc, "status": status, "from": f, "to": t, "at": settings.local_iso(session, at),
         "units": int(n_units), "received": int(n_received), "qty": int(qty), "in_transit": int(left),
         # units and quantities apart: ten cases and four phones are not "14 in transit"
         "units_in_transit": int(units_left), "qty_in_transit": int(left) - int(units_left)}
        for doc, status, f, t, at, n_units, n_received, qty, left, units_left in session.execute(query)
    ]
