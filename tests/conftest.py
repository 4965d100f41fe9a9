"""Every test gets its own real SQLite file (or PostgreSQL schema) and a fixed clock."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

# pytest rewrites hypothesis's modules on import; first imported from deep inside another
# import chain, CPython 3.11.7's ast.parse has failed with "AST constructor recursion depth
# mismatch". Importing it here, at a shallow depth, keeps that from happening.
import hypothesis  # noqa: F401,E402
import hypothesis.stateful  # noqa: F401,E402
import hypothesis.strategies  # noqa: F401,E402

from storectl.cli import app

NOW = "2026-11-02T10:00:00+08:00"
# For the whole session too, not only inside each test: module-scoped fixtures build databases
# that the tests then use under a fixed clock, and a database made under the real clock refuses
# one (issue 15). Made under this one, they are "fixed-clock" databases like the demo's.
os.environ["STORECTL_NOW"] = NOW


PG_URL = os.environ.get("STORECTL_TEST_DATABASE_URL", "").strip()
ON_POSTGRES = bool(PG_URL)


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        skip = pytest.mark.skip(reason="SQLite-specific (files, pragmas, backup API)")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


def _pg_schema_url(name: str) -> str:
    """The test database URL with its own schema first on the search path."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(PG_URL, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{name}"


def _pg_drop(name: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(PG_URL, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    schema = None
    if ON_POSTGRES:
        import uuid

        schema = "t_" + uuid.uuid4().hex[:16]
        monkeypatch.setenv("STORECTL_DB", _pg_schema_url(schema))
    else:
        monkeypatch.setenv("STORECTL_DB", str(tmp_path / "store.db"))
    monkeypatch.setenv("STORECTL_NOW", NOW)
    monkeypatch.setenv("STORECTL_OPERATOR", "tester")
    for var in ("STORECTL_PIN", "STORECTL_NEW_PIN", "STORECTL_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    yield
    if schema is not None:
        _pg_drop(schema)


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self):
        return json.loads(self.stdout)


def run(*args: str, input: str | None = None, env: dict | None = None) -> Result:
    """Run storectl in-process, as a user would type it."""
    runner = CliRunner()
    result = runner.invoke(app, [str(a) for a in args], input=input, env=env, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        raise AssertionError("".join(traceback.format_exception(result.exception))) from None
    stderr = result.stderr if hasattr(result, "stderr") else ""
    return Result(result.exit_code, result.stdout, stderr)


def ok(*args: str, input: str | None = None, env: dict | None = None):
    """Run with --json, assert success and a clean stderr-free JSON stdout; return the document."""
    result = run(*args, "--json", input=input, env=env)
    assert result.code == 0, f"storectl {' '.join(args)} failed ({result.code}): {result.stdout}{result.stderr}"
    return json.loads(result.stdout)


def fails(code: str, *args: str, input: str | None = None, env: dict | None = None, exit_code: int = 1) -> dict:
    """Run with --json, assert it fails with the given error code; return the error object."""
    result = run(*args, "--json", input=input, env=env)
    assert result.code == exit_code, f"expected exit {exit_code}, got {result.code}: {result.stdout}{result.stderr}"
    assert "Traceback" not in result.stdout + result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["code"] == code, error
    return error


def storectl_exe() -> list[str]:
    """The installed command for end-to-end tests (falls back to the module)."""
    exe = shutil.which("storectl")
    return [exe] if exe else [sys.executable, "-m", "storectl"]


def run_process(*args: str, env: dict | None = None, input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        storectl_exe() + [str(a) for a in args], capture_output=True, text=True, env=full_env, input=input, timeout=timeout
    )


@pytest.fixture
def shop():
    """An initialised shop with two stores, staff, a supplier, a phone, a laptop and an accessory."""
    ok("init", "--shop-name", "测试数码", "--timezone", "Asia/Shanghai")
    ok("store", "add", "SZ01", "华强北旗舰店")
    ok("store", "add", "SZ02", "南山科技园店")
    ok("staff", "add", "E001", "张伟", "--store", "SZ01", "--role", "manager")
    ok("staff", "add", "E002", "李娜", "--store", "SZ01")
    ok("staff", "add", "E003", "王磊", "--store", "SZ02")
    ok("supplier", "add", "SUP01", "深圳市华讯通信器材有限公司")
    ok("product", "add", "IP17P", "iPhone 17 Pro 256GB", "--brand", "Apple", "--category", "手机",
       "--price", "8999", "--codes", "IMEI1,IMEI2,SN", "--warranty-months", "12")
    ok("product", "add", "MBA13", "MacBook Air 13 M4", "--brand", "Apple", "--category", "笔记本",
       "--price", "7999", "--warranty-months", "12")
    ok("product", "add", "00123", "数据线 USB-C 1m", "--category", "数据线", "--price", "39", "--no-serial")
    ok("customer", "add", "C001", "深圳市宝安区鑫达通讯店", "--group", "批发", "--credit-limit", "50000")
    ok("customer", "add", "C002", "陈晓燕", "--phone", "13800138000")
    return Path(os.environ["STORECTL_DB"])


def imei(body14: str) -> str:
    """A valid IMEI from its first 14 digits."""
    from storectl.codes import luhn_check_digit

    return body14 + luhn_check_digit(body14)


def recalculated(path: str, tmp_path: Path):
    """The workbook at `path` after LibreOffice has recalculated it (headless), with cached values."""
    from openpyxl import load_workbook

    out = tmp_path / "recalc"
    out.mkdir(exist_ok=True)
    subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), path],
        check=True, capture_output=True, timeout=180,
    )
    return load_workbook(out / Path(path).name, data_only=True)
