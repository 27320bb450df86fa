"""Fixtures for the real warehouses: DuckDB files and MariaDB schemas of the tests' own.

The MariaDB tests use their own schemas (mcatest_<pid>_s<n>: the worker's process id and a number
that modules reuse, see _Slots), never mca_raw / mca_analytics, and drop only those. When the
server cannot be reached the tests skip, unless MCA_REQUIRE_MARIADB=1 (set by .ci/run and `make
test`), which turns that into a failure.

The Spark tests share one local Spark catalogue per test session (one JVM per process: Spark
allows one session), in a temporary folder, with numbered schemas as on MariaDB. Without
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


class _Slots:
    """Numbers for the schemas and DuckDB files the factories below hand out, the lowest free one
    first, given back when the module that took them ends. So the same few names recur from
    module to module in a worker, and dbt, which keeps a partial parse per connection
    (reporting.dbt_runner), parses the project in full only the first time a worker uses a
    name, not once per module (about 4 s each; see DECISIONLOG, "Test suite time")."""

    def __init__(self) -> None:
        self._taken: set[tuple[str, int]] = set()

    def take(self, kind: str) -> int:
        n = 0
        while (kind, n) in self._taken:
            n += 1
        self._taken.add((kind, n))
        return n

    def give_back(self, kind: str, n: int) -> None:
        self._taken.discard((kind, n))


_SLOTS = _Slots()


def _drop_server_schemas(s: Settings) -> None:
    import pymysql

    conn = pymysql.connect(host=s.host, port=s.port, user=s.user, password=s.password)
    try:
        with conn.cursor() as cur:
            for schema in (s.raw_schema, s.schema):
                if schema.startswith("mcatest_"):
                    cur.execute(f"drop database if exists `{schema}`")
    finally:
        conn.close()


def _server_settings(target: Target, slot: int) -> Settings:
    base = resolve_settings(target=target)
    prefix = f"mcatest_{os.getpid()}_s{slot}"
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
def server_settings_factory(mariadb_reachable: bool):
    """Make Settings for a server target with schemas of their own (empty: any left by an earlier
    module are dropped first); dropped when the module ends. The tag names nothing any more (the
    schemas are numbered, see _Slots); it stays to say what each call is for."""
    made: list[tuple[Settings, int]] = []

    def make(target: Target = Target.mariadb, tag: str = "") -> Settings:
        slot = _SLOTS.take("server")
        s = _server_settings(target, slot)
        made.append((s, slot))
        _drop_server_schemas(s)
        return s

    yield make
    try:
        for s, _ in made:
            _drop_server_schemas(s)
    finally:
        for _, slot in made:
            _SLOTS.give_back("server", slot)


@pytest.fixture(scope="module")
def duckdb_settings_factory(tmp_path_factory: pytest.TempPathFactory):
    """Make Settings for a DuckDB file of its own, in a folder of its own (new and empty), removed
    when the module ends. The tag names nothing any more (see _Slots)."""
    import shutil

    made: list[tuple[Path, int]] = []
    base = resolve_settings(target=Target.duckdb)

    def make(tag: str = "db") -> Settings:
        slot = _SLOTS.take("duckdb")
        folder = tmp_path_factory.getbasetemp() / "duckdb-slots" / f"s{slot}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        made.append((folder, slot))
        return Settings(target=Target.duckdb, duckdb_path=folder / "w.duckdb", raw_schema="mca_raw",
                        schema="mca_analytics", dbt_project_dir=base.dbt_project_dir)

    yield make
    for folder, slot in made:
        shutil.rmtree(folder, ignore_errors=True)
        _SLOTS.give_back("duckdb", slot)


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
def spark_settings_factory(spark_dir: Path):
    """Settings for the spark target with schemas of their own in the session's local catalogue,
    numbered as the server's (see _Slots); the schemas are dropped when the module ends."""
    made: list[tuple[Settings, int]] = []

    def make(tag: str = "") -> Settings:
        base = resolve_settings(target=Target.spark, environ={})
        slot = _SLOTS.take("spark")
        prefix = f"mcatest_s{slot}"
        s = Settings(target=Target.spark, spark_dir=spark_dir, raw_schema=f"{prefix}_raw", schema=prefix,
                     dbt_project_dir=base.dbt_project_dir, port=base.port)
        made.append((s, slot))
        return s

    yield make
    from reporting.warehouse import Warehouse

    try:
        for s, _ in made:
            with Warehouse(s) as wh:
                for schema in (s.raw_schema, s.schema):
                    wh.drop_schema(schema)
    finally:
        for _, slot in made:
            _SLOTS.give_back("spark", slot)
