"""The streamed annotated copy (cotmoc.outputs.steward_stream, used for sheets too large for openpyxl) is the
copy openpyxl writes, cell for cell: values, styles, notes, merges, links, validations, the `Loi` sheet. Here
every sheet of ordinary faulty reports is streamed (the size threshold set to 0) and compared with the
in-memory copy of the same report."""
from __future__ import annotations

from copy import copy
from datetime import date

import openpyxl
import pytest

from cotmoc.core.config import load_settings
from cotmoc.outputs import steward_stream
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


def test_rows_the_copy_streams_are_the_original_rows_made_to_fit(tmp_path):
    """Shared strings move behind openpyxl's, attributes of an undeclared namespace go, the rest is verbatim."""
    row = b'<row r="9" spans="1:3" x14ac:dyDescent="0.25"><c r="A9" s="4" t="s"><v>7</v></c><c r="B9" s="5">' \
          b'<v>2.5</v></c><c r="C9" t="s"/></row>'
    assert steward_stream._streamed_row(row, 100) == (
        b'<row r="9" spans="1:3"><c r="A9" s="4" t="s"><v>107</v></c><c r="B9" s="5"><v>2.5</v></c><c r="C9" t="s"/>'
        b'</row>')
