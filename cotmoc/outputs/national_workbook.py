"""The national report workbook for one period, in Vietnamese: the document the office forwards to its
leadership. The first sheet is the report itself, laid out as an administrative document
(cotmoc/national_document.py); the annexes follow, one function per sheet: one body of figures each
(provinces as rows in Vietnamese order, national totals at the bottom, a native Excel chart on a page of
its own), the completeness sheet, and the trend over every period so far (cotmoc/national_trend.py).
Every query is a file in cotmoc/outputs/queries/national/."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.chart import Reference
from openpyxl.styles import Font

from cotmoc.core.config import ReportDocument
from cotmoc.outputs.national_document import summary_sheet
from cotmoc.outputs.national_layout import (DATE, DATETIME, FONT, INTEGER, KM, PERCENT, bar_chart, fit_columns,
                                    place_chart, print_setup, rows, sheet_title, table)
from cotmoc.outputs.national_trend import trend_sheet
from cotmoc.core.periods import Period
from cotmoc.outputs.national_activities import activities_sheet

_STATUS_VI = {"accepted": "Đã nhận", "rejected": "Bị từ chối", "missing": "Chưa gửi"}
_TABLE_TOP = 4                   # every annex: title in rows 1-2, its table's header in row 4


def _section(ws, row: int, text: str) -> None:
    ws.cell(row, 1, text).font = Font(name=FONT, bold=True, size=12)


def _finish(ws, skip_rows: set[int]) -> None:
    fit_columns(ws, skip_rows={1, 2} | skip_rows)
    print_setup(ws, header_rows=f"{_TABLE_TOP}:{_TABLE_TOP}")
    ws.freeze_panes = f"B{_TABLE_TOP + 1}"


def _total_row(ws, row: int, label: str, width: int) -> None:
    """The national total's label spans the name columns (it is longer than any province's name)."""
    ws.cell(row, 1, label)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def _segments_sheet(wb, con, period: Period) -> None:
    ws = wb.create_sheet("Doan_bien_gioi")
    sheet_title(ws, "ĐOẠN BIÊN GIỚI ĐĂNG KÝ TỰ QUẢN", period)
    body = [list(r) for r in rows(con, "segments_by_province", period=period.code)]
    national = list(rows(con, "segments_total", period=period.code)[0])
    headers = ["Tỉnh", "Tỉnh báo cáo", "Số tập thể", "Km đăng ký", "Tổng km", "Tỷ lệ km", "Số mốc đăng ký",
               "Tổng số mốc", "Tỷ lệ mốc", "Công trình", "Số hộ", "Số người"]
    fmt = {3: INTEGER, 4: KM, 5: KM, 6: PERCENT, 7: INTEGER, 8: INTEGER, 9: PERCENT, 10: INTEGER, 11: INTEGER,
           12: INTEGER}
    last = table(ws, _TABLE_TOP, headers, body, fmt, total=["", ""] + national if body else None)
    skip = set()
    if body:
        _total_row(ws, last, "Toàn quốc (tổng km = toàn tuyến)", 2)
    by_border = [list(r) for r in rows(con, "segments_by_border", period=period.code)]
    _section(ws, last + 2, "Theo tuyến biên giới (toàn quốc)")
    skip.add(last + 2)
    border_last = table(ws, last + 3, ["Tuyến biên giới", "Số tỉnh", "Km đăng ký", "Km toàn tuyến", "Tỷ lệ km",
                                       "Số mốc", "Tổng số mốc", "Tỷ lệ mốc"],
                        by_border, {2: INTEGER, 3: KM, 4: KM, 5: PERCENT, 6: INTEGER, 7: INTEGER, 8: PERCENT})
    if body:
        place_chart(ws, bar_chart("Tỷ lệ km đường biên đăng ký tự quản theo tỉnh", "Tỷ lệ",
                                  Reference(ws, min_col=6, min_row=_TABLE_TOP, max_row=_TABLE_TOP + len(body)),
                                  Reference(ws, min_col=1, min_row=_TABLE_TOP + 1, max_row=_TABLE_TOP + len(body)),
                                  percent=True), border_last + 2)
    _finish(ws, skip)


def _teams_sheet(wb, con, period: Period) -> None:
    ws = wb.create_sheet("To_tu_quan")
    sheet_title(ws, "TỔ TỰ QUẢN", period)
    body = [list(r) for r in rows(con, "teams_by_province", period=period.code)]
    total = list(rows(con, "teams_total", period=period.code)[0])
    last = table(ws, _TABLE_TOP, ["Tỉnh", "Tỉnh báo cáo", "Loại tổ", "Số tổ", "Số thành viên", "Số hộ"], body,
                 {4: INTEGER, 5: INTEGER, 6: INTEGER}, total=["", "", ""] + total if body else None)
    if body:
        _total_row(ws, last, "Toàn quốc", 3)
    by_type = [list(r) for r in rows(con, "teams_by_type", period=period.code)]
    _section(ws, last + 2, "Theo loại tổ (toàn quốc)")
    top = last + 3
    by_type_last = table(ws, top, ["Loại tổ", "Số tổ", "Số thành viên"], by_type, {2: INTEGER, 3: INTEGER},
                         first_col=3)
    if by_type:
        place_chart(ws, bar_chart("Số tổ tự quản theo loại (toàn quốc)", "Số tổ",
                                  Reference(ws, min_col=4, min_row=top, max_row=top + len(by_type)),
                                  Reference(ws, min_col=3, min_row=top + 1, max_row=top + len(by_type))),
                    by_type_last + 2)
    _finish(ws, {last + 2})


def _awards_sheet(wb, con, period: Period) -> None:
    ws = wb.create_sheet("Khen_thuong")
    sheet_title(ws, "KHEN THƯỞNG", period)
    body = [list(r) for r in rows(con, "awards_by_province", period=period.code)]
    total = list(rows(con, "awards_total", period=period.code)[0])
    last = table(ws, _TABLE_TOP, ["Tỉnh", "Tỉnh báo cáo", "Cấp khen", "Hình thức", "Số quyết định", "Số tập thể",
                                  "Số cá nhân"], body, {5: INTEGER, 6: INTEGER, 7: INTEGER},
                 total=["", "", "", ""] + total if body else None)
    if body:
        _total_row(ws, last, "Toàn quốc", 4)
    by_form = [list(r) for r in rows(con, "awards_by_form", period=period.code)]
    _section(ws, last + 2, "Theo hình thức khen thưởng (toàn quốc)")
    top = last + 3
    form_last = table(ws, top, ["Hình thức", "Tập thể", "Cá nhân"], by_form, {2: INTEGER, 3: INTEGER}, first_col=4)
    if by_form:
        place_chart(ws, bar_chart("Khen thưởng theo hình thức (toàn quốc)", "Số được khen",
                                  Reference(ws, min_col=5, max_col=6, min_row=top, max_row=top + len(by_form)),
                                  Reference(ws, min_col=4, min_row=top + 1, max_row=top + len(by_form)),
                                  horizontal=False), form_last + 2)
    _finish(ws, {last + 2})


def _completeness_sheet(wb, con, period: Period) -> None:
    ws = wb.create_sheet("Tinh_hinh_nop")
    sheet_title(ws, "TÌNH HÌNH NỘP BÁO CÁO", period)
    body = [[p, rp, _STATUS_VI.get(s, s), r, d, {True: "Đúng hạn", False: "Trễ hạn"}.get(o, ""), e]
            for p, rp, s, r, d, o, e in rows(con, "completeness_by_province", period=period.code)]
    table(ws, _TABLE_TOP, ["Tỉnh", "Tỉnh báo cáo", "Tình trạng", "Ngày nhận", "Hạn nộp", "Đúng hạn", "Số lỗi"], body,
          {4: DATETIME, 5: DATE, 7: INTEGER})
    _finish(ws, set())


def write_national_workbook(con: duckdb.DuckDBPyConnection, period: str, path: Path, *,
                            document: ReportDocument | None = None, today: date | None = None) -> Path:
    """The national report of `period` at `path` (written beside it, then swapped in)."""
    p = Period.parse(period)
    wb = Workbook()
    summary_sheet(wb, con, p, document or ReportDocument(), today or date.today())
    _segments_sheet(wb, con, p)
    _teams_sheet(wb, con, p)
    _awards_sheet(wb, con, p)
    activities_sheet(wb, con, p)
    _completeness_sheet(wb, con, p)
    trend_sheet(wb, con, p)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path
