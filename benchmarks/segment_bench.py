"""Benchmark `mca-report segment`: peak memory and wall time of the process, per customer count.

    python benchmarks/segment_bench.py                               # 100K, 1M and 10M customers on DuckDB
    python benchmarks/segment_bench.py --customers 1000000 --repeat 3
    python benchmarks/segment_bench.py --code /tmp/mca-old --json benchmarks/results/segment-before.json

For each customer count: ``mca-report sample-data --rows 200000 --customers N`` and
``mca-report build`` into a throwaway DuckDB file (or the schemas ``mcabench_<pid>[_raw]`` on a
server, dropped afterwards), then ``--repeat`` fresh ``mca-report segment`` processes, each waited
for with ``os.wait4``, whose resource usage gives that process's own peak resident memory
(``ru_maxrss``); wall time is measured around it, start-up and the charts included. The campaign
rows do not matter to segmentation and stay at 200,000. ``--code DIR`` runs another checkout of
mca (say ``git archive <commit> | tar -x -C DIR``) for a before/after comparison: it goes first on
the processes' ``PYTHONPATH``.

Writes ``benchmarks/results/segment-command.json`` (or ``--json``) and the Markdown table beside
it, and prints the table.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MCA = str(Path(sys.executable).with_name("mca-report"))

sys.path.insert(0, str(ROOT))
from reporting.settings import Target, resolve_settings  # noqa: E402
from reporting.warehouse import Warehouse  # noqa: E402

END_DATE = "2026-06-30"
CAMPAIGN_ROWS = 200_000


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


def environment(target: str, work: Path, customers: int, code: Path | None) -> dict[str, str]:
    env = {**os.environ, "MCA_TARGET": target, "MCA_RAW_SCHEMA": f"mcabench_{os.getpid()}_raw",
           "MCA_SCHEMA": f"mcabench_{os.getpid()}", "MCA_DUCKDB_PATH": str(work / f"segment-{customers}.duckdb"),
           # dbt's own files go to the work folder, not into the project
           "DBT_TARGET_PATH": str(work / "dbt-target"), "DBT_LOG_PATH": str(work / "dbt-target" / "logs")}
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(code), env.get("PYTHONPATH", "")) if p)
        env["MCA_DBT_PROJECT_DIR"] = str(code / "dbt_project")
    return env


def run_one(target: str, customers: int, repeat: int, work: Path, code: Path | None) -> dict[str, object]:
    env = environment(target, work, customers, code)
    try:
        measure([MCA, "sample-data", "--rows", str(CAMPAIGN_ROWS), "--customers", str(customers),
                 "--end-date", END_DATE, "--force", "-q"], env)
        measure([MCA, "build", "--as-of", END_DATE, "-q"], env)
        runs = []
        for _ in range(repeat):
            load_before = os.getloadavg()[0]
            seconds, peak_mb, output = measure([MCA, "segment", "--out", str(work / "out"), "-q"], env)
            runs.append({"seconds": round(seconds, 1), "peak_rss_mb": round(peak_mb),
                         "load_average_before": round(load_before, 2),
                         "summary": next(line.strip() for line in output.splitlines() if "segments of" in line)})
    finally:
        if target == "duckdb":
            for path in work.glob(f"{Path(env['MCA_DUCKDB_PATH']).name}*"):
                path.unlink()
        else:
            settings = resolve_settings(env)
            with Warehouse(settings) as wh:
                for schema in (settings.schema, settings.raw_schema):
                    wh.drop_schema(schema)
    return {"target": target, "customers": customers, "campaign_rows": CAMPAIGN_ROWS, "runs": runs,
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs), "seconds": min(r["seconds"] for r in runs)}


def markdown(results: list[dict[str, object]]) -> str:
    lines = ["| target | customers | peak RSS (max of runs) | wall time (min of runs) | runs |",
             "|---|---:|---:|---:|---|"]
    for r in results:
        runs = ", ".join(f"{x['peak_rss_mb']} MB / {x['seconds']} s" for x in r["runs"])  # type: ignore[attr-defined]
        lines.append(f"| {r['target']} | {r['customers']:,} | {r['peak_rss_mb']} MB | {r['seconds']} s | {runs} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--targets", nargs="+", default=["duckdb"], choices=[t.value for t in Target])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--code", type=Path, help="another checkout of mca to measure (before/after)")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "segment-command.json")
    args = parser.parse_args()

    code = args.code.resolve() if args.code else None
    results = []
    with tempfile.TemporaryDirectory(prefix="mca-segment-bench-") as tmp:
        for target in args.targets:
            for customers in args.customers:
                result = run_one(target, customers, args.repeat, Path(tmp), code)
                print(f"{target} {customers:,}: {result['peak_rss_mb']} MB, {result['seconds']} s", flush=True)
                results.append(result)
    document = {
        "command": f"mca-report segment (after sample-data --rows {CAMPAIGN_ROWS} --customers N "
                   f"--end-date {END_DATE} and build)",
        "code": str(code) if code else "this checkout",
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "results": results,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2) + "\n")
    table = markdown(results)
    args.json.with_suffix(".md").write_text(f"`{document['command']}`, {document['code']}, "
                                            f"{document['machine']}, {document['measured_at']}\n\n{table}")
    print()
    print(table)
    print(f"wrote {args.json} and {args.json.with_suffix('.md')}")


if __name__ == "__main__":
    main()
