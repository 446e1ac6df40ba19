"""The steward's report: their own workbook with red/amber cells and notes, a first sheet `Loi` with
links, no live formula ever copied from the input, and the same list as JSON."""
from __future__ import annotations

import json
import zipfile
from datetime import date

import openpyxl
import pytest

from cotmoc.config import load_settings
from cotmoc.ingest import check_file
from cotmoc.libreoffice import convert, soffice
from cotmoc.samples import faulty
from cotmoc.steward_report import (ERROR_FILL, LOI_SHEET, WARNING_FILL, report_paths, write_annotated_copy,
                                   write_problem_list, write_problems_json)

TODAY = date(2026, 11, 22)


def _checked(tmp_path, builder):
    made = builder(tmp_path / "in" / "report.xlsx")
    return made, check_file(made.path, load_settings(tmp_path, environ={}), today=TODAY)


def test_bad_cells_are_red_with_a_bilingual_note_and_listed_first(tmp_path):
    made, checked = _checked(tmp_path, faulty.typo_number)
    out = write_annotated_copy(made.path, checked.problems, tmp_path / "out.loi.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == LOI_SHEET
    cell = wb["doan_bien_gioi"][made.cell]
    assert cell.fill.fgColor.rgb.endswith(ERROR_FILL.fgColor.rgb[-6:])
    assert "3.8 16" in cell.comment.text and "Cách sửa" in cell.comment.text and "Fix" in cell.comment.text
    loi = wb[LOI_SHEET]
    first = [c.value for c in loi[6]]
    assert first[0] == "Lỗi" and first[1] == "doan_bien_gioi" and first[2] == made.cell
    assert loi.cell(6, 3).hyperlink.location == f"'doan_bien_gioi'!{made.cell}"
    assert loi.freeze_panes == "A6" and loi.auto_filter.ref.startswith("A5")


def test_warnings_are_amber(tmp_path):
    made, checked = _checked(tmp_path, faulty.repairable_text)
    out = write_annotated_copy(made.path, checked.problems, tmp_path / "out.loi.xlsx")
    cell = openpyxl.load_workbook(out)["doan_bien_gioi"][made.cell]
    assert cell.fill.fgColor.rgb.endswith(WARNING_FILL.fgColor.rgb[-6:]) and "CẢNH BÁO" in cell.comment.text
    rows = list(openpyxl.load_workbook(out)[LOI_SHEET].iter_rows(min_row=6, values_only=True))
    assert {r[0] for r in rows} == {"Cảnh báo"}


def test_no_formula_from_the_input_survives(tmp_path):
    made, checked = _checked(tmp_path, faulty.hyperlink_note)
    assert not checked.accepted
    out = write_annotated_copy(made.path, checked.problems, tmp_path / "out.loi.xlsx")
    wb = openpyxl.load_workbook(out)
    note = wb["to_tu_quan"]["G4"]
    assert note.data_type != "f"
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name
    # a value that looks like a formula, copied into the Loi sheet, stays text
    listed = [c for row in wb[LOI_SHEET].iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert all(c.data_type == "s" for c in listed)


@pytest.mark.slow
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_ods_input_gets_a_rebuilt_annotated_copy_that_libreoffice_opens(tmp_path):
    made = faulty.typo_number(tmp_path / "in" / "report.xlsx")
    ods = convert(made.path, "ods", tmp_path / "ods")
    checked = check_file(ods, load_settings(tmp_path, environ={}), today=TODAY)
    assert any(p.rule == "number.unreadable" for p in checked.problems)
    out = write_annotated_copy(ods, checked.problems, tmp_path / "out.loi.xlsx")
    reopened = convert(out, "xlsx", tmp_path / "lo")
    wb = openpyxl.load_workbook(reopened)
    assert wb.sheetnames[0] == LOI_SHEET
    assert wb["doan_bien_gioi"][made.cell].comment is not None


def test_json_and_problem_list(tmp_path):
    made, checked = _checked(tmp_path, faulty.stale_header)
    annotated, json_path = report_paths(made.path, tmp_path)
    assert annotated.name == "report.loi.xlsx" and json_path.name == "report.loi.json"
    write_problems_json(checked.problems, json_path, file_name="report.xlsx", sha256="ab" * 32, status="rejected",
                        summary={"rows": 1})
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    assert doc["errors"] == sum(p.is_error for p in checked.problems)
    assert [p["rule"] for p in doc["problems"]] == [p.rule for p in checked.problems]
    assert doc["problems"][0]["severity"] == "error"
    listed = write_problem_list(checked.problems, tmp_path / "only.loi.xlsx", file_name="report.xlsx")
    assert openpyxl.load_workbook(listed).sheetnames == [LOI_SHEET]
