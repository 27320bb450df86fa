"""dbt's partial parse kept per connection (reporting.dbt_runner): real `dbt parse` runs, with
dbt's own events saying whether it parsed the whole project."""

from __future__ import annotations

from pathlib import Path

import pytest

from reporting.dbt_runner import KEPT_PARSES, PARTIAL_PARSE_FILE, parse_key, run_dbt
from reporting.settings import Settings, Target, resolve_settings

FULL_PARSE = "UnableToPartialParse"  # dbt's event when it cannot reuse the saved parse


@pytest.fixture
def target_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "target"
    monkeypatch.setenv("DBT_TARGET_PATH", str(folder))
    return folder


def _duckdb(tmp_path: Path, name: str) -> Settings:
    base = resolve_settings(target=Target.duckdb)
    return Settings(target=Target.duckdb, duckdb_path=tmp_path / f"{name}.duckdb",
                    dbt_project_dir=base.dbt_project_dir)


def _parse(settings: Settings, vars: dict | None = None) -> list[str]:
    events: list[str] = []
    summary = run_dbt(settings, "parse", vars=vars, quiet=True,
                      callbacks=[lambda event: events.append(event.info.name)])
    assert summary.success, summary.error
    return events


def test_alternating_connections_each_keep_their_partial_parse(tmp_path: Path, target_dir: Path) -> None:
    a, b = _duckdb(tmp_path, "a"), _duckdb(tmp_path, "b")
    assert FULL_PARSE in _parse(a)  # nothing saved yet
    assert FULL_PARSE in _parse(b)  # dbt's one saved parse is a's: another profile
    assert FULL_PARSE not in _parse(a)  # a's own parse put back
    assert FULL_PARSE not in _parse(b)
    kept = sorted(p.name for p in (target_dir / "partial_parse").glob("*.msgpack"))
    assert kept == sorted(f"{parse_key(s, None)}.msgpack" for s in (a, b))
    assert (target_dir / PARTIAL_PARSE_FILE).is_file()  # dbt's own file is still where dbt looks


def test_vars_have_a_parse_of_their_own(tmp_path: Path, target_dir: Path) -> None:
    a = _duckdb(tmp_path, "a")
    other = {"campaign_row_limit": 5}
    _parse(a)
    assert FULL_PARSE in _parse(a, other)  # dbt parses in full when --vars change
    assert FULL_PARSE not in _parse(a)
    assert FULL_PARSE not in _parse(a, other)
    assert parse_key(a, None) != parse_key(a, other)


def test_the_key_holds_no_password_and_changes_with_the_schema() -> None:
    s = Settings(target=Target.mariadb, host="db", user="u", password="s3cr3t-pw", schema="x")
    assert parse_key(s, None) == parse_key(Settings(target=Target.mariadb, host="db", user="u",
                                                    password="another", schema="x"), None)
    assert parse_key(s, None) != parse_key(Settings(target=Target.mariadb, host="db", user="u",
                                                    password="s3cr3t-pw", schema="y"), None)


def test_a_damaged_kept_parse_costs_a_full_parse_not_a_failure(tmp_path: Path, target_dir: Path) -> None:
    a, b = _duckdb(tmp_path, "a"), _duckdb(tmp_path, "b")
    _parse(a)
    _parse(b)
    kept = target_dir / "partial_parse" / f"{parse_key(a, None)}.msgpack"
    kept.write_bytes(b"not a manifest")
    events = _parse(a)
    assert FULL_PARSE in events or "ParsedFileLoadFailed" in events
    assert kept.stat().st_size > 100_000  # replaced by the new full parse
    assert FULL_PARSE not in _parse(a)


def test_only_the_most_recently_used_parses_are_kept(tmp_path: Path, target_dir: Path) -> None:
    import os

    folder = target_dir / "partial_parse"
    folder.mkdir(parents=True)
    for n in range(KEPT_PARSES + 3):  # older parses of other connections, oldest first
        old = folder / f"old{n:02d}.msgpack"
        old.write_bytes(b"x")
        os.utime(old, ns=(n * 10**9, n * 10**9))
    a = _duckdb(tmp_path, "a")
    _parse(a)
    left = sorted(p.name for p in folder.glob("*.msgpack"))
    assert len(left) == KEPT_PARSES
    assert f"{parse_key(a, None)}.msgpack" in left
    assert "old00.msgpack" not in left and "old03.msgpack" not in left
    assert f"old{KEPT_PARSES + 2:02d}.msgpack" in left
