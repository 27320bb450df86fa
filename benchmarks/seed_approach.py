"""The design document's approach, as a baseline: every step in pandas, reading MariaDB.

    MCA_SEED_URL=mysql+pymysql://user:password@host:3306 \
        python benchmarks/seed_approach.py --schema mca_bench_raw --out /tmp/seed-out

`../shared/seed/data_pipeline.md` describes a pipeline that reads the raw tables into pandas and
does everything in Python: validate, fill, deduplicate, normalise, flag outliers, derive metrics,
aggregate by channel, search k for K-Means, and write a PDF, an HTML page and Power BI CSVs.
`benchmarks/run.py --seed-approach` runs this script in its own process on the same raw rows, in
the same benchmark session, and compares time and peak memory with `mca-report run`.

It follows the document's steps, with the changes any run on real data needs (each noted at
the step): validation counts and drops the rows that break a rule instead of asserting (the
document's asserts stop at the first bad row, and the sample data has some on purpose), the
silhouette of each k is computed on a seeded 10,000-customer sample (the document scores every
customer: O(n^2), hours at 1M customers, which would flatter mca), and the document's naive
choices (averaged ratios, CPA 0 without conversions, unknown channels mapped to null) are kept
as they are, because the point is the cost of the approach, not its answers.

Prints one JSON object: seconds per step, rows, and the process's peak resident memory (MB).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

STEPS: dict[str, float] = {}


@contextmanager
def step(name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    STEPS[name] = round(time.perf_counter() - started, 2)


def extract(url: str, schema: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    engine = create_engine(url, pool_size=10, max_overflow=20)
    # the document filters to the last 365 days before today; the benchmark's data may end on any
    # day, so the window is the 365 days up to the newest row (same rows read for any end date)
    campaigns = pd.read_sql(
        f"select campaign_name, channel, cost, impressions, clicks, conversions, revenue, date "
        f"from {schema}.campaigns "
        f"where date >= (select date_sub(max(date), interval 365 day) from {schema}.campaigns) "
        f"order by date desc", engine)
    customers = pd.read_sql(
        f"select customer_id, age, sessions, avg_session_duration, pages_per_session, transactions, revenue "
        f"from {schema}.customers", engine)
    engine.dispose()
    campaigns["date"] = pd.to_datetime(campaigns["date"])
    for col in ("cost", "revenue"):  # DECIMAL arrives as Decimal objects; the document computes in floats
        campaigns[col] = pd.to_numeric(campaigns[col], errors="coerce").astype("float64")
    customers["revenue"] = pd.to_numeric(customers["revenue"], errors="coerce").astype("float64")
    return campaigns, customers


def transform(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    quality: dict[str, int] = {"read": len(df)}
    # step 1, validation: the document asserts; here the rows breaking a rule are counted and dropped
    bad = (df["cost"] < 0) | (df["revenue"] < 0) | (df["clicks"] > df["impressions"])
    quality["invalid"] = int(bad.sum())
    df = df[~bad].copy()
    # step 2, missing data: the document raises on a missing critical field; counted and dropped here
    critical = df[["campaign_name", "cost", "revenue"]].isnull().any(axis=1)
    quality["missing_critical"] = int(critical.sum())
    df = df[~critical].copy()
    numeric = ["impressions", "clicks", "conversions"]
    df[numeric] = df[numeric].fillna(0)
    if df["channel"].isnull().any():
        df["channel"] = df["channel"].fillna(df["channel"].mode()[0])
    # step 3, duplicates on (campaign_name, date), keep the first
    before = len(df)
    df = df.drop_duplicates(subset=["campaign_name", "date"], keep="first")
    quality["duplicates"] = before - len(df)
    # step 4, normalisation (the document's mapping: anything else becomes null)
    mapping = {"email": "Email", "social": "Social Media", "search": "Paid Search", "display": "Display",
               "mobile": "Mobile Push"}
    df["channel"] = df["channel"].str.lower().map(mapping)
    df["campaign_name"] = df["campaign_name"].str.strip()
    df["date"] = pd.to_datetime(df["date"]).dt.date
    # step 5, IQR outliers on cost and revenue, flagged
    flags = np.zeros(len(df), dtype=bool)
    for column in ("cost", "revenue"):
        q1, q3 = df[column].quantile(0.25), df[column].quantile(0.75)
        iqr = q3 - q1
        flags |= ((df[column] < q1 - 1.5 * iqr) | (df[column] > q3 + 1.5 * iqr)).to_numpy()
    df["is_outlier"] = flags
    quality["outliers"] = int(flags.sum())
    # step 6, derived metrics (the document's zero defaults kept)
    df["ctr"] = np.where(df["impressions"] > 0, df["clicks"] / df["impressions"] * 100, 0)
    df["conversion_rate"] = np.where(df["clicks"] > 0, df["conversions"] / df["clicks"] * 100, 0)
    df["cpc"] = np.where(df["clicks"] > 0, df["cost"] / df["clicks"], 0)
    df["cpa"] = np.where(df["conversions"] > 0, df["cost"] / df["conversions"], 0)
    df["roas"] = np.where(df["cost"] > 0, df["revenue"] / df["cost"], 0)
    df["roi"] = np.where(df["cost"] > 0, (df["revenue"] - df["cost"]) / df["cost"] * 100, 0)
    df["profit"] = df["revenue"] - df["cost"]
    quality["clean"] = len(df)
    return df, quality


def analyse(df: pd.DataFrame, charts: Path) -> pd.DataFrame:
    daily = df.groupby("date")["revenue"].sum()
    plt.figure(figsize=(12, 6))
    plt.plot(daily.index, daily.values)
    plt.title("Revenue Trend Over Time")
    plt.savefig(charts / "revenue_trend.png")
    plt.close("all")
    fig, axes = plt.subplots(1, 2, figsize=(15, 6))
    axes[0].hist(df["roi"], bins=50, edgecolor="black")
    df.boxplot(column="roi", by="channel", ax=axes[1])
    plt.tight_layout()
    plt.savefig(charts / "roi_distribution.png")
    plt.close("all")
    summary = df.groupby("channel").agg({
        "cost": "sum", "revenue": "sum", "profit": "sum", "impressions": "sum", "clicks": "sum",
        "conversions": "sum", "roi": "mean", "roas": "mean", "ctr": "mean", "conversion_rate": "mean",
    }).round(2)
    summary["roi_rank"] = summary["roi"].rank(ascending=False)
    return summary.sort_values("roi", ascending=False)


def segment(customers: pd.DataFrame, charts: Path) -> pd.DataFrame:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    features = ["age", "sessions", "avg_session_duration", "pages_per_session", "transactions", "revenue"]
    x = customers[features].astype("float64")
    x = x.fillna(x.mean())
    scaled = StandardScaler().fit_transform(x)
    inertias, scores = [], []
    for k in range(2, 11):
        km = KMeans(n_clusters=k, random_state=42, n_init=10).fit(scaled)
        inertias.append(km.inertia_)
        # the document scores every customer; a seeded 10,000 sample keeps this O(n) (see above)
        scores.append(silhouette_score(scaled, km.labels_, sample_size=min(10_000, len(scaled)), random_state=42))
    plt.figure(figsize=(12, 5))
    plt.subplot(1, 2, 1)
    plt.plot(range(2, 11), inertias, "bx-")
    plt.subplot(1, 2, 2)
    plt.plot(range(2, 11), scores, "rx-")
    plt.savefig(charts / "elbow.png")
    plt.close("all")
    km = KMeans(n_clusters=3, init="k-means++", n_init=10, max_iter=300, random_state=42)
    customers = customers.copy()
    customers["cluster"] = km.fit_predict(scaled)
    customers.groupby("cluster").agg({"age": ["mean", "std"], "sessions": ["mean", "sum"],
                                      "revenue": ["mean", "sum", "count"]})
    return customers


def reports(df: pd.DataFrame, summary: pd.DataFrame, customers: pd.DataFrame, out: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    total_cost, total_revenue = df["cost"].sum(), df["revenue"].sum()
    styles = getSampleStyleSheet()
    rows = [["Metric", "Value"], ["Total Cost", f"{total_cost:,.2f}"], ["Total Revenue", f"{total_revenue:,.2f}"],
            ["Total Profit", f"{total_revenue - total_cost:,.2f}"], ["Average ROI", f"{df['roi'].mean():.2f}%"],
            ["Average ROAS", f"{df['roas'].mean():.2f}x"]]
    channel_rows = [["Channel", "Cost", "Revenue", "Profit", "ROI"]] + [
        [str(ch), f"{r['cost']:,.2f}", f"{r['revenue']:,.2f}", f"{r['profit']:,.2f}", f"{r['roi']:.2f}%"]
        for ch, r in summary.iterrows()]
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 1, colors.black)])
    doc = SimpleDocTemplate(str(out / "executive_summary.pdf"), pagesize=letter)
    doc.build([Paragraph("Marketing Campaign Analysis", styles["Heading1"]), Spacer(1, 0.5 * inch),
               Table(rows, style=grid), Spacer(1, 0.3 * inch), Table(channel_rows, style=grid)])
    body = "".join(f"<tr><td>{ch}</td><td>{r['cost']:,.2f}</td><td>{r['revenue']:,.2f}</td>"
                   f"<td>{r['roi']:.2f}%</td></tr>" for ch, r in summary.iterrows())
    (out / "executive_summary.html").write_text(
        f"<!DOCTYPE html><html><body><h1>Marketing Campaign Analysis</h1><p>{total_cost:,.2f}</p>"
        f"<table>{body}</table></body></html>", encoding="utf-8")
    dashboards = out / "dashboards"
    dashboards.mkdir(exist_ok=True)
    df.to_csv(dashboards / "campaign_data_powerbi.csv", index=False)
    summary.to_csv(dashboards / "channel_performance_powerbi.csv")
    customers.to_csv(dashboards / "customer_segments_powerbi.csv", index=False)
    df.to_csv(dashboards / "roi_analysis_powerbi.csv", index=False)  # the document exports the rows twice
    (dashboards / "powerbi_metadata.json").write_text(json.dumps({
        "campaigns_count": len(df), "customers_count": len(customers),
        "date_range": f"{df['date'].min()} to {df['date'].max()}"}, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("MCA_SEED_URL"),
                        help="SQLAlchemy URL of the server (default: $MCA_SEED_URL, which keeps the "
                             "password out of the process list)")
    parser.add_argument("--schema", required=True, help="the raw schema holding campaigns and customers")
    parser.add_argument("--out", type=Path, required=True, help="an empty folder for its outputs")
    args = parser.parse_args()
    if not args.url:
        parser.error("give the server's URL in MCA_SEED_URL or --url")
    args.out.mkdir(parents=True, exist_ok=True)
    charts = args.out / "visualizations"
    charts.mkdir(exist_ok=True)
    started = time.perf_counter()
    with step("extract"):
        campaigns, customers = extract(args.url, args.schema)
    with step("transform"):
        clean, quality = transform(campaigns)
        del campaigns
    with step("analyse"):
        summary = analyse(clean, charts)
    with step("segment"):
        segmented = segment(customers, charts)
    with step("reports"):
        reports(clean, summary, segmented, args.out)
    total = round(time.perf_counter() - started, 2)
    peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    json.dump({"seconds": total, "steps": STEPS, "peak_rss_mb": peak_mb, "rows": quality,
               "customers": len(customers)}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
