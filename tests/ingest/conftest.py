"""Settings for the ingest tests: a fresh DuckDB file or fresh MariaDB schemas per call."""

from __future__ import annotations

import itertools

import pytest

from reporting.settings import Target

_tags = itertools.count()


@pytest.fixture(params=["duckdb", "mariadb"])
def make_settings(request):
    """Call it for a new, empty warehouse on the parametrised target."""

    def make():
        tag = f"t{next(_tags)}"
        if request.param == "duckdb":
            return request.getfixturevalue("duckdb_settings_factory")(tag)
        return request.getfixturevalue("server_settings_factory")(Target.mariadb, tag)

    return make
