"""dim_customer_rfm from ingested orders, on DuckDB, MariaDB and the mysql adapter type; and the
orders models building empty when the raw orders table does not exist.

Definitions under test: recency = days from the last kept order to the reference date (the run's
as_of, else the latest order in the data); frequency = distinct order days; monetary = total
amount; orders = kept lines. A negative amount is quarantined; lines after as_of are left out.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pytest

from reporting.dbt_runner import run_dbt
from reporting.ingest import ingest_files, load_mapping
from reporting.settings import Target
from reporting.warehouse import Warehouse
from tests.ingest.helpers import FIXTURES, MAPPINGS

RFM_COLUMNS = ["customer_id", "recency_days", "frequency", "monetary", "first_order_date", "last_order_date",
               "orders"]
D = dt.date
# orders_ws.txt, reference date = its latest order, 1997-04-02
EXPECTED = [
    [1, 91, 1, Decimal("11.77"), D(1997, 1, 1), D(1997, 1, 1), 1],
    [2, 80, 1, Decimal("89.00"), D(1997, 1, 12), D(1997, 1, 12), 2],  # two lines, one day
    [3, 0, 3, Decimal("80.60"), D(1997, 1, 2), D(1997, 4, 2), 4],  # the repeated line counts in money
    [4, 74, 2, Decimal("59.06"), D(1997, 1, 1), D(1997, 1, 18), 2],
    # customer 7 (amount -5.00) is quarantined; 5 and 6 were rejected by ingest
]
# as of 1997-03-31: customer 3's two lines of 1997-04-02 come after it
EXPECTED_AS_OF = [
    [1, 89, 1, Decimal("11.77"), D(1997, 1, 1), D(1997, 1, 1), 1],
    [2, 78, 1, Decimal("89.00"), D(1997, 1, 12), D(1997, 1, 12), 2],
    [3, 1, 2, Decimal("41.52"), D(1997, 1, 2), D(1997, 3, 30), 2],
    [4, 72, 2, Decimal("59.06"), D(1997, 1, 1), D(1997, 1, 18), 2],
]


def build_orders(settings, as_of: dt.date | None = None):
    # the RFM path only: dq_quarantine_reasons (and the test that every quarantine reason is
    # known) also read orders but need the campaign and customer models, which are not built here
    summary = run_dbt(settings, "build", vars={"as_of": as_of.isoformat()} if as_of else None,
                      args=["--select", "+dim_customer_rfm"], quiet=True)
    assert summary.success
    # stg_mca__orders, int_orders__classified, dim_customer_rfm, and the exchange rates the
    # amounts are converted with (stg_mca__fx_rates, int_fx_rates)
    assert summary.counts()["model"] == {"success": 5}
    assert summary.counts()["test"].get("fail", 0) == 0
    return summary


def rfm(settings) -> list[list[object]]:
    with Warehouse(settings) as wh:
        frame = wh.read_mart("dim_customer_rfm", RFM_COLUMNS, order_by=["customer_id"])
    rows = []
    for r in frame.itertuples(index=False):
        rows.append([int(r.customer_id), int(r.recency_days), int(r.frequency), Decimal(str(r.monetary)).quantize(Decimal("0.01")),
                     _day(r.first_order_date), _day(r.last_order_date), int(r.orders)])
    return rows


def _day(value) -> dt.date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


@pytest.fixture(params=["duckdb", "mariadb", "mysql"])
def settings(request, duckdb_settings_factory):
    if request.param == "duckdb":
        return duckdb_settings_factory("rfm")
    return request.getfixturevalue("server_settings_factory")(Target(request.param), f"rfm_{request.param}")


def test_rfm_from_orders_and_empty_without_them(settings, tmp_path):
    build_orders(settings)  # no raw orders table at all
    assert rfm(settings) == []

    src = shutil.copy(FIXTURES / "orders_ws.txt", tmp_path / "orders.txt")
    [outcome] = ingest_files(settings, "orders", [src], load_mapping(MAPPINGS / "cdnow_orders.yml"),
                             max_reject_pct=20)
    assert outcome.rows_loaded == 10
    build_orders(settings)
    assert rfm(settings) == EXPECTED
    with Warehouse(settings) as wh:
        outcomes = wh.query(f"select row_outcome, quarantine_reason, count(*) as n from "
                            f"{wh.mart('int_orders__classified')} group by row_outcome, quarantine_reason "
                            "order by row_outcome")
    assert outcomes.astype(object).where(outcomes.notna(), None).values.tolist() == [
        ["kept", None, 9], ["quarantined", "negative_amount", 1]]


def test_rfm_as_of_leaves_later_orders_out(duckdb_settings_factory, tmp_path):
    s = duckdb_settings_factory("rfm_as_of")
    src = shutil.copy(FIXTURES / "orders_ws.txt", tmp_path / "orders.txt")
    ingest_files(s, "orders", [src], load_mapping(MAPPINGS / "cdnow_orders.yml"), max_reject_pct=20)
    build_orders(s, as_of=dt.date(1997, 3, 31))
    assert rfm(s) == EXPECTED_AS_OF
