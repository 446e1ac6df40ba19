"""The streamed annotated copy (cotmoc.outputs.steward_stream, used for sheets too large for openpyxl) is the
copy openpyxl writes, cell for cell: values, styles, notes, merges, links, validations, the `Loi` sheet. Here
every sheet of ordinary faulty reports is streamed (the size threshold set to 0) and compared with the
in-memory copy of the same report."""
from __future__ import annotations

import re
import zipfile
from copy import copy
from datetime import date

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from cotmoc.core.config import load_settings
from cotmoc.outputs import steward_stream
from cotmoc.outputs.libreoffice import convert, soffice
from cotmoc.outputs.steward_report import write_annotated_copy
from cotmoc.pipeline.checking import check_file
from cotmoc.samples import faulty

TODAY = date(2026, 11, 22)
BUILDERS = {
    "typo_number": faulty.typo_number, "merged_cells": faulty.merged_cells, "hyperlink_note": faulty.hyperlink_note,
    "repairable_text": faulty.repairable_text, "bad_counts": faulty.bad_counts,
    "duplicated_column": faulty.duplicated_column, "formulas": lambda p: faulty.formulas(p, cached=False),
    "km_past_border_total": faulty.km_past_border_total,
}


def _cell_facts(cell):
    styles = tuple(copy(s) for s in (cell.fill, cell.font, cell.border, cell.alignment, cell.protection))
    return (cell.coordinate, cell.value, cell.data_type, *styles, cell.number_format, cell.quotePrefix, cell.comment.text if cell.comment else None,
            cell.hyperlink.location if cell.hyperlink else None)


def _same_copies(a, b):
    wa, wb = openpyxl.load_workbook(a), openpyxl.load_workbook(b)
    assert wa.sheetnames == wb.sheetnames
    assert {n: d.attr_text for n, d in wa.defined_names.items()} == {n: d.attr_text for n, d in wb.defined_names.items()}
    cells = 0
    for name in wa.sheetnames:
        x, y = wa[name], wb[name]
        assert (x.dimensions, x.sheet_state, x.freeze_panes, x.print_title_rows) == \
               (y.dimensions, y.sheet_state, y.freeze_panes, y.print_title_rows), name
        assert sorted(map(str, x.merged_cells.ranges)) == sorted(map(str, y.merged_cells.ranges)), name
        assert [str(v.sqref) for v in x.data_validations.dataValidation] == \
               [str(v.sqref) for v in y.data_validations.dataValidation], name
        assert {r: (d.height, d.hidden) for r, d in x.row_dimensions.items()} == \
               {r: (d.height, d.hidden) for r, d in y.row_dimensions.items()}, name
        for row_x, row_y in zip(x.iter_rows(), y.iter_rows(), strict=True):
            for cx, cy in zip(row_x, row_y, strict=True):
                assert _cell_facts(cx) == _cell_facts(cy), (name, cx.coordinate)
                cells += 1
    return cells


@pytest.mark.parametrize("builder", BUILDERS)
def test_the_streamed_copy_is_the_copy_openpyxl_writes(tmp_path, monkeypatch, builder):
    made = BUILDERS[builder](tmp_path / "in" / "report.xlsx")
    checked = check_file(made.path, load_settings(tmp_path, environ={}), today=TODAY)
    assert checked.problems
    whole = write_annotated_copy(made.path, checked.problems, tmp_path / "whole.loi.xlsx", summary={"status": "x"})
    monkeypatch.setattr(steward_stream, "STREAM_SHEET_BYTES", 0)
    assert steward_stream.large_sheets(made.path)                 # every sheet is streamed now
    streamed = write_annotated_copy(made.path, checked.problems, tmp_path / "streamed.loi.xlsx",
                                    summary={"status": "x"})
    assert _same_copies(whole, streamed) > 1000


_MC = b' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
_X14AC = b' mc:Ignorable="x14ac" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'


def _as_excel_writes_it(src, dst):
    """`src` with every worksheet declaring x14ac as ignorable and every row carrying x14ac:dyDescent, as Excel
    saves a workbook: attributes of a namespace openpyxl does not declare."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"(<worksheet\b[^>]*?)>", lambda m: m.group(1) + _X14AC
                              + (b"" if b"xmlns:mc=" in m.group(1) else _MC) + b">", data, count=1)
                data = re.sub(rb"<row\b", b'<row x14ac:dyDescent="0.25"', data)
            zout.writestr(info, data)
    return dst


def _values(path):
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names if name != "Loi"}


@pytest.mark.slow
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed: "
                    "apt-get install libreoffice-calc-nogui to run it")
def test_rows_the_copy_streams_are_the_original_rows_verbatim(tmp_path, monkeypatch):
    """A report saved by LibreOffice (shared strings) and marked as Excel marks rows: the rows the copy streams
    are the original's bytes, the copy declares their namespaces, and LibreOffice and openpyxl read the copy's
    values as the original's."""
    made = faulty.typo_number(tmp_path / "in" / "report.xlsx")
    saved = _as_excel_writes_it(convert(made.path, "xlsx", tmp_path / "lo"), tmp_path / "excel_like.xlsx")
    checked = check_file(saved, load_settings(tmp_path, environ={}), today=TODAY)
    assert [p.rule for p in checked.problems if p.is_error] == ["number.unreadable"]
    monkeypatch.setattr(steward_stream, "STREAM_SHEET_BYTES", 0)
    copy = write_annotated_copy(saved, checked.problems, tmp_path / "copy.loi.xlsx", summary={"status": "x"})
    with zipfile.ZipFile(saved) as zin, zipfile.ZipFile(copy) as zcopy:
        part = steward_stream.sheet_parts(zin)["doan_bien_gioi"]
        rows = [p for p in steward_stream.sheet_pieces(zin.open(part)) if p[0] == "row"]
        streamed = zcopy.read(steward_stream.sheet_parts(zcopy)["doan_bien_gioi"])
    assert b'mc:Ignorable="x14ac"' in streamed.split(b"<sheetData", 1)[0]
    away_from_the_fault = [row for number, row in ((p[1], p[2]) for p in rows) if number > steward_stream.HEAD_ROWS
                           and f"{number}" != made.cell[1:]]
    assert away_from_the_fault and all(row in streamed for row in away_from_the_fault)
    assert b't="s"' in b"".join(away_from_the_fault)          # shared strings stream with their own numbers
    openpyxl.load_workbook(copy)
    assert _values(convert(copy, "xlsx", tmp_path / "lo_copy")) == _values(saved) == _values(copy)
