"""The national workbook's activities sheet (template version 2): propaganda, training and mass models per
province, and how far the movement reaches (border communes, districts, posts), each with its national total
over the provinces that gave the figure. A blank cell is a figure the province did not report, never 0.
Kept apart from cotmoc.outputs.national_workbook, which calls `activities_sheet` and adds `summary_line`."""
from __future__ import annotations

import duckdb
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cotmoc.core.display import enum_label, vi_number
from cotmoc.core.periods import Period
from cotmoc.outputs.sql import query

SHEET = "Hoat_dong"
_HEAD_FILL = PatternFill("solid", fgColor="1F4E78")
_TOTAL_FILL = PatternFill("solid", fgColor="DDEBF7")
_NOT_REPORTED = ("Ô trống: tỉnh không báo cáo số liệu này (không phải 0). Dòng toàn quốc chỉ cộng các tỉnh có số "
                 "liệu; cột 'Số tỉnh' cho biết bao nhiêu tỉnh. — Blank: not reported (not 0); national rows add "
                 "up only the provinces that gave the figure.")


def _rows(ws, top: int, headers: list[str], rows: list[list], totals: list[list], formats: dict[int, str]) -> int:
    """A header at `top`, the rows, then the bold total rows; returns the last row written."""
    for j, head in enumerate(headers, start=1):
        c = ws.cell(top, j, head)
        c.font, c.fill = Font(bold=True, color="FFFFFF"), _HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, min(len(head) + 2, 30), 12)
    r = top
    for row in rows + totals:
        r += 1
        for j, value in enumerate(row, start=1):
            c = ws.cell(r, j, value)
            if j in formats:
                c.number_format = formats[j]
            if row in totals:
                c.font, c.fill = Font(bold=True), _TOTAL_FILL
    return r


def activities_sheet(wb, con: duckdb.DuckDBPyConnection, period: Period) -> None:
    ws = wb.create_sheet(SHEET)
    ws["A1"] = "HOẠT ĐỘNG TUYÊN TRUYỀN, TẬP HUẤN, MÔ HÌNH VÀ PHẠM VI TRIỂN KHAI"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"Kỳ báo cáo: {period.label_vi()} ({period.code})"
    ws["A2"].font = Font(italic=True)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    rows = con.execute(query("national/province_activities"), {"period": period.code}).fetchall()
    rows = [[p, rp, enum_label("activity", a), n, people, teams, since] for p, rp, a, n, people, teams, since in rows]
    national = con.execute(query("national/national_activities"), {"period": period.code}).fetchall()
    totals = [[f"Toàn quốc ({n} tỉnh)", "", enum_label("activity", a), count, people, teams, since]
              for a, n, count, people, teams, since in national]
    number = "#,##0"
    last = _rows(ws, 4, ["Tỉnh", "Tỉnh báo cáo", "Loại hoạt động", "Số buổi / lớp / mô hình", "Số lượt người",
                         "Số tổ", "Cộng dồn từ năm"], rows, totals, {4: number, 5: number, 6: number, 7: "0"})
    reach = con.execute(query("national/province_reach"), {"period": period.code}).fetchall()
    whole = con.execute(query("national/national_reach"), {"period": period.code}).fetchone()
    start = last + 3
    ws.cell(start - 1, 1, "Phạm vi triển khai: xã, huyện biên giới, đồn Biên phòng").font = Font(bold=True)
    totals = [[f"Toàn quốc ({whole[0]} tỉnh)", "", *whole[1:]]] if whole else []
    last = _rows(ws, start, ["Tỉnh", "Tỉnh báo cáo", "Số xã đã triển khai", "Tổng số xã biên giới", "Tỷ lệ xã",
                             "Số huyện biên giới", "Số đồn Biên phòng"], [list(r) for r in reach], totals,
                 {3: number, 4: number, 5: "0.0%", 6: number, 7: number})
    ws.cell(last + 2, 1, _NOT_REPORTED).font = Font(italic=True)
    ws.freeze_panes = "B5"


def summary_line(con: duckdb.DuckDBPyConnection, period: Period) -> tuple[str, str]:
    """(label, value) for the summary sheet: the nation's activities, over the provinces that reported them."""
    figures = {a: (n, count, people) for a, n, count, people in con.execute(
        query("national/activities_summary"), {"period": period.code}).fetchall()}
    if not figures:
        return "Tuyên truyền / tập huấn / mô hình quần chúng", "chưa có tỉnh báo cáo"
    parts = []
    for code, unit in (("tuyen_truyen", "buổi tuyên truyền"), ("tap_huan", "lớp tập huấn"), ("mo_hinh", "mô hình")):
        if code in figures:
            n, count, people = figures[code]
            heard = f" ({vi_number(people)} lượt người)" if people is not None and code == "tuyen_truyen" else ""
            parts.append(f"{vi_number(count)} {unit}{heard} — {n} tỉnh")
    return "Tuyên truyền / tập huấn / mô hình quần chúng (tỉnh có số liệu)", "; ".join(parts) or "—"
