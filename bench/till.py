"""Per-scan answer time inside `storectl till` on the 1,000,000-unit shop, next to a whole `sn show`.

    python -m bench.till [--units 1000000] [--scans 1000] [--runs 7]

One real `storectl till --json` process reads scanned codes from a pipe, as a scanner types them;
each scan's time is from writing the line to reading its answer (lookup by any unit code →
product, price and rule (pricing.resolve), warranty end, stock check, the running total), the
process's imports long paid. Codes are in-stock units at SZ01 (their first code, IMEI1, or SN for
laptops), each scanned once; every 20 scans the basket is voided (untimed), as customers change.
Sold units (the ✗ path: which sale took them) are measured too. Then `storectl sn show CODE --json`
runs as a whole process for the same codes, which is what a clerk waited for per scan before.
Target (SPEC §10): p95 under 20 ms per scan. Writes bench/results/till.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.figures import storectl
from bench.generate import NOW, generate, in_stock_codes

DATA = Path(__file__).parent / "data"


def pct(samples: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) in ms."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1] * 1000


def scan_times(env: dict, codes: list[str], *, expect_ok: bool) -> list[float]:
    proc = subprocess.Popen(storectl("till", "--store", "SZ01", "--staff", "E001", "--json"), env=env, text=True, bufsize=1,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def ask(line: str) -> dict:
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    try:
        ask("?")  # the till is up and its imports are paid
        times = []
        for i, code in enumerate(codes, 1):
            start = time.perf_counter()
            answer = ask(code)
            times.append(time.perf_counter() - start)
            if answer["ok"] != expect_ok:
                raise SystemExit(f"scan {code}: unexpected answer {answer}")
            if i % 20 == 0:
                ask("void")
        ask("q")
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
    return times


def whole_process(env: dict, codes: list[str]) -> list[float]:
    times = []
    for code in codes:
        start = time.perf_counter()
        done = subprocess.run(storectl("sn", "show", code, "--json"), env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"sn show {code} failed: {done.stdout}{done.stderr}")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.till", description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1_000_000, help="units (and sale lines) in the shop")
    parser.add_argument("--scans", type=int, default=1000, help="in-stock scans to time")
    parser.add_argument("--runs", type=int, default=7, help="whole-process sn show runs")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)

    shop = generate(DATA, units=args.units, lines=args.units, log=lambda m: print(m, file=sys.stderr, flush=True)).path
    env = dict(os.environ, STORECTL_DB=str(shop), STORECTL_NOW=NOW, STORECTL_OPERATOR="bench", COLUMNS="100")
    env.pop("STORECTL_PIN", None)
    codes = in_stock_codes(shop, "SZ01", args.scans)
    sold = in_stock_codes(shop, "SZ01", max(50, args.scans // 5), status="sold")
    scans = scan_times(env, codes, expect_ok=True)
    refused = scan_times(env, sold, expect_ok=False)
    show = whole_process(env, codes[: args.runs])

    def row(name: str, samples: list[float]) -> dict:
        return {"what": name, "n": len(samples), "p50_ms": round(pct(samples, 50), 2), "p95_ms": round(pct(samples, 95), 2),
                "p99_ms": round(pct(samples, 99), 2), "max_ms": round(max(samples) * 1000, 2)}

    rows = [row("till: scan of an in-stock unit (✓)", scans), row("till: scan of a sold unit (✗ conflict)", refused),
            row("whole process: storectl sn show CODE --json", show)]
    met = rows[0]["p95_ms"] < 20 and rows[1]["p95_ms"] < 20
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    meta = {"shop": shop.name, "units": args.units, "cpus": os.cpu_count(), "load_avg_1m": round(load, 2), "target": "p95 < 20 ms", "met": met}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "till.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    print(f"| {args.units:,}-unit shop ({os.cpu_count()} CPUs, load {load:.1f}) | n | p50 | p95 | p99 |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['what']} | {r['n']} | {r['p50_ms']:.1f} ms | {r['p95_ms']:.1f} ms | {r['p99_ms']:.1f} ms |")
    print(f"target p95 < 20 ms per scan: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
