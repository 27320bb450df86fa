"""Benchmark the pipeline stage by stage at a given scale.

Each stage runs as its own `mca-report` process, timed, with its peak resident memory read by
GNU time (so the Python process and dbt, which runs in-process, are both covered):

    load      mca-report sample-data --rows N --customers M   (generation + LOAD DATA / DuckDB insert)
    build     mca-report build                                  (dbt build: models and tests)
    segment   mca-report segment
    pdf/html/powerbi  mca-report report --format X

"end to end" is build + segment + the three reports (data generation and loading excluded), the
figure the performance targets are stated in. Results go to benchmarks/results/run-<target>.json
and a Markdown table on stdout.

    python benchmarks/run.py --target mariadb --rows 100000 --customers 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MCA = str(Path(sys.executable).with_name("mca-report"))


def stage(name: str, args: list[str], env: dict[str, str]) -> dict[str, object]:
    with tempfile.NamedTemporaryFile("r", suffix=".time") as timing:
        started = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", timing.name, MCA, *args],
                              env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        text = timing.read().strip().splitlines()
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    peak_kb = int(text[-1]) if text and re.fullmatch(r"\d+", text[-1]) else 0
    return {"stage": name, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_kb / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="mariadb", choices=["duckdb", "mariadb", "mysql"])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=None, help="default: rows / 10")
    parser.add_argument("--as-of", default="2026-06-30")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    customers = args.customers if args.customers is not None else max(100, args.rows // 10)
    work = Path(tempfile.mkdtemp(prefix="mca-bench-"))
    env = {**os.environ, "MCA_TARGET": args.target, "MCA_DUCKDB_PATH": str(work / "bench.duckdb"),
           "MCA_RAW_SCHEMA": "mca_bench_raw", "MCA_SCHEMA": "mca_bench"}
    out = work / "out"
    as_of = ["--as-of", args.as_of]
    stages = [
        stage("load", ["sample-data", "--rows", str(args.rows), "--customers", str(customers),
                       "--end-date", args.as_of], env),
        stage("build", ["build", *as_of], env),
        stage("segment", ["segment", "--out", str(out)], env),
    ]
    for fmt in ("pdf", "html", "powerbi"):
        stages.append(stage(fmt, ["report", "--format", fmt, "--out", str(out / fmt), *as_of], env))
    end_to_end = [s for s in stages if s["stage"] != "load"]
    result = {
        "target": args.target,
        "rows": args.rows,
        "customers": customers,
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_at_end": os.getloadavg()[0],
        "stages": stages,
        "end_to_end_seconds": round(sum(float(s["seconds"]) for s in end_to_end), 2),
        "end_to_end_peak_rss_mb": max(int(s["peak_rss_mb"]) for s in end_to_end),
    }
    path = args.json or ROOT / "benchmarks" / "results" / f"run-{args.target}-{args.rows}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"| stage | seconds | peak RSS MB |\n|---|---:|---:|")
    for s in stages:
        print(f"| {s['stage']} | {s['seconds']} | {s['peak_rss_mb']} |")
    print(f"| **end to end (build..powerbi)** | **{result['end_to_end_seconds']}** | **{result['end_to_end_peak_rss_mb']}** |")
    print(f"\n{args.target}, {args.rows:,} campaign rows, {customers:,} customers; wrote {path}")


if __name__ == "__main__":
    main()
