"""Numbers are exact end to end: money as decimals (never through a float), whole numbers across
the whole bigint range, each refused only when it does not fit its column, with the range in
the reason; read back from DuckDB and MariaDB as text and compared as Decimal/int."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from reporting.errors import ConfigError
from reporting.ingest import ingest_files, read_bytes
from reporting.warehouse import Warehouse
from tests.ingest.helpers import CAMPAIGN_COLUMNS, PLAIN_CAMPAIGNS, mapping

BIGINT_MAX, BIGINT_MIN = 2**63 - 1, -(2**63)
MONEY_RANGE = "decimal(20,4): -9999999999999999.9999 to 9999999999999999.9999"
BIGINT_RANGE = "bigint: -9223372036854775808 to 9223372036854775807"

#: (cost, impressions, revenue) as written, and as stored
EXACT_ROWS = [
    (("123456789012345.6789", str(BIGINT_MAX), "12345678901234.5678"),
     (D("123456789012345.6789"), BIGINT_MAX, D("12345678901234.5678"))),
    (("9999999999999999.9999", str(BIGINT_MIN), "-9999999999999999.9999"),
     (D("9999999999999999.9999"), BIGINT_MIN, D("-9999999999999999.9999"))),
    (("0.00005", "0", "0.00015"), (D("0.0000"), 0, D("0.0002"))),  # half to even
    (("0.00025", "1e3", "-0.00025"), (D("0.0002"), 1000, D("-0.0002"))),
    (("1.5E+3", "+7", "0.1"), (D("1500"), 7, D("0.1"))),
]


def plain_file(rows: list[tuple[str, str, str]]) -> bytes:
    lines = [",".join(CAMPAIGN_COLUMNS)]
    lines += [f"c{i},Email,{cost},{imp},1,0,{rev},2024-01-01" for i, (cost, imp, rev) in enumerate(rows)]
    return ("\n".join(lines) + "\n").encode()


def stored(frame) -> list[tuple[object, object, object]]:
    return [(c, int(i), r) for c, i, r in zip(frame["cost"], frame["impressions"], frame["revenue"])]


def test_money_and_bigints_are_read_exactly():
    result = read_bytes(plain_file([written for written, _ in EXACT_ROWS]), mapping(PLAIN_CAMPAIGNS), file_name="x.csv")
    assert result.rows_rejected == 0, result.rejects.to_dict("records")
    assert stored(result.frame) == [expected for _, expected in EXACT_ROWS]
    assert all(isinstance(v, D) for v in result.frame["cost"])


@pytest.mark.parametrize(
    ("cost", "impressions", "reason"),
    [
        ("10000000000000000", "1", f"cost: out of range ({MONEY_RANGE}): '10000000000000000'"),
        ("9999999999999999.99995", "1", f"cost: out of range ({MONEY_RANGE}): '9999999999999999.99995'"),
        ("-1e16", "1", f"cost: out of range ({MONEY_RANGE}): '-1e16'"),
        ("1e999999999", "1", f"cost: out of range ({MONEY_RANGE}): '1e999999999'"),
        ("1", "9223372036854775808", f"impressions: out of range ({BIGINT_RANGE}): '9223372036854775808'"),
        ("1", "-9223372036854775809", f"impressions: out of range ({BIGINT_RANGE}): '-9223372036854775809'"),
        ("1", "1e19", f"impressions: out of range ({BIGINT_RANGE}): '1e19'"),
        ("1", "2.5", "impressions: not a whole number: '2.5'"),
        ("NaN", "1", "cost (from cost): not a number: 'NaN'"),
        ("1_000", "1", "cost (from cost): not a number: '1_000'"),
        ("１２", "1", "cost (from cost): not a number: '１２'"),  # digits other than 0-9
    ],
)
def test_only_what_does_not_fit_is_refused_with_the_columns_range(cost, impressions, reason):
    result = read_bytes(plain_file([(cost, impressions, "1"), ("1", "1", "1")]), mapping(PLAIN_CAMPAIGNS),
                        file_name="x.csv")
    assert dict(zip(result.rejects["line"], result.rejects["reason"])) == {2: reason}
    assert result.frame.index.tolist() == [3]


def test_customer_ids_across_the_bigint_range_and_grouped_thousands():
    m = mapping({"table": "customers", "format": {"delimiter": ";", "decimal": ",", "thousands": "."},
                 "columns": {"customer_id": "id", "age": None, "sessions": None, "avg_session_duration": None,
                             "pages_per_session": None, "transactions": None, "revenue": "rev",
                             "acquisition_channel": None, "signup_date": None}})
    data = ("id;rev\n"
            "9.223.372.036.854.775.807;123.456.789.012.345,6789\n"
            "-9223372036854775808;12.345.678.901.234,5678\n"
            "9.223.372.036.854.775.808;1\n").encode()
    result = read_bytes(data, m, file_name="c.csv")
    assert result.frame["customer_id"].tolist() == [BIGINT_MAX, BIGINT_MIN]
    assert result.frame["revenue"].tolist() == [D("123456789012345.6789"), D("12345678901234.5678")]
    assert dict(zip(result.rejects["line"], result.rejects["reason"])) == {
        4: f"customer_id: out of range ({BIGINT_RANGE}): '9.223.372.036.854.775.808'"}


def test_sums_differences_products_and_constants_are_exact():
    m = mapping({"table": "orders", "columns": {
        "customer_id": {"sum": ["id", 0]}, "order_date": {"const": "2024-01-01"},
        "quantity": {"difference": ["q", 1]},
        "amount": {"sum": ["a", "b", 0.0001]}}})  # a YAML float, taken as written
    data = (b"id,q,a,b\n"
            b"9223372036854775806,3,12345678901234.5678,0.0001\n"
            b"1,1,9999999999999999.9997,0.0001\n"
            b"2,1,0.1,0.2\n"
            b"3,1,9999999999999999.9998,0.0001\n")
    result = read_bytes(data, m, file_name="o.csv")
    f = result.frame
    assert f["customer_id"].tolist() == [BIGINT_MAX - 1, 1, 2]
    assert f["quantity"].tolist() == [2, 0, 0]
    # through floats these were ...5680, 1e+16 and 0.30000000000000004
    assert f["amount"].tolist() == [D("12345678901234.5680"), D("9999999999999999.9999"), D("0.3001")]
    assert dict(zip(result.rejects["line"], result.rejects["reason"])) == {
        5: f"amount: out of range ({MONEY_RANGE}): '10000000000000000.0000'"}

    m = mapping({"table": "orders", "columns": {
        "customer_id": {"const": BIGINT_MAX}, "order_date": {"const": "2024-01-01"},
        "quantity": {"product": ["q", 2]}, "amount": {"product": ["q", "price"]}}})
    result = read_bytes(b"q,price\n3,33333333333.3333\n7,0.00005\n,1\n", m, file_name="p.csv")
    assert result.frame["customer_id"].tolist() == [BIGINT_MAX] * 2
    assert result.frame["quantity"].tolist() == [6, 14]
    assert result.frame["amount"].tolist() == [D("99999999999.9999"), D("0.0004")]  # 0.00035 half to even
    assert result.rejects["reason"].tolist() == ["amount: required but empty"]  # an empty factor


def test_money_constants_are_exact_and_checked():
    doc = {**PLAIN_CAMPAIGNS, "columns": {**PLAIN_CAMPAIGNS["columns"], "cost": {"const": "123456789012345.6789"},
                                          "revenue": {"const": 0.1}}}
    m = mapping(doc)
    assert (m.columns["cost"].value, m.columns["revenue"].value) == (D("123456789012345.6789"), D("0.1"))
    doc["columns"]["cost"] = {"const": "1e16"}
    with pytest.raises(ConfigError) as err:
        mapping(doc)
    assert str(err.value) == f"mapping test: columns.cost.const '1e16' is out of range ({MONEY_RANGE})"


def exact(settings, sql: str) -> list[tuple[object, ...]]:
    """Rows as text (each engine writes its decimals out in full), converted back to Decimal/int."""
    with Warehouse(settings) as wh:
        frame = wh.query(sql.format(c=wh.raw("campaigns")))
    return [tuple(None if v is None else (D(v) if "." in str(v) else int(v)) for v in row)
            for row in frame.itertuples(index=False)]


def test_exact_values_round_trip_through_the_warehouse(make_settings, tmp_path):
    s = make_settings()
    path = tmp_path / "exact.csv"
    path.write_bytes(plain_file([written for written, _ in EXACT_ROWS]))
    [outcome] = ingest_files(s, "campaigns", [path], mapping(PLAIN_CAMPAIGNS))
    assert (outcome.rows_loaded, outcome.rows_rejected) == (len(EXACT_ROWS), 0)
    rows = exact(s, "select cast(cost as char) as cost, cast(impressions as char) as impressions, "
                    "cast(revenue as char) as revenue from {c} order by id")
    assert rows == [expected for _, expected in EXACT_ROWS]


def test_sum_of_money_columns_stays_exact_in_the_warehouse(make_settings, tmp_path):
    s = make_settings()
    m = mapping({**PLAIN_CAMPAIGNS, "format": {"delimiter": ";", "decimal": ",", "thousands": "."},
                 "columns": {**PLAIN_CAMPAIGNS["columns"], "revenue": {"sum": ["revenue", "bonus"]}}})
    path = tmp_path / "eu.csv"
    path.write_text(";".join([*CAMPAIGN_COLUMNS, "bonus"]) + "\n"
                    "a;Email;123.456.789.012.345,6789;1;1;0;12.345.678.901.234,5678;2024-01-01;0,0001\n",
                    encoding="utf-8")
    ingest_files(s, "campaigns", [path], m)
    assert exact(s, "select cast(cost as char) as cost, cast(revenue as char) as revenue from {c}") == [
        (D("123456789012345.6789"), D("12345678901234.5679"))]
