"""Mapping files: every mistake is one ConfigError naming the key or column at fault."""

from __future__ import annotations

import datetime as dt

import pytest

from reporting.errors import ConfigError
from reporting.ingest import load_mapping, read_bytes
from reporting.ingest.mapping import Kind
from tests.ingest.helpers import MAPPINGS, PLAIN_CAMPAIGNS, mapping


def with_columns(**changes):
    doc = {"table": "campaigns", "columns": dict(PLAIN_CAMPAIGNS["columns"])}
    for key, value in changes.items():
        if value is ...:
            del doc["columns"][key]
        else:
            doc["columns"][key] = value
    return doc


@pytest.mark.parametrize("name", ["online_ads_q2_2020", "ifood_customers", "cdnow_orders"])
def test_shipped_mappings_load(name):
    m = load_mapping(MAPPINGS / f"{name}.yml")
    assert m.name == name and len(m.sha256) == 64


def test_shipped_online_ads_mapping_reads_as_documented():
    m = load_mapping(MAPPINGS / "online_ads_q2_2020.yml")
    name = m.columns["campaign_name"]
    assert (name.kind, name.operands, name.separator) == (
        "concat", ("campaign_number", "user_engagement", "banner", "placement"), " | ")
    assert (m.columns["channel"].kind, m.columns["channel"].value) == ("const", "Display")
    assert m.columns["impressions"].operands == ("displays",)
    assert m.columns["conversions"].operands == ("post_click_conversions",)
    assert dict(m.columns["date"].date_parts) == {"year": 2020, "month": "month", "day": "day"}
    assert "#N/A" not in m.format.null_values


def test_shipped_ifood_and_cdnow_mappings():
    ifood = load_mapping(MAPPINGS / "ifood_customers.yml")
    assert ifood.columns["age"].operands == (2014, "Year_Birth")
    assert ifood.columns["transactions"].operands == (
        "NumDealsPurchases", "NumWebPurchases", "NumCatalogPurchases", "NumStorePurchases")
    assert len(ifood.columns["revenue"].operands) == 6
    assert [c for c, col in ifood.columns.items() if col.kind == "null"] == [
        "avg_session_duration", "pages_per_session", "acquisition_channel", "currency"]  # currency left out
    cdnow = load_mapping(MAPPINGS / "cdnow_orders.yml")
    assert cdnow.format.delimiter is None  # whitespace
    assert cdnow.columns["order_date"].date_format == "%Y%m%d"


def test_plain_mapping_defaults():
    m = mapping(PLAIN_CAMPAIGNS)
    assert (m.format.delimiter, m.format.quotechar, m.format.decimal, m.format.thousands) == (",", '"', ".", None)
    assert m.columns["cost"].spec.kind is Kind.decimal
    assert m.columns["campaign_name"].spec.max_length == 255
    assert not any(c.required for c in m.columns.values())  # the models quarantine campaign rows


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"table": "campaign", "columns": {}}, "table must be one of campaigns, customers, orders"),
        ({**PLAIN_CAMPAIGNS, "colums": {}}, "unknown key 'colums'"),
        (with_columns(cost=...), "no entry for raw column(s) cost of campaigns"),
        (with_columns(id="row"), "columns.id: not a column the campaigns table takes (mca assigns it)"),
        (with_columns(spend="cost"), "columns.spend: not a column the campaigns table takes"),
        (with_columns(cost={"colum": "cost"}), "columns.cost: unknown key 'colum'"),
        (with_columns(cost={"column": "a", "sum": ["a", "b"]}), "columns.cost needs exactly one of"),
        (with_columns(cost={"concat": ["a", "b"]}), "columns.cost: concat cannot fill a decimal column"),
        (with_columns(campaign_name={"sum": ["a", "b"]}), "columns.campaign_name: sum cannot fill a text column"),
        (with_columns(cost={"difference": ["a"]}), "columns.cost.difference must be [a, b] (a - b)"),
        (with_columns(cost={"sum": [1, 2]}), "columns.cost.sum uses no column"),
        (with_columns(clicks={"const": 1.5}), "columns.clicks.const: 1.5 is not a valid integer"),
        (with_columns(date={"const": "someday"}), "columns.date.const: 'someday' is not a valid date"),
        (with_columns(date={"date_parts": {"year": 2020, "month": "m"}}), "columns.date.date_parts.day must be"),
        (with_columns(date={"column": "d", "format": "dd/mm/yyyy"}), "columns.date.format must be a strftime format"),
        (with_columns(cost={"column": "c", "format": "%Y"}), "columns.cost.format only applies to a date"),
        (with_columns(channel={"column": "c", "separator": "-"}), "columns.channel.separator only applies to concat"),
        ({**PLAIN_CAMPAIGNS, "format": {"delimiter": ";;"}}, "format.delimiter must be one character"),
        ({**PLAIN_CAMPAIGNS, "format": {"decimal": ",", "thousands": ","}}, "format.thousands must be one character other than"),
        ({**PLAIN_CAMPAIGNS, "format": {"decimal": ","}}, "format.decimal cannot be the delimiter"),
        ({**PLAIN_CAMPAIGNS, "format": {"encoding": "utf-9"}}, "format.encoding: unknown encoding 'utf-9'"),
        ({**PLAIN_CAMPAIGNS, "format": {"null_values": "#N/A"}}, "format.null_values must be a list"),
        ({**PLAIN_CAMPAIGNS, "format": {"header": False}}, "a file without a header needs names"),
        ({"table": "orders", "columns": {"customer_id": None, "order_date": "d", "quantity": "q", "amount": "a"}},
         "columns.customer_id is required, so it cannot be null"),
        ({"table": "orders", "columns": {"customer_id": {"column": "c", "required": False}, "order_date": "d",
                                         "quantity": "q", "amount": "a"}},
         "columns.customer_id.required cannot be false"),
    ],
)
def test_bad_mappings_name_the_key(doc, message):
    with pytest.raises(ConfigError) as err:
        mapping(doc)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("table: campaigns\ncolumns:\n  cost: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cannot parse mapping .*broken.yml at line \d"):
        load_mapping(path)


def test_missing_mapping_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read mapping"):
        load_mapping(tmp_path / "nope.yml")


def test_yaml_values_are_converted():
    m = mapping(with_columns(date={"const": dt.date(2024, 1, 31)}, clicks={"const": 3}, channel={"const": 7}))
    assert (m.columns["date"].value, m.columns["clicks"].value, m.columns["channel"].value) == (
        dt.date(2024, 1, 31), 3, "7")


def test_source_column_missing_from_the_header_is_named():
    m = mapping(with_columns(impressions="displays"))
    data = b"campaign_name,channel,cost,Displays,clicks,conversions,revenue,date\n"
    with pytest.raises(ConfigError) as err:
        read_bytes(data, m, file_name="ads.csv")
    text = str(err.value)
    assert "column 'displays' (used by impressions) is not in the header of ads.csv" in text
    assert "did you mean 'Displays'?" in text


def test_a_column_repeated_in_the_header_is_refused_when_used():
    m = mapping(PLAIN_CAMPAIGNS)
    data = b"campaign_name,channel,cost,cost,impressions,clicks,conversions,revenue,date\n"
    with pytest.raises(ConfigError, match="column 'cost' .* appears 2 times"):
        read_bytes(data, m, file_name="x.csv")
