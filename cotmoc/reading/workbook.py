"""Reading a province's workbook safely and finding the contract's sheets and columns by machine code.

python-calamine reads .xlsx, .xlsm (nothing runs: only cached values are read), .xls and .ods, fast.
Before any parsing the file is checked: magic bytes (a PDF renamed .xlsx is not a workbook), the zip
directory (truncated or corrupt archives, zip bombs: the uncompressed size is limited before reading),
XML prologs (a DOCTYPE or ENTITY declaration is refused, never expanded), and OLE containers (an
encrypted OOXML file is a password-protected workbook). Each refusal is one Problem for the steward.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, time
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook

from cotmoc.core import contract
from cotmoc.core.display import en_number, vi_number
from cotmoc.core.formulas import formulas_without_values
from cotmoc.core.problems import ERROR, WARNING, Problem, column_letter
from cotmoc.core.vntext import clean
from cotmoc.reading.column_match import column_problems

HEADER_SEARCH_ROWS = 10
MAX_RATIO = 200                       # uncompressed/compressed beyond this, with a large size, is a bomb
RATIO_CHECK_BYTES = 20 * 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


class FormulaWithoutValue:
    """Marks a formula cell that has no stored result (reported once, by the reader)."""

    def __repr__(self) -> str:
        return "<formula without cached value>"


FORMULA_WITHOUT_VALUE = FormulaWithoutValue()


class UnreadableWorkbook(Exception):
    """The file cannot be read as a report at all; carries the one Problem that says why."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message_en)
        self.problem = problem


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
    data: pd.DataFrame                         # raw values; index = Excel row; columns = codes found

    def letter(self, code: str) -> str | None:
        return column_letter(self.columns[code]) if code in self.columns else None


@dataclass
class RawReport:
    path: Path
    info: dict[str, RawCell] = field(default_factory=dict)
    sheets: dict[str, RawSheet] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _refuse(rule: str, vi: str, en: str, fix_vi: str, fix_en: str) -> UnreadableWorkbook:
    return UnreadableWorkbook(Problem(ERROR, rule, vi, en, fix_vi, fix_en))


_RESEND_VI = "Mở báo cáo bằng Excel hoặc LibreOffice, lưu lại thành .xlsx theo mẫu rồi gửi lại"
_RESEND_EN = "Open the report in Excel or LibreOffice, save it as .xlsx in the template and send it again"


def _check_container(path: Path, max_bytes: int, max_uncompressed: int) -> str:
    """Return "zip" or "ole" after the safety checks, or raise UnreadableWorkbook."""
    size = path.stat().st_size
    if size > max_bytes:
        raise _refuse("file.too_large", f"File quá lớn ({vi_number(size / 1e6, 1)} MB, tối đa "
                      f"{vi_number(max_bytes / 1e6, 0)} MB)",
                      f"The file is too large ({en_number(size / 1e6, 1)} MB, limit {en_number(max_bytes / 1e6, 0)} MB)",
                      "Xóa các sheet, hình ảnh không cần thiết rồi gửi lại", "Remove unneeded sheets or pictures")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head[:4] == b"PK\x03\x04":
        _check_zip(path, max_uncompressed)
        return "zip"
    if head == _OLE_MAGIC:
        if _ENCRYPTION_INFO in path.read_bytes():
            raise _refuse("file.password", "File được đặt mật khẩu nên không đọc được",
                          "The workbook is password-protected and cannot be read",
                          "Gỡ mật khẩu (Tệp > Thông tin > Bảo vệ sổ làm việc) rồi gửi lại",
                          "Remove the password (File > Info > Protect Workbook) and send it again")
        return "ole"
    raise _refuse("file.not_workbook", "File không phải là bảng tính Excel (có thể là PDF, ảnh hoặc văn bản đổi tên)",
                  "The file is not a spreadsheet (perhaps a PDF, picture or text file renamed)",
                  _RESEND_VI, _RESEND_EN)


def _check_zip(path: Path, max_uncompressed: int) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            if total > max_uncompressed or (total > RATIO_CHECK_BYTES and total / packed > MAX_RATIO):
                raise _refuse("file.zip_bomb", "File giải nén ra quá lớn, có dấu hiệu bất thường nên không mở",
                              f"The file would expand to {total / 1e6:.0f} MB: refused as a possible zip bomb",
                              _RESEND_VI, _RESEND_EN)
            for info in infos:
                if info.filename.endswith((".xml", ".rels", ".vml")):
                    with zf.open(info) as part:
                        prolog = part.read(65536)
                    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                        raise _refuse("file.xml_entities", "File chứa khai báo XML bất thường (DOCTYPE/ENTITY) nên không mở",
                                      "The file holds XML DOCTYPE/ENTITY declarations: refused, never expanded",
                                      _RESEND_VI, _RESEND_EN)
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise _refuse("file.corrupt", "File bị hỏng hoặc không đầy đủ (có thể gửi chưa hết)",
                      f"The file is damaged or incomplete (perhaps cut off in transfer): {exc}",
                      "Gửi lại file gốc", "Send the original file again") from None


def _rows(ws) -> Iterator[list]:
    """The sheet's rows from A1, as to_python(skip_empty_area=False) gives them, but one at a time when the
    data starts in A1 (so a 100,000-row sheet is never held whole as Python lists; iter_rows does not pad
    empty leading columns, hence the check)."""
    return ws.iter_rows() if ws.start == (0, 0) else iter(ws.to_python(skip_empty_area=False))


def _find_sheet(names: list[str], code: str) -> tuple[str | None, bool]:
    if code in names:
        return code, False
    for name in names:
        if clean(name).lower().replace(" ", "_") == code:
            return name, True
    return None, False


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_table(sheet_def: contract.Sheet, name: str, ws, formulas: dict[str, str | None],
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
        problems.append(Problem(ERROR, "sheet.no_codes", f"Sheet '{name}' không có dòng mã cột (dòng 3 của mẫu)",
                                f"Sheet '{name}' has no row of column codes (row 3 of the template)",
                                "Chép dữ liệu vào mẫu mới nhất (cotmoc template) rồi gửi lại",
                                "Copy the data into the current template and send it again", sheet=sheet_def.code))
        return None
    columns, extra, seen, unknown = {}, [], {}, {}
    for c, value in enumerate(head[code_row], start=1):
        text = value.strip() if isinstance(value, str) else value
        if _blank(text):
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
        problems.append(Problem(ERROR, "column.duplicated", f"Mã cột '{code}' xuất hiện nhiều lần (cột {', '.join(letters)})",
                                f"Column code '{code}' appears more than once (columns {', '.join(letters)})",
                                "Mỗi mã cột chỉ xuất hiện một lần: sửa lại dòng mã cột theo mẫu",
                                "Each code appears once: restore the code row from the template",
                                sheet=sheet_def.code, row=code_row + 1, column=code))
    above = head[code_row - 1] if code_row > 0 else []
    problems += column_problems(sheet_def, columns, unknown, {c: above[c - 1] for c in unknown if c - 1 < len(above)},
                                code_row + 1)
    labels = {code: str(head[code_row - 1][c - 1]) if code_row > 0 and c - 1 < len(head[code_row - 1]) else ""
              for code, c in columns.items()}
    for (r0, c0), (r1, c1) in merged:
        if r1 > code_row:
            ref = f"{column_letter(c0 + 1)}{r0 + 1}:{column_letter(c1 + 1)}{r1 + 1}"
            problems.append(Problem(ERROR, "cells.merged", f"Các ô {ref} đang bị gộp (merge) trong vùng dữ liệu",
                                    f"Cells {ref} are merged inside the data rows",
                                    "Bỏ gộp ô (Unmerge) và ghi giá trị vào từng dòng",
                                    "Unmerge the cells and fill in the value on every row",
                                    sheet=sheet_def.code, row=r0 + 1, cell=f"{column_letter(c0 + 1)}{r0 + 1}"))
    index, values = _data_rows(sheet_def, chain(head[code_row + 1:], rows), code_row + 1, columns, formulas,
                               problems)
    del rows            # frees calamine's cells before the frame is built
    data = _raw_frame(values, index, list(columns))
    return RawSheet(sheet_def.code, name, columns, labels, extra, data)


def _data_rows(sheet_def: contract.Sheet, rows: Iterator[list], first: int, columns: dict[str, int],
               formulas: dict[str, str | None], problems: list[Problem]) -> tuple[list[int], list]:
    """Excel row numbers, and values column by column (in `columns` order), of the rows below the code row
    that hold something; a formula without a stored result becomes FORMULA_WITHOUT_VALUE and a Problem."""
    positions = [c - 1 for c in columns.values()]
    take = itemgetter(*positions) if len(positions) > 1 else (lambda row: (row[positions[0]],))
    width_needed = max(positions) + 1
    formula_rows = {int(found.group()) for ref in formulas if (found := re.search(r"\d+$", ref or ""))}
    index, by_column, chunk = [], [[] for _ in positions], []
    for r, row in enumerate(rows, start=first):
        values = take(row) if len(row) >= width_needed else [row[i] if i < len(row) else None for i in positions]
        if r + 1 in formula_rows:             # rare: only then is each cell's reference worth writing out
            values = _mark_formulas(list(values), formulas, columns, sheet_def, r + 1, problems)
        if all(_blank(v) for v in values):
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
    """Add rows to the columns keeping one object per distinct text in the chunk, so a border or commune name
    written on 100,000 rows is not held 100,000 times (all-text columns only: equal numbers such as 0.0 and
    -0.0 must stay apart)."""
    for column, values in zip(columns, zip(*chunk)):
        if set(map(type, values)) == {str}:
            distinct: dict[str, str] = {}
            column.extend(map(distinct.setdefault, values, values))
        else:
            column.extend(values)


def _mark_formulas(values: list, formulas: dict[str, str | None], columns: dict[str, int],
                   sheet_def: contract.Sheet, excel_row: int, problems: list[Problem]) -> list:
    for k, (code, c) in enumerate(columns.items()):
        ref = f"{column_letter(c)}{excel_row}"
        if ref not in formulas:
            continue
        values[k] = FORMULA_WITHOUT_VALUE
        problems.append(formula_problem(sheet_def.code, sheet_def.column(code), ref, excel_row, formulas[ref]))
    return values


def formula_problem(sheet: str, col: contract.Column, ref: str, row: int, formula: str | None) -> Problem:
    """A formula cell without a saved result (cotmoc.formulas.has_no_result): named by its column like every
    cell problem, the formula shown as the value found."""
    return Problem(ERROR, "formula.no_cached_value", f"{col.label_vi}: ô có công thức nhưng chưa lưu kết quả",
                   f"{col.label_en}: the cell holds a formula whose result was never saved",
                   "Gõ giá trị thay cho công thức; hoặc mở file bằng Excel/LibreOffice, sửa một ô bất kỳ để bảng "
                   "tính tính lại rồi lưu",
                   "Type the value instead of the formula; or open the file in Excel/LibreOffice, edit any cell so "
                   "it recalculates, then save", sheet=sheet, row=row, column=col.code, cell=ref, value=formula)


# Cell types pandas' inference in DataFrame.from_records hands back unchanged after .astype(object), alone or
# mixed (a float column becomes float64 and back, a text column str and back). Other types may change (ints
# mixed with floats become floats, datetimes Timestamps): a sheet holding any goes the generic way.
_KEPT_AS_READ = frozenset({str, float, bool, date, time, FormulaWithoutValue})


def _raw_frame(columns: list[list], index: list[int], codes: list[str]) -> pd.DataFrame:
    """The raw values as an object frame, exactly as DataFrame.from_records(rows).astype(object) gives them,
    built from the columns read (no second copy of every string and number) when that is the same."""
    if index and all(set(map(type, values)) <= _KEPT_AS_READ for values in columns):
        cells = np.empty((len(index), len(codes)), dtype=object)
        for j, values in enumerate(columns):
            cells[:, j] = values
        return pd.DataFrame(cells, index=pd.Index(np.array(index, dtype="int64"), name="excel_row"), columns=codes,
                            dtype=object, copy=False)
    rows = [list(row) for row in zip(*columns)]
    return pd.DataFrame.from_records(rows, index=pd.Index(index, name="excel_row"), columns=codes).astype(object)


def _read_info(name: str, grid: list[list], formulas: dict[str, str | None],
               problems: list[Problem]) -> dict[str, RawCell]:
    info = {}
    codes = set(contract.THONG_TIN.codes)
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if isinstance(value, str) and value.strip() in codes and value.strip() not in info:
                v = row[c + 1] if c + 1 < len(row) else None
                ref = f"{column_letter(c + 2)}{r + 1}"
                if ref in formulas:
                    v = FORMULA_WITHOUT_VALUE
                    problems.append(formula_problem("thong_tin", contract.THONG_TIN.column(value.strip()), ref,
                                                    r + 1, formulas[ref]))
                info[value.strip()] = RawCell(v, ref, r + 1)
    return info


def read_report(path: Path | str, *, max_bytes: int = 50 * 1024 * 1024,
                max_uncompressed_bytes: int = 500 * 1024 * 1024) -> RawReport:
    """Read a report's raw cells, located by machine code. File-level refusals raise UnreadableWorkbook;
    everything else found is returned as Problems on the RawReport."""
    path = Path(path)
    kind = _check_container(path, max_bytes, max_uncompressed_bytes)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:   # calamine raises its own error types for every unreadable file
        raise _refuse("file.unreadable", "Không đọc được file bảng tính này",
                      f"The spreadsheet cannot be read: {exc}", _RESEND_VI, _RESEND_EN) from None
    report = RawReport(path)
    names = list(wb.sheet_names)
    found = {s.code: _find_sheet(names, s.code) for s in contract.SHEETS}
    if not any(name for name, _ in found.values()):
        raise _refuse("workbook.not_template", "File không có sheet nào của mẫu báo cáo (thong_tin, to_tu_quan, "
                      "doan_bien_gioi, khen_thuong)", "The workbook has none of the report's sheets "
                      "(thong_tin, to_tu_quan, doan_bien_gioi, khen_thuong)",
                      "Lập báo cáo trên mẫu (cotmoc template) rồi gửi lại",
                      "Fill in the report template and send it again")
    formulas = formulas_without_values(path, [n for n, _ in found.values() if n]) if kind == "zip" else {}
    for sheet_def in contract.SHEETS:
        name, renamed = found[sheet_def.code]
        if name is None:
            report.problems.append(Problem(ERROR, "sheet.missing", f"Thiếu sheet '{sheet_def.code}' ({sheet_def.title_vi})",
                                           f"Sheet '{sheet_def.code}' ({sheet_def.title_en}) is missing",
                                           "Thêm lại sheet theo mẫu, giữ nguyên tên sheet",
                                           "Add the sheet back from the template, keeping its name", sheet=sheet_def.code))
            continue
        if renamed:
            report.problems.append(Problem(WARNING, "sheet.renamed", f"Tên sheet '{name}' khác mẫu ('{sheet_def.code}')",
                                           f"Sheet '{name}' is named differently from the template ('{sheet_def.code}')",
                                           f"Đổi tên sheet thành '{sheet_def.code}'", f"Rename the sheet '{sheet_def.code}'",
                                           sheet=sheet_def.code, value=name))
        if sheet_def.is_form:
            grid = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            report.info = _read_info(name, grid, formulas.get(name, {}), report.problems)
        else:             # the sheet is handed over, not kept here, so _read_table can free it early
            table = _read_table(sheet_def, name, wb.get_sheet_by_name(name), formulas.get(name, {}),
                                report.problems)
            if table is not None:
                report.sheets[sheet_def.code] = table
    return report
