"""mca reporting: the `mca-report` CLI, the warehouse connection, sample data and the reports."""

__version__ = "0.1.0"

# mysql-connector's C extension (the fast reader for large MySQL results, see
# MySQLWarehouse.iter_query in reporting/warehouse/mysql.py) only loads first: it ships an OpenSSL newer than the system's, which
# loses once hashlib/ssl have loaded the system one, and it needs static TLS space that numpy,
# DuckDB and scikit-learn use up. `mca-report` imports this package first; elsewhere (under
# pytest, say) reads fall back to PyMySQL, with the same results.
try:  # noqa: SIM105
    import _mysql_connector  # noqa: F401
except ImportError:  # pragma: no cover - depends on the platform's wheel
    pass
