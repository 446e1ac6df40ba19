"""The report template (version 1): every contract code in place, dropdowns that resolve to exactly
the enumerations, protection, formats, and filled reports that read back unchanged (openpyxl for the
workbook's structure, python-calamine for what a reader sees)."""
from __future__ import annotations

from datetime import date

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from cotmoc.core import contract, reference
from cotmoc.outputs.template import BLANK_ROWS, LISTS_SHEET, SPARE_ROWS, VERSION_PROPERTY, build_template, write_report


def list_values(wb, formula: str) -> list[str]:
    """Resolve a dropdown's defined name to the values in its range on the hidden sheet."""
    ref = wb.defined_names[formula].attr_text
    sheet, cells = ref.split("!")
    ws = wb[sheet.strip("'")]
    return [c[0].value for c in ws[cells.replace("$", "")]]


def validations(ws) -> dict[str, object]:
    """First cell of each validation's range (e.g. "A4", "C3") → the validation."""
    return {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}


def labels(enum: str, codes=None) -> list[str]:
    return [v.label_vi for v in reference.enumeration(enum) if codes is None or v.code in codes]


def calamine_rows(path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def table_records(path, sheet: str) -> list[dict]:
    """A table sheet as a reader sees it: rows keyed by the codes in row 3, blank rows dropped."""
    rows = calamine_rows(path, sheet)
    header = rows[contract.CODE_ROW - 1]
    return [dict(zip(header, r)) for r in rows[contract.FIRST_DATA_ROW - 1:] if any(v != "" for v in r)]


def info_values(path) -> dict:
    rows = calamine_rows(path, "thong_tin")[contract.INFO_FIRST_ROW - 1:]
    return {r[contract.INFO_CODE_COL - 1]: r[contract.INFO_VALUE_COL - 1] for r in rows}


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    return build_template(tmp_path_factory.mktemp("t") / "mau.xlsx")


def test_contract_sheets_and_codes_are_in_place(blank):
    wb = openpyxl.load_workbook(blank)
    assert wb.sheetnames == [contract.INSTRUCTIONS_SHEET, *(s.code for s in contract.SHEETS), LISTS_SHEET]
    assert wb.active.title == "thong_tin"
    for sheet in contract.TABLE_SHEETS:
        assert tuple(c.value for c in wb[sheet.code][contract.CODE_ROW]) == sheet.codes
        assert calamine_rows(blank, sheet.code)[contract.CODE_ROW - 1] == list(sheet.codes)
    info = calamine_rows(blank, "thong_tin")[contract.INFO_FIRST_ROW - 1:]
    assert tuple(r[contract.INFO_CODE_COL - 1] for r in info) == contract.THONG_TIN.codes
    assert info_values(blank) == {**{c: "" for c in contract.THONG_TIN.codes}, "template_version": "1"}
    assert {p.name: p.value for p in wb.custom_doc_props.props}[VERSION_PROPERTY] == contract.TEMPLATE_VERSION == "1"
    visibility = {m.name: str(m.visible) for m in CalamineWorkbook.from_path(str(blank)).sheets_metadata}
    assert visibility[LISTS_SHEET].endswith("Hidden") and visibility["thong_tin"].endswith("Visible")


def test_instructions_say_what_a_clerk_needs(tmp_path, blank):
    text = " ".join(r[0] for r in calamine_rows(blank, contract.INSTRUCTIONS_SHEET))
    for needed in ("phiên bản 1", "dấu chấm là phân cách hàng nghìn", "dấu phẩy là dấu thập phân", "dòng 3",
                   "không đặt mật khẩu", "Gửi báo cáo", *(s.code for s in contract.SHEETS)):
        assert needed in text
    dated = build_template(tmp_path / "2024.xlsx", period="2024")
    due = reference.deadline("2024")
    assert f"{due:%d/%m/%Y}" in " ".join(r[0] for r in calamine_rows(dated, contract.INSTRUCTIONS_SHEET))


def test_dropdowns_hold_exactly_the_enumerations(blank):
    wb = openpyxl.load_workbook(blank)
    last = contract.FIRST_DATA_ROW + BLANK_ROWS - 1
    for sheet in contract.TABLE_SHEETS:
        dvs = validations(wb[sheet.code])
        for i, col in enumerate(sheet.columns, start=1):
            if col.kind != contract.ENUM:
                continue
            dv = dvs[f"{get_column_letter(i)}{contract.FIRST_DATA_ROW}"]
            assert dv.type == "list" and str(dv.sqref).endswith(f"{last}")
            assert list_values(wb, dv.formula1) == labels(col.enum)
    province_dv = validations(wb["thong_tin"])[f"C{contract.INFO_FIRST_ROW}"]
    # no period: every border province before and after the July 2025 merger, each once
    names = list_values(wb, province_dv.formula1)
    before, after = reference.provinces_on(date(2025, 6, 30)), reference.provinces_on(date(2025, 7, 1))
    assert len(names) == len(set(names)) and set(names) == {p.name_vi for p in before + after}
    assert {"Kon Tum", "Quảng Ngãi", "Hà Giang", "Điện Biên"} <= set(names)


def test_a_province_template_is_prefilled_and_offers_only_its_borders(tmp_path):
    path = build_template(tmp_path / "kon_tum.xlsx", province="Kon Tum", period="2023")
    wb = openpyxl.load_workbook(path)
    assert info_values(path) | {"province": "Kon Tum", "period": "2023"} == info_values(path)
    border_dv = validations(wb["doan_bien_gioi"])[f"A{contract.FIRST_DATA_ROW}"]
    assert list_values(wb, border_dv.formula1) == labels("border", reference.borders_of("kon_tum", date(2023, 12, 31)))
    assert set(list_values(wb, border_dv.formula1)) == {"Việt Nam – Lào", "Việt Nam – Campuchia"}
    province_dv = validations(wb["thong_tin"])[f"C{contract.INFO_FIRST_ROW}"]
    assert list_values(wb, province_dv.formula1) == [p.name_vi for p in reference.provinces_on(date(2023, 12, 31))]
    # a code works as well as a name; a merged province offers its constituents' borders
    merged = build_template(tmp_path / "lao_cai.xlsx", province="lao_cai", period="2025S2")
    wb = openpyxl.load_workbook(merged)
    border_dv = validations(wb["doan_bien_gioi"])[f"A{contract.FIRST_DATA_ROW}"]
    assert list_values(wb, border_dv.formula1) == labels("border", reference.borders_of("lao_cai", date(2025, 12, 31)))
    assert info_values(merged)["province"] == "Lào Cai" and info_values(merged)["period"] == "2025S2"


@pytest.mark.parametrize("province, period, message", [
    ("Dien Bein", None, r"Không rõ tỉnh 'Dien Bein' \(gần giống: Điện Biên.*\) — unknown province 'Dien Bein'"),
    ("Yên Bái", "2024", "không có đường biên giới đất liền.*has no land border"),
    ("Kon Tum", "2025", "không còn tồn tại vào cuối kỳ 2025 \\(nay thuộc Quảng Ngãi\\).*no longer exists"),
    ("Kon Tum", None, "không còn tồn tại vào hôm nay.*--period"),
    ("Quảng Ngãi", "2024", "không có đường biên giới đất liền vào 31/12/2024"),
    ("Điện Biên", "2024S3", "not a period code"),
])
def test_a_template_no_report_could_use_is_refused(tmp_path, province, period, message):
    with pytest.raises(ValueError, match=message):
        build_template(tmp_path / "x.xlsx", province=province, period=period)
    assert not (tmp_path / "x.xlsx").exists()


def test_header_locked_data_open_formats_widths_and_frozen_panes(blank):
    wb = openpyxl.load_workbook(blank)
    last = contract.FIRST_DATA_ROW + BLANK_ROWS - 1
    kind_formats = {**contract.NUMBER_FORMATS, contract.ENUM: "@"}
    for sheet in contract.TABLE_SHEETS:
        ws = wb[sheet.code]
        p = ws.protection
        assert p.sheet and not p.password
        assert not (p.insertRows or p.deleteRows or p.sort or p.autoFilter or p.formatCells)   # False = allowed
        assert ws.freeze_panes == f"A{contract.FIRST_DATA_ROW}"
        for i, col in enumerate(sheet.columns, start=1):
            assert all(ws.cell(r, i).protection.locked for r in (contract.TITLE_ROW, contract.LABEL_ROW,
                                                                 contract.CODE_ROW))
            for r in (contract.FIRST_DATA_ROW, last):
                assert not ws.cell(r, i).protection.locked
                assert ws.cell(r, i).number_format == kind_formats[col.kind]
            assert ws.column_dimensions[get_column_letter(i)].width == col.width
        assert ws.cell(contract.LABEL_ROW, 1).font.b and ws.cell(contract.LABEL_ROW, 1).alignment.wrap_text
    assert wb["doan_bien_gioi"].cell(contract.FIRST_DATA_ROW, 7).number_format == "#,##0.000"   # length_km
    info = wb["thong_tin"]
    assert info.protection.sheet and info.freeze_panes == f"A{contract.INFO_FIRST_ROW}"
    for r, col in enumerate(contract.THONG_TIN.columns, start=contract.INFO_FIRST_ROW):
        assert info.cell(r, contract.INFO_CODE_COL).protection.locked
        assert info.cell(r, contract.INFO_VALUE_COL).protection.locked == (col.code == "template_version")


def test_number_and_date_columns_are_validated_with_vietnamese_messages(blank):
    wb = openpyxl.load_workbook(blank)
    ws = wb["doan_bien_gioi"]
    dvs = validations(ws)
    by_code = {code: dvs.get(f"{get_column_letter(i)}{contract.FIRST_DATA_ROW}")
               for i, code in enumerate(contract.DOAN_BIEN_GIOI.codes, start=1)}
    for code in ("markers", "border_works", "households", "persons"):
        dv = by_code[code]
        assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
        assert "số nguyên không âm" in by_code[code].error
    assert (by_code["length_km"].type, by_code["length_km"].formula1) == ("decimal", "0")
    assert by_code["registered_on"].type == "date" and "ngày/tháng/năm" in by_code["registered_on"].error
    assert by_code["persons"].prompt == "Không nhỏ hơn số hộ" and by_code["persons"].showInputMessage
    assert by_code["commune"] is None                       # free text, no help: no validation at all


def test_filled_report_reads_back_unchanged(tmp_path):
    segments = [{"border": "VN-LA", "commune": "Mường Nhà", "collective": "Bản Na Ư", "length_km": 3.125,
                 "markers": 2, "border_works": 0, "households": 21, "persons": 30,
                 "registered_on": date(2016, 5, 2), "marker_from": "120", "marker_to": "120/1"},
                {"border": "VN-CN", "commune": "Sín Thầu", "collective": "Bản A Pa Chải", "length_km": "2,5 km",
                 "markers": 1, "border_works": 1, "households": "2.789 hộ", "persons": 12}]
    teams = pd.DataFrame([{"district": "Mường Chà", "commune": "Mường Nhà", "team_type": "antt_thon_ban",
                           "teams": 12, "members": 80, "households": float("nan")}])
    awards = [{"decision_no": "123/QĐ-UBND", "decision_date": pd.Timestamp("2016-12-01"), "issuer": "ubnd_huyen",
               "award_form": "giay_khen", "collectives": 32, "individuals": 52, "note": "Tổng kết 1 năm"}]
    path = write_report(tmp_path / "r.xlsx", {"province": "dien_bien", "period": "2016", "reporting_unit": "BĐBP",
                                               "prepared_by": "Nguyễn Văn A", "report_date": date(2017, 4, 25)},
                        teams=teams, segments=segments, awards=awards)
    rows = table_records(path, "doan_bien_gioi")
    assert len(rows) == 2
    assert rows[0] == {"border": "Việt Nam – Lào", "district": "", "commune": "Mường Nhà", "collective": "Bản Na Ư",
                       "marker_from": "120", "marker_to": "120/1", "length_km": 3.125, "markers": 2, "border_works": 0,
                       "households": 21, "persons": 30, "registered_on": date(2016, 5, 2)}
    assert (rows[1]["length_km"], rows[1]["households"]) == ("2,5 km", "2.789 hộ")   # raw text stays raw
    assert table_records(path, "to_tu_quan") == [{"district": "Mường Chà", "commune": "Mường Nhà",
                                                  "team_type": "Tổ tự quản an ninh trật tự thôn, bản", "teams": 12,
                                                  "members": 80, "households": "", "note": ""}]
    award = table_records(path, "khen_thuong")[0]
    # a midnight timestamp in a dd/mm/yyyy cell reads back as the date it shows
    assert (award["decision_date"], award["issuer"], award["award_form"]) == (date(2016, 12, 1), "UBND huyện",
                                                                              "Giấy khen")
    assert info_values(path) == {"province": "Điện Biên", "period": "2016", "reporting_unit": "BĐBP",
                                 "prepared_by": "Nguyễn Văn A", "phone": "", "report_date": date(2017, 4, 25),
                                 "template_version": "1"}
    wb = openpyxl.load_workbook(path)
    border_dv = validations(wb["doan_bien_gioi"])[f"A{contract.FIRST_DATA_ROW}"]
    assert list_values(wb, border_dv.formula1) == ["Việt Nam – Trung Quốc", "Việt Nam – Lào"]
    assert not wb["doan_bien_gioi"].cell(contract.FIRST_DATA_ROW + 1, 7).protection.locked


def test_codes_and_faulty_info_are_written_as_given(tmp_path):
    path = write_report(tmp_path / "codes.xlsx", {"province": "Dien Bein", "period": "2016 năm",
                                                   "template_version": "0"},
                        teams=[{"commune": "Xã A", "team_type": "antt_thon_ban", "teams": 1, "members": 2},
                               {"commune": "Xã B", "team_type": "to_la", "teams": 1, "members": 2}],
                        enum_labels=False)
    assert [r["team_type"] for r in table_records(path, "to_tu_quan")] == ["antt_thon_ban", "to_la"]
    info = info_values(path)
    assert (info["province"], info["period"], info["template_version"]) == ("Dien Bein", "2016 năm", "0")


def test_a_large_report_is_streamed_with_its_validations(tmp_path):
    n = 10_000
    segments = pd.DataFrame({"border": ["VN-LA"] * n, "commune": [f"Xã {i % 40}" for i in range(n)],
                             "collective": [f"Bản {i}" for i in range(n)], "length_km": [1.234] * n,
                             "markers": [1] * n, "border_works": [0] * n, "households": [20] * n,
                             "persons": [40] * n})
    path = write_report(tmp_path / "big.xlsx", {"province": "Nghệ An", "period": "2024"}, segments=segments)
    rows = table_records(path, "doan_bien_gioi")
    assert len(rows) == n and rows[-1]["collective"] == f"Bản {n - 1}" and rows[-1]["length_km"] == 1.234
    ws = openpyxl.load_workbook(path)["doan_bien_gioi"]
    last = contract.FIRST_DATA_ROW + n + SPARE_ROWS - 1
    assert str(validations(ws)[f"G{contract.FIRST_DATA_ROW}"].sqref) == f"G{contract.FIRST_DATA_ROW}:G{last}"
    assert not ws.cell(last, 7).protection.locked and ws.cell(last, 7).number_format == "#,##0.000"
