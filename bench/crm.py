"""The campaign figures (issue 21): `campaign create` on the large shop, and the export of a
100,000-customer audience.

The export needs an audience bigger than the large shop's customers (10,000 buy there), so its
shop is a copy of the large one with 100,000 more customers (phones 166…, a range the large shop
never uses) who each bought one of its sold units, and a campaign of all of them: written once,
untimed, with sqlite3 `executemany`.
"""

from __future__ import annotations

import secrets
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from bench.generate import db_time

EXPORT_AUDIENCE = 100_000
CAMPAIGN = "CA-900001"


def campaign_shop(big: Path, work: Path, audience: int = EXPORT_AUDIENCE) -> Path:
    """A copy of `big` with `audience` customers in campaign CA-900001 (built once per bench run)."""
    path = work / "campaign.db"
    if path.exists():
        return path
    for suffix in ("", "-wal", "-shm"):
        if Path(str(big) + suffix).exists():
            shutil.copyfile(str(big) + suffix, str(path) + suffix)
    now = db_time(datetime(2026, 11, 2, 2, tzinfo=timezone.utc))
    with sqlite3.connect(path) as conn:
        lines = [r[0] for r in conn.execute(
            "SELECT id FROM sale_line WHERE unit_id IS NOT NULL ORDER BY id LIMIT ?", (audience,))]
        first = conn.execute("SELECT coalesce(max(id), 0) FROM customer").fetchone()[0] + 1
        conn.executemany(
            "INSERT INTO customer (id, code, name, phone, group_name, credit_limit_cents, balance_cents, is_member, points,"
            " lifetime_spend_cents, created_at) VALUES (?, ?, ?, ?, '', 0, 0, 0, 0, 0, ?)",
            [(first + i, f"LK{i:06d}", f"老客户{i:06d}", f"166{i:08d}", now) for i in range(audience)],
        )
        conn.execute(
            "INSERT INTO campaign (doc_no, name, bought_before, category, tag, holdout_pct, window_days, created_at,"
            " ends_at, operator) VALUES (?, '三年换新', '2026-10-31', '手机', '', 0, 30, ?, ?, 'bench')",
            (CAMPAIGN, now, db_time(datetime(2026, 12, 2, 2, tzinfo=timezone.utc))),
        )
        campaign = conn.execute("SELECT id FROM campaign WHERE doc_no = ?", (CAMPAIGN,)).fetchone()[0]
        conn.executemany(
            "INSERT INTO campaign_member (campaign_id, customer_id, token, holdout, sale_line_id, clicks) VALUES (?, ?, ?, 0, ?, 0)",
            [(campaign, first + i, secrets.token_urlsafe(16), lines[i % len(lines)]) for i in range(audience)],
        )
    return path
