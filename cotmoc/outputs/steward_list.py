"""The `Loi` sheet: every problem of one file, for a data steward who works in Excel or LibreOffice.

Errors first, then warnings; each row says where (the sheet as the steward named its tab, the cell or the
row as a link to it, the column's label), what was found, what is wrong and how to fix it. The Vietnamese
table comes first, seven columns that print legibly on A4 landscape; the same problems in English follow as a
second table, from a new page. Used both as the first sheet of the annotated copy
(cotmoc.outputs.steward_report) and alone, for a file that could not be opened.

Every string written here goes through `set_text`, which makes it a plain string cell: a value copied from
the steward's file such as `=HYPERLINK(...)` must never become a live formula in our report.
"""
from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.pagebreak import Break

from cotmoc.core.contract import SHEETS_BY_CODE
from cotmoc.core.display import en_number, province_name, vi_number
from cotmoc.core.inert import set_cell_text
from cotmoc.core.places import MAX_ROW, find_sheet, parse_cell_ref
from cotmoc.core.problems import Problem, ordered
from cotmoc.outputs.printing import FONT, fit_to_width
from cotmoc.outputs.steward_marks import ERROR_FILL, LOI_SHEET, WARNING_FILL

LOI_TITLE_PREFIX = "Kết quả kiểm tra báo cáo"      # how a Loi sheet of ours is recognised when sent back
LOI_HEADER_ROW = 6
LOI_TITLE_ROWS = f"{LOI_HEADER_ROW}:{LOI_HEADER_ROW}"   # printed on every page
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_FONT = Font(name=FONT, bold=True, color="FFFFFF")
_LINK_FONT = Font(name=FONT, color="0563C1", underline="single")
_TITLE_FONT, _EN_TITLE_FONT = Font(name=FONT, bold=True, size=14), Font(name=FONT, bold=True, size=12)
_COUNT_FONT = {True: Font(name=FONT, bold=True, color="C00000"), False: Font(name=FONT, bold=True, color="7F6000")}
LOI_ALIGNMENT = Alignment(wrap_text=True, vertical="top")      # every cell of the sheet
#: Width in characters of the problem tables' columns, and their headers: Vietnamese, the English below in
#: the same cell, as the header row repeats on every printed page, the English table's pages too.
LOI_WIDTHS = (10, 15, 7, 24, 18, 50, 44)
_HEADERS = (("Mức độ", "Severity"), ("Sheet", "Sheet"), ("Ô", "Cell"), ("Cột", "Column · rule"),
            ("Giá trị tìm thấy", "Value found"), ("Vấn đề", "Problem"), ("Cách sửa", "How to fix"))
_EN_TITLE = "Bản tiếng Anh — The same problems in English"
_NOTE_FONT = Font(name=FONT, italic=True, color="404040")
_SUMMARY_LABELS = {"province": "Tỉnh / Province", "period": "Kỳ / Period", "status": "Trạng thái / Status",
                   "teams": "Dòng tổ tự quản / team rows", "segments": "Dòng đoạn biên giới / segment rows",
                   "awards": "Dòng khen thưởng / award rows"}
_STATUS_VI = {"rejected": "bị trả lại (rejected)", "new": "đã nhận (accepted)",
              "superseding": "đã nhận, thay bản trước (accepted, replaces the earlier one)",
              "accepted": "đã nhận (accepted)",
              "held": "đạt nhưng được giữ lại: kỳ đã duyệt và khóa, chờ văn phòng mở khóa (held: the period is "
                      "approved and locked, waiting for the office to unlock it)"}


def set_text(cell, value) -> None:
    """Write a value so that it can never become a formula (cotmoc.core.inert.set_cell_text)."""
    set_cell_text(cell, value)


def hidden_sheets(wb: Workbook) -> set[str]:
    """The workbook's hidden sheets: a sheet claiming a code is found as the reader finds it (visible first)."""
    return {ws.title for ws in wb.worksheets if ws.sheet_state != "visible"}


def column_label(p: Problem, english: bool = False) -> str:
    """"Số thành viên (members)" ("Members (members)" in English) for a contract column, else the bare code."""
    sheet = SHEETS_BY_CODE.get(p.sheet or "")
    if sheet and p.column in sheet.codes:
        col = sheet.column(p.column)
        return f"{col.label_en if english else col.label_vi} ({p.column})"
    return p.column or ""


def _row_height(values: tuple, widths: list[int]) -> float:
    """Excel does not grow a wrapped row by itself: estimate the lines the longest cell needs."""
    lines = 1
    for value, width in zip(values, widths):
        if isinstance(value, str) and value:
            lines = max(lines, sum(math.ceil(max(len(part), 1) / max(width - 1, 1)) for part in value.split("\n")))
    return min(15.0 * lines + 3, 400.0)


def _instruction(errors: int, warnings: int, rebuilt_from: str | None) -> tuple[str, str]:
    """What to do next, (Vietnamese, English)."""
    if errors:
        vi = ("File bị trả lại. Sửa các ô tô đỏ trong file gốc của đơn vị (không sửa trên bản này), xem lại các ô "
              "tô vàng, rồi gửi lại cả file vào hộp thư báo cáo. Bấm vào ô ở cột 'Ô' để đến chỗ cần sửa; rê chuột "
              "lên ô tô màu để đọc ghi chú.")
        en = ("The file was rejected. Fix the red cells in your own original file (not in this copy), review the "
              "amber ones, then send the whole file again to the reports mailbox. Click a reference in column 'Ô' "
              "to jump to the cell; hover over a coloured cell to read its note.")
    elif warnings:
        vi = ("File đã được nhận. Các ô tô vàng là cảnh báo: hệ thống đã tự đọc lại giá trị, xin kiểm tra lại và "
              "lần sau nhập đúng định dạng.")
        en = ("The file was accepted. Amber cells are warnings: the system repaired the value; please check it "
              "and use the expected format next time.")
    else:
        vi, en = "Không có lỗi nào.", "No problems found."
    if rebuilt_from:
        vi += f" Bản này được dựng lại từ file {rebuilt_from}: chỉ có giá trị, không giữ định dạng gốc."
        en += f" This copy was rebuilt from the {rebuilt_from} file: values only, without the original formatting."
    return vi, en


def _facts(summary: dict | None) -> str:
    """"Tỉnh / Province: Sơn La · Kỳ / Period: 2020S1 · ...": names, not codes; numbers the Vietnamese way."""
    facts = []
    known = list(_SUMMARY_LABELS)
    for key, value in sorted((summary or {}).items(),
                             key=lambda kv: (known.index(kv[0]) if kv[0] in known else len(known), kv[0])):
        if value is None or value == "":
            continue
        if key == "status":
            value = _STATUS_VI.get(value, value)
        elif key == "province":
            value = province_name(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = vi_number(value)
        facts.append(f"{_SUMMARY_LABELS.get(key, key)}: {value}")
    return " · ".join(facts)


@dataclass(frozen=True)
class LoiCell:
    """One written cell of the `Loi` sheet: its text (a plain string cell, wrapped, at the top), its font and
    fill (None: the workbook's first), and where in the workbook it links to."""
    row: int
    col: int
    text: str
    font: Font | None = None
    fill: PatternFill | None = None
    link: str | None = None


@dataclass
class LoiLayout:
    """The `Loi` sheet as data, for each way of writing it (openpyxl: `fill_loi_sheet`; straight into the XML:
    cotmoc.outputs.steward_direct): its cells, row heights, the rows merged across the table (banners), the
    autofilter's last row and the row the English table starts on a new page after."""
    cells: list[LoiCell] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)
    banners: list[int] = field(default_factory=list)
    filter_last: int = LOI_HEADER_ROW + 1
    page_break: int | None = None

    def banner(self, row: int, text: str, font: Font | None = None, height: float | None = None) -> None:
        """A line of text across the table's width (merged, wrapped, tall enough), so printing never cuts it."""
        self.cells.append(LoiCell(row, 1, text, font))
        self.banners.append(row)
        self.heights[row] = height or _row_height((text,), [sum(LOI_WIDTHS)])

    def header(self, row: int) -> None:
        for j, (vi, en) in enumerate(_HEADERS, start=1):
            self.cells.append(LoiCell(row, j, f"{vi}\n{en}", _HEADER_FONT, _HEADER_FILL))
        self.heights[row] = 33

    def table(self, first: int, rows: list[tuple], items: list[Problem], targets: list) -> int:
        """One row per problem from `first`; returns the last row written. A target is (sheet, cell) to link to."""
        for i, (p, values, target) in enumerate(zip(items, rows, targets), start=first):
            for j, value in enumerate(values, start=1):
                linked = j == 3 and target
                self.cells.append(LoiCell(i, j, value, _LINK_FONT if linked else None,
                                          (ERROR_FILL if p.is_error else WARNING_FILL) if j == 1 else None,
                                          f"{quote_sheetname(target[0])}!{target[1]}" if linked else None))
            self.heights[i] = _row_height(values, list(LOI_WIDTHS))
        return first + len(items) - 1


def _where(p: Problem, sheetnames: list[str], hidden: Collection[str]) -> tuple[str, tuple[str, str] | None]:
    """(the sheet as the steward names it, (that sheet, cell) to link to or None). A problem's sheet is a
    contract code; the steward may have renamed the tab (the reader finds it by its code row), and the table
    names the tab they will look for. A problem with a row but no cell links to the row's first cell, where its
    note is (`placements`)."""
    name = find_sheet(sheetnames, p.sheet, hidden)
    if name is None or name == LOI_SHEET:
        return p.sheet or "", None
    if parse_cell_ref(p.cell):
        return name, (name, p.cell)
    if p.row and 1 <= p.row <= MAX_ROW:
        return name, (name, f"A{p.row}")
    return name, None


def add_loi_sheet(wb: Workbook, problems: list[Problem], file_name: str, *, summary: dict | None = None,
                  link: bool = True, rebuilt_from: str | None = None) -> None:
    """Insert the `Loi` sheet first in `wb` and make it the sheet the file opens on. With `link`, each
    cell reference links to that cell when the workbook has the problem's sheet."""
    ws = wb.create_sheet(LOI_SHEET, 0)
    fill_loi_sheet(ws, loi_layout(problems, file_name, wb.sheetnames, hidden_sheets(wb), summary=summary, link=link,
                                  rebuilt_from=rebuilt_from))
    for other in wb.worksheets:          # two selected tabs would open as a group in Excel
        other.sheet_view.tabSelected = other is ws
    wb.active = 0


def loi_layout(problems: list[Problem], file_name: str, sheetnames: list[str], hidden: Collection[str], *,
               summary: dict | None = None, link: bool = True, rebuilt_from: str | None = None) -> LoiLayout:
    """The `Loi` sheet of a workbook whose sheets are `sheetnames` (`Loi` first) and `hidden`."""
    layout = LoiLayout()
    items = ordered(problems)
    errors = sum(p.is_error for p in items)
    warnings = len(items) - errors
    layout.banner(1, f"{LOI_TITLE_PREFIX} — Check results: {file_name}", _TITLE_FONT, height=22)
    layout.banner(2, f"{vi_number(errors)} lỗi, {vi_number(warnings)} cảnh báo — {en_number(errors)} errors, "
                     f"{en_number(warnings)} warnings", _COUNT_FONT[bool(errors)])
    layout.banner(3, _facts(summary))
    vi, en = _instruction(errors, warnings, rebuilt_from)
    layout.banner(4, vi)
    layout.banner(5, en, _NOTE_FONT)
    wheres = [_where(p, sheetnames, hidden) if link else (p.sheet or "", None) for p in items]
    names = [name for name, _ in wheres]
    targets = [target for _, target in wheres]
    layout.header(LOI_HEADER_ROW)
    rows_vi = [("Lỗi" if p.is_error else "Cảnh báo", name, p.place(), column_label(p),
                p.value if p.value is not None else "", p.message_vi, p.fix_vi) for p, name in zip(items, names)]
    last = layout.table(LOI_HEADER_ROW + 1, rows_vi, items, targets)
    layout.filter_last = max(last, LOI_HEADER_ROW + 1)
    if items:
        english = last + 2
        layout.page_break = english - 1                       # the English table starts on a new page
        layout.banner(english, _EN_TITLE, _EN_TITLE_FONT, height=22)
        rows_en = [("Error" if p.is_error else "Warning", name, p.place(english=True),
                    "\n".join(x for x in (column_label(p, english=True), p.rule) if x),
                    p.value if p.value is not None else "", p.message_en, p.fix_en) for p, name in zip(items, names)]
        layout.table(english + 1, rows_en, items, targets)
    return layout


def fill_loi_sheet(ws, layout: LoiLayout) -> None:
    """The `Loi` sheet written with openpyxl on the empty sheet `ws`: its cells, layout and print settings."""
    for j, width in enumerate(LOI_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    for cell in layout.cells:
        c = ws.cell(cell.row, cell.col)
        set_text(c, cell.text)
        c.alignment = LOI_ALIGNMENT
        if cell.font is not None:
            c.font = cell.font
        if cell.fill is not None:
            c.fill = cell.fill
        if cell.link:
            c.hyperlink = Hyperlink(ref=c.coordinate, location=cell.link, display=cell.text)
    for row in layout.banners:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(LOI_WIDTHS))
    for row, height in layout.heights.items():
        ws.row_dimensions[row].height = height
    ws.freeze_panes = f"A{LOI_HEADER_ROW + 1}"
    ws.auto_filter.ref = f"A{LOI_HEADER_ROW}:{get_column_letter(len(LOI_WIDTHS))}{layout.filter_last}"
    if layout.page_break is not None:
        ws.row_breaks.append(Break(id=layout.page_break))
    fit_to_width(ws, LOI_TITLE_ROWS)
    ws.sheet_view.tabSelected = True
