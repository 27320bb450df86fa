"""Appending files to the raw tables on DuckDB and MariaDB: the load log, skipping content already
loaded, --replace, atomicity per file, ids in load order, and tables mca did not create."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from reporting.errors import DataError, RefusedError, WarehouseError
from reporting.contract import CAMPAIGNS, CUSTOMERS, LOAD_ID_COLUMN, LOAD_LOG, TableSpec
from reporting.ingest import ingest_files, load_mapping
from reporting.warehouse import MCA_TABLE_MARKER, Warehouse
from tests.ingest.helpers import FIXTURES, PLAIN_CAMPAIGNS, campaigns_csv, mapping


@pytest.fixture
def eu(tmp_path):
    """The European campaigns fixture (5 good lines of 10) and its mapping, copied to tmp."""
    shutil.copy(FIXTURES / "campaigns_eu.csv", tmp_path / "campaigns_eu.csv")
    return tmp_path / "campaigns_eu.csv", load_mapping(FIXTURES / "campaigns_eu.yml")


def raw(settings, sql: str) -> pd.DataFrame:
    with Warehouse(settings) as wh:
        return wh.query(sql.format(c=wh.raw("campaigns"), cu=wh.raw("customers"), log=wh.raw(LOAD_LOG.name)))


def count(settings, table: str = "c") -> int:
    return int(raw(settings, f"select count(*) as n from {{{table}}}").iat[0, 0])


def test_load_twice_skips_and_replace_reloads_exactly_once(make_settings, eu, tmp_path):
    s = make_settings()
    path, m = eu
    [first] = ingest_files(s, "campaigns", [path], m, max_reject_pct=60)
    assert (first.status, first.rows_read, first.rows_loaded, first.rows_rejected) == ("loaded", 10, 5, 5)
    assert (first.load_id, first.first_id, first.last_id) == (1, 1, 5)
    assert first.rejects_path == tmp_path / "campaigns_eu.csv.rejects.csv"
    rejects = pd.read_csv(first.rejects_path)
    assert list(rejects.columns) == ["line", "reason", "raw_line"]
    assert rejects["line"].tolist() == [5, 6, 7, 10, 11]

    rows = raw(s, "select id, campaign_name, channel, cost, impressions, conversions, revenue, date, "
                  f"{LOAD_ID_COLUMN} as load_id from {{c}} order by id")
    assert rows["id"].tolist() == [1, 2, 3, 4, 5]
    assert rows["campaign_name"].tolist() == ["Spring Sale | Top", "Summer; Deals | Side", "Autumn | Top",
                                              "Launch | Feed", "Padded | Top"]
    assert [float(v) for v in rows["cost"]] == [1234.5, 99.9, 10.0, 1_000_000.0, 7.5]
    assert [float(v) for v in rows["revenue"]] == [2500.75, 150.0, 20.0, 3_000_000.5, 20.0]
    assert rows["channel"].isna().tolist() == [False, False, True, False, False]
    assert rows["conversions"].isna().tolist() == [False, True, False, False, False]
    assert pd.to_datetime(rows["date"]).dt.strftime("%Y-%m-%d").tolist() == [
        "2024-03-31", "2024-04-01", "2024-04-02", "2024-04-05", "2024-04-08"]
    assert rows["load_id"].tolist() == [1] * 5

    [again] = ingest_files(s, "campaigns", [path], m, max_reject_pct=60)
    assert again.status == "skipped" and again.previous.load_id == 1 and again.rows_loaded == 0
    assert count(s) == 5

    [replaced] = ingest_files(s, "campaigns", [path], m, max_reject_pct=60, replace=True)
    assert replaced.status == "replaced" and [p.load_id for p in replaced.replaced] == [1]
    assert count(s) == 5
    after = raw(s, f"select id, {LOAD_ID_COLUMN} as load_id from {{c}} order by id")
    assert after["id"].tolist() == [6, 7, 8, 9, 10]  # new ids after the largest, never reused
    assert after["load_id"].tolist() == [2] * 5
    log = raw(s, "select load_id, table_name, file_name, rows_read, rows_loaded, rows_rejected, first_id, "
                 "last_id, content_sha256 from {log}")
    assert log[["load_id", "table_name", "file_name", "rows_read", "rows_loaded", "rows_rejected",
                "first_id", "last_id"]].values.tolist() == [[2, "campaigns", "campaigns_eu.csv", 10, 5, 5, 6, 10]]
    assert len(log["content_sha256"].iat[0]) == 64


def test_raw_table_created_with_the_contract_types_and_marker(make_settings, eu):
    s = make_settings()
    path, m = eu
    ingest_files(s, "campaigns", [path], m, max_reject_pct=60)
    with Warehouse(s) as wh:
        assert wh.columns_of(s.raw_schema, "campaigns") == CAMPAIGNS.as_created().column_names
        assert wh.table_comment(s.raw_schema, "campaigns") == f"{MCA_TABLE_MARKER} ingest"
        assert wh.table_comment(s.raw_schema, LOAD_LOG.name).startswith(MCA_TABLE_MARKER)


def test_ids_continue_in_file_order_across_files(make_settings, tmp_path):
    s = make_settings()
    m = mapping(PLAIN_CAMPAIGNS)
    a = campaigns_csv(tmp_path / "a.csv", [["x", "Email", "1.5", 10, 1, 0, "2", "2024-01-01"],
                                           ["y", "FB", "2.25", 20, 2, 1, "3", "2024-01-02"]])
    b = campaigns_csv(tmp_path / "b.csv", [["z", "Email", "0.0001", 30, 3, 0, "4", "2024-01-03"]])
    outcomes = ingest_files(s, "campaigns", [a, b], m)
    assert [(o.first_id, o.last_id, o.load_id) for o in outcomes] == [(1, 2, 1), (3, 3, 2)]
    rows = raw(s, "select id, campaign_name, cost from {c} order by id")
    assert rows["campaign_name"].tolist() == ["x", "y", "z"]
    assert [float(v) for v in rows["cost"]] == [1.5, 2.25, 0.0001]
    assert not (tmp_path / "a.csv.rejects.csv").exists()


def shifted_file(path, rows=100, shifted=10):
    """A file where ``shifted`` rows have one field too many (a stray delimiter)."""
    data = []
    for i in range(rows):
        row = [f"c{i}", "Email", "1", 10, 1, 0, "2", "2024-01-01"]
        if i % (rows // shifted) == 0:
            row.insert(1, "stray")
        data.append(row)
    return campaigns_csv(path, data)


def test_file_over_the_reject_limit_loads_nothing(make_settings, eu, tmp_path):
    s = make_settings()
    path, m = eu
    ingest_files(s, "campaigns", [path], m, max_reject_pct=60)
    bad = shifted_file(tmp_path / "shifted.csv")
    with pytest.raises(DataError) as err:
        ingest_files(s, "campaigns", [bad], mapping(PLAIN_CAMPAIGNS))
    assert str(err.value).startswith("shifted.csv: 10 of 100 lines rejected (10.0%), above the 1% limit; "
                                     "nothing loaded; see ")
    assert count(s) == 5 and count(s, "log") == 1
    rejects = pd.read_csv(tmp_path / "shifted.csv.rejects.csv")
    assert rejects["line"].tolist() == list(range(2, 102, 10))
    assert set(rejects["reason"]) == {"expected 8 fields, found 9"}
    # the same file under a higher limit loads its 90 good lines
    [outcome] = ingest_files(s, "campaigns", [bad], mapping(PLAIN_CAMPAIGNS), max_reject_pct=10)
    assert (outcome.rows_loaded, outcome.rows_rejected) == (90, 10)
    assert count(s) == 95


def test_second_file_failing_leaves_the_first_loaded(make_settings, tmp_path):
    s = make_settings()
    good = campaigns_csv(tmp_path / "good.csv", [["x", "Email", "1", 10, 1, 0, "2", "2024-01-01"]])
    bad = shifted_file(tmp_path / "bad.csv")
    seen = []
    with pytest.raises(DataError):
        ingest_files(s, "campaigns", [good, bad], mapping(PLAIN_CAMPAIGNS), on_file=seen.append)
    assert [o.path.name for o in seen] == ["good.csv"]
    assert count(s) == 1 and count(s, "log") == 1


def user_customers(settings, frame: pd.DataFrame, comment: str) -> None:
    """A customers table as a user (or sample-data) made it: primary key, no load id column."""
    with Warehouse(settings) as wh:
        wh.replace_table(settings.raw_schema, TableSpec("customers", CUSTOMERS.columns, primary_key=("customer_id",)),
                         frame, comment=comment)


EXISTING = pd.DataFrame({"customer_id": [2], "age": [50], "sessions": [1], "avg_session_duration": [None],
                         "pages_per_session": [None], "transactions": [1], "revenue": [9.0],
                         "acquisition_channel": ["FB"], "signup_date": [pd.Timestamp("2012-01-01")]})


def test_a_row_the_table_refuses_rolls_the_whole_file_back(make_settings, tmp_path):
    s = make_settings()
    user_customers(s, EXISTING, comment="our CRM export")
    with pytest.raises(WarehouseError) as err:  # customers_sum.csv has customer 2 again
        ingest_files(s, "customers", [FIXTURES / "customers_sum.csv"], load_mapping(FIXTURES / "customers_sum.yml"),
                     max_reject_pct=50, rejects=tmp_path)
    assert "nothing loaded" in str(err.value)
    assert "\n" not in str(err.value)
    rows = raw(s, "select customer_id, age from {cu}")
    assert rows.values.tolist() == [[2, 50]]  # unchanged
    with Warehouse(s) as wh:  # nothing loaded: no load log either (not even an empty one)
        assert not wh.table_exists(s.raw_schema, LOAD_LOG.name)


def test_appends_to_a_users_table_but_never_alters_it_so_replace_is_refused(make_settings, tmp_path):
    s = make_settings()
    user_customers(s, EXISTING.assign(customer_id=[99]), comment="our CRM export")
    shutil.copy(FIXTURES / "customers_sum.csv", tmp_path / "customers.csv")
    m = load_mapping(FIXTURES / "customers_sum.yml")
    [outcome] = ingest_files(s, "customers", [tmp_path / "customers.csv"], m, max_reject_pct=50)
    assert outcome.rows_loaded == 3
    with Warehouse(s) as wh:
        assert LOAD_ID_COLUMN not in wh.columns_of(s.raw_schema, "customers")
    assert sorted(raw(s, "select customer_id from {cu}")["customer_id"].tolist()) == [1, 2, 3, 99]
    with pytest.raises(RefusedError, match="cannot replace load 1 of customers.csv"):
        ingest_files(s, "customers", [tmp_path / "customers.csv"], m, max_reject_pct=50, replace=True)
    assert count(s, "cu") == 4


def test_a_table_mca_created_without_load_ids_gets_the_column(make_settings, tmp_path):
    s = make_settings()
    user_customers(s, EXISTING.assign(customer_id=[99]), comment=f"{MCA_TABLE_MARKER} sample-data")
    shutil.copy(FIXTURES / "customers_sum.csv", tmp_path / "customers.csv")
    m = load_mapping(FIXTURES / "customers_sum.yml")
    ingest_files(s, "customers", [tmp_path / "customers.csv"], m, max_reject_pct=50)
    rows = raw(s, f"select customer_id, {LOAD_ID_COLUMN} as load_id from {{cu}} order by customer_id")
    assert rows["customer_id"].tolist() == [1, 2, 3, 99]
    assert rows["load_id"].tolist()[:3] == [1, 1, 1] and pd.isna(rows["load_id"].iat[3])
    [outcome] = ingest_files(s, "customers", [tmp_path / "customers.csv"], m, max_reject_pct=50, replace=True)
    assert outcome.status == "replaced" and count(s, "cu") == 4


def test_replace_covers_earlier_versions_of_the_same_path(make_settings, tmp_path):
    s = make_settings()
    m = mapping(PLAIN_CAMPAIGNS)
    path = tmp_path / "daily.csv"
    campaigns_csv(path, [["a", "Email", "1", 1, 1, 0, "1", "2024-01-01"]] * 3)
    ingest_files(s, "campaigns", [path], m)
    campaigns_csv(path, [["b", "Email", "1", 1, 1, 0, "1", "2024-01-02"]] * 4)
    [appended] = ingest_files(s, "campaigns", [path], m)  # new content under the same name appends
    assert appended.status == "loaded" and [p.load_id for p in appended.other_versions] == [1]
    assert count(s) == 7
    [replaced] = ingest_files(s, "campaigns", [path], m, replace=True)
    assert sorted(p.load_id for p in replaced.replaced) == [1, 2]
    assert raw(s, "select campaign_name, count(*) as n from {c} group by campaign_name").values.tolist() == [["b", 4]]


def test_mapping_for_another_table_and_missing_files_are_config_errors(tmp_path):
    from reporting.errors import ConfigError
    from reporting.settings import Settings

    s = Settings(duckdb_path=tmp_path / "x.duckdb")
    with pytest.raises(ConfigError, match="mapping test is for the campaigns table, not orders"):
        ingest_files(s, "orders", [tmp_path / "a.csv"], mapping(PLAIN_CAMPAIGNS))
    with pytest.raises(ConfigError, match="no such file"):
        ingest_files(s, "campaigns", [tmp_path / "a.csv"], mapping(PLAIN_CAMPAIGNS))
    assert not (tmp_path / "x.duckdb").exists()


@pytest.mark.mariadb
def test_non_transactional_tables_are_refused(server_settings_factory, tmp_path):
    from reporting.settings import Target

    s = server_settings_factory(Target.mariadb, "myisam")
    with Warehouse(s) as wh:
        wh.ensure_schema(s.raw_schema)
        cols = ", ".join(wh.column_ddl(c) for c in CAMPAIGNS.columns)
        wh.execute(f"create table {wh.raw('campaigns')} ({cols}) engine=MyISAM")
    path = campaigns_csv(tmp_path / "a.csv", [["x", "Email", "1", 10, 1, 0, "2", "2024-01-01"]])
    with pytest.raises(RefusedError, match="uses the MyISAM engine"):
        ingest_files(s, "campaigns", [path], mapping(PLAIN_CAMPAIGNS))
    assert count(s) == 0


def test_sample_data_refuses_a_table_ingest_appended_to_and_force_forgets_its_loads(make_settings, tmp_path):
    """sample-data created the table, ingest appended a user's rows to it: those rows are the
    user's, so sample-data refuses without --force; with it, the load log forgets the loads, so
    the same file loads again instead of being "skipped: already loaded"."""
    import datetime as dt

    from reporting.jobs import make_sample_data

    s = make_settings()
    make_sample_data(s, rows=40, customers=100, end_date=dt.date(2026, 11, 30))
    path = campaigns_csv(tmp_path / "mine.csv", [["Mine", "Search", 1.5, 10, 1, 0, 3, "2026-11-01"],
                                                 ["Mine", "Search", 2.5, 20, 2, 1, 6, "2026-11-02"]])
    [first] = ingest_files(s, "campaigns", [path], mapping(PLAIN_CAMPAIGNS))
    assert (first.status, first.rows_loaded, first.first_id, first.last_id) == ("loaded", 2, 41, 42)

    with pytest.raises(RefusedError, match=r"campaigns holds 2 row\(s\) that `mca-report ingest` loaded"):
        make_sample_data(s, rows=100, customers=100, end_date=dt.date(2026, 11, 30))
    assert count(s) == 42  # nothing replaced, customers included
    assert count(s, "cu") == 100

    make_sample_data(s, rows=100, customers=100, end_date=dt.date(2026, 11, 30), force=True)
    assert count(s) == 100
    assert int(raw(s, "select count(*) as n from {log} where table_name = 'campaigns'").iat[0, 0]) == 0
    [again] = ingest_files(s, "campaigns", [path], mapping(PLAIN_CAMPAIGNS))
    assert (again.status, again.rows_loaded, again.first_id) == ("loaded", 2, 101)
    # with no ingested rows left in it, the table is sample data again
    make_sample_data(s, rows=10, customers=100, end_date=dt.date(2026, 11, 30), force=True)
    make_sample_data(s, rows=10, customers=100, end_date=dt.date(2026, 11, 30))
    assert count(s) == 10
