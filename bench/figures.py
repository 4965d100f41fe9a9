"""The figures `python -m bench` measures, each next to its floor (issue #10).

| figure | storectl | floor | target |
|---|---|---|---|
| stock in | 100,000 tablet serials from a .txt into an empty shop | sqlite3 executemany of unit + unit_code + movement | < 4 s and ≤ 5× |
| sn show | one unit among 1,000,000 | a bare SQLModel script selecting one unit by code | ≤ 1.25× |
| warranty | one sold unit among 1,000,000 | `sn show` of the same unit | ≤ 1.25× |
| sell | two units, cash, among 1,000,000 | the same bare SQLModel script | ≤ 1.5× |
| sell with two coupons | two units for a member with two coupons | the same sell without coupons | ≤ 1.1× |
| --help | root help | a bare Typer app with 10 commands | ≤ 1.5× |
| report staff | a month of 1,000,000 sale lines | the same GROUP BY in python's sqlite3 | < 1 s |
| report month | workbook of 100,000 sale lines | bare openpyxl write-only, same rows and formats | ≤ 1.5×, RSS < 200 MB |
| qr sheet --staff | 200 staff | — | < 3 s |
| sell with commission | two units to a member three referrals deep, five rules | the same sale without rules | ≤ 1.1× |
| commission statement | a month of 100,000 commission lines | — | < 1 s |
| campaign create | the audience among 1,000,000 sold units | — | < 2 s |
| campaign export | 100,000 customers to a .csv | — | < 5 s |
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.crm import CAMPAIGN, EXPORT_AUDIENCE, campaign_shop
from bench.generate import REPORT_PERIOD, STOCKIN_SKU, in_stock_codes
from bench import commission
from bench.harness import Figure

FLOORS = Path(__file__).parent / "floors"
PY = sys.executable
# October 2026 in Asia/Shanghai, as stored (UTC)
MONTH_START, MONTH_END = "2026-09-30 16:00:00.000000", "2026-10-31 16:00:00.000000"


def storectl(*args: str) -> list[str]:
    """The console script installed next to this Python, as a shop's installation runs it.

    PATH may hold a wrapper instead (a pyenv shim adds ~0.3 s of bash and pyenv of its own,
    which is not storectl's cost); falls back to PATH, then to the module.
    """
    beside = Path(PY).parent / "storectl"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside), *args]
    exe = shutil.which("storectl")
    return [exe, *args] if exe else [PY, "-m", "storectl", *args]


@dataclass
class Setup:
    """What the figures run against (built or reused by `bench.__main__`)."""

    big: Path  # the large shop: 1,000,000 units and sale lines (100,000 with --quick)
    month: Path  # the month-end shop: 100,000 sale lines
    empty: Path  # an empty shop (catalogue only), copied before each `stock in`
    codes: Path  # the .txt of new serials for `stock in`
    work: Path  # a scratch folder
    units: int
    lines: int
    month_lines: int
    stockin: int
    runs: int
    quick: bool = False


def _fresh_copy(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    shutil.copyfile(src, dst)


def figures(setup: Setup) -> list[Figure]:
    work = setup.work
    big = {"STORECTL_DB": str(setup.big)}
    # distinct in-stock units at SZ01 for every run: sell takes two per run, sn show one
    pool = in_stock_codes(setup.big, "SZ01", 3 * (setup.runs + 2))
    sell_codes, show_codes = pool[: 2 * (setup.runs + 2)], pool[2 * (setup.runs + 2):]
    sold_codes = in_stock_codes(setup.big, "SZ01", setup.runs + 2, status="sold")
    stockin_db, floor_db = work / "stockin.db", work / "stockin-floor.db"
    return [
        Figure(
            name=f"stock in {setup.stockin:,} units from a file",
            command=storectl("stock", "in", "--store", "SZ01", "--sku", STOCKIN_SKU, "--cost", "2999", "--supplier", "SUP01",
                             "--ref", "PO-BENCH", "--file", str(setup.codes), "--json"),
            floor=[PY, str(FLOORS / "stockin_sqlite.py"), str(floor_db), str(setup.codes)],
            max_seconds=4, target_ratio=5,
            prepare=lambda run: _fresh_copy(setup.empty, stockin_db),
            env={"STORECTL_DB": str(stockin_db)},
            runs=3 if setup.quick else 7,
            note="a .txt of tablet serials (one SN per unit) into an empty shop copied fresh before each run (copy not timed);"
                 " the floor creates its three tables in a new file and executemany-inserts the same rows",
        ),
        Figure(
            name=f"sn show, {setup.units:,} units",
            command=lambda run: storectl("sn", "show", show_codes[run % len(show_codes)], "--json"),
            floor=lambda run: [PY, str(FLOORS / "sqlmodel_lookup.py"), str(setup.big), show_codes[run % len(show_codes)]],
            target_ratio=1.25, env=big,
            note="a different in-stock unit each run; the floor defines two SQLModel tables and selects the unit by code",
        ),
        Figure(
            name=f"warranty, {setup.units:,} units",
            command=lambda run: storectl("warranty", sold_codes[run % len(sold_codes)], "--json"),
            floor=lambda run: storectl("sn", "show", sold_codes[run % len(sold_codes)], "--json"),
            target_ratio=1.25, env=big,
            note="a different sold unit each run (after-sales, issue 19); the floor is `sn show` of the same unit",
        ),
        Figure(
            name=f"sell 2 units, {setup.units:,} units",
            command=lambda run: storectl("sell", "--store", "SZ01", "--staff", "E001", sell_codes[2 * run], sell_codes[2 * run + 1],
                                         "--pay", "cash=30000", "--json"),
            floor=lambda run: [PY, str(FLOORS / "sqlmodel_lookup.py"), str(setup.big), sell_codes[2 * run]],
            target_ratio=1.5, env=big,
            note="two new in-stock units each run (the sale is committed, with change from cash); floor: the sn show floor",
        ),
        _coupon_figure(setup, big),
        Figure(
            name="storectl --help",
            command=storectl("--help"),
            floor=[PY, str(FLOORS / "bare_typer.py"), "--help"],
            target_ratio=1.5,
            note="root help lists every group without importing them (no SQLAlchemy, openpyxl, …)",
        ),
        Figure(
            name=f"report staff, {setup.lines:,} sale lines in the month",
            command=storectl("report", "staff", "-p", REPORT_PERIOD, "--json"),
            floor=[PY, str(FLOORS / "report_groupby.py"), str(setup.big), MONTH_START, MONTH_END],
            max_seconds=1, env=big,
            note="the floor runs the same GROUP BY (sale and return lines per salesperson, members brought in) in python's sqlite3",
        ),
        Figure(
            name=f"report month workbook, {setup.month_lines:,} sale lines",
            command=storectl("report", "month", REPORT_PERIOD, "--out", str(work / "month.xlsx"), "--json"),
            floor=[PY, str(FLOORS / "month_openpyxl.py"), str(setup.month), str(work / "month-floor.xlsx"), MONTH_START, MONTH_END],
            target_ratio=1.5, max_rss_mib=200, env={"STORECTL_DB": str(setup.month)},
            runs=1 if setup.quick else 3,
            note="all eight sheets with charts; the floor writes only the Sales rows and the units-on-hand list, same columns and formats",
        ),
        *commission.figures(setup, storectl, skip=7 * (setup.runs + 2)),  # past the sell, sn show and coupon figures
        Figure(
            name=f"campaign create, {setup.units:,} units",
            command=lambda run: storectl("campaign", "create", f"bench {run}", "--bought-before", "2026-10-31", "--category", "手机",
                                         "--holdout", "10", "--json"),
            max_seconds=2, env=big,
            note="the audience of every customer whose latest phone was bought by 31 October, 10 % held out (issue 21)",
        ),
        Figure(
            name=f"campaign export, {EXPORT_AUDIENCE:,} customers to .csv",
            command=storectl("campaign", "export", CAMPAIGN, "--out", str(work / "campaign.csv"), "--json"),
            prepare=lambda run: campaign_shop(setup.big, work),
            max_seconds=5, env={"STORECTL_DB": str(work / "campaign.db")},
            note="a copy of the large shop with 100,000 more customers in one campaign (built once, untimed; bench/crm.py)",
        ),
        Figure(
            name="qr sheet --staff, 200 staff",
            command=storectl("qr", "sheet", "--staff", "--out", str(work / "staff.html"), "--json"),
            max_seconds=3, env=big,
            note="an A4 HTML sheet with one SVG code per salesperson",
        ),
    ]


BENCH_MEMBER = "13700009999"


def _coupon_figure(setup: Setup, env: dict) -> Figure:
    """`sell` of two units for a member with two coupons, against the same sell without (issue 22)."""
    import json
    import subprocess

    n = setup.runs + 2
    pool = in_stock_codes(setup.big, "SZ01", 7 * n)[3 * n:]  # past the units the sell and sn show figures take
    ours, floors = pool[: 2 * n], pool[2 * n: 4 * n]
    held: dict[int, list[str]] = {}
    full = {**os.environ, **env}

    def quiet(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(storectl(*args, "--json"), capture_output=True, text=True, env=full)

    def prepare(run: int) -> None:  # not timed: the member, the templates (once), two fresh coupons a run
        if not held:
            quiet("member", "add", BENCH_MEMBER, "--name", "压测会员")
            quiet("coupon", "add", "BENCHA", "立减50", "--amount", "50", "--valid-days", "30", "--stackable")
            quiet("coupon", "add", "BENCHB", "九五折", "--pct", "5", "--valid-days", "30", "--stackable")
        held[run] = [json.loads(quiet("coupon", "issue", code, BENCH_MEMBER).stdout)["instances"][0]["code"]
                     for code in ("BENCHA", "BENCHB")]

    def sell(codes: list[str], run: int, coupons: list[str]) -> list[str]:
        args = ["sell", "--store", "SZ01", "--staff", "E001", "--customer", BENCH_MEMBER, codes[2 * run], codes[2 * run + 1],
                "--pay", "cash=30000", "--json"]
        for code in coupons:
            args += ["--coupon", code]
        return storectl(*args)

    return Figure(
        name=f"sell 2 units with two coupons, {setup.units:,} units",
        command=lambda run: sell(ours, run, held[run]),
        floor=lambda run: sell(floors, run, []),
        target_ratio=1.1, env=env, prepare=prepare,
        note="a member's sale with a stackable ¥50 and a 5 % coupon (issued before each run, not timed);"
             " the floor is the same member's sale of two other units without coupons",
    )
