"""The template and a filled report survive LibreOffice Calc (soffice --headless --convert-to): every sheet,
code, dropdown, protection, format and value. Headless conversion has no view, so frozen panes are not
expected to survive it (cotmoc/outputs/libreoffice.py); everything else is."""
from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from cotmoc.core import contract, reference
from cotmoc.outputs.libreoffice import convert, soffice
from cotmoc.outputs.template import LISTS_SHEET, VERSION_PROPERTY, build_template, write_report
from tests.test_template import info_values, labels, list_values, table_records, validations

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed: "
                                 "apt-get install libreoffice-calc-nogui to run the round trip")]


def test_template_round_trips_through_libreoffice(tmp_path):
    src = build_template(tmp_path / "mau.xlsx", province="Điện Biên", period="2016")
    out = convert(src, "xlsx", tmp_path / "lo")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [contract.INSTRUCTIONS_SHEET, *(s.code for s in contract.SHEETS), LISTS_SHEET]
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert {p.name: p.value for p in wb.custom_doc_props.props}[VERSION_PROPERTY] == "1"
    assert info_values(out) | {"province": "Điện Biên", "period": "2016", "template_version": "1"} == info_values(out)
    kind_formats = {**contract.NUMBER_FORMATS, contract.ENUM: "@"}
    for sheet in contract.TABLE_SHEETS:
        ws = wb[sheet.code]
        assert tuple(c.value for c in ws[contract.CODE_ROW])[: len(sheet.columns)] == sheet.codes
        assert ws.protection.sheet and not ws.protection.insertRows      # protected; inserting rows allowed
        dvs = validations(ws)
        for i, col in enumerate(sheet.columns, start=1):
            letter = get_column_letter(i)
            assert ws.cell(contract.CODE_ROW, i).protection.locked
            assert not ws.cell(contract.FIRST_DATA_ROW, i).protection.locked
            assert ws.cell(contract.FIRST_DATA_ROW, i).number_format == kind_formats[col.kind]
            if col.kind == contract.ENUM:
                expected = (labels("border", reference.borders_of("dien_bien", date(2016, 12, 31)))
                            if col.enum == "border" else labels(col.enum))
                assert list_values(wb, dvs[f"{letter}{contract.FIRST_DATA_ROW}"].formula1) == expected
            elif col.kind in (contract.INT, contract.KM, contract.DATE):
                assert dvs[f"{letter}{contract.FIRST_DATA_ROW}"].type in ("whole", "decimal", "date")
    assert list_values(wb, validations(wb["doan_bien_gioi"])["A4"].formula1) == ["Việt Nam – Trung Quốc",
                                                                                "Việt Nam – Lào"]
    province_dv = validations(wb["thong_tin"])[f"C{contract.INFO_FIRST_ROW}"]
    assert list_values(wb, province_dv.formula1) == [p.name_vi for p in reference.provinces_on(date(2016, 12, 31))]


def test_filled_report_round_trips_through_libreoffice(tmp_path):
    info = {"province": "kon_tum", "period": "2023", "reporting_unit": "Bộ Chỉ huy BĐBP tỉnh Kon Tum",
            "prepared_by": "Trần Thị B", "phone": "0260 3862 123", "report_date": date(2024, 1, 10)}
    segments = [{"border": "VN-LA", "commune": "Đắk Dục", "collective": "Thôn Nước Xa", "marker_from": "705",
                 "marker_to": "705/2", "length_km": 12.345, "markers": 3, "border_works": 1, "households": 58,
                 "persons": 120, "registered_on": date(2015, 9, 1)},
                {"border": "VN-KH", "commune": "Mô Rai", "collective": "Làng Le", "length_km": "3,5 km",
                 "markers": 1, "border_works": 0, "households": "1.024 hộ", "persons": 2000}]
    teams = [{"commune": "Đắk Dục", "team_type": "duong_bien_cot_moc", "teams": 7, "members": 84, "households": 60}]
    awards = [{"decision_no": "45/QĐ-UBND", "decision_date": date(2023, 12, 20), "issuer": "mttq_tinh",
               "award_form": "bang_khen", "collectives": 1, "individuals": 2}]
    src = write_report(tmp_path / "r.xlsx", info, teams=teams, segments=segments, awards=awards)
    expected = {name: table_records(src, name) for name in ("to_tu_quan", "doan_bien_gioi", "khen_thuong")}
    assert expected["khen_thuong"][0]["issuer"] == "Ủy ban MTTQ tỉnh" and len(expected["doan_bien_gioi"]) == 2
    for fmt in ("xlsx", "ods"):
        out = convert(src, fmt, tmp_path / fmt)
        assert [m.name for m in CalamineWorkbook.from_path(str(out)).sheets_metadata][1:5] == [
            s.code for s in contract.SHEETS]
        assert info_values(out) == info_values(src)
        for name, rows in expected.items():
            assert table_records(out, name) == rows, (fmt, name)
