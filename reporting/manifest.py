"""The run manifest, <out>/runs/<run_id>.json: what ran, how long, on what, with what result.

It names the target by type, host and port (never the user's password) and lists every output
with its size. It is written for failed runs too, with the failing stage and its one-line error.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator


@dataclass
class StageRecord:
    name: str
    status: str = "pending"  # pending, ok, failed, skipped
    seconds: float = 0.0
    rows_in: int | None = None
    rows_out: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    #: the process's peak resident memory so far, at the end of the stage (dbt runs in-process,
    #: so this covers it too)
    peak_rss_mb: int | None = None


@dataclass
class RunManifest:
    run_id: str
    target: str
    as_of: str
    started_at: str
    ended_at: str | None = None
    status: str = "running"
    error: str | None = None
    stages: list[StageRecord] = field(default_factory=list)
    dbt: dict[str, Any] = field(default_factory=dict)
    data_quality: dict[str, Any] = field(default_factory=dict)
    segmentation: dict[str, Any] = field(default_factory=dict)
    outputs: list[dict[str, Any]] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[StageRecord]:
        record = StageRecord(name=name)
        self.stages.append(record)
        started = time.perf_counter()
        try:
            yield record
        except Exception as exc:
            record.status = "failed"
            record.error = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise
        else:
            record.status = "ok"
        finally:
            record.seconds = round(time.perf_counter() - started, 3)
            record.peak_rss_mb = peak_rss_mb()

    def finish(self, status: str, error: str | None = None) -> None:
        self.status = status
        self.error = error
        self.ended_at = dt.datetime.now(dt.timezone.utc).isoformat()

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=_default, ensure_ascii=False) + "\n"

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.run_id}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        tmp.replace(path)
        return path


def peak_rss_mb() -> int:
    """This process's peak resident memory in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024))


def _default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def list_outputs(root: Path, paths: list[Path]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            out.append({"path": str(f.relative_to(root)), "bytes": f.stat().st_size})
    return out
