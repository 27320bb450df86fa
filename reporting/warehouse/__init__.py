"""The one place where the warehouse engines differ.

``Warehouse(settings)`` opens the engine that ``settings.target`` names: :mod:`.duckdb` for the
embedded file, :mod:`.mysql` for MySQL 8 and MariaDB, :mod:`.spark` for Apache Spark. Everything outside this package talks to
the database through the :class:`~reporting.warehouse.base.Warehouse` interface and never
branches on the engine. Adding an engine: a module here with a ``Warehouse`` subclass, one entry
in :data:`ENGINES` (and in ``reporting.settings.Target`` and ``profiles.yml.example``); see the
README, "Adding an engine".
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager

from reporting.settings import Settings, Target
from reporting.warehouse.base import (
    MCA_TABLE_MARKER,
    ExportFile,
    Warehouse,
    open_warehouse,
    short_error,
)

#: Target -> "module:class" of its engine, imported on first use (DuckDB and the MySQL drivers
#: are not loaded by commands that do not need them).
ENGINES: dict[Target, str] = {
    Target.duckdb: "reporting.warehouse.duckdb:DuckDBWarehouse",
    Target.mariadb: "reporting.warehouse.mysql:MySQLWarehouse",
    Target.mysql: "reporting.warehouse.mysql:MySQLWarehouse",
    Target.spark: "reporting.warehouse.spark:SparkWarehouse",
}


def engine_class(target: Target) -> type[Warehouse]:
    module, _, name = ENGINES[target].partition(":")
    return getattr(importlib.import_module(module), name)


@contextmanager
def run_lock(settings: Settings, *, wait_seconds: float = 0.0) -> Iterator[None]:
    """One run at a time per warehouse (see the engines' ``run_lock``)."""
    with Warehouse(settings).run_lock(wait_seconds):
        yield


__all__ = [
    "ENGINES",
    "MCA_TABLE_MARKER",
    "ExportFile",
    "Warehouse",
    "engine_class",
    "open_warehouse",
    "run_lock",
    "short_error",
]
