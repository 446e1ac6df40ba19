"""From raw cells to typed tables: every repair is a WARNING on its cell, every unreadable or missing
required cell an ERROR, so the steward sees every bad cell at once and the pandera schemas see clean
types (they then check the rules of values that could be read)."""
from __future__ import annotations

import math
from datetime import date, datetime
from functools import lru_cache

import numpy as np

from cotmoc.core import contract, reference
from cotmoc.core.contract import Column, Sheet
from cotmoc.core.display import en_number, vi_number
from cotmoc.core.columns import DATE, DECIMAL, TEXT, WHOLE, column
from cotmoc.core.frames import labels_index, unbuilt
from cotmoc.core.messages import problem, texts
from cotmoc.core.numbers import MAX_COUNT, parse_number
from cotmoc.core.periods import BadPeriod, Period
from cotmoc.core.places import is_blank
from cotmoc.core.problems import Problem
from cotmoc.core.records import TABLES as _TABLES, Report
from cotmoc.core.vntext import clean, decode_legacy, detect_legacy, fold
from cotmoc.reading.workbook import FORMULA_WITHOUT_VALUE, ExcelError, RawCell, RawReport, RawSheet

_TOTAL_MARKERS = {fold(m) for m in contract.TOTAL_ROW_MARKERS}


class _Cells:
    """Collects problems for one sheet, naming each cell the steward has to look at."""

    def __init__(self, sheet: Sheet, problems: list[Problem]):
        self.sheet, self.problems = sheet, problems

    def add(self, rule: str, col: Column, cell: str | None, row: int | None, value, *cases: str, en=None, **fields):
        """The problem `rule` (cotmoc/core/messages.toml) on one cell; the column's labels are its fields too."""
        self.problems.append(problem(rule, *cases, label_vi=col.label_vi, label_en=col.label_en, en=en, **fields,
                                     sheet=self.sheet.code, row=row, column=col.code, cell=cell,
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
        cells.add("text.legacy_encoding", col, cell, row, text, legacy=legacy.upper(), decoded=decoded)
        text = decoded
    return text


# a number that cannot be read (cotmoc.core.numbers.parse_number's error) → its rule and cases in the catalogue
_NUMBER_RULES = {"fraction": ("number.fraction",), "not_finite": ("number.not_finite",),
                 "too_large": ("number.too_large",), "is_date": ("number.is_date",),
                 "not_a_number": ("number.unreadable",), "ambiguous": ("number.unreadable", "ambiguous")}


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
        rule, *cases = _NUMBER_RULES[parsed.error]
        if rule == "number.unreadable" and col.kind != contract.INT:
            cases.append("decimal")                  # the fix's example has decimals
        cells.add(rule, col, cell, row, _as_seen(value), *cases)
        return None
    if parsed.repaired:
        cells.add("number.repaired", col, cell, row, value, number=vi_number(parsed.value),
                  en={"number": en_number(parsed.value)})
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
        cells.add("date.unreadable", col, cell, row, value)
    elif repaired:
        cells.add("date.repaired", col, cell, row, value, day=f"{day:%d/%m/%Y}")
    return day


def _enum(value, col: Column, cells: _Cells, cell, row):
    text = _text(value, col, cells, cell, row)
    match = reference.match_enum(col.enum, text)
    if match.code is None:
        cells.add("enum.unknown", col, cell, row, text, allowed=_allowed(col))
        return None
    if match.repaired:
        label = next(v.label_vi for v in reference.enumeration(col.enum) if v.code == match.code)
        cells.add("enum.repaired", col, cell, row, text, label=label, code=match.code)
    return match.code


def _marked(value) -> bool:
    """A formula without a result or an Excel error value: the reader has reported the cell already."""
    return value is FORMULA_WITHOUT_VALUE or isinstance(value, ExcelError)


@lru_cache(maxsize=1024)
def _is_total_text(value: str) -> bool:
    key = fold(value)
    return key in _TOTAL_MARKERS or any(key.startswith(m + " ") for m in ("tong cong",))


def _total_rows(sheet: Sheet, read: dict[str, list], n: int) -> list[bool]:
    """Whether each row is a totals row, judged by its first text or enum cell that is not blank."""
    totals, undecided = [False] * n, range(n)
    for col in sheet.columns:
        if col.kind not in (contract.TEXT, contract.ENUM) or col.code not in read or not undecided:
            continue
        values, still = read[col.code], []
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


def _allowed(col: Column) -> str:
    return "; ".join(v.label_vi for v in reference.enumeration(col.enum))


#: the case of `value.missing` by the column's kind (its fix: a 0 is right for counts only)
_MISSING_CASE = {contract.INT: "number", contract.KM: "number", contract.DATE: "date", contract.ENUM: "enum",
                 contract.PROVINCE: "province", contract.PERIOD: "period"}


def _missing_fields(col: Column) -> dict:
    cases = (_MISSING_CASE[col.kind],) if col.kind in _MISSING_CASE else ()
    return {"cases": cases, "label_lower_vi": col.label_vi.lower(), "label_lower_en": col.label_en.lower(),
            "allowed": _allowed(col) if col.enum else ""}


def missing_fix(col: Column) -> tuple[str, str]:
    """How to fill in an empty required cell, by the column's kind (the catalogue's `value.missing`)."""
    fields = _missing_fields(col)
    cases = fields.pop("cases")
    return texts("value.missing", *cases, label_vi=col.label_vi, label_en=col.label_en, **fields)[2:]


def _convert_cell(value, col: Column, cells: _Cells, cell: str, row: int):
    if _marked(value):
        return None                                     # reported by the reader
    if is_blank(value):
        if col.required:
            fields = _missing_fields(col)
            cells.add("value.missing", col, cell, row, None, *fields.pop("cases"), **fields)
        return None
    if col.kind in (*contract.WHOLE_NUMBER_KINDS, contract.KM):
        return _number(value, col, cells, cell, row)
    if col.kind == contract.DATE:
        return _date(value, col, cells, cell, row)
    if col.kind == contract.ENUM:
        return _enum(value, col, cells, cell, row)
    return _text(value, col, cells, cell, row)


def _normalise_table(sheet: Sheet, raw: RawSheet | None, problems: list[Problem],
                     province: str | None) -> tuple:
    """Column by column, so one column at a time is converted (a long column typed at once: only a short one of
    plain values is kept as its values, for the batch to type; cotmoc.core.columns); each cell's problems are kept
    by row and given out row by row, cell by cell (the commune's check last), as the steward reads the sheet."""
    if raw is None:
        return _table({c.code: _column(c, []) for c in sheet.columns}, [])
    excel_rows, read = raw.excel_rows, raw.values
    totals = _total_rows(sheet, read, len(excel_rows))
    kept = [i for i, total in enumerate(totals) if not total]
    cells, communes = _RowProblems(sheet), _RowProblems(sheet)
    check_communes = bool(province) and "commune" in raw.columns and reference.has_communes(province)
    converted = {}
    for col in sheet.columns:
        if col.code not in raw.columns:
            converted[col.code] = _column(col, [None] * len(kept))
            continue
        values = _convert_column(col, read[col.code], kept, excel_rows, raw.letter(col.code), cells)
        if col.code == "commune" and check_communes:
            _match_communes(values, kept, excel_rows, province, sheet, raw, communes)
        converted[col.code] = _column(col, values)
    for i, excel_row in enumerate(excel_rows):
        if totals[i]:
            problems.append(problem("row.total", sheet=sheet.code, row=excel_row, cell=f"A{excel_row}"))
        else:
            problems.extend(cells.of(i))
            problems.extend(communes.of(i))
    return _table(converted, [excel_rows[i] for i in kept])


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
    cells = _Cells(sheet, problems)
    if match.code is None:
        cells.add("commune.unknown", sheet.column("commune"), cell, row, text, hint=", ".join(match.suggestions) or "—")
        return text
    if match.code != text:
        cells.add("commune.repaired", sheet.column("commune"), cell, row, text, code=match.code)
    return match.code


def _column(col: Column, values: list):
    """A converted column of a contract kind: its plain values, typed to a nullable pandas array for the batch (so
    pandera checks values, not Python objects), or that array now (cotmoc.core.columns)."""
    if col.kind == contract.DATE:
        return column(DATE, values)
    if col.kind == contract.KM:
        return column(DECIMAL, values)
    if col.kind in contract.WHOLE_NUMBER_KINDS:
        return column(WHOLE, values)
    return column(TEXT, values)


def _table(columns: dict, excel_rows: list[int]) -> tuple:
    """The table as its columns (cotmoc.core.frames.unbuilt): a frame is made only if one is asked for."""
    columns["excel_row"] = np.array(excel_rows, dtype="int64")
    return unbuilt(list(columns.values()), labels_index(tuple(columns)), len(excel_rows))


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
                cells.add("field.missing", col, None, None, None)
            info[col.code] = None
            continue
        value, ref, row = raw_cell.value, raw_cell.cell, raw_cell.row
        if col.kind == contract.PROVINCE and not is_blank(value) and not _marked(value):
            text = _text(value, col, cells, ref, row)
            info["province_as_written"] = text
            match = reference.match_province(text)
            if match.code is None:
                cells.add("province.unknown", col, ref, row, text, hint=reference.province_hint(text))
            elif match.repaired:
                cells.add("province.repaired", col, ref, row, text, name=reference.province(match.code).name_vi)
            info["province"] = match.code
        elif col.kind == contract.PERIOD and not is_blank(value) and not _marked(value):
            try:
                info["period"] = Period.parse(value).code
            except BadPeriod:
                cells.add("period.unreadable", col, ref, row, value)
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
    for sheet in contract.sheets_of(version):
        if sheet.optional and sheet.code not in raw.sheets and sheet.code not in missing_sheets:
            # absent, or unreadable (no code row: the reader said so); only the first needs saying
            if not any(p.sheet == sheet.code for p in problems):
                problems.append(problem("template.sheet_missing", version=version, code=sheet.code,
                                        title_vi=sheet.title_vi, title_en=sheet.title_en, sheet=sheet.code))
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
                problems.append(problem("template.column_missing", version=version, label_vi=col.label_vi,
                                        label_en=col.label_en, code=col.code,
                                        line="dòng" if sheet.is_form else "cột",
                                        en={"line": "field" if sheet.is_form else "column"},
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
    return Report.unframed(raw.path, info, tables, columns=columns, problems=problems,
                           info_cells={code: cell.cell for code, cell in raw.info.items()})
