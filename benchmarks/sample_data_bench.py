"""Benchmark `mca-report sample-data`: wall time and peak memory of the process, per size and target.

    python benchmarks/sample_data_bench.py                                  # 1M and 10M rows, DuckDB and MariaDB
    python benchmarks/sample_data_bench.py --rows 100000 --targets duckdb

Each measurement is one fresh `mca-report sample-data --rows N` process (customers default to
rows / 10), waited for with ``os.wait4``, whose resource usage gives the process's own peak
resident memory (``ru_maxrss``); wall time is measured around it, start-up included. It loads
into a throwaway place: a DuckDB file in a temporary folder, or the raw schema
``mcabench_<pid>_raw`` on the server, which is dropped afterwards. Connection settings come from
the usual MCA_* environment variables.

Writes ``benchmarks/results/sample-data.json`` and the Markdown table beside it
(``sample-data.md``), and prints the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MCA = str(Path(sys.executable).with_name("mca-report"))

sys.path.insert(0, str(ROOT))
from reporting.sample_data import DEFAULT_CHUNK_ROWS  # noqa: E402
from reporting.settings import Target, resolve_settings  # noqa: E402
from reporting.warehouse import Warehouse  # noqa: E402

END_DATE = "2026-06-30"


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``argv``; its wall seconds, its peak RSS in MB, and its output."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{text[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, text  # ru_maxrss is in KiB on Linux


def server_facts(target: str, env: dict[str, str]) -> dict[str, object]:
    import duckdb

    facts: dict[str, object] = {"duckdb": duckdb.__version__}
    if target != "duckdb":
        with Warehouse(resolve_settings(env)) as wh:
            facts["server_version"] = wh.scalar("select version()")
            facts["innodb_buffer_pool_mb"] = round(int(wh.scalar("select @@innodb_buffer_pool_size")) / 2**20)
    return facts


def run_one(target: str, rows: int, work: Path) -> dict[str, object]:
    schema = f"mcabench_{os.getpid()}_raw"
    db = work / f"bench-{rows}.duckdb"
    env = {**os.environ, "MCA_TARGET": target, "MCA_RAW_SCHEMA": schema,
           "MCA_SCHEMA": f"mcabench_{os.getpid()}", "MCA_DUCKDB_PATH": str(db)}
    load_before = os.getloadavg()[0]
    try:
        seconds, peak_mb, output = measure([MCA, "sample-data", "--rows", str(rows), "--end-date", END_DATE], env)
    finally:
        if target == "duckdb":
            for path in work.glob(f"{db.name}*"):
                path.unlink()
        else:
            settings = replace(resolve_settings(env), raw_schema=schema)
            with Warehouse(settings) as wh:
                wh.drop_schema(schema)
    loaded = [line for line in output.splitlines() if line.startswith("loaded ")]
    return {
        "target": target,
        "rows": rows,
        "customers": max(100, rows // 10),
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_mb),
        "loaded": loaded,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        **server_facts(target, env),
    }


def markdown(results: list[dict[str, object]]) -> str:
    lines = ["| target | campaign rows | customers | wall time | peak RSS | load avg (before, after) |",
             "|---|---:|---:|---:|---:|---|"]
    for r in results:
        lines.append(f"| {r['target']} | {r['rows']:,} | {r['customers']:,} | {r['seconds']} s "
                     f"| {r['peak_rss_mb']} MB | {r['load_average_before']}, {r['load_average_after']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--targets", nargs="+", default=["duckdb", "mariadb"],
                        choices=[t.value for t in Target])
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "sample-data.json")
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory(prefix="mca-sample-bench-") as tmp:
        for target in args.targets:
            for rows in args.rows:
                result = run_one(target, rows, Path(tmp))
                print(f"{target} {rows:,}: {result['seconds']} s, {result['peak_rss_mb']} MB", flush=True)
                results.append(result)
    document = {
        "command": "mca-report sample-data --rows N --end-date " + END_DATE + " (customers: the default, rows / 10)",
        "chunk_rows": DEFAULT_CHUNK_ROWS,
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "results": results,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2) + "\n")
    table = markdown(results)
    args.json.with_suffix(".md").write_text(f"`{document['command']}`, {document['machine']}, "
                                            f"{document['measured_at']}\n\n{table}")
    print()
    print(table)
    print(f"wrote {args.json} and {args.json.with_suffix('.md')}")


if __name__ == "__main__":
    main()
