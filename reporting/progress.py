"""What a long command shows while it works.

The jobs report progress through a :class:`Progress` and never print. The CLI chooses one:

- :class:`LiveProgress` on a terminal: rich's progress display (typer brings rich) with a bar per
  long step (dbt nodes done of total and the node running now, the k values tried, each export
  file, the rows and bytes loaded), above the one line per stage;
- :class:`StageProgress` when stderr is not a terminal (CI, cron, a pipe): the one line per stage
  only, as before;
- :class:`Progress` itself (``--quiet``): nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

_STAGE_NAMES = {"build": "dbt build", "quality": "quality gate", "segment": "segmentation",
                "reports": "reports", "publish": "publish"}


class Task:
    """One step with a known or unknown amount of work."""

    def advance(self, amount: float = 1, *, description: str | None = None, total: float | None = None) -> None:
        """``amount`` more done; a new ``description`` (what is under way) or ``total``."""


class Progress:
    """Reports nothing (``--quiet``); the base of the other two."""

    def stage(self, name: str, status: str, seconds: float = 0.0) -> None:
        """A stage of `run` started ("start"), ended ("ok") or did not ("failed", ...)."""

    @contextmanager
    def task(self, description: str, total: float | None = None, unit: str = "") -> Iterator[Task]:
        yield Task()

    def dbt_event(self, task: Task) -> Any:
        """A dbt callback (dbtRunner(callbacks=[...])) that advances ``task`` node by node."""

        def callback(event: Any) -> None:
            name = event.info.name
            if name == "LogStartLine":
                data = event.data
                task.advance(0, total=float(data.total), description=_node_label(data.node_info.unique_id))
            elif name == "NodeFinished":
                task.advance(1)

        return callback


class StageProgress(Progress):
    """One line per stage on stderr: for logs, CI and cron."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    def stage(self, name: str, status: str, seconds: float = 0.0) -> None:
        label = _STAGE_NAMES.get(name, name)
        if status == "start":
            line = f"  {label} ..."
        elif status == "ok":
            line = f"  {label} ok ({seconds:.1f}s)"
        else:
            line = f"  {label} {status}"
        self.stream.write(line + "\n")
        self.stream.flush()


class _LiveTask(Task):
    def __init__(self, progress: Any, task_id: Any, unit: str) -> None:
        self.progress, self.task_id, self.unit = progress, task_id, unit

    def advance(self, amount: float = 1, *, description: str | None = None, total: float | None = None) -> None:
        fields: dict[str, Any] = {"advance": amount}
        if description is not None:
            fields["description"] = description
        if total is not None:
            fields["total"] = total
        # a new description (the dbt node now running, the k just scored) is drawn at once: at
        # rich's 10 redraws a second a fast step would otherwise never be seen
        self.progress.update(self.task_id, refresh=description is not None, **fields)


class LiveProgress(StageProgress):
    """rich's live progress display on a terminal, with the stage lines printed above it."""

    def __init__(self, stream: TextIO | None = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress as RichProgress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        super().__init__(stream)
        self.console = Console(file=self.stream)
        self.progress = RichProgress(
            SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
            MofNCompleteColumn(), TextColumn("{task.fields[unit]}"), TimeElapsedColumn(),
            console=self.console, transient=True,
        )

    def __enter__(self) -> LiveProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def stage(self, name: str, status: str, seconds: float = 0.0) -> None:
        label = _STAGE_NAMES.get(name, name)
        if status == "start":
            return  # the task bar says it is under way
        text = f"  {label} ok ({seconds:.1f}s)" if status == "ok" else f"  {label} {status}"
        self.progress.console.print(text, highlight=False)

    @contextmanager
    def task(self, description: str, total: float | None = None, unit: str = "") -> Iterator[Task]:
        task_id = self.progress.add_task(description, total=total, unit=unit)
        try:
            yield _LiveTask(self.progress, task_id, unit)
        finally:
            self.progress.remove_task(task_id)


def for_terminal(quiet: bool, stream: TextIO | None = None) -> Progress:
    """The progress a command shows: nothing with --quiet, the live display on a terminal, the
    stage lines otherwise."""
    stream = stream or sys.stderr
    if quiet:
        return Progress()
    if stream.isatty():
        return LiveProgress(stream)
    return StageProgress(stream)


def _node_label(unique_id: str) -> str:
    kind, _, rest = unique_id.partition(".")
    name = rest.split(".", 1)[-1]
    return f"dbt {kind}: {name[:60]}"
