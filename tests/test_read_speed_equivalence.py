"""The fast paths of reading and normalising give exactly what the generic path gives.

read_report skips parsing sheet XML that holds no formula, streams rows and builds the raw frame column by
column; normalise_report converts column by column with shortcuts for cells that need no problem. Each is
checked here against the generic way it replaced (the per-cell, row-by-row one, kept below as the reference):
the same values, the same dtypes, the same Problems in the same order, on the bundled samples, the faulty
builders and a workbook of odd values.
"""
from __future__ import annotations

import math
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from cotmoc.core import contract, formulas, reference

from cotmoc.reading import normalise, workbook
from cotmoc.reading.normalise import _Cells, _commune, _convert_cell, normalise_report
from cotmoc.core.problems import WARNING, Problem
from cotmoc.samples import faulty
from cotmoc.samples.seeds import dien_bien_2016
from cotmoc.core.vntext import encode_legacy, fold
from cotmoc.reading.workbook import FORMULA_WITHOUT_VALUE, read_report

SAMPLES = Path(__file__).resolve().parent.parent / "inputs" / "samples"
_TOTALS = {fold(m) for m in contract.TOTAL_ROW_MARKERS}


# --- the reference: row by row, every cell through _convert_cell, generic pandas typing ------------------
def _reference_table(sheet, raw, problems, province) -> pd.DataFrame:
    columns = [c.code for c in sheet.columns]
    if raw is None:
        return _reference_typed(pd.DataFrame(columns=columns + ["excel_row"]), sheet)
    cells, out = _Cells(sheet, problems), []
    for excel_row, values in zip(raw.data.index, raw.data.to_dict("records")):
        first_text = next((values.get(c.code) for c in sheet.columns if c.kind in (contract.TEXT, contract.ENUM)
                           and isinstance(values.get(c.code), str) and values.get(c.code).strip()), None)
        if first_text is not None and (fold(first_text) in _TOTALS or fold(first_text).startswith("tong cong ")):
            problems.append(Problem(WARNING, "row.total", "Dòng tổng cộng không được tính (hệ thống tự cộng)",
                                    "A totals row is not counted (cotmoc adds up the rows itself)",
                                    "Không cần sửa: hệ thống tự cộng các dòng; lần sau không cần gõ dòng tổng cộng",
                                    "Nothing to fix: cotmoc adds up the rows; next time no totals row is needed",
                                    sheet=sheet.code, row=int(excel_row), cell=f"A{excel_row}"))
            continue
        record = {"excel_row": int(excel_row)}
        for col in sheet.columns:
            record[col.code] = None if col.code not in raw.columns else _convert_cell(
                values.get(col.code), col, cells, f"{raw.letter(col.code)}{excel_row}", int(excel_row))
        if province and "commune" in raw.columns and record["commune"] and reference.has_communes(province):
            record["commune"] = _commune(record["commune"], province, sheet, raw, int(excel_row), problems)
        out.append(record)
    return _reference_typed(pd.DataFrame.from_records(out, columns=columns + ["excel_row"]), sheet)


def _reference_typed(df: pd.DataFrame, sheet) -> pd.DataFrame:
    for col in sheet.columns:
        values = [None if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in df[col.code]]
        if col.kind == contract.DATE:
            df[col.code] = pd.to_datetime(pd.Series(values, index=df.index, dtype=object), errors="coerce")
        elif col.kind == contract.KM:
            df[col.code] = pd.array(values, dtype="Float64")
        elif col.kind in contract.WHOLE_NUMBER_KINDS:
            numbers = pd.Series(pd.array(values, dtype="Float64"), index=df.index)
            df[col.code] = numbers.where(lambda x: x % 1 == 0).astype("Int64")
        else:
            df[col.code] = df[col.code].astype("string")
    df["excel_row"] = df["excel_row"].astype("int64")
    return df.reset_index(drop=True)


def _assert_same_normalisation(path: Path) -> None:
    raw = read_report(path)
    report = normalise_report(raw)
    problems = list(raw.problems)
    info = normalise._info(raw, problems)
    assert report.info == info
    for code, attribute in normalise._TABLES.items():
        expected = _reference_table(contract.SHEETS_BY_CODE[code], raw.sheets.get(code), problems,
                                    info.get("province"))
        got = getattr(report, attribute)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert list(got.dtypes) == list(expected.dtypes)
    assert report.problems == problems


# --- workbooks ------------------------------------------------------------------------------------------
ODD = [None, "", "   ", "\xa0", 0, 1, -3, 2.5, 120.0, 1e20, 3.0000000001, True, False, "3.816", "3.8 16",
       "2.789 hộ", "365,861km", "365.861", "1.234,5", "12,5,3", "abc", "15/6/2016", "2016-06-15", "31/02/2016",
       datetime(2016, 6, 15), date(2017, 4, 25), datetime(2016, 6, 15, 13, 45), time(12, 30), "Tổng cộng",
       "tổng cộng xã", encode_legacy("Điện Biên Đông", "tcvn3"), encode_legacy("Mường Nhé", "vni"), "Việt - Lào",
       "Trung Quốc", "trung quoc", "Tổ bảo vệ rừng", "Tổ tự quản", "Mu\u031bo\u031b\u0300ng Nhe\u0301", "=1+2",
       "0", "1e3", "nan", 2 ** 60, -0.0, "xã Sín Thầu", "Sin Thau", "  Nậm  Kè ", "123456789012345678901234"]


def _odd_values(path: Path) -> Path:
    """The Điện Biên report with odd values spread over every column of every table."""
    dien_bien_2016().write(path)
    wb = openpyxl.load_workbook(path)
    k = 0
    for code in ("to_tu_quan", "doan_bien_gioi", "khen_thuong"):
        for r in range(contract.FIRST_DATA_ROW, contract.FIRST_DATA_ROW + 14):
            for c in range(1, len(contract.SHEETS_BY_CODE[code].columns) + 1):
                if (r + c) % 2 == 0:
                    wb[code].cell(r, c, ODD[k % len(ODD)])
                    k += 1
    wb.save(path)
    return path


BUILDERS = {"typo_number": faulty.typo_number, "repairable_text": lambda p: faulty.repairable_text(p).path,
            "bad_counts": faulty.bad_counts, "stale_header": faulty.stale_header,
            "missing_sheet": faulty.missing_sheet, "duplicated_column": faulty.duplicated_column,
            "formulas": lambda p: faulty.formulas(p, cached=False), "hyperlink_note": faulty.hyperlink_note,
            "odd_values": _odd_values}


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*/*.xlsx")), ids=lambda p: p.stem)
def test_bundled_samples_normalise_as_the_reference_does(path):
    _assert_same_normalisation(path)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_faulty_and_odd_workbooks_normalise_as_the_reference_does(tmp_path, name):
    made = BUILDERS[name](tmp_path / f"{name}.xlsx")
    _assert_same_normalisation(getattr(made, "path", made))


# --- the raw frame --------------------------------------------------------------------------------------
def test_the_raw_frame_holds_what_from_records_would_hold():
    """Built column by column when from_records' inference would change nothing, else the generic way:
    either way equal values of equal types (1 == 1.0 == True, so the types are compared too)."""
    columns_sets = [
        [["a", "", " b "], [1.5, -0.0, 3.0], [True, False, True], [date(2020, 1, 2), "", date(2021, 3, 4)]],
        [[time(1, 2), FORMULA_WITHOUT_VALUE, ""], ["x", 2.0, False], ["", "", ""], [0.0, 0.0, 0.0]],
        [[1, 2.5, 3], ["a", "b", "c"]],                                      # ints mixed with floats: floats
        [[datetime(2020, 1, 2), datetime(2021, 1, 1, 5), datetime(2022, 2, 2)], [1, 2, 3]],   # Timestamps
        [[None, "a", "b"], [None, 1.0, 2.0]],                               # None: NaN
    ]
    for columns in columns_sets:
        codes = [f"c{i}" for i in range(len(columns))]
        index = [4, 5, 6]
        got = workbook._raw_frame([list(c) for c in columns], index, codes)
        rows = [list(row) for row in zip(*columns)]
        expected = pd.DataFrame.from_records(rows, index=pd.Index(index, name="excel_row"),
                                             columns=codes).astype(object)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        for code in codes:
            assert [type(v) for v in got[code]] == [type(v) for v in expected[code]], code


def test_rows_are_streamed_as_to_python_gives_them(tmp_path):
    """iter_rows when the data starts in A1; otherwise to_python pads the empty leading rows and columns."""
    shifted = dien_bien_2016().write(tmp_path / "shifted.xlsx")
    wb = openpyxl.load_workbook(shifted)
    wb["doan_bien_gioi"].insert_rows(1, 2)
    wb["doan_bien_gioi"].insert_cols(1, 2)
    wb.save(shifted)
    for path in [*sorted(SAMPLES.glob("*/*.xlsx")), shifted]:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            assert list(workbook._rows(sheet)) == sheet.to_python(skip_empty_area=False), (path.name, name)


def test_repeated_texts_are_held_once_and_equal_numbers_kept_apart():
    lao = ["".join(["L", "ào"]) for _ in range(3)]                     # three equal, distinct objects
    rows = [[lao[0], 0.0, 1.0], [lao[1], -0.0, True], [lao[2], 0.0, 1]]
    columns = {"border": 1, "length_km": 2, "markers": 3}
    index, values = workbook._data_rows(contract.DOAN_BIEN_GIOI, iter(rows), 3, columns, set(), [])
    assert index == [4, 5, 6]
    assert values[0][0] is values[0][1] is values[0][2]
    assert [math.copysign(1, v) for v in values[1]] == [1, -1, 1]
    assert [type(v) for v in values[2]] == [float, bool, int]


# --- the formula scan -----------------------------------------------------------------------------------
def _prefixed(src: Path, out: Path) -> Path:
    """The same workbook with every sheet element written with a namespace prefix, as some writers do."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"<(/?)([a-zA-Z])", rb"<\1x:\2", data).replace(      # not the <?xml prolog
                    b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                    b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"', 1)
            zout.writestr(item, data)
    return out


@pytest.mark.parametrize("chunk", [formulas._SCAN_CHUNK, 7, 1])
def test_a_formula_without_value_is_found_whatever_its_prefix_and_chunking(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(formulas, "_SCAN_CHUNK", chunk)           # tags cut across chunk boundaries
    made = faulty.formulas(tmp_path / "f.xlsx", cached=False)
    for path in (made.path, _prefixed(made.path, tmp_path / "prefixed.xlsx")):
        found = [p for p in read_report(path).problems if p.rule == "formula.no_cached_value"]
        assert [(p.sheet, p.cell) for p in found] == [(made.sheet, made.cell)], path.name


def test_sheets_without_formulas_are_never_parsed(monkeypatch):
    def parse(*_):
        raise AssertionError("sheet XML parsed although it holds no formula")
    monkeypatch.setattr(formulas, "_parse_formulas_without_values", parse)
    for path in sorted(SAMPLES.glob("*/*.xlsx")):
        read_report(path)
