"""Run a command N times as a whole process; record wall time and peak memory; write the tables.

Each run is one fresh process (what a clerk or a cron job pays). Peak RSS comes from the
`rusage` of exactly that child (`os.wait4`), so no psutil is needed and runs do not blur.
storectl and its floor are run alternately, so background load hits both alike.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional, Sequence, Union

Argv = Union[Sequence[str], Callable[[int], Sequence[str]]]


@dataclass(frozen=True)
class Figure:
    """One benchmark: storectl's command against its floor, and the targets it must meet.

    `command` and `floor` are an argv, or a function of the run number giving one (a `sell` needs
    two new units each run). `prepare` runs before each timed storectl run and is not timed (e.g.
    a fresh copy of an empty shop); `prepare_floor` likewise for the floor.
    """

    name: str
    command: Argv
    floor: Optional[Argv] = None
    target_ratio: Optional[float] = None  # storectl median / floor median ≤ this
    max_seconds: Optional[float] = None  # storectl median < this
    max_rss_mib: Optional[float] = None  # storectl peak RSS < this
    prepare: Optional[Callable[[int], None]] = None
    prepare_floor: Optional[Callable[[int], None]] = None
    env: dict = field(default_factory=dict)
    runs: Optional[int] = None  # at most this many runs (slow figures)
    note: str = ""

    def target_text(self) -> str:
        parts = []
        if self.max_seconds is not None:
            parts.append(f"< {self.max_seconds:g} s")
        if self.target_ratio is not None:
            parts.append(f"≤ {self.target_ratio:g}×")
        if self.max_rss_mib is not None:
            parts.append(f"RSS < {self.max_rss_mib:g} MB")
        return " and ".join(parts) or "—"


@dataclass
class Timing:
    runs: int
    median_s: float
    min_s: float
    max_s: float
    peak_rss_kib: int
    samples_s: list[float] = field(default_factory=list)


def _argv(spec: Argv, run: int) -> list[str]:
    return [str(a) for a in (spec(run) if callable(spec) else spec)]


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
    """Measure a figure and its floor: one unrecorded warm-up each, then `runs` alternating runs."""
    env = {**(env or os.environ), **figure.env}
    runs = min(runs, figure.runs) if figure.runs else runs
    ours, floor = [], []
    for run in range(runs + 1):  # run 0 warms the page cache and the .pyc files
        if figure.prepare:
            figure.prepare(run)
        sample = run_once(_argv(figure.command, run), env)
        if run:
            ours.append(sample)
        if figure.floor is not None:
            if figure.prepare_floor:
                figure.prepare_floor(run)
            sample = run_once(_argv(figure.floor, run), env)
            if run:
                floor.append(sample)
    a = _summary(ours)
    b = _summary(floor) if floor else None
    ratio = a.median_s / b.median_s if b and b.median_s else None
    checks = {}
    if figure.target_ratio is not None:
        checks["ratio"] = ratio is not None and ratio <= figure.target_ratio
    if figure.max_seconds is not None:
        checks["seconds"] = a.median_s < figure.max_seconds
    if figure.max_rss_mib is not None:
        checks["rss"] = a.peak_rss_kib / 1024 < figure.max_rss_mib
    return {
        "figure": figure.name,
        "command": _argv(figure.command, 1),
        "floor_command": _argv(figure.floor, 1) if figure.floor is not None else None,
        "storectl": asdict(a),
        "floor": asdict(b) if b else None,
        "ratio": round(ratio, 3) if ratio is not None else None,
        "target": figure.target_text(),
        "target_ratio": figure.target_ratio,
        "max_seconds": figure.max_seconds,
        "max_rss_mib": figure.max_rss_mib,
        "checks": checks,
        "met": all(checks.values()),
        "note": figure.note,
    }


def _mem_total_gib() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def environment() -> dict:
    return {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "ram_gib": _mem_total_gib(),
        "load_avg": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
    }


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def markdown(results: list[dict], env: dict, extra: Sequence[str] = ()) -> str:
    lines = [
        "# storectl benchmarks",
        "",
        f"{env['when']} · {env['cpus']} CPUs · {env['ram_gib']} GiB RAM · Python {env['python']} · SQLite {env['sqlite']}"
        f" · {env['platform']} · load at the end {env['load_avg']}",
        "",
        "| figure | storectl median (min–max, peak RSS) | floor median (min–max) | ratio | target | met |",
        "|---|---:|---:|---:|---|:---:|",
    ]
    for r in results:
        ours, floor = r["storectl"], r["floor"]
        ours_text = f"{_ms(ours['median_s'])} ({_ms(ours['min_s'])}–{_ms(ours['max_s'])}, {ours['peak_rss_kib'] / 1024:.0f} MiB)"
        floor_text = f"{_ms(floor['median_s'])} ({_ms(floor['min_s'])}–{_ms(floor['max_s'])})" if floor else "—"
        ratio = f"{r['ratio']:.2f}×" if r["ratio"] is not None else "—"
        lines.append(f"| {r['figure']} | {ours_text} | {floor_text} | {ratio} | {r['target']} | {'yes' if r['met'] else '**no**'} |")
    runs = sorted({r["storectl"]["runs"] for r in results})
    lines += ["", f"Median wall time of {', '.join(map(str, runs))} whole-process runs each, storectl and floor alternating,"
              " after one unrecorded warm-up run each."]
    notes = [f"- **{r['figure']}**: {r['note']}" for r in results if r["note"]]
    if notes or extra:
        lines += ["", *extra, *notes]
    return "\n".join(lines) + "\n"


def write(results: list[dict], out: Path, extra: Sequence[str] = (), meta: dict | None = None) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    env = environment()
    json_path, md_path = out / "latest.json", out / "latest.md"
    doc = {"environment": env, **(meta or {}), "figures": results}
    json_path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(markdown(results, env, extra))
    return json_path, md_path
