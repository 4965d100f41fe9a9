"""Reactivation campaigns (CA-, SPEC §13): who bought a phone years ago and nothing like it since.

The audience is one set-based query over the sales ledger: for each customer with a phone, their
most recent purchase of the category (or SKU) — a sale line not wholly returned (a returned unit
was not "bought") — found with ROW_NUMBER over the customer's lines; they are in when that purchase
was on or before the cut-off day (shop calendar). `--store` keeps those whose qualifying purchase
was made at that store; `--tag` those with the tag. Each member gets an unguessable token
(`secrets`); `--holdout P` sets aside P % of them (rounded half up), chosen at random
(`secrets.SystemRandom`) and recorded, who are never exported. Members go in with one bulk insert.

A click (`hit`) counts; the first one (a guarded update, so two at once make one) also creates the
member's lead, owned by who sold them the unit (inactive: the manager of the store it was sold at).
The report counts buyers and revenue within the window [created, created + window days): sales
of the campaign's category/SKU to members, net of returns made in the window.
"""

from __future__ import annotations

import csv
import io
import secrets
from datetime import date, timedelta
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from sqlalchemy import and_, case, exists, func, insert, literal, select, update
from sqlmodel import Session

from storectl.codes import new_token
from storectl import db
from storectl.errors import invalid, not_found
from storectl.models import Campaign, CampaignMember, Customer, CustomerTag, Lead, Product, Sale, SaleLine, Staff, Store
from storectl.money import format_money
from storectl.periods import add_months, day_bounds, local_date, parse_date
from storectl.services.books.xlsx import DANGEROUS_START
from storectl.services.crm import leads
from storectl.services.crm.tags import clean_tag
from storectl.services.shop import lookup, settings
from storectl.services.shop.auth import require_manager
from storectl.services.shop.catalogue import clean_name

TOKEN_KEY = "c"
TOKEN_HINT = "give the token after ?c= in the link, or the whole link: --via URL"
DEFAULT_WINDOW = 30
MAX_WINDOW = 3660
EXPORT_COLUMNS = ("phone", "name", "customer", "bought", "sku", "unit", "bought_on", "salesperson", "link")


def _cutoff(session: Session, years: int | None, before: str | None) -> date:
    if (years is None) == (before is None):
        raise invalid("give one of --bought-years N or --bought-before DATE", "e.g. --bought-years 3")
    if before is not None:
        return parse_date(before)
    if not 1 <= years <= 50:
        raise invalid(f"--bought-years must be 1..50, got {years}", "e.g. --bought-years 3")
    return add_months(settings.today(session), -12 * years)


def _audience(session: Session, *, end, category: str, product_id: int | None, store_id: int | None, tag: str):
    """(customer_id, sale_line_id) of everyone in the audience: one query."""
    bought = (
        select(
            Sale.customer_id.label("customer_id"), SaleLine.id.label("line_id"), Sale.at.label("at"), Sale.store_id.label("store_id"),
            func.row_number().over(partition_by=Sale.customer_id, order_by=(Sale.at.desc(), SaleLine.id.desc())).label("rn"),
        )
        .select_from(SaleLine)
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(Sale.customer_id.is_not(None), SaleLine.returned_qty < SaleLine.qty)
    )
    if product_id is not None:
        bought = bought.where(SaleLine.product_id == product_id)
    elif category:
        bought = bought.join(Product, Product.id == SaleLine.product_id).where(Product.category == category)
    last = bought.subquery("last")
    query = (
        select(last.c.customer_id, last.c.line_id)
        .join(Customer, Customer.id == last.c.customer_id)
        .where(last.c.rn == 1, last.c.at < end, Customer.phone.is_not(None))
        .order_by(last.c.customer_id)
    )
    if store_id is not None:
        query = query.where(last.c.store_id == store_id)
    if tag:
        query = query.where(exists().where(CustomerTag.customer_id == last.c.customer_id, CustomerTag.tag == tag))
    return session.execute(query).all()


def create(
    session: Session, *, name: str, years: int | None = None, before: str | None = None, category: str | None = None,
    sku: str | None = None, store: str | None = None, tag: str | None = None, holdout: int = 0, window: int = DEFAULT_WINDOW,
) -> dict:
    """A campaign and its audience (manager-only: the audience is a list of customers' phones)."""
    require_manager(session, "campaign create")
    title = clean_name(name, "campaign name")
    cutoff = _cutoff(session, years, before)
    if category and sku:
        raise invalid("give --category or --sku, not both", "e.g. --category 手机")
    if not 0 <= holdout <= 90:
        raise invalid(f"--holdout must be 0..90 %, got {holdout}", "e.g. --holdout 10")
    if not 1 <= window <= MAX_WINDOW:
        raise invalid(f"--window must be 1..{MAX_WINDOW} days, got {window}", "e.g. --window 30")
    cat = clean_name(category, "category") if category else ""
    product = lookup.product(session, sku) if sku else None
    shop = lookup.store(session, store) if store else None
    the_tag = clean_tag(tag) if tag else ""
    if cutoff > settings.today(session):
        raise invalid(f"the cut-off {cutoff.isoformat()} is in the future", "e.g. --bought-years 3")
    end = day_bounds(cutoff, cutoff, settings.shop_tz(session))[0][2]  # the day after the cut-off, 00:00 shop time
    now = db.now_of(session)
    rows = _audience(session, end=end, category=cat, product_id=product.id if product else None,
                     store_id=shop.id if shop else None, tag=the_tag)
    if not rows:
        raise not_found("no customer is in that audience", "try another date, category or store")
    count = len(rows)
    held = (count * holdout * 2 + 100) // 200  # rounded half up
    chosen = set(secrets.SystemRandom().sample(range(count), held)) if held else set()
    campaign = Campaign(
        doc_no=db.next_doc_no(session, "CA"), name=title, bought_before=cutoff, category=cat,
        product_id=product.id if product else None, store_id=shop.id if shop else None, tag=the_tag,
        holdout_pct=holdout, window_days=window, created_at=now, ends_at=now + timedelta(days=window),
        operator=db.operator_of(session),
    )
    session.add(campaign)
    session.flush()
    tokens: set[str] = set()
    members = []
    for i, (customer_id, line_id) in enumerate(rows):
        token = new_token()
        while token in tokens:  # a clash: never in practice
            token = new_token()
        tokens.add(token)
        members.append({"campaign_id": campaign.id, "customer_id": customer_id, "token": token, "holdout": i in chosen,
                        "sale_line_id": line_id, "clicks": 0})
    for start in range(0, count, 20000):
        session.execute(insert(CampaignMember), members[start:start + 20000])
    return campaign_dict(session, campaign, audience=count, held=held)


def find(session: Session, doc: str) -> Campaign:
    code = (doc or "").strip().upper()
    row = session.scalars(select(Campaign).where(Campaign.doc_no == code)).first()
    if row is None:
        raise not_found(f"no campaign {code!r}", "storectl campaign list")
    return row


def campaign_dict(session: Session, c: Campaign, *, audience: int | None = None, held: int | None = None) -> dict:
    if audience is None:
        audience, held = session.execute(
            select(func.count(), func.coalesce(func.sum(case((CampaignMember.holdout, 1), else_=0)), 0))
            .where(CampaignMember.campaign_id == c.id)
        ).one()
    return {
        "id": c.doc_no, "name": c.name, "bought_before": c.bought_before.isoformat(), "category": c.category or None,
        "sku": lookup.code_of(session, Product, c.product_id, "sku"), "store": lookup.code_of(session, Store, c.store_id),
        "tag": c.tag or None, "holdout_pct": c.holdout_pct, "window_days": c.window_days,
        "created_at": settings.local_iso(session, c.created_at), "ends_at": settings.local_iso(session, c.ends_at),
        "audience": int(audience), "holdout": int(held), "contacted": int(audience) - int(held),
    }


def list_campaigns(session: Session) -> list[dict]:
    return [campaign_dict(session, c) for c in session.scalars(select(Campaign).order_by(Campaign.id))]


def link_prefix(base_url: str) -> str:
    """`qr.base_url` with `?c=` (or `&c=`) after it: a token (URL-safe already) completes the link."""
    from storectl.services.qr.codes import validate_base_url

    base = validate_base_url(base_url)
    sep = "?" if "?" not in base else ("" if base.endswith(("?", "&")) else "&")
    return base + sep + urlencode([(TOKEN_KEY, "")], quote_via=quote, safe="")


def _export_rows(session: Session, c: Campaign):
    """The contacted members as export rows (holdout left out), by customer code."""
    from storectl.models import UnitCode

    first_code = (
        select(UnitCode.code).where(UnitCode.unit_id == SaleLine.unit_id, UnitCode.position == 0).limit(1).scalar_subquery()
    )
    query = (
        select(Customer.phone, Customer.name, Customer.code, Product.name, Product.sku, first_code, Sale.at, Staff.code,
               CampaignMember.token)
        .select_from(CampaignMember)
        .join(Customer, Customer.id == CampaignMember.customer_id)
        .join(SaleLine, SaleLine.id == CampaignMember.sale_line_id)
        .join(Sale, Sale.id == SaleLine.sale_id)
        .join(Product, Product.id == SaleLine.product_id)
        .join(Staff, Staff.id == SaleLine.staff_id)
        .where(CampaignMember.campaign_id == c.id, CampaignMember.holdout == False)  # noqa: E712
        .order_by(Customer.code)
    )
    return session.execute(query)


def export(session: Session, *, campaign: str, out: str) -> dict:
    """The contacted members to a .csv or .xlsx for an SMS gateway (owner-only file)."""
    from pathlib import Path

    from storectl.services.qr import codes as qr

    suffix = Path(out).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise invalid(f"the export is a .csv or .xlsx file, not {suffix or 'a file without a suffix'!r}", "e.g. --out ca-1.csv")
    c = find(session, campaign)
    tz = settings.shop_tz(session)
    prefix = link_prefix(settings.get(session, "qr.base_url"))
    rows = []
    for phone, name, code, product, sku, unit, at, staff, token in _export_rows(session, c):
        # free text a spreadsheet could take for a formula gets a leading ' (phones, codes, dates, links cannot)
        rows.append((phone, _csv_safe(name), code, _csv_safe(product), sku, unit or "", local_date(at, tz).isoformat(), staff,
                     prefix + token))
    if suffix == ".csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(rows)
        data = ("\ufeff" + buf.getvalue()).encode("utf-8")  # a BOM: Excel then reads the Chinese names
        path = qr._write_atomic(out, lambda fh: fh.write(data))
    else:
        path = qr._write_atomic(out, lambda fh: _write_xlsx(fh, rows))
    db.note_doc(session, c.doc_no)
    return {"campaign": c.doc_no, "rows": len(rows), "out": path}


def _csv_safe(value: str) -> str:
    return "'" + value if value.startswith(DANGEROUS_START) else value


def _write_xlsx(fh, rows) -> None:  # noqa: ANN001
    """One sheet, every cell a string cell: phones, IMEIs and codes stay text (no 1.38E+10)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("contacts")
    ws.append(list(EXPORT_COLUMNS))
    for r in rows:
        ws.append(r)
    wb.save(fh)


def token_of(text: str | None, via: str | None) -> str:
    if (text is None) == (via is None):
        raise invalid("give the token or --via URL", TOKEN_HINT)
    raw = (text if text is not None else via or "").strip()
    if via is not None:
        try:
            fields = parse_qsl(urlsplit(raw).query, keep_blank_values=True, max_num_fields=50)
        except ValueError:
            raise invalid("that address has an unreadable query", TOKEN_HINT) from None
        found = [v for k, v in fields if k == TOKEN_KEY]
        if len(found) != 1:
            raise invalid("that address carries no campaign token (c=)", TOKEN_HINT)
        raw = found[0]
    if not (8 <= len(raw) <= 64 and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in raw)):
        raise not_found("no campaign link with that token", TOKEN_HINT)
    return raw


def hit(session: Session, *, token: str | None = None, via: str | None = None) -> dict:
    """A click: counted; the first also records its time and creates the member's lead."""
    code = token_of(token, via)
    now = db.now_of(session)
    counted = session.execute(
        update(CampaignMember).where(CampaignMember.token == code)
        .values(clicks=CampaignMember.clicks + 1, last_click_at=now)
    ).rowcount
    if counted != 1:
        raise not_found("no campaign link with that token", TOKEN_HINT)
    first = session.execute(
        update(CampaignMember).where(CampaignMember.token == code, CampaignMember.first_click_at.is_(None)).values(first_click_at=now)
    ).rowcount == 1
    member = session.scalars(select(CampaignMember).where(CampaignMember.token == code)).one()
    c = session.get(Campaign, member.campaign_id)
    db.note_doc(session, c.doc_no)
    if first:
        lead = _lead_for(session, c, member)
    else:
        lead = session.scalars(select(Lead).where(Lead.member_id == member.id)).first()
    return {"campaign": c.doc_no, "customer": lookup.code_of(session, Customer, member.customer_id), "first": first,
            "clicks": member.clicks, "lead": lead.doc_no if lead else None, "owner": lookup.code_of(session, Staff, lead.owner_id) if lead else None}


def _owner(session: Session, line: SaleLine, sale: Sale) -> Staff:
    seller = session.get(Staff, line.staff_id)
    if seller.active:
        return seller
    manager = session.scalars(
        select(Staff).where(Staff.store_id == sale.store_id, Staff.role == "manager", Staff.active == True).order_by(Staff.code)  # noqa: E712
    ).first()
    return manager or seller


def _lead_for(session: Session, c: Campaign, member: CampaignMember) -> Lead:
    customer = session.get(Customer, member.customer_id)
    line = session.get(SaleLine, member.sale_line_id)
    sale = session.get(Sale, line.sale_id)
    product = session.get(Product, line.product_id)
    bought = local_date(sale.at, settings.shop_tz(session)).isoformat()
    return leads.create(
        session, phone=customer.phone, name=customer.name, owner=_owner(session, line, sale), customer=customer,
        source=f"campaign {c.doc_no}", interest=f"换新: {product.name} ({bought})", next_date=settings.today(session),
        until=c.ends_at, member_id=member.id,
    )


def _pct(part: int, whole: int) -> str | None:
    if whole == 0:
        return None
    return f"{part * 100 / whole:.1f}"


def report(session: Session, *, campaign: str) -> dict:
    """Audience, holdout, contacted, clicks, leads, buyers and revenue in the window, conversion, lift."""
    from storectl.services.books.facts import signed_lines

    c = find(session, campaign)
    members = select(CampaignMember).where(CampaignMember.campaign_id == c.id).subquery()
    f = signed_lines(start=c.created_at, end=c.ends_at)
    matching = literal(True)
    if c.product_id is not None:
        matching = f.c.product_id == c.product_id
    elif c.category:
        matching = f.c.product_id.in_(select(Product.id).where(Product.category == c.category))
    per = (
        select(members.c.holdout, members.c.customer_id, func.sum(f.c.revenue).label("revenue"),
               func.sum(f.c.qty).label("units"))
        .select_from(members)
        .join(f, and_(f.c.customer_id == members.c.customer_id, matching))
        .group_by(members.c.holdout, members.c.customer_id)
        .subquery()
    )
    figures = {False: [0, 0], True: [0, 0]}  # holdout → [buyers, revenue]
    for held, buyers, revenue in session.execute(
        select(per.c.holdout, func.sum(case((per.c.units > 0, 1), else_=0)), func.coalesce(func.sum(per.c.revenue), 0)).group_by(per.c.holdout)
    ):
        figures[bool(held)] = [int(buyers or 0), int(revenue)]
    audience, held, clicks, clickers = session.execute(
        select(func.count(), func.coalesce(func.sum(case((members.c.holdout, 1), else_=0)), 0),
               func.coalesce(func.sum(members.c.clicks), 0),
               func.count(members.c.first_click_at))
    ).one()
    lead_rows = session.execute(
        select(Lead.status, func.count()).join(members, members.c.id == Lead.member_id).group_by(Lead.status)
    ).all()
    n_leads = sum(n for _, n in lead_rows)
    won = sum(n for s, n in lead_rows if s == "won")
    contacted = int(audience) - int(held)
    conv_c = _pct(figures[False][0], contacted)
    conv_h = _pct(figures[True][0], int(held))
    lift = None
    if contacted and held:
        lift = f"{(figures[False][0] * 100 / contacted) - (figures[True][0] * 100 / int(held)):.1f}"
    now = db.now_of(session)
    return {
        **campaign_dict(session, c, audience=audience, held=held),
        "window_open": now < c.ends_at,
        "clicks": int(clicks), "clicked": int(clickers), "leads": n_leads, "leads_won": won,
        "buyers": figures[False][0] + figures[True][0],
        "contacted_buyers": figures[False][0], "holdout_buyers": figures[True][0],
        "revenue": format_money(figures[False][1] + figures[True][1]),
        "contacted_revenue": format_money(figures[False][1]), "holdout_revenue": format_money(figures[True][1]),
        "contacted_conversion_pct": conv_c, "holdout_conversion_pct": conv_h, "lift_points": lift,
    }
