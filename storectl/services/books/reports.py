"""Reports from the books: sales, units, revenue, cost, profit by staff, store, product, channel.

Every figure comes from the signed sales facts (services/facts.py: sale lines positive, return
lines negative) dated inside the period, aggregated with GROUP BY: revenue is net of returns, cost is the exact
cost booked on each line (a unit's own cost, or the moving average for quantity products).

The staff, store and daily figures read the same sums from the daily aggregate `sales_day`
instead (a million lines take seconds to group; see services/sales_day.py) whenever it is
counted in the shop's time zone; the line query stays as the reference and the fallback.
Products and channels always read the lines.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session

from storectl.models import Customer, SalesDay, Staff, Store
from storectl.money import cents_of, div_half_up, format_money, format_tenths
from storectl.periods import Period, month_period, parse_date, parse_period
from storectl.services.shop import lookup
from storectl.services.books import sales_day
from storectl.services.shop import settings
from storectl.services.books.facts import signed_lines


def resolve_period(session: Session, text: str | None, *, default: str = "month") -> Period:
    if text:
        return parse_period(text)
    today = settings.today(session)
    if default == "day":
        return parse_period(today.isoformat())
    return month_period(today)


def bounds(session: Session, period: Period) -> tuple[datetime, datetime]:
    return period.utc_bounds(settings.shop_tz(session))


def facts(session: Session, period: Period, *, store_id: int | None = None):
    """Sale and return lines in the period: the signed sales facts (services/facts.py)."""
    start, end = bounds(session, period)
    return signed_lines(start=start, end=end, store_id=store_id)


def _measures(f) -> list:  # noqa: ANN001
    return [
        func.count(func.distinct(case((f.c.is_sale == 1, f.c.sale_id)))).label("sales"),
        func.coalesce(func.sum(f.c.qty), 0).label("units"),
        func.coalesce(func.sum(f.c.revenue), 0).label("revenue"),
        func.coalesce(func.sum(f.c.cost), 0).label("cost"),
    ]


def _figures(sales: int, units: int, revenue: int, cost: int) -> dict[str, Any]:
    sales, units, revenue, cost = int(sales), int(units), int(revenue), int(cost)
    profit = revenue - cost
    # rounded half up to what is shown: 0.1 % and the fen
    margin = format_tenths(div_half_up(profit * 1000, revenue)) if revenue > 0 else None
    avg = format_money(div_half_up(revenue, sales)) if sales else format_money(0)
    return {
        "sales": int(sales),
        "units": int(units),
        "revenue": format_money(int(revenue)),
        "cost": format_money(int(cost)),
        "profit": format_money(int(profit)),
        "margin_pct": margin,
        "avg_ticket": avg,
    }


def _store_filter(session: Session, store: str | None) -> int | None:
    return lookup.store(session, store).id if store else None


def _summed(session: Session, period: Period, key: str | None, *, store_id: int | None = None):
    """Sales, units, revenue and cost in the period, per `key` ("staff_id", "store_id") or in
    total (None), from the daily aggregate when it is counted in the shop's zone, else the lines.
    Per salesperson `sales` counts each sale with a line of theirs; per store and in total each
    sale once (`tickets`)."""
    if sales_day.is_current(session):
        where = [SalesDay.day >= period.start, SalesDay.day < period.end]
        if store_id is not None:
            where.append(SalesDay.store_id == store_id)
        count = SalesDay.sales if key == "staff_id" else SalesDay.tickets
        measures = [
            func.coalesce(func.sum(column), 0).label(name)
            for name, column in (("sales", count), ("units", SalesDay.units), ("revenue", SalesDay.revenue_cents), ("cost", SalesDay.cost_cents))
        ]
        if key is None:
            return select(*measures).where(*where)
        group = getattr(SalesDay, key)
        return select(group.label(key), *measures).where(*where).group_by(group)
    f = facts(session, period, store_id=store_id)
    if key is None:
        return select(*_measures(f))
    return select(f.c[key].label(key), *_measures(f)).group_by(f.c[key])


def totals(session: Session, period: Period, *, store: str | None = None) -> dict:
    row = session.execute(_summed(session, period, None, store_id=_store_filter(session, store))).one()
    return {"period": period.label, **_figures(*row)}


def by_staff(session: Session, period: Period, *, store: str | None = None) -> list[dict]:
    """Per salesperson, ranked by revenue; `members` = members they brought in during the period."""
    per = _summed(session, period, "staff_id", store_id=_store_filter(session, store)).subquery()
    start, end = bounds(session, period)
    members = (
        select(Customer.staff_id, func.count().label("members"))
        .where(Customer.is_member == True, Customer.joined_at >= start, Customer.joined_at < end)  # noqa: E712
        .group_by(Customer.staff_id)
        .subquery()
    )
    won = _leads_won(start, end)
    query = (
        select(Staff.code, Staff.name, Store.code, per.c.sales, per.c.units, per.c.revenue, per.c.cost, func.coalesce(members.c.members, 0),
               func.coalesce(won.c.won, 0))
        .select_from(Staff)
        .join(Store, Store.id == Staff.store_id)
        .outerjoin(per, per.c.staff_id == Staff.id)
        .outerjoin(members, members.c.staff_id == Staff.id)
        .outerjoin(won, won.c.owner_id == Staff.id)
        .where((per.c.staff_id.is_not(None)) | (members.c.members > 0) | (won.c.won > 0))
    )
    if store:
        query = query.where((per.c.staff_id.is_not(None)) | (Staff.store_id == _store_filter(session, store)))
    rows = []
    for code, name, store_code, sales, units, revenue, cost, joined, leads_won in session.execute(query):
        rows.append({"staff": code, "name": name, "store": store_code, **_figures(sales or 0, units or 0, revenue or 0, cost or 0),
                     "members": int(joined), "leads_won": int(leads_won)})
    return _ranked(rows)


def _leads_won(start: datetime, end: datetime):
    """Leads (SPEC §13) that became won in [start, end), per owner. The table is named here, not
    imported (`models.Lead` would define the sale line tables this report never needs)."""
    from sqlalchemy import column, table
    from sqlmodel.sql.sqltypes import UTCDateTime

    lead = table("lead", column("owner_id"), column("status"), column("closed_at", UTCDateTime()))
    return (
        select(lead.c.owner_id, func.count().label("won"))
        .where(lead.c.status == "won", lead.c.closed_at >= start, lead.c.closed_at < end)
        .group_by(lead.c.owner_id)
        .subquery()
    )


def by_store(session: Session, period: Period) -> list[dict]:
    per = _summed(session, period, "store_id").subquery()
    query = (
        select(Store.code, Store.name, per.c.sales, per.c.units, per.c.revenue, per.c.cost)
        .select_from(per)
        .join(Store, Store.id == per.c.store_id)
    )
    return _ranked([{"store": code, "name": name, **_figures(*m)} for code, name, *m in session.execute(query)])


def by_product(session: Session, period: Period, *, store: str | None = None) -> list[dict]:
    from storectl.models import Product

    f = facts(session, period, store_id=_store_filter(session, store))
    query = (
        select(Product.sku, Product.name, Product.category, *_measures(f))
        .select_from(f)
        .join(Product, Product.id == f.c.product_id)
        .group_by(Product.sku, Product.name, Product.category)
    )
    return _ranked(
        [{"sku": sku, "name": name, "category": category, **_figures(*m)} for sku, name, category, *m in session.execute(query)]
    )


def by_condition(session: Session, period: Period, *, store: str | None = None) -> list[dict]:
    """New and used (traded-in) goods apart: sales, units, revenue, cost and profit of each, net of returns."""
    start, end = bounds(session, period)
    f = signed_lines(start=start, end=end, store_id=_store_filter(session, store), condition=True)
    used = case((f.c.condition.like("used%"), "used"), else_="new")  # warranty cost (no unit sold) counts with new goods
    rows = {c: m for c, *m in session.execute(select(used.label("condition"), *_measures(f)).group_by(used))}
    return [{"condition": c, **_figures(*rows.get(c, (0, 0, 0, 0)))} for c in ("new", "used") if c in rows]


def by_channel(session: Session, period: Period, *, store: str | None = None) -> list[dict]:
    """Per acquisition channel and staff code: members acquired in the period and what buyers bought.

    A sale counts for the channel written on it (`sell --channel`), else for the channel and
    staff member that brought its customer in; sales with neither are "(none)".
    """
    from storectl.models import Channel

    f = facts(session, period, store_id=_store_filter(session, store))
    acq_staff = Customer.staff_id
    channel_id = func.coalesce(f.c.channel_id, Customer.channel_id)
    bought = (
        select(
            channel_id.label("channel_id"),
            acq_staff.label("staff_id"),
            func.count(func.distinct(f.c.customer_id)).label("buyers"),
            *_measures(f),
        )
        .select_from(f)
        .outerjoin(Customer, Customer.id == f.c.customer_id)
        .group_by(channel_id, acq_staff)
    )
    start, end = bounds(session, period)
    joined = (
        select(Customer.channel_id, Customer.staff_id, func.count())
        .where(Customer.is_member == True, Customer.joined_at >= start, Customer.joined_at < end)  # noqa: E712
        .group_by(Customer.channel_id, Customer.staff_id)
    )
    rows: dict[tuple, dict] = {}
    channels = {c.id: c for c in session.scalars(select(Channel))}
    staff = {s.id: s for s in session.scalars(select(Staff))}

    def entry(ch_id, st_id) -> dict:  # noqa: ANN001
        key = (ch_id, st_id)
        if key not in rows:
            ch = channels.get(ch_id)
            st = staff.get(st_id)
            rows[key] = {
                "channel": ch.code if ch else None,
                "channel_name": ch.name if ch else "(none)",
                "staff": st.code if st else None,
                "staff_name": st.name if st else "",
                "members": 0,
                "buyers": 0,
                **_figures(0, 0, 0, 0),
            }
        return rows[key]

    for ch_id, st_id, count in session.execute(joined):
        entry(ch_id, st_id)["members"] = int(count)
    for ch_id, st_id, buyers, *m in session.execute(bought):
        e = entry(ch_id, st_id)
        e.update(_figures(*m))
        e["buyers"] = int(buyers)
    return _ranked(list(rows.values()))


def daily(session: Session, *, day: str | None = None, store: str | None = None) -> dict:
    d: date = parse_date(day) if day else settings.today(session)
    period = parse_period(d.isoformat())
    return {
        "date": d.isoformat(),
        "total": totals(session, period, store=store),
        "stores": [r for r in by_store(session, period) if not store or r["store"] == store.strip()],
        "staff": by_staff(session, period, store=store),
    }


def _ranked(rows: list[dict]) -> list[dict]:
    rows.sort(key=lambda r: (-cents_of(r["revenue"]), -r["units"], str(r.get("staff") or r.get("store") or r.get("sku") or r.get("channel") or "")))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows
