"""Formula cells: which hold a saved result (read as that result) and which do not (an error naming the column,
the formula shown as the value found). The reader and the steward's copy judge them by one rule."""
from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cotmoc.core import contract
from cotmoc.core.config import load_settings
from cotmoc.core.formulas import formulas_without_values, has_no_result
from cotmoc.pipeline.checking import check_file
from cotmoc.pipeline.ingest import run_ingest
from cotmoc.outputs.libreoffice import convert, soffice
from cotmoc.samples import faulty
from cotmoc.samples.seeds import dien_bien_2016
from cotmoc.outputs.steward_report import write_annotated_copy
from cotmoc.reading.workbook import read_report
from cotmoc.warehouse.db import open_warehouse

TODAY = date(2026, 11, 22)
NOTE = contract.SHEETS_BY_CODE["to_tu_quan"].column("note")


def _sheet_part(path: Path, name: str) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(name) + 1
    wb.close()
    return f"xl/worksheets/sheet{index}.xml"


def _patched(src: Path, out: Path, part: str, cells: dict[str, bytes]) -> Path:
    """`src` with the XML of some cells of one sheet replaced (as another writer would have saved them)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                for ref, xml in cells.items():
                    data, n = re.subn(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', xml, data, count=1)
                    assert n == 1, ref
            zout.writestr(item, data)
    return out


def test_the_rule_for_a_saved_result():
    assert not has_no_result("str", "")              # =IF(...;"";...) that yielded "": saved
    assert not has_no_result("str", "thiếu") and not has_no_result(None, "12")
    assert has_no_result(None, None) and has_no_result("str", None)     # no <v> at all
    assert has_no_result(None, "") and has_no_result("n", "  ")         # an empty number is no result


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_a_note_formula_saved_by_libreoffice_with_an_empty_result_is_accepted(tmp_path):
    path = dien_bien_2016().write(tmp_path / "openpyxl.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb["to_tu_quan"]["G3"].value == "note" and wb["to_tu_quan"]["D5"].value > 0
    wb["to_tu_quan"]["G5"] = '=IF(D5>0,"","thiếu")'             # shown as =IF(D5>0;"";"thiếu") in Calc
    wb["to_tu_quan"]["G6"] = '=IF(D6>0,"có","thiếu")'
    wb.save(path)
    saved = convert(path, "xlsx", tmp_path / "lo")                # LibreOffice computes and saves the results
    with zipfile.ZipFile(saved) as zf:
        xml = zf.read(_sheet_part(saved, "to_tu_quan")).decode()
    assert re.search(r'<c r="G5"[^>]*t="str"[^>]*><f[^>]*>IF\(D5&gt;0,&quot;&quot;', xml)
    assert re.search(r'<c r="G5".*?<v></v></c>', xml)             # the empty cached string
    settings = load_settings(tmp_path / "office", environ={})
    checked = check_file(saved, settings, today=TODAY)
    assert checked.accepted, [p.text_vi() for p in checked.problems if p.is_error]
    assert not [p for p in checked.problems if p.rule.startswith("formula")]
    notes = dict(zip(checked.report.teams["excel_row"], checked.report.teams["note"]))
    assert notes[6] == "có" and (pd.isna(notes[5]) or notes[5] == "")
    copy = openpyxl.load_workbook(write_annotated_copy(saved, checked.problems, tmp_path / "copy.loi.xlsx"))
    assert copy["to_tu_quan"]["G5"].value in (None, "") and copy["to_tu_quan"]["G6"].value == "có"
    settings.inbox.mkdir(parents=True)                            # and through the office's ingest, as sent
    shutil.copy2(saved, settings.inbox / "dien_bien_2016.xlsx")
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        [outcome] = run_ingest(con, settings, today=TODAY)
        assert outcome.outcome == "new", outcome.first_error
        assert con.execute("select count(*) from fact_teams where note = 'có'").fetchone() == (1,)


def test_reader_and_copy_judge_every_kind_of_formula_cell_alike(tmp_path):
    """The cases the two used to decide differently: an empty saved text result (the reader rejected it) and
    a formula without a result that Calc writes with an empty <v> of no type."""
    path = dien_bien_2016().write(tmp_path / "in.xlsx")
    part = _sheet_part(path, "to_tu_quan")
    patched = _patched(path, tmp_path / "patched.xlsx", part, {
        "G5": b'<c r="G5" t="str"><f>IF(D5&gt;0,"","thi\xe1\xba\xbfu")</f><v></v></c>',   # saved: ""
        "G6": b'<c r="G6" t="str"><f>IF(D6&gt;0,"ok","")</f><v>ok</v></c>',                 # saved: "ok"
        "D7": b'<c r="D7"><f>2+2</f><v></v></c>',                                          # no result
        "E7": b'<c r="E7"><f>D7*10</f></c>',                                               # no result
    })
    missing = formulas_without_values(patched, ["to_tu_quan"])
    assert missing == {"to_tu_quan": {"D7": "=2+2", "E7": "=D7*10"}}
    checked = check_file(patched, load_settings(tmp_path, environ={}), today=TODAY)
    found = {p.cell: p for p in checked.problems if p.rule == "formula.no_cached_value"}
    assert set(found) == set(missing["to_tu_quan"])                    # the reader: exactly those cells
    teams = contract.SHEETS_BY_CODE["to_tu_quan"]
    assert found["D7"].value == "=2+2" and found["E7"].value == "=D7*10"
    assert found["D7"].message_vi.startswith(f"{teams.column('teams').label_vi}: ")
    assert found["E7"].message_en.startswith(f"{teams.column('members').label_en}: ")
    copy = openpyxl.load_workbook(write_annotated_copy(patched, checked.problems, tmp_path / "copy.loi.xlsx"))
    ws = copy["to_tu_quan"]
    assert (ws["D7"].value, ws["E7"].value) == ("=2+2", "=D7*10")      # the copy: the same cells, as text
    assert ws["D7"].data_type == "s" and ws["G5"].value in (None, "") and ws["G6"].value == "ok"
    assert "=2+2" in ws["D7"].comment.text


def test_a_formula_without_result_on_the_form_sheet_is_reported(tmp_path):
    path = dien_bien_2016().write(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["thong_tin"]
    ref = next(f"{ws.cell(r, c + 1).coordinate}" for r in range(1, ws.max_row + 1) for c in range(1, ws.max_column)
               if ws.cell(r, c).value == "prepared_by")
    ws[ref] = '=CONCATENATE("Nguyễn ","Văn A")'                  # openpyxl saves no result
    wb.save(path)
    problems = [p for p in read_report(path).problems if p.rule == "formula.no_cached_value"]
    assert [(p.sheet, p.cell, p.value) for p in problems] == [("thong_tin", ref, '=CONCATENATE("Nguyễn ","Văn A")')]
    assert problems[0].message_vi.startswith(contract.THONG_TIN.column("prepared_by").label_vi + ": ")


def test_the_sample_formula_fault_names_its_column_and_shows_the_formula(tmp_path):
    made = faulty.formulas(tmp_path / "f.xlsx", cached=False)
    problem = next(p for p in read_report(made.path).problems if p.rule == "formula.no_cached_value")
    label = contract.SHEETS_BY_CODE["doan_bien_gioi"].column("persons").label_vi
    assert problem.cell == made.cell and problem.value == "=J4*2" and problem.message_vi.startswith(label + ": ")


def test_a_formula_is_found_in_a_sheet_stored_under_any_name(tmp_path):
    """The container check tells the reader whether a package may hold a formula from the XML parts it scans; a
    sheet stored under another name (`sheet4.dat`, which the readers still open) is not one of them, so such a
    package is searched in full and its formula without a saved result is still reported on its cell."""
    made = faulty.formulas(tmp_path / "f.xlsx", cached=False)
    odd = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(made.path) as zin, zipfile.ZipFile(odd, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = re.sub(rb"(worksheets/sheet\d+)\.xml", rb"\1.dat", data)
            zout.writestr(re.sub(r"^(xl/worksheets/sheet\d+)\.xml$", r"\1.dat", item.filename), data)
    assert any(name.endswith(".dat") for name in zipfile.ZipFile(odd).namelist())
    found = [(p.rule, p.cell) for p in read_report(odd).problems]
    assert (made.rule, made.cell) in found
