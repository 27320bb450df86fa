"""The optional `currency` column of the raw tables, on DuckDB and MariaDB: mapped from a column
or a constant, trimmed and upper-cased, rejected when not three ASCII letters, empty as NULL (the
base currency); added to tables mca created, refused for a user's table that lacks it; left NULL
by sample-data; never asked for by the build's contract check."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from reporting.contract import CAMPAIGNS, CURRENCY_COLUMN, ORDERS, TableSpec
from reporting.errors import ConfigError, RefusedError
from reporting.ingest import ingest_files
from reporting.jobs import make_sample_data, prepare_build
from reporting.warehouse import MCA_TABLE_MARKER, Warehouse
from tests.ingest.helpers import CAMPAIGN_COLUMNS, PLAIN_CAMPAIGNS, mapping

HEADER = CAMPAIGN_COLUMNS + ["Currency code"]
WITH_CURRENCY = mapping({"table": "campaigns",
                         "columns": {**{c: c for c in CAMPAIGN_COLUMNS}, "currency": "Currency code"}},
                        name="with_currency")


def write(path, currencies: list[str]):
    lines = [",".join(HEADER)] + [f"c{i},Email,1.5,10,1,0,2,2024-01-0{i + 1},{cur}" for i, cur in enumerate(currencies)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def currencies(settings, table: str = "campaigns") -> list[str | None]:
    with Warehouse(settings) as wh:
        order = "id" if table == "campaigns" else "customer_id"
        frame = wh.query(f"select {CURRENCY_COLUMN} from {wh.raw(table)} order by {order}")
    return [None if v is None or v != v else v for v in frame[CURRENCY_COLUMN].tolist()]


def columns(settings, table: str = "campaigns") -> list[str]:
    with Warehouse(settings) as wh:
        return wh.columns_of(settings.raw_schema, table)


def test_currency_is_normalised_and_bad_codes_are_rejected(make_settings, tmp_path):
    s = make_settings()
    path = write(tmp_path / "ads.csv", [" eur", "usd", "", "EURO", "€", "E1R", "Gbp "])
    [outcome] = ingest_files(s, "campaigns", [path], WITH_CURRENCY, max_reject_pct=50)
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (7, 4, 3)
    assert currencies(s) == ["EUR", "USD", None, "GBP"]
    rejects = pd.read_csv(outcome.rejects_path, keep_default_na=False)
    assert rejects[["line", "reason"]].values.tolist() == [
        [5, "currency: not an ISO 4217 code (three letters, such as EUR): 'EURO'"],
        [6, "currency: not an ISO 4217 code (three letters, such as EUR): '€'"],
        [7, "currency: not an ISO 4217 code (three letters, such as EUR): 'E1R'"],
    ]
    assert columns(s) == CAMPAIGNS.as_created().column_names


def test_currency_as_a_constant_and_left_out(make_settings, tmp_path):
    s = make_settings()
    doc = {"table": "campaigns", "columns": {**{c: c for c in CAMPAIGN_COLUMNS}, "currency": {"const": "chf"}}}
    ingest_files(s, "campaigns", [write(tmp_path / "a.csv", ["x", "y"])], mapping(doc))
    ingest_files(s, "campaigns", [write(tmp_path / "b.csv", ["x"])], mapping(PLAIN_CAMPAIGNS))  # no currency
    assert currencies(s) == ["CHF", "CHF", None]
    with pytest.raises(ConfigError, match=r"^mapping test: columns.currency.const: 'EURO' is not an ISO 4217 "
                                          r"currency code \(three letters, such as EUR\)$"):
        mapping({**doc, "columns": {**doc["columns"], "currency": {"const": "EURO"}}})


def old_table(settings, comment: str) -> None:
    """A campaigns table without the currency column (an older mca, or a user made it)."""
    with Warehouse(settings) as wh:
        wh.ensure_schema(settings.raw_schema)
        wh.create_table(settings.raw_schema, TableSpec("campaigns", CAMPAIGNS.columns, primary_key=("id",)),
                        comment=comment)


def test_a_table_mca_created_without_currency_gets_the_column(make_settings, tmp_path):
    s = make_settings()
    old_table(s, comment=f"{MCA_TABLE_MARKER} ingest")
    ingest_files(s, "campaigns", [write(tmp_path / "a.csv", ["eur", "usd"])], WITH_CURRENCY)
    assert CURRENCY_COLUMN in columns(s)
    assert currencies(s) == ["EUR", "USD"]


def test_a_users_table_without_currency_takes_mappings_without_it_only(make_settings, tmp_path):
    s = make_settings()
    old_table(s, comment="our own table")
    with pytest.raises(RefusedError) as err:
        ingest_files(s, "campaigns", [write(tmp_path / "a.csv", ["eur"])], WITH_CURRENCY)
    with Warehouse(s) as wh:
        add = f"alter table {wh.raw('campaigns')} add column {wh.quote('currency')} varchar"
    expected = (f"mapping with_currency fills currency, but {s.raw_schema}.campaigns has no currency column and "
                f"mca did not create the table, so nothing was loaded; add the column first ({add}"
                f"{'(3)' if s.target.value != 'duckdb' else ''}) or map currency to null")
    assert str(err.value) == expected
    assert CURRENCY_COLUMN not in columns(s)
    [outcome] = ingest_files(s, "campaigns", [write(tmp_path / "b.csv", ["eur", "usd"])], mapping(PLAIN_CAMPAIGNS))
    assert outcome.rows_loaded == 2
    assert CURRENCY_COLUMN not in columns(s)  # never altered
    prepare_build(s)  # the build's contract check does not ask for currency


def test_orders_take_a_currency_too(make_settings, tmp_path):
    s = make_settings()
    path = tmp_path / "orders.csv"
    path.write_text("customer,day,qty,amount,cur\n1,2024-01-01,1,9.99,eur\n2,2024-01-02,2,5.00,\n", encoding="utf-8")
    m = mapping({"table": "orders", "columns": {"customer_id": "customer", "order_date": "day", "quantity": "qty",
                                                "amount": "amount", "currency": "cur"}})
    [outcome] = ingest_files(s, "orders", [path], m)
    assert outcome.rows_loaded == 2
    assert currencies(s, "orders") == ["EUR", None]
    assert columns(s, "orders") == ORDERS.as_created().column_names


def test_sample_data_leaves_currency_null(duckdb_settings_factory):
    s = duckdb_settings_factory("currency_sample")
    make_sample_data(s, rows=200, customers=50, seed=7, end_date=dt.date(2024, 6, 30))
    with Warehouse(s) as wh:
        for table in ("campaigns", "customers"):
            assert CURRENCY_COLUMN in wh.columns_of(s.raw_schema, table)
            n, filled = wh.query(f"select count(*) as n, count({CURRENCY_COLUMN}) as filled "
                                 f"from {wh.raw(table)}").iloc[0]
            assert int(n) > 0 and int(filled) == 0
