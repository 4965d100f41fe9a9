"""Run a command N times as a whole process; record wall time and peak memory; write the tables.

Each run is one fresh process (what a clerk or a cron job pays). Peak RSS comes from the
`rusage` of exactly that child (`os.wait4`), so no psutil is needed and runs do not blur.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence


@dataclass(frozen=True)
class Figure:
    """One benchmark: storectl's command against its floor, and the ratio it must stay under."""

    name: str
    command: Sequence[str]
    floor: Sequence[str]
    target_ratio: float
    note: str = ""


@dataclass
class Timing:
    runs: int
    median_s: float
    min_s: float
    max_s: float
    peak_rss_kib: int
    samples_s: list[float] = field(default_factory=list)


def run_once(argv: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run of argv; raises if it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    stderr = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, so tell Popen
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {stderr.decode(errors='replace')[-500:]}")
    rss = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss // 1024  # macOS reports bytes
    return elapsed, rss


def _summary(samples: list[tuple[float, int]]) -> Timing:
    times = [t for t, _ in samples]
    return Timing(
        runs=len(times),
        median_s=statistics.median(times),
        min_s=min(times),
        max_s=max(times),
        peak_rss_kib=max(r for _, r in samples),
        samples_s=[round(t, 4) for t in times],
    )


def measure(argv: Sequence[str], runs: int, env: dict[str, str] | None = None, warmup: int = 1) -> Timing:
    """Run argv `runs` times (after `warmup` unrecorded runs)."""
    for _ in range(warmup):
        run_once(argv, env)
    return _summary([run_once(argv, env) for _ in range(runs)])


def compare(figure: Figure, runs: int, env: dict[str, str] | None = None) -> dict:
    """Measure a figure and its floor, alternating runs so background load hits both alike."""
    run_once(figure.command, env)
    run_once(figure.floor, env)
    ours, floor = [], []
    for _ in range(runs):
        ours.append(run_once(figure.command, env))
        floor.append(run_once(figure.floor, env))
    a, b = _summary(ours), _summary(floor)
    ratio = a.median_s / b.median_s if b.median_s else float("inf")
    return {
        "figure": figure.name,
        "command": list(figure.command),
        "floor_command": list(figure.floor),
        "storectl": asdict(a),
        "floor": asdict(b),
        "ratio": round(ratio, 3),
        "target": figure.target_ratio,
        "met": ratio <= figure.target_ratio,
        "note": figure.note,
    }


def environment() -> dict:
    return {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_avg": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
    }


def markdown(results: list[dict], env: dict) -> str:
    lines = [
        "# storectl benchmarks",
        "",
        f"{env['when']} · Python {env['python']} · {env['cpus']} CPUs · load {env['load_avg']}",
        "",
        "| figure | storectl | floor | ratio | target | met |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for r in results:
        ours, floor = r["storectl"], r["floor"]
        lines.append(
            f"| {r['figure']} | {ours['median_s'] * 1000:.0f} ms ({ours['peak_rss_kib'] / 1024:.1f} MiB) "
            f"| {floor['median_s'] * 1000:.0f} ms ({floor['peak_rss_kib'] / 1024:.1f} MiB) "
            f"| {r['ratio']:.2f}× | ≤ {r['target']:g}× | {'yes' if r['met'] else '**no**'} |"
        )
    runs = {r["storectl"]["runs"] for r in results}
    lines += ["", f"Median wall time of {', '.join(map(str, sorted(runs)))} whole-process runs each (peak RSS in brackets)."]
    return "\n".join(lines) + "\n"


def write(results: list[dict], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    env = environment()
    json_path, md_path = out / "latest.json", out / "latest.md"
    json_path.write_text(json.dumps({"environment": env, "figures": results}, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(markdown(results, env))
    return json_path, md_path
