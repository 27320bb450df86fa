"""Fixtures for the real warehouses: a DuckDB file per test module and MariaDB schemas per run.

The MariaDB tests use their own schemas (mcatest_<pid>_...), never mca_raw / mca_analytics, and
drop only the schemas they created. When the server cannot be reached the tests skip, unless
MCA_REQUIRE_MARIADB=1 (set by .ci/run and `make test`), which turns that into a failure.

The Spark tests share one local Spark catalogue per test session (one JVM per process: Spark
allows one session), in a temporary folder, with schemas per module as on MariaDB. Without
pyspark or Java they skip, unless MCA_REQUIRE_SPARK=1 (set by `make test`).

Under pytest-xdist (`make test` runs two workers), each worker has its own dbt target and log
folders, every module's tests go to one worker (its module fixtures build once), and all the
Spark tests go to one worker, first (one JVM; the longest group).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from reporting.settings import Settings, Target, resolve_settings

REQUIRE_MARIADB = os.environ.get("MCA_REQUIRE_MARIADB") == "1"
REQUIRE_SPARK = os.environ.get("MCA_REQUIRE_SPARK") == "1"
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
_created_schemas: list[tuple[Settings, str]] = []
PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"


def pytest_configure(config: pytest.Config) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:  # dbt writes its manifest and partial-parse file there: one folder per process
        for variable, default in (("DBT_TARGET_PATH", "target"), ("DBT_LOG_PATH", "logs")):
            base = Path(os.environ.get(variable) or PROJECT_DIR / default)
            os.environ[variable] = str((base if base.is_absolute() else PROJECT_DIR / base) / worker)


def _is_spark(nodeid: str) -> bool:
    """A Spark test, from its id alone (the xdist controller sees ids, not items): the tests
    under tests/spark and the spark cases of the tests parametrized by target."""
    return nodeid.startswith("tests/spark/") or "[spark" in nodeid


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):  # the Spark tests first: the longest group
        items.sort(key=lambda item: not _is_spark(item.nodeid))  # stable


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, absent without it
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Each module's tests on one worker (its module fixtures build once), and every Spark test
    on one worker (one JVM per process, and the Spark tests are the longest group). xdist's own
    --dist loadgroup does not group under pytest 9.2 (it renames a node attribute pytest renamed)."""
    from xdist.scheduler import LoadScopeScheduling

    class ModulesAndSpark(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "spark" if _is_spark(nodeid) else nodeid.split("::", 1)[0]

    return ModulesAndSpark(config, log)


def _server_settings(target: Target, tag: str) -> Settings:
    base = resolve_settings(target=target)
    prefix = f"mcatest_{os.getpid()}_{tag}"
    return Settings(
        target=target, host=base.host, port=base.port, user=base.user, password=base.password,
        raw_schema=f"{prefix}_raw", schema=f"{prefix}", dbt_project_dir=base.dbt_project_dir,
        connect_tries=1,
    )


@pytest.fixture(scope="session")
def mariadb_reachable() -> bool:
    import pymysql

    base = resolve_settings(target=Target.mariadb)
    try:
        pymysql.connect(host=base.host, port=base.port, user=base.user, password=base.password,
                        connect_timeout=5).close()
    except pymysql.err.MySQLError as exc:
        message = f"MariaDB not reachable at {base.host}:{base.port}: {exc}"
        if REQUIRE_MARIADB:
            pytest.fail(message + " (MCA_REQUIRE_MARIADB=1 makes this a failure)")
        pytest.skip(message)
    return True


@pytest.fixture(scope="module")
def server_settings_factory(mariadb_reachable: bool, request: pytest.FixtureRequest):
    """Make Settings for a server target with schemas unique to this module; dropped afterwards."""
    made: list[Settings] = []
    module = request.module.__name__.rsplit(".", 1)[-1].replace("test_", "")[:20]

    def make(target: Target = Target.mariadb, tag: str = "") -> Settings:
        s = _server_settings(target, f"{module}{'_' + tag if tag else ''}")
        made.append(s)
        return s

    yield make
    import pymysql

    for s in made:
        conn = pymysql.connect(host=s.host, port=s.port, user=s.user, password=s.password)
        try:
            with conn.cursor() as cur:
                for schema in (s.raw_schema, s.schema):
                    if schema.startswith("mcatest_"):
                        cur.execute(f"drop database if exists `{schema}`")
        finally:
            conn.close()


@pytest.fixture(scope="module")
def duckdb_settings_factory(tmp_path_factory: pytest.TempPathFactory):
    def make(tag: str = "db") -> Settings:
        base = resolve_settings(target=Target.duckdb)
        path = tmp_path_factory.mktemp("duckdb") / f"{tag}.duckdb"
        return Settings(target=Target.duckdb, duckdb_path=path, raw_schema="mca_raw",
                        schema="mca_analytics", dbt_project_dir=base.dbt_project_dir)

    return make


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder not present at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def spark_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test session's local Spark catalogue, or a skip (a failure under MCA_REQUIRE_SPARK=1)
    when pyspark or Java is missing."""
    import importlib.util
    import shutil

    missing = [what for what, ok in (("pyspark (pip install -e '.[spark]')", importlib.util.find_spec("pyspark")),
                                     ("Java (apt install openjdk-17-jre-headless)", shutil.which("java")))
               if not ok]
    if missing:
        message = "Spark tests need " + " and ".join(missing)
        if REQUIRE_SPARK:
            pytest.fail(message + " (MCA_REQUIRE_SPARK=1 makes this a failure)")
        pytest.skip(message)
    return tmp_path_factory.mktemp("spark")


@pytest.fixture(scope="module")
def spark_settings_factory(spark_dir: Path, request: pytest.FixtureRequest):
    """Settings for the spark target with schemas unique to this module, in the session's local
    catalogue; the schemas are dropped afterwards."""
    made: list[Settings] = []
    module = request.module.__name__.rsplit(".", 1)[-1].replace("test_", "")[:20]

    def make(tag: str = "") -> Settings:
        base = resolve_settings(target=Target.spark, environ={})
        prefix = f"mcatest_{module}{'_' + tag if tag else ''}"
        s = Settings(target=Target.spark, spark_dir=spark_dir, raw_schema=f"{prefix}_raw", schema=prefix,
                     dbt_project_dir=base.dbt_project_dir, port=base.port)
        made.append(s)
        return s

    yield make
    from reporting.warehouse import Warehouse

    for s in made:
        with Warehouse(s) as wh:
            for schema in (s.raw_schema, s.schema):
                wh.drop_schema(schema)
