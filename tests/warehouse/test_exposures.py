"""The dbt exposures list exactly the marts each output's code reads.

Each output runs for real on a small DuckDB warehouse (sample data, dbt build, segmentation)
through a warehouse that records every mart it is asked for (``Warehouse.mart``, which
``read_mart`` and every hand-written select use). The exposures come from the manifest of a real
``dbt parse`` into this module's own target folder. The rule is "an exposure's models == the
models its output read", not a fixed list: a new ``read_mart("x")`` on an output's path fails
here until ``x`` is added to that output's exposure in dbt_project/models/exposures.yml.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from reporting import contract
from reporting.dbt_runner import run_dbt
from reporting.jobs import ReportFormat, build_warehouse, make_sample_data, run_segmentation, write_reports
from reporting.powerbi import export_powerbi
from reporting.segment_store import FEATURE_SETS, ensure_segments_table, load_latest_summary, read_customer_features
from reporting.settings import Settings
from reporting.warehouse import Warehouse, engine_class

AS_OF = dt.date(2026, 6, 30)
ROOT = Path(__file__).resolve().parents[2]
#: exposure -> what the test runs to make that output (see ``reads``)
OUTPUTS = ("executive_summary_pdf", "executive_summary_html", "powerbi_export", "customer_segmentation")
#: tables mca's Python writes itself (reporting/contract.py): read by the outputs, but not dbt models
MCA_TABLES = frozenset(v.name for v in vars(contract).values() if isinstance(v, contract.TableSpec))


def recording(settings: Settings) -> Warehouse:
    """The target's real engine, noting the name of every mart asked for in ``marts_read``."""

    class Recording(engine_class(settings.target)):  # type: ignore[misc, valid-type]
        marts_read: set[str]

        def mart(self, name: str) -> str:
            self.marts_read.add(name)
            return super().mart(name)

    wh = Recording(settings)
    wh.marts_read = set()
    return wh


@pytest.fixture(scope="module")
def settings(duckdb_settings_factory) -> Settings:
    s = duckdb_settings_factory("exposures")
    make_sample_data(s, rows=400, customers=150, seed=3, end_date=AS_OF)
    assert build_warehouse(s, as_of=AS_OF, quiet=True).success
    return s


@pytest.fixture(scope="module")
def reads(settings: Settings, tmp_path_factory) -> dict[str, set[str]]:
    """Per exposure, the marts its output read when made for real."""
    out = tmp_path_factory.mktemp("outputs")
    found: dict[str, set[str]] = {}
    # segmentation first (as `mca-report run` does), so the reports have segments to read
    with recording(settings) as wh:
        run = run_segmentation(wh, run_id="exposures", k=3, feature_set="behavioural")
        assert run.rows_written == 150
        for feature_set in FEATURE_SETS:  # every feature set's mart (the others need other raw tables)
            read_customer_features(wh, feature_set)
        found["customer_segmentation"] = set(wh.marts_read)
    for exposure, fmt in (("executive_summary_pdf", ReportFormat.pdf), ("executive_summary_html", ReportFormat.html)):
        # as `mca-report report` does: the latest segments' summary, then the report
        with recording(settings) as wh:
            segments = load_latest_summary(wh)
            assert segments is not None and not segments.by_channel.empty  # the segment reads ran
            write_reports(wh, out / fmt.value, formats=(fmt,), run_id="exposures", as_of=AS_OF,
                          currency="Rs.", segments=segments)
            found[exposure] = set(wh.marts_read)
    with Warehouse(settings) as plain:
        ensure_segments_table(plain)
    with recording(settings) as wh:
        export = export_powerbi(wh, out / "dashboards", run_id="exposures")
        assert export.files["dim_customer.csv"] == 150
        found["powerbi_export"] = set(wh.marts_read)
    return found


@pytest.fixture(scope="module")
def manifest(settings: Settings, tmp_path_factory) -> dict:
    """The manifest of a real `dbt parse`, written to this module's own target folder."""
    target = tmp_path_factory.mktemp("dbt-target")
    assert run_dbt(settings, "parse", args=["--target-path", str(target)], quiet=True).success
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def models_by_name(manifest: dict) -> dict[str, str]:
    return {n["name"]: uid for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}


def test_one_exposure_per_output(manifest):
    assert sorted(e["name"] for e in manifest["exposures"].values()) == sorted(OUTPUTS)


@pytest.mark.parametrize("exposure", OUTPUTS)
def test_exposure_lists_exactly_the_marts_its_output_reads(exposure, manifest, reads):
    models = models_by_name(manifest)
    read = reads[exposure]
    # anything read that is not a dbt model must be a table mca's Python writes (customer_segments)
    assert read - set(models) <= MCA_TABLES, f"{exposure} reads tables that are neither models nor mca's"
    expected = {models[name] for name in read if name in models}
    node = next(e for e in manifest["exposures"].values() if e["name"] == exposure)
    listed = set(node["depends_on"]["nodes"])
    assert listed == expected, (
        f"exposure {exposure}: missing from exposures.yml {sorted(expected - listed)}, "
        f"listed but not read {sorted(listed - expected)}"
    )


def test_the_outputs_read_what_the_reports_show(reads):
    """The reading itself, spelled out once: a change here is a change to what an output shows."""
    assert {"rpt_overall_performance", "rpt_campaign_performance", "rpt_segment_channel",
            "dq_data_quality"} <= reads["executive_summary_pdf"]
    assert reads["executive_summary_html"] == reads["executive_summary_pdf"]
    assert {"fct_campaign_daily", "dim_segment", "dim_customer", "customer_segments"} <= reads["powerbi_export"]
    assert reads["customer_segmentation"] == {"dim_customer", "dim_customer_rfm", "rpt_segment_channel"}


READ_CALL = re.compile(r"""(?:read_mart|\.mart)\(\s*["'](\w+)["']""")


def test_every_mart_named_in_a_read_is_in_an_exposure(manifest):
    """Also reads on paths the sample warehouse does not take: every model named in a
    ``read_mart("...")`` or ``wh.mart("...")`` anywhere in the Python is in some exposure."""
    models = models_by_name(manifest)
    exposed = {uid for e in manifest["exposures"].values() for uid in e["depends_on"]["nodes"]}
    named = {m for folder in ("reporting", "segmentation") for path in (ROOT / folder).rglob("*.py")
             for m in READ_CALL.findall(path.read_text(encoding="utf-8"))}
    assert "rpt_overall_performance" in named  # the pattern finds the reads
    assert sorted(m for m in named if m in models and models[m] not in exposed) == []
