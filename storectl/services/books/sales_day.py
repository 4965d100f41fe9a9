"""The daily sales aggregate (`sales_day`), which `report staff|stores|daily` read instead of the lines.

A month of a million sale lines takes 1.7 s to GROUP BY even in bare sqlite3, so the sale and
return transactions keep signed totals per shop-calendar day, store and salesperson, and a
report sums a few thousand of those rows. The line query in `reports` stays the reference: reports
use this table only while the zone it was counted in (the setting `_sales_day_tz`) is the shop's
time zone (`settings.shop_tz`, whose default is the machine's zone). `config set timezone`
recounts it in the same transaction; a sale or return that finds another zone recorded recounts
it instead of adding to it; `db check` recounts it and compares.

Counts: `sales` is the number of distinct sales with a line by that salesperson (what the staff
report shows); `tickets` counts each sale once, on the row of the salesperson of its first line
(line 1), so a sale with lines by two people is one sale in its store's figure and the totals.
A return counts on its own day, in the sale's store, for the salesperson of the returned line.

The day of a stored UTC time is found in SQL by joining to the list of local days with their UTC
bounds (`periods.day_bounds`, made in Python, where zoneinfo knows the DST rules): the same
INSERT … SELECT recounts on SQLite and PostgreSQL, using the index on `sale.at`.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Date, case, column, delete, func, insert, select, union_all, update, values
from sqlmodel import Session

from storectl.models import SalesDay, Setting, Staff, Store
from storectl.periods import bounded_day, day_bounds
from storectl.services.shop import settings
from storectl.services.books.facts import signed_lines

ZONE_KEY = "_sales_day_tz"  # private: `config show` lists only the known keys
MEASURES = ("sales", "tickets", "units", "revenue_cents", "cost_cents")
# Days per INSERT … SELECT: three bound values a day stays far below any driver's limit.
CHUNK_DAYS = 1000


# --- which zone the table was counted in ------------------------------------------------------


def recorded_zone(conn) -> str | None:  # noqa: ANN001  (a Session or a Connection)
    return conn.execute(select(Setting.value).where(Setting.key == ZONE_KEY)).scalar()


def is_current(session: Session) -> bool:
    """True when the table is counted in the shop's time zone, so reports may read it."""
    return recorded_zone(session) == settings.shop_tz(session).key


def _record_zone(conn, name: str) -> None:  # noqa: ANN001
    if conn.execute(update(Setting).where(Setting.key == ZONE_KEY).values(value=name)).rowcount == 0:
        conn.execute(insert(Setting).values(key=ZONE_KEY, value=name))


# --- counting from the lines --------------------------------------------------------------------


def _has_service(conn) -> bool:  # noqa: ANN001
    """Whether the schema has after-sales costs yet (a migration before 0010 recounts without them)."""
    from sqlalchemy import inspect

    return inspect(conn).has_table("service_cost")


def _day_chunks(conn, tz: ZoneInfo, service: bool = True) -> list[list[tuple]]:  # noqa: ANN001
    """The local days from the first sale, return or warranty cost to the last, with their UTC bounds, in chunks."""
    from storectl.models import Sale, SaleReturn, ServiceCost

    spans = [select(func.min(Sale.at), func.max(Sale.at)), select(func.min(SaleReturn.at), func.max(SaleReturn.at))]
    if service:
        spans.append(select(func.min(ServiceCost.at), func.max(ServiceCost.at)))
    spans = conn.execute(union_all(*spans)).all()
    moments = [moment for span in spans for moment in span if moment is not None]
    if not moments:
        return []
    days = day_bounds(bounded_day(min(moments), tz), bounded_day(max(moments), tz), tz)
    return [days[i : i + CHUNK_DAYS] for i in range(0, len(days), CHUNK_DAYS)]


def counted(days: list[tuple], service: bool = True):
    """SELECT day, store_id, staff_id, sales, tickets, units, revenue_cents, cost_cents recounted
    from the signed sales facts of `days` ((day, utc_start, utc_end) rows)."""
    from storectl.models import Sale

    at_type = Sale.__table__.c.at.type
    d = values(column("day", Date), column("lo", at_type), column("hi", at_type), name="days").data(days).cte("days")
    f = signed_lines(days=d, service=service)
    keys = (f.c.day, f.c.store_id, f.c.staff_id)
    return select(
        *keys,
        func.count(func.distinct(case((f.c.is_sale == 1, f.c.sale_id)))).label("sales"),
        func.sum(f.c.ticket).label("tickets"),
        func.sum(f.c.qty).label("units"),
        func.sum(f.c.revenue).label("revenue_cents"),
        func.sum(f.c.cost).label("cost_cents"),
    ).group_by(*keys)


def rebuild_in(conn, tz: ZoneInfo) -> int:  # noqa: ANN001  (a Connection inside the caller's transaction)
    """Recount the whole table from the lines in zone `tz` and record the zone; returns its rows."""
    conn.execute(delete(SalesDay))
    service = _has_service(conn)
    for days in _day_chunks(conn, tz, service):
        conn.execute(insert(SalesDay).from_select(["day", "store_id", "staff_id", *MEASURES], counted(days, service)))
    _record_zone(conn, tz.key)
    return conn.execute(select(func.count()).select_from(SalesDay)).scalar()


def rebuild(session: Session) -> int:
    """Recount in the shop's time zone, inside the command's transaction."""
    session.flush()
    return rebuild_in(session.connection(), settings.shop_tz(session))


def rebuild_stored(conn) -> int:  # noqa: ANN001
    """Recount in the zone `settings.shop_tz` would give (for migrations and bulk loads, which
    have a connection but no command session)."""
    name = conn.execute(select(Setting.value).where(Setting.key == "timezone")).scalar()
    return rebuild_in(conn, settings.zone_of(name if name is not None else settings.KEYS["timezone"].default()))


# --- the write transactions ---------------------------------------------------------------------


def _add(session: Session, *, at: datetime, store_id: int, deltas: dict[int, list[int]]) -> None:
    """Add to each (day, store, staff) row: an UPDATE, and an INSERT when the row is new.
    Writers take turns (BEGIN IMMEDIATE, the advisory lock), so no one inserts it meanwhile."""
    day = bounded_day(at, settings.shop_tz(session))
    for staff_id, amounts in deltas.items():
        change = dict(zip(MEASURES, amounts))
        key = (SalesDay.day == day, SalesDay.store_id == store_id, SalesDay.staff_id == staff_id)
        result = session.execute(
            update(SalesDay).where(*key)
            .values({getattr(SalesDay, m): getattr(SalesDay, m) + n for m, n in change.items()})
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 0:
            session.execute(insert(SalesDay).values(day=day, store_id=store_id, staff_id=staff_id, **change))


def record_sale(session: Session, *, at: datetime, store_id: int, lines: list[tuple[int, int, int, int]]) -> None:
    """Count a sale whose lines, (staff_id, qty, amount_cents, cost_cents) first line first, are written."""
    session.flush()
    if not is_current(session):
        rebuild(session)  # counts this sale with the rest
        return
    deltas: dict[int, list[int]] = {}
    for number, (staff_id, qty, amount, cost) in enumerate(lines):
        row = deltas.setdefault(staff_id, [1, 0, 0, 0, 0])  # one sale for each salesperson on it
        if number == 0:
            row[1] = 1  # the ticket: on the first line's row
        row[2] += qty
        row[3] += amount
        row[4] += cost
    _add(session, at=at, store_id=store_id, deltas=deltas)


def record_return(session: Session, *, at: datetime, store_id: int, lines: list[tuple[int, int, int, int]]) -> None:
    """Count a return whose lines, (the sold line's staff_id, qty, amount_cents, cost_cents), are written."""
    session.flush()
    if not is_current(session):
        rebuild(session)
        return
    deltas: dict[int, list[int]] = {}
    for staff_id, qty, amount, cost in lines:
        row = deltas.setdefault(staff_id, [0, 0, 0, 0, 0])
        row[2] -= qty
        row[3] -= amount
        row[4] -= cost
    _add(session, at=at, store_id=store_id, deltas=deltas)


def record_cost(session: Session, *, at: datetime, store_id: int, staff_id: int, cost_cents: int) -> None:
    """Count a cost booked outside a sale (after-sales warranty cost): cost only, no sale or units."""
    session.flush()
    if not is_current(session):
        rebuild(session)
        return
    _add(session, at=at, store_id=store_id, deltas={staff_id: [0, 0, 0, 0, cost_cents]})


# --- db check -----------------------------------------------------------------------------------


def invariants(session: Session) -> list[dict]:
    """The table equals a recount from the lines (when it is counted in the shop's zone)."""
    if not is_current(session):
        return []  # the reports do not read it; the next sale, return or `config set timezone` recounts it
    conn = session.connection()
    expected: dict[tuple, tuple] = {}
    for days in _day_chunks(conn, settings.shop_tz(session)):
        for day, store_id, staff_id, *m in conn.execute(counted(days)):
            expected[(day, store_id, staff_id)] = tuple(int(x) for x in m)
    stored = {
        (day, store_id, staff_id): tuple(m)
        for day, store_id, staff_id, *m in conn.execute(
            select(SalesDay.day, SalesDay.store_id, SalesDay.staff_id, *(getattr(SalesDay, m) for m in MEASURES))
        )
    }
    stores = dict(conn.execute(select(Store.id, Store.code)).all())
    staff = dict(conn.execute(select(Staff.id, Staff.code)).all())

    def shown(m: tuple | None) -> str:
        return ", ".join(f"{k} {v}" for k, v in zip(MEASURES, m)) if m else "no row"

    problems = []
    for key in sorted(expected.keys() | stored.keys(), key=lambda k: (k[0].isoformat(), k[1], k[2])):
        if expected.get(key) != stored.get(key):
            day, store_id, staff_id = key
            problems.append({"check": "sales_day", "doc": None, "message": (
                f"{day.isoformat()} {stores.get(store_id, store_id)} {staff.get(staff_id, staff_id)}: "
                f"sales_day has {shown(stored.get(key))}; the lines give {shown(expected.get(key))}")})
    return problems
