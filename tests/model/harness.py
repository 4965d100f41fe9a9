"""Plays a history through the real CLI (in-process) and compares every figure with the model.

`Shop` owns one fresh database (an SQLite file copied from a template made once per process, or a
PostgreSQL schema of its own); `play()` runs the operations, checking each command's own answer
against the model as it goes, then `compare_books()` checks the reports, statements, balances,
stock levels, members, `db check` and, when asked, the month-end workbook. The first mismatch
raises `Mismatch` with the operations so far, so a failure reads as a recipe.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import sqlite3
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path

from storectl.money import format_money as fm

from conftest import ON_POSTGRES, _pg_drop, _pg_schema_url, run
from . import campaigns, commission, flash, trade
from .books import MONTH, SETUP_AT, STORES, Books, day_of, period
from .coupons import CODES
from .gen import setup_commands, show


class Mismatch(AssertionError):
    pass


def first_diff(got, want, path: str = "") -> str | None:
    """Where `got` differs from `want` (only the fields `want` names are compared)."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{path}: product {got!r}, model {want!r}"
        for key, value in want.items():
            if key not in got:
                return f"{path}.{key}: missing in the product's answer (model {value!r})"
            found = first_diff(got[key], value, f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return f"{path}: product {got!r}, model {want!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            found = first_diff(g, w, f"{path}[{i}]")
            if found:
                return found
        return None
    if got != want:
        return f"{path}: product {got!r}, model {want!r}"
    return None


# --- databases ------------------------------------------------------------------------------

_TEMPLATE: dict[str, Path] = {}
_counter = itertools.count()


def _sqlite_template() -> Path:
    """The set-up shop, made once per process; examples start from a copy."""
    if "path" not in _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="storectl-model-"))
        made = folder / "made.db"
        env = {"STORECTL_DB": str(made), "STORECTL_NOW": SETUP_AT, "STORECTL_OPERATOR": "tester"}
        for cmd in setup_commands():
            _ok(cmd, env)
        clean = folder / "template.db"
        src, dst = sqlite3.connect(made), sqlite3.connect(clean)
        src.backup(dst)
        src.close()
        dst.close()
        _TEMPLATE["path"] = clean
    return _TEMPLATE["path"]


def _ok(args: list[str], env: dict) -> dict:
    result = run(*args, "--json", env=env)
    if result.code != 0:
        raise Mismatch(f"storectl {' '.join(args)} failed ({result.code}): {result.stdout}{result.stderr}")
    return json.loads(result.stdout) if result.stdout.strip() else {}


class Shop:
    """One fresh database for one history."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.schema = None
        if ON_POSTGRES:
            self.schema = "m_" + uuid.uuid4().hex[:16]
            self.url = _pg_schema_url(self.schema)
            env = self.env(SETUP_AT)
            for cmd in setup_commands():
                _ok(cmd, env)
        else:
            path = folder / f"history-{os.getpid()}-{next(_counter)}.db"
            shutil.copyfile(_sqlite_template(), path)
            self.url = str(path)

    def env(self, at: str) -> dict:
        return {"STORECTL_DB": self.url, "STORECTL_NOW": at, "STORECTL_OPERATOR": "tester"}

    def close(self) -> None:
        if self.schema is not None:
            _pg_drop(self.schema)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(self.url + suffix).unlink(missing_ok=True)

    def __enter__(self) -> "Shop":
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self.close()


# --- playing --------------------------------------------------------------------------------


class Player:
    """Runs operations against a Shop and the model side by side."""

    def __init__(self, shop: Shop, books: Books | None = None, *, label: str = "") -> None:
        self.shop = shop
        self.books = books or Books()
        self.ops: list[dict] = []
        self.label = label
        self.clock = SETUP_AT
        CODES.clear()  # coupon handles -> the product's codes, learnt as they are issued
        campaigns.LINKS.clear()  # campaign members -> their links, learnt from the export

    collect: list | None = None  # a list: record every mismatch instead of stopping at the first (exploring)

    def fail(self, message: str) -> None:
        if self.collect is not None:
            self.collect.append(message)
            return
        recipe = "\n".join("  " + show(op) for op in self.ops)
        raise Mismatch(f"{self.label}\nfirst mismatch: {message}\noperations after the set-up (tests/model/gen.py: setup_commands):\n{recipe}")

    def check(self, what: str, got, want) -> None:  # noqa: ANN001
        found = first_diff(got, want, what)
        if found:
            self.fail(found)

    def cli(self, args: list[str], at: str | None = None) -> dict | list:
        result = run(*args, "--json", env=self.shop.env(at or self.clock))
        if result.code != 0:
            self.fail(f"storectl {' '.join(args)} failed ({result.code}): {result.stdout.strip()} {result.stderr.strip()}")
            return {}
        return json.loads(result.stdout) if result.stdout.strip() else {}

    def apply(self, op: dict, answer=None, *, applied: bool = False):  # noqa: ANN001
        """Run one operation; `applied` when the generator already applied it to self.books."""
        from .gen import command

        self.ops.append(op)
        if not applied:
            answer = self.books.apply(op)
        self.clock = op["at"]
        got = self.cli(command(op), op["at"])
        self.check_answer(op, got, answer)
        return got

    def check_answer(self, op: dict, got: dict, answer) -> None:  # noqa: ANN001
        kind = op["op"]
        where = f"{command_name(op)} ({op['at']})"
        if kind in ("stock_in_units", "stock_in_qty", "stock_out", "send", "pay", "lead_add"):
            self.check(where, got, {"id": answer})
            if kind == "stock_in_qty":
                self.check(where, got, {"avg_cost": fm(self.books.avg[op["sku"]])})
        elif kind in ("receive", "cancel"):
            self.check(where, got, {"id": answer})
        elif kind == "sell":
            want = {"id": answer["id"], "total": fm(answer["total"]), "due": fm(answer["due"]),
                    "points_earned": answer["earned"], "change": fm(answer["change"]),
                    "lines": [{"sku": s, "unit": u, "qty": q, "price": fm(p), "rule": r, "cost": fm(c)}
                              for s, u, q, p, r, c in answer["lines"]]}
            self.check(where, got, want)
        elif kind == "ret":
            want = {"id": answer["id"], "credit": fm(answer["credit"]), "refund": fm(answer["refund"]),
                    "points_restored": answer["points_restored"], "points_reversed": answer["points_reversed"],
                    "points_unrecovered": answer["points_unrecovered"],
                    "lines": [{"sku": s, "unit": u, "qty": q, "amount": fm(a), "cost": fm(c)} for s, u, q, a, c in answer["lines"]]}
            self.check(where, got, want)
        elif kind == "checkin":  # learn the codes of the coupons it issued (coupons.CHECKIN_COUPONS)
            want = {k: v for k, v in answer.items() if k != "_handles"}
            self.check(where, got, want)
            for handle, row in zip(answer["_handles"], got.get("coupons") or []):
                CODES[handle] = row["code"]
        elif kind == "commission_pay" or kind.startswith("service_"):
            self.check(where, got, answer)
        elif kind == "coupon_issue" and got.get("instances"):
            CODES[answer] = got["instances"][0]["code"]
        elif kind == "tradein" or kind.startswith("order_"):
            trade.check(self, op, got, answer, where)
        elif kind == "flash_set":
            self.check(where, got, answer)
        elif kind.startswith("campaign_"):
            campaigns.check(self, op, got, answer, where)

    # --- the books at the end -------------------------------------------------------------

    def compare_reports(self, periods: list[str], days: list) -> None:
        b = self.books
        for text in periods:
            p = period(text)
            self._rows(f"report staff -p {text}", self.cli(["report", "staff", "-p", text]), b.report_staff(p), "staff")
            self._rows(f"report stores -p {text}", self.cli(["report", "stores", "-p", text]), b.report_stores(p), "store")
            self._rows(f"report products -p {text}", self.cli(["report", "products", "-p", text]), b.report_products(p), "sku")
            got = self.cli(["report", "channels", "-p", text])
            self._rows(f"report channels -p {text}", got, b.report_channels(p), ("channel", "staff"))
            self.check(f"report coupons -p {text}", self.cli(["report", "coupons", "-p", text]), b.report_coupons(p))
        for d in days:
            got = self.cli(["report", "daily", "--date", d.isoformat()])
            want = b.report_daily(d)
            self.check(f"report daily --date {d}", got, {"date": want["date"], "total": want["total"]})
            self._rows(f"report daily --date {d} .stores", got["stores"], want["stores"], "store")
            self._rows(f"report daily --date {d} .staff", got["staff"], want["staff"], "staff")
            self._rows(f"report products -p {d}", self.cli(["report", "products", "-p", d.isoformat()]),
                       b.report_products(period(d.isoformat())), "sku")

    def _rows(self, what: str, got: list, want: dict, key) -> None:  # noqa: ANN001
        keyof = (lambda r: tuple(r.get(k) for k in key)) if isinstance(key, tuple) else (lambda r: r.get(key))
        got_by = {keyof(r): r for r in got}
        if set(got_by) != set(want) or len(got_by) != len(got):
            self.fail(f"{what}: rows {sorted(map(str, got_by))} in the product, {sorted(map(str, want))} in the model")
        for k, row in want.items():
            self.check(f"{what} [{k}]", got_by[k], row)
        if not isinstance(key, tuple):  # ranked: revenue, then units, then the code
            order = sorted(want.values(), key=lambda r: (-int(r["revenue"].replace(".", "")), -r["units"], str(r[key])))
            self.check(f"{what} (ranking)", [r[key] for r in got], [r[key] for r in order])

    def compare_customers(self, *, full: bool = True) -> None:
        b = self.books
        for code in ("C001", "C002"):
            if not full and not b.receivable_events(code):
                continue
            self.check(f"customer statement {code}", self.cli(["customer", "statement", code]), b.statement(code))
            if full:
                self.check(f"customer statement {code} -p {MONTH}", self.cli(["customer", "statement", code, "-p", MONTH]),
                           b.statement(code, period(MONTH)))
        self.check("customer balances", self.cli(["customer", "balances"]), b.balances())
        members = sorted(c.code for c in b.customers.values() if c.is_member)
        got = {m.get("code"): m for m in self.cli(["member", "list"])}
        if sorted(got) != members:
            self.fail(f"member list: {sorted(got)} in the product, {members} in the model")
        for code in members:
            self.check(f"member list [{code}]", got.get(code), b.member(code))
        if full:
            for code in members[:2]:
                self.check(f"member show {code}", self.cli(["member", "show", code]), b.member(code))

    def compare_stock(self) -> None:
        got = self.cli(["stock", "levels"])
        self._plain_rows("stock levels", got, self.books.stock_levels(), ("store", "sku"))

    def _plain_rows(self, what: str, got: list, want: dict, key: tuple) -> None:
        got_by = {tuple(r[k] for k in key): r for r in got}
        if set(got_by) != set(want):
            self.fail(f"{what}: rows {sorted(got_by)} in the product, {sorted(want)} in the model")
        for k, row in want.items():
            self.check(f"{what} {k}", got_by[k], row)

    def compare_db_check(self) -> None:
        result = run("db", "check", env=self.shop.env(self.clock))
        if result.code != 0 or result.stdout.strip() or result.stderr.strip():
            self.fail(f"db check is not clean ({result.code}): {result.stdout.strip()} {result.stderr.strip()}")

    def compare_books(self, *, workbook: bool, late_days=(), full: bool = True, pick=None) -> None:  # noqa: ANN001
        """Every figure (full), or the cheaper set: the month's four reports, one day with 23:30 /
        00:10 activity (or the custom range), statements of who has receivables, balances,
        members, stock levels and db check. `pick(seq)` chooses (the generator's chooser)."""
        from datetime import timedelta

        self.books.now = max(self.books.now, day_and_time(self.clock))
        days = sorted(set(late_days) | {d + timedelta(days=1) for d in late_days})
        if full:
            self.compare_reports([MONTH, "2026-11-05..2026-11-19", "2026-12"], days[:4])
        else:
            pick = pick or (lambda seq: seq[0])
            other = pick([None, *days])
            self.compare_reports([MONTH] if other else [MONTH, "2026-11-05..2026-11-19"], [other] if other else [])
        self.compare_customers(full=full)
        self.compare_stock()
        commission.compare(self, full=full)
        flash.compare(self)
        self.compare_db_check()
        if workbook:
            self.compare_workbook()

    # --- the month-end workbook -----------------------------------------------------------

    def compare_workbook(self) -> None:
        from openpyxl import load_workbook

        want = self.books.month_end_books()
        path = self.shop.folder / f"month-{os.getpid()}-{next(_counter)}.xlsx"
        try:
            got = self.cli(["report", "month", MONTH, "--out", str(path)])
            self.check(f"report month {MONTH}", got, want["json"])
            wb = load_workbook(path)
            stored = load_workbook(path, data_only=True)  # the values written with the formulas
        finally:
            pass
        try:
            self._compare_sheets(wb, want)
            self._compare_stored_values(wb, stored)
        finally:
            wb.close()
            stored.close()
            path.unlink(missing_ok=True)

    def _compare_stored_values(self, wb, stored) -> None:  # noqa: ANN001
        """Every formula carries the value it evaluates to (issue 17: readers that do not
        recalculate show that value): evaluated here, it must be the stored one, to the cent."""
        ev = Evaluator(wb)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if not (isinstance(cell.value, str) and cell.value.startswith("=")):
                        continue
                    value = stored[ws.title][cell.coordinate].value
                    want = ev.value(ws.title, cell.coordinate)
                    if want == "" and value in (None, ""):  # a margin without revenue: blank, as in the reports
                        continue
                    if value is None or value == "":
                        self.fail(f"workbook {ws.title}!{cell.coordinate} {cell.value}: no stored value")
                        return
                    if want == "" or abs(Decimal(str(value)) - Decimal(str(want))) > Decimal("0.000001"):
                        self.fail(f"workbook {ws.title}!{cell.coordinate} {cell.value}: stored {value!r}, evaluates to {want!r}")
                        return

    def _compare_sheets(self, wb, want: dict) -> None:  # noqa: ANN001
        ev = Evaluator(wb)
        sales = data_rows(wb["Sales"], 1)
        self.check("workbook Sales", {"lines": len(sales), "qty": sum(int(r[9] or 0) for r in sales),
                                      "amount": sum(cents(r[11]) for r in sales), "cost": sum(cents(r[12]) for r in sales)},
                   want["sales_sheet"])
        rec = {r[0]: {"opening": cents(r[2]), "sales": cents(r[3]), "returns": cents(r[4]), "payments": cents(r[5]),
                      "closing": cents(r[2]) + cents(r[3]) - cents(r[4]) - cents(r[5])} for r in data_rows(wb["Receivables"], 1)}
        self.check("workbook Receivables", rec, want["receivables"])
        if set(rec) != set(want["receivables"]):
            self.fail(f"workbook Receivables: customers {sorted(rec)} in the product, {sorted(want['receivables'])} in the model")
        inv = {}
        for r in data_rows(wb["Inventory"], 1):
            inv[(r[0], r[1])] = (int(r[3]), fm(cents(r[4])))
        self.check("workbook Inventory", {str(k): v for k, v in sorted(inv.items())},
                   {str(k): v for k, v in sorted(want["inventory"].items())})
        if set(inv) != set(want["inventory"]):
            self.fail(f"workbook Inventory: rows {sorted(inv)} in the product, {sorted(want['inventory'])} in the model")
        road = sorted((r[0], r[4], int(r[7]), cents(r[8])) for r in data_rows(wb["Transfers"], 1))
        self.check("workbook Transfers (doc, sku, qty, cost)", road, sorted(want["on_road"]))
        pts = {}
        for r in data_rows(wb["Points"], 2):
            row = dict(zip(("opening", "earned", "checkin", "redeemed", "returns", "expired", "adjusted"), (int(x or 0) for x in r[2:9])))
            row["unrecovered"] = int(r[11] or 0)
            row["closing"] = sum(int(x or 0) for x in r[2:9])
            pts[r[0]] = row
        self.check("workbook Points", pts, want["points"])
        if set(pts) != set(want["points"]):
            self.fail(f"workbook Points: members {sorted(pts)} in the product, {sorted(want['points'])} in the model")
        # Summary: the figures are formulas over the detail sheets; evaluate them
        total = self.books.report_total(period(MONTH))
        summary = {
            "revenue B5": fm(round(ev.value("Summary", "B5") * 100)),
            "cost B6": fm(round(ev.value("Summary", "B6") * 100)),
            "profit B7": fm(round(ev.value("Summary", "B7") * 100)),
            "units B9": round(ev.value("Summary", "B9")),
            "receivables B10": fm(round(ev.value("Summary", "B10") * 100)),
            "inventory B11": fm(round(ev.value("Summary", "B11") * 100)),
            "on the road B12": round(ev.value("Summary", "B12")),
            "cost on the road B13": fm(round(ev.value("Summary", "B13") * 100)),
            "points liability B14": fm(round(ev.value("Summary", "B14") * 100)),
            "warranty cost B15": fm(round(ev.value("Summary", "B15") * 100)),
            "coupon discount B16": fm(round(ev.value("Summary", "B16") * 100)),
            "commission B17": fm(round(ev.value("Summary", "B17") * 100)),
            "profit after commission B18": fm(round(ev.value("Summary", "B18") * 100)),
            "deposits held B19": fm(round(ev.value("Summary", "B19") * 100)),
            "forfeited deposits B20": fm(round(ev.value("Summary", "B20") * 100)),
            "trade-in stock B21": fm(round(ev.value("Summary", "B21") * 100)),
        }
        expense = self.books.commission_month(*commission.month_bounds())
        inv_total = sum(int(v.replace(".", "")) for _, v in want["inventory"].values())
        self.check("workbook Summary", summary, {
            "revenue B5": total["revenue"], "cost B6": total["cost"], "profit B7": total["profit"],
            "units B9": want["sales_sheet"]["qty"],
            "receivables B10": fm(sum(r["closing"] for r in want["receivables"].values())),
            "inventory B11": fm(inv_total),
            "on the road B12": sum(q for _, _, q, _ in want["on_road"]),
            "cost on the road B13": fm(sum(c for _, _, _, c in want["on_road"])),
            "points liability B14": fm(sum(r["closing"] for r in want["points"].values()) * 10),
            "warranty cost B15": fm(want["service"]["cost"]),
            "coupon discount B16": self.books.report_coupons(period(MONTH))["total"]["discount"],
            "commission B17": fm(expense),
            "profit after commission B18": fm(int(total["profit"].replace(".", "")) - expense),
            "deposits held B19": fm(want["trade"]["held"]), "forfeited deposits B20": fm(want["trade"]["forfeited"]),
            "trade-in stock B21": fm(want["trade"]["used"]),
        })
        service = data_rows(wb["Service"], 1)
        self.check("workbook Service", {"rows": len(service), "cost": sum(cents(r[9]) for r in service)}, want["service"])
        ws = wb["Summary"]
        stores = {}
        for row in ws.iter_rows(min_row=24, values_only=True):  # under the figures (B5:B21) and the stores' header
            if not row or not row[0]:
                break
            stores[row[0].split(" ")[0]] = {"revenue": fm(cents(row[1])), "cost": fm(cents(row[3]))}
        self.check("workbook Summary (stores)", stores,
                   {k: {"revenue": v["revenue"], "cost": v["cost"]} for k, v in want["stores"].items()})
        if set(stores) != set(want["stores"]):
            self.fail(f"workbook Summary: stores {sorted(stores)} in the product, {sorted(want['stores'])} in the model")


def command_name(op: dict) -> str:
    return op["op"]


def day_and_time(at: str):  # noqa: ANN201
    from .books import local

    return local(at)


def cents(value) -> int:  # noqa: ANN001
    if value is None:
        return 0
    return int((Decimal(str(value)) * 100).to_integral_value())


def data_rows(ws, header_row: int) -> list[tuple]:  # noqa: ANN001
    """The rows under the header up to the totals row."""
    out = []
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if row and row[0] == "合计 Total":
            return out
        out.append(row)
    raise AssertionError(f"sheet {ws.title} has no totals row")


class Evaluator:
    """Just enough of a spreadsheet to compute the workbook's own formulas (no cached values)."""

    _RANGE = re.compile(r"(?:'([^']+)'!|([A-Za-z]+)!)?\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)")
    _REF = re.compile(r"(?:'([^']+)'!|([A-Za-z]+)!)?\$?([A-Z]{1,3})\$?(\d+)(?![\d(])")

    def __init__(self, wb) -> None:  # noqa: ANN001
        self.wb = wb
        self.cache: dict = {}

    def value(self, sheet: str, ref: str) -> float:
        key = (sheet, ref)
        if key not in self.cache:
            raw = self.wb[sheet][ref].value
            self.cache[key] = self.formula(sheet, raw) if isinstance(raw, str) and raw.startswith("=") else float(raw or 0)
        return self.cache[key]

    def _range(self, sheet: str, a: str, b: str) -> float:
        from openpyxl.utils import column_index_from_string, get_column_letter

        (c1, r1), (c2, r2) = (self._split(a), self._split(b))
        total = 0.0
        for col in range(column_index_from_string(c1), column_index_from_string(c2) + 1):
            for row in range(r1, r2 + 1):
                total += self.value(sheet, f"{get_column_letter(col)}{row}")
        return total

    @staticmethod
    def _split(ref: str) -> tuple[str, int]:
        m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        return m.group(1), int(m.group(2))

    def formula(self, sheet: str, text: str) -> float:
        body = text[1:]
        m = re.fullmatch(r"IF\((\w+)=0,0,(\w+)/(\w+)\)", body)
        if m:
            den = self.value(sheet, m.group(1))
            return 0.0 if den == 0 else self.value(sheet, m.group(2)) / self.value(sheet, m.group(3))
        m = re.fullmatch(r'IF\((\w+)<=0,"",ROUND\((\w+)/(\w+),3\)\)', body)  # a margin, as the reports round it
        if m:
            # money sums in floats: 418.00 + 34.92 − 418.00 − 34.92 is 1e-13 here and 0 in a
            # spreadsheet (Excel and LibreOffice round sums that cancel to 0): compare in cents
            den = round(self.value(sheet, m.group(1)), 6)
            if den <= 0:
                return ""
            ratio = Decimal(str(self.value(sheet, m.group(2)))) / Decimal(str(self.value(sheet, m.group(3))))
            return float(ratio.quantize(Decimal("0.001"), rounding="ROUND_HALF_UP"))
        terms = re.findall(r'SUMIF\((\w+)!([A-Z]+):[A-Z]+,"([^"]*)",\w+!([A-Z]+):[A-Z]+\)', body)
        if terms and "+".join(f'SUMIF({t[0]}!{t[1]}:{t[1]},"{t[2]}",{t[0]}!{t[3]}:{t[3]})' for t in terms) == body:
            # whole-column SUMIFs with a text criterion (the Summary's trade-in stock over Inventory)
            return sum(float(ws[f"{col}{r}"].value or 0) for where, test, crit, col in terms for ws in [self.wb[where]]
                       for r in range(1, ws.max_row + 1) if ws[f"{test}{r}"].value == crit)
        values: list[float] = []

        def rng(mt) -> str:  # noqa: ANN001
            values.append(self._range(mt.group(1) or mt.group(2) or sheet, f"{mt.group(3)}{mt.group(4)}", f"{mt.group(5)}{mt.group(6)}"))
            return f"__v[{len(values) - 1}]"

        def ref(mt) -> str:  # noqa: ANN001
            values.append(self.value(mt.group(1) or mt.group(2) or sheet, f"{mt.group(3)}{mt.group(4)}"))
            return f"__v[{len(values) - 1}]"

        expr = self._RANGE.sub(rng, body)
        expr = self._REF.sub(ref, expr)
        expr = expr.replace("SUM(", "(")
        if not re.fullmatch(r"[\s\d.+\-*/()_v\[\]]*", expr):
            raise AssertionError(f"cannot evaluate {text!r} on {sheet}")
        return float(eval(expr, {"__builtins__": {}}, {"__v": values}))  # noqa: S307
