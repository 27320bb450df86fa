"""`if_empty` on a mapping entry: the value of a row whose result comes out empty (Meta leaves a
zero count empty; Google Ads writes "--"), instead of null; a value that does not parse is still
rejected, and a wrong if_empty value is a mapping error naming the key."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reporting.errors import ConfigError
from reporting.ingest import read_bytes
from tests.ingest.helpers import mapping

DOC = {"table": "campaigns", "format": {"null_values": ["--"]},
       "columns": {"campaign_name": "name", "channel": {"column": "ch", "if_empty": "Email"}, "cost": "cost",
                   "impressions": None, "clicks": {"column": "clicks", "if_empty": 0},
                   "conversions": {"column": "conv", "if_empty": 0}, "revenue": {"column": "value", "if_empty": 0},
                   "date": {"column": "day", "if_empty": "2024-01-31"}}}


def test_empty_values_take_the_if_empty_value():
    data = b"name,ch,cost,clicks,conv,value,day\na,,1.5,,--,,\nb,FB,2,3,0.5,9.99,2024-02-01\nc,FB,1,x,1,1,2024-02-02\n"
    result = read_bytes(data, mapping(DOC), file_name="f.csv")
    assert result.rejects[["line", "reason"]].values.tolist() == [[4, "clicks (from clicks): not a number: 'x'"]]
    rows = result.frame.astype(object).where(result.frame.notna(), None)
    assert rows[["channel", "clicks", "conversions", "revenue"]].values.tolist() == [
        ["Email", 0, Decimal("0.0000"), Decimal("0.0000")], ["FB", 3, Decimal("0.5"), Decimal("9.99")]]
    assert [d.strftime("%Y-%m-%d") for d in result.frame["date"]] == ["2024-01-31", "2024-02-01"]
    assert result.frame["impressions"].isna().all()  # null stays null


@pytest.mark.parametrize(("entry", "message"), [
    ({"column": "clicks", "if_empty": "zero"}, "columns.clicks.if_empty: 'zero' is not a valid integer"),
    ({"column": "clicks", "if_empty": 1.5}, "columns.clicks.if_empty: 1.5 is not a valid integer"),
    ({"column": "clicks", "if_empty": None}, "columns.clicks.if_empty must be a value (leave it out for null)"),
    ({"const": 1, "if_empty": 0}, "columns.clicks.if_empty does not apply to a constant"),
])
def test_bad_if_empty_values_name_the_key(entry, message):
    with pytest.raises(ConfigError, match="^mapping test: " + message.replace("(", r"\(").replace(")", r"\)")
                       .replace(".", r"\.") + "$"):
        mapping({**DOC, "columns": {**DOC["columns"], "clicks": entry}})
