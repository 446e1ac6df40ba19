"""Where and how a problem is marked on the steward's own sheets: the cell or row it goes on (`placements`), the
fill, the border of an error and the note's text and size. One home for every way the annotated copy is written
(cotmoc.outputs.steward_report with openpyxl, cotmoc.outputs.steward_direct straight into the XML), and for the
`Loi` sheet's colours (cotmoc.outputs.steward_list)."""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Border, PatternFill, Side

from cotmoc.core.inert import MAX_CELL_TEXT
from cotmoc.core.places import MAX_ROW, find_sheet, parse_cell_ref
from cotmoc.core.problems import Problem, ordered

LOI_SHEET = "Loi"
COMMENT_AUTHOR = "cotmoc"
ERROR_FILL = PatternFill("solid", fgColor="FF8A80")
WARNING_FILL = PatternFill("solid", fgColor="FFD966")
ROW_TINT = {True: PatternFill("solid", fgColor="FDE2E1"), False: PatternFill("solid", fgColor="FFF2CC")}
_EDGE = Side(style="medium", color="C00000")
ERROR_BORDER = Border(left=_EDGE, right=_EDGE, top=_EDGE, bottom=_EDGE)
_NOTE_CHARS_PER_LINE = 52          # at the note width below, in a default 9-pt font
_NOTE_WIDTH_PX, _NOTE_LINE_PX, _NOTE_MAX_PX = 380, 15, 640


def safe_str(text: str) -> str:
    """Text Excel can hold: control characters removed, cut at Excel's 32,767-character limit."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_CELL_TEXT]


def placements(problems: list[Problem], sheetnames: list[str], hidden: Collection[str]
               ) -> tuple[dict[tuple[str, int, int], list[Problem]], dict[tuple[str, int], list[Problem]]]:
    """Where each problem goes on the steward's sheets: ({(sheet, row, column): problems} noted on a cell,
    {(sheet, row): problems} tinted across a row). A problem with a cell goes on that cell, one with a row
    only on its row, one with a sheet only on the sheet's A1. A problem of no sheet, of a sheet the workbook
    lacks or of our `Loi` sheet is in `Loi` only. The one rule for every way the copy is written and for the
    rows the streamed copy hands openpyxl (cotmoc.outputs.steward_stream)."""
    by_cell: dict[tuple[str, int, int], list[Problem]] = defaultdict(list)
    by_row: dict[tuple[str, int], list[Problem]] = defaultdict(list)
    for p in ordered(problems):
        name = find_sheet(sheetnames, p.sheet, hidden)
        if name is None or name == LOI_SHEET:
            continue
        where = parse_cell_ref(p.cell)
        if where:
            by_cell[(name, *where)].append(p)
        elif p.row and 1 <= p.row <= MAX_ROW:
            by_row[(name, p.row)].append(p)
        else:
            by_cell[(name, 1, 1)].append(p)
    return by_cell, by_row


def cell_fill(items: list[Problem]) -> PatternFill:
    """A noted cell: red when one of its problems is an error, else amber."""
    return ERROR_FILL if any(p.is_error for p in items) else WARNING_FILL


def row_tint(items: list[Problem]) -> PatternFill:
    """A row with a problem but no cell: tinted across, lighter than a noted cell."""
    return ROW_TINT[any(p.is_error for p in items)]


def note(items: list[Problem], earlier: Comment | None = None) -> Comment:
    """The cell's note: each problem in Vietnamese (what was found, how to fix it), then in English; a note the
    steward had there is kept below. Tall enough for its text, up to a limit."""
    parts = []
    for p in items:
        vi = f"{'LỖI' if p.is_error else 'CẢNH BÁO'}: {p.message_vi}"
        if p.value not in (None, ""):
            vi += f"\nGiá trị tìm thấy: {p.value}"
        if p.fix_vi:
            vi += f"\nCách sửa: {p.fix_vi}"
        en = f"{'ERROR' if p.is_error else 'WARNING'}: {p.message_en}" + (f" Fix: {p.fix_en}" if p.fix_en else "")
        parts.append(f"{vi}\n({en})")
    if earlier is not None and earlier.text:
        parts.append(f"Ghi chú gốc / original note: {earlier.text}")
    text = safe_str("\n\n".join(parts))
    lines = sum(math.ceil(max(len(line), 1) / _NOTE_CHARS_PER_LINE) for line in text.split("\n"))
    return Comment(text, COMMENT_AUTHOR, height=min(_NOTE_LINE_PX * lines + 12, _NOTE_MAX_PX), width=_NOTE_WIDTH_PX)
