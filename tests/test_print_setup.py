"""Print settings of every sheet of the template and of the steward's copy, and the period cell's list (the
rendered result: tests/test_rendering.py)."""
from __future__ import annotations

import openpyxl

from cotmoc.core import contract
from cotmoc.outputs.steward_list import LOI_HEADER_ROW, LOI_SHEET
from cotmoc.outputs.steward_report import write_annotated_copy
from cotmoc.outputs.template import LISTS_SHEET, build_template, period_choices
from cotmoc.core.periods import Period
from tests.test_steward_report import _problem
from tests.test_template import list_values, validations


def _prints_fitted(ws, title_rows: str | None) -> None:
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0), ws.title
    assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    assert (ws.print_title_rows or "").replace("$", "") == (title_rows or ""), ws.title
    assert "Trang &P/&N" in ws.oddFooter.center.text


def test_every_sheet_of_the_template_prints_landscape_fitted_with_its_headers(tmp_path):
    wb = openpyxl.load_workbook(build_template(tmp_path / "mau.xlsx"))
    _prints_fitted(wb[contract.INSTRUCTIONS_SHEET], None)
    _prints_fitted(wb["thong_tin"], f"1:{contract.INFO_FIRST_ROW - 1}")
    for sheet in contract.TABLE_SHEETS:
        ws = wb[sheet.code]
        _prints_fitted(ws, f"1:{contract.CODE_ROW}")
        assert f"A1:{openpyxl.utils.get_column_letter(len(sheet.columns))}1" in {str(r) for r in ws.merged_cells.ranges}
    guide = wb[contract.INSTRUCTIONS_SHEET]
    for row in guide.iter_rows():
        text = row[0].value
        if text:                            # a row as tall as its wrapped text, never the default 15 points
            assert guide.row_dimensions[row[0].row].height >= 15 * (len(text) // 140 + 1), text[:40]


def test_the_period_cell_lists_the_valid_codes(tmp_path):
    wb = openpyxl.load_workbook(build_template(tmp_path / "mau.xlsx", province="Điện Biên", period="2024"))
    row = contract.INFO_FIRST_ROW + contract.THONG_TIN.codes.index("period")
    dv = validations(wb["thong_tin"])[f"C{row}"]
    assert dv.type == "list" and dv.prompt and dv.showErrorMessage
    codes = list_values(wb, dv.formula1)
    assert codes == period_choices(Period(2024)) and {"2016", "2016S1", "2024", "2024S1", "2024S2"} <= set(codes)
    assert codes.index("2024") < codes.index("2024S2") < codes.index("2024S1") < codes.index("2023")
    assert "2015" not in codes and wb[LISTS_SHEET].sheet_state == "hidden"
    assert period_choices(Period(2015))[0] == "2015"          # a template for an odd period still offers it


def test_the_copy_prints_like_the_template(tmp_path):
    from cotmoc.samples.seeds import dien_bien_2016
    path = dien_bien_2016().write(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:                # an older file without print settings
        ws.page_setup.orientation, ws.print_title_rows = "portrait", None
    wb.save(path)
    copy = openpyxl.load_workbook(write_annotated_copy(path, [_problem("error", "doan_bien_gioi", cell="G4", row=4)],
                                                       tmp_path / "out.xlsx"))
    _prints_fitted(copy[LOI_SHEET], f"{LOI_HEADER_ROW}:{LOI_HEADER_ROW}")
    _prints_fitted(copy["thong_tin"], f"1:{contract.INFO_FIRST_ROW - 1}")
    _prints_fitted(copy[contract.INSTRUCTIONS_SHEET], None)
    for sheet in contract.TABLE_SHEETS:
        _prints_fitted(copy[sheet.code], f"1:{contract.CODE_ROW}")
    loi = copy[LOI_SHEET]
    assert all(loi.column_dimensions[c].width <= 50 for c in "ABCDEFG") and loi.column_dimensions["H"].width in (None, 13)
