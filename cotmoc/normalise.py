"""From raw cells to typed tables: every repair is a WARNING on its cell, every unreadable or missing
required cell an ERROR, so the steward sees every bad cell at once and the pandera schemas see clean
types (they then check the rules of values that could be read)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from cotmoc import contract, reference
from cotmoc.contract import Column, Sheet
from cotmoc.numbers import ERRORS, parse_number
from cotmoc.periods import BadPeriod, Period
from cotmoc.problems import ERROR, WARNING, Problem
from cotmoc.vntext import clean, decode_legacy, detect_legacy, fold
from cotmoc.workbook import FORMULA_WITHOUT_VALUE, RawCell, RawReport, RawSheet

_TOTAL_MARKERS = {fold(m) for m in contract.TOTAL_ROW_MARKERS}
_TABLES = {"to_tu_quan": "teams", "doan_bien_gioi": "segments", "khen_thuong": "awards"}


@dataclass
class Report:
    path: Path
    info: dict
    teams: pd.DataFrame
    segments: pd.DataFrame
    awards: pd.DataFrame
    columns: dict[str, dict[str, str]] = field(default_factory=dict)   # sheet → code → column letter
    problems: list[Problem] = field(default_factory=list)

    def table(self, sheet_code: str) -> pd.DataFrame:
        return getattr(self, _TABLES[sheet_code])


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


def _number(value, col: Column, cells: _Cells, cell, row):
    parsed = parse_number(value, column=col.code, integer=col.kind == contract.INT)
    if parsed.error:
        vi, en = ERRORS[parsed.error]
        if parsed.error == "fraction":
            fix = ("Nhập số nguyên (số tổ, số hộ, số người... không có phần lẻ)", "Enter a whole number")
        else:
            fix = ("Gõ một số, không có khoảng trắng giữa các chữ số (vd 3816 hoặc 365,861)",
                   "Type a single number with no spaces inside (e.g. 3816 or 365,861)")
        cells.add(ERROR, "number.unreadable" if parsed.error != "fraction" else "number.fraction", col, cell, row,
                  value, f"giá trị '{value}' {vi}", f"value '{value}' {en}", *fix)
        return None
    if parsed.repaired:
        cells.add(WARNING, "number.repaired", col, cell, row, value,
                  f"đã đọc chữ '{value}' thành số {parsed.value:g}",
                  f"read the text '{value}' as the number {parsed.value:g}",
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
                  f"'{value}' is not a date", "Gõ ngày dạng ngày/tháng/năm, vd 25/04/2017",
                  "Type a date as day/month/year, e.g. 25/04/2017")
    elif repaired:
        cells.add(WARNING, "date.repaired", col, cell, row, value, f"đã đọc chữ '{value}' thành ngày {day:%d/%m/%Y}",
                  f"read the text '{value}' as the date {day:%d/%m/%Y}", "Nên nhập kiểu ngày", "Better to enter a date")
    return day


def _enum(value, col: Column, cells: _Cells, cell, row):
    text = _text(value, col, cells, cell, row)
    match = reference.match_enum(col.enum, text)
    allowed = "; ".join(v.label_vi for v in reference.enumeration(col.enum))
    if match.code is None:
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


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_total_row(row: dict, sheet: Sheet) -> bool:
    for col in sheet.columns:
        value = row.get(col.code)
        if col.kind in (contract.TEXT, contract.ENUM) and isinstance(value, str) and value.strip():
            key = fold(value)
            return key in _TOTAL_MARKERS or any(key.startswith(m + " ") for m in ("tong cong",))
    return False


def _convert_cell(value, col: Column, cells: _Cells, cell: str, row: int):
    if value is FORMULA_WITHOUT_VALUE:
        return None                                     # reported by the reader
    if _is_blank(value):
        if col.required:
            cells.add(ERROR, "value.missing", col, cell, row, None, "ô bắt buộc đang trống",
                      "this required cell is empty", "Nhập giá trị (nhập 0 nếu không có)", "Fill it in (0 if none)")
        return None
    if col.kind in (contract.INT, contract.KM):
        return _number(value, col, cells, cell, row)
    if col.kind == contract.DATE:
        return _date(value, col, cells, cell, row)
    if col.kind == contract.ENUM:
        return _enum(value, col, cells, cell, row)
    return _text(value, col, cells, cell, row)


def _normalise_table(sheet: Sheet, raw: RawSheet | None, problems: list[Problem],
                     province: str | None) -> pd.DataFrame:
    columns = [c.code for c in sheet.columns]
    if raw is None:
        return _typed(pd.DataFrame(columns=columns + ["excel_row"]), sheet)
    cells = _Cells(sheet, problems)
    out = []
    for excel_row, values in zip(raw.data.index, raw.data.to_dict("records")):
        if _is_total_row(values, sheet):
            problems.append(Problem(WARNING, "row.total", "Dòng tổng cộng không được tính (hệ thống tự cộng)",
                                    "A totals row is not counted (cotmoc adds up the rows itself)",
                                    "Có thể xóa dòng tổng cộng", "The totals row may be deleted",
                                    sheet=sheet.code, row=int(excel_row),
                                    cell=f"A{excel_row}"))
            continue
        record = {"excel_row": int(excel_row)}
        for col in sheet.columns:
            if col.code not in raw.columns:
                record[col.code] = None
                continue
            ref = f"{raw.letter(col.code)}{excel_row}"
            record[col.code] = _convert_cell(values.get(col.code), col, cells, ref, int(excel_row))
        if province and "commune" in raw.columns and record.get("commune") and reference.has_communes(province):
            record["commune"] = _commune(record["commune"], province, sheet, raw, int(excel_row), problems)
        out.append(record)
    return _typed(pd.DataFrame.from_records(out, columns=columns + ["excel_row"]), sheet)


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


def _typed(df: pd.DataFrame, sheet: Sheet) -> pd.DataFrame:
    """Nullable pandas types per column kind, so pandera checks values, not Python objects."""
    for col in sheet.columns:
        values = [None if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in df[col.code]]
        if col.kind == contract.DATE:
            df[col.code] = pd.to_datetime(pd.Series(values, index=df.index, dtype=object), errors="coerce")
        elif col.kind == contract.KM:
            df[col.code] = pd.array(values, dtype="Float64")
        elif col.kind == contract.INT:
            numbers = pd.array(values, dtype="Float64")     # fractions were reported as errors: NA, not truncated
            df[col.code] = pd.Series(numbers, index=df.index).where(lambda x: x % 1 == 0).astype("Int64")
        else:
            df[col.code] = df[col.code].astype("string")
    df["excel_row"] = df["excel_row"].astype("int64")
    return df.reset_index(drop=True)


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
        if col.kind == contract.PROVINCE and not _is_blank(value) and value is not FORMULA_WITHOUT_VALUE:
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
        elif col.kind == contract.PERIOD and not _is_blank(value) and value is not FORMULA_WITHOUT_VALUE:
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


def normalise_report(raw: RawReport, *, today: date | None = None) -> Report:
    """The typed Report for a RawReport; raw.problems are carried over, new problems appended."""
    problems = list(raw.problems)
    info = _info(raw, problems)
    tables = {code: _normalise_table(contract.SHEETS_BY_CODE[code], raw.sheets.get(code), problems, info.get("province"))
              for code in _TABLES}
    columns = {code: {c: s.letter(c) for c in s.columns} for code, s in raw.sheets.items()}
    columns["thong_tin"] = {code: cell.cell.rstrip("0123456789") for code, cell in raw.info.items()}
    info_cells = {code: cell.cell for code, cell in raw.info.items()}
    info["_cells"] = info_cells
    return Report(raw.path, info, tables["to_tu_quan"], tables["doan_bien_gioi"], tables["khen_thuong"],
                  columns, problems)
