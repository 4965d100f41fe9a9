"""`python -m bench [--quick] [--runs N] [--out bench/results] [--only NAME]`."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bench.figures import figures
from bench.harness import compare, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5 runs per command instead of 15")
    parser.add_argument("--runs", type=int, help="runs per command (overrides --quick)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"), help="folder for latest.json and latest.md")
    parser.add_argument("--only", help="only figures whose name contains this text")
    args = parser.parse_args(argv)
    runs = args.runs or (5 if args.quick else 15)

    with tempfile.TemporaryDirectory(prefix="storectl-bench-") as tmp:
        # A throwaway database and a fixed clock: a benchmark never touches a real shop.
        env = dict(os.environ, STORECTL_DB=str(Path(tmp) / "bench.db"), STORECTL_NOW="2026-11-02T10:00:00+08:00", COLUMNS="100")
        results = []
        for figure in figures():
            if args.only and args.only not in figure.name:
                continue
            print(f"{figure.name}: {runs} runs …", file=sys.stderr, flush=True)
            result = compare(figure, runs, env)
            results.append(result)
            print(
                f"  storectl {result['storectl']['median_s'] * 1000:.0f} ms, floor {result['floor']['median_s'] * 1000:.0f} ms,"
                f" ratio {result['ratio']:.2f} (target ≤ {figure.target_ratio:g}): {'met' if result['met'] else 'NOT met'}",
                file=sys.stderr,
            )
    json_path, md_path = write(results, Path(args.out))
    print(md_path.read_text())
    print(f"written: {json_path}, {md_path}", file=sys.stderr)
    return 0 if all(r["met"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
