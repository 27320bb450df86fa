"""Least privilege: the whole job runs as a user holding exactly the grants the README lists."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pymysql
import pytest

from reporting import jobs
from reporting.settings import Settings, Target
from tests.reliability.test_faults import cli

README = Path(__file__).resolve().parents[2] / "README.md"
D = dt.date(2026, 3, 31)


def readme_grants() -> list[str]:
    block = re.search(r"<!-- grants:run -->\s*```sql\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block, "README lost its grants block"
    return [g.strip() for g in block.group(1).split(";") if g.strip()]


@pytest.mark.mariadb
def test_the_whole_job_runs_with_exactly_the_readme_grants(server_settings_factory, tmp_path):
    root_settings = server_settings_factory(Target.mariadb, "grants")
    jobs.make_sample_data(root_settings, rows=3_000, customers=300, end_date=D)
    user, password = f"mca_g{os.getpid() % 100000}", "only-wh4t-it-needs"
    root = pymysql.connect(host=root_settings.host, port=root_settings.port, user=root_settings.user,
                           password=root_settings.password, autocommit=True)
    try:
        with root.cursor() as cur:
            cur.execute(f"drop user if exists '{user}'@'%'")
            cur.execute(f"create user '{user}'@'%' identified by '{password}'")
            cur.execute(f"create database if not exists `{root_settings.schema}`")
            for grant in readme_grants():
                cur.execute(grant.replace("mca_raw.", f"`{root_settings.raw_schema}`.")
                            .replace("mca_analytics.", f"`{root_settings.schema}`.")
                            .replace("'mca'@", f"'{user}'@"))
            cur.execute(f"show grants for '{user}'@'%'")
            shown = " ".join(row[0] for row in cur.fetchall())
        assert "ALL PRIVILEGES" not in shown
        s = Settings(target=Target.mariadb, host=root_settings.host, port=root_settings.port, user=user,
                     password=password, raw_schema=root_settings.raw_schema, schema=root_settings.schema,
                     dbt_project_dir=root_settings.dbt_project_dir)
        result = cli(s, "run", "--out", str(tmp_path / "out"), "--as-of", D.isoformat())  # a full build
        assert result.exit_code == 0, result.output
        assert (tmp_path / "out" / "executive_summary.pdf").is_file()
        appended = cli(s, "build", "--as-of", (D + dt.timedelta(days=1)).isoformat())  # an append build
        assert appended.exit_code == 0, appended.output
    finally:
        with root.cursor() as cur:
            cur.execute(f"drop user if exists '{user}'@'%'")
        root.close()
