"""The template and a filled report survive LibreOffice Calc: every sheet, code, dropdown and value."""
from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from cotmoc import contract, reference
from cotmoc.libreoffice import convert, soffice
from cotmoc.template import build_template, write_report
from tests.test_template import list_values, validations

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed: "
                                 "apt-get install libreoffice-calc-nogui to run the round trip")]


def test_template_round_trips_through_libreoffice(tmp_path):
    src = build_template(tmp_path / "mau.xlsx", province="Điện Biên", period="2016")
    out = convert(src, "xlsx", tmp_path / "lo")
    wb = openpyxl.load_workbook(out)
    for sheet in contract.TABLE_SHEETS:
        assert tuple(c.value for c in wb[sheet.code][contract.CODE_ROW])[: len(sheet.columns)] == sheet.codes
        assert wb[sheet.code].protection.sheet
    info_codes = [wb["thong_tin"].cell(r, 2).value for r in range(3, 3 + len(contract.THONG_TIN.columns))]
    assert tuple(info_codes) == contract.THONG_TIN.codes
    dvs = validations(wb["khen_thuong"])
    assert list_values(wb, dvs["C4"].formula1) == [v.label_vi for v in reference.enumeration("issuer")]
    assert list_values(wb, validations(wb["doan_bien_gioi"])["A4"].formula1) == ["Việt Nam – Trung Quốc", "Việt Nam – Lào"]
    assert {p.name: p.value for p in wb.custom_doc_props.props}["cotmoc_template_version"] == "1"


def test_filled_report_round_trips_through_libreoffice(tmp_path):
    src = write_report(tmp_path / "r.xlsx", {"province": "kon_tum", "period": "2023", "report_date": date(2024, 1, 10)},
                       awards=[{"issuer": "mttq_tinh", "award_form": "bang_khen", "collectives": 1, "individuals": 2}])
    for fmt in ("xlsx", "ods"):
        out = convert(src, fmt, tmp_path / fmt)
        from python_calamine import CalamineWorkbook
        rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("khen_thuong").to_python()
        assert rows[contract.CODE_ROW - 1][:6] == list(contract.KHEN_THUONG.codes[:6])
        assert rows[contract.FIRST_DATA_ROW - 1][2:6] == ["Ủy ban MTTQ tỉnh", "Bằng khen", 1, 2]
