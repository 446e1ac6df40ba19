"""The national report workbook for one period, in Vietnamese: the document the office forwards to its
leadership. One sheet per body of figures (provinces as rows, national totals at the bottom), a
completeness sheet, and native Excel charts (coverage by province, teams by type, awards by form)."""
from __future__ import annotations

from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cotmoc.core.inert import set_cell_text
from cotmoc.core.periods import Period

_HEAD_FILL = PatternFill("solid", fgColor="1F4E78")
_TOTAL_FILL = PatternFill("solid", fgColor="DDEBF7")
_STATUS_VI = {"accepted": "Đã nhận", "rejected": "Bị từ chối", "missing": "Chưa gửi"}


def _labels(con, enum: str) -> dict[str, str]:
    return dict(con.execute("SELECT code, label_vi FROM ref_enumerations WHERE enum = ?", [enum]).fetchall())


def _table(ws, top: int, headers: list[str], rows: list[list], formats: dict[int, str] | None = None,
           total: list | None = None) -> int:
    """Write a header and rows from `top`; returns the last row written."""
    for j, h in enumerate(headers, start=1):
        c = ws.cell(top, j, h)
        c.font, c.fill = Font(bold=True, color="FFFFFF"), _HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(j)].width = max(ws.column_dimensions[get_column_letter(j)].width or 0,
                                                               min(max(len(h) + 2, 12), 34))
    r = top
    for row in rows + ([total] if total else []):
        r += 1
        for j, value in enumerate(row, start=1):
            c = ws.cell(r, j)
            set_cell_text(c, float(value) if hasattr(value, "as_tuple") else value)   # a name is never a formula
            if formats and j in formats:
                c.number_format = formats[j]
        if total and row is total:
            for j in range(1, len(headers) + 1):
                ws.cell(r, j).font, ws.cell(r, j).fill = Font(bold=True), _TOTAL_FILL
    return r


def _title(ws, text: str, period: Period) -> None:
    ws["A1"] = text
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"Kỳ báo cáo: {period.label_vi()} ({period.code})"
    ws["A2"].font = Font(italic=True)
    ws.page_setup.orientation = "landscape"          # printable: one page wide
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _bar(title: str, y_title: str, data: Reference, cats: Reference, *, percent: bool = False) -> BarChart:
    chart = BarChart()
    chart.type, chart.title, chart.y_axis.title = "bar", title, y_title
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.height, chart.width = 10, 18
    if percent:
        chart.y_axis.number_format = "0%"
    return chart


def _segments_sheet(wb, con, period: Period) -> None:
    ws = wb.create_sheet("Doan_bien_gioi")
    _title(ws, "ĐOẠN BIÊN GIỚI ĐĂNG KÝ TỰ QUẢN", period)
    rows = con.execute("""SELECT province_name, reporting_province_name, collectives, length_km, total_km, km_coverage,
                                 markers, total_markers, marker_coverage, border_works, households, persons
                          FROM province_segments_all_borders WHERE period = ? ORDER BY province_name""",
                       [period.code]).fetchall()
    national = con.execute("""SELECT sum(collectives), sum(length_km), sum(total_km), sum(length_km) / sum(total_km),
                                     sum(markers), sum(total_markers), NULL, sum(border_works), sum(households), sum(persons)
                              FROM national_segments WHERE period = ?""", [period.code]).fetchone()
    headers = ["Tỉnh", "Tỉnh báo cáo", "Số tập thể", "Km đăng ký", "Tổng km", "Tỷ lệ km", "Số mốc đăng ký",
               "Tổng số mốc", "Tỷ lệ mốc", "Công trình", "Số hộ", "Số người"]
    fmt = {4: "#,##0.000", 5: "#,##0.000", 6: "0.0%", 9: "0.0%", 3: "#,##0", 7: "#,##0", 8: "#,##0", 11: "#,##0", 12: "#,##0"}
    last = _table(ws, 4, headers, [list(r) for r in rows], fmt,
                  total=["Toàn quốc (tổng km = toàn tuyến biên giới)", ""] + list(national) if rows else None)
    if rows:
        chart = _bar("Tỷ lệ km đường biên đăng ký tự quản theo tỉnh", "Tỷ lệ",
                     Reference(ws, min_col=6, min_row=4, max_row=4 + len(rows)),
                     Reference(ws, min_col=1, min_row=5, max_row=4 + len(rows)), percent=True)
        ws.add_chart(chart, f"A{last + 3}")
    by_border = con.execute("""SELECT border, provinces_reporting, length_km, total_km, km_coverage, markers
                               FROM national_segments WHERE period = ? ORDER BY border""", [period.code]).fetchall()
    ws.cell(last + 25, 1, "Theo tuyến biên giới (toàn quốc)").font = Font(bold=True)
    _table(ws, last + 26, ["Tuyến", "Số tỉnh", "Km đăng ký", "Km toàn tuyến", "Tỷ lệ", "Số mốc"],
           [list(r) for r in by_border], {3: "#,##0.000", 4: "#,##0.000", 5: "0.0%"})
    ws.freeze_panes = "B5"


def _teams_sheet(wb, con, period: Period) -> None:
    ws = wb.create_sheet("To_tu_quan")
    _title(ws, "TỔ TỰ QUẢN", period)
    labels = _labels(con, "team_type")
    rows = con.execute("""SELECT province_name, reporting_province_name, team_type, teams, members, households
                          FROM province_teams WHERE period = ? ORDER BY province_name, team_type""", [period.code]).fetchall()
    rows = [[p, rp, labels.get(t, t), n, m, h] for p, rp, t, n, m, h in rows]
    total = con.execute("SELECT sum(teams), sum(members), sum(households) FROM national_teams WHERE period = ?",
                        [period.code]).fetchone()
    last = _table(ws, 4, ["Tỉnh", "Tỉnh báo cáo", "Loại tổ", "Số tổ", "Số thành viên", "Số hộ"], rows,
                  {4: "#,##0", 5: "#,##0", 6: "#,##0"}, total=["Toàn quốc", "", ""] + list(total) if rows else None)
    national = con.execute("SELECT team_type, teams FROM national_teams WHERE period = ? ORDER BY teams DESC",
                           [period.code]).fetchall()
    start = last + 3
    ws.cell(start, 8, "Loại tổ (toàn quốc)").font = Font(bold=True)
    ws.cell(start, 9, "Số tổ").font = Font(bold=True)
    for i, (t, n) in enumerate(national, start=start + 1):
        ws.cell(i, 8, labels.get(t, t))
        ws.cell(i, 9, n)
    if national:
        ws.add_chart(_bar("Số tổ tự quản theo loại (toàn quốc)", "Số tổ",
                          Reference(ws, min_col=9, min_row=start, max_row=start + len(national)),
                          Reference(ws, min_col=8, min_row=start + 1, max_row=start + len(national))), f"A{start}")
    ws.freeze_panes = "B5"


def _awards_sheet(wb, con, period: Period) -> None:
    ws = wb.create_sheet("Khen_thuong")
    _title(ws, "KHEN THƯỞNG", period)
    issuers, forms = _labels(con, "issuer"), _labels(con, "award_form")
    rows = con.execute("""SELECT province_name, reporting_province_name, issuer, award_form, decisions, collectives,
                                 individuals FROM province_awards WHERE period = ? ORDER BY ALL""", [period.code]).fetchall()
    rows = [[p, rp, issuers.get(i, i), forms.get(f, f), d, c, n] for p, rp, i, f, d, c, n in rows]
    total = con.execute("SELECT sum(decisions), sum(collectives), sum(individuals) FROM national_awards WHERE period = ?",
                        [period.code]).fetchone()
    last = _table(ws, 4, ["Tỉnh", "Tỉnh báo cáo", "Cấp khen", "Hình thức", "Số quyết định", "Số tập thể", "Số cá nhân"],
                  rows, total=["Toàn quốc", "", "", ""] + list(total) if rows else None)
    by_form = con.execute("""SELECT award_form, sum(collectives), sum(individuals) FROM national_awards
                             WHERE period = ? GROUP BY award_form ORDER BY award_form""", [period.code]).fetchall()
    start = last + 3
    for j, h in enumerate(("Hình thức (toàn quốc)", "Tập thể", "Cá nhân"), start=9):
        ws.cell(start, j, h).font = Font(bold=True)
    for i, (f, c, n) in enumerate(by_form, start=start + 1):
        ws.cell(i, 9, forms.get(f, f)), ws.cell(i, 10, c), ws.cell(i, 11, n)
    if by_form:
        chart = _bar("Khen thưởng theo hình thức (toàn quốc)", "Số được khen",
                     Reference(ws, min_col=10, max_col=11, min_row=start, max_row=start + len(by_form)),
                     Reference(ws, min_col=9, min_row=start + 1, max_row=start + len(by_form)))
        chart.type = "col"
        ws.add_chart(chart, f"A{start}")
    ws.freeze_panes = "B5"


def _completeness_sheet(wb, con, period: Period) -> None:
    ws = wb.create_sheet("Tinh_hinh_nop")
    _title(ws, "TÌNH HÌNH NỘP BÁO CÁO", period)
    rows = con.execute("""SELECT province_name, reporting_province_name, status, received_at, due_date, on_time, errors
                          FROM completeness WHERE period = ? ORDER BY status, province_name""", [period.code]).fetchall()
    rows = [[p, rp, _STATUS_VI.get(s, s), r, d, {True: "Đúng hạn", False: "Trễ hạn"}.get(o, ""), e]
            for p, rp, s, r, d, o, e in rows]
    _table(ws, 4, ["Tỉnh", "Tỉnh báo cáo", "Tình trạng", "Ngày nhận", "Hạn nộp", "Đúng hạn", "Số lỗi"], rows,
           {4: "dd/mm/yyyy hh:mm", 5: "dd/mm/yyyy"})
    ws.freeze_panes = "B5"


def _summary_sheet(wb, con, period: Period) -> None:
    ws = wb.active
    ws.title = "Tong_hop"
    _title(ws, "BÁO CÁO TỔNG HỢP PHONG TRÀO TOÀN DÂN BẢO VỆ BIÊN GIỚI (Chỉ thị 01/CT-TTg)", period)
    ws.column_dimensions["A"].width = 60
    counts = dict(con.execute("SELECT status, count(*) FROM completeness WHERE period = ? GROUP BY status",
                              [period.code]).fetchall())
    expected = sum(counts.values())
    facts = [
        ("Số tỉnh phải báo cáo", expected),
        ("Số tỉnh đã có báo cáo được chấp nhận", counts.get("accepted", 0)),
        ("Số tỉnh có báo cáo bị từ chối (chờ gửi lại)", counts.get("rejected", 0)),
        ("Số tỉnh chưa gửi báo cáo", counts.get("missing", 0)),
    ]
    seg = con.execute("SELECT sum(length_km), sum(markers), sum(households), sum(persons) FROM national_segments "
                      "WHERE period = ?", [period.code]).fetchone()
    teams = con.execute("SELECT sum(teams), sum(members) FROM national_teams WHERE period = ?", [period.code]).fetchone()
    awards = con.execute("SELECT sum(collectives), sum(individuals) FROM national_awards WHERE period = ?",
                         [period.code]).fetchone()
    facts += [("Km đường biên đăng ký tự quản", float(seg[0] or 0)), ("Số cột mốc đăng ký tự quản", seg[1] or 0),
              ("Số hộ / số người đăng ký", f"{seg[2] or 0:,} hộ / {seg[3] or 0:,} người"),
              ("Số tổ tự quản / thành viên", f"{teams[0] or 0:,} tổ / {teams[1] or 0:,} thành viên"),
              ("Khen thưởng: tập thể / cá nhân", f"{awards[0] or 0:,} / {awards[1] or 0:,}")]
    for i, (label, value) in enumerate(facts, start=4):
        ws.cell(i, 1, label)
        c = ws.cell(i, 2, value)
        c.font = Font(bold=True)
        if isinstance(value, float):
            c.number_format = "#,##0.000"
    ws.column_dimensions["B"].width = 36
    ws.cell(len(facts) + 5, 1, "Chi tiết ở các sheet Doan_bien_gioi, To_tu_quan, Khen_thuong, Tinh_hinh_nop. "
                               "Số liệu chỉ tính báo cáo hiện hành đã được chấp nhận.").font = Font(italic=True)


def write_national_workbook(con: duckdb.DuckDBPyConnection, period: str, path: Path) -> Path:
    p = Period.parse(period)
    wb = Workbook()
    _summary_sheet(wb, con, p)
    _segments_sheet(wb, con, p)
    _teams_sheet(wb, con, p)
    _awards_sheet(wb, con, p)
    _completeness_sheet(wb, con, p)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path
