"""Benchmark the pipeline at a given scale, stage by stage, full and incremental.

    python benchmarks/run.py --target mariadb --rows 1000000 --customers 100000

Steps, each a separate `mca-report` process timed from outside, with its peak resident memory
read by GNU time (dbt runs in-process, so that covers dbt too):

    load         mca-report sample-data   (data generation + LOAD DATA / DuckDB insert; not in e2e)
    run          mca-report run           (what users run: build, quality gate, segment, reports)
    append       one more day of campaign rows appended to the raw table (not timed)
    incremental  mca-report build --as-of D+1   (the incremental build after the append)
    full         mca-report build --as-of D+1 --full-refresh   (the same data, from scratch)

The run's own manifest gives each stage's time (build, segment, report parts: read, charts,
pdf, html, powerbi) and the process's peak memory at the end of each stage; the slowest dbt
nodes come from dbt's run_results.json. "End to end" is the run process's wall time: the figure
the performance targets are stated in (start-up and imports included, data loading excluded).

Results: benchmarks/results/run-<target>-<rows>.json and a Markdown table on stdout.
`--profile` also runs the whole `run` under cProfile and prints the 25 costliest functions.
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
RUN_RESULTS = ROOT / "dbt_project" / "target" / "run_results.json"

sys.path.insert(0, str(ROOT))
from reporting.settings import resolve_settings  # noqa: E402
from reporting.warehouse import Warehouse  # noqa: E402


def timed(name: str, argv: list[str], env: dict[str, str]) -> dict[str, object]:
    with tempfile.NamedTemporaryFile("r", suffix=".time") as timing:
        started = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", timing.name, *argv],
                              env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        text = timing.read().strip().splitlines()
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode}): {proc.stderr.strip()[-800:]}")
    peak_kb = int(text[-1]) if text and re.fullmatch(r"\d+", text[-1]) else 0
    return {"step": name, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_kb / 1024)}


def dbt_profile(limit: int = 8) -> dict[str, object]:
    """Model and test seconds of the last dbt build, and its slowest nodes (run_results.json)."""
    if not RUN_RESULTS.exists():
        return {}
    results = json.loads(RUN_RESULTS.read_text())["results"]
    models = sum(r["execution_time"] for r in results if r["unique_id"].startswith(("model.", "seed.")))
    tests = sum(r["execution_time"] for r in results if r["unique_id"].startswith("test."))
    ranked = sorted(results, key=lambda r: r.get("execution_time") or 0, reverse=True)[:limit]
    return {"models_seconds": round(models, 2), "tests_seconds": round(tests, 2), "nodes": len(results),
            "slowest_nodes": [{"node": r["unique_id"].split(".", 2)[-1], "seconds": round(r["execution_time"], 2)}
                              for r in ranked]}


def append_day(env: dict[str, str], day: dt.date) -> int:
    """Append a copy of `day`'s raw campaign rows, dated the next day, with new ids."""
    with Warehouse(resolve_settings(env)) as wh:
        t, q = wh.raw("campaigns"), wh.quote
        top = int(wh.scalar(f"select max({q('id')}) from {t}"))
        names = ", ".join(q(c) for c in ("campaign_name", "channel", "cost", "impressions", "clicks",
                                          "conversions", "revenue"))
        wh.execute(f"insert into {t} ({q('id')}, {names}, {q('date')}) "
                   f"select {q('id')} + {top}, {names}, cast({q('date')} + interval 1 day as date) "
                   f"from {t} where {q('date')} = cast('{day.isoformat()}' as date)")
        return int(wh.scalar(f"select count(*) from {t} where {q('id')} > {top}"))


def server_facts(env: dict[str, str], target: str) -> dict[str, object]:
    if target == "duckdb":
        import duckdb

        return {"duckdb": duckdb.__version__}
    with Warehouse(resolve_settings(env)) as wh:
        return {"server_version": wh.scalar("select version()"),
                "innodb_buffer_pool_mb": round(int(wh.scalar("select @@innodb_buffer_pool_size")) / 2**20)}


def profile_run(env: dict[str, str], args: list[str], out: Path) -> str:
    stats = out / "run.prof"
    subprocess.run([sys.executable, "-m", "cProfile", "-o", str(stats), MCA, *args], env=env,
                   capture_output=True, text=True, check=True)
    import io
    import pstats

    buf = io.StringIO()
    pstats.Stats(str(stats), stream=buf).sort_stats("cumulative").print_stats(25)
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="mariadb", choices=["duckdb", "mariadb", "mysql"])
    parser.add_argument("--rows", type=int, default=100_000, help="campaign rows (default 100,000)")
    parser.add_argument("--customers", type=int, default=None, help="default: rows / 10")
    parser.add_argument("--as-of", default="2026-06-30", help="last day of the data and the run's as_of")
    parser.add_argument("--no-incremental", action="store_true", help="skip the append + incremental + full builds")
    parser.add_argument("--profile", action="store_true", help="also profile the run with cProfile")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    customers = args.customers if args.customers is not None else max(100, args.rows // 10)
    as_of = dt.date.fromisoformat(args.as_of)
    work = Path(tempfile.mkdtemp(prefix="mca-bench-"))
    env = {**os.environ, "MCA_TARGET": args.target, "MCA_DUCKDB_PATH": str(work / "bench.duckdb"),
           "MCA_RAW_SCHEMA": "mca_bench_raw", "MCA_SCHEMA": "mca_bench"}
    out = work / "out"

    steps = [timed("load", [MCA, "sample-data", "--rows", str(args.rows), "--customers", str(customers),
                            "--end-date", as_of.isoformat(), "--force"], env)]
    run = timed("run", [MCA, "run", "--out", str(out), "--as-of", as_of.isoformat(), "--force"], env)
    steps.append(run)
    manifest_path = max((out / "runs").glob("*.json"), key=lambda p: p.stat().st_mtime)
    manifest = json.loads(manifest_path.read_text())
    stages = [{"stage": s["name"], "seconds": s["seconds"], "peak_rss_mb": s.get("peak_rss_mb")}
              for s in manifest["stages"]]
    report_parts = next((s["detail"].get("seconds", {}) for s in manifest["stages"] if s["name"] == "reports"), {})
    build_profile = dbt_profile()

    incremental: dict[str, object] = {}
    if not args.no_incremental:
        next_day = as_of + dt.timedelta(days=1)
        appended = append_day(env, as_of)
        inc = timed("incremental build", [MCA, "build", "--as-of", next_day.isoformat()], env)
        inc_nodes = dbt_profile().get("slowest_nodes", [])
        full = timed("full build", [MCA, "build", "--as-of", next_day.isoformat(), "--full-refresh"], env)
        steps += [inc, full]
        incremental = {"appended_rows": appended, "incremental_seconds": inc["seconds"],
                       "full_seconds": full["seconds"],
                       "incremental_share": round(float(inc["seconds"]) / float(full["seconds"]), 3),
                       "incremental_slowest_nodes": inc_nodes}

    result = {
        "target": args.target,
        "rows": args.rows,
        "customers": customers,
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        **server_facts(env, args.target),
        "load_average_at_end": round(os.getloadavg()[0], 2),
        "steps": steps,
        "end_to_end_seconds": run["seconds"],
        "end_to_end_peak_rss_mb": run["peak_rss_mb"],
        "run_stages": stages,
        "report_parts_seconds": report_parts,
        "dbt_build": build_profile,
        "incremental": incremental,
    }
    path = args.json or ROOT / "benchmarks" / "results" / f"run-{args.target}-{args.rows}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")

    lines = [f"{args.target}, {args.rows:,} campaign rows, {customers:,} customers "
             f"({result['machine']}; load average {result['load_average_at_end']})", "",
             "| step | seconds | peak RSS MB |", "|---|---:|---:|"]
    lines += [f"| {s['step']} | {s['seconds']} | {s['peak_rss_mb']} |" for s in steps]
    lines += ["", "| stage of `run` | seconds | peak RSS MB so far |", "|---|---:|---:|"]
    lines += [f"| {s['stage']} | {s['seconds']} | {s['peak_rss_mb']} |" for s in stages]
    lines += ["", "report parts (s): " + ", ".join(f"{k} {v}" for k, v in report_parts.items())]
    totals = {k: v for k, v in build_profile.items() if k != "slowest_nodes"}
    lines.append(f"dbt build: {totals}; slowest: "
                 + ", ".join(f"{n['node']} {n['seconds']}" for n in build_profile.get("slowest_nodes", [])[:5]))
    if incremental:
        lines.append(f"incremental: {incremental['appended_rows']:,} rows appended; build "
                     f"{incremental['incremental_seconds']} s vs full refresh {incremental['full_seconds']} s "
                     f"({100 * float(incremental['incremental_share']):.0f} %)")
    table = "\n".join(lines) + "\n"
    path.with_suffix(".md").write_text(table)
    print(table)
    print(f"wrote {path} and {path.with_suffix('.md')}")
    if args.profile:
        print("\n" + profile_run(env, ["run", "--out", str(work / "out-profile"), "--as-of", as_of.isoformat(),
                                       "--force"], work))


if __name__ == "__main__":
    main()
