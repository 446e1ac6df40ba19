"""One received file's steward's files as a job for the check workers (cotmoc.pipeline.filing hands a batch's to
cotmoc.pipeline.parallel.in_workers): plain values, and nothing of the writers imported until it runs. The
loading process makes thousands of these in a warned backfill and writes none of them, so it does not import
openpyxl and the copy's writers for them (≈ 7 MB of its memory and 70 ms, paid only by runs with a warning)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cotmoc.core.problems import Problem


@dataclass(frozen=True)
class StewardFiles:
    """The steward's files about one received file, to be written beside where it is filed (`dest`): the JSON
    list, and the annotated copy (or the `Loi` sheet alone when the file is not `readable`, or cannot be
    annotated), by cotmoc.outputs.steward_report.write_steward_files."""
    original: Path                 # the bytes as received
    dest: Path                     # where the original is filed
    status: str
    problems: list[Problem]
    file_name: str                 # as the steward sent it
    sha256: str
    readable: bool
    summary: dict = field(default_factory=dict)

    def write(self) -> list[Path]:
        """The files written, their paths."""
        from cotmoc.outputs.steward_report import write_steward_files   # openpyxl: where the files are written
        return write_steward_files(self)
