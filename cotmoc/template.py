"""The report workbook (template version 1) that provinces fill in, and filled copies of it.

Built from cotmoc/contract.py, so every code, label, number format and dropdown comes from one place.
Made for a clerk in Excel or LibreOffice: Vietnamese instructions and labels, dropdowns showing
Vietnamese labels (lists kept on a hidden sheet, because inline lists stop at 255 characters), number
formats, frozen headers, and header rows protected without a password.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from cotmoc import contract, reference
from cotmoc.contract import Column, Sheet
from cotmoc.periods import Period

LISTS_SHEET = "danh_muc"
BLANK_ROWS = 1000            # formatted, validated empty rows in a blank template
SPARE_ROWS = 100             # formatted empty rows kept after the data of a filled report
VERSION_PROPERTY = "cotmoc_template_version"

_THIN = Side(style="thin", color="9CA3AF")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LABEL_FILL = PatternFill("solid", fgColor="DCE6F1")
_INFO_FILL = PatternFill("solid", fgColor="FFF9DB")


def _list_name(enum: str) -> str:
    return f"ds_{enum}"


def _styles(wb: Workbook) -> None:
    """Named styles, registered once, so that styling thousands of data cells stays cheap."""
    for kind, fmt in contract.NUMBER_FORMATS.items():
        style = NamedStyle(name=f"cotmoc_{kind}", number_format=fmt, border=_BOX,
                           protection=Protection(locked=False))
        wb.add_named_style(style)
    for kind in (contract.ENUM, contract.PROVINCE, contract.PERIOD):
        wb.add_named_style(NamedStyle(name=f"cotmoc_{kind}", number_format="@", border=_BOX,
                                      protection=Protection(locked=False)))


def _style_name(col: Column) -> str:
    return f"cotmoc_{col.kind}"


def _write_lists(wb: Workbook, province: str | None, day: date) -> dict[str, int]:
    """The hidden sheet of dropdown lists; one defined name per list. Returns list lengths."""
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    lists: dict[str, list[str]] = {e: [v.label_vi for v in reference.enumeration(e)]
                                   for e in ("team_type", "border", "issuer", "award_form")}
    if province:
        allowed = set(reference.borders_of(province, day))
        lists["border"] = [v.label_vi for v in reference.enumeration("border") if v.code in allowed]
    lists["province"] = [p.name_vi for p in reference.provinces_on(day)]
    sizes = {}
    for i, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(i)
        ws.cell(1, i, name).font = Font(bold=True)
        for r, value in enumerate(values, start=2):
            ws.cell(r, i, value)
        ref = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
        wb.defined_names[_list_name(name)] = DefinedName(_list_name(name), attr_text=ref)
        sizes[name] = len(values)
    # code ↔ label table for people who want to see the machine codes behind the labels
    start = len(lists) + 2
    for j, head in enumerate(("danh_muc", "code", "label_vi", "label_en")):
        ws.cell(1, start + j, head).font = Font(bold=True)
    r = 2
    for e in ("team_type", "border", "issuer", "award_form"):
        for v in reference.enumeration(e):
            for j, value in enumerate((e, v.code, v.label_vi, v.label_en)):
                ws.cell(r, start + j, value)
            r += 1
    ws.protection.sheet = True
    return sizes


def _validation(col: Column) -> DataValidation | None:
    if col.kind == contract.ENUM:
        dv = DataValidation(type="list", formula1=_list_name(col.enum), allow_blank=True)
        dv.error = "Chọn một giá trị trong danh sách — pick a value from the list"
    elif col.kind == contract.PROVINCE:
        dv = DataValidation(type="list", formula1=_list_name("province"), allow_blank=True)
        dv.error = "Chọn tỉnh trong danh sách — pick a province from the list"
    elif col.kind == contract.INT:
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error = "Nhập số nguyên không âm (vd 2789) — a whole number ≥ 0"
    elif col.kind == contract.KM:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error = "Nhập số km không âm, tối đa 3 chữ số thập phân — km ≥ 0"
    elif col.kind == contract.DATE:
        dv = DataValidation(type="date", operator="between", formula1="36526", formula2="73051", allow_blank=True)
        dv.error = "Nhập ngày dạng ngày/tháng/năm — a date (dd/mm/yyyy)"
    else:
        return None
    dv.errorTitle = "Giá trị không hợp lệ"
    dv.showErrorMessage = True
    dv.errorStyle = "warning"        # warn but let the clerk keep it: cotmoc explains problems in detail
    if col.help_vi:
        dv.promptTitle, dv.prompt, dv.showInputMessage = col.label_vi[:32], col.help_vi, True
    return dv


def _protect(ws) -> None:
    """Header rows locked, data rows editable; no password, so a steward can unprotect when needed."""
    p = ws.protection
    p.sheet = True
    p.formatCells = p.formatColumns = p.formatRows = False
    p.insertRows = p.deleteRows = p.sort = p.autoFilter = False


def _table_sheet(wb: Workbook, sheet: Sheet, rows: int) -> None:
    ws = wb.create_sheet(sheet.code)
    ws.cell(contract.TITLE_ROW, 1, f"{sheet.title_vi} — {sheet.title_en}").font = Font(bold=True, size=13)
    last_row = contract.FIRST_DATA_ROW + rows - 1
    for i, col in enumerate(sheet.columns, start=1):
        letter = get_column_letter(i)
        label = ws.cell(contract.LABEL_ROW, i, col.label_vi + (" *" if col.required else ""))
        label.font, label.fill, label.border = Font(bold=True), _LABEL_FILL, _BOX
        label.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        code = ws.cell(contract.CODE_ROW, i, col.code)
        code.font, code.border = Font(size=8, color="808080", italic=True), _BOX
        code.alignment = Alignment(horizontal="center")
        ws.column_dimensions[letter].width = col.width
        dv = _validation(col)
        if dv is not None:
            dv.add(f"{letter}{contract.FIRST_DATA_ROW}:{letter}{last_row}")
            ws.add_data_validation(dv)
        style = _style_name(col)
        for r in range(contract.FIRST_DATA_ROW, last_row + 1):
            ws.cell(r, i).style = style
    ws.row_dimensions[contract.LABEL_ROW].height = 45
    ws.freeze_panes = f"A{contract.FIRST_DATA_ROW}"
    _protect(ws)


def _info_sheet(wb: Workbook, province: str | None, period: str | None) -> None:
    ws = wb.create_sheet(contract.THONG_TIN.code)
    ws.cell(1, 1, "Thông tin chung về báo cáo — About the report").font = Font(bold=True, size=13)
    for j, head in enumerate(("Mục", "Mã (không sửa)", "Nội dung"), start=1):
        c = ws.cell(2, j, head)
        c.font, c.fill, c.border = Font(bold=True), _LABEL_FILL, _BOX
    prefill = {"template_version": contract.TEMPLATE_VERSION,
               "province": reference.province(province).name_vi if province else None,
               "period": period}
    for r, col in enumerate(contract.THONG_TIN.columns, start=contract.INFO_FIRST_ROW):
        ws.cell(r, contract.INFO_LABEL_COL, col.label_vi + (" *" if col.required else "")).border = _BOX
        code = ws.cell(r, contract.INFO_CODE_COL, col.code)
        code.font, code.border = Font(size=8, color="808080", italic=True), _BOX
        value = ws.cell(r, contract.INFO_VALUE_COL, prefill.get(col.code))
        value.style = _style_name(col)
        value.fill = _INFO_FILL
        if col.code == "template_version":
            value.protection = Protection(locked=True)
        dv = _validation(col)
        if dv is not None:
            dv.add(value.coordinate)
            ws.add_data_validation(dv)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 26, 18
    ws.column_dimensions["C"].width = 40
    ws.freeze_panes = f"A{contract.INFO_FIRST_ROW}"
    _protect(ws)


_INSTRUCTIONS = [
    ("HƯỚNG DẪN LẬP BÁO CÁO PHONG TRÀO TOÀN DÂN BẢO VỆ CHỦ QUYỀN LÃNH THỔ, AN NINH BIÊN GIỚI QUỐC GIA "
     "(Chỉ thị 01/CT-TTg)", True),
    (f"Mẫu báo cáo phiên bản {contract.TEMPLATE_VERSION}. Mỗi tỉnh, mỗi kỳ gửi một file.", False),
    ("", False),
    ("1. Sheet thong_tin: tỉnh, kỳ báo cáo (năm: 2024; 6 tháng đầu năm: 2024S1; 6 tháng cuối năm: 2024S2), "
     "đơn vị báo cáo, người lập biểu, ngày ký.", False),
    ("2. Sheet to_tu_quan: mỗi dòng một xã và một loại tổ tự quản: số tổ, số thành viên, số hộ tham gia.", False),
    ("3. Sheet doan_bien_gioi: mỗi dòng một tập thể (thôn, bản) đăng ký tự quản một đoạn biên giới: tuyến "
     "biên giới, xã, từ mốc – đến mốc, chiều dài (km, 3 chữ số thập phân), số cột mốc, công trình, số hộ, số người.",
     False),
    ("4. Sheet khen_thuong: mỗi dòng một quyết định khen thưởng: cấp khen, hình thức, số tập thể, số cá nhân.",
     False),
    ("", False),
    ("Cách nhập số: gõ số bình thường (2789; 365,861). Nếu gõ dạng chữ, dấu chấm là phân cách hàng nghìn "
     "(2.789), dấu phẩy là dấu thập phân (365,861). Không gõ khoảng trắng giữa các chữ số.", False),
    ("Chọn loại tổ, tuyến biên giới, cấp khen, hình thức khen trong danh sách thả xuống.", False),
    ("Không sửa, không xóa 3 dòng đầu của mỗi sheet (tiêu đề, tên cột, mã cột). Các sheet được khóa phần đầu "
     "nhưng không đặt mật khẩu; nếu cần thêm dòng, chèn dòng bên dưới dòng 3.", False),
    ("Không gõ dòng 'Tổng cộng': hệ thống tự cộng.", False),
    ("", False),
    ("Gửi file về hộp thư của cơ quan tổng hợp. Nếu file có lỗi, bạn sẽ nhận lại chính file của mình với các ô "
     "lỗi tô đỏ, ghi chú cách sửa, và sheet 'Loi' liệt kê mọi lỗi. Sửa xong gửi lại cả file.", False),
    ("", False),
    ("English: one workbook per province and period. Do not change rows 1–3 of any sheet (the machine codes in "
     "row 3 identify the columns). Numbers typed as text use '.' for thousands and ',' for decimals.", False),
]


def _instructions(wb: Workbook) -> None:
    ws = wb.active
    ws.title = contract.INSTRUCTIONS_SHEET
    ws.column_dimensions["A"].width = 120
    for r, (text, bold) in enumerate(_INSTRUCTIONS, start=1):
        c = ws.cell(r, 1, text)
        c.font = Font(bold=bold, size=12 if bold else 11)
        c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.protection.sheet = True


def _new_workbook(province: str | None, period: str | None, table_rows: dict[str, int]) -> Workbook:
    if province is not None:
        match = reference.match_province(province)
        if match.code is None:
            hint = ", ".join(match.suggestions)
            raise ValueError(f"Không rõ tỉnh '{province}' (gần giống: {hint}) — unknown province '{province}'"
                             + (f" (closest: {hint})" if hint else ""))
        province = match.code
    p = Period.parse(period) if period else None
    day = p.end if p else date.today()
    wb = Workbook()
    _styles(wb)
    _instructions(wb)
    _info_sheet(wb, province, p.code if p else None)
    for sheet in contract.TABLE_SHEETS:
        _table_sheet(wb, sheet, table_rows.get(sheet.code, BLANK_ROWS))
    _write_lists(wb, province, day)
    wb.custom_doc_props.append(StringProperty(name=VERSION_PROPERTY, value=contract.TEMPLATE_VERSION))
    wb.active = 1   # open on thong_tin
    return wb


def build_template(path: Path | str, province: str | None = None, period: str | None = None) -> Path:
    """Write the blank template (pre-filled with province and period when given)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _new_workbook(province, period, {}).save(path)
    return path


def _rows(table) -> list[dict]:
    if table is None:
        return []
    if isinstance(table, pd.DataFrame):
        return table.to_dict("records")
    return list(table)


def _cell_value(col: Column, value, labels: dict[str, dict[str, str]], enum_labels: bool):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if col.kind == contract.ENUM and enum_labels and isinstance(value, str):
        return labels[col.enum].get(value, value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def write_report(path: Path | str, info: dict, teams=None, segments=None, awards=None, *,
                 enum_labels: bool = True) -> Path:
    """A filled report in the official template: what a province sends. Values are written as given
    (numbers, dates, or raw text such as "2.789 hộ"); enumeration codes become their Vietnamese labels
    when `enum_labels` (as a clerk picking from the dropdown would write them)."""
    path = Path(path)
    tables = {"to_tu_quan": _rows(teams), "doan_bien_gioi": _rows(segments), "khen_thuong": _rows(awards)}
    province = info.get("province")
    match = reference.match_province(province) if province else None
    wb = _new_workbook(match.code if match and match.code else None,
                       info.get("period") if _is_period(info.get("period")) else None,
                       {k: len(v) + SPARE_ROWS for k, v in tables.items()})
    labels = {e: {v.code: v.label_vi for v in reference.enumeration(e)}
              for e in ("team_type", "border", "issuer", "award_form")}
    ws = wb[contract.THONG_TIN.code]
    for r, col in enumerate(contract.THONG_TIN.columns, start=contract.INFO_FIRST_ROW):
        if col.code in info:
            value = info[col.code]
            if col.code == "province" and match and match.code == value:
                value = reference.province(value).name_vi
            ws.cell(r, contract.INFO_VALUE_COL, _cell_value(col, value, labels, enum_labels))
    for sheet in contract.TABLE_SHEETS:
        ws = wb[sheet.code]
        for r, row in enumerate(tables[sheet.code], start=contract.FIRST_DATA_ROW):
            for i, col in enumerate(sheet.columns, start=1):
                value = _cell_value(col, row.get(col.code), labels, enum_labels)
                if value is not None:
                    ws.cell(r, i).value = value
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _is_period(value) -> bool:
    try:
        Period.parse(value)
        return True
    except (ValueError, TypeError):
        return False
