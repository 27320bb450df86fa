"""Ad-platform report exports: title lines above the header (skip_lines: N or auto), "Total"
lines below the data (skip_footer), thousands separators inside quoted fields with the same
character as the delimiter, products, and lines skipped when a key column is empty
(skip_if_empty). Skipped lines are counted apart from rejects, in the result and the CLI line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from reporting.errors import ConfigError, DataError
from reporting.ingest import read_bytes
from tests.ingest.helpers import ingest_app, mapping

#: A Google Ads style campaign report: two title lines, quoted grouped numbers, "Total" lines.
ADS_REPORT = (
    "Campaign performance report\n"
    '"January 1, 2024 - January 3, 2024"\n'
    "\n"
    "Campaign,Day,Cost,Impr.,Clicks,Conversions,Conv. value\n"
    'Spring Sale,2024-01-01,"1,234.50","22,022",100,5,"2,500.75"\n'
    'Total Wine,2024-01-02,"123,456,789,012,345.6789","9,223,372,036,854,775,807",3,0,0\n'
    "Brand,2024-01-03,99.90,1000,10,1,150.00\n"
    "\n"
    'Total: Account,--,"123,456,789,013,680.0389","23,022",113,6,"2,650.75"\n'
    "Total: Search campaigns,--,99.90,1000,10,1,150.00\n"
)
ADS_COLUMNS = {"campaign_name": "Campaign", "channel": {"const": "Search"}, "cost": "Cost", "impressions": "Impr.",
               "clicks": "Clicks", "conversions": "Conversions", "revenue": "Conv. value", "date": "Day"}


def ads_mapping(**fmt):
    return mapping({"table": "campaigns", "format": {"thousands": ",", **fmt}, "columns": ADS_COLUMNS})


@pytest.mark.parametrize("skip_lines", [2, "auto"])
def test_title_lines_and_total_lines_are_skipped_and_counted(skip_lines):
    result = read_bytes(ADS_REPORT.encode(), ads_mapping(skip_lines=skip_lines, skip_footer="^Total"),
                        file_name="report.csv")
    assert result.rejects.empty, result.rejects.to_dict("records")
    assert (result.rows_read, result.skipped_above_header, result.skipped_footer, result.lines_skipped) == (3, 2, 2, 4)
    f = result.frame
    assert f.index.tolist() == [5, 6, 7]  # physical lines
    assert f["campaign_name"].tolist() == ["Spring Sale", "Total Wine", "Brand"]  # "Total" only at the end
    assert f["cost"].tolist() == [D("1234.50"), D("123456789012345.6789"), D("99.90")]
    assert f["impressions"].tolist() == [22_022, 2**63 - 1, 1000]
    assert f["revenue"].tolist() == [D("2500.75"), D("0"), D("150.00")]
    assert f["date"].dt.date.tolist() == [dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 3)]


def test_without_the_new_options_the_same_report_is_not_read():
    with pytest.raises(ConfigError, match="column 'Campaign' .* is not in the header of report.csv"):
        read_bytes(ADS_REPORT.encode(), ads_mapping(), file_name="report.csv")
    # the header found but no skip_footer: the Total lines are data, and the first is rejected
    result = read_bytes(ADS_REPORT.encode(), ads_mapping(skip_lines="auto"), file_name="report.csv")
    assert result.rejects["line"].tolist() == [9, 10]
    assert result.rejects["reason"].tolist() == ["date (from Day): not a date in format %Y-%m-%d: '--'"] * 2


def test_a_quoted_thousands_separator_equal_to_the_delimiter_unquoted_is_a_wrong_field_count():
    data = b'Campaign,Day,Cost,Impr.,Clicks,Conversions,Conv. value\nA,2024-01-01,"22,022",22,022,1,0,0\n'
    result = read_bytes(data, ads_mapping(), file_name="r.csv")
    assert result.rejects["reason"].tolist() == ["expected 7 fields, found 8"]
    with pytest.raises(ConfigError, match=r"format.thousands cannot be the delimiter ',' unless fields are quoted"):
        ads_mapping(quotechar=None)


@pytest.mark.parametrize("delimiter", [";", "tab", "|"])
def test_thousands_inside_quoted_fields_with_any_delimiter(delimiter):
    sep = "\t" if delimiter == "tab" else delimiter
    header = sep.join(["Campaign", "Day", "Cost", "Impr.", "Clicks", "Conversions", "Conv. value"])
    row = sep.join(["A", "2024-01-01", f'"1{sep}234{sep}567.5"', f'"22{sep}022"', "1", "0", "0"])
    m = mapping({"table": "campaigns", "format": {"delimiter": delimiter, "thousands": sep}, "columns": ADS_COLUMNS})
    result = read_bytes(f"{header}\n{row}\n".encode(), m, file_name="r.txt")
    assert result.rejects.empty, result.rejects.to_dict("records")
    assert (result.frame["cost"].tolist(), result.frame["impressions"].tolist()) == ([D("1234567.5")], [22_022])


def test_whitespace_separated_fields_respect_quotes():
    m = mapping({"table": "orders", "format": {"delimiter": "whitespace", "thousands": " ", "decimal": ","},
                 "columns": {"customer_id": "id", "order_date": "day", "quantity": None, "amount": "amount"}})
    data = ('id  day\tamount  note\n'
            '7  2024-01-02  "1 234 567,89"  "two words"\n'
            '8 2024-01-03 12,5 plain\n'
            '9 2024-01-03 1 234,5 unquoted\n').encode()
    result = read_bytes(data, m, file_name="o.txt")
    assert result.frame["amount"].tolist() == [D("1234567.89"), D("12.5")]
    assert dict(zip(result.rejects["line"], result.rejects["reason"])) == {4: "expected 4 fields, found 5"}


#: Online Retail style lines: some without a CustomerID (guest checkouts), to be skipped.
RETAIL = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    '536365,85123A,"WHITE HANGING HEART T-LIGHT HOLDER",6,2010-12-01,2.55,17850,United Kingdom\n'
    "536366,22633,HAND WARMER UNION JACK,6,2010-12-01,1.85,,United Kingdom\n"
    '536367,84879,"ASSORTED COLOUR BIRD ORNAMENT","1,032",2010-12-01,1.69,13047,United Kingdom\n'
    "536368,22960,JAM MAKING SET WITH JARS,3,2010-12-01,4.25, ,United Kingdom\n"
    "536369,21756,BATH BUILDING BLOCK WORD,x,2010-12-01,5.95,13047,United Kingdom\n"
    "536370,22728,ALARM CLOCK BAKELIKE PINK,24,2010-12-01,3.75,NULL,France\n"
)
RETAIL_MAPPING = {
    "table": "orders",
    "format": {"thousands": ",", "null_values": ["NULL"]},
    "skip_if_empty": ["CustomerID"],
    "columns": {"customer_id": "CustomerID", "order_date": "InvoiceDate", "quantity": "Quantity",
                "amount": {"product": ["Quantity", "UnitPrice"]}},
}


def test_skip_if_empty_skips_lines_without_a_customer_and_counts_them_apart():
    result = read_bytes(RETAIL.encode(), mapping(RETAIL_MAPPING), file_name="retail.csv")
    assert (result.rows_read, result.rows_ok, result.rows_rejected, result.skipped_empty) == (3, 2, 1, 3)
    assert result.lines_skipped == 3
    f = result.frame
    assert f.index.tolist() == [2, 4]
    assert f["customer_id"].tolist() == [17850, 13047]
    assert f["quantity"].tolist() == [6, 1032]
    assert f["amount"].tolist() == [D("15.30"), D("1744.08")]  # exact products
    assert result.rejects["reason"].tolist() == ["quantity (from Quantity): not a number: 'x'"]
    assert result.reject_pct == pytest.approx(100 / 3)  # of the lines read, not of the skipped ones


def test_cli_reports_skipped_lines_apart_from_rejects(tmp_path):
    data = tmp_path / "retail.csv"
    data.write_text(RETAIL, encoding="utf-8")
    report = tmp_path / "report.csv"
    report.write_text(ADS_REPORT, encoding="utf-8")
    retail_yml = tmp_path / "retail.yml"
    retail_yml.write_text(yaml.safe_dump(RETAIL_MAPPING), encoding="utf-8")
    ads_yml = tmp_path / "ads.yml"
    ads_yml.write_text(yaml.safe_dump({"table": "campaigns", "columns": ADS_COLUMNS, "format": {
        "thousands": ",", "skip_lines": "auto", "skip_footer": "^Total:"}}), encoding="utf-8")
    runner = CliRunner()
    db = ["--duckdb-path", str(tmp_path / "w.duckdb"), "-t", "duckdb"]
    result = runner.invoke(ingest_app(), ["ingest", "orders", str(data), "-m", str(retail_yml), "--max-reject-pct", "50",
                                          *db])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].startswith("retail.csv: read 3, loaded 2, rejected 1, 3 lines skipped (load 1, ")
    assert "  skipped lines (not loaded, not rejected): 3 with a skip_if_empty column empty" in lines
    result = runner.invoke(ingest_app(), ["ingest", "campaigns", str(report), "-m", str(ads_yml), *db])
    assert result.exit_code == 0, result.output
    assert "report.csv: read 3, loaded 3, rejected 0, 4 lines skipped (load 2, " in result.output
    assert ("  skipped lines (not loaded, not rejected): 2 above the header (skip_lines), "
            "2 at the end matching skip_footer") in result.output


def test_header_search_failure_names_the_nearest_line():
    text = ADS_REPORT.replace("Impr.,", "Impressions,")
    with pytest.raises(ConfigError) as err:
        read_bytes(text.encode(), ads_mapping(skip_lines="auto"), file_name="report.csv")
    assert str(err.value) == ("mapping test: skip_lines: auto found no header line in the first 10 lines of "
                              "report.csv: none has all 7 columns the mapping reads; the nearest, line 4, "
                              "lacks 'Impr.'")


def test_skipping_past_the_end_and_a_headerless_skip():
    with pytest.raises(DataError, match="the file is empty \\(no header line after the 20 lines skip_lines skips\\)"):
        read_bytes(ADS_REPORT.encode(), ads_mapping(skip_lines=20), file_name="r.csv")
    m = mapping({"table": "orders", "format": {"header": False, "names": ["c", "d", "a"], "skip_lines": 1},
                 "columns": {"customer_id": "c", "order_date": "d", "quantity": None, "amount": "a"}})
    result = read_bytes(b"Orders export\n7,2024-01-02,3\n", m, file_name="o.csv")
    assert (result.frame.index.tolist(), result.skipped_above_header) == ([2], 1)
    assert result.frame["order_date"].tolist() == [pd.Timestamp("2024-01-02")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": {"skip_lines": -1}}, "format.skip_lines must be a number of lines (0 or more) or auto, got -1"),
        ({"format": {"skip_lines": "two"}}, "format.skip_lines must be a number of lines (0 or more) or auto"),
        ({"format": {"skip_lines": "auto", "names": ["a"]}}, "skip_lines: auto finds the header line by the column"),
        ({"format": {"skip_footer": "(Total"}}, "format.skip_footer: not a regular expression (missing )"),
        ({"format": {"skip_footer": 5}}, "format.skip_footer must be a regular expression"),
        ({"skip_if_empty": "CustomerID"}, "skip_if_empty must be a list of source column names"),
    ],
)
def test_bad_report_options_name_the_key(change, message):
    doc = {"table": "campaigns", "columns": ADS_COLUMNS, **change}
    with pytest.raises(ConfigError) as err:
        mapping(doc)
    assert message in str(err.value)


def test_skip_if_empty_columns_must_be_in_the_header():
    m = mapping({**RETAIL_MAPPING, "skip_if_empty": ["Customer ID"]})
    with pytest.raises(ConfigError, match="column 'Customer ID' \\(used by skip_if_empty\\) is not in the header"):
        read_bytes(RETAIL.encode(), m, file_name="retail.csv")


def test_an_empty_file_is_empty_whatever_skip_lines_says():
    for skip_lines in (0, 3, "auto"):
        with pytest.raises(DataError, match="the file is empty"):
            read_bytes(b"\r\n\r\n", ads_mapping(skip_lines=skip_lines), file_name="empty.csv")
