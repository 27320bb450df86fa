"""Errors the CLI turns into a one-line message and a documented exit code."""

from __future__ import annotations


class McaError(Exception):
    """Base class: a known failure with a message fit for one line."""

    exit_code = 1


class ConfigError(McaError):
    """Bad arguments or settings (exit 2)."""

    exit_code = 2


class WarehouseError(McaError):
    """The database cannot be reached or refused an operation (exit 3)."""

    exit_code = 3


class RefusedError(McaError):
    """Refused to touch something mca did not create (exit 4)."""

    exit_code = 4


class BuildError(McaError):
    """dbt build failed: a model errored or a test failed (exit 5)."""

    exit_code = 5


class DataError(McaError):
    """The data cannot be analysed as asked (e.g. too few customers to segment) (exit 6)."""

    exit_code = 6


class QualityGateError(McaError):
    """More rows were quarantined than the configured limit allows (exit 7)."""

    exit_code = 7


class LockedError(McaError):
    """Another run holds this warehouse's lock (exit 8)."""

    exit_code = 8


class StaleDataError(McaError):
    """`mca-report freshness`: a raw table's newest load is past the error threshold (exit 9)."""

    exit_code = 9
