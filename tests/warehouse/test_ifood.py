"""Public data: the iFood CRM customers mapped onto the customer features, segmented end to end.

age from Year_Birth (at 2014, the year of the latest sign-up), transactions = sum of the
Num*Purchases, revenue = sum of the Mnt* columns, sessions = NumWebVisitsMonth; the other
features are null (the export has none), so segmentation leaves them out and says so.
Skips when the shared folder is absent.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pypdf import PdfReader
from typer.testing import CliRunner

from reporting import jobs
from reporting.cli import app
from tests import crafted
from tests.helpers import build, load_raw, read

REFERENCE_MNT_TOTAL = 1_356_988  # shared/data/README.md


def map_ifood(path) -> pd.DataFrame:
    src = pd.read_csv(path)
    mnt = [c for c in src.columns if c.startswith("Mnt")]
    purchases = [c for c in src.columns if c.startswith("Num") and c.endswith("Purchases")]
    assert len(mnt) == 6 and len(purchases) == 4
    return pd.DataFrame({
        "customer_id": src["ID"].astype("int64"),
        "age": (2014 - src["Year_Birth"]).astype("Int64"),
        "sessions": src["NumWebVisitsMonth"].astype("Int64"),
        "avg_session_duration": pd.Series([None] * len(src), dtype="float64"),
        "pages_per_session": pd.Series([None] * len(src), dtype="float64"),
        "transactions": src[purchases].sum(axis=1).astype("Int64"),
        "revenue": src[mnt].sum(axis=1).astype("float64"),
        "acquisition_channel": None,
        "signup_date": pd.to_datetime(src["Dt_Customer"]).dt.date,
    })


@pytest.mark.shared_data
def test_ifood_customers_segment_end_to_end(shared_data, duckdb_settings_factory, tmp_path):
    customers = map_ifood(shared_data / "ifood_customers" / "ml_project1_data.csv")
    assert len(customers) == 2_240
    assert customers["revenue"].sum() == REFERENCE_MNT_TOTAL
    s = duckdb_settings_factory("ifood")
    load_raw(s, crafted.campaigns_frame(), customers)
    assert build(s, crafted.AS_OF).success
    dim = read(s, "select count(*) as n, sum(revenue) as revenue, count(age) as ages from {t}", "dim_customer").iloc[0]
    assert int(dim.n) == 2_240 and float(dim.revenue) == REFERENCE_MNT_TOTAL
    assert int(dim.ages) == 2_240 - 1  # born 1893: 121 at 2014, impossible, set to NULL

    run = jobs.segment(s, out_dir=tmp_path, run_id="ifood")
    result = run.result
    assert run.skipped_features == ("avg_session_duration", "pages_per_session")
    assert result.features == ("age", "sessions", "transactions", "revenue")
    assert 2 <= result.chosen_k <= 10
    assert result.profiles["size"].sum() == 2_240
    names = result.profiles["segment_name"].tolist()
    assert len(set(names)) == len(names) and all(names)
    # segment 0 is the most valuable and its name says so
    top = result.profiles.iloc[0]
    assert top["revenue_mean"] == result.profiles["revenue_mean"].max()
    assert "high-value" in top["segment_name"]
    written = read(s, "select count(*) as n, count(distinct segment_id) as k from {t}", "customer_segments").iloc[0]
    assert (int(written.n), int(written.k)) == (2_240, result.chosen_k)

    # the report names the segments
    outcome = jobs.report_only(s, out=tmp_path / "report", formats=(jobs.ReportFormat.pdf,),
                                 as_of=crafted.AS_OF)
    text = "\n".join(p.extract_text() for p in PdfReader(tmp_path / "report" / "executive_summary.pdf").pages)
    assert outcome.manifest.status == "success"
    flat = " ".join(text.split())  # a long name wraps inside its table cell
    for name in names:
        assert name in flat, name
    assert "2,240" in text


def test_every_feature_null_is_a_clear_error(duckdb_settings_factory, tmp_path):
    customers = pd.DataFrame({
        "customer_id": [1, 2, 3], "age": pd.array([None] * 3, dtype="Int64"),
        "sessions": pd.array([None] * 3, dtype="Int64"), "avg_session_duration": [None] * 3,
        "pages_per_session": [None] * 3, "transactions": pd.array([None] * 3, dtype="Int64"),
        "revenue": [None] * 3, "acquisition_channel": None, "signup_date": None,
    })
    s = duckdb_settings_factory("allnull")
    load_raw(s, crafted.campaigns_frame(), customers)
    assert build(s, crafted.AS_OF).success
    result = CliRunner().invoke(app, ["segment", "--out", str(tmp_path)], env={"MCA_DUCKDB_PATH": str(s.duckdb_path)})
    assert result.exit_code == 6
    assert "every feature is entirely null" in result.output and "Traceback" not in result.output
