"""`python -m bench [--quick] [--runs N] [--only TEXT[,TEXT…]] [--regen] [--out bench/results]`.

Builds (or reuses, from bench/data/) a shop of 1,000,000 units and 1,000,000 sale lines and one
of 100,000 for the month-end workbook, then measures every figure against its floor and writes
latest.json and latest.md. `--quick`: a 100,000-unit shop, a 10,000-line month, 20,000 units
received, 3 runs per figure (1 for the workbook).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.figures import Setup, figures
from bench.generate import NOW, describe
from bench.harness import compare, write

DATA = Path(__file__).parent / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 units and sale lines, 3 runs per figure")
    parser.add_argument("--runs", type=int, help="runs per figure (default 7; 3 with --quick)")
    parser.add_argument("--units", type=int, help="units and sale lines in the large shop (default 1,000,000)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"), help="folder for latest.json and latest.md")
    parser.add_argument("--only", help="only figures whose name contains this text (several: comma-separated)")
    parser.add_argument("--regen", action="store_true", help="rebuild the cached shops")
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 7)
    size = args.units or (100_000 if args.quick else 1_000_000)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    sizes = (size, 10_000 if args.quick else 100_000, 20_000 if args.quick else 100_000)
    made = subprocess.run([sys.executable, "-m", "bench.generate", *map(str, sizes), *(["--regen"] if args.regen else [])],
                          stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent, check=True)
    paths = json.loads(made.stdout)
    big, month = Path(paths["big"]), Path(paths["month"])
    log(f"large shop: {describe(big)}")

    with tempfile.TemporaryDirectory(prefix="storectl-bench-") as tmp:
        setup = Setup(big=big, month=month, empty=Path(paths["empty"]), codes=Path(paths["codes"]), work=Path(tmp),
                      units=size, lines=size, month_lines=sizes[1], stockin=sizes[2], runs=runs, quick=args.quick)
        # a fixed clock (the sales are in October 2026) and a throwaway default database
        env = dict(os.environ, STORECTL_DB=str(Path(tmp) / "none.db"), STORECTL_NOW=NOW, STORECTL_OPERATOR="bench", COLUMNS="100")
        env.pop("STORECTL_PIN", None)
        results = []
        for figure in figures(setup):
            if args.only and not any(part in figure.name for part in args.only.split(",")):
                continue
            log(f"{figure.name}: {min(runs, figure.runs or runs)} runs …")
            result = compare(figure, runs, env)
            results.append(result)
            floor = f", floor {result['floor']['median_s'] * 1000:.0f} ms, ratio {result['ratio']:.2f}" if result["floor"] else ""
            log(f"  storectl {result['storectl']['median_s'] * 1000:.0f} ms ({result['storectl']['peak_rss_kib'] / 1024:.0f} MiB){floor}"
                f" (target {result['target']}): {'met' if result['met'] else 'NOT met'}")
    shops = [f"Large shop `{big.name}`: {describe(big)}; month-end shop `{month.name}`: {describe(month)}."]
    json_path, md_path = write(results, Path(args.out), extra=shops,
                               meta={"quick": args.quick, "shop": describe(big), "month_shop": describe(month)})
    print(md_path.read_text())
    log(f"written: {json_path}, {md_path}")
    return 0 if all(r["met"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
