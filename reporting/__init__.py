"""mca reporting: the `mca-report` CLI, the warehouse connection, sample data and the reports."""

__version__ = "0.1.0"

# mysql-connector's C extension (the fast reader for large MySQL results, see
# Warehouse._stream_mysql) needs static TLS space that is gone once numpy, DuckDB and
# scikit-learn are loaded, so load it first. Without it, reads fall back to PyMySQL.
try:  # noqa: SIM105
    import _mysql_connector  # noqa: F401
except ImportError:  # pragma: no cover - depends on the platform's wheel
    pass
