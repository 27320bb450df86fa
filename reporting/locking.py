"""One run at a time per warehouse.

MySQL/MariaDB: a named server lock (GET_LOCK) on a connection held for the whole run, so runs
on different machines see each other; the server releases it if the process dies. DuckDB: a
lock file beside the database file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from reporting.errors import LockedError
from reporting.settings import Settings
from reporting.warehouse import Warehouse

log = logging.getLogger(__name__)


def lock_name(settings: Settings) -> str:
    return f"mca_run:{settings.schema}"[:64]


@contextmanager
def run_lock(settings: Settings, *, wait_seconds: float = 0.0) -> Iterator[None]:
    if not settings.target.is_server:
        from filelock import FileLock, Timeout

        path = settings.duckdb_path.with_name(settings.duckdb_path.name + ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path))
        try:
            lock.acquire(timeout=wait_seconds)
        except Timeout:
            raise LockedError(
                f"another mca run is using {settings.duckdb_path} (lock {path}); "
                "wait for it or pass --wait SECONDS"
            ) from None
        try:
            yield
        finally:
            lock.release()
        return
    wh = Warehouse(settings)
    wh.connect()
    try:
        got = wh.scalar("select get_lock(%s, %s)", [lock_name(settings), int(max(0, wait_seconds))])
        if got != 1:
            raise LockedError(
                f"another mca run holds the lock {lock_name(settings)!r} on {settings.describe()}; "
                "wait for it or pass --wait SECONDS"
            )
        try:
            yield
        finally:
            try:
                wh.scalar("select release_lock(%s)", [lock_name(settings)])
            except Exception:  # the lock dies with the connection anyway
                log.warning("could not release %s; it is freed when the connection closes", lock_name(settings))
    finally:
        wh.close()
