"""Storage faults: a full disk, an I/O error, a damaged file, a newer schema, a full stdout.

None of them is an internal error (exit 70) or a traceback: each is `storage` (or `db_too_new`),
exit 1, with nothing changed. The full-disk tests mount a small tmpfs, so they run as root only.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from conftest import fails, ok, run, run_process

from storectl.db import SCHEMA_HEAD, translate_db_error


def _mount_tmpfs(folder: Path, size: str) -> bool:
    if os.geteuid() != 0:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)], capture_output=True)
    return r.returncode == 0


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs (root only; skipped otherwise), unmounted afterwards."""
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "4m"):
        pytest.skip("needs root to mount a small tmpfs")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def fill(disk: Path) -> Path:
    """Fill the disk to the last byte; returns the filler file (delete it to free the space)."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as fh:
        for size in (1 << 16, 1 << 10, 1):
            try:
                while True:
                    fh.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


def assert_short_storage_error(r) -> dict:
    assert r.code == 1, (r.code, r.stdout[:2000], r.stderr[:2000])
    out = r.stdout + r.stderr
    assert "Traceback" not in out and "INSERT" not in out and "[parameters" not in out
    error = json.loads(r.stdout)["error"]
    assert error["code"] == "storage", error
    assert len(r.stdout) < 2000
    return error


# --- finding 6: a full disk is `storage`, never 70 -------------------------------------------------


def test_disk_io_error_is_translated_whatever_its_case():
    for text in ("disk I/O error", "DISK I/O ERROR", "database or disk is full", "attempt to write a readonly database"):
        err = translate_db_error(sqlite3.OperationalError(text))
        assert err is not None and err.code == "storage", text


def test_an_internal_error_never_prints_the_sql_or_its_parameters(monkeypatch):
    from sqlalchemy.exc import StatementError

    from storectl import output

    exc = StatementError("boom", "INSERT INTO unit VALUES (?)", [("SECRET-PARAM",) * 1000], ValueError("bad value"))
    printed = []
    monkeypatch.setattr(output, "_write_stdout", printed.append)
    with pytest.raises(Exception):
        output._internal(exc, True)
    assert printed and "SECRET-PARAM" not in printed[0] and "INSERT" not in printed[0]


@pytest.mark.sqlite_only
def test_writes_on_a_full_disk_are_a_storage_error_and_change_nothing(small_disk, monkeypatch, tmp_path):
    monkeypatch.setenv("STORECTL_DB", str(small_disk / "store.db"))
    ok("init")
    ok("store", "add", "SZ01", "一店")
    ok("staff", "add", "E001", "张伟", "--store", "SZ01")
    ok("product", "add", "MBA13", "MacBook Air", "--price", "7999")
    ok("product", "add", "00123", "数据线", "--price", "39", "--no-serial")
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "50")
    codes = tmp_path / "codes.txt"
    codes.write_text("".join(f"SNFULL{i:08d}\n" for i in range(40_000)))
    filler = fill(small_disk)
    r = run("stock", "in", "--store", "SZ01", "--sku", "MBA13", "--cost", "5000", "--file", str(codes), "--json")
    error = assert_short_storage_error(r)
    assert "full" in error["message"] and error["hint"]
    for args in (("sell", "--store", "SZ01", "--staff", "E001", "00123:1", "--pay", "cash=39"), ("db", "check")):
        r = run(*args, "--json")
        assert r.code in (0, 1) and "Traceback" not in r.stdout + r.stderr, (args, r.stdout, r.stderr)
        if r.code == 1:
            assert json.loads(r.stdout)["error"]["code"] == "storage"
    filler.unlink()
    assert ok("stock", "list", "--sku", "MBA13") == []
    assert run("db", "check").code == 0


@pytest.mark.sqlite_only
def test_report_month_close_on_a_full_disk_leaves_the_month_open_and_no_part_file(shop, small_disk):
    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "50")
    ok("sell", "--store", "SZ01", "--staff", "E002", "00123:2", "--pay", "cash=78")
    filler = fill(small_disk)
    r = run("report", "month", "2026-11", "--out", str(small_disk), "--close", "--json")
    assert_short_storage_error(r)
    assert "ZipFile" not in r.stderr and "Exception ignored" not in r.stderr
    assert [p.name for p in small_disk.iterdir()] == ["filler"]
    assert not any(p["period"] == "2026-11" and p["closed"] for p in ok("period", "list"))
    filler.unlink()
    done = ok("report", "month", "2026-11", "--out", str(small_disk), "--close")
    assert done["closed"] and Path(done["path"]).exists()
    assert any(p["period"] == "2026-11" and p["closed"] for p in ok("period", "list"))


def test_report_month_close_refuses_when_the_month_changed_during_the_export(shop, monkeypatch, tmp_path):
    from storectl.services.books import month_end

    ok("stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "10", "--qty", "50")
    real = month_end.build_workbook

    def build_then_sell(session, **kw):
        built = real(session, **kw)
        ok("sell", "--store", "SZ01", "--staff", "E002", "00123:1", "--pay", "cash=39")  # another till, meanwhile
        return built

    monkeypatch.setattr(month_end, "build_workbook", build_then_sell)
    fails("conflict", "report", "month", "2026-11", "--out", str(tmp_path), "--close")
    assert not list(tmp_path.glob("*.xlsx*"))
    assert not any(p["closed"] for p in ok("period", "list"))


@pytest.mark.sqlite_only
def test_a_backup_onto_a_full_disk_is_a_storage_error_and_leaves_no_part_file(shop, small_disk):
    fill(small_disk)
    r = run("db", "backup", "--to", str(small_disk / "b") + "/", "--json")
    assert_short_storage_error(r)
    assert not list((small_disk / "b").glob("*")) if (small_disk / "b").exists() else True


@pytest.mark.sqlite_only
def test_keep_removes_the_part_files_of_killed_backups(shop, tmp_path):
    folder = tmp_path / "bk"
    folder.mkdir()
    stale = [folder / "store-20260101-010101.db.part", folder / "store-20260101-010101.db.part-journal"]
    fresh = folder / "store-20260102-010101.db.part"  # maybe a backup running right now
    for p in stale + [fresh]:
        p.write_bytes(b"x")
    old = time.time() - 7200
    for p in stale:
        os.utime(p, (old, old))
    result = ok("db", "backup", "--to", str(folder), "--keep", "3")
    assert all(not p.exists() for p in stale) and fresh.exists()
    assert set(map(str, stale)) <= set(result["removed"])


def test_json_to_a_full_stdout_is_one_short_line_and_exit_1(shop):
    with open("/dev/full", "w") as full:
        p = subprocess.run(
            run_process.__globals__["storectl_exe"]() + ["stock", "list", "--json"],
            stdout=full, stderr=subprocess.PIPE, text=True, env=dict(os.environ), timeout=120,
        )
    assert p.returncode == 1, p.stderr
    assert "Traceback" not in p.stderr and "Exception ignored" not in p.stderr
    assert "cannot write the output" in p.stderr and len(p.stderr.strip().splitlines()) <= 2


# --- finding 11: a database from a newer storectl ---------------------------------------------------


def _stamp_newer(db: Path) -> str:
    newer = f"{int(SCHEMA_HEAD) + 93:04d}"
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num = ?", (newer,))
    con.commit()
    con.close()
    return newer


@pytest.mark.sqlite_only
def test_a_database_from_a_newer_storectl_says_so_and_can_still_be_backed_up(shop, tmp_path):
    newer = _stamp_newer(shop)
    for args in (("store", "list"), ("store", "add", "SZ09", "x"), ("db", "upgrade"), ("init",)):
        error = fails("db_too_new", *args)
        assert "newer storectl" in error["message"] and newer in error["message"] and "upgrade storectl" in error["hint"]
    backup = ok("db", "backup", "--to", str(tmp_path / "bk") + "/")
    assert Path(backup["path"]).exists()
    assert ok("db", "current")["revision"] == newer


# --- finding 12: a damaged database --------------------------------------------------------------------


def _damaged_shop(shop: Path, tmp_path: Path) -> bytes:
    codes = tmp_path / "many.txt"
    codes.write_text("".join(f"SNDMG{i:08d}\n" for i in range(30_000)))
    ok("stock", "in", "--store", "SZ01", "--sku", "MBA13", "--cost", "5000", "--file", str(codes))
    con = sqlite3.connect(shop)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    assert shop.stat().st_size > 800_000
    with open(shop, "r+b") as fh:
        fh.seek(700_000)
        fh.write(b"garbage" * 100)
    return shop.read_bytes()


@pytest.mark.sqlite_only
def test_a_damaged_database_is_reported_refused_for_writes_and_never_backed_up(shop, tmp_path):
    folder = tmp_path / "bk"
    good = [ok("db", "backup", "--to", str(folder) + "/")["path"]]
    time.sleep(1.1)
    good.append(ok("db", "backup", "--to", str(folder) + "/")["path"])
    _damaged_shop(shop, tmp_path)
    r = run("db", "check", "--json")
    assert r.code == 1 and "Traceback" not in r.stdout + r.stderr
    problems = r.json["problems"]
    assert problems and all(p["check"] == "integrity" for p in problems)
    assert "not a storectl database" not in r.stdout
    time.sleep(1.1)
    error = fails("storage", "db", "backup", "--to", str(folder) + "/", "--keep", "1")
    assert "integrity check" in error["message"]
    assert sorted(str(p) for p in folder.iterdir()) == sorted(good)
    error = fails("storage", "sell", "--store", "SZ01", "--staff", "E002", "SNDMG00000005", "--pay", "cash=7999")
    assert "damaged" in error["message"]
    fails("storage", "store", "add", "SZ09", "x")


@pytest.mark.sqlite_only
def test_sqlite_reporting_a_malformed_file_is_a_storage_error():
    from sqlalchemy.exc import DatabaseError

    err = translate_db_error(DatabaseError("SELECT 1", {}, sqlite3.DatabaseError("database disk image is malformed")))
    assert err.code == "storage" and "damaged" in err.message


# --- finding 15: terminal escapes ----------------------------------------------------------------------


def test_an_operator_with_a_control_character_is_refused_and_not_stored(shop):
    error = fails("invalid_input", "--operator", "\x1b[31mE001", "store", "add", "SZ09", "x")
    assert "control" in error["message"]
    assert all("\x1b" not in row["operator"] for row in ok("audit"))
    assert not any(s["code"] == "SZ09" for s in ok("store", "list"))


@pytest.mark.sqlite_only
def test_audit_never_prints_a_raw_control_character_from_stored_text(shop):
    con = sqlite3.connect(shop)
    con.execute("UPDATE audit SET operator = ?, command = ? WHERE id = 1", ("\x1b[31mEVIL\x07", "x\x1b]0;title\x07"))
    con.commit()
    con.close()
    r = run("audit")
    assert r.code == 0
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout
    assert "EVIL" in r.stdout


# --- finding 13: owner-only folders and files, whatever the umask ------------------------------------------------


@pytest.fixture
def umask():
    def set_to(value: int) -> None:
        os.umask(value)

    old = os.umask(0o022)
    os.umask(old)
    yield set_to
    os.umask(old)


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.sqlite_only
@pytest.mark.parametrize("mask", [0o000, 0o077])
def test_folders_storectl_makes_are_0700_and_its_files_0600(tmp_path, umask, mask):
    umask(mask)
    db = tmp_path / "new" / "deeper" / "store.db"
    ok("--db", str(db), "init")
    ok("--db", str(db), "store", "add", "SZ01", "一店")
    ok("--db", str(db), "staff", "add", "E001", "张伟", "--store", "SZ01")
    assert _mode(db.parent) == 0o700 and _mode(db.parent.parent) == 0o700 and _mode(db) == 0o600
    made = ok("--db", str(db), "db", "backup")
    assert _mode(Path(made["path"]).parent) == 0o700 and _mode(Path(made["path"])) == 0o600
    made = ok("--db", str(db), "db", "backup", "--to", str(tmp_path / "bk" / "nightly") + "/")
    assert _mode(tmp_path / "bk") == 0o700 and _mode(tmp_path / "bk" / "nightly") == 0o700
    book = ok("--db", str(db), "report", "month", "2026-11", "--out", str(tmp_path))
    assert _mode(Path(book["path"])) == 0o600
    sheet = ok("--db", str(db), "qr", "sheet", "--staff", "--out", str(tmp_path / "qr.html"))
    assert _mode(Path(sheet["path"])) == 0o600
