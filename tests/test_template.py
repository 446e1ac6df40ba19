"""The report template (version 1): every contract code in place, dropdowns that resolve to exactly
the enumerations, protection, formats, and filled reports that read back unchanged."""
from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from cotmoc import contract, reference
from cotmoc.template import LISTS_SHEET, VERSION_PROPERTY, build_template, write_report


def list_values(wb, formula: str) -> list[str]:
    """Resolve a dropdown's defined name to the values in its range on the hidden sheet."""
    ref = wb.defined_names[formula].attr_text
    sheet, cells = ref.split("!")
    ws = wb[sheet.strip("'")]
    return [c[0].value for c in ws[cells.replace("$", "")]]


def validations(ws) -> dict[str, object]:
    """First cell of each validation's range (e.g. "A4", "C3") → the validation."""
    return {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    return build_template(tmp_path_factory.mktemp("t") / "mau.xlsx")


def test_contract_sheets_and_codes_are_in_place(blank):
    wb = openpyxl.load_workbook(blank)
    assert wb.sheetnames[0] == contract.INSTRUCTIONS_SHEET
    for sheet in contract.SHEETS:
        ws = wb[sheet.code]
        if sheet.is_form:
            codes = [ws.cell(r, contract.INFO_CODE_COL).value
                     for r in range(contract.INFO_FIRST_ROW, contract.INFO_FIRST_ROW + len(sheet.columns))]
        else:
            codes = [c.value for c in ws[contract.CODE_ROW]][: len(sheet.columns)]
        assert tuple(codes) == sheet.codes
    info = wb["thong_tin"]
    version_row = contract.INFO_FIRST_ROW + contract.THONG_TIN.codes.index("template_version")
    assert info.cell(version_row, contract.INFO_VALUE_COL).value == contract.TEMPLATE_VERSION
    assert {p.name: p.value for p in wb.custom_doc_props.props}[VERSION_PROPERTY] == contract.TEMPLATE_VERSION
    assert wb[LISTS_SHEET].sheet_state == "hidden"


def test_dropdowns_hold_exactly_the_enumerations(blank):
    wb = openpyxl.load_workbook(blank)
    for sheet in contract.TABLE_SHEETS:
        dvs = validations(wb[sheet.code])
        for i, col in enumerate(sheet.columns, start=1):
            if col.kind != contract.ENUM:
                continue
            letter = openpyxl.utils.get_column_letter(i)
            assert dvs[f"{letter}{contract.FIRST_DATA_ROW}"].type == "list"
            assert list_values(wb, dvs[f"{letter}{contract.FIRST_DATA_ROW}"].formula1) == [v.label_vi for v in reference.enumeration(col.enum)]
    province_dv = validations(wb["thong_tin"])["C3"]
    assert list_values(wb, province_dv.formula1) == [p.name_vi for p in reference.provinces_on(date.today())]


def test_a_province_template_is_prefilled_and_offers_only_its_borders(tmp_path):
    path = build_template(tmp_path / "kon_tum.xlsx", province="Kon Tum", period="2023")
    wb = openpyxl.load_workbook(path)
    info = {wb["thong_tin"].cell(r, 2).value: wb["thong_tin"].cell(r, 3).value for r in range(3, 10)}
    assert info["province"] == "Kon Tum" and info["period"] == "2023"
    border_dv = validations(wb["doan_bien_gioi"])["A4"]
    labels = {v.code: v.label_vi for v in reference.enumeration("border")}
    own = reference.borders_of("kon_tum", date(2023, 12, 31))
    assert list_values(wb, border_dv.formula1) == [v.label_vi for v in reference.enumeration("border") if v.code in own]
    assert set(list_values(wb, border_dv.formula1)) == {labels["VN-LA"], labels["VN-KH"]}


def test_unknown_province_is_refused_with_a_message(tmp_path):
    with pytest.raises(ValueError, match="Không rõ tỉnh.*unknown province"):
        build_template(tmp_path / "x.xlsx", province="Dien Bein")


def test_header_locked_data_open_formats_and_frozen_panes(blank):
    wb = openpyxl.load_workbook(blank)
    ws = wb["doan_bien_gioi"]
    assert ws.protection.sheet and ws.freeze_panes == f"A{contract.FIRST_DATA_ROW}"
    assert ws.cell(contract.CODE_ROW, 1).protection.locked
    assert not ws.cell(contract.FIRST_DATA_ROW, 1).protection.locked
    km = contract.DOAN_BIEN_GIOI.codes.index("length_km") + 1
    assert ws.cell(contract.FIRST_DATA_ROW, km).number_format == "#,##0.000"
    teams = wb["to_tu_quan"]
    assert teams.cell(contract.FIRST_DATA_ROW, 4).number_format == "#,##0"


def test_filled_report_reads_back_unchanged(tmp_path):
    segments = [{"border": "VN-LA", "commune": "Mường Nhà", "collective": "Bản Na Ư", "length_km": 3.125,
                 "markers": 2, "border_works": 0, "households": 21, "persons": 30,
                 "registered_on": date(2016, 5, 2), "marker_from": "120", "marker_to": "120/1"},
                {"border": "VN-CN", "commune": "Sín Thầu", "collective": "Bản A Pa Chải", "length_km": "2,5 km",
                 "markers": 1, "border_works": 1, "households": 10, "persons": 12}]
    path = write_report(tmp_path / "r.xlsx", {"province": "dien_bien", "period": "2016", "reporting_unit": "BĐBP",
                                               "prepared_by": "Nguyễn Văn A", "report_date": date(2017, 4, 25)},
                        teams=[{"commune": "Mường Nhà", "team_type": "antt_thon_ban", "teams": 12, "members": 80}],
                        segments=segments, awards=[])
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("doan_bien_gioi").to_python()
    header = sheet[contract.CODE_ROW - 1]
    rows = [dict(zip(header, r)) for r in sheet[contract.FIRST_DATA_ROW - 1:] if any(v != "" for v in r)]
    assert rows[0]["border"] == "Việt Nam – Lào" and rows[0]["length_km"] == 3.125 and rows[0]["persons"] == 30
    assert rows[0]["marker_to"] == "120/1" and rows[0]["registered_on"] == date(2016, 5, 2)
    assert rows[1]["length_km"] == "2,5 km"          # raw text stays raw: the reader repairs it, with a warning
    info = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("thong_tin").to_python()
    assert {r[1]: r[2] for r in info[2:]}["province"] == "Điện Biên"
