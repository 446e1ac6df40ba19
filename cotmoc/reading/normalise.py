"""From raw cells to typed tables: every repair is a WARNING on its cell, every unreadable or missing
required cell an ERROR, so the steward sees every bad cell at once and the pandera schemas see clean
types (they then check the rules of values that could be read)."""
from __future__ import annotations

import math
from datetime import date, datetime
from functools import lru_cache

import numpy as np
import pandas as pd

from cotmoc.core import contract, reference
from cotmoc.core.contract import Column, Sheet
from cotmoc.core.display import en_number, vi_number
from cotmoc.core.numbers import ERRORS, MAX_COUNT, parse_number
from cotmoc.core.periods import BadPeriod, Period
from cotmoc.core.problems import ERROR, WARNING, Problem
from cotmoc.core.records import TABLES as _TABLES, Report
from cotmoc.core.vntext import clean, decode_legacy, detect_legacy, fold
from cotmoc.reading.workbook import FORMULA_WITHOUT_VALUE, ExcelError, RawCell, RawReport, RawSheet

_TOTAL_MARKERS = {fold(m) for m in contract.TOTAL_ROW_MARKERS}


class _Cells:
    """Collects problems for one sheet, naming each cell the steward has to look at."""

    def __init__(self, sheet: Sheet, problems: list[Problem]):
        self.sheet, self.problems = sheet, problems

    def add(self, severity, rule, col: Column, cell: str | None, row: int | None, value, vi, en, fix_vi, fix_en):
        self.problems.append(Problem(severity, rule, f"{col.label_vi}: {vi}", f"{col.label_en}: {en}", fix_vi,
                                     fix_en, sheet=self.sheet.code, row=row, column=col.code, cell=cell,
                                     value=None if value is None else str(value)))


def _text(value, col: Column, cells: _Cells, cell, row):
    if isinstance(value, float) and value.is_integer():
        value = int(value)            # marker 120 stored as a number
    if isinstance(value, (datetime, date)):
        value = value.strftime("%d/%m/%Y")
    text = clean(str(value))
    legacy = detect_legacy(text)
    if legacy:
        decoded = decode_legacy(text, legacy)
        cells.add(WARNING, "text.legacy_encoding", col, cell, row, text,
                  f"chữ gõ bằng bảng mã cũ {legacy.upper()}, đã đổi thành '{decoded}'",
                  f"text typed in the legacy {legacy.upper()} encoding, converted to '{decoded}'",
                  "Gõ lại bằng Unicode (bộ gõ Unikey: bảng mã Unicode)", "Retype it in Unicode")
        text = decoded
    return text


_NUMBER_RULES = {"fraction": "number.fraction", "not_finite": "number.not_finite", "too_large": "number.too_large",
                 "is_date": "number.is_date"}
_NUMBER_FIXES = {
    "fraction": ("Nhập số nguyên (số tổ, số hộ, số người... không có phần lẻ)", "Enter a whole number"),
    "is_date": ("Đổi định dạng ô thành Số (Format Cells > Number) rồi gõ lại số",
                "Format the cell as a number (Format Cells > Number) and type the number again"),
    "too_large": ("Gõ lại đúng số đếm", "Type the real count"),
    "not_finite": ("Gõ một số (nhập 0 nếu không có)", "Type a number (0 if none)"),
}


def _as_seen(value) -> str:
    """A cell's value as the steward sees it in Excel (a date as dd/mm/yyyy, a number without exponent noise)."""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if (value.hour, value.minute) != (0, 0) else value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        if value != value:
            return "NaN"
        return f"{value:g}" if abs(value) >= 1e15 or value in (float("inf"), float("-inf")) else vi_number(value)
    return str(value)


def _number(value, col: Column, cells: _Cells, cell, row):
    parsed = parse_number(value, column=col.code, integer=col.kind in contract.WHOLE_NUMBER_KINDS)
    if parsed.error:
        vi, en = ERRORS[parsed.error]
        fix = _NUMBER_FIXES.get(parsed.error) or (
            ("Gõ một số nguyên, không có khoảng trắng hay dấu chấm, phẩy giữa các chữ số (vd 1250)",
             "Type one whole number, with no space, dot or comma inside (e.g. 1250)") if col.kind == contract.INT else
            ("Gõ một số, không có khoảng trắng giữa các chữ số; phần lẻ sau dấu phẩy (vd 12,5 hoặc 1.250,75)",
             "Type one number with no spaces inside; decimals after a comma (e.g. 12,5 or 1.250,75)"))
        seen = _as_seen(value)
        cells.add(ERROR, _NUMBER_RULES.get(parsed.error, "number.unreadable"), col, cell, row, seen,
                  f"giá trị '{seen}' {vi}", f"value '{seen}' {en}", *fix)
        return None
    if parsed.repaired:
        cells.add(WARNING, "number.repaired", col, cell, row, value,
                  f"đã đọc chữ '{value}' thành số {vi_number(parsed.value)}",
                  f"read the text '{value}' as the number {en_number(parsed.value)}",
                  "Nên gõ số trực tiếp vào ô (định dạng số)", "Better to type the number itself")
    return parsed.value


def _parse_date(value) -> tuple[date | None, bool]:
    if isinstance(value, datetime):
        return value.date(), False
    if isinstance(value, date):
        return value, False
    text = clean(str(value))
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date(), True
        except ValueError:
            continue
    return None, False


def _date(value, col: Column, cells: _Cells, cell, row):
    day, repaired = _parse_date(value)
    if day is None:
        cells.add(ERROR, "date.unreadable", col, cell, row, value, f"'{value}' không phải là ngày",
                  f"'{value}' is not a date", "Gõ ngày dạng ngày/tháng/năm, vd 15/03/2024",
                  "Type a date as day/month/year, e.g. 15/03/2024")
    elif repaired:
        cells.add(WARNING, "date.repaired", col, cell, row, value, f"đã đọc chữ '{value}' thành ngày {day:%d/%m/%Y}",
                  f"read the text '{value}' as the date {day:%d/%m/%Y}", "Nên nhập kiểu ngày", "Better to enter a date")
    return day


def _enum(value, col: Column, cells: _Cells, cell, row):
    text = _text(value, col, cells, cell, row)
    match = reference.match_enum(col.enum, text)
    if match.code is None:
        allowed = "; ".join(v.label_vi for v in reference.enumeration(col.enum))
        cells.add(ERROR, "enum.unknown", col, cell, row, text, f"'{text}' không có trong danh sách",
                  f"'{text}' is not one of the allowed values", f"Chọn trong danh sách: {allowed}",
                  "Pick a value from the dropdown list")
        return None
    if match.repaired:
        label = next(v.label_vi for v in reference.enumeration(col.enum) if v.code == match.code)
        cells.add(WARNING, "enum.repaired", col, cell, row, text, f"đã hiểu '{text}' là '{label}'",
                  f"read '{text}' as '{label}' ({match.code})", "Nên chọn trong danh sách thả xuống",
                  "Better to pick from the dropdown list")
    return match.code


def _marked(value) -> bool:
    """A formula without a result or an Excel error value: the reader has reported the cell already."""
    return value is FORMULA_WITHOUT_VALUE or isinstance(value, ExcelError)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@lru_cache(maxsize=1024)
def _is_total_text(value: str) -> bool:
    key = fold(value)
    return key in _TOTAL_MARKERS or any(key.startswith(m + " ") for m in ("tong cong",))


def _raw_columns(data: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each raw column's values, as views on the frame's object block (no copy, no Series per column)."""
    cells = data.to_numpy(dtype=object)
    return {code: cells[:, j] for j, code in enumerate(data.columns)}


def _total_rows(sheet: Sheet, read: dict[str, np.ndarray], n: int) -> list[bool]:
    """Whether each row is a totals row, judged by its first text or enum cell that is not blank."""
    totals, undecided = [False] * n, range(n)
    for col in sheet.columns:
        if col.kind not in (contract.TEXT, contract.ENUM) or col.code not in read or not undecided:
            continue
        values, still = read[col.code].tolist(), []
        for i in undecided:
            value = values[i]
            if isinstance(value, str) and value.strip():
                totals[i] = _is_total_text(value)
            else:
                still.append(i)
        undecided = still
    return totals


# --- shortcuts for the cells that need no problem (nearly all): the same value _convert_cell gives -----
_FULL_PATH = object()            # "no shortcut here": take _convert_cell, which reports what it finds


def _blank_shortcut(value, col: Column):
    if value is None or (type(value) is str and not value.strip()):
        return _FULL_PATH if col.required else None
    return _FULL_PATH


def _number_shortcut(value, col: Column):
    if type(value) is not float:
        return _blank_shortcut(value, col)
    if col.kind in contract.WHOLE_NUMBER_KINDS:
        return int(value) if value.is_integer() and -MAX_COUNT < value < MAX_COUNT else _FULL_PATH
    return value if math.isfinite(value) else _FULL_PATH     # NaN and infinities take the full path


def _date_shortcut(value, col: Column):
    if type(value) is date:
        return value
    return value.date() if type(value) is datetime else _blank_shortcut(value, col)


@lru_cache(maxsize=4096)
def _plain_text(value: str):
    """The cleaned text, or _FULL_PATH when it is legacy-encoded (a warning to give)."""
    text = clean(value)
    return _FULL_PATH if detect_legacy(text) else text


@lru_cache(maxsize=4096)
def _plain_enum(enum: str, value: str):
    """The code of a value written as the list has it, else _FULL_PATH (a warning or an error to give)."""
    text = _plain_text(value)
    if text is _FULL_PATH:
        return _FULL_PATH
    match = reference.match_enum(enum, text)
    return match.code if match.code is not None and not match.repaired else _FULL_PATH


def _text_shortcut(value, col: Column):
    if type(value) is str and value.strip():
        return _plain_enum(col.enum, value) if col.kind == contract.ENUM else _plain_text(value)
    return _blank_shortcut(value, col)


_QUICK = {contract.TEXT: _text_shortcut, contract.ENUM: _text_shortcut, contract.INT: _number_shortcut,
          contract.KM: _number_shortcut, contract.YEAR: _number_shortcut, contract.DATE: _date_shortcut}


def missing_fix(col: Column) -> tuple[str, str]:
    """How to fill in an empty required cell, by the column's kind (a 0 is right for counts only)."""
    if col.kind in (contract.INT, contract.KM):
        return "Nhập số (nhập 0 nếu không có)", "Enter the number (0 if none)"
    if col.kind == contract.DATE:
        return "Nhập ngày dạng ngày/tháng/năm, vd 15/03/2024", "Enter the date as day/month/year, e.g. 15/03/2024"
    if col.kind == contract.ENUM:
        allowed = "; ".join(v.label_vi for v in reference.enumeration(col.enum))
        return f"Chọn một giá trị trong danh sách thả xuống: {allowed}", "Pick a value from the dropdown list"
    if col.kind == contract.PROVINCE:
        return "Chọn tỉnh trong danh sách thả xuống", "Pick the province from the dropdown list"
    if col.kind == contract.PERIOD:
        return "Ghi năm (2024) hoặc 6 tháng (2024S1, 2024S2)", "Write a year (2024) or a half-year (2024S1, 2024S2)"
    return (f"Ghi {col.label_vi.lower()} vào ô này (không để trống)",
            f"Write the {col.label_en.lower()} in this cell (it may not be empty)")


def _convert_cell(value, col: Column, cells: _Cells, cell: str, row: int):
    if _marked(value):
        return None                                     # reported by the reader
    if _is_blank(value):
        if col.required:
            cells.add(ERROR, "value.missing", col, cell, row, None, "ô bắt buộc đang trống",
                      "this required cell is empty", *missing_fix(col))
        return None
    if col.kind in (*contract.WHOLE_NUMBER_KINDS, contract.KM):
        return _number(value, col, cells, cell, row)
    if col.kind == contract.DATE:
        return _date(value, col, cells, cell, row)
    if col.kind == contract.ENUM:
        return _enum(value, col, cells, cell, row)
    return _text(value, col, cells, cell, row)


def _normalise_table(sheet: Sheet, raw: RawSheet | None, problems: list[Problem],
                     province: str | None) -> pd.DataFrame:
    """Column by column, so one column at a time is held as Python values; each cell's problems are kept by
    row and given out row by row, cell by cell (the commune's check last), as the steward reads the sheet."""
    if raw is None:
        return _frame({c.code: _typed(c, []) for c in sheet.columns}, [])
    excel_rows = raw.data.index.tolist()
    read = _raw_columns(raw.data)
    totals = _total_rows(sheet, read, len(excel_rows))
    kept = [i for i, total in enumerate(totals) if not total]
    cells, communes = _RowProblems(sheet), _RowProblems(sheet)
    check_communes = bool(province) and "commune" in raw.columns and reference.has_communes(province)
    typed = {}
    for col in sheet.columns:
        if col.code not in raw.columns:
            typed[col.code] = _typed(col, [None] * len(kept))
            continue
        values = _convert_column(col, read[col.code].tolist(), kept, excel_rows, raw.letter(col.code), cells)
        if col.code == "commune" and check_communes:
            _match_communes(values, kept, excel_rows, province, sheet, raw, communes)
        typed[col.code] = _typed(col, values)
    for i, excel_row in enumerate(excel_rows):
        if totals[i]:
            problems.append(Problem(WARNING, "row.total", "Dòng tổng cộng không được tính (hệ thống tự cộng)",
                                    "A totals row is not counted (cotmoc adds up the rows itself)",
                                    "Không cần sửa: hệ thống tự cộng các dòng; lần sau không cần gõ dòng tổng cộng",
                                    "Nothing to fix: cotmoc adds up the rows; next time no totals row is needed",
                                    sheet=sheet.code, row=excel_row, cell=f"A{excel_row}"))
        else:
            problems.extend(cells.of(i))
            problems.extend(communes.of(i))
    return _frame(typed, [excel_rows[i] for i in kept])


class _RowProblems:
    """A table's cell problems kept by row position while it is converted column by column."""

    def __init__(self, sheet: Sheet):
        self.sheet, self.by_row = sheet, {}

    def of(self, i: int) -> list[Problem]:
        return self.by_row.get(i, [])

    def at(self, i: int) -> list[Problem]:
        """The list row i's problems are added to."""
        return self.by_row.setdefault(i, [])

    def cells(self, i: int) -> _Cells:
        return _Cells(self.sheet, self.at(i))


def _convert_column(col: Column, values: list, kept: list[int], excel_rows: list[int], letter: str,
                    found: _RowProblems) -> list:
    quick = _QUICK.get(col.kind)
    out = []
    for i in kept:
        value = values[i]
        converted = quick(value, col) if quick else _FULL_PATH
        if converted is _FULL_PATH:
            row = excel_rows[i]
            converted = _convert_cell(value, col, found.cells(i), f"{letter}{row}", row)
        out.append(converted)
    return out


def _match_communes(communes: list, kept: list[int], excel_rows: list[int], province: str, sheet: Sheet,
                    raw: RawSheet, found: _RowProblems) -> None:
    for k, i in enumerate(kept):
        text = communes[k]
        if text and reference.match_commune(province, text).code != text:   # else written as the reference has it
            communes[k] = _commune(text, province, sheet, raw, excel_rows[i], found.at(i))


def _commune(text: str, province: str, sheet: Sheet, raw: RawSheet, row: int, problems: list[Problem]) -> str:
    match = reference.match_commune(province, text)
    cell = f"{raw.letter('commune')}{row}"
    col = sheet.column("commune")
    if match.code is None:
        hint = ", ".join(match.suggestions) or "—"
        problems.append(Problem(WARNING, "commune.unknown", f"{col.label_vi}: không tìm thấy xã '{text}' trong danh mục "
                                f"xã biên giới (gần giống: {hint})", f"{col.label_en}: '{text}' is not in the list of "
                                f"border communes (closest: {hint})", "Kiểm tra chính tả tên xã",
                                "Check the commune's spelling", sheet=sheet.code, row=row, column="commune",
                                cell=cell, value=text))
        return text
    if match.code != text:
        problems.append(Problem(WARNING, "commune.repaired", f"{col.label_vi}: đã hiểu '{text}' là xã {match.code}",
                                f"{col.label_en}: read '{text}' as the commune {match.code}",
                                "Nên ghi đúng tên xã như danh mục", "Better to write the commune's reference name",
                                sheet=sheet.code, row=row, column="commune", cell=cell, value=text))
    return match.code


def _typed(col: Column, values: list):
    """The nullable pandas array for a column kind, so pandera checks values, not Python objects."""
    if col.kind == contract.DATE:
        return pd.to_datetime(pd.Series(values, dtype=object), errors="coerce").array
    if col.kind == contract.KM:
        return pd.array(values, dtype="Float64")
    if col.kind in contract.WHOLE_NUMBER_KINDS:
        return _whole_numbers(values)
    return pd.array(values, dtype="string")


def _frame(columns: dict, excel_rows: list[int]) -> pd.DataFrame:
    columns["excel_row"] = np.array(excel_rows, dtype="int64")
    return pd.DataFrame(columns)


_EXACT_IN_FLOAT = 2 ** 53


def _whole_numbers(values: list):
    """Int64 from the whole numbers read (fractions were reported as errors: NA, not truncated)."""
    if all(v is None or -_EXACT_IN_FLOAT < v < _EXACT_IN_FLOAT for v in values):
        mask = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
        data = np.fromiter((0 if v is None else v for v in values), dtype="int64", count=len(values))
        return pd.arrays.IntegerArray(data, mask)
    # beyond float precision: through Float64 as it always was (pandas then decides what becomes of them)
    numbers = pd.array(values, dtype="Float64")
    return pd.Series(numbers).where(lambda x: x % 1 == 0).astype("Int64").array


def _info(raw: RawReport, problems: list[Problem]) -> dict:
    sheet = contract.THONG_TIN
    cells = _Cells(sheet, problems)
    info: dict = {}
    for col in sheet.columns:
        raw_cell: RawCell | None = raw.info.get(col.code)
        if raw_cell is None:
            if "thong_tin" in {p.sheet for p in problems if p.rule == "sheet.missing"}:
                info[col.code] = None
                continue
            if col.required:
                cells.add(ERROR, "field.missing", col, None, None, None, "thiếu dòng này trong sheet thong_tin",
                          "this field is missing from sheet thong_tin", "Khôi phục dòng theo mẫu",
                          "Restore the row from the template")
            info[col.code] = None
            continue
        value, ref, row = raw_cell.value, raw_cell.cell, raw_cell.row
        if col.kind == contract.PROVINCE and not _is_blank(value) and not _marked(value):
            text = _text(value, col, cells, ref, row)
            info["province_as_written"] = text
            match = reference.match_province(text)
            if match.code is None:
                hint = ", ".join(reference.province(c).name_vi for c in match.suggestions) or "—"
                cells.add(ERROR, "province.unknown", col, ref, row, text, f"không rõ tỉnh '{text}' (gần giống: {hint})",
                          f"unknown province '{text}' (closest: {hint})", "Chọn tỉnh trong danh sách thả xuống",
                          "Pick the province from the dropdown list")
            elif match.repaired:
                cells.add(WARNING, "province.repaired", col, ref, row, text,
                          f"đã hiểu '{text}' là {reference.province(match.code).name_vi}",
                          f"read '{text}' as {reference.province(match.code).name_vi}",
                          "Nên chọn tỉnh trong danh sách", "Better to pick the province from the list")
            info["province"] = match.code
        elif col.kind == contract.PERIOD and not _is_blank(value) and not _marked(value):
            try:
                info["period"] = Period.parse(value).code
            except BadPeriod:
                cells.add(ERROR, "period.unreadable", col, ref, row, value, f"'{value}' không phải mã kỳ báo cáo",
                          f"'{value}' is not a period code", "Ghi năm (2024) hoặc 6 tháng (2024S1, 2024S2)",
                          "Write a year (2024) or a half-year (2024S1, 2024S2)")
                info["period"] = None
        elif col.code == "template_version" and isinstance(value, float) and value.is_integer():
            info[col.code] = str(int(value))
        else:
            info[col.code] = _convert_cell(value, col, cells, ref, row)
    info.setdefault("province_as_written", None)
    return info


def _version_drift(raw: RawReport, version: int | None, problems: list[Problem]) -> None:
    """What a file of its declared version should have and does not: a sheet, a column or a field the
    version added (WARNINGs: they are optional, but the file was likely copied from an older template and
    those figures are lost). Required columns are the reader's errors; a version 1 file is never told about
    version 2."""
    if version is None:
        return
    missing_sheets = {p.sheet for p in problems if p.rule == "sheet.missing"}
    fix_vi = f"Chép số liệu sang mẫu mới (phiên bản {version}, lệnh cotmoc template) rồi gửi lại"
    fix_en = f"Copy the figures into a fresh template (version {version}: cotmoc template) and send it again"
    for sheet in contract.sheets_of(version):
        if sheet.optional and sheet.code not in raw.sheets and sheet.code not in missing_sheets:
            # absent, or unreadable (no code row: the reader said so); only the first needs saying
            if not any(p.sheet == sheet.code for p in problems):
                problems.append(Problem(WARNING, "template.sheet_missing",
                                        f"File ghi mẫu phiên bản {version} nhưng thiếu sheet '{sheet.code}' "
                                        f"({sheet.title_vi}): số liệu của sheet này coi như chưa báo cáo",
                                        f"The file says template version {version} but has no sheet '{sheet.code}' "
                                        f"({sheet.title_en}): its figures count as not reported", fix_vi, fix_en,
                                        sheet=sheet.code))
    for sheet in contract.sheets_of(version):
        if sheet.code in missing_sheets:
            continue
        if sheet.is_form:
            have = set(raw.info) if raw.info else None
        else:
            have = set(raw.sheets[sheet.code].columns) if sheet.code in raw.sheets else None
        if have is None:
            continue
        for col in sheet.columns_of(version):
            if col.since > 1 and not col.required and col.code not in have:
                problems.append(Problem(WARNING, "template.column_missing",
                                        f"File ghi mẫu phiên bản {version} nhưng sheet '{sheet.code}' thiếu "
                                        f"{'dòng' if sheet.is_form else 'cột'} '{col.label_vi}' (mã {col.code}): "
                                        "số liệu này coi như chưa báo cáo",
                                        f"The file says template version {version} but sheet '{sheet.code}' has no "
                                        f"{'field' if sheet.is_form else 'column'} '{col.label_en}' (code "
                                        f"{col.code}): that figure counts as not reported", fix_vi, fix_en,
                                        sheet=sheet.code, column=col.code))


def normalise_report(raw: RawReport, *, today: date | None = None) -> Report:
    """The typed Report for a RawReport; raw.problems are carried over, new problems appended."""
    problems = list(raw.problems)
    info = _info(raw, problems)
    _version_drift(raw, contract.version_number(info.get("template_version")), problems)
    tables = {code: _normalise_table(contract.SHEETS_BY_CODE[code], raw.sheets.get(code), problems, info.get("province"))
              for code in _TABLES}
    columns = {code: {c: s.letter(c) for c in s.columns} for code, s in raw.sheets.items()}
    columns["thong_tin"] = {code: cell.cell.rstrip("0123456789") for code, cell in raw.info.items()}
    return Report(raw.path, info, tables["to_tu_quan"], tables["doan_bien_gioi"], tables["khen_thuong"],
                  columns, problems, activities=tables["hoat_dong"],
                  info_cells={code: cell.cell for code, cell in raw.info.items()})
