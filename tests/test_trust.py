"""Trust under attack (issue 15, findings 1–4 and 14): restore is a manager's, waits for other
writers and is audited; a fixed clock only where it belongs; the PIN prompt never holds the write
lock; wrong PINs are slowed and lock the staff code."""

from __future__ import annotations

import os
import select
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import NOW, ON_POSTGRES, fails, ok, run, run_process, storectl_exe

PIN = "482913"
MANAGER = {"STORECTL_OPERATOR": "E001", "STORECTL_PIN": PIN}
CLERK = {"STORECTL_OPERATOR": "E002"}


def set_manager_pin(code: str = "E001", pin: str = PIN) -> None:
    ok("staff", "set-pin", code, env={"STORECTL_NEW_PIN": pin, **MANAGER})


def audit(env: dict | None = None) -> list[dict]:
    return ok("audit", "--limit", "100000", env=env)


# --- finding 1: a clerk restores an old backup and the PINs are gone ------------------------------


@pytest.mark.sqlite_only
def test_a_clerk_cannot_restore_a_backup_and_a_managers_restore_keeps_the_pins_and_the_audit(shop, tmp_path):
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "5")
    old = ok("db", "backup", "--to", str(tmp_path / "old.db"))["path"]
    set_manager_pin()
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "7")  # IN-000002, after the backup
    fails("forbidden", "price", "set", "IP17P", "1", env=CLERK)
    fails("forbidden", "db", "restore", old, env=CLERK)
    fails("forbidden", "db", "restore", old, env={"STORECTL_OPERATOR": "E001", "STORECTL_PIN": "000000"})
    assert ok("stock", "levels")[0]["qty"] == 12  # refused: nothing restored

    done = ok("db", "restore", old, env=MANAGER)
    assert done["before"]["docs"]["IN"] == "IN-000002"
    assert ok("stock", "levels")[0]["qty"] == 5  # the backup's data is back ...
    fails("forbidden", "price", "set", "IP17P", "1", env=CLERK)  # ... but not its open door
    assert ok("staff", "list")[0]["has_pin"] is True

    log = audit()
    refusals = [(e["operator"], e["command"]) for e in log if e["outcome"] == "forbidden"]
    assert ("E002", "price set") in refusals and ("E002", "db restore") in refusals and ("E001", "db restore") in refusals
    restore = [e for e in log if e["command"] == "db restore" and e["outcome"] == "ok"][-1]
    assert (restore["operator"], log[-1]["command"]) == ("E001", "price set")  # the refusal after it follows it
    assert "old.db" in restore["detail"] and "IN-000002" in restore["detail"], restore["detail"]
    assert restore["real_at"]
    # the history since the backup (the second stock in, the PIN, the refusals) is still there
    assert any("IN-000002" in e["docs"] for e in log)
    assert any(e["command"] == "staff set-pin" and e["outcome"] == "ok" for e in log)
    r = run("db", "check")
    assert (r.code, r.stdout, r.stderr) == (0, "", "")


@pytest.mark.sqlite_only
def test_restore_refuses_a_damaged_backup_before_touching_anything(shop, tmp_path):
    backup = Path(ok("db", "backup", "--to", str(tmp_path / "b.db"))["path"])
    data = bytearray(backup.read_bytes())
    page = 4096
    for offset in range(2 * page + 16, min(len(data), 6 * page), 97):  # scribble over table pages
        data[offset] = 0xA5
    backup.write_bytes(bytes(data))
    err = fails("invalid_input", "db", "restore", str(backup))
    assert "b.db" in err["message"]
    assert ok("store", "list")


# --- finding 3: db restore ignores other writers -----------------------------------------------

HOLD_LOCK = """
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
c.execute("ROLLBACK")
print("released", flush=True)
"""


@pytest.mark.sqlite_only
def test_restore_waits_for_the_write_lock_and_writes_after_it_land_on_the_restored_data(shop, tmp_path):
    db = Path(os.environ["STORECTL_DB"])
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "5")
    old = ok("db", "backup", "--to", str(tmp_path / "old.db"))["path"]
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "100")  # lost by the restore, and said so
    inode = db.stat().st_ino
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        env = dict(os.environ, STORECTL_BUSY_TIMEOUT_MS="60000")
        restore = subprocess.Popen(storectl_exe() + ["db", "restore", old, "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        writer = subprocess.Popen(storectl_exe() + ["stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "7", "--json"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert restore.poll() is None, "the restore went ahead while another process held the write lock"
        holder.stdin.write("\n")
        holder.stdin.flush()
        out, err = restore.communicate(timeout=120)
        assert restore.returncode == 0, out + err
        w_out, w_err = writer.communicate(timeout=120)
        assert writer.returncode == 0, w_out + w_err
    finally:
        holder.kill()
        holder.wait()
    assert db.stat().st_ino == inode, "the live file was swapped, not restored into"
    received = __import__("json").loads(w_out)["id"]
    qty = ok("stock", "levels")[0]["qty"]
    before = __import__("json").loads(out)["before"]["docs"]["IN"]
    if qty == 12:  # the writer waited for the restore and wrote on the restored data
        assert before == "IN-000002"
        assert ok("audit")[-1]["docs"] == [received]
    else:  # the writer went first: the restore replaced its stock in, and its audit row says so
        assert qty == 5 and before == received == "IN-000003"
    r = run("db", "check")
    assert (r.code, r.stdout, r.stderr) == (0, "", "")


# --- finding 2: the fixed clock works in production ---------------------------------------------


def _real_clock_shop(monkeypatch) -> None:
    """A shop made the way a real one is: no STORECTL_NOW."""
    monkeypatch.delenv("STORECTL_NOW")
    ok("init", "--shop-name", "真店", "--timezone", "Asia/Shanghai")
    ok("store", "add", "SZ01", "华强北旗舰店")
    ok("staff", "add", "E001", "张伟", "--store", "SZ01", "--role", "manager")
    ok("staff", "add", "E002", "李娜", "--store", "SZ01")
    ok("member", "add", "13900139000", "--name", "会员")
    ok("points", "adjust", "13900139000", "500", "--reason", "opening")
    set_manager_pin()


def test_a_database_made_under_the_real_clock_refuses_a_fixed_clock_unless_a_manager_allows_it(monkeypatch):
    _real_clock_shop(monkeypatch)
    ok("config", "set", "points.expire_months", "1", env=MANAGER)
    future = {"STORECTL_NOW": "2099-01-01T00:00:00+08:00", **CLERK}
    err = fails("forbidden", "points", "expire", env=future)
    assert "STORECTL_NOW" in err["message"] and "clock.override" in err["hint"]
    fails("forbidden", "member", "checkin", "13900139000", env=future)
    fails("forbidden", "member", "checkin", "13900139000", env={"STORECTL_NOW": "2026-11-02T10:00:00+08:00", **MANAGER})
    assert ok("member", "show", "13900139000")["points"] == 500
    # the refusals are audited at the real time, not at the time they claimed
    refused = [e for e in audit() if e["outcome"] == "forbidden" and e["command"] in ("points expire", "member checkin")]
    assert len(refused) == 3
    assert all(e["at"][:4] == str(datetime.now().year) for e in refused), refused

    fails("forbidden", "config", "set", "clock.override", "allow", env=CLERK)
    ok("config", "set", "clock.override", "allow", env=MANAGER)
    replay = {"STORECTL_NOW": "2026-11-02T10:00:00+08:00", **CLERK}
    assert ok("member", "checkin", "13900139000", env=replay)["date"] == "2026-11-02"
    row = audit()[-1]
    assert row["at"].startswith("2026-11-02T10:00") and row["real_at"][:10] != "2026-11-02" or row["real_at"] != row["at"]

    ok("config", "set", "clock.override", "deny", env=MANAGER)
    fails("forbidden", "member", "checkin", "13900139000", env={"STORECTL_NOW": "2026-11-03T10:00:00+08:00", **CLERK})
    yesterday = (datetime.now(timezone.utc) - timedelta(days=2)).date().isoformat()
    ok("config", "set", "clock.override", yesterday, env=MANAGER)  # an expiry in the past allows nothing
    fails("forbidden", "member", "checkin", "13900139000", env={"STORECTL_NOW": "2026-11-03T10:00:00+08:00", **CLERK})
    later = (datetime.now(timezone.utc) + timedelta(days=2)).date().isoformat()
    ok("config", "set", "clock.override", later, env=MANAGER)
    ok("member", "checkin", "13900139000", env={"STORECTL_NOW": "2026-11-03T10:00:00+08:00", **CLERK})
    for bad in ("maybe", "2026-13-01", "1999-01-01"):
        fails("invalid_input", "config", "set", "clock.override", bad, env=MANAGER)
    # without a fixed clock everything works as usual
    assert ok("member", "checkin", "13900139000", env=CLERK)["streak"] >= 1


def test_a_database_made_under_a_fixed_clock_keeps_accepting_it_and_the_audit_keeps_the_real_time(shop):
    ok("store", "add", "SZ03", "福田店", env={"STORECTL_NOW": "2026-12-24T09:00:00+08:00"})
    row = audit()[-1]
    assert row["at"] == "2026-12-24T09:00:00+08:00"
    real = datetime.fromisoformat(row["real_at"])
    assert abs(real - datetime.now(timezone.utc)) < timedelta(hours=1)


@pytest.mark.parametrize("moment", [
    "0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59+00:00",
    "1999-12-31T23:59:59+08:00", "2101-01-01T00:00:00+08:00", "2100-12-31T23:00:00-14:00",
])
def test_a_fixed_clock_outside_2000_to_2100_is_refused_cleanly(shop, moment):
    ok("member", "add", "13900139000")
    r = run("member", "checkin", "13900139000", "--json", env={"STORECTL_NOW": moment})
    assert r.code == 1, r.stdout + r.stderr
    assert r.json["error"]["code"] == "invalid_input" and "2000" in r.json["error"]["message"]
    assert "Traceback" not in r.stdout + r.stderr
    r = run("stock", "list", env={"STORECTL_NOW": moment})
    assert r.code == 1 and "Traceback" not in r.stdout + r.stderr


@pytest.mark.parametrize("args", [
    ("report", "staff", "-p", "9999"), ("report", "staff", "-p", "1999-12"), ("report", "daily", "--date", "2101-01-01"),
    ("audit", "--since", "0001-01-01"), ("price", "set", "IP17P", "100", "--from", "9999-01-01"),
])
def test_dates_outside_2000_to_2100_are_refused(shop, args):
    fails("invalid_input", *args)


# --- finding 4: a manager's open PIN prompt stops the shop ---------------------------------------


def _lock_is_free() -> bool:
    """Could another process take the write lock right now?"""
    url = os.environ["STORECTL_DB"]
    if ON_POSTGRES:
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        from storectl.db import WRITE_LOCK_KEY

        # the key is the whole server's: another test worker may hold it for a moment, but a
        # lock held by this process (waiting at the prompt) would never come free
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                deadline = time.monotonic() + 10
                while True:
                    got = conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY}).scalar()
                    conn.rollback()
                    if got or time.monotonic() > deadline:
                        return bool(got)
                    time.sleep(0.05)
        finally:
            engine.dispose()
    conn = sqlite3.connect(url, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def test_every_manager_only_command_asks_for_the_pin_before_taking_the_write_lock(shop, monkeypatch):
    from test_roles import ACTIONS, _prepare

    import storectl.cli.common as common

    _prepare(shop)
    set_manager_pin()
    asked = []

    def prompt(label: str) -> str:
        asked.append((label, _lock_is_free()))
        return PIN

    monkeypatch.setattr(common, "interactive", lambda: True)
    monkeypatch.setattr(common, "_prompt_pin", prompt)
    for n, (name, make) in enumerate(ACTIONS.items()):
        asked.clear()
        env = {"STORECTL_OPERATOR": "E001", "STORECTL_PIN": None}
        if name == "staff set-pin":
            env["STORECTL_NEW_PIN"] = "135790"
        r = run(*make(n), "--json", env=env)
        assert r.code == 0, f"{name}: {r.stdout}{r.stderr}"
        assert len(asked) == 1, (name, asked)
        assert asked[0][0].startswith("PIN for E001") and asked[0][1], f"{name}: the prompt was open while the write lock was held"
    # and a clerk, or a command that needs no PIN, is never asked
    asked.clear()
    ok("stock", "out", "--reason", "internal-use", "--store", "SZ01", "00123:1", env={"STORECTL_OPERATOR": "E001", "STORECTL_PIN": None})
    fails("forbidden", "price", "set", "IP17P", "1", env={"STORECTL_OPERATOR": "E002", "STORECTL_PIN": None})
    assert asked == []


def _read_until(fd: int, marker: bytes, timeout: float) -> bytes:
    seen = b""
    end = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            seen += chunk
    return seen


def test_a_clerk_sells_while_a_manager_sits_at_the_pin_prompt(shop):
    import pty

    from test_sell import put_qty

    put_qty("00123", "SZ01", 50)
    set_manager_pin()
    master, slave = pty.openpty()
    env = dict(os.environ, STORECTL_OPERATOR="E001", STORECTL_BUSY_TIMEOUT_MS="5000")
    env.pop("STORECTL_PIN", None)
    err_r, err_w = os.pipe()
    # its own session: no controlling terminal, so the hidden prompt reads the pty given as stdin
    manager = subprocess.Popen(storectl_exe() + ["price", "set", "IP17P", "7777", "--json"], stdin=slave, stdout=subprocess.PIPE,
                               stderr=err_w, env=env, start_new_session=True)
    os.close(slave)
    os.close(err_w)
    try:
        prompt = _read_until(err_r, b"PIN", 60)
        assert b"PIN for E001" in prompt, prompt
        sale = run_process("sell", "--store", "SZ01", "--staff", "E002", "00123:1", "--pay", "cash=39", "--json",
                           env={"STORECTL_OPERATOR": "E002", "STORECTL_BUSY_TIMEOUT_MS": "5000"})
        assert sale.returncode == 0, sale.stdout + sale.stderr
        assert manager.poll() is None  # still at the prompt
        os.write(master, (PIN + "\n").encode())
        out, _ = manager.communicate(timeout=60)
        assert manager.returncode == 0, out
    finally:
        if manager.poll() is None:
            manager.kill()
            manager.wait()
        os.close(master)
        os.close(err_r)
    assert ok("price", "quote", "IP17P")["price"] == "7777.00"


# --- finding 14: PINs without delay or lockout -------------------------------------------------


def test_wrong_pins_are_slowed_and_the_fifth_in_a_row_locks_the_staff_code_for_a_while(shop, monkeypatch):
    from storectl import clock
    from storectl.services.shop import auth

    ok("staff", "add", "E004", "刘洋", "--store", "SZ02", "--role", "manager")
    set_manager_pin()
    ok("staff", "set-pin", "E004", env={"STORECTL_NEW_PIN": "246813", **MANAGER})
    pauses = []
    monkeypatch.setattr(auth, "pause_after_wrong_pin", lambda: pauses.append(1))
    wrong = {"STORECTL_OPERATOR": "E001", "STORECTL_PIN": "111111"}
    # wrong, wrong, right: a success resets the count
    for _ in range(2):
        fails("forbidden", "price", "set", "IP17P", "1", env=wrong)
    ok("price", "set", "IP17P", "8001", env=MANAGER)
    for attempt in range(1, 6):
        err = fails("forbidden", "price", "set", "IP17P", "1", env=wrong)
        assert "wrong" in err["message"]
    assert len(pauses) == 7
    err = fails("forbidden", "price", "set", "IP17P", "8002", env=MANAGER)  # the right PIN, but locked
    assert "locked" in err["message"] and "E001" in err["message"]
    assert len(pauses) == 7  # a locked code is refused at once, without judging a PIN
    log = audit()
    locks = [e for e in log if e["outcome"] == "locked"]
    assert len(locks) == 1 and locks[0]["operator"] == "E001"
    assert len([e for e in log if e["outcome"] == "forbidden" and "was wrong" in e["detail"]]) == 7
    # a quarter of an hour later (real time; STORECTL_NOW does not move it) it opens again
    real = clock.real_now()
    monkeypatch.setattr(clock, "real_now", lambda: real + timedelta(minutes=16))
    ok("price", "set", "IP17P", "8003", env=MANAGER)
    # another manager can lift a lock by setting a new PIN
    monkeypatch.setattr(clock, "real_now", lambda: real)
    for _ in range(5):
        fails("forbidden", "price", "set", "IP17P", "1", env=wrong)
    fails("forbidden", "price", "set", "IP17P", "8004", env=MANAGER)
    ok("staff", "set-pin", "E001", env={"STORECTL_NEW_PIN": "975310", "STORECTL_OPERATOR": "E004", "STORECTL_PIN": "246813"})
    ok("price", "set", "IP17P", "8005", env={"STORECTL_OPERATOR": "E001", "STORECTL_PIN": "975310"})


def test_new_pins_have_at_least_six_digits_and_are_hashed_at_a_cost_that_takes_days_to_search(shop):
    from storectl.services.shop import auth

    for short in ("1234", "12345"):
        fails("invalid_input", "staff", "set-pin", "E001", env={"STORECTL_NEW_PIN": short})
    ok("staff", "set-pin", "E001", env={"STORECTL_NEW_PIN": "123456"})
    scheme, n, r, p, _salt, _digest = auth.hash_pin("123456").split("$")
    assert scheme == "scrypt" and int(n) * int(r) >= 2**16 * 8  # 64 MiB per try
    # a hash made with the old, cheaper cost still verifies (managers keep their PINs)
    import base64
    import hashlib

    salt = os.urandom(16)
    old = "scrypt$16384$8$1${}${}".format(base64.b64encode(salt).decode(), base64.b64encode(
        hashlib.scrypt(b"4821", salt=salt, n=16384, r=8, p=1, dklen=32)).decode())
    assert auth.verify_pin("4821", old) and not auth.verify_pin("4822", old)
