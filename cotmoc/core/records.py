"""The records passed between the steps of the pipeline (one definition each, in the core, so every layer can
name them): what is known of a received file before it is read (`FileFacts`), a file the warehouse already
knows (`KnownFile`), one file to load (`Submission`) and what loading it did (`LoadResult`), and what became
of a file in a run (`FileOutcome`: the line the office reads); and the typed `Report` the reader and normaliser
hand to the schemas and the loader."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from cotmoc.core import contract
from cotmoc.core.frames import column_sum, concatenated, dtypes, is_unbuilt, packed, packed_rows, travelling, unpacked
from cotmoc.core.problems import Problem

#: table sheet code → the Report attribute holding its rows
TABLES = {"to_tu_quan": "teams", "doan_bien_gioi": "segments", "khen_thuong": "awards", "hoat_dong": "activities"}

_DTYPES = {contract.DATE: "datetime64[ns]", contract.KM: "Float64", contract.INT: "Int64", contract.YEAR: "Int64"}


def empty_table(sheet_code: str) -> pd.DataFrame:
    """A table sheet with no rows, typed as the normaliser types its columns."""
    sheet = contract.SHEETS_BY_CODE[sheet_code]
    frame = pd.DataFrame({c.code: pd.Series([], dtype=_DTYPES.get(c.kind, "string")) for c in sheet.columns})
    frame["excel_row"] = pd.Series([], dtype="int64")
    return frame


@dataclass
class Report:
    path: Path
    info: dict
    teams: pd.DataFrame
    segments: pd.DataFrame
    awards: pd.DataFrame
    columns: dict[str, dict[str, str]] = field(default_factory=dict)   # sheet → code → column letter
    problems: list[Problem] = field(default_factory=list)
    # template version 2: no rows when the file has no activities (a version 1 file never has): unknown, not 0
    activities: pd.DataFrame = field(default_factory=lambda: empty_table("hoat_dong"))
    info_cells: dict[str, str] = field(default_factory=dict)   # thong_tin: code → the cell it was read from ('C9')

    @classmethod
    def unframed(cls, path: Path, info: dict, tables: dict[str, tuple], **fields) -> "Report":
        """A report whose tables (sheet code → unbuilt table: cotmoc.core.frames) become frames only when asked for:
        the checks build each sheet of the batch straight from them, the loading process gets them packed."""
        report = cls.__new__(cls)
        report.__dict__.update({"columns": {}, "problems": [], "info_cells": {}} | fields, path=path, info=info)
        report.__dict__["_pending"] = {TABLES[code]: table for code, table in tables.items()}
        return report

    def table(self, sheet_code: str) -> pd.DataFrame:
        return getattr(self, TABLES[sheet_code])

    def totals(self) -> dict:
        """The report's own totals that the period-over-period review compares (schemas/history.py)."""
        travelled = self.__dict__.get("_totals")
        if travelled is not None and {"teams", "segments"} <= self.__dict__.get("_pending", {}).keys():
            return travelled          # counted by the worker from these very tables, which are not unpacked here
        return {"teams": self._sum("teams", "teams"), "members": self._sum("teams", "members"),
                "length_km": float(self._sum("segments", "length_km")),
                "markers": int(self._sum("segments", "markers"))}

    def _sum(self, field: str, column: str):
        waiting = self.__dict__.get("_pending", {}).get(field)
        if waiting is not None and is_unbuilt(waiting):
            return column_sum(waiting, column)
        return getattr(self, field)[column].sum()

    # A report's tables are frames only once something asks for one. Until then they are parts (`_pending`):
    # unbuilt in the process that checked the report (each column as the normaliser made it: an array, or the plain
    # values it is typed from), packed when
    # they arrived from a worker (cotmoc.core.frames). A checked report goes from a worker process to the loading
    # one with its tables packed and its totals, and they stay packed there: the load reads them as they are
    # (their row counts, one frame for a batch's sheet: warehouse/load.py), which saves rebuilding four frames
    # for every report (≈ 1.5 ms of the loading process's time a report, measured).
    def __getstate__(self) -> dict:
        waiting = {k: travelling(v) for k, v in self.__dict__.get("_pending", {}).items()}
        state = {k: packed(v) if k in _TABLE_FIELDS else v for k, v in self.__dict__.items() if k != "_pending"}
        try:
            state["_totals"] = self.totals()
        except Exception:         # a report made by hand, without the columns: the loader counts, as before
            state.pop("_totals", None)
        return state | waiting

    def __setstate__(self, state: dict) -> None:
        tables = {k: state.pop(k) for k in _TABLE_FIELDS if k in state}
        self.__dict__.update(state)
        self.__dict__["_pending"] = tables

    def __getattr__(self, name: str):
        """A table not yet a frame, made one when first asked for (only called for what is not set)."""
        waiting = self.__dict__.get("_pending")
        if not waiting or name not in waiting:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        frame = unpacked(waiting.pop(name))
        setattr(self, name, frame)
        return frame

    def table_parts(self, sheet_code: str) -> tuple | None:
        """The table's parts (packed as it travelled, or unbuilt as the normaliser made it) while no frame was made
        of it; None otherwise."""
        return self.__dict__.get("_pending", {}).get(TABLES[sheet_code])

    def row_count(self, sheet_code: str) -> int:
        waiting = self.table_parts(sheet_code)
        return packed_rows(waiting) if waiting is not None else len(self.table(sheet_code))

    def table_dtypes(self, sheet_code: str) -> tuple:
        """(column, dtype) of a table, without making it a frame when it is unbuilt."""
        waiting = self.table_parts(sheet_code)
        found = dtypes(waiting) if waiting is not None else None
        return found if found is not None else tuple(self.table(sheet_code).dtypes.items())

    def set_tables(self, tables: dict[str, pd.DataFrame]) -> None:
        """Replace tables (by sheet code); what is replaced is dropped, packed or not."""
        for code, frame in tables.items():
            self.__dict__.get("_pending", {}).pop(TABLES[code], None)
            setattr(self, TABLES[code], frame)


_TABLE_FIELDS = frozenset(TABLES.values())


def batch_table(reports: list[Report], sheet_code: str) -> pd.DataFrame:
    """The reports' rows of one sheet as ONE new frame (a RangeIndex), as pd.concat of their tables gives it: built
    straight from the tables' parts when no frame was made of them (cotmoc.core.frames.concatenated), else
    pd.concat. The checks validate each sheet of a batch this way, and the loading process loads it."""
    waiting = [report.table_parts(sheet_code) for report in reports]
    if all(t is not None for t in waiting):
        frame = concatenated(waiting)
        if frame is not None:
            return frame
    tables = [report.table(sheet_code) for report in reports]
    return pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0].reset_index(drop=True)


@dataclass(frozen=True)
class FileFacts:
    """What is known about a received file before it is read: its name, where it arrived, its bytes."""
    file_name: str
    original_path: str
    sha256: str
    size_bytes: int
    received_at: datetime


@dataclass(frozen=True)
class KnownFile:
    """A file already in the warehouse (found by SHA-256): its submission, status and where it was filed."""
    submission_id: int
    status: str
    stored_path: str | None


@dataclass(frozen=True)
class LoadResult:
    """The outcome of loading one file: its submission, status, the one it superseded, and what the load's
    review added to its problems (period-over-period warnings)."""
    submission_id: int
    status: str
    superseded_id: int | None
    reviewed: tuple[Problem, ...] = ()


@dataclass
class Submission:
    """One file to load: what it is, its report (None when unreadable), its problems, and its verdict.
    `stored_path` is where it will be filed, recorded in the same transaction (the move comes after)."""
    file: FileFacts
    report: Report | None
    problems: list[Problem]
    accepted: bool
    stored_path: str | None = None
    held: bool = False        # accepted, for a period the office approved and locked: kept, not counted

    @property
    def status(self) -> str:
        return "rejected" if not self.accepted else ("held" if self.held else "accepted")

    def __post_init__(self):
        if self.held and not self.accepted:
            raise ValueError("Chỉ báo cáo đạt mới được giữ lại — only an accepted report can be held")
        if self.accepted and self.report is None:
            raise ValueError("Không thể nhận một báo cáo không đọc được — an unreadable report cannot be accepted")

    def rows(self, sheet: str) -> int:
        return 0 if self.report is None else self.report.row_count(sheet)


@dataclass
class FileOutcome:
    """What happened to one file: the line the office reads in the run summary."""
    file_name: str
    outcome: str                       # new | superseding | held | duplicate | rejected | recovered | left
    sha256: str
    submission_id: int | None = None
    province: str | None = None
    period: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    warnings: int = 0
    stored_path: Path | None = None
    first_error: str = ""
    notice: str = ""                   # held: why the report waits (Vietnamese — English)
    rejected_copy: Path | None = None      # a re-sent rejected file: the earlier verdict's steward copy (.loi.xlsx)

    def line(self) -> str:
        """One log line a non-developer can follow (Vietnamese — English); nothing in it is a terminal escape."""
        from cotmoc.core.inert import shown_name, terminal_text
        vi = {"new": "đã nhận (mới)", "superseding": "đã nhận (thay thế báo cáo trước)",
              "held": "giữ lại, chờ mở khóa (kỳ đã duyệt)", "duplicate": "trùng lặp, bỏ qua", "rejected": "bị từ chối",
              "recovered": "hoàn tất lần chạy trước", "left": "để lại trong hộp thư"}
        where = f" → {shown_name(self.stored_path)}" if self.stored_path else ""
        if self.rejected_copy:
            return terminal_text(f"{self.file_name}: trùng lặp, {self.first_error}")
        detail = f"; {self.errors} lỗi/errors, {self.warnings} cảnh báo/warnings" if (self.errors or self.warnings) else ""
        reason = f": {self.first_error}" if self.outcome == "left" else ""
        return terminal_text(f"{self.file_name}: {vi.get(self.outcome, self.outcome)} — {self.outcome}{detail}{where}"
                             f"{reason}")


def left_outcome(path: Path, message: str, sha256: str = "") -> FileOutcome:
    """A file this run does not take to an end (it waits in the inbox: a link, a file still being written, a
    filing that could not complete), and why."""
    from cotmoc.core.inert import shown_name
    return FileOutcome(shown_name(path.name), "left", sha256, first_error=message)
