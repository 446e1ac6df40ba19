"""The report workbook (template version 2; version 1 on request) that provinces fill in, and filled copies.

Built from cotmoc/core/contract.py, so every code, label, number format and dropdown comes from one place.
Made for a clerk in Excel or LibreOffice: Vietnamese instructions and labels, dropdowns showing
Vietnamese labels (lists kept on a hidden sheet, because inline lists stop at 255 characters), number
formats, frozen headers, and header rows protected without a password.

Written in openpyxl's streaming (write-only) mode: rows go to disk as they are made, so a filled report
of 100,000 segment rows takes seconds and little memory, and validations, protection, frozen panes,
widths and styles are all still written (they are set before the first row or kept for the sheet's tail).
"""
from __future__ import annotations

import os

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from cotmoc.core.atomic import part_path
from cotmoc.core.errors import UsageError
from cotmoc.core import contract, reference
from cotmoc.core.contract import Column, Sheet
from cotmoc.core.periods import Period
from cotmoc.outputs.printing import FONT, fit_to_width

LISTS_SHEET = "danh_muc"
BLANK_ROWS = 2000            # formatted, validated empty rows in a blank template
SPARE_ROWS = 200             # formatted empty rows kept after the data of a filled report
VERSION_PROPERTY = "cotmoc_template_version"
ENUMERATIONS = ("team_type", "border", "issuer", "award_form", "activity")

_THIN = Side(style="thin", color="9CA3AF")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LABEL_FILL = PatternFill("solid", fgColor="DCE6F1")
_INFO_FILL = PatternFill("solid", fgColor="FFF9DB")
_CODE_FONT = Font(name=FONT, size=8, color="808080", italic=True)


def list_name(enum: str) -> str:
    """The defined name of a dropdown list on the hidden sheet ("province" or an enumeration name)."""
    return f"ds_{enum}"


# --- resolving what the workbook is for ------------------------------------------------------------
def resolve_province(text: str) -> str:
    """A province name or code → its code; ValueError (Vietnamese, then English) when unknown."""
    match = reference.match_province(text)
    if match.code is None:
        names = [reference.province(c).name_vi for c in match.suggestions]
        hint_vi = f" (gần giống: {', '.join(names)})" if names else ""
        hint_en = f" (closest: {', '.join(names)})" if names else ""
        raise UsageError(f"Không rõ tỉnh '{text}'{hint_vi} — unknown province '{text}'{hint_en}")
    return match.code


def _check_province_reports(code: str, p: Period | None) -> None:
    """Refuse a template that no report could be made in. Like the reporting schedule, it goes by the
    period's last day: the province must exist then (Kon Tum reports up to 2025S1; for 2025 and 2025S2
    Quảng Ngãi does) and have a land border then (never Yên Bái; Quảng Ngãi only after the merger)."""
    prov = reference.province(code)
    day = p.end if p else date.today()
    if not prov.exists_on(day):
        when = f"cuối kỳ {p.code}" if p else "hôm nay"
        now = reference.province(prov.current_code).name_vi
        raise UsageError(f"Tỉnh {prov.name_vi} không còn tồn tại vào {when} (nay thuộc {now}): hãy ghi kỳ báo cáo "
                         f"(--period) trước 7/2025 hoặc chọn {now} — {prov.name_vi} no longer exists at the end of "
                         f"{p.code if p else 'today'} (now part of {now}): give an earlier period or choose {now}")
    if not reference.borders_of(code, day):
        raise UsageError(f"Tỉnh {prov.name_vi} không có đường biên giới đất liền vào {day:%d/%m/%Y}, không thuộc "
                         f"diện báo cáo — {prov.name_vi} has no land border on {day}: it does not report")


def _province_choices(p: Period | None) -> list[str]:
    """Provinces in the dropdown: those of the period, or (no period) every border province before and
    after the July 2025 merger, so one blank template serves old and new periods alike."""
    if p is not None:
        return [x.name_vi for x in reference.provinces_on(p.end)]
    days = (reference.MERGER_DAY - timedelta(days=1), max(date.today(), reference.MERGER_DAY))
    wanted = {x.code for d in days for x in reference.provinces_on(d)}
    return [x.name_vi for x in reference.provinces() if x.code in wanted]


def period_choices(p: Period | None, today: date | None = None) -> list[str]:
    """The period codes the dropdown offers, newest first (year, then its second and first half): from the
    first periods owed up to the year after the workbook's period (after today's without one), so a blank
    template made today still serves next year and a filled report's lists depend on its period alone."""
    first = min(reference.first_periods(), key=lambda q: q.start)
    last = (p.year if p else (today or date.today()).year) + 1
    codes = [q.code for y in range(last, first.year - 1, -1) for q in (Period(y), Period(y, 2), Period(y, 1))
             if q.start >= first.start]
    return codes if p is None or p.code in codes else [p.code, *codes]


# --- styles and cells --------------------------------------------------------------------------------
def _register_styles(wb: Workbook) -> None:
    """Named styles for data cells (unlocked, boxed, formatted per kind): cheap to apply to many cells."""
    formats = {**contract.NUMBER_FORMATS, contract.ENUM: "@", contract.PROVINCE: "@", contract.PERIOD: "@"}
    for kind, fmt in formats.items():
        wb.add_named_style(NamedStyle(name=f"cotmoc_{kind}", number_format=fmt, border=_BOX, font=Font(name=FONT),
                                      protection=Protection(locked=False)))


def _cell(ws, value=None, *, style: str | None = None, font: Font | None = None, fill=None, border=None,
          alignment=None, locked: bool | None = None) -> WriteOnlyCell:
    """A streamed cell. The style goes on before the value, so a date keeps the column's date format."""
    c = WriteOnlyCell(ws)
    if style:
        c.style = style
    for attr, v in (("font", font), ("fill", fill), ("border", border), ("alignment", alignment)):
        if v is not None:
            setattr(c, attr, v)
    if locked is not None:
        c.protection = Protection(locked=locked)
    c.value = value
    return c


def _styled(ws, style: StyleArray, value) -> WriteOnlyCell:
    """A streamed cell with a copy of a prototype cell's style (the fast path for data rows)."""
    c = WriteOnlyCell(ws)
    c._style = StyleArray(style)
    c.value = value
    return c


def _cell_value(col: Column, value, labels: dict[str, dict[str, str]], enum_labels: bool):
    """What goes into a cell: missing → empty, an enumeration code → its label (as the dropdown writes)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if col.kind == contract.ENUM and enum_labels and isinstance(value, str):
        return labels[col.enum].get(value, value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _validation(col: Column) -> DataValidation | None:
    """The cell check for one column, with Vietnamese messages; warning style, so the clerk may keep an
    unusual value (cotmoc explains every problem in detail when the file arrives)."""
    if col.kind in (contract.ENUM, contract.PROVINCE, contract.PERIOD):
        dv = DataValidation(type="list", formula1=list_name(col.enum or col.kind), allow_blank=True)
        dv.error = "Chọn một giá trị trong danh sách thả xuống. — Pick a value from the list."
    elif col.kind == contract.INT:
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error = "Nhập số nguyên không âm, vd 1250 hoặc 1.250. — A whole number ≥ 0."
    elif col.kind == contract.YEAR:
        first, last = contract.YEAR_RANGE
        dv = DataValidation(type="whole", operator="between", formula1=str(first), formula2=str(last), allow_blank=True)
        dv.error = "Nhập năm bằng 4 chữ số, vd 2013. — A year, e.g. 2013."
    elif col.kind == contract.KM:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error = "Nhập số km không âm, tối đa 3 chữ số thập phân, vd 12,345. — Kilometres ≥ 0."
    elif col.kind == contract.DATE:
        dv = DataValidation(type="date", operator="between", formula1="36526", formula2="73050", allow_blank=True)
        dv.error = "Nhập ngày dạng ngày/tháng/năm, vd 15/03/2024. — A date (dd/mm/yyyy)."
    elif col.help_vi:
        dv = DataValidation(allow_blank=True)       # any value: only the help text shows
    else:
        return None
    dv.errorTitle = "Giá trị không hợp lệ"
    dv.showErrorMessage = dv.type is not None
    dv.errorStyle = "warning"
    if col.help_vi:
        dv.promptTitle, dv.prompt, dv.showInputMessage = col.label_vi[:32], col.help_vi, True
    return dv


def _protect(ws) -> None:
    """Locked cells (rows 1–3) protected; unlocked data cells editable. No password, so a steward can
    unprotect; formatting, inserting/deleting rows, sorting and filtering stay allowed."""
    p = ws.protection
    p.sheet = True
    p.formatCells = p.formatColumns = p.formatRows = False
    p.insertRows = p.deleteRows = p.sort = p.autoFilter = False


def instructions(p: Period | None, version: int | None = None) -> list[tuple[str, bool]]:
    """The lines of the huong_dan sheet (text, bold), in Vietnamese, with the English gist at the end."""
    version = version or int(contract.TEMPLATE_VERSION)
    due = (f" Hạn gửi báo cáo {p.label_vi().lower()}: {reference.deadline(p.code):%d/%m/%Y}."
           if p else "")
    return [
        ("HƯỚNG DẪN LẬP BÁO CÁO PHONG TRÀO TOÀN DÂN THAM GIA BẢO VỆ CHỦ QUYỀN LÃNH THỔ, AN NINH BIÊN GIỚI "
         "QUỐC GIA (Chỉ thị 01/CT-TTg)", True),
        (f"Mẫu báo cáo phiên bản {version}. Mỗi tỉnh, mỗi kỳ báo cáo lập một file.{due}", False),
        ("", False),
        ("Các sheet cần điền", True),
        ("1. thong_tin: tỉnh, kỳ báo cáo (năm: 2024; 6 tháng đầu năm: 2024S1; 6 tháng cuối năm: 2024S2), "
         "đơn vị báo cáo, người lập biểu, số điện thoại, ngày ký. Ô phiên bản mẫu đã khóa, không sửa.", False),
        ("2. to_tu_quan: mỗi dòng một xã và một loại tổ tự quản: số tổ, số thành viên (không nhỏ hơn số tổ), "
         "số hộ tham gia.", False),
        ("3. doan_bien_gioi: mỗi dòng một tập thể (thôn, bản) đăng ký tự quản một đoạn biên giới: tuyến biên "
         "giới, xã, từ mốc – đến mốc, chiều dài (km, 3 chữ số thập phân), số cột mốc, số công trình biên giới, "
         "số hộ, số người (không nhỏ hơn số hộ), ngày đăng ký.", False),
        ("4. khen_thuong: mỗi dòng một quyết định khen thưởng: số, ngày quyết định, cấp khen, hình thức khen, "
         "số tập thể, số cá nhân được khen.", False),
        *(_V2_LINES if version >= 2 else []),
        ("Cột có dấu * là bắt buộc. Để trống ô không có số liệu; không gõ dòng 'Tổng cộng': hệ thống tự cộng.",
         False),
        ("", False),
        ("Cách nhập", True),
        ("Số: cứ gõ số bình thường (1250; 12,345). Nếu gõ dạng chữ thì dấu chấm là phân cách hàng nghìn "
         "(1.250), dấu phẩy là dấu thập phân (12,345); không gõ khoảng trắng giữa các chữ số.", False),
        ("Ngày: gõ ngày/tháng/năm, vd 15/03/2024.", False),
        ("Loại tổ, tuyến biên giới, cấp khen, hình thức khen, loại hoạt động, tỉnh: chọn trong danh sách thả xuống của ô "
         "(bấm vào mũi tên bên phải ô).", False),
        ("", False),
        ("Những điều không được làm", True),
        ("Ba dòng đầu của mỗi sheet (dòng 1 tiêu đề, dòng 2 tên cột, dòng 3 mã cột) đã được khóa. Không sửa, "
         "không xóa các mã máy ở dòng 3 (và cột B của sheet thong_tin): hệ thống dùng chúng để nhận ra từng cột.",
         False),
        ("Các sheet được bảo vệ nhưng không đặt mật khẩu: khi thật cần (vd thêm cột ghi chú riêng), chọn "
         "Xem lại (Review) > Bỏ bảo vệ trang tính (Unprotect Sheet). Được chèn, xóa, sắp xếp dòng dưới dòng 3.",
         False),
        ("Không đổi tên, không xóa sheet; không đổi sang mẫu khác.", False),
        ("", False),
        ("Gửi báo cáo", True),
        ("Lưu file dạng .xlsx (Excel hoặc LibreOffice đều được), đặt tên tùy ý, vd dien_bien_2024.xlsx, và gửi "
         "cho cơ quan tổng hợp (văn phòng thường trực Chỉ thị 01) theo địa chỉ thư điện tử đã được thông báo."
         " Nếu file có lỗi, bạn sẽ nhận lại chính file của mình với các ô lỗi được tô màu và ghi chú cách sửa, "
         "cùng sheet 'Loi' liệt kê mọi lỗi. Sửa xong, gửi lại cả file.", False),
        ("", False),
        ("English: one workbook per province and period. Do not change rows 1–3 of any sheet (the machine codes "
         "in row 3 identify the columns). Numbers typed as text use '.' for thousands and ',' for decimals. The "
         "sheets are protected without a password. Send the .xlsx file to the consolidating office.", False),
    ]


#: What version 2 adds, in the list of sheets to fill in.
_V2_LINES = [
    ("5. hoat_dong (không bắt buộc): mỗi dòng một loại hoạt động trong kỳ: tuyên truyền (số buổi, số lượt "
     "người nghe), tập huấn, bồi dưỡng (số lớp, số học viên, số tổ tự quản được tập huấn), mô hình quần chúng "
     "(số mô hình), hoạt động khác. Số liệu cộng dồn nhiều năm (vd mô hình từ 2013 đến nay): ghi năm bắt đầu ở "
     "cột 'Cộng dồn từ năm'. Không có số liệu thì để trống cả sheet (không ghi 0).", False),
    ("Ở sheet thong_tin, các dòng số xã biên giới đã triển khai, tổng số xã biên giới, số huyện biên giới "
     "(trước 7/2025) và số đồn Biên phòng không bắt buộc: có số liệu thì ghi.", False),
]


# --- sheets ------------------------------------------------------------------------------------------
_INSTRUCTIONS_WIDTH = 110                  # characters; the sheet's one column
_CHARS_PER_LINE = {False: 115, True: 80}   # of 11-pt text and 12-pt bold capitals at that width, in Calc


def _instructions_sheet(wb: Workbook, p: Period | None, version: int) -> None:
    """One wide wrapped column; each row is given the height its text needs, because Calc keeps an .xlsx
    row at its stored height and the wrapped lines would otherwise overlap the next row."""
    ws = wb.create_sheet(contract.INSTRUCTIONS_SHEET)
    ws.column_dimensions["A"].width = _INSTRUCTIONS_WIDTH
    fit_to_width(ws)                       # before the first row: a streamed sheet writes its properties then
    lines = instructions(p, version)
    for r, (text, bold) in enumerate(lines, start=1):
        count = max(1, -(-len(text) // _CHARS_PER_LINE[bold]))
        ws.row_dimensions[r].height = count * (17 if bold else 15) + 4 if text else 8
    for text, bold in lines:
        ws.append([_cell(ws, text or None, font=Font(name=FONT, bold=bold, size=12 if bold else 11),
                         alignment=Alignment(wrap_text=True, vertical="top"))])
    ws.protection.sheet = True


def _info_sheet(wb: Workbook, values: dict, version: int) -> None:
    """thong_tin as a form: label | code | value, one field a row (layout from contract.INFO_*)."""
    ws = wb.create_sheet(contract.THONG_TIN.code)
    label_width = max(26, *(len(c.label_vi) + 3 for c in contract.THONG_TIN.columns))    # no label runs into B
    for letter, width in zip("ABC", (label_width, 18, 44)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{contract.INFO_FIRST_ROW}"
    fit_to_width(ws, f"1:{contract.INFO_FIRST_ROW - 1}")
    ws.merged_cells.add(f"A1:{get_column_letter(contract.INFO_VALUE_COL)}1")       # the title is never cut
    ws.row_dimensions[1].height = 22
    ws.append([_cell(ws, f"{contract.THONG_TIN.title_vi} — {contract.THONG_TIN.title_en}",
                     font=Font(name=FONT, bold=True, size=13),
                     alignment=Alignment(wrap_text=True, vertical="top"))])
    ws.append([_cell(ws, head, font=Font(name=FONT, bold=True), fill=_LABEL_FILL, border=_BOX)
               for head in ("Mục", "Mã (không sửa)", "Nội dung")])
    for r, col in enumerate(contract.THONG_TIN.columns_of(version), start=contract.INFO_FIRST_ROW):
        row = [None] * contract.INFO_VALUE_COL
        row[contract.INFO_LABEL_COL - 1] = _cell(ws, col.label_vi + (" *" if col.required else ""), border=_BOX)
        row[contract.INFO_CODE_COL - 1] = _cell(ws, col.code, font=_CODE_FONT, border=_BOX)
        value = _cell_value(col, values.get(col.code), {}, False)
        row[contract.INFO_VALUE_COL - 1] = _cell(ws, value, style=f"cotmoc_{col.kind}",
                                                 fill=_INFO_FILL,
                                                 locked=True if col.code == "template_version" else None)
        ws.append(row)
        dv = _validation(col)
        if dv is not None:
            dv.add(f"{get_column_letter(contract.INFO_VALUE_COL)}{r}")
            ws.data_validations.append(dv)
    _protect(ws)


def _table_sheet(wb: Workbook, sheet: Sheet, rows: list[dict], spare: int, labels, enum_labels: bool,
                 version: int) -> None:
    """Title (row 1), labels (row 2), codes (row 3), then the data rows and a block of empty ones."""
    ws = wb.create_sheet(sheet.code)
    sheet = dataclasses.replace(sheet, columns=sheet.columns_of(version))
    for i, col in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = f"A{contract.FIRST_DATA_ROW}"
    fit_to_width(ws, f"1:{contract.CODE_ROW}")
    ws.merged_cells.add(f"A{contract.TITLE_ROW}:{get_column_letter(len(sheet.columns))}{contract.TITLE_ROW}")
    ws.row_dimensions[contract.TITLE_ROW].height = 22
    ws.row_dimensions[contract.LABEL_ROW].height = 45
    ws.append([_cell(ws, f"{sheet.title_vi} — {sheet.title_en}", font=Font(name=FONT, bold=True, size=13),
                     alignment=Alignment(wrap_text=True, vertical="top"))])
    label_align = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.append([_cell(ws, c.label_vi + (" *" if c.required else ""), font=Font(name=FONT, bold=True),
                     fill=_LABEL_FILL, border=_BOX, alignment=label_align) for c in sheet.columns])
    ws.append([_cell(ws, c.code, font=_CODE_FONT, border=_BOX, alignment=Alignment(horizontal="center"))
               for c in sheet.columns])
    # one styled prototype per column, its style array copied into each cell: setting a named style
    # cell by cell costs more than writing the cell (a 100,000-row report writes 1.2 million cells)
    protos = [_cell(ws, style=f"cotmoc_{c.kind}")._style for c in sheet.columns]
    plan = [(c, c.code, proto) for c, proto in zip(sheet.columns, protos)]
    for row in rows:
        ws.append([_styled(ws, proto, _cell_value(c, row.get(code), labels, enum_labels))
                   for c, code, proto in plan])
    for _ in range(spare):
        ws.append([_styled(ws, proto, None) for proto in protos])
    last_row = contract.FIRST_DATA_ROW + len(rows) + spare - 1
    for i, col in enumerate(sheet.columns, start=1):
        dv = _validation(col)
        if dv is not None:
            letter = get_column_letter(i)
            dv.add(f"{letter}{contract.FIRST_DATA_ROW}:{letter}{last_row}")
            ws.data_validations.append(dv)
    _protect(ws)


def _lists_sheet(wb: Workbook, province: str | None, p: Period | None) -> None:
    """The hidden sheet of dropdown lists, one column and one defined name per list, then a
    code | label table for people who want to see the machine codes behind the labels."""
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    lists = {e: [v.label_vi for v in reference.enumeration(e)] for e in ENUMERATIONS}
    if province:
        own = set(reference.borders_of(province, p.end if p else None))
        lists["border"] = [v.label_vi for v in reference.enumeration("border") if v.code in own] or lists["border"]
    lists["province"] = _province_choices(p)
    lists["period"] = period_choices(p)
    for i, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(i)
        ref = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
        wb.defined_names[list_name(name)] = DefinedName(list_name(name), attr_text=ref)
    codes = [(e, v.code, v.label_vi, v.label_en) for e in ENUMERATIONS for v in reference.enumeration(e)]
    codes += [("province", x.code, x.name_vi, x.name_ascii) for x in reference.provinces()]
    columns = [[name, *values] for name, values in lists.items()]
    table = [("danh_muc", "code", "label_vi", "label_en"), *codes]
    bold = Font(name=FONT, bold=True)
    for r in range(max(len(table), *map(len, columns))):
        row = [c[r] if r < len(c) else None for c in columns] + [None]
        row += list(table[r]) if r < len(table) else []
        ws.append([_cell(ws, v, font=bold) if r == 0 and v else v for v in row])
    ws.protection.sheet = True


# --- the two entry points -----------------------------------------------------------------------------
def _rows(table) -> list[dict]:
    if table is None:
        return []
    if isinstance(table, pd.DataFrame):
        return table.to_dict("records")
    return list(table)


def _save(path: Path | str, info: dict, tables: dict[str, list[dict]], spare: int, province: str | None,
          p: Period | None, enum_labels: bool) -> Path:
    path = Path(path)
    # the layout of the version the file declares (a faulty sample's unknown version: the current layout)
    version = contract.version_number(info.get("template_version")) or int(contract.TEMPLATE_VERSION)
    # where it goes is settled before openpyxl starts writing (a write-only workbook that fails half-way leaves
    # its sheets' writers to complain at exit), and it is written through a part file renamed when whole: never
    # half a template under its name (not flushed to disk: a template is made again in a second, and tests and
    # samples write thousands)
    if path.is_dir():
        raise UsageError(f"'{path}' là một thư mục: hãy ghi tên file, ví dụ {path / 'mau_bao_cao.xlsx'} — "
                         f"'{path}' is a folder: give a file name, e.g. {path / 'mau_bao_cao.xlsx'}")
    path.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(path)
    try:
        part.touch()
        wb = Workbook(write_only=True)
        _register_styles(wb)
        labels = {e: {v.code: v.label_vi for v in reference.enumeration(e)} for e in ENUMERATIONS}
        _instructions_sheet(wb, p, version)
        _info_sheet(wb, info, version)
        for sheet in contract.sheets_of(version):
            if not sheet.is_form:
                _table_sheet(wb, sheet, tables.get(sheet.code, []), spare, labels, enum_labels, version)
        _lists_sheet(wb, province, p)
        wb.custom_doc_props.append(StringProperty(name=VERSION_PROPERTY, value=str(version)))
        wb.active = 1   # open on thong_tin
        wb.save(part)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return path


def build_template(path: Path | str, province: str | None = None, period: str | None = None, *,
                   version: str = contract.TEMPLATE_VERSION) -> Path:
    """Write the blank template to `path`, pre-filled with the province (name or code) and period when
    given; then the border dropdown offers only that province's borders. ValueError (Vietnamese, then
    English) for an unknown province or period, or a province that does not report in that period."""
    p = Period.parse(period) if period else None
    code = resolve_province(province) if province else None
    if code:
        _check_province_reports(code, p)
    if contract.version_number(version) is None:
        raise UsageError(f"Không có mẫu phiên bản '{version}' (có: {', '.join(sorted(contract.KNOWN_TEMPLATE_VERSIONS))})"
                         f" — no template version '{version}'")
    info = {"template_version": str(version),
            "province": reference.province(code).name_vi if code else None,
            "period": p.code if p else None}
    return _save(path, info, {}, BLANK_ROWS, code, p, enum_labels=True)


def write_report(path: Path | str, info: dict, teams=None, segments=None, awards=None, *, activities=None,
                 enum_labels: bool = True) -> Path:
    """A filled report in the official template: what a province sends. `info` maps thong_tin codes to
    values (template_version defaults to the current one, and the layout is that version's: a version 1
    report has no hoat_dong sheet); each table is a list of dicts or a DataFrame
    keyed by column code. Values are written as given (numbers, dates, or raw text such as "2.789 hộ");
    enumeration codes become their Vietnamese labels when `enum_labels` (as the dropdown writes them), a
    province code its Vietnamese name. Nothing is checked: faulty samples must stay faulty."""
    tables = {"to_tu_quan": _rows(teams), "doan_bien_gioi": _rows(segments), "khen_thuong": _rows(awards),
              "hoat_dong": _rows(activities)}
    values = {"template_version": contract.TEMPLATE_VERSION, **info}
    raw_province = values.get("province")
    code = reference.match_province(raw_province).code if isinstance(raw_province, str) else None
    if code and raw_province == code:
        values["province"] = reference.province(code).name_vi
    try:
        p = Period.parse(values.get("period")) if values.get("period") is not None else None
    except ValueError:
        p = None
    if code and p and not reference.province(code).exists_on(p.end):
        p = None    # an impossible pairing (a faulty sample): lists for today, the values still as given
    return _save(path, values, tables, SPARE_ROWS, code, p, enum_labels)
