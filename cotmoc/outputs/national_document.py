"""The national report's first sheet as an administrative document a ministry can file, laid out as
Decree 30/2020/NĐ-CP lays out a report (báo cáo): the issuing agency and the national title and motto
side by side, the number and symbol, place and date, the document's name and summary, the body, then
the recipients ("Nơi nhận") and the signature block. Who issues and signs comes from the settings
(cotmoc.core.config.ReportDocument); the figures from cotmoc/outputs/queries/national/."""
from __future__ import annotations

from datetime import date

import duckdb
from openpyxl.styles import Alignment, Font

from cotmoc.core.config import ReportDocument
from cotmoc.core.display import vi_number, vi_percent
from cotmoc.outputs.national_activities import summary_line
from cotmoc.outputs.national_layout import FONT, GRID, print_setup, rows
from cotmoc.core.periods import Period

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
MOVEMENT = ("Phong trào toàn dân tham gia bảo vệ chủ quyền lãnh thổ, an ninh biên giới quốc gia "
            "(Chỉ thị số 01/CT-TTg ngày 09/01/2015 của Thủ tướng Chính phủ)")
ANNEXES = "Doan_bien_gioi, To_tu_quan, Khen_thuong, Tinh_hinh_nop, Xu_huong"
_WIDTHS = {"A": 5, "B": 37, "C": 22, "D": 22}        # left block A:B, right block C:D: 16 cm, the printable width
_LINE_CHARS = 86                                       # characters of body text per printed line


def document_date(place: str, day: date) -> str:
    """'Hà Nội, ngày 02 tháng 12 năm 2026': days below 10 and months 1 and 2 take a leading zero (Decree 30)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def number_line(doc: ReportDocument) -> str:
    """'Số: 12/BC-BTL', or 'Số:      /BC-BTL' while the number is assigned at issuance."""
    return f"Số: {doc.number or ' ' * 6}/{doc.symbol}"


def recipient_lines(recipients: tuple[str, ...]) -> list[str]:
    """Each recipient on its own line, '- …;' and the last '- ….'"""
    items = [r.rstrip(";.") for r in recipients]
    return [f"- {r}{'.' if i == len(items) - 1 else ';'}" for i, r in enumerate(items)]


def _put(ws, ref: str, text: str, *, bold=False, italic=False, size=13, align="center", wrap=False,
         underline=None) -> None:
    first = ref.split(":")[0]
    if ":" in ref:
        ws.merge_cells(ref)
    c = ws[first]
    c.value = text
    c.font = Font(name=FONT, bold=bold, italic=italic, size=size, underline=underline)
    c.alignment = Alignment(horizontal=align, vertical="center", wrap_text=wrap)


def _paragraph(ws, row: int, text: str, *, bold=False, italic=False, size=13) -> None:
    _put(ws, f"A{row}:D{row}", text, bold=bold, italic=italic, size=size, align="justify" if not bold else "left",
         wrap=True)
    lines = max(1, -(-len(text) // _LINE_CHARS))
    ws.row_dimensions[row].height = 18 * lines + 2       # merged cells are not auto-fitted


def _figures(con: duckdb.DuckDBPyConnection, period: Period) -> tuple[list[tuple], list[tuple]]:
    expected, accepted, rejected, missing = rows(con, "completeness_counts", period=period.code)[0]
    (length_km, border_km, markers, households, persons, collectives, teams, members, decisions,
     award_collectives, award_individuals) = rows(con, "summary_figures", period=period.code)[0]
    n = lambda x: vi_number(x or 0)                                            # noqa: E731
    reporting = [
        ("Số tỉnh phải báo cáo", f"{n(expected)} tỉnh"),
        ("Số tỉnh có báo cáo được chấp nhận", f"{n(accepted)} tỉnh"),
        ("Số tỉnh có báo cáo bị từ chối (chờ gửi lại)", f"{n(rejected)} tỉnh"),
        ("Số tỉnh chưa gửi báo cáo", f"{n(missing)} tỉnh"),
    ]
    coverage = vi_percent(float(length_km) / float(border_km)) if length_km and border_km else "—"
    results = [
        ("Chiều dài đường biên giới đăng ký tự quản",
         f"{vi_number(float(length_km or 0), 3)} km / {vi_number(float(border_km or 0), 3)} km ({coverage})"),
        ("Số tập thể đăng ký tự quản đường biên", f"{n(collectives)} tập thể"),
        ("Số cột mốc đăng ký tự quản", f"{n(markers)} mốc"),
        ("Số hộ / số người đăng ký tự quản", f"{n(households)} hộ / {n(persons)} người"),
        ("Số tổ tự quản / số thành viên", f"{n(teams)} tổ / {n(members)} thành viên"),
        ("Khen thưởng: số quyết định", f"{n(decisions)} quyết định"),
        ("Khen thưởng: tập thể / cá nhân", f"{n(award_collectives)} tập thể / {n(award_individuals)} cá nhân"),
        summary_line(con, period),                  # activities (template version 2)
    ]
    return reporting, results


def _facts(ws, row: int, heading: str, facts: list[tuple]) -> int:
    _put(ws, f"A{row}:D{row}", heading, bold=True, align="left")
    for i, (label, value) in enumerate(facts, start=1):
        row += 1
        _put(ws, f"A{row}", str(i), size=12)
        _put(ws, f"B{row}", label, size=12, align="left", wrap=True)
        _put(ws, f"C{row}:D{row}", value, bold=True, size=12, align="right")
        for col in "ABCD":
            ws[f"{col}{row}"].border = GRID
        ws.row_dimensions[row].height = 20 if len(label) <= 44 else 36
    return row + 2


def summary_sheet(wb, con: duckdb.DuckDBPyConnection, period: Period, doc: ReportDocument, today: date) -> None:
    ws = wb.active
    ws.title = "Tong_hop"
    for col, width in _WIDTHS.items():
        ws.column_dimensions[col].width = width
    # header: issuing agency | national title and motto; number | place and date (Decree 30, items 1-4)
    _put(ws, "A1:B1", doc.parent_agency.upper(), size=12)
    _put(ws, "C1:D1", NATION, bold=True, size=12)
    _put(ws, "A2:B2", doc.agency.upper(), bold=True, size=12)
    _put(ws, "C2:D2", MOTTO, bold=True, size=13)
    _put(ws, "A3:B3", "─" * 12, size=8)
    _put(ws, "C3:D3", "─" * 24, size=8)
    _put(ws, "A4:B4", number_line(doc), size=13)
    _put(ws, "C4:D4", document_date(doc.place, today), italic=True, size=13)
    # the document's name and summary (trích yếu)
    _put(ws, "A6:D6", "BÁO CÁO", bold=True, size=14)
    summary = f"Tổng hợp kết quả thực hiện {MOVEMENT}, {period.label_vi().lower()}"
    _put(ws, "A7:D7", summary, bold=True, size=13, wrap=True)
    ws.row_dimensions[7].height = 52
    _put(ws, "A8:D8", "─" * 10, size=8)
    # the body
    reporting, results = _figures(con, period)
    _paragraph(ws, 10, f"Căn cứ báo cáo của các tỉnh biên giới gửi về đến ngày {today:%d/%m/%Y}, "
                       f"{doc.agency} tổng hợp kết quả thực hiện phong trào "
                       f"{period.label_vi().lower()} (kỳ báo cáo {period.code}) như sau:")
    row = _facts(ws, 12, "I. TÌNH HÌNH BÁO CÁO CỦA CÁC TỈNH", reporting)
    row = _facts(ws, row, "II. KẾT QUẢ THỰC HIỆN PHONG TRÀO", results)
    _put(ws, f"A{row}:D{row}", "III. SỐ LIỆU CHI TIẾT", bold=True, align="left")
    _paragraph(ws, row + 1, f"Số liệu chi tiết theo từng tỉnh ở các phụ lục kèm theo (các sheet {ANNEXES}). "
                            "Số liệu chỉ tính báo cáo hiện hành đã được chấp nhận của mỗi tỉnh; tổng chiều dài "
                            "là chiều dài toàn tuyến biên giới đất liền, nên tỷ lệ toàn quốc chỉ đầy đủ khi mọi "
                            "tỉnh đã báo cáo.", size=12)
    # recipients (left) and signature block (right)
    row += 3
    _put(ws, f"A{row}:B{row}", "Nơi nhận:", bold=True, italic=True, size=12, align="left")
    _put(ws, f"C{row}:D{row}", doc.signer_authority.upper(), bold=True, size=13)
    for i, line in enumerate(recipient_lines(doc.recipients), start=1):
        _put(ws, f"A{row + i}:B{row + i}", line, size=11, align="left")
    _put(ws, f"C{row + 1}:D{row + 1}", doc.signer_title.upper(), bold=True, size=13)
    signer_row = row + max(6, len(doc.recipients) + 2)
    _put(ws, f"C{signer_row}:D{signer_row}", doc.signer_name or "." * 30, bold=True, size=13)
    print_setup(ws, landscape=False)
    # Decree 30's margins: left 30-35 mm (binding), right 15-20 mm, top and bottom 20-25 mm (in inches here)
    ws.page_margins.left, ws.page_margins.right = 1.2, 0.7
    ws.page_margins.top = ws.page_margins.bottom = 0.85
