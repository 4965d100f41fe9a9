"""The commission figures (issue 20): a sale with commission rules against the same sale without
them, and `commission statement` for a month of 100,000 commission lines.

The shops are copies made on the first run (not timed): the large shop with a buyer three
referrals deep, once with rules for every role and once without, and the month-end shop with one
commission line per sale line for one salesperson.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from bench.generate import REPORT_PERIOD, in_stock_codes
from bench.harness import Figure

BUYER, CHAIN = "13900000004", ("13900000001", "13900000002", "13900000003")
RULES = (
    ["--all", "--role", "seller", "--pct", "1"],
    ["--category", "平板", "--role", "seller", "--amount", "30"],
    ["--all", "--role", "ref1", "--pct", "1"],
    ["--all", "--role", "ref2", "--pct", "0.5", "--base", "profit"],
    ["--all", "--role", "ref3", "--amount", "5"],
)


def _run(storectl, env: dict, *args: str) -> None:  # noqa: ANN001
    subprocess.run(storectl(*args, "--json"), env=env, check=True, capture_output=True)


def _copies(setup, storectl, plain: Path, ruled: Path) -> None:  # noqa: ANN001
    """Two copies of the large shop with a referral chain ending in BUYER; `ruled` also has the rules."""
    import os

    if ruled.exists():
        return
    shutil.copyfile(setup.big, plain)
    env = dict(os.environ, STORECTL_DB=str(plain), STORECTL_OPERATOR="bench")
    for phone, ref in zip((*CHAIN, BUYER), (None, *CHAIN)):
        _run(storectl, env, "member", "add", phone, *(["--referrer", ref] if ref else []))
    shutil.copyfile(plain, ruled)
    env["STORECTL_DB"] = str(ruled)
    for rule in RULES:
        _run(storectl, env, "commission", "rule", "add", *rule)


def _with_lines(setup, db: Path) -> None:  # noqa: ANN001
    """A copy of the month-end shop with one commission line per sale line, all for E001."""
    if db.exists():
        return
    shutil.copyfile(setup.month, db)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO commission_rule (scope, category, role, pct_bp, base, active, created_at, operator) "
                     "VALUES ('all', '', 'seller', 100, 'revenue', 1, '2026-09-01 00:00:00.000000', 'bench')")
        rule = conn.execute("SELECT max(id) FROM commission_rule").fetchone()[0]
        staff = conn.execute("SELECT id FROM staff ORDER BY id LIMIT 1").fetchone()[0]
        conn.execute(
            "INSERT INTO commission_line (sale_line_id, return_line_id, doc_no, earner_kind, earner_id, role, rule_id, qty,"
            " base_cents, amount_cents, at, due_on, payout_id) "
            "SELECT l.id, NULL, s.doc_no, 'staff', ?, 'seller', ?, l.qty, l.amount_cents, (l.amount_cents * 100 + 5000) / 10000,"
            " s.at, date(s.at, '+7 days'), NULL FROM sale_line l JOIN sale s ON s.id = l.sale_id", (staff, rule))


def figures(setup, storectl, skip: int) -> list[Figure]:  # noqa: ANN001
    """`skip`: the in-stock units of SZ01 the other figures already sell."""
    work = setup.work
    plain, ruled, month = work / "commission-none.db", work / "commission.db", work / "commission-month.db"
    n = 2 * (setup.runs + 2)
    pool = in_stock_codes(setup.big, "SZ01", skip + 2 * n)[skip:]
    with_rules, without = pool[:n], pool[n:]

    def sale(codes: list[str], run: int, *extra: str, db: Path | None = None) -> list[str]:
        return storectl(*(["--db", str(db)] if db else []), "sell", "--store", "SZ01", "--staff", "E001", codes[2 * run],
                        codes[2 * run + 1], *extra, "--pay", "cash=30000", "--json")

    return [
        Figure(
            name=f"sell 2 units with commission rules, {setup.units:,} units",
            command=lambda run: sale(with_rules, run, "--customer", BUYER),
            floor=lambda run: sale(without, run, "--customer", BUYER, db=plain),
            target_ratio=1.1, env={"STORECTL_DB": str(ruled)},
            prepare=lambda run: _copies(setup, storectl, plain, ruled),
            note="five rules (seller, ref1–ref3) and a buyer three referrals deep: 8 commission lines per sale; the floor"
                 " is the same sale to the same buyer in a copy without rules (both copies made once, not timed)",
        ),
        Figure(
            name=f"commission statement, {setup.month_lines:,} lines in the month",
            command=storectl("commission", "statement", "E001", "-p", REPORT_PERIOD, "--json"),
            max_seconds=1, env={"STORECTL_DB": str(month)},
            prepare=lambda run: _with_lines(setup, month),
            note="one salesperson's 佣金对账单 over a month with one commission line per sale line",
        ),
    ]
