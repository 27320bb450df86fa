"""The whole job (`mca-report run`) and the report stage alone (`mca-report report`).

Stages: build (dbt build) -> segment -> reports (charts, PDF, HTML, Power BI) -> publish.
Outputs are staged and published only when all of them are complete (see outputs.py); the run
manifest is written in every case, failed runs included.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from reporting import pipeline
from reporting.dbt_runner import DbtRunSummary
from reporting.alerts import send_alert
from reporting.errors import LockedError, McaError, QualityGateError
from reporting.locking import run_lock
from reporting.manifest import RunManifest, list_outputs
from reporting.outputs import OutputFolder
from reporting.powerbi import export_powerbi
from reporting.report_data import ReportData, SegmentSummary, load_data_quality, load_report_data
from reporting.segments import load_latest_summary, run_segmentation
from reporting.settings import Settings
from reporting.warehouse import Warehouse

log = logging.getLogger(__name__)

StageCallback = Callable[[str, str, float], None]


class ReportFormat(str, enum.Enum):
    pdf = "pdf"
    html = "html"
    powerbi = "powerbi"
    all = "all"


def expand_formats(formats: Iterable[ReportFormat]) -> tuple[ReportFormat, ...]:
    chosen = set(formats)
    if ReportFormat.all in chosen or not chosen:
        return (ReportFormat.pdf, ReportFormat.html, ReportFormat.powerbi)
    return tuple(f for f in (ReportFormat.pdf, ReportFormat.html, ReportFormat.powerbi) if f in chosen)


@dataclass
class RunOutcome:
    manifest: RunManifest
    manifest_path: Path
    published: list[Path] = field(default_factory=list)


def write_reports(
    wh: Warehouse,
    staging: Path,
    *,
    formats: tuple[ReportFormat, ...],
    run_id: str,
    as_of: dt.date,
    currency: str,
    segments: SegmentSummary | None,
    timings: dict[str, float] | None = None,
) -> tuple[ReportData, list[Path]]:
    """Render the chosen formats into ``staging``; returns the data shown and the files made.
    ``timings``, when given, receives the seconds each part took (read, charts, pdf, ...)."""
    from reporting.reports import render_charts, write_html, write_pdf
    from segmentation import save_charts

    spent = timings if timings is not None else {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        spent[name] = round(now - clock, 3)
        clock = now

    data = load_report_data(wh, run_id=run_id, as_of=as_of, currency=currency, segments=segments)
    lap("read")
    written: list[Path] = []
    charts_dir = staging / "visualizations"
    charts = render_charts(data, charts_dir)
    segment_charts = save_charts(segments, charts_dir) if segments is not None else {}
    written.append(charts_dir)
    lap("charts")
    if ReportFormat.pdf in formats:
        written.append(write_pdf(data, charts, staging / "executive_summary.pdf", segment_charts=segment_charts))
        lap("pdf")
    if ReportFormat.html in formats:
        written.append(write_html(data, charts, staging / "executive_summary.html", segment_charts=segment_charts))
        lap("html")
    if ReportFormat.powerbi in formats:
        export = export_powerbi(wh, staging / "dashboards", run_id=run_id, generated_at=data.generated_at)
        written.append(export.folder)
        lap("powerbi")
    return data, written


def _notify(callback: StageCallback | None, name: str, status: str, seconds: float = 0.0) -> None:
    if callback is not None:
        callback(name, status, seconds)


def run_all(
    settings: Settings,
    *,
    out: Path,
    as_of: dt.date | None = None,
    currency: str = "Rs.",
    k: int | None = None,
    skip_segments: bool = False,
    force: bool = False,
    on_stage: StageCallback | None = None,
    quiet_dbt: bool = True,
    max_quarantine_pct: float = 5.0,
    alert_webhook: str | None = None,
    wait_seconds: float = 0.0,
) -> RunOutcome:
    """dbt build, quality gate, segmentation, every report; publish them together; write the
    manifest. One run at a time per warehouse; failures and gate breaches raise an alert."""
    try:
        with run_lock(settings, wait_seconds=wait_seconds):
            return _run_all(settings, out=out, as_of=as_of, currency=currency, k=k,
                            skip_segments=skip_segments, force=force, on_stage=on_stage,
                            quiet_dbt=quiet_dbt, max_quarantine_pct=max_quarantine_pct,
                            alert_webhook=alert_webhook)
    except McaError as exc:
        if not getattr(exc, "alerted", False):  # failed before the run started: lock or connection
            status = "locked" if isinstance(exc, LockedError) else "failed"
            send_alert(alert_webhook, f"mca run on {settings.describe()} did not start: {exc}",
                       {"status": status, "target": settings.describe(), "error": str(exc)})
        raise


def _run_all(
    settings: Settings,
    *,
    out: Path,
    as_of: dt.date | None,
    currency: str,
    k: int | None,
    skip_segments: bool,
    force: bool,
    on_stage: StageCallback | None,
    quiet_dbt: bool,
    max_quarantine_pct: float,
    alert_webhook: str | None,
) -> RunOutcome:
    run_id, as_of_date, manifest, folder = _start(settings, out, as_of, force)
    staging = folder.prepare()
    published: list[Path] = []
    try:
        with manifest.stage("build") as st:
            _notify(on_stage, "build", "start")
            summary: DbtRunSummary = pipeline.build_warehouse(settings, as_of=as_of_date, quiet=quiet_dbt)
            manifest.dbt = summary.to_dict()
        _notify(on_stage, "build", "ok", st.seconds)
        with Warehouse(settings) as wh:
            dq = load_data_quality(wh)
            manifest.data_quality = dq
            st.rows_in, st.rows_out = dq.get("rows_read"), dq.get("rows_kept")
            with manifest.stage("quality") as gate:
                gate.rows_in, gate.rows_out = dq.get("rows_read"), dq.get("rows_kept")
                share = float(dq.get("quarantined_pct") or 0.0)
                gate.detail = {"quarantined_pct": share, "max_quarantine_pct": max_quarantine_pct,
                               "quarantined_by_reason": {k_: v for k_, v in dq.items()
                                                         if k_.startswith("quarantined_") and k_ != "quarantined_pct" and v}}
                if share > max_quarantine_pct:
                    raise QualityGateError(
                        f"{share:.2f}% of campaign rows were quarantined, above the limit of "
                        f"{max_quarantine_pct:g}% (see dq_quarantined_campaigns)"
                    )
            _notify(on_stage, "quality", "ok", gate.seconds)
            segments: SegmentSummary | None = None
            if skip_segments:
                manifest.stages.append(_skipped("segment"))
            else:
                with manifest.stage("segment") as seg:
                    _notify(on_stage, "segment", "start")
                    run = run_segmentation(wh, run_id=run_id, k=k)
                    segments = run.summary
                    seg.rows_in, seg.rows_out = run.rows_read, run.rows_written
                    seg.detail = {"chosen_k": run.result.chosen_k, "seconds": run.seconds,
                                  "skipped_features": list(run.skipped_features)}
                    manifest.segmentation = {
                        "chosen_k": run.result.chosen_k, "reason": run.result.reason,
                        "was_k_forced": run.result.was_k_forced, "features": list(run.result.features),
                        "customers": run.result.n_customers,
                        "sizes": {str(r.segment_name): int(r.size) for r in run.result.profiles.itertuples()},
                    }
                _notify(on_stage, "segment", "ok", seg.seconds)
            with manifest.stage("reports") as rep:
                _notify(on_stage, "reports", "start")
                parts: dict[str, float] = {}
                _, written = write_reports(wh, staging, formats=expand_formats([ReportFormat.all]),
                                           run_id=run_id, as_of=as_of_date, currency=currency,
                                           segments=segments, timings=parts)
                rep.rows_in = int(dq.get("rows_kept") or 0)
                rep.detail = {"files": len(list_outputs(staging, written)), "seconds": parts}
            _notify(on_stage, "reports", "ok", rep.seconds)
        with manifest.stage("publish") as pub:
            published = folder.publish()
            manifest.outputs = list_outputs(out, published)
            pub.rows_out = len(manifest.outputs)
        _notify(on_stage, "publish", "ok", pub.seconds)
        manifest.finish("success")
    except Exception as exc:
        folder.discard()
        message = str(exc) if isinstance(exc, McaError) else f"{type(exc).__name__}: {exc}"
        stage = manifest.stages[-1].name if manifest.stages else "start"
        manifest.finish("failed", message)
        _notify(on_stage, stage, "failed")
        path = manifest.write(out / "runs")
        send_alert(alert_webhook, f"mca run {run_id} on {settings.describe()} failed at {stage}: {message}",
                   {"run_id": run_id, "status": "failed", "stage": stage, "target": settings.describe(),
                    "error": message, "manifest": str(path)})
        if isinstance(exc, McaError):
            wrapped = type(exc)(f"{exc} (run {run_id}; manifest {path})")
            wrapped.alerted = True  # type: ignore[attr-defined]
            raise wrapped from exc
        exc.alerted = True  # type: ignore[attr-defined]
        raise
    path = manifest.write(out / "runs")
    return RunOutcome(manifest=manifest, manifest_path=path, published=published)


def _start(settings: Settings, out: Path, as_of: dt.date | None,
           force: bool) -> tuple[str, dt.date, RunManifest, OutputFolder]:
    """A new run: its id, reference date, manifest and output folder."""
    run_id = pipeline.new_run_id()
    as_of_date = as_of or dt.date.today()
    manifest = RunManifest(run_id=run_id, target=settings.describe(), as_of=as_of_date.isoformat(),
                           started_at=dt.datetime.now(dt.timezone.utc).isoformat())
    return run_id, as_of_date, manifest, OutputFolder(out, run_id, force=force)


def _skipped(name: str):
    from reporting.manifest import StageRecord

    return StageRecord(name=name, status="skipped")


def report_only(
    settings: Settings,
    *,
    out: Path,
    formats: tuple[ReportFormat, ...],
    as_of: dt.date | None = None,
    currency: str = "Rs.",
    force: bool = False,
) -> RunOutcome:
    """Write reports from the marts as they are (no build, no segmentation)."""
    run_id, as_of_date, manifest, folder = _start(settings, out, as_of, force)
    staging = folder.prepare()
    try:
        with Warehouse(settings) as wh, manifest.stage("reports") as rep:
            segments = load_latest_summary(wh)
            data, written = write_reports(wh, staging, formats=formats, run_id=run_id, as_of=as_of_date,
                                          currency=currency, segments=segments)
            manifest.data_quality = data.data_quality
            rep.rows_in = int(data.data_quality.get("rows_kept") or 0)
        with manifest.stage("publish"):
            published = folder.publish()
            manifest.outputs = list_outputs(out, published)
        manifest.finish("success")
    except Exception as exc:
        folder.discard()
        manifest.finish("failed", str(exc))
        manifest.write(out / "runs")
        raise
    path = manifest.write(out / "runs")
    return RunOutcome(manifest=manifest, manifest_path=path, published=published)
