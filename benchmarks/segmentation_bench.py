"""Benchmark segment_customers: wall time per phase and peak memory at N customers.

Usage::

    python benchmarks/segmentation_bench.py                      # 1,000,000 customers
    python benchmarks/segmentation_bench.py --customers 100000 1000000 --json out.json

Each N runs in a fresh Python process, so its peak resident set size (``ru_maxrss``) belongs to
that run alone: the interpreter and libraries, the generated customers frame, and
segmentation with its defaults (k = 2..10, n_init=10, 20K search sample, 5K silhouette
sample) followed by the three charts. The generator is seeded; its distributions are skewed
like real web-shop customers (log-normal durations and order values, Poisson sessions, most
customers without a purchase) with 0.5-2 % nulls in three features. Targets at 1M customers:
under 60 s and under 1 GB peak RSS. The load average is recorded because the machine may be
shared: another busy process slows every phase.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_JSON = REPO / "benchmarks" / "results" / "segmentation.json"
TIME_TARGET_S = 60.0
RSS_TARGET_MB = 1024.0
PHASES = ("prepare", "search", "final_fit", "profiles")


def make_customers(n: int, seed: int = 7) -> Any:
    """``n`` customers with the six default features, an acquisition channel and some nulls."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"customer_id": np.arange(1, n + 1, dtype=np.int64)})
    frame["age"] = np.clip(rng.normal(38.0, 12.0, n), 18.0, 85.0).round()
    sessions = 1 + rng.poisson(rng.lognormal(1.5, 0.8, n))
    frame["sessions"] = sessions.astype(np.float64)
    frame["avg_session_duration"] = rng.lognormal(np.log(180.0), 0.6, n).round(1)
    frame["pages_per_session"] = (1.0 + rng.lognormal(np.log(3.0), 0.5, n)).round(2)
    transactions = rng.binomial(sessions, rng.beta(1.2, 12.0, n))
    del sessions
    frame["transactions"] = transactions.astype(np.float64)
    frame["revenue"] = (transactions * rng.lognormal(np.log(60.0), 0.5, n)).round(2)
    del transactions
    channels = np.array(["Email", "Social Media", "Paid Search", "Display", "Mobile Push"])
    frame["acquisition_channel"] = pd.Categorical.from_codes(
        rng.integers(0, channels.size, n), categories=channels
    )
    null_shares = {"age": 0.02, "avg_session_duration": 0.01, "pages_per_session": 0.005}
    for column, share in null_shares.items():
        frame.loc[rng.random(n) < share, column] = np.nan
    return frame


def _rss_mb() -> float:
    """Current resident set size of this process (Linux /proc), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def run_one(n: int, seed: int) -> dict[str, Any]:
    """Generate, segment and chart ``n`` customers in this process; return the measurements."""
    sys.path.insert(0, str(REPO))
    from segmentation import save_charts, segment_customers

    rss_after_imports = _rss_mb()
    started = time.perf_counter()
    frame = make_customers(n, seed)
    generate_s = time.perf_counter() - started
    rss_before = _rss_mb()
    peak_before = _peak_rss_mb()
    load_before = os.getloadavg()[0]

    started = time.perf_counter()
    result = segment_customers(frame)
    segment_s = time.perf_counter() - started
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as out_dir:
        save_charts(result, Path(out_dir))
    charts_s = time.perf_counter() - started

    return {
        "customers": n,
        "seed": seed,
        "generate_s": round(generate_s, 3),
        "phases_s": {phase: round(result.timings[phase], 3) for phase in PHASES},
        "segment_s": round(segment_s, 3),
        "charts_s": round(charts_s, 3),
        "total_s": round(segment_s + charts_s, 3),
        "rss_after_imports_mb": round(rss_after_imports, 1),
        "rss_before_segment_mb": round(rss_before, 1),
        "peak_rss_before_segment_mb": round(peak_before, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "chosen_k": result.chosen_k,
        "reason": result.reason,
        "search_sample_size": result.search_sample_size,
        "silhouette_sample_size": result.silhouette_sample_size,
        "imputed_counts": result.imputed_counts,
        "segments": result.profiles[["segment_id", "segment_name", "size"]].to_dict("records"),
        "scores": result.scores.to_dict("records"),
    }


def run_in_fresh_process(n: int, seed: int) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, __file__, "--worker", "--customers", str(n), "--seed", str(seed)],
        check=True,
        capture_output=True,
        text=True,
    )
    measured: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return measured


def markdown_table(runs: list[dict[str, Any]]) -> str:
    header = (
        "| customers | generate s | prepare s | k search s | final fit s | profiles s "
        "| charts s | total s | peak RSS MB | load (start/end) | k |"
    )
    lines = [header, "|" + "---:|" * (header.count("|") - 1)]
    for run in runs:
        phases = run["phases_s"]
        lines.append(
            f"| {run['customers']:,} | {run['generate_s']:.1f} | {phases['prepare']:.1f} "
            f"| {phases['search']:.1f} | {phases['final_fit']:.1f} | {phases['profiles']:.1f} "
            f"| {run['charts_s']:.1f} | **{run['total_s']:.1f}** | **{run['peak_rss_mb']:.0f}** "
            f"| {run['load_average_1min'][0]:.1f}/{run['load_average_1min'][1]:.1f} "
            f"| {run['chosen_k']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(run_one(args.customers[0], args.seed)))
        return 0

    import sklearn

    runs = [run_in_fresh_process(n, args.seed) for n in args.customers]
    report = {
        "benchmark": "segmentation.segment_customers with defaults, then save_charts",
        "targets": {
            "time_s": TIME_TARGET_S,
            "peak_rss_mb": RSS_TARGET_MB,
            "at_customers": 1_000_000,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "scikit_learn": sklearn.__version__,
        },
        "runs": runs,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")

    print(markdown_table(runs))
    for run in runs:
        within = run["total_s"] < TIME_TARGET_S and run["peak_rss_mb"] < RSS_TARGET_MB
        print(
            f"\n{run['customers']:,} customers: {run['reason']}; "
            f"peak RSS {run['peak_rss_mb']:.0f} MB "
            f"(before segmenting {run['peak_rss_before_segment_mb']:.0f} MB, frame loaded "
            f"{run['rss_before_segment_mb']:.0f} MB)"
            + ("" if run["customers"] != 1_000_000 else f"; targets met: {within}")
        )
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
