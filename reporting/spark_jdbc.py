"""`mca-report register-jdbc`: a MySQL/MariaDB raw schema read by Spark in place, over JDBC.

For each raw table of the contract (:data:`reporting.contract.RAW_TABLES`) that the source schema
has, one table in Spark's raw schema::

    CREATE TABLE <raw>.<t> USING jdbc OPTIONS (url 'jdbc:mysql://host:port/schema', dbtable '<t>',
        user ..., password ..., driver 'org.mariadb.jdbc.Driver', fetchsize ...,
        [partitionColumn 'id', lowerBound <min id>, upperBound <max id>, numPartitions N])
    COMMENT 'created by mca register-jdbc from mysql://user@host:port/schema'

Spark reads the rows from the server at every query (nothing is copied); a table with a numeric
``id`` is read in N ranges of ids at once, one connection each. The bounds only spread the
ranges: rows outside them (loaded after the registration) are still read, by the first and last
range, so a rerun after large loads only rebalances the ranges.

The driver is MariaDB Connector/J (Debian's libmariadb-java, on Spark's classpath through
``spark.jars``: reporting/warehouse/spark.py). The URL says ``jdbc:mysql:`` so that Spark picks its
MySQL dialect, which quotes column names with backticks (with ``jdbc:mariadb:`` it quotes them
with double quotes, which MySQL reads as strings); ``permitMysqlScheme`` lets Connector/J 3 accept
that scheme too (2.x accepts it anyway).

The password comes from the environment only (:data:`SOURCE_PASSWORD_ENV`), and never appears in
what mca prints or logs: every error from the source or from Spark is scrubbed of it. Spark keeps
it, with the other options, in its catalogue (the metastore): DESCRIBE and SHOW CREATE TABLE
print it redacted, but whoever can read the metastore can read it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from reporting.contract import DATA_TABLES, RAW_TABLES
from reporting.errors import ConfigError, WarehouseError
from reporting.settings import Settings, Target
from reporting.warehouse import MCA_TABLE_MARKER, Warehouse, run_lock, short_error

log = logging.getLogger(__name__)

#: The only place the source's password comes from.
SOURCE_PASSWORD_ENV = "MCA_SOURCE_PASSWORD"
#: MariaDB Connector/J's driver class (Debian's libmariadb-java; also reads MySQL 8).
JDBC_DRIVER = "org.mariadb.jdbc.Driver"
#: Who the tables' comment names: only tables with this mark are replaced without --force.
OWNER = "register-jdbc"
#: Ranges of ids read at once for a table with a numeric id (and so connections to the source).
DEFAULT_PARTITIONS = 4
#: Rows the driver fetches per round trip, so a range streams instead of arriving whole.
FETCH_SIZE = 10_000
#: The column a table is partitioned on when it is numeric (campaigns' key, in load order).
PARTITION_COLUMN = "id"
_INTEGER_TYPES = {"tinyint", "smallint", "mediumint", "int", "integer", "bigint"}
_HOST = re.compile(r"^(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])$")
_SCHEMA = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class JdbcSource:
    """The MySQL/MariaDB server and schema holding the raw tables."""

    host: str = "127.0.0.1"
    port: int = 3306
    user: str = "root"
    password: str = field(default="", repr=False)
    schema: str = "mca_raw"

    def __post_init__(self) -> None:
        if not _HOST.match(self.host):
            raise ConfigError(f"--source-host must be a host name or address, got {self.host!r}")
        if not _SCHEMA.match(self.schema):
            raise ConfigError(f"--source-schema must be letters, digits and underscores, got {self.schema!r}")
        if not 0 < self.port < 65536:
            raise ConfigError(f"--source-port must be 1 to 65535, got {self.port}")

    def describe(self) -> str:
        """Where the source is, for messages and the tables' comment: never the password."""
        return f"mysql://{self.user}@{self.host}:{self.port}/{self.schema}"

    def url(self) -> str:
        return f"jdbc:mysql://{self.host}:{self.port}/{self.schema}?permitMysqlScheme"

    def settings(self, connect_tries: int) -> Settings:
        """Settings for mca's MySQL engine (PyMySQL) on the source, to check it before Spark."""
        host = self.host[1:-1] if self.host.startswith("[") else self.host
        return Settings(target=Target.mysql, host=host, port=self.port, user=self.user,
                        password=self.password, raw_schema=self.schema, connect_tries=connect_tries)


@dataclass(frozen=True)
class SourceTable:
    """A raw table the source has; ``ids``: its smallest and largest numeric id, when it is
    partitioned on them (None: read in one piece)."""

    name: str
    ids: tuple[int, int] | None = None


@dataclass(frozen=True)
class Registration:
    """What :func:`register_jdbc` did."""

    source: JdbcSource
    schema: str
    tables: tuple[SourceTable, ...]
    absent: tuple[str, ...]
    partitions: int
    dropped: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        out = []
        for t in self.tables:
            if t.ids is None:
                how = "one partition"
            else:
                how = f"{self.partitions} partitions on {PARTITION_COLUMN} {t.ids[0]:,}..{t.ids[1]:,}"
            out.append(f"registered {self.schema}.{t.name} <- {self.source.describe()}.{t.name} (jdbc, {how})")
        if self.absent:
            out.append(f"the source has no {', '.join(self.absent)} (not registered; their models build empty)")
        for name in self.dropped:
            out.append(f"dropped {self.schema}.{name}: registered earlier, no longer in the source")
        return out


def _scrub(text: str, password: str) -> str:
    if not password:
        return text
    for secret in {password, _literal(password)[1:-1]}:
        text = text.replace(secret, "***")
    return text


def _literal(value: str) -> str:
    """A Spark SQL string literal (backslash escapes, as Spark parses them by default)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _java_error(exc: BaseException) -> str:
    """One line from a Spark failure: the Java exception's class and message when py4j wrapped
    one (its first line only says which call failed), else the error's first line."""
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        for line in str(error).splitlines():
            match = re.match(r"^:?\s*(?:[\w$]+\.)*([\w$]+(?:Exception|Error)): (.+)$", line.strip())
            if match:
                return f"{match.group(1)}: {match.group(2)}"
        error = error.__cause__ or error.__context__
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def inspect_source(source: JdbcSource, *, connect_tries: int = 3) -> tuple[list[SourceTable], list[str]]:
    """The raw tables the source schema has (with their id range when partitioned) and the ones
    it lacks, through PyMySQL, so that a wrong host, user, password or schema, or a table
    without the contract's columns, is one line before Spark is asked anything."""
    import pymysql

    found: list[SourceTable] = []
    absent: list[str] = []
    where = source.describe()
    with Warehouse(source.settings(connect_tries)) as src:
        try:
            if src.query("select 1 from information_schema.schemata where schema_name = %s",
                         [source.schema]).empty:
                raise WarehouseError(f"{where}: no schema {source.schema} (or {source.user} may not see it)")
            for spec in RAW_TABLES.values():
                columns = src.query(
                    "select lower(column_name) as name, lower(data_type) as type from information_schema.columns "
                    "where table_schema = %s and table_name = %s", [source.schema, spec.name])
                if columns.empty:
                    absent.append(spec.name)
                    continue
                types = dict(zip(columns["name"], columns["type"]))
                missing = [c for c in spec.column_names if c not in types]
                if missing:
                    raise WarehouseError(f"raw table {where}.{spec.name} lacks required column(s): "
                                         + ", ".join(missing))
                table = src.relation(source.schema, spec.name)
                if types.get(PARTITION_COLUMN) in _INTEGER_TYPES:
                    key = src.quote(PARTITION_COLUMN)
                    low, high = src.query(f"select min({key}), max({key}) from {table}").iloc[0].tolist()
                    ids = None if low is None or high is None else (int(low), int(high))
                else:
                    src.query(f"select * from {table} limit 0")  # the user may read it
                    ids = None
                found.append(SourceTable(spec.name, ids))
        except pymysql.err.MySQLError as exc:
            raise WarehouseError(f"reading {where} failed: {_scrub(short_error(exc), source.password)}") from None
    if not {t.name for t in found} & set(DATA_TABLES):
        raise WarehouseError(f"no raw table found in {where} (looked for {', '.join(DATA_TABLES)}); "
                             "nothing registered")
    return found, absent


def jdbc_options(source: JdbcSource, table: SourceTable, partitions: int) -> dict[str, str]:
    """The options of one table's CREATE TABLE ... USING jdbc (they hold the password)."""
    options = {
        "url": source.url(),
        "dbtable": table.name,
        "user": source.user,
        "password": source.password,
        "driver": JDBC_DRIVER,
        "fetchsize": str(FETCH_SIZE),
    }
    if table.ids is not None:
        options.update({
            "partitionColumn": PARTITION_COLUMN,
            "lowerBound": str(table.ids[0]),
            "upperBound": str(table.ids[1]),
            "numPartitions": str(partitions),
        })
    return options


def create_table_sql(wh: Warehouse, schema: str, name: str, options: dict[str, str], comment: str) -> str:
    rendered = ", ".join(f"{key} {_literal(value)}" for key, value in options.items())
    return f"create table {wh.relation(schema, name)} using jdbc options ({rendered}) comment {_literal(comment)}"


def register_jdbc(
    settings: Settings,
    source: JdbcSource,
    *,
    partitions: int = DEFAULT_PARTITIONS,
    force: bool = False,
    wait_seconds: float = 0.0,
) -> Registration:
    """Register ``source``'s raw tables in Spark's raw schema (``settings.raw_schema``) as JDBC
    tables, replacing earlier registrations.

    The source is checked first (:func:`inspect_source`); then, before anything changes, every
    table to be replaced must be one this command registered (``force``: any table; a Parquet
    table that ingest or sample-data filled would lose its rows). Each table is created under a
    temporary name first (Spark connects to read its columns, so a source it cannot reach fails
    there) and renamed into place, so a failure leaves the earlier registration as it was.
    Registrations of tables the source no longer has are dropped. Holds the warehouse's lock.
    """
    if settings.target is not Target.spark:
        raise ConfigError("register-jdbc registers tables in Spark's catalogue: use --target spark "
                          f"(or MCA_TARGET=spark), not {settings.target.value}")
    if partitions < 1:
        raise ConfigError("--partitions must be 1 or more")
    tables, absent = inspect_source(source, connect_tries=settings.connect_tries)
    schema = settings.raw_schema
    comment = f"{MCA_TABLE_MARKER} {OWNER} from {source.describe()}"
    mine = f"{MCA_TABLE_MARKER} {OWNER}"
    dropped: list[str] = []
    with run_lock(settings, wait_seconds=wait_seconds), Warehouse(settings) as wh:
        for table in tables:
            wh.check_replaceable(schema, table.name, force=force, owner=OWNER)
        wh.ensure_schema(schema)
        for table in tables:
            staging = f"{table.name}__mca_jdbc_new"
            wh.drop_table(schema, staging)
            sql = create_table_sql(wh, schema, staging, jdbc_options(source, table, partitions), comment)
            try:
                wh.execute(sql)
            except Exception as exc:  # the message, and py4j's, may quote the statement
                text = _scrub(_java_error(exc), source.password)
                hint = ""
                if "ClassNotFoundException" in text or "No suitable driver" in text:
                    hint = ("; Spark has no MariaDB JDBC driver: apt-get install libmariadb-java, or set "
                            "MCA_SPARK_JARS to the driver's jar")
                raise WarehouseError(f"Spark cannot read {source.describe()}.{table.name}: {text}{hint}") from None
            wh.drop_table(schema, table.name)
            wh.execute(f"alter table {wh.relation(schema, staging)} rename to {wh.relation(schema, table.name)}")
            log.info("registered %s.%s from %s", schema, table.name, source.describe())
        for name in absent:
            registered = wh.table_comment(schema, name)
            if registered is not None and registered.startswith(mine):
                wh.drop_table(schema, name)
                dropped.append(name)
    return Registration(source=source, schema=schema, tables=tuple(tables), absent=tuple(absent),
                        partitions=partitions, dropped=tuple(dropped))
