"""Connection and run settings, resolved once by the CLI (flag over environment over default).

Library code receives a :class:`Settings` and never reads ``os.environ`` itself. The password is
kept out of ``repr`` and out of everything the project writes; it reaches dbt only through the
``DBT_ENV_SECRET_MCA_DB_PASSWORD`` variable, which dbt scrubs from its logs.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from reporting.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


class Target(str, enum.Enum):
    """A dbt target in profiles.yml.example: the embedded file or a server."""

    duckdb = "duckdb"
    mariadb = "mariadb"
    mysql = "mysql"
    spark = "spark"

#: Where a local Spark keeps its tables and catalogue (session method, no cluster configured).
DEFAULT_SPARK_DIR = Path("mca-spark")
#: The Spark master a local session runs on: two worker threads, as on these 2-core machines.
DEFAULT_SPARK_MASTER = "local[2]"
#: The port of a Spark Thrift Server (HiveServer2's default).
DEFAULT_THRIFT_PORT = 10000
#: The JDBC driver mca's Spark session loads when it is installed and MCA_SPARK_JARS is unset:
#: Debian's MariaDB Connector/J (apt-get install libmariadb-java), for `register-jdbc`'s tables.
DEBIAN_JDBC_JAR = Path("/usr/share/java/mariadb-java-client.jar")


class SparkMethod(str, enum.Enum):
    """How dbt reaches Spark: an in-process session, or a cluster's Thrift Server."""

    session = "session"
    thrift = "thrift"


@dataclass(frozen=True)
class Settings:
    target: Target = Target.duckdb
    host: str = "127.0.0.1"
    port: int = 3306
    user: str = "root"
    password: str = field(default="", repr=False)
    raw_schema: str = "mca_raw"
    schema: str = "mca_analytics"
    duckdb_path: Path = Path("mca.duckdb")
    #: spark: the folder of the local catalogue (Derby metastore) and tables (MCA_SPARK_DIR)
    spark_dir: Path = DEFAULT_SPARK_DIR
    #: spark: the master of mca's own Spark session (MCA_SPARK_MASTER)
    spark_master: str = DEFAULT_SPARK_MASTER
    #: spark: how dbt reaches Spark (MCA_SPARK_METHOD)
    spark_method: SparkMethod = SparkMethod.session
    #: spark: jars mca's session loads, comma-separated (MCA_SPARK_JARS); None: the default,
    #: Debian's MariaDB JDBC driver when it is installed (see :meth:`spark_jars_in_use`)
    spark_jars: str | None = None
    dbt_project_dir: Path = DEFAULT_DBT_PROJECT_DIR
    connect_tries: int = 3
    #: ISO 4217 code every amount is converted to (macros/currency.sql); None: nothing converted
    base_currency: str | None = None

    def describe(self) -> str:
        """Where the warehouse is, for messages: never includes the password."""
        if self.target is Target.duckdb:
            return f"duckdb file {self.duckdb_path}"
        if self.target is Target.spark:
            if self.spark_method is SparkMethod.thrift:
                return f"spark thrift server at {self.user}@{self.host}:{self.port}"
            return f"spark {self.spark_master}, catalogue {self.spark_dir}"
        return f"{self.target.value} at {self.user}@{self.host}:{self.port}"

    def url(self, scheme: str) -> str:
        """A connection URL for a server, for readers that take one (``mysql`` for connectorx,
        ``mysql+pymysql`` for SQLAlchemy). It holds the password: never log it."""
        from urllib.parse import quote

        return f"{scheme}://{quote(self.user, safe='')}:{quote(self.password, safe='')}@{self.host}:{self.port}"

    def spark_jars_in_use(self) -> str:
        """The jars of mca's Spark session (spark.jars), '' for none: MCA_SPARK_JARS when set,
        else the JDBC driver at :data:`DEBIAN_JDBC_JAR` when it is installed."""
        if self.spark_jars is not None:
            return self.spark_jars
        return str(DEBIAN_JDBC_JAR) if DEBIAN_JDBC_JAR.is_file() else ""

    def dbt_env(self) -> dict[str, str]:
        """Environment variables that profiles.yml.example reads."""
        return {
            "MCA_TARGET": self.target.value,
            "MCA_DB_HOST": self.host,
            "MCA_DB_PORT": str(self.port),
            "MCA_DB_USER": self.user,
            "DBT_ENV_SECRET_MCA_DB_PASSWORD": self.password,
            "MCA_RAW_SCHEMA": self.raw_schema,
            "MCA_SCHEMA": self.schema,
            "MCA_DUCKDB_PATH": str(self.duckdb_path),
            "MCA_SPARK_DIR": str(self.spark_dir),
            "MCA_SPARK_MASTER": self.spark_master,
            "MCA_SPARK_METHOD": self.spark_method.value,
            "MCA_SPARK_JARS": self.spark_jars_in_use(),
            "MCA_BASE_CURRENCY": self.base_currency or "",
        }

    def with_target(self, target: Target) -> Settings:
        return replace(self, target=target)


def resolve_settings(
    environ: Mapping[str, str] | None = None,
    *,
    target: Target | str | None = None,
    duckdb_path: Path | None = None,
    dbt_project_dir: Path | None = None,
    base_currency: str | None = None,
) -> Settings:
    """Build settings from explicit values (flags), then the environment, then defaults."""
    env = os.environ if environ is None else environ
    raw_target = target if target is not None else env.get("MCA_TARGET", "duckdb")
    try:
        resolved_target = Target(raw_target)
    except ValueError:
        choices = ", ".join(t.value for t in Target)
        raise ConfigError(f"unknown target {raw_target!r}; choose one of: {choices}") from None
    default_port = DEFAULT_THRIFT_PORT if resolved_target is Target.spark else 3306
    port_text = env.get("MCA_DB_PORT", str(default_port))
    try:
        port = int(port_text)
    except ValueError:
        raise ConfigError(f"MCA_DB_PORT must be a number, got {port_text!r}") from None
    tries_text = env.get("MCA_CONNECT_TRIES", "3")
    try:
        tries = max(1, int(tries_text))
    except ValueError:
        raise ConfigError(f"MCA_CONNECT_TRIES must be a number, got {tries_text!r}") from None
    path = duckdb_path or Path(env.get("MCA_DUCKDB_PATH", "mca.duckdb"))
    project = dbt_project_dir or Path(env.get("MCA_DBT_PROJECT_DIR", str(DEFAULT_DBT_PROJECT_DIR)))
    for name, value in (("MCA_RAW_SCHEMA", env.get("MCA_RAW_SCHEMA", "mca_raw")),
                        ("MCA_SCHEMA", env.get("MCA_SCHEMA", "mca_analytics"))):
        if not value.replace("_", "").isalnum():
            raise ConfigError(f"{name} must be letters, digits and underscores, got {value!r}")
    method_text = env.get("MCA_SPARK_METHOD", "session")
    try:
        method = SparkMethod(method_text)
    except ValueError:
        raise ConfigError(f"MCA_SPARK_METHOD must be session or thrift, got {method_text!r}") from None
    spark_dir = Path(env.get("MCA_SPARK_DIR", str(DEFAULT_SPARK_DIR)))
    base = (base_currency if base_currency is not None else env.get("MCA_BASE_CURRENCY", "")).strip().upper()
    if base and not (len(base) == 3 and base.isascii() and base.isalpha()):
        raise ConfigError(f"the base currency must be an ISO 4217 code such as EUR or USD, got {base!r}")
    return Settings(
        target=resolved_target,
        host=env.get("MCA_DB_HOST", "127.0.0.1"),
        port=port,
        user=env.get("MCA_DB_USER", "root"),
        password=env.get("DBT_ENV_SECRET_MCA_DB_PASSWORD", ""),
        raw_schema=env.get("MCA_RAW_SCHEMA", "mca_raw"),
        schema=env.get("MCA_SCHEMA", "mca_analytics"),
        duckdb_path=path.expanduser().resolve(),
        dbt_project_dir=project.expanduser().resolve(),
        spark_dir=spark_dir.expanduser().resolve(),
        spark_master=env.get("MCA_SPARK_MASTER", DEFAULT_SPARK_MASTER),
        spark_method=method,
        spark_jars=env.get("MCA_SPARK_JARS"),
        connect_tries=tries,
        base_currency=base or None,
    )
