"""The names of the steward's files: beside `dien_bien_2016.xlsx` go `dien_bien_2016.loi.xlsx` (the annotated
copy, or the `Loi` sheet alone) and `dien_bien_2016.loi.json` (the same problems for machines), whatever the
input's type. The ingest writes them, the summary, `cotmoc status`, approval, recovery and the portal find them
by these names, and only by these.
"""
from __future__ import annotations

from pathlib import Path

ANNOTATED_SUFFIX = ".loi.xlsx"
PROBLEMS_SUFFIX = ".loi.json"
STEWARD_SUFFIXES = (ANNOTATED_SUFFIX, PROBLEMS_SUFFIX)


#: the folder a steward's copy is made in, beside where it goes (cotmoc.outputs.steward_stream): what a killed run
#: leaves of a copy half made (cleared by cotmoc.pipeline.planning.clear_leftovers)
WORK_FOLDER_PREFIX = ".cotmoc-copy-"


def report_paths(original: Path | str, dest_dir: Path | str | None = None) -> tuple[Path, Path]:
    """`bao_cao.xlsx` → (`dest_dir/bao_cao.loi.xlsx`, `dest_dir/bao_cao.loi.json`); `dest_dir` defaults to the
    original's own folder."""
    original = Path(original)
    folder = original.parent if dest_dir is None else Path(dest_dir)
    return folder / f"{original.stem}{ANNOTATED_SUFFIX}", folder / f"{original.stem}{PROBLEMS_SUFFIX}"


def annotated_path(original: Path | str, dest_dir: Path | str | None = None) -> Path:
    """The annotated copy's path (`report_paths`' first)."""
    return report_paths(original, dest_dir)[0]


def is_steward_file(name: str) -> bool:
    """Whether a file name is one of the steward's files (never an original that was filed)."""
    return name.endswith(STEWARD_SUFFIXES)
