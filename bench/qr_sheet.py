"""Time `storectl qr sheet --staff` for a shop of 200 staff, as a whole process (target: < 3 s).

Builds a throw-away shop in a temporary folder through the services, then runs the installed
command N times and prints each run and the median. A whole process on purpose: what a clerk
waits for includes Python start-up, imports and opening the database, not just the rendering.

    python bench/qr_sheet.py [--staff 200] [--runs 5] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "娜", "磊", "敏", "静", "强", "洋", "艳", "杰", "婷", "军", "芳", "晓燕", "志强", "秀英", "建华"]
STORES = [("SZ01", "华强北旗舰店"), ("SZ02", "南山科技园店"), ("SZ03", "福田会展中心店"), ("GZ01", "天河城店")]


def build_shop(folder: Path, staff: int) -> Path:
    from storectl.db import Database
    from storectl.services.shop import catalogue
    from storectl.services.shop import maintenance

    path = folder / "store.db"
    db = Database("sqlite:///" + str(path), operator="bench")
    maintenance.init(db, shop_name="华强北数码", timezone_name="Asia/Shanghai")
    with db.write("bench setup") as s:
        for code, name in STORES:
            catalogue.add_store(s, code=code, name=name)
        for i in range(staff):
            name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]
            store = STORES[i % len(STORES)][0]
            # The first is a manager; no PINs are set, so adding staff needs no manager login.
            catalogue.add_staff(s, code=f"E{i + 1:03d}", name=name, store=store, role="manager" if i == 0 else "clerk")
    return path


def storectl() -> list[str]:
    """The console script installed next to this Python; PATH may hold a wrapper (a pyenv shim
    adds ~0.3 s of its own) that is not what a shop's installation runs."""
    beside = Path(sys.executable).parent / "storectl"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    exe = shutil.which("storectl")
    return [exe] if exe else [sys.executable, "-m", "storectl"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the temporary shop and sheet")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="storectl-bench-qr-"))
    try:
        db_path = build_shop(folder, args.staff)
        out = folder / "x.html"
        env = {**os.environ, "STORECTL_DB": str(db_path), "STORECTL_OPERATOR": "bench"}
        env.pop("STORECTL_PIN", None)
        command = storectl() + ["qr", "sheet", "--staff", "--out", str(out), "--json"]
        times = []
        for run in range(1, args.runs + 1):
            start = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=folder)
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                print(done.stdout, done.stderr, file=sys.stderr)
                return 1
            times.append(elapsed)
            print(f"run {run}: {elapsed:.2f} s")
        page = out.read_text(encoding="utf-8")
        assert page.count("<svg") == args.staff, "one code per staff member"
        median = statistics.median(times)
        verdict = "ok" if median < 3 else "SLOW"
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"qr sheet --staff, {args.staff} staff: median {median:.2f} s over {args.runs} runs "
              f"({len(page) / 1024:.0f} KiB page; load average {load:.1f} on {os.cpu_count()} CPUs) "
              f"— target < 3 s: {verdict}")
        if args.keep:
            print(f"kept {folder}")
        return 0 if median < 3 else 2
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
