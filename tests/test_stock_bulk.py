"""Big batches: set-based stock in, and kill -9 at random moments never leaves half a batch."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import pytest
from conftest import ok, run, run_process, storectl_exe
from test_stock_support import read_session, shop, stock_in  # noqa: F401

pytestmark = pytest.mark.sqlite_only


def write_codes(path: str, prefix: str, count: int) -> None:
    with open(path, "w") as f:
        f.writelines(f"{prefix}{i:07d}\n" for i in range(count))


def batches() -> dict[str, int]:
    """Units per IN- document."""
    from sqlalchemy import func, select

    from storectl.models import StockDoc, Unit

    with read_session() as s:
        return dict(s.execute(select(StockDoc.doc_no, func.count(Unit.id)).outerjoin(Unit, Unit.stock_in_id == StockDoc.id).group_by(StockDoc.doc_no)).all())


def test_a_large_file_arrives_whole_with_one_movement_per_unit(shop):
    write_codes("big.txt", "BULK", 20_000)
    result = stock_in("--file", "big.txt", cost="10")
    assert result["received"] == 20_000 and len(result["units"]) == 20_000 and result["units"][-1] == "BULK0019999"
    assert ok("stock", "levels") == [{"store": "SZ01", "sku": "MBA13", "name": "MacBook Air 13 M4", "kind": "serial", "qty": 20_000, "value": "200000.00"}]
    assert ok("sn", "show", "bulk0012345")["history"][0]["doc"] == "IN-000001"
    write_codes("again.txt", "BULK", 3)
    error = run("stock", "in", "--store", "SZ01", "--sku", "MBA13", "--cost", "1", "--file", "again.txt", "--json").json["error"]
    assert error["code"] == "conflict" and error["message"].startswith("3 of 3 lines refused")
    assert run("db", "check").code == 0


def test_stock_in_killed_at_random_moments_leaves_each_batch_whole_or_absent(shop):
    rng = random.Random()
    killed = 0
    for attempt in range(5):
        write_codes(f"batch{attempt}.txt", f"K{attempt}X", 30_000)
        proc = subprocess.Popen(
            storectl_exe() + ["stock", "in", "--store", "SZ01", "--sku", "MBA13", "--cost", "1", "--file", f"batch{attempt}.txt", "--json"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ),
        )
        if attempt < 4:  # the last one runs to the end, so there is at least one whole batch
            time.sleep(rng.uniform(0.5, 3.0))  # before, during or after the write
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                killed += 1
        proc.wait(timeout=60)
    sizes = batches()
    assert sizes and all(n == 30_000 for n in sizes.values()), (sizes, killed)
    levels = ok("stock", "levels")
    assert levels[0]["qty"] == sum(sizes.values())
    check = run_process("db", "check")
    assert check.returncode == 0 and check.stdout == "", check.stdout + check.stderr
