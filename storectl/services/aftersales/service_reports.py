"""`report service`: per store and technician — opened, closed, median hours to close, share under
warranty, warranty cost, service revenue, average rating — for a period.

Tickets count where they were opened (the ticket's store) and for their technician ("—" while none
was named). Opened counts tickets opened in the period, closed those closed in it (their median
hours from opening to closing); warranty cost is what was booked in the period; service revenue
the charges of the paid repairs closed in it; the rating averages the ratings given in it.
"""

from __future__ import annotations

import statistics

from sqlalchemy import select
from sqlmodel import Session

from storectl.models import ServiceCost, ServiceTicket, Staff, Store
from storectl.money import div_half_up, format_money, format_tenths
from storectl.periods import Period
from storectl.services.books import reports
from storectl.services.shop import lookup


def by_technician(session: Session, period: Period, *, store: str | None = None) -> list[dict]:
    start, end = reports.bounds(session, period)
    store_id = lookup.store(session, store).id if store else None
    stores = dict(session.execute(select(Store.id, Store.code)).all())
    staff = dict(session.execute(select(Staff.id, Staff.code)).all())
    rows: dict[tuple, dict] = {}

    def row(ticket: ServiceTicket) -> dict:
        key = (stores.get(ticket.store_id), staff.get(ticket.technician_id))
        if key not in rows:
            rows[key] = {"store": key[0], "technician": key[1], "opened": 0, "closed": 0, "hours": [], "warranty": 0,
                         "warranty_cost": 0, "revenue": 0, "ratings": []}
        return rows[key]

    query = select(ServiceTicket)
    if store_id is not None:
        query = query.where(ServiceTicket.store_id == store_id)
    tickets = {t.id: t for t in session.execute(query).scalars()}
    for t in tickets.values():
        if start <= t.opened_at < end:
            r = row(t)
            r["opened"] += 1
            r["warranty"] += int(t.under_warranty)
        if t.closed_at is not None and start <= t.closed_at < end:
            r = row(t)
            r["closed"] += 1
            r["hours"].append((t.closed_at - t.opened_at).total_seconds() / 3600)
            r["revenue"] += t.charge_cents if t.sale_id else 0
        if t.rated_at is not None and start <= t.rated_at < end:
            row(t)["ratings"].append(t.rating)
    costs = select(ServiceCost.ticket_id, ServiceCost.cost_cents).where(
        ServiceCost.warranty == True, ServiceCost.at >= start, ServiceCost.at < end)  # noqa: E712
    for ticket_id, cost in session.execute(costs):
        if ticket_id in tickets:
            row(tickets[ticket_id])["warranty_cost"] += cost
    out = []
    for (store_code, tech), r in sorted(rows.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")):
        out.append({
            "store": store_code, "technician": tech, "opened": r["opened"], "closed": r["closed"],
            "median_hours": round(statistics.median(r["hours"]), 1) if r["hours"] else None,
            "under_warranty_pct": format_tenths(div_half_up(r["warranty"] * 1000, r["opened"])) if r["opened"] else None,
            "warranty_cost": format_money(r["warranty_cost"]), "service_revenue": format_money(r["revenue"]),
            "avg_rating": round(sum(r["ratings"]) / len(r["ratings"]), 1) if r["ratings"] else None,
            "ratings": len(r["ratings"]),
        })
    return out


def report(session: Session, *, period: str | None = None, store: str | None = None) -> dict:
    p = reports.resolve_period(session, period)
    return {"period": p.label, "rows": by_technician(session, p, store=store)}
