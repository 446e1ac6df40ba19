"""Many reports checked as one: each sheet's rows of every report in one frame, so that a pandera schema and
each cross-sheet rule run once per batch instead of once per file (a schema run costs ≈ 15 ms whatever its
size; a backfill of 744 small reports spent most of its time there).

Every row keeps its owner (`REPORT`: the report's position in the batch), so each problem found goes back to
its own report with its own cell. A single report is a batch of one: there is one code path.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from cotmoc.core import contract
from cotmoc.core.problems import Problem
from cotmoc.core.records import Report, batch_table
from cotmoc.schemas.failures import validate_frame
from cotmoc.schemas.info import InfoSchema, info_frame, info_locator

REPORT = "report"            # the owner column: position of the row's report in the batch
TABLE_SHEETS = tuple(s.code for s in contract.TABLE_SHEETS)

#: (report position, problem)
Owned = tuple[int, Problem]


@dataclass
class ReportBatch:
    reports: list[Report]                     # the normalised reports of the batch
    tables: dict[str, pd.DataFrame]           # sheet code → every report's rows, plus REPORT; RangeIndex

    @classmethod
    def of(cls, reports: list[Report]) -> "ReportBatch":
        tables = {}
        for sheet in TABLE_SHEETS:
            frame = batch_table(reports, sheet)
            frame[REPORT] = np.repeat(np.arange(len(reports)), [r.row_count(sheet) for r in reports])
            tables[sheet] = frame
        return cls(list(reports), tables)

    def letters(self, position: int, sheet: str) -> dict[str, str]:
        return self.reports[position].columns.get(sheet, {})


def _table_locator(batch: ReportBatch, sheet: str):
    frame = batch.tables[sheet]
    rows, owners = frame["excel_row"].to_numpy(), frame[REPORT].to_numpy()

    def locate(position: int, column: str):
        excel_row = int(rows[position])
        letter = batch.letters(int(owners[position]), sheet).get(column)
        return excel_row, f"{letter}{excel_row}" if letter else None
    return locate, owners


def _info_locator(batch: ReportBatch):
    def locate(position: int, column: str):
        return info_locator(batch.reports[position].info_cells)(0, column)
    return locate, np.arange(len(batch.reports))


def _sheet_frame(batch: ReportBatch, sheet: str):
    """(frame, locate, owners) of one sheet of the batch: thong_tin as one row per report, tables as rows."""
    if sheet == "thong_tin":
        return (info_frame([r.info for r in batch.reports]), *_info_locator(batch))
    return (batch.tables[sheet].drop(columns=[REPORT]), *_table_locator(batch, sheet))


def _same_shape(batch: ReportBatch, sheet: str) -> bool:
    """Every report's table has the same columns and types (as the normaliser makes them), so that their
    concatenation neither fills a missing column nor changes a type."""
    if sheet == "thong_tin" or len(batch.reports) < 2:
        return True
    shapes = {tuple((c, str(t)) for c, t in r.table_dtypes(sheet)) for r in batch.reports}
    return len(shapes) == 1


def _run(batch: ReportBatch, sheet: str, model) -> list[Owned] | None:
    """Owned problems of one schema run over the batch, or None when a failure could not be tied to a row."""
    frame, locate, owners = _sheet_frame(batch, sheet)
    found = validate_frame(model, frame, sheet, locate)
    if any(position is None for position, _ in found):
        return None
    return [(int(owners[position]), problem) for position, problem in found]


def schema_problems(batch: ReportBatch, sheet_schemas: dict[str, type[pa.DataFrameModel]]) -> list[Owned]:
    """Every sheet's schema (InfoSchema for thong_tin) over the whole batch. A failure that is tied to no row
    (a frame of the wrong shape: our fault) is found again report by report, so it lands on its own file only."""
    out: list[Owned] = []
    for sheet, model in {"thong_tin": InfoSchema, **sheet_schemas}.items():
        owned = _run(batch, sheet, model) if _same_shape(batch, sheet) else None
        if owned is None:
            owned = []
            for i, report in enumerate(batch.reports):
                frame, locate, _ = _sheet_frame(ReportBatch.of([report]), sheet)
                owned += [(i, problem) for _, problem in validate_frame(model, frame, sheet, locate)]
        out += owned
    return out
