"""The output folder: written atomically, and never over files mca did not create.

A run writes everything into a staging folder inside ``out`` and moves the finished outputs into
place only at the end, so a failed run leaves the previous reports as they were. ``out`` carries
a marker file; a folder that has files but no marker belongs to someone else, and mca refuses to
write into it unless forced.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from reporting.errors import ConfigError, RefusedError

log = logging.getLogger(__name__)

MARKER = ".mca-outputs"
#: What a run publishes at the top of ``out`` (runs/ is history and is only ever added to).
PUBLISHED = ("executive_summary.pdf", "executive_summary.html", "visualizations", "dashboards")


class OutputFolder:
    def __init__(self, out: Path, run_id: str, *, force: bool = False) -> None:
        self.out = out
        self.run_id = run_id
        self.force = force
        self.staging = out / f".staging-{run_id}"

    def prepare(self) -> Path:
        """Check ownership, create ``out`` and the staging folder; return the staging folder."""
        out = self.out
        if out.exists() and not out.is_dir():
            raise ConfigError(f"output path {out} exists and is not a folder")
        if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists() and not self.force:
            raise RefusedError(
                f"output folder {out} has files mca did not write; refusing to write into it "
                "(choose another --out, or pass --force)"
            )
        try:
            out.mkdir(parents=True, exist_ok=True)
            (out / MARKER).write_text("This folder is written by mca-report; outputs here are replaced on each run.\n")
            (out / "runs").mkdir(exist_ok=True)
            self.staging.mkdir()
        except OSError as exc:
            raise ConfigError(f"cannot write to output folder {out}: {exc.strerror or exc}") from None
        return self.staging

    def publish(self) -> list[Path]:
        """Move every staged output into place; replaced outputs are removed afterwards."""
        moved: list[Path] = []
        graveyard = self.out / f".replaced-{self.run_id}"
        graveyard.mkdir(exist_ok=True)
        for name in PUBLISHED:
            staged = self.staging / name
            if not staged.exists():
                continue
            final = self.out / name
            if final.exists():
                os.replace(final, graveyard / name)
            os.replace(staged, final)
            moved.append(final)
        shutil.rmtree(graveyard, ignore_errors=True)
        shutil.rmtree(self.staging, ignore_errors=True)
        return moved

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
