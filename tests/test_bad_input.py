"""Bad input never crashes and never changes anything: exit 1 or 2, no traceback, same rows.

Each case runs against a copy of one `shop` (built once per module), and the database is dumped
before and after (without the append-only audit table, where refusals may be recorded).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sqlite3
from pathlib import Path

import conftest
import pytest
from conftest import run
from reliability_helpers import sqlite_copy

from storectl.errors import CODES

ON_POSTGRES = getattr(conftest, "ON_POSTGRES", False)
HOOK = Path(__file__).resolve().parents[2] / "shared" / "hooks" / "before-stop"
LONG = "名" * 10_000


def dump(path: Path) -> list[str]:
    """Every row of every table of an SQLite file except audit, as SQL text."""
    con = sqlite3.connect(path)
    try:
        return [line for line in con.iterdump() if not line.startswith('INSERT INTO "audit"')]
    finally:
        con.close()


def snapshot() -> list:
    """The test's database (STORECTL_DB) without its audit rows: an SQLite dump, or on PostgreSQL every row."""
    if not ON_POSTGRES:
        return dump(Path(os.environ["STORECTL_DB"]))
    from sqlalchemy import MetaData, create_engine, select
    from sqlalchemy.pool import NullPool

    engine = create_engine(os.environ["STORECTL_DB"], poolclass=NullPool)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return [
                (table.name, sorted(map(repr, conn.execute(select(table)).all())))
                for table in meta.sorted_tables
                if table.name != "audit"
            ]
    finally:
        engine.dispose()



@pytest.fixture(scope="module")
def _template(tmp_path_factory):
    return tmp_path_factory.mktemp("template") / "shop.db"


@pytest.fixture
def cached_shop(request, _template):
    """The conftest `shop`, built on first use in this module and copied for every later test."""
    if ON_POSTGRES:
        return request.getfixturevalue("shop")
    here = Path(os.environ["STORECTL_DB"])
    if not _template.exists():
        request.getfixturevalue("shop")
        sqlite_copy(here, _template)
    else:
        sqlite_copy(_template, here)
    return here


def refuses_cleanly(*args: str, json_: bool = True, input: str | None = None):
    """Run a bad command; assert exit 1/2, no traceback, a proper error, and no change. Skips commands not built yet."""
    before = snapshot()
    full = [*args, "--json"] if json_ else list(args)
    r = run(*full, input=input)
    if r.code == 2 and "No such command" in r.stdout + r.stderr:
        pytest.skip(f"storectl {shlex.join(args[:2])} is not implemented yet")
    text = r.stdout + r.stderr
    assert r.code in (1, 2), f"storectl {shlex.join(args)} exited {r.code}: {text[:500]}"
    assert "Traceback" not in text
    if r.code == 1 and json_:
        error = json.loads(r.stdout)["error"]
        assert error["code"] in CODES and error["message"], error
        assert r.stderr == ""
    if r.code == 2:
        assert r.stdout == "" or not r.stdout.lstrip().startswith("{")
    assert snapshot() == before, f"storectl {shlex.join(args)} changed the database"
    return r


BAD = [
    # unknown codes
    ("unknown store", ["staff", "add", "E009", "赵六", "--store", "NOPE"], "not_found"),
    ("unknown store filter", ["staff", "list", "--store", "NOPE"], "not_found"),
    ("unknown product", ["product", "show", "NOPE"], "not_found"),
    ("unknown customer", ["customer", "show", "NOBODY"], "not_found"),
    ("unknown staff in a sale", ["sell", "--store", "SZ01", "--staff", "E999", "00123:1", "--pay", "cash=39"], "not_found"),
    ("unknown staff in a report", ["report", "staff", "--store", "NOPE"], "not_found"),
    ("unknown product for a price", ["price", "quote", "NOPE"], "not_found"),
    ("unknown product for stock in", ["stock", "in", "--store", "SZ01", "--sku", "NOPE", "--cost", "10", "--qty", "1"], "not_found"),
    ("unknown customer statement", ["customer", "statement", "NOBODY"], "not_found"),
    # bad money
    ("money abc", ["product", "add", "P1", "x", "--price", "abc"], "invalid_input"),
    ("money -5", ["product", "add", "P1", "x", "--price", "-5"], "invalid_input"),
    ("money 1.234", ["product", "add", "P1", "x", "--price", "1.234"], "invalid_input"),
    ("money nan", ["product", "add", "P1", "x", "--price", "nan"], "invalid_input"),
    ("money 1e309", ["product", "add", "P1", "x", "--price", "1e309"], "invalid_input"),
    ("money yen sign alone", ["product", "add", "P1", "x", "--price", "¥"], "invalid_input"),
    ("money huge", ["product", "add", "P1", "x", "--price", "9" * 5000], "invalid_input"),
    ("credit limit negative", ["customer", "add", "C009", "x", "--credit-limit", "-5"], "invalid_input"),
    ("credit limit nan", ["customer", "add", "C009", "x", "--credit-limit", "NaN"], "invalid_input"),
    ("stock cost 1e309", ["stock", "in", "--store", "SZ01", "--sku", "00123", "--cost", "1e309", "--qty", "1"], "invalid_input"),
    ("price set 1.234", ["price", "set", "IP17P", "1.234"], "invalid_input"),
    # bad periods and dates
    ("audit since 2026-02-30", ["audit", "--since", "2026-02-30"], "invalid_input"),
    ("audit since 2026-13", ["audit", "--since", "2026-13"], "invalid_input"),
    ("audit since words", ["audit", "--since", "yesterday"], "invalid_input"),
    ("report period 2026-02-30", ["report", "staff", "-p", "2026-02-30"], "invalid_input"),
    ("report period 2026-13", ["report", "stores", "-p", "2026-13"], "invalid_input"),
    ("sale list period 2026-13", ["sale", "list", "-p", "2026-13"], "invalid_input"),
    ("period close 2026-13", ["period", "close", "2026-13"], "invalid_input"),
    # bad time zones and settings
    ("init timezone Mars/Base", ["init", "--timezone", "Mars/Base"], "invalid_input"),
    ("config timezone x", ["config", "set", "timezone", "x"], "invalid_input"),
    ("config unknown key", ["config", "set", "no.such.key", "1"], "invalid_input"),
    ("config redeem rate 0", ["config", "set", "points.redeem_rate", "0"], "invalid_input"),
    ("config base url ftp", ["config", "set", "qr.base_url", "ftp://example.com/x"], "invalid_input"),
    # duplicates
    ("duplicate SKU", ["product", "add", "IP17P", "again"], "conflict"),
    ("duplicate SKU with spaces", ["product", "add", "  00123 ", "again", "--no-serial"], "conflict"),
    ("duplicate store", ["store", "add", "SZ01", "again"], "conflict"),
    ("duplicate staff", ["staff", "add", "E001", "again", "--store", "SZ01"], "conflict"),
    ("duplicate supplier", ["supplier", "add", "SUP01", "again"], "conflict"),
    ("duplicate customer", ["customer", "add", "C001", "again"], "conflict"),
    ("duplicate phone", ["customer", "add", "C009", "x", "--phone", "138-0013-8000"], "conflict"),
    # roles, codes, names
    ("role boss", ["staff", "add", "E009", "赵六", "--store", "SZ01", "--role", "boss"], "invalid_input"),
    ("code with a bell", ["store", "add", "S\x07Z", "x"], "invalid_input"),
    ("code with an escape sequence", ["product", "show", "\x1b[31mRED"], "invalid_input"),
    ("code with a zero-width space", ["customer", "add", "C\u200b9", "x"], "invalid_input"),
    ("code of only spaces", ["store", "add", "   ", "x"], "invalid_input"),
    ("code 10,000 characters", ["store", "add", "S" * 10_000, "x"], "invalid_input"),
    ("name 10,000 characters", ["store", "add", "SZ09", LONG], "invalid_input"),
    ("name with a newline", ["supplier", "add", "SUP09", "line\nbreak"], "invalid_input"),
    ("empty name", ["customer", "add", "C009", " "], "invalid_input"),
    ("phone with letters", ["customer", "add", "C009", "x", "--phone", "abc"], "invalid_input"),
    ("phone in Arabic-Indic digits", ["customer", "add", "C009", "x", "--phone", "١٣٨٠٠١٣٨٠٠٠"], "invalid_input"),
    ("code kinds repeated", ["product", "add", "P2", "x", "--codes", "IMEI1,IMEI1"], "invalid_input"),
    ("codes on a quantity product", ["product", "add", "P3", "x", "--no-serial", "--codes", "SN"], "invalid_input"),
    ("unknown import kind", ["import", "widgets", "x.csv"], "invalid_input"),
    ("import a missing file", ["import", "products", "no-such-file.csv"], "invalid_input"),
    ("import a folder", ["import", "products", "."], "invalid_input"),
    ("import /dev/null", ["import", "products", "/dev/null"], "invalid_input"),
    ("import a .txt", ["import", "stores", "notes.txt"], "invalid_input"),
    # usage errors
    ("warranty out of range", ["product", "add", "P4", "x", "--warranty-months", "999"], None),
    ("audit limit 0", ["audit", "--limit", "0"], None),
    ("missing argument", ["store", "add", "SZ09"], None),
]


@pytest.mark.parametrize("args,code", [(a, c) for _, a, c in BAD], ids=[name for name, _, _ in BAD])
def test_a_bad_input_is_refused_without_a_traceback_and_changes_nothing(cached_shop, args, code):
    Path("notes.txt").write_text("SZ09,x\n")
    r = refuses_cleanly(*args)
    if code is None:
        assert r.code == 2
    else:
        assert r.code == 1 and json.loads(r.stdout)["error"]["code"] == code, r.stdout


def test_there_are_at_least_twenty_bad_inputs():
    assert len(BAD) >= 20


def test_a_bad_input_without_json_prints_one_line_on_stderr_and_nothing_on_stdout(cached_shop):
    r = refuses_cleanly("product", "add", "P1", "x", "--price", "1.234", json_=False)
    assert r.code == 1 and r.stdout == ""
    assert "1.234" in r.stderr and "hint" in r.stderr


# --- files ----------------------------------------------------------------------------------


def test_a_garbage_xlsx_is_refused(cached_shop):
    Path("garbage.xlsx").write_bytes(os.urandom(4096))
    r = refuses_cleanly("import", "products", "garbage.xlsx")
    assert "garbage.xlsx" in json.loads(r.stdout)["error"]["message"]


def test_a_zip_that_is_not_a_workbook_is_refused(cached_shop):
    import zipfile

    with zipfile.ZipFile("fake.xlsx", "w") as z:
        z.writestr("hello.txt", "not a workbook")
    refuses_cleanly("import", "products", "fake.xlsx")


def test_a_csv_with_a_bad_header_is_refused_naming_the_missing_columns(cached_shop):
    Path("bad-header.csv").write_text("code,title\nSZ09,x\n", encoding="utf-8")
    r = refuses_cleanly("import", "stores", "bad-header.csv")
    assert "name" in json.loads(r.stdout)["error"]["message"]


def test_a_binary_csv_is_refused(cached_shop):
    Path("binary.csv").write_bytes(b"\xff\xfe\x00\x81" * 100)
    refuses_cleanly("import", "stores", "binary.csv")


def test_a_csv_with_three_bad_rows_reports_all_three_lines_and_imports_nothing(cached_shop):
    Path("products.csv").write_text(
        "sku,name,price,serial,codes\n"
        "NEW1,good one,10,yes,SN\n"
        "NEW2,bad price,abc,yes,SN\n"
        "NEW3,good two,20,no,\n"
        "IP17P,duplicate sku,30,yes,SN\n"
        "NEW4,bad kinds,40,yes,\"IMEI1,IMEI1\"\n",
        encoding="utf-8",
    )
    r = refuses_cleanly("import", "products", "products.csv")
    message = json.loads(r.stdout)["error"]["message"]
    assert "3 bad row(s)" in message
    for line in ("line 3", "line 5", "line 6"):
        assert line in message
    assert "line 2" not in message and "line 4" not in message


def test_a_text_file_given_as_db_is_a_clear_error(tmp_path):
    fake = tmp_path / "notes.db"
    fake.write_text("these are my notes, not a database\n" * 20)
    before = fake.read_bytes()
    for args in (("store", "list"), ("store", "add", "SZ01", "x"), ("db", "current"), ("db", "upgrade"), ("init",)):
        r = run("--db", str(fake), *args, "--json")
        assert r.code == 1, (args, r.stdout)
        error = json.loads(r.stdout)["error"]
        assert error["code"] == "invalid_input" and "not a storectl database" in error["message"], (args, error)
    assert fake.read_bytes() == before
    assert not Path(str(fake) + "-wal").exists()


@pytest.mark.parametrize("table", ["store", "notes"])
def test_init_leaves_another_programs_database_alone(tmp_path, table):
    foreign = tmp_path / "other.sqlite"
    con = sqlite3.connect(foreign)
    con.execute(f"CREATE TABLE {table} (x)")
    con.execute(f"INSERT INTO {table} VALUES ('theirs')")
    con.commit()
    con.close()
    before = dump(foreign)
    r = run("--db", str(foreign), "init", "--json")
    assert r.code == 1, r.stdout
    error = json.loads(r.stdout)["error"]
    assert error["code"] == "invalid_input" and table in error["message"]
    assert dump(foreign) == before


def test_a_db_in_a_missing_folder_is_not_initialized_and_no_folder_is_made(tmp_path):
    target = tmp_path / "nowhere" / "deeper" / "store.db"
    for args in (("store", "list"), ("customer", "show", "C001"), ("audit",), ("config", "show")):
        r = run("--db", str(target), *args, "--json")
        assert r.code == 1
        assert json.loads(r.stdout)["error"]["code"] == "db_not_initialized"
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(
    "url",
    ["sqlite:://x", "nonsense+driver://host/db", "mysql://u:secret@127.0.0.1:1/shop", "postgresql+psycopg://u:secret@127.0.0.1:1/shop"],
    ids=["malformed", "unknown dialect", "driver not installed", "server not there"],
)
def test_a_database_url_that_cannot_be_used_is_a_clear_error(url):
    r = run("--db", url, "store", "list", "--json")
    assert r.code == 1, r.stdout
    error = json.loads(r.stdout)["error"]
    assert error["code"] == "invalid_input" and error["hint"]
    assert "secret" not in r.stdout


def test_a_bad_storectl_now_is_a_clear_error(cached_shop):
    r = run("store", "list", "--json", env={"STORECTL_NOW": "next tuesday"})
    assert r.code == 1
    assert json.loads(r.stdout)["error"]["code"] == "invalid_input"


# --- the house check's hostile command lines -------------------------------------------------


def hostile_lines() -> list[str]:
    if not HOOK.exists():
        return []
    text = HOOK.read_text()
    m = re.search(r"<<'CASES'\n(.*?)\nCASES", text, re.S)
    return [line for line in (m.group(1).splitlines() if m else []) if line.strip()]


HOSTILE = hostile_lines()


@pytest.mark.skipif(not HOSTILE, reason="the before-stop hook is not here")
@pytest.mark.parametrize("line", HOSTILE, ids=HOSTILE)
def test_a_hostile_line_from_the_house_check_is_refused_cleanly(cached_shop, line):
    refuses_cleanly(*shlex.split(line))
