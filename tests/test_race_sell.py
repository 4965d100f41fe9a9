"""Eight real processes race to sell the same unit: exactly one sale, seven clean conflicts."""

from __future__ import annotations

import json
import os
import subprocess

from conftest import imei, ok, storectl_exe
from test_sell import put_units


def test_eight_processes_selling_one_unit_make_exactly_one_sale(shop):
    code = imei("35693803564388")
    put_units("IP17P", "SZ01", f"{code},{imei('35693803564389')},SNRACE1")
    args = storectl_exe() + ["sell", "--store", "SZ01", "--staff", "E002", code, "--pay", "cash=8999", "--json"]
    procs = [
        subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
        for _ in range(8)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    wins = [json.loads(out) for rc, out, err in results if rc == 0]
    losses = [json.loads(out)["error"] for rc, out, err in results if rc != 0]
    assert len(wins) == 1, results
    assert len(losses) == 7
    for (rc, out, err) in results:
        assert "Traceback" not in out + err and "locked" not in out + err
        assert err == ""
    assert {e["code"] for e in losses} == {"conflict"}
    assert all(f"was sold on 2026-11-02 ({wins[0]['id']})" in e["message"] for e in losses)
    assert [s["id"] for s in ok("sale", "list")] == [wins[0]["id"]]
