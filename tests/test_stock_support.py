"""Shared by the stock, sn, transfer and count tests: a fast `shop` and small helpers (no tests here).

The `shop` below is conftest's own fixture, built once per test process and copied into each
test's database: building it runs a dozen commands including the migrations, which would make
these ~80 tests take minutes. On PostgreSQL it is simply built per test.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import conftest
import pytest
from conftest import imei, ok

_TEMPLATE: dict[str, Path] = {}

PHONE_1 = (imei("35693803564380"), imei("35693803564381"), "F2LXK1ZAJG5J")
PHONE_2 = (imei("35693803564390"), imei("35693803564391"), "F2LXK1ZAJG6K")
PHONE_3 = (imei("86012345678901"), imei("86012345678902"), "F2LXK1ZAJG7L")


@pytest.fixture
def shop(tmp_path_factory):
    if getattr(conftest, "ON_POSTGRES", False):
        return conftest.shop.__wrapped__()
    target = Path(os.environ["STORECTL_DB"])
    template = _TEMPLATE.get("db")
    if template is None:
        folder = tmp_path_factory.mktemp("shop-template")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("STORECTL_DB", str(folder / "store.db"))
            conftest.shop.__wrapped__()
        with sqlite3.connect(folder / "store.db") as con:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        template = _TEMPLATE["db"] = folder / "store.db"
    shutil.copyfile(template, target)
    os.chmod(target, 0o600)
    return target


def unit(*codes: str) -> str:
    return ",".join(codes)


def stock_in(*args: str, sku: str = "MBA13", cost: str = "5000", store: str = "SZ01", input: str | None = None):
    return ok("stock", "in", "--store", store, "--sku", sku, "--cost", cost, *args, input=input)


def write_session(operator: str = "tester"):
    from storectl.db import Database, resolve_url

    return Database(resolve_url(None), operator=operator).write("test")


def read_session():
    from storectl.db import Database, resolve_url

    return Database(resolve_url(None)).read("test")


def set_manager_pin(pin: str = "482100") -> None:
    """From now on manager-only actions need E001 and this PIN."""
    ok("--operator", "E001", "staff", "set-pin", "E001", env={"STORECTL_NEW_PIN": pin})


def fake_sale(code: str, *, customer: str = "C002", price_cents: int = 899900, store: str = "SZ01") -> None:
    """Sell one unit through the till's service, at a manual price, paid in cash."""
    from storectl.services.till import sales

    with write_session() as s:
        sales.sell(s, store=store, staff="E002" if store == "SZ01" else "E003", items=[code], customer=customer,
                   prices=[(code, price_cents)], payments=[("cash", price_cents)])
