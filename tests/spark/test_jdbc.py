"""`mca-report register-jdbc`: raw tables that stay in MariaDB, read by Spark over JDBC.

One MariaDB build and one Spark build of the crafted rows serve the module: the Spark raw
schema is registered (through the CLI, as a user whose password needs escaping) on the MariaDB
raw schema, and the marts of the two builds must agree column by column.
"""

from __future__ import annotations

import os
import re

import pymysql
import pytest
from typer.testing import CliRunner

from reporting.cli import app
from reporting.contract import RAW_TABLES
from reporting.dbt_runner import dbt_vars, run_dbt
from reporting.errors import RefusedError
from reporting.settings import Settings, Target
from reporting.spark_jdbc import JdbcSource, register_jdbc
from reporting.warehouse import MCA_TABLE_MARKER, Warehouse
from tests import crafted
from tests.helpers import assert_same_column, build, load_raw, read_all

pytestmark = [pytest.mark.spark, pytest.mark.mariadb, pytest.mark.slow]

#: quotes, a backslash and a percent sign: the password must survive Spark SQL's string literal
PASSWORD = "it's a \"p\\ss\" 100%"
PARTITIONS = 3
MARTS = {
    "fct_campaign_daily": "campaign_day_id",
    "dim_campaign": "campaign_key",
    "dim_customer": "customer_id",
    "rpt_channel_performance": "channel_id",
    "dq_data_quality": "rows_read",
    "dq_quarantined_campaigns": "campaign_row_id",
    "dq_duplicate_campaigns": "campaign_row_id",
    "dq_raw_tables": "table_name",
}


def register_cli(spark: Settings, maria: Settings, user: str, password: str, *args: str):
    env = {"MCA_TARGET": "spark", "MCA_SPARK_DIR": str(spark.spark_dir), "MCA_RAW_SCHEMA": spark.raw_schema,
           "MCA_SCHEMA": spark.schema, "MCA_SOURCE_PASSWORD": password}
    return CliRunner().invoke(app, ["register-jdbc", "--source-host", maria.host, "--source-port", str(maria.port),
                                    "--source-user", user, "--source-schema", maria.raw_schema, *args], env=env)


@pytest.fixture(scope="module")
def built(server_settings_factory, spark_settings_factory):
    """(mariadb settings, spark settings, the dbt events' text of the Spark build)."""
    spark = spark_settings_factory()
    if not spark.spark_jars_in_use():
        message = "the JDBC tests need MariaDB Connector/J: apt-get install libmariadb-java"
        if os.environ.get("MCA_REQUIRE_SPARK") == "1":
            pytest.fail(message)
        pytest.skip(message)
    maria = server_settings_factory(Target.mariadb)
    load_raw(maria, crafted.campaigns_frame(), crafted.CUSTOMERS)
    assert build(maria, crafted.AS_OF).success
    user = f"mca_j{os.getpid() % 100000}"
    root = pymysql.connect(host=maria.host, port=maria.port, user=maria.user, password=maria.password,
                           autocommit=True)
    try:
        with root.cursor() as cur:
            cur.execute(f"drop user if exists '{user}'@'%'")
            cur.execute(f"create user '{user}'@'%%' identified by %s", [PASSWORD])
            cur.execute(f"grant select on `{maria.raw_schema}`.* to '{user}'@'%'")
        result = register_cli(spark, maria, user, PASSWORD, "--partitions", str(PARTITIONS))
        assert result.exit_code == 0, result.output
        assert PASSWORD not in result.output
        lines = result.output.splitlines()
        assert f"registered {spark.raw_schema}.campaigns <- mysql://{user}@{maria.host}:{maria.port}/" \
               f"{maria.raw_schema}.campaigns (jdbc, {PARTITIONS} partitions on id 1..33)" in lines
        assert any(line.startswith(f"registered {spark.raw_schema}.customers <- ") for line in lines)
        assert "the source has no orders, fx_rates (not registered; their models build empty)" in lines

        wrong = register_cli(spark, maria, user, PASSWORD + "x")
        assert wrong.exit_code == 3, wrong.output
        said = [line for line in wrong.output.splitlines() if line.strip()]
        assert len(said) == 1 and said[0].startswith(f"error: cannot connect to mysql at {user}@"), wrong.output
        assert "Access denied" in said[0] and PASSWORD not in wrong.output

        events: list[str] = []
        summary = run_dbt(spark, "build", vars=dbt_vars(crafted.AS_OF),
                          callbacks=[lambda e: events.append(f"{e.info.msg} {e.data}")])
        assert summary.success, summary.error
        yield maria, spark, "\n".join(events)
    finally:  # the registered tables read as this user until the module is done
        with root.cursor() as cur:
            cur.execute(f"drop user if exists '{user}'@'%'")
        root.close()


def test_marts_on_spark_over_jdbc_match_mariadb(built):
    maria, spark, _ = built
    for mart, key in MARTS.items():
        a, b = read_all(maria, mart, key), read_all(spark, mart, key)
        assert list(a.columns) == list(b.columns), mart
        assert len(a) == len(b) and len(a) > 0, mart
        for col in a.columns:
            assert_same_column(a[col], b[col], f"{mart}.{col}")
    present = read_all(spark, "dq_raw_tables", "table_name")
    assert dict(zip(present.table_name, present.is_present.astype(bool))) == {
        "campaigns": True, "customers": True, "orders": False}


def test_campaigns_are_read_in_ranges_of_id(built):
    _, spark, _ = built
    with Warehouse(spark) as wh:
        ddl = str(wh.scalar(f"show create table {wh.raw('campaigns')}"))
        options = dict(re.findall(r"'(\w+)' = '([^']*)'", ddl))
        assert {k: options[k] for k in ("partitionColumn", "lowerBound", "upperBound", "numPartitions")} == {
            "partitionColumn": "id", "lowerBound": "1", "upperBound": "33", "numPartitions": str(PARTITIONS)}
        assert options["driver"] == "org.mariadb.jdbc.Driver"
        assert options["password"] == "*********(redacted)"  # Spark keeps it, and shows it redacted
        assert wh.session.table(wh.raw("campaigns")).rdd.getNumPartitions() == PARTITIONS
        customers = str(wh.scalar(f"show create table {wh.raw('customers')}"))
        assert "partitionColumn" not in customers  # no id: one piece
        assert wh.session.table(wh.raw("customers")).rdd.getNumPartitions() == 1
        assert wh.table_comment(spark.raw_schema, "campaigns").startswith(f"{MCA_TABLE_MARKER} register-jdbc from ")


def test_the_password_stays_out_of_dbt_events(built):
    _, _, events = built
    assert events  # the build's events were seen
    assert PASSWORD not in events


def test_refuses_to_replace_a_table_it_did_not_register(built, spark_settings_factory):
    maria, _, _ = built
    target = spark_settings_factory("force")
    source = JdbcSource(host=maria.host, port=maria.port, user=maria.user, password=maria.password,
                        schema=maria.raw_schema)
    with Warehouse(target) as wh:
        wh.ensure_schema(target.raw_schema)
        wh.execute(f"create table {wh.raw('campaigns')} (id bigint) using parquet")
        wh.create_table(target.raw_schema, RAW_TABLES["customers"], comment=f"{MCA_TABLE_MARKER} ingest")
    with pytest.raises(RefusedError, match=r"campaigns exists \(not created by mca\)"):
        register_jdbc(target, source)
    with Warehouse(target) as wh:  # nothing changed, customers included
        assert wh.table_comment(target.raw_schema, "campaigns") == ""
        assert wh.table_comment(target.raw_schema, "customers") == f"{MCA_TABLE_MARKER} ingest"
        wh.drop_table(target.raw_schema, "campaigns")
    # a table ingest filled would lose its rows: refused too
    with pytest.raises(RefusedError, match=r"customers exists \(created by mca ingest\)"):
        register_jdbc(target, source)
    done = register_jdbc(target, source, force=True)
    assert [t.name for t in done.tables] == ["campaigns", "customers"]
    with Warehouse(target) as wh:
        assert wh.table_comment(target.raw_schema, "customers").startswith(f"{MCA_TABLE_MARKER} register-jdbc")
        assert int(wh.scalar(f"select count(*) from {wh.raw('campaigns')}")) == len(crafted.ROWS)
