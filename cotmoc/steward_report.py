"""The steward's report: THEIR OWN workbook with every bad cell filled red (warnings amber) and a note
saying, in Vietnamese then English, what is wrong and how to fix it; a first sheet `Loi` listing every
problem with links to the cells; and the same list as JSON for machines.

Safety: values copied from the input are always written as text, never as formulas (a cell holding
`=HYPERLINK(...)` must not become a live link in the report): the user's workbook is opened with cached
values only, and every string we write is forced to the string type. VBA and external links are dropped.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from cotmoc.contract import SHEETS_BY_CODE
from cotmoc.problems import Problem, sort_key

ERROR_FILL = PatternFill("solid", fgColor="FF8A80")
WARNING_FILL = PatternFill("solid", fgColor="FFD966")
ROW_TINT = {"error": PatternFill("solid", fgColor="FDE2E1"), "warning": PatternFill("solid", fgColor="FFF2CC")}
_EDGE = Side(style="medium", color="C00000")
ERROR_BORDER = Border(left=_EDGE, right=_EDGE, top=_EDGE, bottom=_EDGE)
LOI_SHEET = "Loi"
_FORMULA_START = ("=", "+", "-", "@")
_HEADERS = ("Mức độ", "Sheet", "Ô", "Cột", "Giá trị tìm thấy", "Vấn đề", "Cách sửa",
            "Severity", "Problem (English)", "Fix (English)")
_WIDTHS = (10, 16, 8, 26, 22, 60, 50, 10, 60, 50)


def report_paths(original: Path, dest_dir: Path) -> tuple[Path, Path]:
    """`bao_cao.xlsx` → (`bao_cao.loi.xlsx`, `bao_cao.loi.json`) in dest_dir."""
    stem = Path(original).stem
    return dest_dir / f"{stem}.loi.xlsx", dest_dir / f"{stem}.loi.json"


def _text(cell, value) -> None:
    """Write a value so that it can never become a formula."""
    cell.value = value
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"


def _column_label(p: Problem) -> str:
    sheet = SHEETS_BY_CODE.get(p.sheet or "")
    if sheet and p.column in sheet.codes:
        return f"{sheet.column(p.column).label_vi} ({p.column})"
    return p.column or ""


def _sheet_name(wb, code: str | None) -> str | None:
    if not code:
        return None
    if code in wb.sheetnames:
        return code
    for name in wb.sheetnames:
        if name.strip().lower().replace(" ", "_") == code:
            return name
    return None


def _add_loi_sheet(wb: Workbook, problems: list[Problem], file_name: str, link: bool) -> None:
    ws = wb.create_sheet(LOI_SHEET, 0)
    errors = sum(p.is_error for p in problems)
    ws["A1"] = f"Kết quả kiểm tra báo cáo — Check results: {file_name}"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"{errors} lỗi (errors), {len(problems) - errors} cảnh báo (warnings)"
    ws["A3"] = ("Sửa các ô tô đỏ trong file gốc (ô vàng là cảnh báo, nên xem lại) rồi gửi lại cả file vào hộp thư. "
                "Bấm vào ô ở cột 'Ô' để đến chỗ cần sửa. — Fix the red cells in your original file (amber: warnings), "
                "then send the whole file again. Click a cell reference to jump to it.")
    ws["A3"].alignment = Alignment(wrap_text=True)
    ws.merge_cells("A3:J3")
    ws.row_dimensions[3].height = 45
    header_row = 5
    for j, (head, width) in enumerate(zip(_HEADERS, _WIDTHS), start=1):
        c = ws.cell(header_row, j, head)
        c.font, c.fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E78")
        ws.column_dimensions[get_column_letter(j)].width = width
    for i, p in enumerate(sorted(problems, key=sort_key), start=header_row + 1):
        values = ("Lỗi" if p.is_error else "Cảnh báo", p.sheet or "", p.cell or "", _column_label(p), p.value or "",
                  p.message_vi, p.fix_vi, p.severity, p.message_en, p.fix_en)
        for j, value in enumerate(values, start=1):
            c = ws.cell(i, j)
            _text(c, value)
            c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(i, 1).fill = ERROR_FILL if p.is_error else WARNING_FILL
        target = _sheet_name(wb, p.sheet)
        if link and target and p.cell:
            ref = ws.cell(i, 3)
            ref.hyperlink = Hyperlink(ref=ref.coordinate, location=f"'{target}'!{p.cell}", display=p.cell)
            ref.font = Font(color="0563C1", underline="single")
    ws.freeze_panes = f"A{header_row + 1}"
    ws.auto_filter.ref = f"A{header_row}:J{header_row + max(len(problems), 1)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.active = 0


def _annotate(wb: Workbook, problems: list[Problem]) -> None:
    by_cell: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    by_row: dict[tuple[str, int], list[Problem]] = defaultdict(list)
    by_sheet: dict[str, list[Problem]] = defaultdict(list)
    for p in problems:
        name = _sheet_name(wb, p.sheet)
        if name is None:
            continue
        if p.cell:
            by_cell[(name, p.cell)].append(p)
        elif p.row:
            by_row[(name, p.row)].append(p)
        else:
            by_sheet[name].append(p)
    for (name, row), items in by_row.items():
        ws = wb[name]
        tint = ROW_TINT["error" if any(p.is_error for p in items) else "warning"]
        for cell in ws[row]:
            cell.fill = tint
        by_cell[(name, f"A{row}")].extend(items)
    for name, items in by_sheet.items():
        by_cell[(name, "A1")].extend(items)
    for (name, ref), items in by_cell.items():
        cell = wb[name][ref]
        error = any(p.is_error for p in items)
        cell.fill = ERROR_FILL if error else WARNING_FILL
        if error:
            cell.border = ERROR_BORDER
        text = "\n\n".join(f"{'LỖI' if p.is_error else 'CẢNH BÁO'}: {p.message_vi}\nCách sửa: {p.fix_vi}\n"
                           f"({p.message_en}. Fix: {p.fix_en})" for p in items)
        comment = Comment(text[:30000], "cotmoc")
        comment.width, comment.height = 420, min(110 + 90 * len(items), 600)
        cell.comment = comment


def _rebuilt_workbook(original: Path) -> Workbook:
    """.xls / .ods (which openpyxl cannot open): the sheets' values copied into a new workbook, as text-safe cells."""
    from python_calamine import CalamineWorkbook
    source = CalamineWorkbook.from_path(str(original))
    wb = Workbook()
    wb.remove(wb.active)
    for name in source.sheet_names:
        ws = wb.create_sheet(name[:31])
        for r, row in enumerate(source.get_sheet_by_name(name).to_python(skip_empty_area=False), start=1):
            for c, value in enumerate(row, start=1):
                if value != "" and value is not None:
                    _text(ws.cell(r, c), value)
    return wb


def write_annotated_copy(original: Path, problems: list[Problem], out: Path, *, summary: dict | None = None) -> Path:
    """The steward's own workbook, annotated (see the module docstring); returns the path written."""
    original, out = Path(original), Path(out)
    if original.suffix.lower() in (".xlsx", ".xlsm"):
        wb = load_workbook(original, data_only=True, keep_vba=False, keep_links=False, rich_text=False)
        for ws in wb.worksheets:                  # cached values only: no formula may survive the copy
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
    else:
        wb = _rebuilt_workbook(original)
    _annotate(wb, problems)
    _add_loi_sheet(wb, problems, original.name, link=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def write_problem_list(problems: list[Problem], out: Path, *, file_name: str) -> Path:
    """For a file that could not be opened as a workbook: the `Loi` sheet alone."""
    wb = Workbook()
    wb.remove(wb.active)
    _add_loi_sheet(wb, problems, file_name, link=False)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return Path(out)


def write_problems_json(problems: list[Problem], out: Path, *, file_name: str, sha256: str, status: str,
                        summary: dict) -> Path:
    ordered = sorted(problems, key=sort_key)
    doc = {"file_name": file_name, "sha256": sha256, "status": status, "summary": summary,
           "errors": sum(p.is_error for p in ordered), "warnings": sum(not p.is_error for p in ordered),
           "problems": [p.as_dict() for p in ordered]}
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return Path(out)
