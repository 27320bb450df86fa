"""The quarantine_reasons seed is the one list of reasons: each of its rows has its rule in the
source's classified model, in the seed's check order (the generic dbt test
quarantine_reason_listed checks the other way round on every build)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
MODELS = {
    "campaigns": PROJECT / "models/intermediate/int_campaigns__classified.sql",
    "customers": PROJECT / "models/intermediate/int_customers__classified.sql",
    "orders": PROJECT / "models/intermediate/int_orders__classified.sql",
}


def seed_rows() -> list[dict[str, str]]:
    with (PROJECT / "seeds/quarantine_reasons.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("source", sorted(MODELS))
def test_every_seed_reason_is_a_rule_of_its_model_in_check_order(source):
    rows = sorted((r for r in seed_rows() if r["source_table"] == source), key=lambda r: int(r["check_order"]))
    assert rows, f"no reasons for {source}"
    sql = MODELS[source].read_text(encoding="utf-8")
    positions = []
    for row in rows:
        marker = f"then '{row['reason']}'"
        assert marker in sql, f"{row['reason']} has no rule in {MODELS[source].name}"
        positions.append(sql.index(marker))
    assert positions == sorted(positions), "the seed's check_order differs from the order of the rules"
    assert [int(r["check_order"]) for r in rows] == list(range(1, len(rows) + 1))


def test_labels_are_filled_and_reasons_unique_per_source():
    rows = seed_rows()
    keys = [(r["source_table"], r["reason"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert all(r["label"].strip() and r["description"].strip() for r in rows)
    assert {r["source_table"] for r in rows} == set(MODELS)
