"""Segmentation in the warehouse: read customer features from the marts, run the segmentation
library, write the assignments back as ``customer_segments`` and summarise them for reports."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from reporting.errors import DataError
from reporting.report_data import SegmentSummary
from reporting.warehouse import MCA_TABLE_MARKER, Warehouse
import segmentation
from segmentation import DEFAULT_FEATURES, RFM_FEATURES, SegmentationError

if TYPE_CHECKING:
    from segmentation import SegmentationResult

log = logging.getLogger(__name__)

#: Feature sets segmentation can use, by name, and the mart each is read from.
FEATURE_SETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "behavioural": ("dim_customer", tuple(DEFAULT_FEATURES)),
    "rfm": ("dim_customer_rfm", tuple(RFM_FEATURES)),
}
SEGMENTS_TABLE = "customer_segments"
SEGMENT_CHANNEL_COLUMNS = ("segment_id", "segment_name", "channel", "customers", "revenue",
                           "cost_per_acquired_customer")


@dataclass
class SegmentRun:
    """Outcome of :func:`run_segmentation`."""

    result: SegmentationResult
    summary: SegmentSummary
    run_id: str
    rows_read: int
    rows_written: int
    charts: dict[str, Path] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    skipped_features: tuple[str, ...] = ()


def read_customer_features(wh: Warehouse, feature_set: str = "behavioural") -> pd.DataFrame:
    """customer_id plus the feature set's columns, from its mart."""
    try:
        mart, features = FEATURE_SETS[feature_set]
    except KeyError:
        raise DataError(f"unknown feature set {feature_set!r}; choose one of: {', '.join(FEATURE_SETS)}") from None
    frame = wh.read_mart(mart, ("customer_id", *features), order_by=["customer_id"])
    for col in features:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


def write_segments(wh: Warehouse, result: SegmentationResult, run_id: str) -> int:
    """Replace customer_segments with this run's assignments in one atomic swap."""
    frame = result.assignments[["customer_id", "segment_id", "segment_name"]].copy()
    frame["run_id"] = run_id
    types = (
        {"customer_id": "bigint not null", "segment_id": "integer not null",
         "segment_name": "varchar not null", "run_id": "varchar not null"}
        if wh.is_duckdb else
        {"customer_id": "bigint not null", "segment_id": "int not null",
         "segment_name": "varchar(200) not null", "run_id": "varchar(64) not null"}
    )
    schema = wh.settings.schema
    wh.check_replaceable(schema, SEGMENTS_TABLE, force=False, owner="segment")
    return wh.replace_table(schema, SEGMENTS_TABLE, frame, types,
                            comment=f"{MCA_TABLE_MARKER} segment", primary_key="customer_id")


RUNS_TABLE = "segment_runs"


def save_run_summary(wh: Warehouse, summary: SegmentSummary) -> None:
    """Append the run's summary (k, reason, profiles, scores) to segment_runs, so reports
    written later, by another process, show the same segments without re-running them."""
    schema = wh.settings.schema
    text = "varchar" if wh.is_duckdb else "longtext"
    if not wh.table_exists(schema, RUNS_TABLE):
        wh.ensure_schema(schema)
        wh.execute(
            f"create table {wh.relation(schema, RUNS_TABLE)} ("
            f"run_id varchar{'' if wh.is_duckdb else '(64)'} not null primary key, "
            f"created_at {text} not null, chosen_k integer not null, was_k_forced integer not null, "
            f"n_customers bigint not null, reason {text} not null, features {text} not null, "
            f"profiles_json {text} not null, scores_json {text} not null)"
            + ("" if wh.is_duckdb else f" default charset=utf8mb4 comment='{MCA_TABLE_MARKER} segment'")
        )
        if wh.is_duckdb:
            wh.execute(f"comment on table {wh.relation(schema, RUNS_TABLE)} is '{MCA_TABLE_MARKER} segment'")
    wh.execute(
        f"insert into {wh.relation(schema, RUNS_TABLE)} values ({', '.join([wh.placeholder] * 9)})",
        [summary.run_id, pd.Timestamp.now(tz="UTC").isoformat(), summary.chosen_k,
         int(summary.was_k_forced), summary.n_customers, summary.reason,
         json.dumps(list(summary.features)), summary.profiles.to_json(orient="split", index=False),
         summary.scores.to_json(orient="split", index=False)],
    )


def load_latest_summary(wh: Warehouse) -> SegmentSummary | None:
    """The summary of the run whose assignments are in customer_segments, or None."""
    schema = wh.settings.schema
    if not wh.table_exists(schema, RUNS_TABLE) or not wh.table_exists(schema, SEGMENTS_TABLE):
        return None
    current = wh.scalar(f"select max(run_id) from {wh.relation(schema, SEGMENTS_TABLE)}")
    if current is None:
        return None
    rows = wh.query(f"select * from {wh.relation(schema, RUNS_TABLE)} where run_id = {wh.placeholder}",
                    [current])
    if rows.empty:
        return None
    row = rows.iloc[0]
    return SegmentSummary(
        profiles=pd.read_json(io.StringIO(str(row["profiles_json"])), orient="split"),
        scores=pd.read_json(io.StringIO(str(row["scores_json"])), orient="split"),
        chosen_k=int(row["chosen_k"]),
        reason=str(row["reason"]),
        features=tuple(json.loads(str(row["features"]))),
        n_customers=int(row["n_customers"]),
        by_channel=read_segment_channels(wh),
        was_k_forced=bool(int(row["was_k_forced"])),
        run_id=str(row["run_id"]),
    )


def read_segment_channels(wh: Warehouse) -> pd.DataFrame:
    """rpt_segment_channel (a view over customer_segments), empty when it does not exist yet."""
    if not wh.table_exists(wh.settings.schema, "rpt_segment_channel"):
        return pd.DataFrame(columns=list(SEGMENT_CHANNEL_COLUMNS))
    frame = wh.read_mart("rpt_segment_channel", SEGMENT_CHANNEL_COLUMNS, order_by=["segment_id", "channel"])
    for col in ("customers", "revenue", "cost_per_acquired_customer"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame


def summarize(result: SegmentationResult, by_channel: pd.DataFrame | None = None,
              run_id: str = "") -> SegmentSummary:
    """The part of a segmentation result the reports show."""
    return SegmentSummary(
        was_k_forced=bool(result.was_k_forced),
        run_id=run_id,
        profiles=result.profiles.copy(),
        scores=result.scores.copy(),
        chosen_k=int(result.chosen_k),
        reason=str(result.reason),
        features=tuple(result.features),
        n_customers=int(result.n_customers),
        by_channel=by_channel if by_channel is not None else pd.DataFrame(columns=list(SEGMENT_CHANNEL_COLUMNS)),
    )


def run_segmentation(
    wh: Warehouse,
    *,
    run_id: str,
    k: int | None = None,
    k_range: tuple[int, int] = (2, 10),
    feature_set: str = "behavioural",
    random_state: int = 42,
    charts_dir: Path | None = None,
    write_back: bool = True,
) -> SegmentRun:
    """Read features, segment, write customer_segments back, draw the charts."""
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    frame = read_customer_features(wh, feature_set)
    seconds["read"] = time.perf_counter() - t0
    features, empty = usable_features(frame, FEATURE_SETS[feature_set][1])
    if empty:
        log.warning("features with no values are left out of segmentation: %s", ", ".join(empty))
    t0 = time.perf_counter()
    try:
        result = segmentation.segment_customers(frame, features, k=k, k_range=k_range, random_state=random_state)
    except SegmentationError as exc:
        raise DataError(f"segmentation: {exc}") from None
    seconds["segment"] = time.perf_counter() - t0
    written = 0
    if write_back:
        t0 = time.perf_counter()
        save_run_summary(wh, summarize(result, run_id=run_id))
        written = write_segments(wh, result, run_id)
        seconds["write"] = time.perf_counter() - t0
    by_channel = read_segment_channels(wh) if write_back else None
    charts: dict[str, Path] = {}
    if charts_dir is not None:
        t0 = time.perf_counter()
        charts = segmentation.save_charts(result, charts_dir)
        seconds["charts"] = time.perf_counter() - t0
    log.info("segmented %d customers into %d segments (%s)", result.n_customers, result.chosen_k, result.reason)
    return SegmentRun(result=result, summary=summarize(result, by_channel, run_id), run_id=run_id,
                      rows_read=len(frame), rows_written=written, charts=charts, seconds=seconds,
                      skipped_features=empty)


def usable_features(frame: pd.DataFrame, features: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split a feature set into features with at least one value and features with none.

    A source that does not track a feature at all (a CRM export without session data) should
    still segment on what it has; the features left out are reported. With no values at all, or
    no rows, the segmentation library's own clear error applies.
    """
    if frame.empty:
        return tuple(features), ()
    empty = tuple(f for f in features if frame[f].isna().all())
    kept = tuple(f for f in features if f not in empty)
    if not kept:
        raise DataError("every feature is entirely null: " + ", ".join(features) + "; nothing to segment on")
    return kept, empty
