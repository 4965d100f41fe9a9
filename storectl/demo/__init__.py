"""The demo shop: November 2026 at a small Shenzhen phone chain, with its month end.

`build` makes DIR/store.db from scratch and lives through the month (demo_month.Month) on a
simulated clock in the shop's time zone, so every run gives the same books whatever today's date
or STORECTL_NOW: settings, catalogue and price rules on the 1st; stock arriving in two deliveries;
transfers (one partly received, one still on the road at month end); a till busy every day for
every salesperson; members joining by scanning channel and staff QR codes, checking in and paying
with points; two returns; trade customers buying on credit and paying part of what they owe; a
stock-take with one unit missing. On 1 December the accountant writes the month-end workbook, the
QR sheets are printed, and `db check` must find nothing wrong.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select

from storectl.db import Database
from storectl.errors import StoreError, invalid
from storectl.demo import crm as crm_demo
from storectl.demo import promo
from storectl.demo.month import DAYS, FIRST, Month, moment, rows

MONTH = f"{FIRST:%Y-%m}"
SHOP_NAME = "华强北数码 (演示)"
MARKER = ".storectl-demo"  # a store.db is only ever replaced in a folder the demo made
# December's first deliveries, for the README tour: a supplier's file, and codes one per line as a scanner types them
DELIVERIES = ("delivery-IP17P-256-BK.csv", "delivery-APP3.txt")
# the sample files the README's "Your own shop" imports, left beside the database (the checkout's
# sample_data/ is not there for someone who installed storectl)
SAMPLES = ("stores.csv", "customers.csv")
STEPS = DAYS + 3  # progress reports: the 1st's setup, each day, the month end, db check
TILL_FILES = ("till-session.txt", "till-session.jsonl", "receipt.html")  # the script typed, the answers, the receipt
OWNED = ("store.db", "store.db-wal", "store.db-shm", f"storectl-{MONTH}.xlsx", "qr-staff.html", "qr-channels.html", *DELIVERIES,
         *TILL_FILES, *(f"sample-{name}" for name in SAMPLES))


def sample_dir() -> Path:
    import storectl.sample_data

    return Path(storectl.sample_data.__file__).parent


class ClockedDatabase(Database):
    """A Database whose sessions read the simulated clock: never the machine's, never STORECTL_NOW."""

    at: datetime = moment(FIRST, "08:00")
    ready = False  # set once the demo has migrated it: no need to ask before every transaction

    def ensure_ready(self) -> None:
        if not self.ready:
            super().ensure_ready()

    def clock_is_fixed(self) -> bool:
        return True  # the demo's database keeps accepting STORECTL_NOW, for replays and tests

    def _session(self, *, write: bool, command: str, now=None):  # noqa: ANN001,ANN202
        session = super()._session(write=write, command=command, now=self.at)
        return session


def prepare(folder: str | Path) -> Path:
    """The demo folder (owner-only when made here). A store.db the demo did not make is left alone;
    an earlier demo's files stay until the new one is complete (see `build`)."""
    from storectl.db import make_private_dirs

    folder = Path(folder).expanduser().absolute()
    if (folder / "store.db").exists() and not (folder / MARKER).exists():
        raise StoreError(
            "conflict",
            f"{folder / 'store.db'} was not made by storectl demo; the demo will not replace it",
            "give the demo a folder of its own, e.g. storectl demo --dir storectl-demo",
        )
    try:
        make_private_dirs(folder)
        _remove_stale_builds(folder)
        (folder / MARKER).write_text("made by storectl demo: running it again replaces the demo's files here\n", encoding="utf-8")
    except OSError as exc:
        raise invalid(f"cannot use {folder} for the demo: {exc.strerror or exc}", "give a writable --dir") from None
    return folder


BUILDING = ".demo-building-"
STALE_BUILD_SECONDS = 3600


def build(*, folder: str | Path, progress: Callable[[str], None] = lambda step: None) -> dict:
    """Make DIR/store.db from scratch, live through November 2026, write the month end; returns the summary.

    Everything is built in a hidden folder inside DIR and moved into place only when complete, so a
    demo run that is killed (or fails) leaves the previous demo's database, workbook, QR sheets
    and delivery files as they were."""
    target = prepare(folder)
    staging = Path(tempfile.mkdtemp(prefix=BUILDING, dir=target))  # 0700, on the same file system
    try:
        result = _build_in(staging, progress)
        _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    old, new = str(staging), str(target)

    def moved(value):  # noqa: ANN001, ANN202
        if isinstance(value, str):
            return value.replace(old, new)
        if isinstance(value, list):
            return [moved(v) for v in value]
        return value

    return {key: moved(value) for key, value in result.items()}


def _swap(staging: Path, target: Path) -> None:
    """Move the finished demo's files over the old ones, the database last but one step: an old
    -wal/-shm must never be applied to the new database, so they go just before it arrives."""
    for name in OWNED:
        if name.startswith("store.db"):
            continue
        if (staging / name).exists():
            os.replace(staging / name, target / name)
        else:
            (target / name).unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        (target / f"store.db{suffix}").unlink(missing_ok=True)
    os.replace(staging / "store.db", target / "store.db")


def _remove_stale_builds(folder: Path) -> None:
    """Half-built demos of runs that were killed (an hour old: no demo takes that long)."""
    import time

    for old in folder.glob(BUILDING + "*"):
        try:
            if old.is_dir() and time.time() - old.stat().st_mtime > STALE_BUILD_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass


def _build_in(folder: Path, progress: Callable[[str], None]) -> dict:
    from storectl.services.shop import maintenance
    from storectl.services.books import month_end
    from storectl.services.qr import qr_cards
    from storectl.services.books import reports

    data = sample_dir()
    db = ClockedDatabase("sqlite:///" + str(folder / "store.db"), operator="E001")
    maintenance.init(db, shop_name=SHOP_NAME, timezone_name="Asia/Shanghai")
    db.ready = True
    month = Month(db, data, progress)
    crm_demo.join(month)  # the old customers of 2020–2022 and November's campaign (SPEC §13)
    month.live()

    # 1 December, 09:00: the accountant's month-end workbook, then the QR sheets for the counters
    db.at, db.operator = moment(FIRST + timedelta(days=DAYS), "09:00"), "E009"
    with db.read("report month") as s:
        period = month_end.resolve_month(s, MONTH)
        workbook = month_end.write_workbook(s, period=period, path=month_end.target_path(str(folder), period))["path"]
    sheets = []
    for kind, name in (("staff", "qr-staff.html"), ("channel", "qr-channels.html")):
        with db.read("qr sheet") as s:
            plan = qr_cards.sheet(s, kind=kind)
        sheets.append(qr_cards.write_sheet(plan, out=str(folder / name))["path"])
    shutil.copyfile(data / DELIVERIES[0], folder / DELIVERIES[0])
    for name in SAMPLES:
        shutil.copyfile(data / name, folder / f"sample-{name}")
    codes = [row["SN"] for row in rows(data, "delivery-APP3.csv")]
    (folder / DELIVERIES[1]).write_text("".join(code + "\n" for code in codes), encoding="utf-8")
    progress("month-end workbook, QR sheets")
    till = _till_session(db, folder)
    till.update(promo.run(db))  # 1 December: a flash sale, a 满减 coupon for 金卡, a check-in coupon
    problems = maintenance.check(db)
    if problems:
        raise AssertionError(f"the demo's books do not add up: {problems[:3]}")
    progress("db check: clean")

    with db.read("demo") as s:
        summary = _summary(s, reports.totals(s, reports.resolve_period(s, MONTH)))
    db.engine.dispose()  # the last connection closes: SQLite checkpoints and removes the -wal
    path = str(folder / "store.db")
    return {
        "dir": str(folder), "db": path, "workbook": workbook, "qr_sheets": sheets, "period": MONTH, **summary, **till,
        "try": [f"storectl --db {path} {command}" for command in _try_next(summary)],
    }


def _till_session(db: ClockedDatabase, folder: Path) -> dict:
    """1 December, 09:30: 李娜 (E002) opens the till at SZ01 and a member buys a phone and a case.

    The lines go through `counter.run`, the same code path as `storectl till` reading a pipe; they
    are written to till-session.txt (what was typed: `storectl till < till-session.txt` replays the
    session), the answers to till-session.jsonl, and the sale's receipt to receipt.html."""
    import json

    from storectl.models import Customer, Product, StockLevel, Store, Unit
    from storectl.money import format_money, parse_money
    from storectl.services.shop import lookup
    from storectl.services.till import counter, receipts

    db.at, db.operator = moment(FIRST + timedelta(days=DAYS), "09:30"), "E002"
    with db.read("demo") as s:
        store_id = s.execute(select(Store.id).where(Store.code == "SZ01")).scalar()
        unit = s.execute(select(Unit.id).join(Product, Product.id == Unit.product_id)
                         .where(Unit.store_id == store_id, Unit.status == "in_stock", Product.category == "手机")
                         .order_by(Unit.id).limit(1)).scalar()
        code = lookup.first_code(s, unit)
        accessory = s.execute(select(Product.sku).join(StockLevel, StockLevel.product_id == Product.id)
                              .where(StockLevel.store_id == store_id, StockLevel.qty > 0).order_by(Product.sku).limit(1)).scalar()
        member, points = s.execute(select(Customer.phone, Customer.points).where(Customer.is_member == True, Customer.points >= 1000)  # noqa: E712
                                   .order_by(Customer.points.desc(), Customer.id).limit(1)).one()
    answers: list[dict] = []
    typed: list[str] = []

    def script():  # noqa: ANN202  (lines as a clerk types them; the payment reads the running total)
        yield from ("?", f"c {member}", code, accessory, "NOSUCHCODE", "p 1000")
        to_pay = parse_money(answers[-1]["to_pay"])
        yield f"pay wechat {format_money(to_pay - 10_000)}"
        yield "pay cash 200"
        yield "done receipt.html"
        yield "q"

    def lines():  # noqa: ANN202
        for line in script():
            typed.append(line)
            yield line

    def write_receipt(page: dict, path: str | None) -> str | None:
        return receipts.write(page, folder / (path or receipts.default_path(page["id"])))

    desk = counter.Till(db, receipts=write_receipt)  # store and staff: the operator's (E002, SZ01)
    counter.run(desk, lines(), answers.append)
    sale = next(a["sale"] for a in answers if a.get("sale"))
    (folder / TILL_FILES[0]).write_text("".join(line + "\n" for line in typed), encoding="utf-8")
    (folder / TILL_FILES[1]).write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers), encoding="utf-8")
    for name in TILL_FILES[:2]:
        os.chmod(folder / name, 0o600)
    return {"till_session": str(folder / TILL_FILES[0]), "till_sale": sale["id"], "receipt": str(folder / TILL_FILES[2])}


def _summary(s, totals: dict) -> dict:  # noqa: ANN001
    from storectl.models import Customer, Level, Staff, Store, Transfer, Unit
    from storectl.services.shop import lookup

    def count(model, *where) -> int:  # noqa: ANN001
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar()

    first_sold = s.execute(select(Unit.id).where(Unit.status == "sold").order_by(Unit.sold_at, Unit.id).limit(1)).scalar()
    gold = s.execute(
        select(Customer.phone).join(Level, Level.id == Customer.level_id)
        .order_by(Level.min_spend_cents.desc(), Customer.lifetime_spend_cents.desc(), Customer.id).limit(1)
    ).scalar()
    return {
        "stores": count(Store), "staff": count(Staff), "units": count(Unit),
        "sales": totals["sales"], "units_sold": totals["units"],
        "revenue": totals["revenue"], "cost": totals["cost"], "profit": totals["profit"], "margin_pct": totals["margin_pct"],
        "members": count(Customer, Customer.is_member == True),  # noqa: E712
        "in_transit": count(Unit, Unit.status == "in_transit"),
        "open_transfers": count(Transfer, Transfer.status.in_(("open", "partial"))),
        "top_member": gold,
        "first_sold_unit": lookup.first_code(s, first_sold) if first_sold else None,
    }


def _try_next(summary: dict) -> list[str]:
    return [
        f"report staff -p {MONTH}",
        f"sn show {summary['first_sold_unit']}",
        "transfer list --open",
        f"member show {summary['top_member']}",
        f"price quote APP3 --customer {summary['top_member']}",
        "customer balances",
    ]
