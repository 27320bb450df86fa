"""`mca-report ingest`: append exports to a raw table through a mapping file.

Wired into the main CLI with ``register(app)`` (reporting/cli.py, after its option types and
``handle_errors`` are defined). The command parses options, calls
:func:`reporting.ingest.ingest_files`, and prints one line per file.
"""

# no `from __future__ import annotations`: typer evaluates the annotations of the command
# defined inside register(), whose option types are imported there (not at module level, so
# reporting.cli can import this module at any point)

from pathlib import Path
from typing import Annotated

import typer

from reporting.ingest.contract import IngestTable
from reporting.ingest.loader import FileOutcome, ingest_files


def register(app: typer.Typer) -> None:
    """Add the ``ingest`` command to ``app``."""
    from reporting.cli import DuckdbPathOpt, TargetOpt, VerboseOpt, _settings, handle_errors

    @app.command("ingest", no_args_is_help=True)
    @handle_errors
    def ingest(
        table: Annotated[IngestTable, typer.Argument(metavar="TABLE", help="Raw table to append to.", show_default=False)],
        files: Annotated[list[Path], typer.Argument(metavar="FILE", help="Files to load, in this order.", show_default=False)],
        mapping: Annotated[Path, typer.Option("--mapping", "-m", help="YAML mapping from the file's columns to the raw table's (see mappings/README.md).", show_default=False)],
        replace: Annotated[bool, typer.Option("--replace", help="Load files again that were loaded before: first remove exactly the rows their earlier loads (same content or same path) wrote.")] = False,
        max_reject_pct: Annotated[float, typer.Option("--max-reject-pct", min=0.0, max=100.0, help="Refuse a file (load nothing from it) when more than this percentage of its lines is rejected.")] = 1.0,
        rejects: Annotated[Path | None, typer.Option("--rejects", help="Where rejected lines go (a file, or a folder for several inputs; default: next to each input as FILE.rejects.csv).")] = None,
        target: TargetOpt = None,
        duckdb_path: DuckdbPathOpt = None,
        verbose: VerboseOpt = False,
    ) -> None:
        """Append CSV or text exports to the raw campaigns, customers or orders table.

        Each file is read through the mapping; lines with the wrong number of fields, numbers or dates that do not parse, or empty required values go to a rejects file with their line number and reason.

        Each file loads in one transaction and is recorded in the load log: the same content is never loaded twice (--replace reloads it).
        """
        settings = _settings(target, duckdb_path)
        typer.echo(f"ingest into {settings.raw_schema}.{table.value} on {settings.describe()}", err=True)
        outcomes = ingest_files(settings, table.value, files, mapping, replace=replace,
                                max_reject_pct=max_reject_pct, rejects=rejects, on_file=_print_outcome)
        if len(outcomes) > 1:
            skipped = sum(o.status == "skipped" for o in outcomes)
            typer.echo(
                f"total: read {sum(o.rows_read for o in outcomes):,}, loaded "
                f"{sum(o.rows_loaded for o in outcomes):,}, rejected {sum(o.rows_rejected for o in outcomes):,}, "
                f"skipped {skipped} of {len(outcomes)} files as already loaded"
            )


def _print_outcome(o: FileOutcome) -> None:
    name = o.path.name
    if o.status == "skipped":
        prev = o.previous.describe() if o.previous else "an earlier load"
        typer.echo(f"{name}: read 0, loaded 0, rejected 0, skipped: already loaded ({prev}); "
                   "--replace loads it again")
        return
    ids = f", ids {o.first_id:,}-{o.last_id:,}" if o.first_id is not None else ""
    line = (f"{name}: read {o.rows_read:,}, loaded {o.rows_loaded:,}, rejected {o.rows_rejected:,} "
            f"(load {o.load_id}{ids}, {o.seconds:.1f}s)")
    if o.replaced:
        line += f", replacing {sum(p.rows_loaded for p in o.replaced):,} rows of " + ", ".join(
            f"load {p.load_id}" for p in o.replaced)
    typer.echo(line)
    if o.rejects_path is not None:
        typer.echo(f"  rejected lines: {o.rejects_path}")
    if o.duplicate_lines:
        typer.echo(f"  note: {o.duplicate_lines:,} lines repeat an earlier line exactly (loaded as they are)")
    for p in o.other_versions:
        typer.echo(f"  note: {p.file_name} was loaded before with other content ({p.describe()}); "
                   "those rows stay (--replace replaces them)")
