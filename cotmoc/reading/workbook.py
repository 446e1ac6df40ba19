"""Reading a province's workbook safely and finding the contract's sheets and columns by machine code.

python-calamine reads .xlsx, .xlsm (nothing runs: only cached values are read), .xls and .ods, fast.
Before any parsing the file's container is checked (cotmoc/refusals.py: magic bytes, size, zip bombs, XML
entity declarations, passwords). Each refusal is one Problem for the steward; `read_report` is the reading
layer's one boundary, where any failure to read a file becomes that file's refusal. Data the steward cannot see
(hidden sheets, two sheets for one code) and Excel error values (#REF! ...) are errors on their own.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook

from cotmoc.core import contract
from cotmoc.core.formulas import error_cells, formulas_without_values
from cotmoc.core.messages import problem
from cotmoc.core.places import find_sheet, is_blank, sheet_claimants
from cotmoc.core.problems import Problem, column_letter
from cotmoc.reading.column_match import column_problems
from cotmoc.reading.refusals import (UnreadableWorkbook, check_container, check_failed, refuse,  # noqa: F401 (API)
                                     scan_container, unreadable)

HEADER_SEARCH_ROWS = 10


class FormulaWithoutValue:
    """Marks a formula cell that has no stored result (reported once, by the reader)."""

    def __repr__(self) -> str:
        return "<formula without cached value>"


FORMULA_WITHOUT_VALUE = FormulaWithoutValue()


class ExcelError:
    """An error value Excel shows in the cell (#REF!, #DIV/0! ...): reported once, by the reader, never read as
    empty or as text."""

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<Excel error {self.text}>"


_EXCEL_ERRORS = {
    "#REF!": ("công thức tham chiếu tới ô đã bị xóa", "the formula refers to cells that were deleted"),
    "#DIV/0!": ("công thức chia cho 0", "the formula divides by zero"),
    "#VALUE!": ("công thức dùng giá trị sai kiểu", "the formula uses a value of the wrong kind"),
    "#NAME?": ("công thức có tên hàm hoặc tên vùng không đúng", "the formula names an unknown function or range"),
    "#N/A": ("công thức không tìm thấy giá trị", "the formula found no value"),
    "#NUM!": ("công thức cho kết quả không phải số hợp lệ", "the formula's result is not a valid number"),
    "#NULL!": ("công thức dùng vùng ô không giao nhau", "the formula uses ranges that do not intersect"),
}


@dataclass
class RawCell:
    value: object
    cell: str
    row: int


@dataclass
class RawSheet:
    code: str
    name: str                                  # the sheet's name in the file
    columns: dict[str, int]                    # code → 1-based column index
    labels: dict[str, str]                     # code → label found above the code
    extra_columns: list[str]
    excel_rows: list[int]                      # the Excel row of each data row read
    values: dict[str, list]                    # code found → its values, row by row, as `data` holds them

    def letter(self, code: str) -> str | None:
        return column_letter(self.columns[code]) if code in self.columns else None

    @cached_property
    def data(self) -> pd.DataFrame:
        """The raw values as a frame (index = Excel row, columns = codes found), built only when asked for: the
        normaliser reads `values`, the same values without a frame around them."""
        return _raw_frame(list(self.values.values()), self.excel_rows, list(self.values))


@dataclass
class RawReport:
    path: Path
    info: dict[str, RawCell] = field(default_factory=dict)
    sheets: dict[str, RawSheet] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _rows(ws) -> Iterator[list]:
    """The sheet's rows from A1, as to_python(skip_empty_area=False) gives them, but one at a time when the
    data starts in A1 (so a 100,000-row sheet is never held whole as Python lists; iter_rows does not pad
    empty leading columns, hence the check)."""
    return ws.iter_rows() if ws.start == (0, 0) else iter(ws.to_python(skip_empty_area=False))


def _sheet_visibility_problems(names: list[str], hidden: dict[str, str], code: str,
                               read_empty: str | None = None) -> list[Problem]:
    """Data the steward cannot see is never read silently: a hidden sheet claiming a report sheet's code, or
    several sheets claiming one code, is an error. `read_empty`: the hidden sheet read for the code held no data
    row (a table sheet hidden because there was nothing to report): a warning then."""
    claimants = sheet_claimants(names, code)
    out = []
    if len(claimants) > 1:
        listed = ", ".join(f"'{n}'" + (" (ẩn)" if n in hidden else "") for n in claimants)
        listed_en = ", ".join(f"'{n}'" + (" (hidden)" if n in hidden else "") for n in claimants)
        out.append(problem("sheet.ambiguous", count=len(claimants), code=code, listed=listed, en={"listed": listed_en},
                           sheet=code, value="; ".join(claimants)))
    for name in claimants:
        if name in hidden:
            how_vi, how_en = ("bị ẩn sâu (very hidden)", "very hidden") if hidden[name] == "very" else ("bị ẩn", "hidden")
            if name == read_empty and len(claimants) == 1:
                out.append(problem("sheet.hidden_empty", name=name, how=how_vi, en={"how": how_en}, sheet=code,
                                   value=name))
                continue
            out.append(problem("sheet.hidden", name=name, how=how_vi, en={"how": how_en}, sheet=code, value=name))
    return out


def _read_table(sheet_def: contract.Sheet, name: str, ws, formulas: dict[str, object],
                problems: list[Problem]) -> RawSheet | None:
    merged = ws.merged_cell_ranges or []
    rows = _rows(ws)
    del ws              # calamine's cells then live only as long as the rows are being read
    codes = set(sheet_def.codes)
    code_row = None
    head = list(islice(rows, HEADER_SEARCH_ROWS))
    for r, row in enumerate(head):
        if sum(1 for v in row if isinstance(v, str) and v.strip() in codes) >= 2:
            code_row = r
            break
    if code_row is None:
        problems.append(problem("sheet.no_codes", name=name, sheet=sheet_def.code))
        return None
    columns, extra, seen, unknown = {}, [], {}, {}
    for c, value in enumerate(head[code_row], start=1):
        text = value.strip() if isinstance(value, str) else value
        if is_blank(text):
            continue
        if text in codes:
            if text in columns:
                seen.setdefault(text, [column_letter(columns[text])]).append(column_letter(c))
                continue
            columns[text] = c
        else:
            extra.append(str(text))
            unknown[c] = str(text)
    for code, letters in seen.items():
        problems.append(problem("column.duplicated", code=code, letters=", ".join(letters), sheet=sheet_def.code,
                                row=code_row + 1, column=code))
    above = head[code_row - 1] if code_row > 0 else []
    problems += column_problems(sheet_def, columns, unknown, {c: above[c - 1] for c in unknown if c - 1 < len(above)},
                                code_row + 1)
    labels = {code: str(head[code_row - 1][c - 1]) if code_row > 0 and c - 1 < len(head[code_row - 1]) else ""
              for code, c in columns.items()}
    for (r0, c0), (r1, c1) in merged:
        if r1 > code_row:
            ref = f"{column_letter(c0 + 1)}{r0 + 1}:{column_letter(c1 + 1)}{r1 + 1}"
            problems.append(problem("cells.merged", ref=ref, sheet=sheet_def.code, row=r0 + 1,
                                    cell=f"{column_letter(c0 + 1)}{r0 + 1}"))
    index, values = _data_rows(sheet_def, chain(head[code_row + 1:], rows), code_row + 1, columns, formulas,
                               problems)
    del rows            # frees calamine's cells
    return RawSheet(sheet_def.code, name, columns, labels, extra, index, _raw_values(values, index, list(columns)))


def _data_rows(sheet_def: contract.Sheet, rows: Iterator[list], first: int, columns: dict[str, int],
               formulas: dict[str, object], problems: list[Problem]) -> tuple[list[int], list]:
    """Excel row numbers, and values column by column (in `columns` order), of the rows below the code row
    that hold something; a formula without a stored result becomes FORMULA_WITHOUT_VALUE and a Problem."""
    positions = [c - 1 for c in columns.values()]
    take = itemgetter(*positions) if len(positions) > 1 else (lambda row: (row[positions[0]],))
    width_needed = max(positions) + 1
    formula_rows = {int(found.group()) for ref in formulas if (found := re.search(r"\d+$", ref or ""))}
    # `formulas` (_marked_cells): {cell: the ExcelError it shows, or a formula without a stored result: its text}
    index, by_column, chunk = [], [[] for _ in positions], []
    for r, row in enumerate(rows, start=first):
        values = take(row) if len(row) >= width_needed else [row[i] if i < len(row) else None for i in positions]
        if r + 1 in formula_rows:             # rare: only then is each cell's reference worth writing out
            values = _mark_formulas(list(values), formulas, columns, sheet_def, r + 1, problems)
        if all(is_blank(v) for v in values):
            continue
        chunk.append(values)
        index.append(r + 1)
        if len(chunk) == _CHUNK_ROWS:
            _append_chunk(by_column, chunk)
            chunk = []
    _append_chunk(by_column, chunk)
    return index, by_column


_CHUNK_ROWS = 4096


def _append_chunk(columns: list[list], chunk: list) -> None:
    """Add rows to the columns keeping one object per distinct value in the chunk, so a border name, a count of
    households or a date written on 800,000 rows is not held 800,000 times. Only within columns of one type
    (and empty cells): 1.0, 1 and True are equal but not the same value; 0.0 and -0.0 are kept apart."""
    for column, values in zip(columns, zip(*chunk)):
        kinds = set(map(type, values)) - {type(None)}
        if len(kinds) != 1 or not kinds <= _SHARED_KINDS:
            column.extend(values)
            continue
        distinct: dict = {}
        keys = map(_float_key, values) if kinds == {float} else values
        column.extend(map(distinct.setdefault, keys, values))


_SHARED_KINDS = {str, float, date, datetime}


def _float_key(value):
    """A float's key for sharing equal values: its sign too when it is a zero (NaN is never equal, so each one
    stays itself)."""
    return value if value or value is None else (value, math.copysign(1.0, value))


def excel_error_problem(text: str, sheet: str, row: int, column: str | None, cell: str) -> Problem:
    meaning_vi, meaning_en = _EXCEL_ERRORS.get(text.upper(), ("công thức bị lỗi", "the formula failed"))
    return problem("cell.excel_error", text=text, meaning=meaning_vi, en={"meaning": meaning_en}, sheet=sheet, row=row,
                   column=column, cell=cell, value=text)


def _mark_formulas(values: list, formulas: dict[str, object], columns: dict[str, int],
                   sheet_def: contract.Sheet, excel_row: int, problems: list[Problem]) -> list:
    for k, (code, c) in enumerate(columns.items()):
        ref = f"{column_letter(c)}{excel_row}"
        if ref not in formulas:
            continue
        if isinstance(formulas[ref], ExcelError):
            values[k] = formulas[ref]
            problems.append(excel_error_problem(formulas[ref].text, sheet_def.code, excel_row, code, ref))
            continue
        values[k] = FORMULA_WITHOUT_VALUE
        problems.append(formula_problem(sheet_def.code, sheet_def.column(code), ref, excel_row, formulas[ref]))
    return values


def formula_problem(sheet: str, col: contract.Column, ref: str, row: int, formula: str | None) -> Problem:
    """A formula cell without a saved result (cotmoc.core.formulas.has_no_result): named by its column like every
    cell problem, the formula shown as the value found."""
    return problem("formula.no_cached_value", label_vi=col.label_vi, label_en=col.label_en, sheet=sheet, row=row,
                   column=col.code, cell=ref, value=formula)


# Cell types pandas' inference in DataFrame.from_records hands back unchanged after .astype(object), alone or
# mixed (a float column becomes float64 and back, a text column str and back). Other types may change (ints
# mixed with floats become floats, datetimes Timestamps): a sheet holding any goes the generic way.
_KEPT_AS_READ = frozenset({str, float, bool, date, time, FormulaWithoutValue, ExcelError})


def _kept_as_read(columns: list[list], index: list[int]) -> bool:
    return bool(index) and all(set(map(type, values)) <= _KEPT_AS_READ for values in columns)


def _raw_values(columns: list[list], index: list[int], codes: list[str]) -> dict[str, list]:
    """Each column's values exactly as the raw frame (`_raw_frame`) holds them: the values read when pandas
    would keep them, else taken from the frame built the generic way (a sheet holding ints or datetimes)."""
    if not index or _kept_as_read(columns, index):
        return dict(zip(codes, columns))
    cells = _raw_frame(columns, index, codes).to_numpy(dtype=object)
    return {code: cells[:, j].tolist() for j, code in enumerate(codes)}


def _raw_frame(columns: list[list], index: list[int], codes: list[str]) -> pd.DataFrame:
    """The raw values as an object frame, exactly as DataFrame.from_records(rows).astype(object) gives them,
    built from the columns read (no second copy of every string and number) when that is the same."""
    if _kept_as_read(columns, index):
        cells = np.empty((len(index), len(codes)), dtype=object)
        for j, values in enumerate(columns):
            cells[:, j] = values
        return pd.DataFrame(cells, index=pd.Index(np.array(index, dtype="int64"), name="excel_row"), columns=codes,
                            dtype=object, copy=False)
    rows = [list(row) for row in zip(*columns)]
    return pd.DataFrame.from_records(rows, index=pd.Index(index, name="excel_row"), columns=codes).astype(object)


def _read_info(name: str, grid: list[list], formulas: dict[str, object],
               problems: list[Problem]) -> dict[str, RawCell]:
    info = {}
    codes = set(contract.THONG_TIN.codes)
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if isinstance(value, str) and value.strip() in codes and value.strip() not in info:
                v = row[c + 1] if c + 1 < len(row) else None
                ref = f"{column_letter(c + 2)}{r + 1}"
                if isinstance(formulas.get(ref), ExcelError):
                    v = formulas[ref]
                    problems.append(excel_error_problem(v.text, "thong_tin", r + 1, value.strip(), ref))
                elif ref in formulas:
                    v = FORMULA_WITHOUT_VALUE
                    problems.append(formula_problem("thong_tin", contract.THONG_TIN.column(value.strip()), ref,
                                                    r + 1, formulas[ref]))
                info[value.strip()] = RawCell(v, ref, r + 1)
    return info


def _marked_cells(path: Path, sheet_names: list[str]) -> dict[str, dict[str, object]]:
    """Per sheet: {cell: its formula ("=J4*2", None when written in another cell)} for formulas without a stored
    result (cotmoc.core.formulas), {cell: ExcelError('#REF!')} for Excel error values."""
    marked: dict[str, dict[str, object]] = {}
    for name, cells in formulas_without_values(path, sheet_names).items():
        marked.setdefault(name, {}).update(cells)
    for name, cells in error_cells(path, sheet_names).items():
        marked.setdefault(name, {}).update({ref: ExcelError(text) for ref, text in cells.items()})
    return marked


def read_report(path: Path | str, *, max_bytes: int = 50 * 1024 * 1024,
                max_uncompressed_bytes: int = 500 * 1024 * 1024) -> RawReport:
    """Read a report's raw cells, located by machine code. File-level refusals raise UnreadableWorkbook;
    everything else found is returned as Problems on the RawReport.

    This is the reading layer's one boundary: ANY failure while reading this file (the library's XML or zip
    errors, an exception of ours on a shape nobody foresaw, memory) becomes an UnreadableWorkbook for this
    file alone, with its own rule and a Vietnamese message, so no file can stop the others."""
    try:
        return _read_report(Path(path), max_bytes, max_uncompressed_bytes)
    except UnreadableWorkbook:
        raise
    except Exception as exc:
        raise unreadable(exc) from None


def _read_report(path: Path, max_bytes: int, max_uncompressed_bytes: int) -> RawReport:
    kind, may_hold_marks = scan_container(path, max_bytes, max_uncompressed_bytes)
    wb = CalamineWorkbook.from_path(str(path))
    report = RawReport(path)
    names = list(wb.sheet_names)
    hidden = {m.name: ("very" if "VeryHidden" in str(m.visible) else "hidden") for m in wb.sheets_metadata
              if not str(m.visible).endswith(".Visible")}
    found = {s.code: find_sheet(names, s.code, hidden) for s in contract.SHEETS}
    if not any(found.values()):
        raise refuse("workbook.not_template")
    # only a package that may hold a formula or an error cell is searched for them (the container check read its
    # XML and said so); nearly every report has neither
    formulas = _marked_cells(path, [n for n in found.values() if n]) if kind == "zip" and may_hold_marks else {}
    for sheet_def in contract.SHEETS:
        name = found[sheet_def.code]
        renamed = name is not None and name != sheet_def.code
        visibility = len(report.problems)
        if name is None and sheet_def.optional:
            report.problems[visibility:visibility] = _sheet_visibility_problems(names, hidden, sheet_def.code, None)
            continue          # whether the file's version should have it is judged by cotmoc.normalise
        if name is None:
            report.problems.append(problem("sheet.missing", code=sheet_def.code, title_vi=sheet_def.title_vi,
                                           title_en=sheet_def.title_en, sheet=sheet_def.code))
            continue
        if renamed:
            report.problems.append(problem("sheet.renamed", name=name, code=sheet_def.code, sheet=sheet_def.code,
                                           value=name))
        if sheet_def.is_form:
            grid = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            report.info = _read_info(name, grid, formulas.get(name, {}), report.problems)
        else:             # the sheet is handed over, not kept here, so _read_table can free it early
            table = _read_table(sheet_def, name, wb.get_sheet_by_name(name), formulas.get(name, {}),
                                report.problems)
            if table is not None:
                report.sheets[sheet_def.code] = table
        empty = name if not sheet_def.is_form and (sheet_def.code not in report.sheets
                                                   or not report.sheets[sheet_def.code].excel_rows) else None
        report.problems[visibility:visibility] = _sheet_visibility_problems(names, hidden, sheet_def.code, empty)
    return report
