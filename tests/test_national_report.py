"""The national report as its readers get it: rendered by LibreOffice to PDF and read back with pdftotext.
The first page is an administrative document (Decree 30/2020/NĐ-CP) with the issuer and signer from the
settings; no cell shows ###; numbers read the Vietnamese way; provinces in Vietnamese order; a trend sheet
with line charts; every chart on a page of its own."""
from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from cotmoc.core.config import load_settings
from cotmoc.core.display import vi_number
from cotmoc.pipeline.ingest import run_ingest
from cotmoc.outputs.libreoffice import render_pdf, soffice
from cotmoc.outputs.national_document import MOTTO, NATION, document_date, recipient_lines
from cotmoc.pipeline.rollup import run_rollup
from cotmoc.samples.generator import write_samples
from cotmoc.warehouse.db import open_warehouse

TODAY = date(2026, 11, 22)
ISSUED = date(2026, 12, 2)
SAMPLES = Path(__file__).resolve().parent.parent / "inputs" / "samples"
PROVINCES = ["ha_tinh", "dak_lak", "lai_chau", "tay_ninh", "dien_bien"]    # Đ, H, L, T: the orders that went wrong


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    home = tmp_path_factory.mktemp("national")
    (home / "cotmoc.toml").write_text('[report]\nnumber = "27"\nsigner_name = "Nguyễn Văn Bình"\n'
                                      'recipients = ["Bộ Quốc phòng (để b/c)", "Lưu: VT, TM"]\n', encoding="utf-8")
    settings = load_settings(home, environ={})
    settings.inbox.mkdir(parents=True)
    for src in SAMPLES.glob("*/*.xlsx"):
        shutil.copy2(src, settings.inbox / src.name)
    write_samples(settings.inbox, seed=3, provinces=PROVINCES, periods=[2020, 2021], kinds=("year",))
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        run_ingest(con, settings, today=TODAY)
        result = run_rollup(con, settings.warehouse, settings.exports, periods=["2021"], document=settings.report,
                            today=ISSUED)
        households, persons = con.execute("SELECT sum(households), sum(persons) FROM national_segments "
                                          "WHERE period = '2021'").fetchone()
    return result.workbooks[0], households, persons


@pytest.fixture(scope="module")
def rendered(report, tmp_path_factory):
    if soffice() is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice and pdftotext (poppler-utils) are needed to render the report")
    return render_pdf(report[0], tmp_path_factory.mktemp("pdf"))


def test_document_date_and_recipients_follow_decree_30():
    assert document_date("Hà Nội", date(2026, 2, 5)) == "Hà Nội, ngày 05 tháng 02 năm 2026"
    assert document_date("Hà Nội", date(2026, 12, 2)) == "Hà Nội, ngày 02 tháng 12 năm 2026"
    assert document_date("Huế", date(2027, 3, 15)) == "Huế, ngày 15 tháng 3 năm 2027"
    assert recipient_lines(("Như trên", "Lưu: VT")) == ["- Như trên;", "- Lưu: VT."]


@pytest.mark.slow
def test_the_first_page_is_an_administrative_document(rendered, report):
    _, pages = rendered
    first = pages[0]
    for text in (NATION, MOTTO, "BỘ QUỐC PHÒNG", "BỘ TƯ LỆNH BỘ ĐỘI BIÊN PHÒNG", "Số: 27/BC-BTL",
                 "Hà Nội, ngày 02 tháng 12 năm 2026", "BÁO CÁO", "năm 2021", "Nơi nhận:",
                 "- Bộ Quốc phòng (để b/c);", "- Lưu: VT, TM.", "KT. TƯ LỆNH", "PHÓ TƯ LỆNH", "Nguyễn Văn Bình"):
        assert text in first, text
    assert first.index(NATION) < first.index("BÁO CÁO") < first.index("Nơi nhận:")
    _, households, persons = report
    assert households >= 1000                                    # so the thousands separator shows
    assert f"{vi_number(households)} hộ / {vi_number(persons)} người" in first


@pytest.mark.slow
def test_no_cell_shows_hashes_and_numbers_read_the_vietnamese_way(rendered):
    _, pages = rendered
    text = "\n".join(pages)
    assert "###" not in text
    assert re.search(r"\b\d{1,3}\.\d{3} hộ", text)                          # 1.563 hộ
    assert re.search(r"\b\d{1,3}(\.\d{3})*,\d{3} km", text)                 # 877,228 km
    assert re.search(r"\b\d{1,2},\d%", text)                                # 68,6%
    assert not re.search(r"\b\d{1,2}\.\d%", text)                           # never 68.6%
    assert not re.search(r"\b\d{1,3},\d{3} (hộ|người|tổ|thành viên)", text)   # never 1,563 hộ


@pytest.mark.slow
def test_provinces_are_listed_in_vietnamese_order(rendered):
    _, pages = rendered
    segments = next(p for p in pages if "ĐOẠN BIÊN GIỚI ĐĂNG KÝ TỰ QUẢN" in p)
    names = ["Đắk Lắk", "Điện Biên", "Hà Tĩnh", "Lai Châu", "Tây Ninh"]       # D < Đ < H < L < T; Hà < Huế
    positions = [segments.index(n) for n in names]
    assert positions == sorted(positions), positions


def test_the_trend_sheet_has_every_period_so_far_with_line_charts(report):
    wb = openpyxl.load_workbook(report[0])
    assert wb.sheetnames[0] == "Tong_hop" and "Xu_huong" in wb.sheetnames
    ws = wb["Xu_huong"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(r for r in values if r[0] == "Tỷ lệ km đăng ký theo tuyến")
    assert [p for p in header[1:] if p][:4] == ["2016", "2018", "2020", "2021"]      # years only, in order
    labels = {r[0] for r in values}
    assert {"Việt Nam – Trung Quốc", "Tổ tự quản đường biên, cột mốc", "Bằng khen"} <= labels   # names, not codes
    assert "duong_bien_cot_moc" not in labels and "VN-CN" not in labels
    beside = [c.value for c in ws[4]]
    assert "Tỷ lệ km đăng ký theo tỉnh" in beside                             # each province beside the nation
    assert len(ws._charts) >= 5 and all(type(c).__name__ == "LineChart" for c in ws._charts)


def test_every_chart_starts_a_printed_page(report):
    wb = openpyxl.load_workbook(report[0])
    for ws in wb.worksheets[1:]:
        breaks = {b.id for b in ws.row_breaks.brk}
        for chart in ws._charts:
            top = chart.anchor._from.row                   # 0-based row of the chart's top edge
            assert top - 1 in breaks, (ws.title, top, breaks)
        if ws._charts:
            assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) and ws.page_setup.fitToWidth == 1


def test_the_issuer_and_signer_come_from_the_environment_over_the_file(tmp_path):
    (tmp_path / "cotmoc.toml").write_text('[report]\nsigner_name = "Trần Văn A"\nplace = "Huế"\n', encoding="utf-8")
    doc = load_settings(tmp_path, environ={"COTMOC_REPORT_SIGNER_NAME": "Lê Thị B",
                                           "COTMOC_REPORT_RECIPIENTS": "Bộ Quốc phòng; Lưu: VT"}).report
    assert doc.signer_name == "Lê Thị B" and doc.place == "Huế"
    assert doc.recipients == ("Bộ Quốc phòng", "Lưu: VT")
    assert load_settings(tmp_path / "none", environ={}).report.agency == "Bộ Tư lệnh Bộ đội Biên phòng"
