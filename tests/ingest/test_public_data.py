"""The three shipped mappings on the public data sets (../shared/data), then the whole job on them.

online_ads_q2_2020 -> campaigns, ifood_customers -> customers, cdnow -> orders: the documented
line counts and reference totals load exactly (nothing rejected: "#N/A" placements stay text in
the campaign name, and CDNOW's 255 repeated lines load as the purchases they are). Then
`mca-report run` builds, segments and reports from them, and dim_customer_rfm agrees with the
CDNOW file summed back in pandas. Skips when the shared folder is absent.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pandas as pd
import pytest
from typer.testing import CliRunner

from reporting.cli import app
from reporting.ingest import ingest_files, load_mapping, read_file
from reporting.settings import Target
from reporting.warehouse import Warehouse
from tests.ingest.helpers import MAPPINGS, ingest_app

pytestmark = pytest.mark.shared_data

AS_OF = dt.date(2020, 6, 30)
FILES = {
    "campaigns": ("online_ads_q2_2020/online_advertising_performance_data.csv", "online_ads_q2_2020.yml"),
    "customers": ("ifood_customers/ml_project1_data.csv", "ifood_customers.yml"),
    "orders": ("cdnow/CDNOW_master.txt", "cdnow_orders.yml"),
}
# shared/data/README.md
ADS = {"rows": 15_408, "cost": 175_192.9957, "revenue": 276_264.5621, "clicks": 2_492_837, "displays": 239_017_725}
IFOOD = {"rows": 2_240, "mnt": 1_356_988}
CDNOW = {"rows": 69_659, "customers": 23_570, "value": 2_500_315.63, "cds": 167_881}


def path_of(shared_data, table):
    return shared_data / FILES[table][0], MAPPINGS / FILES[table][1]


def read_args(shared_data, table):
    data, mapping = path_of(shared_data, table)
    return data, load_mapping(mapping)


def test_shipped_mappings_read_the_public_files_exactly(shared_data):
    ads = read_file(*read_args(shared_data, "campaigns"))
    assert (ads.rows_read, ads.rows_rejected, ads.duplicate_lines) == (ADS["rows"], 0, 5)
    f = ads.frame
    assert f["cost"].sum() == Decimal("175192.9957")  # exact decimals, not floats
    assert f["revenue"].sum() == Decimal("276264.5621")
    assert (int(f["clicks"].sum()), int(f["impressions"].sum())) == (ADS["clicks"], ADS["displays"])
    assert (f["date"].min(), f["date"].max()) == (pd.Timestamp("2020-04-01"), pd.Timestamp("2020-06-30"))
    assert f["campaign_name"].str.endswith(" | #N/A").sum() == 413  # kept as text
    assert set(f["channel"]) == {"Display"}

    ifood = read_file(*read_args(shared_data, "customers"))
    assert (ifood.rows_read, ifood.rows_rejected) == (IFOOD["rows"], 0)
    assert ifood.frame["revenue"].sum() == IFOOD["mnt"]
    assert ifood.frame["age"].max() == 2014 - 1893

    cdnow = read_file(*read_args(shared_data, "orders"))
    assert (cdnow.rows_read, cdnow.rows_rejected, cdnow.duplicate_lines) == (CDNOW["rows"], 0, 255)
    assert cdnow.frame["customer_id"].nunique() == CDNOW["customers"]
    assert cdnow.frame["amount"].sum() == Decimal("2500315.63")
    assert int(cdnow.frame["quantity"].sum()) == CDNOW["cds"]


def cdnow_in_pandas(path) -> pd.DataFrame:
    """RFM from the raw file, independently of mca: every line counts (repeated ones too)."""
    raw = pd.read_csv(path, sep=r"\s+", dtype={"customer_id": "int64", "date": str})
    raw["day"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    out = raw.groupby("customer_id").agg(frequency=("day", "nunique"), monetary=("dollar_value", "sum"),
                                         orders=("day", "size"), last=("day", "max"))
    out["recency_days"] = (pd.Timestamp(AS_OF) - out["last"]).dt.days
    return out


def test_public_data_ingested_then_the_whole_job_runs_on_duckdb(shared_data, duckdb_settings_factory, tmp_path):
    s = duckdb_settings_factory("public")
    runner = CliRunner()
    for table in ("campaigns", "customers", "orders"):
        data, mapping = path_of(shared_data, table)
        result = runner.invoke(ingest_app(), ["ingest", table, str(data), "--mapping", str(mapping), "-t", "duckdb",
                                              "--duckdb-path", str(s.duckdb_path), "--rejects", str(tmp_path)])
        assert result.exit_code == 0, result.output
        rows = {"campaigns": ADS, "customers": IFOOD, "orders": CDNOW}[table]["rows"]
        assert f"read {rows:,}, loaded {rows:,}, rejected 0" in result.output

    out = tmp_path / "out"
    result = runner.invoke(app, ["run", "--out", str(out), "--as-of", AS_OF.isoformat(), "-t", "duckdb",
                                 "--duckdb-path", str(s.duckdb_path)])
    assert result.exit_code == 0, result.output
    assert f"rows read {ADS['rows']:,}" in result.output
    for name in ("executive_summary.pdf", "executive_summary.html", "dashboards/powerbi_metadata.json"):
        assert (out / name).stat().st_size > 0, name
    manifest = json.loads(next((out / "runs").glob("*.json")).read_text())
    assert manifest["status"] == "success"
    assert manifest["data_quality"]["rows_read"] == ADS["rows"]

    with Warehouse(s) as wh:
        dim = wh.read_mart("dim_customer_rfm", ["customer_id", "recency_days", "frequency", "monetary", "orders"],
                           order_by=["customer_id"])
        customers = int(wh.scalar(f"select count(*) from {wh.mart('dim_customer')}"))
    assert customers == IFOOD["rows"]
    expected = cdnow_in_pandas(path_of(shared_data, "orders")[0])
    assert len(dim) == CDNOW["customers"] == len(expected)
    dim = dim.set_index("customer_id")
    assert float(dim["monetary"].astype(float).sum()) == pytest.approx(CDNOW["value"], abs=1e-6)
    assert (dim["frequency"].astype(int) == expected["frequency"]).all()
    assert (dim["orders"].astype(int) == expected["orders"]).all()
    assert ((dim["monetary"].astype(float) - expected["monetary"]).abs() < 1e-9).all()
    assert (dim["recency_days"].astype(int) == expected["recency_days"]).all()

    # RFM as segmentation's feature set
    seg = runner.invoke(app, ["segment", "--features", "rfm", "--out", str(tmp_path / "rfm"), "-t", "duckdb",
                              "--duckdb-path", str(s.duckdb_path)])
    assert seg.exit_code == 0, seg.output
    assert f"of {CDNOW['customers']:,} customers" in seg.output
    with Warehouse(s) as wh:
        written = wh.query(f"select count(*) as n, count(distinct segment_id) as k from {wh.mart('customer_segments')}").iloc[0]
        top = wh.query(f"select s.segment_id, avg(r.monetary) as monetary from {wh.mart('customer_segments')} s "
                       f"join {wh.mart('dim_customer_rfm')} r on s.customer_id = r.customer_id "
                       "group by s.segment_id order by s.segment_id")
    assert int(written.n) == CDNOW["customers"] and int(written.k) >= 2
    # segment 0 is the most valuable by monetary value
    assert float(top.monetary.iloc[0]) == float(top.monetary.astype(float).max())


@pytest.mark.mariadb
def test_public_data_ingests_on_mariadb(shared_data, server_settings_factory, tmp_path):
    s = server_settings_factory(Target.mariadb, "public")
    for table in ("campaigns", "customers", "orders"):
        data, mapping = path_of(shared_data, table)
        [outcome] = ingest_files(s, table, [data], mapping, rejects=tmp_path)
        assert outcome.rows_rejected == 0
    with Warehouse(s) as wh:
        ads = wh.query(f"select count(*) as n, sum(cost) as cost, sum(revenue) as revenue, sum(clicks) as clicks, "
                       f"sum(impressions) as displays, max(id) as max_id from {wh.raw('campaigns')}").iloc[0]
        ifood = wh.query(f"select count(*) as n, sum(revenue) as mnt from {wh.raw('customers')}").iloc[0]
        cdnow = wh.query(f"select count(*) as n, count(distinct customer_id) as customers, sum(amount) as value, "
                         f"sum(quantity) as cds from {wh.raw('orders')}").iloc[0]
    assert (int(ads.n), int(ads.max_id), int(ads.clicks), int(ads.displays)) == (
        ADS["rows"], ADS["rows"], ADS["clicks"], ADS["displays"])
    assert (float(ads.cost), float(ads.revenue)) == (ADS["cost"], ADS["revenue"])  # decimals, exact
    assert (int(ifood.n), float(ifood.mnt)) == (IFOOD["rows"], IFOOD["mnt"])
    assert (int(cdnow.n), int(cdnow.customers), float(cdnow.value), int(cdnow.cds)) == (
        CDNOW["rows"], CDNOW["customers"], CDNOW["value"], CDNOW["cds"])
