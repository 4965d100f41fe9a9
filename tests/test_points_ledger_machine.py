"""A state machine over check-ins (days advancing), manual adjustments and expiry.

Each run works on its own copy of a prepared database and drives the services directly. A simple
model (streaks, once-rules, FIFO lots by month) predicts every outcome; after every step the
cached balances equal the model and the ledger, none is negative, and `db check`'s points
invariants are clean.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from storectl.db import Database
from storectl.errors import StoreError

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONES = ("13900000001", "13900000002")
RULES = ((1, 1, False), (3, 5, False), (4, 20, True))  # (every, points, once)
MONTHS = 1


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    from storectl.services.loyalty import checkin
    from storectl.services.shop import maintenance
    from storectl.services.loyalty import members
    from storectl.services.shop import settings as shop_settings

    path = tmp_path_factory.mktemp("ledger") / "template.db"
    db = Database(f"sqlite:///{path}", operator="E001")
    maintenance.init(db, shop_name="状态机", timezone_name="Asia/Shanghai")
    with db.write("setup") as s:
        for phone in PHONES:
            members.add_member(s, phone=phone)
        for every, points, once in RULES:
            checkin.add_rule(s, every=every, points=points, once=once)
        shop_settings.set_value(s, "points.expire_months", str(MONTHS))
    db.engine.dispose()
    return path


class PointsLedger(RuleBasedStateMachine):
    template: Path

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="storectl-ledger-"))
        shutil.copy(self.template, self.dir / "store.db")
        self.db = Database(f"sqlite:///{self.dir / 'store.db'}", operator="E001")
        self.now = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
        self.last_day = {p: None for p in PHONES}
        self.streak = {p: 0 for p in PHONES}
        self.once_paid = {p: set() for p in PHONES}
        self.lots = {p: [] for p in PHONES}  # [shop date, points left], oldest first
        self.raw = sqlite3.connect(self.dir / "store.db")

    def teardown(self) -> None:
        try:
            self.full_check()
        finally:
            self.raw.close()
            self.db.engine.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- helpers ----------------------------------------------------------------------------

    def today(self):
        return self.now.astimezone(SHANGHAI).date()

    def balance(self, phone: str) -> int:
        return sum(left for _, left in self.lots[phone])

    def consume(self, phone: str, amount: int) -> None:
        lots = self.lots[phone]
        while amount:
            used = min(amount, lots[0][1])
            lots[0][1] -= used
            amount -= used
            if lots[0][1] == 0:
                lots.pop(0)

    def write(self, command: str):
        db = self.db

        class _Write:
            def __enter__(inner):
                inner.cm = db.write(command)
                session = inner.cm.__enter__()
                session.info["now"] = self.now
                return session

            def __exit__(inner, *exc):
                return inner.cm.__exit__(*exc)

        return _Write()

    # --- rules ------------------------------------------------------------------------------

    @rule(days=st.integers(0, 2), hours=st.integers(0, 23))
    def time_passes(self, days: int, hours: int) -> None:
        self.now += timedelta(days=days, hours=hours)

    @rule(phone=st.sampled_from(PHONES))
    def check_in(self, phone: str) -> None:
        from storectl.services.loyalty import checkin

        today = self.today()
        if self.last_day[phone] == today:
            with pytest.raises(StoreError) as caught:
                with self.write("member checkin") as s:
                    checkin.checkin(s, phone=phone)
            assert caught.value.code == "already_checked_in"
            return
        streak = self.streak[phone] + 1 if self.last_day[phone] == today - timedelta(days=1) else 1
        expected = 0
        for rule_id, (every, points, once) in enumerate(RULES, start=1):
            if streak % every == 0 and not (once and rule_id in self.once_paid[phone]):
                expected += points
                if once:
                    self.once_paid[phone].add(rule_id)
        with self.write("member checkin") as s:
            result = checkin.checkin(s, phone=phone)
        assert (result["date"], result["streak"], result["points"]) == (today.isoformat(), streak, expected)
        self.last_day[phone], self.streak[phone] = today, streak
        if expected:
            self.lots[phone].append([today, expected])
        assert result["balance"] == self.balance(phone)

    @rule(phone=st.sampled_from(PHONES), delta=st.integers(-60, 60).filter(bool))
    def adjust(self, phone: str, delta: int) -> None:
        from storectl.services.loyalty import points

        if self.balance(phone) + delta < 0:
            with pytest.raises(StoreError) as caught:
                with self.write("points adjust") as s:
                    points.adjust(s, phone=phone, delta=str(delta), reason="machine")
            assert caught.value.code == "conflict"
            return
        with self.write("points adjust") as s:
            result = points.adjust(s, phone=phone, delta=str(delta), reason="machine")
        if delta > 0:
            self.lots[phone].append([self.today(), delta])
        else:
            self.consume(phone, -delta)
        assert result["balance"] == self.balance(phone)

    @rule()
    def expire(self) -> None:
        from storectl.services.loyalty import points

        today = self.today()
        expected = {}
        for phone in PHONES:
            gone = sum(left for earned, left in self.lots[phone] if today.year * 12 + today.month >= earned.year * 12 + earned.month + MONTHS + 1)
            if gone:
                self.consume(phone, gone)
                expected[phone] = gone
        with self.write("points expire") as s:
            result = points.expire(s)
        assert {m["phone"]: m["expired"] for m in result["members"]} == expected
        assert result["expired"] == sum(expected.values())
        with self.write("points expire") as s:
            assert points.expire(s)["expired"] == 0  # idempotent
        self.full_check()

    # --- what must always hold ---------------------------------------------------------------

    @invariant()
    def ledger_equals_cache_and_is_never_negative(self) -> None:
        # plain sqlite3 so the check after every step stays cheap; the full `db check`
        # invariants run after each expiry and at the end of every run
        rows = self.raw.execute(
            """
            SELECT c.phone, c.points,
                   (SELECT COALESCE(SUM(delta), 0) FROM points_entry e WHERE e.customer_id = c.id),
                   (SELECT COALESCE(MIN(running), 0) FROM (
                        SELECT SUM(delta) OVER (ORDER BY id) AS running FROM points_entry e WHERE e.customer_id = c.id))
            FROM customer c WHERE c.is_member
            """
        ).fetchall()
        for phone, cached, ledger, lowest in rows:
            assert cached == ledger == self.balance(phone) >= 0
            assert lowest >= 0

    def full_check(self) -> None:
        from storectl.services.loyalty import points

        with self.db.read() as s:
            assert points.invariants(s) == []


@pytest.mark.sqlite_only  # copies a prepared SQLite file per run and checks it with sqlite3
def test_check_ins_adjustments_and_expiry_keep_the_ledger_balanced(template):
    PointsLedger.template = template
    runner = PointsLedger.TestCase()
    runner.settings = settings(max_examples=30, stateful_step_count=25, deadline=None)
    runner.runTest()
