"""Service tickets (SV-000001): open, steps, parts, an exchange, close once, rate once.

A ticket is for a unit a customer brought back (a sold unit). It records, when opened, whether the
unit is under warranty and until when. Every step is a dated, audited `service_step`; a closed
month refuses steps dated in it; a closed ticket refuses further steps (a guarded update).

Money: parts leave stock through the ledger (`service_part`) at their cost (a unit's own, a
quantity's moving average) and are booked to the ticket (`service_cost`). On a ticket under
warranty they are **warranty cost**, and so is an exchange's cost difference (replacement −
faulty, negative when the replacement cost less): those rows join the sales facts with revenue 0,
on the day they were booked, in the ticket's store, for the staff member who opened the ticket.
Parts on a ticket out of warranty are paid: closing with `--charge` makes a sale (`S-`) whose
lines are those parts at their cost (priced at their cost while the charge covers it) and the
labour, a line of the stockless product `SERVICE` carrying the rest of the charge.

The exchange (换新) never touches the original sale: the faulty unit comes back (`exchange_in`,
sold → faulty, into the ticket's store at its own cost), the replacement leaves
(`exchange_out`, in stock → sold to the customer) and keeps the faulty unit's warranty end.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import Session

from storectl.codes import new_token
from storectl import db
from storectl.errors import StoreError, invalid, not_found
from storectl.models import Customer, Product, ServiceCost, ServiceStep, ServiceTicket, Staff, Store, Unit
from storectl.money import format_money
from storectl.services.aftersales import warranty
from storectl.services.books import sales_day
from storectl.services.shop import closing, lookup, settings
from storectl.services.stock import ledger
from storectl.services.stock.kinds import Kind
from storectl.services.stock.ledger import Line
from storectl.services.stock.unit_input import resolve_items

STEP_STATUSES = ("in_repair", "waiting_parts", "ready")
MAX_TEXT = 500
LABOUR_SKU = "SERVICE"  # the stockless product a paid repair's labour is sold as


def parse_doc(text: str) -> str:
    raw = (text or "").strip().upper()
    if raw.isdigit():
        raw = f"SV-{int(raw):06d}"
    if not raw.startswith("SV-") or not raw[3:].isdigit() or len(raw) > 20:
        raise invalid(f"{text.strip()!r} is not a service ticket id", "e.g. SV-000001: storectl service list")
    return raw


def _text(value: str | None, what: str, *, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise invalid(f"{what} is empty", f"describe it, e.g. {what} '屏幕碎裂 cracked screen'")
    if len(text) > MAX_TEXT:
        raise invalid(f"{what} is longer than {MAX_TEXT} characters", "say it shorter")
    return text


def ticket_by_doc(session: Session, doc: str) -> ServiceTicket:
    doc = parse_doc(doc)
    ticket = session.execute(select(ServiceTicket).where(ServiceTicket.doc_no == doc)).scalars().first()
    if ticket is None:
        raise not_found(f"no service ticket {doc}", "storectl service list")
    return ticket


def _step(session: Session, ticket: ServiceTicket, status: str, note: str = "", at: datetime | None = None) -> None:
    session.add(ServiceStep(ticket_id=ticket.id, at=at or db.now_of(session), status=status, note=note, operator=db.operator_of(session)))
    db.note_doc(session, ticket.doc_no)


def _hold_open(session: Session, ticket: ServiceTicket, **values) -> None:  # noqa: ANN003
    """A guarded update of an open ticket (and its `values`); a closed one refuses."""
    values = values or {"status": ServiceTicket.status}
    done = session.execute(
        update(ServiceTicket).where(ServiceTicket.id == ticket.id, ServiceTicket.status != "closed").values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise StoreError("conflict", f"{ticket.doc_no} is closed; nothing more can be done on it",
                         f"storectl service show {ticket.doc_no}")
    session.refresh(ticket)


# --- open ------------------------------------------------------------------------------------


def open_ticket(session: Session, *, code: str, problem: str, store: str, staff: str, customer: str | None = None) -> dict:
    closing.ensure_open(session)
    problem = _text(problem, "--problem", required=True)
    shop = lookup.store(session, store)
    opener = lookup.staff(session, staff)
    if not opener.active:
        raise invalid(f"staff member {opener.code} is no longer active", "storectl staff list")
    buyer = lookup.customer(session, customer) if customer else None
    unit = lookup.unit_by_code(session, code)
    first = lookup.first_code(session, unit.id)
    if unit.status != "sold":
        raise StoreError("conflict", f"unit {first} is {unit.status.replace('_', ' ')}, not with a customer: tickets are for units customers bring back",
                         f"storectl sn show {first}")
    busy = session.execute(
        select(ServiceTicket.doc_no).where(ServiceTicket.unit_id == unit.id, ServiceTicket.status != "closed")
    ).scalars().first()
    if busy:
        raise StoreError("conflict", f"unit {first} is already on open ticket {busy}", f"storectl service show {busy}")
    product = session.get(Product, unit.product_id)
    end = warranty.warranty_end(session, unit.id, unit.status, unit.sold_at, product.warranty_months, unit.condition)
    today = settings.today(session)
    under = warranty.state(end["until"], True, today) == "in_warranty"
    now = db.now_of(session)
    ticket = ServiceTicket(
        doc_no=db.next_doc_no(session, "SV"), unit_id=unit.id, product_id=unit.product_id, store_id=shop.id, staff_id=opener.id,
        customer_id=buyer.id if buyer else end["customer_id"], problem=problem, status="open", under_warranty=under,
        warranty_until=end["until"], sale_no=end["sale"], opened_at=now, token=new_token(), operator=db.operator_of(session),
    )
    session.add(ticket)
    session.flush()
    _step(session, ticket, "open", problem, at=now)
    session.flush()
    return show(session, ticket.doc_no)


# --- steps -----------------------------------------------------------------------------------


def update_ticket(session: Session, *, doc: str, status: str, technician: str | None = None, note: str | None = None) -> dict:
    closing.ensure_open(session)
    ticket = ticket_by_doc(session, doc)
    status = (status or "").strip().lower().replace("-", "_")
    if status not in STEP_STATUSES:
        raise invalid(f"unknown status {status!r}", "one of: " + ", ".join(STEP_STATUSES) + " (close with: storectl service close)")
    note = _text(note, "--note")
    values: dict = {"status": status}
    if technician:
        tech = lookup.staff(session, technician)
        if not tech.active:
            raise invalid(f"staff member {tech.code} is no longer active", "storectl staff list")
        values["technician_id"] = tech.id
        note = (note + " " if note else "") + f"({tech.code})"
    _hold_open(session, ticket, **values)
    _step(session, ticket, status, note)
    session.flush()
    return show(session, ticket.doc_no)


def add_parts(session: Session, *, doc: str, items: list[str]) -> dict:
    """Parts used: unit codes or SKU[:QTY], in stock at the ticket's store; they leave at their cost."""
    closing.ensure_open(session)
    ticket = ticket_by_doc(session, doc)
    if not items:
        raise invalid("no parts given", "e.g. storectl service part SV-000001 SCREEN-IP15:1")
    _hold_open(session, ticket)
    shop = session.get(Store, ticket.store_id)
    parsed = [(str(i), (text if ":" in text or not _is_sku(session, text) else f"{text}:1")) for i, text in enumerate(items, start=1)]
    units, qtys = resolve_items(session, parsed, store=shop, action="use as a part", problems_note="no part was used")
    now = db.now_of(session)
    lines = [Line(u.product_id, unit_id=u.id, cost_cents=u.cost_cents) for u in units] + [Line(q.product.id, q.qty) for q in qtys]
    moved = ledger.move(session, Kind.SERVICE_PART, lines, doc_no=ticket.doc_no, from_store_id=shop.id, at=now)
    names = [u.sku for u in units] + [q.product.sku for q in qtys]
    for line, name in zip(moved, names):
        session.add(ServiceCost(
            ticket_id=ticket.id, at=now, kind="part", product_id=line.product_id, unit_id=line.unit_id, qty=line.qty,
            cost_cents=line.cost_cents, warranty=ticket.under_warranty, store_id=ticket.store_id, staff_id=ticket.staff_id,
        ))
        if ticket.under_warranty:
            sales_day.record_cost(session, at=now, store_id=ticket.store_id, staff_id=ticket.staff_id, cost_cents=line.cost_cents)
    _step(session, ticket, "part", ", ".join(f"{n} × {m.qty}" for n, m in zip(names, moved)), at=now)
    session.flush()
    return show(session, ticket.doc_no)


def _is_sku(session: Session, text: str) -> bool:
    """A bare SKU (a quantity product) rather than a unit code."""
    sku = (text or "").strip()
    return session.execute(select(Product.id).where(Product.sku == sku, Product.serial == False)).first() is not None  # noqa: E712


def exchange(session: Session, *, doc: str, code: str) -> dict:
    """换新: the customer's faulty unit back into the ticket's store as `faulty`, a unit of the same
    SKU in stock there out to the customer; the cost difference is warranty cost."""
    closing.ensure_open(session)
    ticket = ticket_by_doc(session, doc)
    if not ticket.under_warranty:
        raise StoreError("conflict", f"{ticket.doc_no} is not under warranty: an exchange is for a unit under warranty",
                         f"repair it and charge: storectl service close {ticket.doc_no} --charge AMOUNT --pay cash=AMOUNT")
    if ticket.replacement_unit_id is not None:
        raise StoreError("conflict", f"{ticket.doc_no} has already exchanged its unit", f"storectl service show {ticket.doc_no}")
    _hold_open(session, ticket, replacement_unit_id=None)  # the guard; set below once the units moved
    new = lookup.unit_by_code(session, code)
    new_first = lookup.first_code(session, new.id)
    shop = session.get(Store, ticket.store_id)
    old = session.get(Unit, ticket.unit_id)
    old_first = lookup.first_code(session, old.id)
    if new.id == old.id:
        raise invalid("the replacement is the faulty unit itself", "scan the new unit's code")
    if new.product_id != ticket.product_id:
        sku = session.get(Product, ticket.product_id).sku
        raise invalid(f"unit {new_first} is not a {sku}: the replacement is the same SKU", f"storectl stock list --sku {sku} --store {shop.code} --status in_stock")
    if new.status != "in_stock" or new.store_id != shop.id:
        raise StoreError("conflict", f"unit {new_first} is not in stock at {shop.code}", f"storectl sn show {new_first}")
    now = db.now_of(session)
    customer_id = ticket.customer_id
    ledger.move(session, Kind.EXCHANGE_IN, [Line(old.product_id, unit_id=old.id, cost_cents=old.cost_cents, customer_id=customer_id)],
                doc_no=ticket.doc_no, to_store_id=shop.id, at=now,
                conflict=lambda _uid: StoreError("conflict", f"unit {old_first} is no longer with the customer", f"storectl sn show {old_first}"))
    ledger.move(session, Kind.EXCHANGE_OUT, [Line(new.product_id, unit_id=new.id, cost_cents=new.cost_cents, customer_id=customer_id)],
                doc_no=ticket.doc_no, from_store_id=shop.id, at=now,
                conflict=lambda _uid: StoreError("conflict", f"unit {new_first} changed while this command ran", f"storectl sn show {new_first}"))
    session.execute(update(ServiceTicket).where(ServiceTicket.id == ticket.id, ServiceTicket.replacement_unit_id.is_(None))
                    .values(replacement_unit_id=new.id).execution_options(synchronize_session=False))
    session.refresh(ticket)
    session.refresh(new)
    session.refresh(old)
    diff = new.cost_cents - old.cost_cents
    session.add(ServiceCost(ticket_id=ticket.id, at=now, kind="exchange", product_id=new.product_id, unit_id=new.id, qty=1,
                            cost_cents=diff, warranty=True, store_id=ticket.store_id, staff_id=ticket.staff_id))
    sales_day.record_cost(session, at=now, store_id=ticket.store_id, staff_id=ticket.staff_id, cost_cents=diff)
    _step(session, ticket, "exchange", f"{old_first} -> {new_first} (cost {format_money(diff)})", at=now)
    session.flush()
    return show(session, ticket.doc_no)


# --- close and rate ----------------------------------------------------------------------------


def _labour_product(session: Session) -> Product:
    product = session.execute(select(Product).where(Product.sku == LABOUR_SKU)).scalars().first()
    if product is None:
        product = Product(sku=LABOUR_SKU, name="维修服务 Repair labour", category="service", serial=False, code_kinds="",
                          warranty_months=0, created_at=db.now_of(session))
        session.add(product)
        session.flush()
    elif product.serial:
        raise StoreError("conflict", f"the SKU {LABOUR_SKU} is a serial product; paid repairs need it as the stockless labour line",
                         "rename that product's SKU")
    return product


def close(session: Session, *, doc: str, charge: int | None = None, payments: list[tuple[str, int]] = ()) -> dict:
    """Hand back, once. A charge makes the paid repair's sale (S-): its paid parts and the labour."""
    closing.ensure_open(session)
    ticket = ticket_by_doc(session, doc)
    paid_parts = list(session.execute(
        select(ServiceCost).where(ServiceCost.ticket_id == ticket.id, ServiceCost.warranty == False).order_by(ServiceCost.id)  # noqa: E712
    ).scalars())
    if charge is None:
        if payments:
            raise invalid("--pay without --charge", f"e.g. storectl service close {ticket.doc_no} --charge 180 --pay wechat=180")
        if paid_parts:
            raise invalid(f"{ticket.doc_no} used parts out of warranty: the customer pays for them",
                          f"storectl service close {ticket.doc_no} --charge AMOUNT --pay cash=AMOUNT")
    else:
        paid = sum(cents for _, cents in payments)
        if paid != charge:
            raise invalid(f"payments add up to {format_money(paid)}, the charge is {format_money(charge)}",
                          f"e.g. --charge {format_money(charge)} --pay cash={format_money(charge)}")
    now = db.now_of(session)
    _hold_open(session, ticket, status="closed", closed_at=now, charge_cents=charge or 0)
    sale_doc = None
    if charge is not None:
        sale_doc = _paid_repair(session, ticket, charge, payments, paid_parts, now)
    _step(session, ticket, "closed", f"charge {format_money(charge)} ({sale_doc})" if sale_doc else "", at=now)
    session.flush()
    return show(session, ticket.doc_no)


def _paid_repair(session: Session, ticket: ServiceTicket, charge: int, payments, parts: list[ServiceCost], now) -> str:  # noqa: ANN001
    """The sale of a paid repair: parts at their cost while the charge covers it, the rest labour."""
    from storectl.models import Sale, SaleLine, SalePayment

    staff_id = ticket.technician_id or ticket.staff_id
    labour = _labour_product(session)
    left = charge
    rows = []
    for part in parts:
        price = min(part.cost_cents // part.qty, left // part.qty)
        left -= price * part.qty
        rows.append((part.product_id, part.qty, price, part.cost_cents))
    rows.append((labour.id, 1, left, 0))
    by_method: dict[str, int] = {}
    for method, cents in payments:
        by_method[method] = by_method.get(method, 0) + cents
    sale = Sale(doc_no=db.next_doc_no(session, "S"), at=now, store_id=ticket.store_id, staff_id=staff_id, customer_id=ticket.customer_id,
                operator=db.operator_of(session), total_cents=charge, paid_cents=charge)
    session.add(sale)
    session.flush()
    for number, (product_id, qty, price, cost) in enumerate(rows, start=1):
        session.add(SaleLine(sale_id=sale.id, line_no=number, product_id=product_id, qty=qty, price_cents=price,
                             amount_cents=price * qty, rule="service", cost_cents=cost, staff_id=staff_id))
    for method, cents in by_method.items():
        session.add(SalePayment(sale_id=sale.id, method=method, amount_cents=cents))
    session.flush()
    sales_day.record_sale(session, at=now, store_id=ticket.store_id, lines=[(staff_id, qty, price * qty, cost) for _, qty, price, cost in rows])
    session.execute(update(ServiceTicket).where(ServiceTicket.id == ticket.id).values(sale_id=sale.id).execution_options(synchronize_session=False))
    session.refresh(ticket)
    return sale.doc_no


def rate(session: Session, *, doc: str, score: int, comment: str | None = None) -> dict:
    """The customer's evaluation of a closed ticket, 1–5, once."""
    closing.ensure_open(session)
    ticket = ticket_by_doc(session, doc)
    if not 1 <= score <= 5:
        raise invalid(f"the score is {score}; it is 1 to 5", f"e.g. storectl service rate {ticket.doc_no} 5")
    comment = _text(comment, "--comment")
    if ticket.status != "closed":
        raise StoreError("conflict", f"{ticket.doc_no} is not closed yet: the customer rates it once it is handed back",
                         f"storectl service close {ticket.doc_no}")
    now = db.now_of(session)
    done = session.execute(
        update(ServiceTicket).where(ServiceTicket.id == ticket.id, ServiceTicket.rating.is_(None))
        .values(rating=score, rating_comment=comment, rated_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise StoreError("conflict", f"{ticket.doc_no} was already rated {ticket.rating}", f"storectl service show {ticket.doc_no}")
    session.refresh(ticket)
    _step(session, ticket, "rated", f"{score}/5" + (f" {comment}" if comment else ""), at=now)
    session.flush()
    return show(session, ticket.doc_no)


# --- reading ---------------------------------------------------------------------------------


def show(session: Session, doc: str) -> dict:
    ticket = ticket_by_doc(session, doc)
    unit_code = lookup.first_code(session, ticket.unit_id)
    product = session.get(Product, ticket.product_id)
    parts = []
    warranty_cost = 0
    for cost in session.execute(select(ServiceCost).where(ServiceCost.ticket_id == ticket.id).order_by(ServiceCost.id)).scalars():
        if cost.warranty:
            warranty_cost += cost.cost_cents
        if cost.kind == "part":
            parts.append({"sku": lookup.code_of(session, Product, cost.product_id, "sku"),
                          "unit": lookup.first_code(session, cost.unit_id) if cost.unit_id else None,
                          "qty": cost.qty, "cost": format_money(cost.cost_cents), "warranty": cost.warranty})
    timeline = [
        {"at": settings.local_iso(session, step.at), "status": step.status, "note": step.note, "operator": step.operator}
        for step in session.execute(select(ServiceStep).where(ServiceStep.ticket_id == ticket.id).order_by(ServiceStep.id)).scalars()
    ]
    sale = lookup.code_of(session, models_sale(), ticket.sale_id, "doc_no") if ticket.sale_id else None
    return {
        "id": ticket.doc_no, "unit": unit_code, "sku": product.sku, "name": product.name, "status": ticket.status,
        "under_warranty": ticket.under_warranty,
        "warranty_until": ticket.warranty_until.isoformat() if ticket.warranty_until else None,
        "opened_at": settings.local_iso(session, ticket.opened_at), "closed_at": settings.local_iso(session, ticket.closed_at),
        "store": lookup.code_of(session, Store, ticket.store_id), "staff": lookup.code_of(session, Staff, ticket.staff_id),
        "technician": lookup.code_of(session, Staff, ticket.technician_id) if ticket.technician_id else None,
        "customer": lookup.code_of(session, Customer, ticket.customer_id) if ticket.customer_id else None,
        "problem": ticket.problem,
        "replacement": lookup.first_code(session, ticket.replacement_unit_id) if ticket.replacement_unit_id else None,
        "parts": parts, "warranty_cost": format_money(warranty_cost),
        "charge": format_money(ticket.charge_cents) if ticket.sale_id else None, "sale": sale,
        "rating": ticket.rating, "comment": ticket.rating_comment or None, "timeline": timeline,
    }


def models_sale():  # noqa: ANN201
    from storectl.models import Sale

    return Sale


def list_tickets(session: Session, *, status: str | None = None, store: str | None = None, technician: str | None = None,
                 only_open: bool = False) -> list[dict]:
    query = select(ServiceTicket).order_by(ServiceTicket.id)
    if status:
        status = status.strip().lower().replace("-", "_")
        if status not in ("open", *STEP_STATUSES, "closed"):
            raise invalid(f"unknown status {status!r}", "one of: open, " + ", ".join(STEP_STATUSES) + ", closed")
        query = query.where(ServiceTicket.status == status)
    if store:
        query = query.where(ServiceTicket.store_id == lookup.store(session, store).id)
    if technician:
        query = query.where(ServiceTicket.technician_id == lookup.staff(session, technician).id)
    if only_open:
        query = query.where(ServiceTicket.status != "closed")
    stores = dict(session.execute(select(Store.id, Store.code)).all())
    staff = dict(session.execute(select(Staff.id, Staff.code)).all())
    skus = dict(session.execute(select(Product.id, Product.sku)).all())
    return [
        {"id": t.doc_no, "unit": lookup.first_code(session, t.unit_id), "sku": skus.get(t.product_id), "status": t.status,
         "under_warranty": t.under_warranty, "store": stores.get(t.store_id), "technician": staff.get(t.technician_id),
         "opened_at": settings.local_iso(session, t.opened_at), "closed_at": settings.local_iso(session, t.closed_at),
         "problem": t.problem}
        for t in session.execute(query).scalars()
    ]


def status_by_token(session: Session, text: str) -> dict:
    """What the customer's progress code shows: the state and the dates, never names or phones."""
    token = service_token(text)
    ticket = session.execute(select(ServiceTicket).where(ServiceTicket.token == token)).scalars().first()
    if ticket is None:
        raise not_found("no service ticket has this progress code", "check the code under the QR, or ask the shop")
    steps = session.execute(select(ServiceStep.at, ServiceStep.status).where(ServiceStep.ticket_id == ticket.id).order_by(ServiceStep.id)).all()
    return {
        "id": ticket.doc_no, "status": ticket.status, "under_warranty": ticket.under_warranty,
        "opened_at": settings.local_iso(session, ticket.opened_at), "closed_at": settings.local_iso(session, ticket.closed_at),
        "steps": [{"at": settings.local_iso(session, at), "status": st} for at, st in steps if st != "rated"],
    }


SERVICE_KEY = "sv"


def service_token(text: str) -> str:
    """A progress code: the token itself or a whole scanned address carrying sv=TOKEN."""
    import re
    from urllib.parse import parse_qsl, urlsplit

    hint = "give the code printed under the service QR, or the whole scanned address"
    raw = (text or "").strip()
    if not raw or len(raw) > 2000:
        raise invalid("the progress code is empty" if not raw else "the progress code is too long", hint)
    if "://" in raw or "?" in raw:
        try:
            fields = parse_qsl(urlsplit(raw).query, keep_blank_values=True, errors="strict", max_num_fields=50)
        except ValueError:
            raise invalid("the address has an unreadable query", hint) from None
        found = [v for k, v in fields if k == SERVICE_KEY]
        if len(found) != 1 or not found[0]:
            raise invalid("the address carries no service progress code (sv=)", hint)
        raw = found[0]
    if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", raw):
        raise invalid("that is not a service progress code", hint)
    return raw


def qr_payload(session: Session, doc: str) -> dict:
    """`qr.base_url` + ?sv=TOKEN for a ticket (the customer's progress code)."""
    from urllib.parse import quote, urlencode

    from storectl.services.qr import codes as qr

    ticket = ticket_by_doc(session, doc)
    base = qr.validate_base_url(settings.get(session, "qr.base_url"))
    sep = "?" if "?" not in base else ("" if base.endswith(("?", "&")) else "&")
    return {"id": ticket.doc_no, "token": ticket.token, "payload": base + sep + urlencode([(SERVICE_KEY, ticket.token)], quote_via=quote, safe="")}


# --- db check ---------------------------------------------------------------------------------


def invariants(session: Session) -> list[dict]:
    """Tickets and units agree: an open ticket's unit is still the customer's (sold) unless it was
    exchanged, then it is the faulty one in the ticket's store (or has since moved on) and the
    replacement is sold; every faulty unit came back on an exchange and lies in its ticket's store."""
    from storectl.models import Movement

    problems: list[dict] = []
    t = ServiceTicket
    for doc, status, unit_status, replacement in session.execute(
        select(t.doc_no, t.status, Unit.status, t.replacement_unit_id).join(Unit, Unit.id == t.unit_id).where(t.status != "closed")
    ):
        if replacement is None and unit_status != "sold":
            problems.append({"check": "service_unit", "doc": doc, "message": f"{doc} is {status} but its unit is {unit_status}, not with the customer"})
    last = select(func.max(Movement.id)).where(Movement.unit_id == Unit.id, Movement.kind == "exchange_in").correlate(Unit).scalar_subquery()
    for unit_id, store_id, doc, ticket_store, ticket_unit in session.execute(
        select(Unit.id, Unit.store_id, Movement.doc_no, t.store_id, t.unit_id)
        .outerjoin(Movement, Movement.id == last)
        .outerjoin(t, t.doc_no == Movement.doc_no)
        .where(Unit.status == "faulty")
    ):
        code = lookup.first_code(session, unit_id)
        if doc is None or ticket_unit != unit_id:
            problems.append({"check": "service_faulty", "doc": code, "message": f"unit {code} is faulty but came back on no service exchange"})
        elif store_id != ticket_store:
            problems.append({"check": "service_faulty", "doc": doc, "message": f"unit {code} is faulty at store #{store_id}, but {doc} took it in at #{ticket_store}"})
    for doc, rep_status, rep_id in session.execute(
        select(t.doc_no, Unit.status, Unit.id).join(Unit, Unit.id == t.replacement_unit_id)
    ):
        moved = session.execute(select(Movement.id).where(Movement.unit_id == rep_id, Movement.kind == "exchange_out", Movement.doc_no == doc)).first()
        if moved is None:
            problems.append({"check": "service_exchange", "doc": doc, "message": f"{doc} names a replacement that never left on it"})
    return problems

