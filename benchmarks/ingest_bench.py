"""Benchmark `mca-report ingest`: N campaign rows from a CSV into MariaDB (or DuckDB).

Usage::

    python benchmarks/ingest_bench.py                         # 1,000,000 rows into MariaDB
    python benchmarks/ingest_bench.py --rows 200000 --target duckdb

Writes a seeded CSV (semicolon-separated, decimal comma, a few null markers, like a European
spreadsheet export), then times reading and validating it alone, and the whole ingest (read,
validate, stage with LOAD DATA LOCAL INFILE, INSERT ... SELECT in a transaction, load log) into
a throwaway raw schema (``mcabench_<pid>_raw``), which is dropped afterwards. Connection
settings come from the usual MCA_* environment variables.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reporting.ingest import ingest_files, parse_mapping, read_file  # noqa: E402
from reporting.settings import Target, resolve_settings  # noqa: E402
from reporting.warehouse import Warehouse  # noqa: E402

MAPPING = {
    "table": "campaigns",
    "format": {"delimiter": ";", "decimal": ",", "null_values": ["#N/A", "-"], "date_format": "%d/%m/%Y"},
    "columns": {
        "campaign_name": {"concat": ["campaign", "placement"], "separator": " | "},
        "channel": "channel",
        "cost": "cost",
        "impressions": "impressions",
        "clicks": "clicks",
        "conversions": "conversions",
        "revenue": "revenue",
        "date": "day",
    },
}


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D")
    impressions = rng.integers(100, 50_000, rows)
    clicks = (impressions * rng.uniform(0.001, 0.05, rows)).astype(int)
    frame = pd.DataFrame({
        "campaign": "campaign " + pd.Series(rng.integers(1, 2_000, rows)).astype(str),
        "placement": pd.Series(rng.choice(["top", "side", "feed", "#N/A"], rows)),
        "channel": rng.choice(["Email", "FB", "Google Ads", "Display", "-"], rows),
        "cost": pd.Series(np.round(rng.gamma(2.0, 40.0, rows), 2)).map(lambda v: f"{v:.2f}".replace(".", ",")),
        "impressions": impressions,
        "clicks": clicks,
        "conversions": (clicks * rng.uniform(0, 0.2, rows)).astype(int),
        "revenue": pd.Series(np.round(rng.gamma(2.0, 60.0, rows), 2)).map(lambda v: f"{v:.2f}".replace(".", ",")),
        "day": days.strftime("%d/%m/%Y"),
    })
    frame.to_csv(path, sep=";", index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--target", choices=[t.value for t in Target], default="mariadb")
    args = parser.parse_args()

    base = resolve_settings(target=args.target)
    with tempfile.TemporaryDirectory(prefix="mca-ingest-bench-") as tmp:
        tmpdir = Path(tmp)
        settings = replace(base, raw_schema=f"mcabench_{os.getpid()}_raw", duckdb_path=tmpdir / "bench.duckdb")
        csv_path = tmpdir / "campaigns.csv"
        started = time.perf_counter()
        write_csv(csv_path, args.rows)
        generated = time.perf_counter() - started
        mapping = parse_mapping(MAPPING, name="bench")

        started = time.perf_counter()
        result = read_file(csv_path, mapping)
        read_seconds = time.perf_counter() - started
        del result

        try:
            started = time.perf_counter()
            [outcome] = ingest_files(settings, "campaigns", [csv_path], mapping, rejects=tmpdir / "rejects.csv")
            total = time.perf_counter() - started
        finally:
            with Warehouse(settings) as wh:
                wh.drop_schema(settings.raw_schema)
        size_mb = csv_path.stat().st_size / 1e6
    print(f"target {settings.target.value}, {args.rows:,} rows ({size_mb:.0f} MB CSV, generated in {generated:.1f}s)")
    print(f"read + validate only: {read_seconds:.1f}s ({args.rows / read_seconds:,.0f} rows/s)")
    print(f"whole ingest: {total:.1f}s ({args.rows / total:,.0f} rows/s): read {outcome.rows_read:,}, "
          f"loaded {outcome.rows_loaded:,}, rejected {outcome.rows_rejected:,}")
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
