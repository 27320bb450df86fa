"""Reading files through a mapping: values, and every rejected line with its physical line number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pandas as pd
import pytest

from reporting.errors import DataError
from reporting.ingest import load_mapping, read_bytes, read_file
from tests.ingest.helpers import CAMPAIGN_COLUMNS, FIXTURES, MAPPINGS, PLAIN_CAMPAIGNS, mapping


def rejects_by_line(result) -> dict[int, str]:
    return dict(zip(result.rejects["line"], result.rejects["reason"]))


def test_european_export_bom_semicolons_decimal_comma_crlf():
    raw = (FIXTURES / "campaigns_eu.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # the fixture is what it claims
    result = read_file(FIXTURES / "campaigns_eu.csv", load_mapping(FIXTURES / "campaigns_eu.yml"))
    assert (result.rows_read, result.rows_ok, result.rows_rejected, result.blank_lines) == (10, 5, 5, 1)
    f = result.frame
    assert f.index.tolist() == [2, 3, 4, 9, 12]  # physical lines, header = 1, blank line 8 skipped
    assert f["campaign_name"].tolist() == [
        "Spring Sale | Top",  # concatenation
        "Summer; Deals | Side",  # quoted field holding the delimiter
        "Autumn | Top",
        "Launch | Feed",
        "Padded | Top",  # fields are trimmed
    ]
    # thousands dot, decimal comma; money as exact decimals
    assert f["cost"].tolist() == [D("1234.5"), D("99.9"), D("10"), D("1000000"), D("7.5")]
    assert f["revenue"].tolist() == [D("2500.75"), D("150"), D("20"), D("3000000.5"), D("20")]
    assert f["impressions"].tolist() == [12_000, 1_000, 100, 2_500_000, 100]
    assert f["channel"].tolist() == ["Email", "FB", None, "Display", "Email"]  # "#N/A" is null
    assert f["conversions"].isna().tolist() == [False, True, False, False, False]  # "-" is null
    assert f["date"].dt.date.tolist() == [dt.date(2024, 3, 31), dt.date(2024, 4, 1), dt.date(2024, 4, 2),
                                          dt.date(2024, 4, 5), dt.date(2024, 4, 8)]  # %d/%m/%Y
    assert rejects_by_line(result) == {
        5: "expected 9 fields, found 8",
        6: "cost (from Kosten): not a number: '12,x'",
        7: "campaign_name: required but empty",
        10: "date (from Tag): not a date in format %d/%m/%Y: '2024-04-06'",
        11: "cost (from Kosten): not a number: '1.23,4'",  # thousands groups of three
    }
    assert result.rejects.set_index("line").loc[5, "raw_line"] == "Winter;Top;Email;12;100;5;1;20"
    assert result.rejects.set_index("line").loc[7, "raw_line"] == ";Top;Email;5;100;5;1;20;04/04/2024"


def test_sums_differences_and_constants():
    result = read_file(FIXTURES / "customers_sum.csv", load_mapping(FIXTURES / "customers_sum.yml"))
    f = result.frame
    assert f.index.tolist() == [2, 3, 4]
    assert f["customer_id"].tolist() == [1, 2, 3]
    assert f["age"].tolist() == [34, 24, 29]  # 2014 - Year_Birth
    assert f["transactions"].tolist() == [3, 0, 2]  # NumWeb + NumStore
    assert f["revenue"].tolist()[:2] == [15.5, 0.0]
    assert pd.isna(f["revenue"].iloc[2])  # a sum with an empty part is empty
    assert f["acquisition_channel"].tolist() == ["Email"] * 3
    assert f["avg_session_duration"].isna().all()
    assert rejects_by_line(result) == {
        5: "age (from Year_Birth): not a number: 'abc'",
        6: "customer_id: required but empty",
    }


def test_whitespace_separated_crlf_orders_with_padded_ids():
    result = read_file(FIXTURES / "orders_ws.txt", load_mapping(MAPPINGS / "cdnow_orders.yml"))
    f = result.frame
    assert result.rows_read == 12 and result.rows_ok == 10
    assert result.duplicate_lines == 1  # line 8 repeats line 7; kept
    assert f.loc[[7, 8], "amount"].tolist() == [D("19.54"), D("19.54")]
    assert f["customer_id"].tolist() == [1, 2, 2, 3, 3, 3, 3, 4, 4, 7]
    assert f.loc[2, "order_date"] == pd.Timestamp("1997-01-01")
    assert rejects_by_line(result) == {
        11: "order_date (from date): not a date in format %Y%m%d: '1997-01-01'",
        12: "expected 4 fields, found 2",
    }


def test_quoted_field_spanning_lines_keeps_physical_line_numbers():
    data = b'name,cost\n"two\nlines, and a comma",1\nok,2\nbad,x\n"a ""quoted"" word",3\nshort\n'
    m = mapping({"table": "campaigns", "columns": {
        **{c: None for c in CAMPAIGN_COLUMNS}, "campaign_name": "name", "cost": "cost"}})
    result = read_bytes(data, m, file_name="multi.csv")
    assert result.frame["campaign_name"].tolist() == ["two\nlines, and a comma", "ok", 'a "quoted" word']
    assert result.frame.index.tolist() == [2, 4, 6]
    assert rejects_by_line(result) == {5: "cost (from cost): not a number: 'x'", 7: "expected 2 fields, found 1"}
    assert result.rows_read == 5


def test_unclosed_quote_swallows_no_line_silently():
    data = b'name,cost\nok,1\n"unclosed,2\nnext,3\n'
    m = mapping({"table": "campaigns", "columns": {
        **{c: None for c in CAMPAIGN_COLUMNS}, "campaign_name": "name", "cost": "cost"}})
    result = read_bytes(data, m, file_name="q.csv")
    # the open quote runs to the end of the file: one record from line 3, wrong field count
    assert result.frame.index.tolist() == [2]
    assert result.rows_read == 2 and result.rows_rejected == 1
    assert result.rejects.iloc[0]["line"] == 3
    assert result.rejects.iloc[0]["raw_line"] == '"unclosed,2\nnext,3'


def test_a_quote_opened_mid_line_is_read_as_csv_does():
    m = mapping({"table": "campaigns", "columns": {
        **{c: None for c in CAMPAIGN_COLUMNS}, "campaign_name": "name", "cost": "cost"}})
    result = read_bytes(b'name,cost\n5" screen,1\na"b,"c\nx"y,1\nok,2\n', m, file_name="w.csv")
    # line 2: a quote inside a field is text; line 3 opens a quoted field that runs into line 4
    assert result.frame["campaign_name"].to_dict() == {2: '5" screen', 5: "ok"}
    assert rejects_by_line(result) == {3: "expected 2 fields, found 3"}
    assert result.rejects.iloc[0]["raw_line"] == 'a"b,"c\nx"y,1'
    assert result.rows_read == 3


def test_too_many_fields_and_whitespace_only_values():
    m = mapping({**PLAIN_CAMPAIGNS, "format": {"null_values": ["n/a"]}})
    header = ",".join(CAMPAIGN_COLUMNS)
    data = (f"{header}\n"
            "a,Email,1,2,3,4,5,2024-01-01\n"
            "b,Email,1,2,3,4,5,2024-01-01,extra\n"
            "c,  ,1,  n/a ,3,4,5,2024-01-02\n").encode()
    result = read_bytes(data, m, file_name="x.csv")
    assert rejects_by_line(result) == {3: "expected 8 fields, found 9"}
    row = result.frame.loc[4]
    assert row["channel"] is None and pd.isna(row["impressions"])  # blank and " n/a " are null


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("clicks", "1.5", "clicks: not a whole number: '1.5'"),
        ("clicks", "1_000", "clicks (from clicks): not a number: '1_000'"),
        ("cost", "inf", "cost (from cost): not a number: 'inf'"),
        ("cost", "1e17", "cost: out of range (decimal(20,4): -9999999999999999.9999 to 9999999999999999.9999): "
                         "'1e17'"),
        ("campaign_name", "x" * 256, "campaign_name: longer than 255 characters"),
        ("date", "2024-02-30", "date (from date): not a date in format %Y-%m-%d: '2024-02-30'"),
    ],
)
def test_values_that_cannot_be_stored_are_rejected(field, value, reason):
    row = {"campaign_name": "a", "channel": "Email", "cost": "1", "impressions": "2", "clicks": "3",
           "conversions": "4", "revenue": "5", "date": "2024-01-01"}
    row[field] = value
    data = (",".join(CAMPAIGN_COLUMNS) + "\n" + ",".join(row[c] for c in CAMPAIGN_COLUMNS) + "\n"
            + "ok,Email,1,2,3,4,5,2024-01-01\n").encode()
    result = read_bytes(data, mapping(PLAIN_CAMPAIGNS), file_name="x.csv")
    assert rejects_by_line(result) == {2: reason}
    assert result.frame.index.tolist() == [3]


def test_ages_out_of_int_range_are_rejected():
    m = mapping({"table": "customers", "columns": {
        "customer_id": "id", "age": "age", "sessions": None, "avg_session_duration": None,
        "pages_per_session": None, "transactions": None, "revenue": None, "acquisition_channel": None,
        "signup_date": None}})
    result = read_bytes(b"id,age\n1,30\n2,3000000000\n9223372036854775807,1\n", m, file_name="c.csv")
    assert rejects_by_line(result) == {3: "age: out of range (integer: -2147483648 to 2147483647): '3000000000'"}
    assert result.frame["customer_id"].tolist() == [1, 9223372036854775807]  # bigint ids stay exact


def test_date_from_parts_with_month_names_and_numbers():
    m = mapping({"table": "campaigns", "columns": {
        **{c: None for c in CAMPAIGN_COLUMNS},
        "date": {"date_parts": {"year": "y", "month": "m", "day": "d"}}}})
    data = b"y,m,d\n2020,April,1\n2020,jun,30\n2021,2,28\n2020,February,30\n2020,Smarch,1\n2020,5,\n"
    result = read_bytes(data, m, file_name="d.csv")
    assert result.frame.loc[[2, 3, 4], "date"].dt.date.tolist() == [
        dt.date(2020, 4, 1), dt.date(2020, 6, 30), dt.date(2021, 2, 28)]
    assert pd.isna(result.frame.loc[7, "date"])  # a missing part: no date (not an error)
    assert rejects_by_line(result) == {
        5: "date: no such date (year-month-day): '2020-2-30'",
        6: "date (from m): not a month: 'Smarch'",
    }


def test_headerless_file_with_names_and_no_quoting():
    m = mapping({"table": "orders",
                 "format": {"header": False, "names": ["c", "d", "a"], "delimiter": "|", "quotechar": None},
                 "columns": {"customer_id": "c", "order_date": "d", "quantity": None, "amount": "a"}})
    result = read_bytes(b'7|2024-01-02|"3"\n8|2024-01-03|4\n', m, file_name="o.txt")
    assert result.frame.index.tolist() == [2]  # line 1 is data; its quoted '"3"' is not a number
    assert rejects_by_line(result) == {1: "amount (from a): not a number: '\"3\"'"}


def test_other_encodings(tmp_path):
    m = mapping({"table": "campaigns", "format": {"encoding": "latin-1"},
                 "columns": {**{c: None for c in CAMPAIGN_COLUMNS}, "campaign_name": "name"}})
    result = read_bytes("name\nCafé crème\n".encode("latin-1"), m, file_name="l.csv")
    assert result.frame["campaign_name"].tolist() == ["Café crème"]
    m16 = mapping({"table": "campaigns", "format": {"encoding": "utf-16"},
                   "columns": {**{c: None for c in CAMPAIGN_COLUMNS}, "campaign_name": "name"}})
    result = read_bytes("name\r\nNaïve\r\n".encode("utf-16"), m16, file_name="u.csv")  # with a BOM
    assert result.frame["campaign_name"].tolist() == ["Naïve"]


def test_bytes_that_are_not_the_encoding_are_one_clear_error():
    m = mapping({"table": "campaigns", "columns": {**{c: None for c in CAMPAIGN_COLUMNS}, "campaign_name": "name"}})
    with pytest.raises(DataError, match=r"bad.csv: line 3 is not valid utf-8 .*set format.encoding"):
        read_bytes(b"name\nok\nCaf\xe9\n", m, file_name="bad.csv")


def test_empty_and_header_only_files():
    m = mapping(PLAIN_CAMPAIGNS)
    with pytest.raises(DataError, match="the file is empty"):
        read_bytes(b"\r\n\r\n", m, file_name="empty.csv")
    result = read_bytes((",".join(CAMPAIGN_COLUMNS) + "\r\n").encode(), m, file_name="h.csv")
    assert (result.rows_read, result.rows_ok, result.rows_rejected) == (0, 0, 0)
    assert list(result.frame.columns) == CAMPAIGN_COLUMNS + ["currency"]  # the optional column, null
