"""Helpers for the ingest tests: fixture paths, mappings from dicts, a CLI app with `ingest`."""

from __future__ import annotations

from pathlib import Path

import typer

from reporting.ingest import parse_mapping

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


def mapping(doc: dict, name: str = "test"):
    return parse_mapping(doc, name=name, sha256="0" * 64)


def ingest_app() -> typer.Typer:
    """The mca-report app, whose `ingest` command the ingest CLI tests drive."""
    from reporting.cli import app

    return app


#: the raw campaigns/customers/orders columns of a mapping where each comes from a same-named column
CAMPAIGN_COLUMNS = ["campaign_name", "channel", "cost", "impressions", "clicks", "conversions", "revenue", "date"]


def campaigns_csv(path: Path, rows: list[list[object]], header: list[str] | None = None) -> Path:
    header = header or CAMPAIGN_COLUMNS
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


PLAIN_CAMPAIGNS = {"table": "campaigns", "columns": {c: c for c in CAMPAIGN_COLUMNS}}
