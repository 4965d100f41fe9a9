"""The models package: tables are defined area by area, only when a command names them.

Each check runs in a fresh interpreter, because the test process itself has long since defined
every table.
"""

import json
import subprocess
import sys

import pytest

from conftest import ON_POSTGRES, imei, ok
from storectl.models import AREAS


def _python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_every_name_the_package_promises_is_defined_by_its_area():
    from storectl import models

    for area, names in AREAS.items():
        for name in names:
            value = getattr(models, name)
            assert value is getattr(sys.modules[f"storectl.models.{area}"], name)
    with pytest.raises(AttributeError):
        models.NoSuchTable  # noqa: B018


@pytest.mark.parametrize("area", [a for a in AREAS if a != "base"])
def test_an_area_alone_brings_every_table_its_foreign_keys_point_to(area):
    # A flush resolves each foreign key of the table it writes; a target that was never defined
    # fails with NoReferencedTableError (a check-in did, before the areas imported their targets).
    code = (
        "import importlib\n"
        "from sqlmodel import SQLModel\n"
        f"importlib.import_module('storectl.models.{area}')\n"
        "for table in list(SQLModel.metadata.tables.values()):\n"
        "    for fk in table.foreign_keys:\n"
        "        fk.column\n"
        "print(len(SQLModel.metadata.tables))\n"
    )
    assert int(_python(code)) >= 1


def test_load_all_defines_every_table():
    assert _python("from storectl.models import load_all\nprint(len(load_all().tables))") == "53"  # + issue 20: partner, member_partner, commission_rule, commission_line, commission_payout; + issue 21: customer_tag, campaign, campaign_member, lead, lead_note; + issue 19: service_ticket, service_step, service_cost; + issue 22: coupon, coupon_instance, sale_coupon, flash_take, coupon_rule; + issue 23: trade_in, sale_order, order_line, order_payment


def _tables_defined_by(*args: str) -> set[str]:
    """Run one command in a fresh interpreter; the tables it defined on the way."""
    code = (
        "import contextlib, io, json, sys\n"
        "from sqlmodel import SQLModel\n"
        "from storectl.cli import main\n"
        f"sys.argv = ['storectl', *{list(args)!r}]\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as stop:\n"
        "        assert not stop.code, out.getvalue()\n"
        "print(json.dumps(sorted(SQLModel.metadata.tables)))\n"
    )
    return set(json.loads(_python(code)))


LINES = {"sale", "sale_line", "sale_return", "return_line"}


@pytest.mark.skipif(ON_POSTGRES, reason="runs the CLI in a fresh interpreter on the SQLite file")
def test_sn_show_defines_only_the_tables_a_unit_s_story_needs(shop):
    first = imei("86000001600010")
    ok("stock", "in", "--sku", "IP17P", "--store", "SZ01", "--cost", "6299", "--supplier", "SUP01",
       f"{first},{imei('86000001600011')},F2LXK0001")
    tables = _tables_defined_by("sn", "show", first, "--json")
    assert {"unit", "unit_code", "movement", "product"} <= tables
    # nothing of sales, returns, transfers, prices or loyalty: a lookup pays for none of them
    assert not tables & (LINES | {"transfer", "price_rule", "points_entry", "checkin"})


@pytest.mark.skipif(ON_POSTGRES, reason="runs the CLI in a fresh interpreter on the SQLite file")
def test_report_staff_reads_the_daily_totals_without_defining_the_lines(shop):
    unit = imei("86000001600020")
    ok("stock", "in", "--sku", "IP17P", "--store", "SZ01", "--cost", "6299", f"{unit},{imei('86000001600021')},F2LXK0002")
    ok("sell", "--store", "SZ01", "--staff", "E002", unit, "--pay", "wechat=8999")
    tables = _tables_defined_by("report", "staff", "-p", "2026-11", "--json")
    assert "sales_day" in tables
    assert not tables & LINES
