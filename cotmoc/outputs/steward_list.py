"""The `Loi` sheet: every problem of one file, for a data steward who works in Excel or LibreOffice.

Errors first, then warnings; each row says where (sheet, cell as a link to it, column label), what was
found, what is wrong and how to fix it, in Vietnamese then English. Used both as the first sheet of the
annotated copy (cotmoc.outputs.steward_report) and alone, for a file that could not be opened at all.

Every string written here goes through `set_text`, which makes it a plain string cell: a value copied from
the steward's file such as `=HYPERLINK(...)` must never become a live formula in our report.
"""
from __future__ import annotations

import math
import re

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink

from cotmoc.core.contract import SHEETS, SHEETS_BY_CODE
from cotmoc.core.inert import set_cell_text
from cotmoc.core.problems import Problem
from cotmoc.core.vntext import clean

LOI_SHEET = "Loi"
LOI_TITLE_PREFIX = "Kết quả kiểm tra báo cáo"      # how a Loi sheet of ours is recognised when sent back
LOI_HEADER_ROW = 6
ERROR_FILL = PatternFill("solid", fgColor="FF8A80")
WARNING_FILL = PatternFill("solid", fgColor="FFD966")
MAX_CELL_TEXT = 32767                                # Excel's limit for one cell
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_LINK_FONT = Font(color="0563C1", underline="single")
_TOP_WRAP = Alignment(wrap_text=True, vertical="top")
#: (header, width in characters) of the problem table, Vietnamese columns first.
_COLUMNS = (("Mức độ", 10), ("Sheet", 16), ("Ô", 8), ("Cột", 26), ("Giá trị tìm thấy", 22), ("Vấn đề", 55),
            ("Cách sửa", 45), ("Severity", 10), ("Problem", 50), ("How to fix", 45), ("Mã quy tắc / Rule", 24))
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_SUMMARY_LABELS = {"province": "Tỉnh / Province", "period": "Kỳ / Period", "status": "Trạng thái / Status",
                   "teams": "Dòng tổ tự quản / team rows", "segments": "Dòng đoạn biên giới / segment rows",
                   "awards": "Dòng khen thưởng / award rows"}
_STATUS_VI = {"rejected": "bị trả lại (rejected)", "new": "đã nhận (accepted)",
              "superseding": "đã nhận, thay bản trước (accepted, replaces the earlier one)",
              "accepted": "đã nhận (accepted)"}


def safe_str(text: str) -> str:
    """Text Excel can hold: control characters removed, cut at Excel's 32,767-character limit."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_CELL_TEXT]


def set_text(cell, value) -> None:
    """Write a value so that it can never become a formula (cotmoc.core.inert.set_cell_text)."""
    set_cell_text(cell, value)


def parse_cell_ref(ref: str | None) -> tuple[int, int] | None:
    """"D14" → (14, 4); None for anything that is not one cell inside Excel's grid."""
    m = _CELL_REF.match((ref or "").strip())
    if not m:
        return None
    row, col = int(m.group(2)), column_index_from_string(m.group(1).upper())
    return (row, col) if 1 <= row <= 1_048_576 and 1 <= col <= 16_384 else None


def find_sheet(sheetnames: list[str], code: str | None) -> str | None:
    """The workbook's sheet for a contract code: the same name, or one that differs only in case,
    spacing or Unicode form (as the reader finds renamed sheets)."""
    if not code:
        return None
    if code in sheetnames:
        return code
    for name in sheetnames:
        if clean(name).lower().replace(" ", "_") == code:
            return name
    return None


def column_label(p: Problem) -> str:
    """"Số thành viên (members)" for a contract column, else the bare code."""
    sheet = SHEETS_BY_CODE.get(p.sheet or "")
    if sheet and p.column in sheet.codes:
        return f"{sheet.column(p.column).label_vi} ({p.column})"
    return p.column or ""


def ordered(problems: list[Problem]) -> list[Problem]:
    """Errors first, then warnings; within each, by sheet order of the template, row, column."""
    order = {s.code: i for i, s in enumerate(SHEETS)}

    def key(p: Problem):
        where = parse_cell_ref(p.cell)
        return (0 if p.is_error else 1, order.get(p.sheet or "", -1), p.row or (where[0] if where else 0),
                where[1] if where else 0)
    return sorted(problems, key=key)     # stable: equal keys keep the checks' own order


def _row_height(values: tuple, widths: list[int]) -> float:
    """Excel does not grow a wrapped row by itself: estimate the lines the longest cell needs."""
    lines = 1
    for value, width in zip(values, widths):
        if isinstance(value, str) and value:
            lines = max(lines, sum(math.ceil(max(len(part), 1) / max(width - 1, 1)) for part in value.split("\n")))
    return min(15.0 * lines + 3, 400.0)


def _instruction(errors: int, warnings: int, rebuilt_from: str | None) -> str:
    if errors:
        text = ("File bị trả lại. Sửa các ô tô đỏ trong file gốc của đơn vị (không sửa trên bản này), xem lại các ô "
                "tô vàng, rồi gửi lại cả file vào hộp thư báo cáo. Bấm vào ô ở cột 'Ô' để đến chỗ cần sửa; rê chuột "
                "lên ô tô màu để đọc ghi chú. — The file was rejected. Fix the red cells in your own original file "
                "(not in this copy), review the amber ones, then send the whole file again to the reports mailbox. "
                "Click a reference in column 'Ô' to jump to the cell; hover over a coloured cell to read its note.")
    elif warnings:
        text = ("File đã được nhận. Các ô tô vàng là cảnh báo: hệ thống đã tự đọc lại giá trị, xin kiểm tra lại và "
                "lần sau nhập đúng định dạng. — The file was accepted. Amber cells are warnings: the system "
                "repaired the value; please check it and use the expected format next time.")
    else:
        text = "Không có lỗi nào. — No problems found."
    if rebuilt_from:
        text += (f" Bản này được dựng lại từ file {rebuilt_from}: chỉ có giá trị, không giữ định dạng gốc. — "
                 f"This copy was rebuilt from the {rebuilt_from} file: values only, without the original formatting.")
    return text


def add_loi_sheet(wb: Workbook, problems: list[Problem], file_name: str, *, summary: dict | None = None,
                  link: bool = True, rebuilt_from: str | None = None) -> None:
    """Insert the `Loi` sheet first in `wb` and make it the sheet the file opens on. With `link`, each
    cell reference links to that cell when the workbook has the problem's sheet."""
    ws = wb.create_sheet(LOI_SHEET, 0)
    items = ordered(problems)
    errors = sum(p.is_error for p in items)
    warnings = len(items) - errors
    ncols = len(_COLUMNS)
    last = get_column_letter(ncols)
    set_text(ws["A1"], f"{LOI_TITLE_PREFIX} — Check results: {file_name}")
    ws["A1"].font = Font(bold=True, size=14)
    set_text(ws["A2"], f"{errors} lỗi (errors), {warnings} cảnh báo (warnings)")
    ws["A2"].font = Font(bold=True, color="C00000" if errors else "7F6000")
    facts = []
    known = list(_SUMMARY_LABELS)
    for key, value in sorted((summary or {}).items(),
                             key=lambda kv: (known.index(kv[0]) if kv[0] in known else len(known), kv[0])):
        if value is not None and value != "":
            shown = _STATUS_VI.get(value, value) if key == "status" else value
            facts.append(f"{_SUMMARY_LABELS.get(key, key)}: {shown}")
    set_text(ws["A3"], " · ".join(facts))
    set_text(ws["A4"], _instruction(errors, warnings, rebuilt_from))
    ws["A4"].alignment = _TOP_WRAP
    ws.merge_cells(f"A4:{last}4")
    ws.row_dimensions[4].height = 62
    widths = [w for _, w in _COLUMNS]
    for j, (head, width) in enumerate(_COLUMNS, start=1):
        c = ws.cell(LOI_HEADER_ROW, j)
        set_text(c, head)
        c.font, c.fill, c.alignment = Font(bold=True, color="FFFFFF"), _HEADER_FILL, _TOP_WRAP
        ws.column_dimensions[get_column_letter(j)].width = width
    for i, p in enumerate(items, start=LOI_HEADER_ROW + 1):
        values = ("Lỗi" if p.is_error else "Cảnh báo", p.sheet or "", p.cell or "", column_label(p),
                  p.value if p.value is not None else "", p.message_vi, p.fix_vi,
                  "Error" if p.is_error else "Warning", p.message_en, p.fix_en, p.rule)
        for j, value in enumerate(values, start=1):
            c = ws.cell(i, j)
            set_text(c, value)
            c.alignment = _TOP_WRAP
        ws.cell(i, 1).fill = ERROR_FILL if p.is_error else WARNING_FILL
        ws.row_dimensions[i].height = _row_height(values, widths)
        target = find_sheet(wb.sheetnames, p.sheet) if link else None
        where = parse_cell_ref(p.cell)
        if target and target != LOI_SHEET and where:
            ref = ws.cell(i, 3)
            ref.hyperlink = Hyperlink(ref=ref.coordinate, location=f"{quote_sheetname(target)}!{p.cell}",
                                      display=p.cell)
            ref.font = _LINK_FONT
    ws.freeze_panes = f"A{LOI_HEADER_ROW + 1}"
    ws.auto_filter.ref = f"A{LOI_HEADER_ROW}:{last}{LOI_HEADER_ROW + max(len(items), 1)}"
    ws.print_title_rows = f"{LOI_HEADER_ROW}:{LOI_HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    for other in wb.worksheets:          # two selected tabs would open as a group in Excel
        other.sheet_view.tabSelected = other is ws
    wb.active = 0
