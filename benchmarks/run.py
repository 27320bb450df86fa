"""Benchmark the pipeline at a given scale, stage by stage, full and incremental.

    python benchmarks/run.py --target mariadb --rows 1000000 --customers 100000

Steps, each a separate `mca-report` process timed from outside, with its peak resident memory
read by GNU time (dbt runs in-process, so that covers dbt too):

    load         mca-report sample-data   (data generation + LOAD DATA / DuckDB insert; not in e2e)
    run          mca-report run           (what users run: build, quality gate, segment, reports)
    append       one more day of campaign rows appended to the raw table (not timed)
    incremental  mca-report build --as-of D+1   (the incremental build after the append)
    unchanged    mca-report build --as-of D+1   (again, nothing new: the cost of any build)
    full         mca-report build --as-of D+1 --full-refresh   (the same data, from scratch)

On MySQL/MariaDB, in the same session:

    floor        what the server itself needs for the core work, timed as two statements over the
                 raw rows: CREATE TABLE .. AS SELECT * (read and write every row once), and a CTAS
                 numbering duplicates with ROW_NUMBER() OVER (PARTITION BY lower(trim(name)), date
                 ORDER BY id) (read, sort and write them once more); `run` / floor is the ratio
    seed         benchmarks/seed_approach.py: the design document's pandas pipeline on the same
                 raw rows (its own process; time and peak memory from outside, like `run`)

`--server-profile docs/mariadb-analytics.cnf` sets that file's values with SET GLOBAL for the
benchmark (the server must allow it: SUPER or SYSTEM_VARIABLES_ADMIN) and puts the old ones back
at the end, so "as installed" and "with the profile" are measured on the same server.

On Spark (`--target spark`): a fresh local catalogue (local[2]) in the benchmark's temporary
folder; the floor is the same two statements writing Parquet tables; no incremental step (every
build on Spark is a full build). The peak memory is the Python process's: Spark's driver is a
JVM of its own (a child process, its heap capped by spark.driver.memory, 2 GB).

The benchmark works in schemas of its own (mca_bench_raw, mca_bench, mca_bench_floor): it refuses
to start when they exist, unless --force, and drops them at the end unless --keep.

The run's own manifest gives each stage's time (build, segment, report parts: read, charts,
pdf, html, powerbi, and of that the fact's files alone: powerbi_fact) and the process's peak
memory at the end of each stage; the slowest dbt nodes come from dbt's run_results.json. "End to end" is the run process's wall time: the figure
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
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MCA = str(Path(sys.executable).with_name("mca-report"))
RUN_RESULTS = ROOT / "dbt_project" / "target" / "run_results.json"

sys.path.insert(0, str(ROOT))
from reporting.settings import resolve_settings  # noqa: E402
from reporting.warehouse import Warehouse  # noqa: E402


def timed(name: str, argv: list[str], env: dict[str, str], keep_stdout: bool = False) -> dict[str, object]:
    with tempfile.NamedTemporaryFile("r", suffix=".time") as timing:
        started = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", timing.name, *argv],
                              env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        text = timing.read().strip().splitlines()
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode}): {proc.stderr.strip()[-800:]}")
    peak_kb = int(text[-1]) if text and re.fullmatch(r"\d+", text[-1]) else 0
    result: dict[str, object] = {"step": name, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_kb / 1024)}
    if keep_stdout:
        result["stdout"] = proc.stdout
    return result


def dbt_profile(limit: int = 10) -> dict[str, object]:
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
    if target == "spark":
        import pyspark

        settings = resolve_settings(env)
        return {"spark": pyspark.__version__, "spark_master": settings.spark_master}
    with Warehouse(resolve_settings(env)) as wh:
        return {"server_version": wh.scalar("select version()"),
                "innodb_buffer_pool_mb": round(int(wh.scalar("select @@innodb_buffer_pool_size")) / 2**20)}


SCHEMAS = ("mca_bench_raw", "mca_bench", "mca_bench_floor")


def existing_schemas(env: dict[str, str]) -> list[str]:
    with Warehouse(resolve_settings(env)) as wh:
        if wh.engine in ("duckdb", "spark"):  # a file or a catalogue of the benchmark's own
            return []
        found = wh.query("select schema_name from information_schema.schemata")
        names = {str(n).lower() for n in found.iloc[:, 0]}
        return [name for name in SCHEMAS if name in names]


def drop_schemas(env: dict[str, str]) -> None:
    with Warehouse(resolve_settings(env)) as wh:
        if wh.engine not in ("duckdb", "spark"):
            for name in SCHEMAS:
                wh.drop_schema(name)


def floor(env: dict[str, str]) -> dict[str, object]:
    """The two statements of the floor, timed on the server (see the module's docstring)."""
    with Warehouse(resolve_settings(env)) as wh:
        q, raw, target = wh.quote, wh.raw("campaigns"), "mca_bench_floor"
        wh.ensure_schema(target)
        seconds = {}
        using = " using parquet" if wh.engine == "spark" else ""  # Spark: Parquet, as the models
        for name, sql in (
            ("copy", f"create table {q(target)}.{q('copy')}{using} as select * from {raw}"),
            ("numbered", f"create table {q(target)}.{q('numbered')}{using} as select *, row_number() over ("
                         f"partition by lower(trim({q('campaign_name')})), {q('date')} order by {q('id')}) as rn "
                         f"from {raw}"),
        ):
            wh.execute(f"drop table if exists {q(target)}.{q(name)}")
            started = time.perf_counter()
            wh.execute(sql)
            seconds[name] = round(time.perf_counter() - started, 2)
            wh.execute(f"drop table {q(target)}.{q(name)}")
        wh.drop_schema(target)
    return {**seconds, "seconds": round(sum(seconds.values()), 2)}


def seed_approach(env: dict[str, str], work: Path) -> dict[str, object]:
    """benchmarks/seed_approach.py on the same raw rows, timed from outside like `run`."""
    settings = resolve_settings(env)
    url = settings.url("mysql+pymysql")
    step = timed("seed approach", [sys.executable, str(ROOT / "benchmarks" / "seed_approach.py"),
                                   "--schema", settings.raw_schema, "--out", str(work / "seed-out")],
                 {**env, "MCA_SEED_URL": url}, keep_stdout=True)
    inner = json.loads(str(step.pop("stdout")).strip().splitlines()[-1])
    return {**step, "steps": inner["steps"], "rows": inner["rows"]}


def read_profile(path: Path) -> dict[str, str]:
    """The [mysqld] settings of a my.cnf fragment."""
    import configparser

    parser = configparser.ConfigParser(inline_comment_prefixes=("#",), strict=False)
    parser.read(path)
    if not parser.has_section("mysqld"):
        raise SystemExit(f"{path}: no [mysqld] section")
    return dict(parser.items("mysqld"))


def as_number(value: str) -> str:
    match = re.fullmatch(r"(\d+)([KMG]?)", value.strip(), re.IGNORECASE)
    if not match:
        return value.strip()
    return str(int(match.group(1)) * {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}[match.group(2).upper()])


def apply_profile(env: dict[str, str], settings: dict[str, str]) -> dict[str, str]:
    """SET GLOBAL each setting; returns the values it replaced."""
    old: dict[str, str] = {}
    with Warehouse(resolve_settings(env)) as wh:
        for name, value in settings.items():
            old[name] = str(wh.scalar(f"select @@global.{name}"))
            wh.execute(f"set global {name} = {as_number(value)}")
        if "innodb_buffer_pool_size" in settings:  # the resize runs in the background
            for _ in range(600):
                status = str(wh.scalar("show status like 'Innodb_buffer_pool_resize_status'") or "")
                if int(wh.scalar("select @@global.innodb_buffer_pool_size")) == int(as_number(
                        settings["innodb_buffer_pool_size"])) and "Resizing" not in status:
                    break
                time.sleep(0.5)
    return old


def restore_profile(env: dict[str, str], old: dict[str, str]) -> None:
    with Warehouse(resolve_settings(env)) as wh:
        for name, value in old.items():
            wh.execute(f"set global {name} = {value}")


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
    parser.add_argument("--target", default="mariadb", choices=["duckdb", "mariadb", "mysql", "spark"])
    parser.add_argument("--rows", type=int, default=100_000, help="campaign rows (default 100,000)")
    parser.add_argument("--customers", type=int, default=None, help="default: rows / 10")
    parser.add_argument("--as-of", default="2026-06-30", help="last day of the data and the run's as_of")
    parser.add_argument("--no-incremental", action="store_true", help="skip the append + incremental + full builds")
    parser.add_argument("--no-seed-approach", action="store_true", help="skip the design document's pandas pipeline")
    parser.add_argument("--server-profile", type=Path, default=None,
                        help="a my.cnf fragment whose [mysqld] values are set with SET GLOBAL for the "
                             "benchmark and put back afterwards (docs/mariadb-analytics.cnf)")
    parser.add_argument("--force", action="store_true", help="reuse the benchmark's schemas if they exist")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's schemas and its temporary folder at the end")
    parser.add_argument("--profile", action="store_true", help="also profile the run with cProfile")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    customers = args.customers if args.customers is not None else max(100, args.rows // 10)
    as_of = dt.date.fromisoformat(args.as_of)
    work = Path(tempfile.mkdtemp(prefix="mca-bench-"))
    env = {**os.environ, "MCA_TARGET": args.target, "MCA_DUCKDB_PATH": str(work / "bench.duckdb"),
           "MCA_SPARK_DIR": str(work / "spark"), "MCA_SPARK_METHOD": "session",
           "MCA_RAW_SCHEMA": "mca_bench_raw", "MCA_SCHEMA": "mca_bench"}
    server = args.target in ("mariadb", "mysql")
    if args.target == "spark":
        # every build on Spark is a full build (no DELETE on Parquet tables): nothing to compare
        args.no_incremental = True
    if args.server_profile and not server:
        raise SystemExit("--server-profile is for MySQL/MariaDB")
    found = existing_schemas(env)
    if found and not args.force:
        raise SystemExit(f"the benchmark's schemas exist already ({', '.join(found)}): drop them, or pass "
                         "--force to let the benchmark replace them")
    profile = read_profile(args.server_profile) if args.server_profile else {}
    replaced = apply_profile(env, profile) if profile else {}
    profiled = ""
    try:
        result = measure(args, env, work, customers, as_of, server)
        if args.profile:  # before the schemas go
            profiled = profile_run(env, ["run", "--out", str(work / "out-profile"), "--as-of", as_of.isoformat(),
                                         "--force"], work)
    finally:
        if replaced:
            restore_profile(env, replaced)
        if server and not args.keep:
            drop_schemas(env)
        if not args.keep:
            # the DuckDB file or Spark catalogue, the outputs: several GB at 10M rows
            shutil.rmtree(work, ignore_errors=True)
    if profile:
        result["server_profile"] = {"file": str(args.server_profile), "settings": profile}
    suffix = "-profile" if profile else ""
    path = args.json or ROOT / "benchmarks" / "results" / f"run-{args.target}-{args.rows}{suffix}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    table = markdown(result)
    path.with_suffix(".md").write_text(table)
    print(table)
    print(f"wrote {path} and {path.with_suffix('.md')}")
    if profiled:
        print("\n" + profiled)


def measure(args: argparse.Namespace, env: dict[str, str], work: Path, customers: int, as_of: dt.date,
            server: bool) -> dict[str, object]:
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

    the_floor = floor(env)
    seed: dict[str, object] = {}
    if server and not args.no_seed_approach:
        seed = seed_approach(env, work)
        steps.append({k: seed[k] for k in ("step", "seconds", "peak_rss_mb")})

    incremental: dict[str, object] = {}
    if not args.no_incremental:
        next_day = as_of + dt.timedelta(days=1)
        appended = append_day(env, as_of)
        inc = timed("incremental build", [MCA, "build", "--as-of", next_day.isoformat()], env)
        inc_nodes = dbt_profile().get("slowest_nodes", [])
        # the same build again with nothing new: what any build costs before it has work to do
        unchanged = timed("unchanged build", [MCA, "build", "--as-of", next_day.isoformat()], env)
        unchanged_nodes = dbt_profile().get("slowest_nodes", [])
        full = timed("full build", [MCA, "build", "--as-of", next_day.isoformat(), "--full-refresh"], env)
        full_nodes = dbt_profile().get("slowest_nodes", [])
        steps += [inc, unchanged, full]
        incremental = {"appended_rows": appended, "incremental_seconds": inc["seconds"],
                       "unchanged_seconds": unchanged["seconds"], "full_seconds": full["seconds"],
                       "incremental_share": round(float(inc["seconds"]) / float(full["seconds"]), 3),
                       "unchanged_share": round(float(unchanged["seconds"]) / float(full["seconds"]), 3),
                       "incremental_slowest_nodes": inc_nodes, "unchanged_slowest_nodes": unchanged_nodes,
                       "full_slowest_nodes": full_nodes}

    ratios = {"run_over_floor": round(float(run["seconds"]) / float(the_floor["seconds"]), 2)}
    if seed:
        ratios["seed_over_run"] = round(float(seed["seconds"]) / float(run["seconds"]), 2)
        ratios["seed_peak_over_run_peak"] = round(float(seed["peak_rss_mb"]) / float(run["peak_rss_mb"]), 2)
    return {
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
        "floor": the_floor,
        "ratios": ratios,
        "seed_approach": seed,
        "run_stages": stages,
        "report_parts_seconds": report_parts,
        "dbt_build": build_profile,
        "incremental": incremental,
    }


def node_table(title: str, nodes: list[dict[str, Any]]) -> list[str]:
    """A Markdown table of dbt nodes and their seconds, with a blank line before it."""
    return ["", f"| {title} | seconds |", "|---|---:|", *(f"| {n['node']} | {n['seconds']} |" for n in nodes)]


def markdown(result: dict[str, Any]) -> str:
    lines = [f"{result['target']}, {result['rows']:,} campaign rows, {result['customers']:,} customers "
             f"({result['machine']}; load average {result['load_average_at_end']})"]
    if result.get("server_profile"):
        lines.append(f"server profile: {result['server_profile']['file']} "
                     + ", ".join(f"{k}={v}" for k, v in result["server_profile"]["settings"].items()))
    elif "innodb_buffer_pool_mb" in result:
        lines.append(f"server as installed (buffer pool {result['innodb_buffer_pool_mb']} MB)")
    lines += ["", "| step | seconds | peak RSS MB |", "|---|---:|---:|"]
    lines += [f"| {s['step']} | {s['seconds']} | {s['peak_rss_mb']} |" for s in result["steps"]]
    fl = result["floor"]
    lines += ["", f"floor: {fl['seconds']} s (copy {fl['copy']} s + numbered {fl['numbered']} s); "
              + ", ".join(f"{k} {v}" for k, v in result["ratios"].items())]
    lines += ["", "| stage of `run` | seconds | peak RSS MB so far |", "|---|---:|---:|"]
    lines += [f"| {s['stage']} | {s['seconds']} | {s['peak_rss_mb']} |" for s in result["run_stages"]]
    lines += ["", "report parts (s): " + ", ".join(f"{k} {v}" for k, v in result["report_parts_seconds"].items())]
    build = result["dbt_build"]
    totals = {k: v for k, v in build.items() if k != "slowest_nodes"}
    lines += ["", f"dbt build in `run`: {totals}"]
    lines += node_table("slowest nodes of the build in `run`", build.get("slowest_nodes", []))
    seed = result.get("seed_approach") or {}
    if seed:
        lines += ["", "seed approach steps (s): " + ", ".join(f"{k} {v}" for k, v in seed["steps"].items())
                  + f"; rows: {seed['rows']}"]
    inc = result.get("incremental") or {}
    if inc:
        lines += ["", f"incremental: {inc['appended_rows']:,} rows appended; build {inc['incremental_seconds']} s "
                  f"vs full refresh {inc['full_seconds']} s ({100 * float(inc['incremental_share']):.0f} %); "
                  f"the same build again with nothing new {inc['unchanged_seconds']} s "
                  f"({100 * float(inc['unchanged_share']):.0f} %)"]
        lines += node_table("slowest nodes of the incremental build", inc["incremental_slowest_nodes"])
        lines += node_table("slowest nodes of the unchanged build", inc["unchanged_slowest_nodes"])
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
