"""The steward's copy and the template as they print: LibreOffice renders them to PDF in a Vietnamese locale
and the text is read back. No '###', no text cut or drawn over other text, every column on the page, English
kept out of the Vietnamese messages, numbers written the Vietnamese way, and the rows a message names marked."""
from __future__ import annotations

import re
from collections import Counter

import openpyxl
import pytest

from cotmoc.core import contract
from cotmoc.outputs.steward_list import LOI_SHEET
from cotmoc.outputs.steward_report import ERROR_FILL
from cotmoc.core.periods import Period
from cotmoc.outputs.template import build_template, instructions
from tests.rendering import can_render, over_total_copy, pages, to_pdf, to_png

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not can_render(), reason="needs LibreOffice (soffice) and poppler-utils")]

ENGLISH_WORDS = re.compile(r"\b(the|of|and|is|are|approximate|figure|office|confirmed|registered|source|reference|"
                           r"largest|row|rows|exceed|border|province|fix|check)\b", re.I)


@pytest.fixture(scope="module")
def over_total(tmp_path_factory):
    work = tmp_path_factory.mktemp("render")
    copy = over_total_copy(work)
    pdf = to_pdf(copy, work / "pdf")
    return copy, pdf, pages(pdf)


def _all_shown(texts: list[str], found) -> None:
    """Every word of every text is on the pages as often as the texts hold it: no cell clipped."""
    shown = Counter(w.text for page in found for w in page.words)
    wanted = Counter(word for text in texts for word in text.split())
    missing = wanted - shown
    assert not missing, missing


def _fits(page) -> None:
    assert "###" not in page.text
    assert all(0 <= w.x0 and w.x1 <= page.width + 0.5 for w in page.words), "a column runs off the page"
    assert not page.overlapping_words(), page.overlapping_words()[:3]


def test_the_over_total_copy_marks_the_rows_it_names(over_total):
    copy, _, _ = over_total
    wb = openpyxl.load_workbook(copy)
    seg = wb["doan_bien_gioi"]
    named = [c for c in seg["G"][contract.FIRST_DATA_ROW - 1:] if c.comment is not None]
    assert [c.coordinate for c in named][0] == "G4" and len(named) == 3
    for cell in named:
        assert cell.fill.fgColor.rgb[-6:] == ERROR_FILL.fgColor.rgb[-6:]
        assert f"dòng {cell.row} (" in cell.comment.text            # the message names the row it sits on
    assert seg["G3"].comment is None and seg["G3"].fill.fgColor.rgb[-6:] != ERROR_FILL.fgColor.rgb[-6:]
    links = [r[2] for r in wb[LOI_SHEET].iter_rows(min_row=7, max_row=9, values_only=True)]
    assert links == [c.coordinate for c in named]


def test_no_cell_of_the_loi_sheet_is_clipped(over_total):
    copy, _, found = over_total
    loi = openpyxl.load_workbook(copy)[LOI_SHEET]
    texts = [str(c.value) for row in loi.iter_rows() for c in row if c.value is not None]
    _all_shown(texts, [p for p in found if "Loi — Trang" in p.text])


def test_the_loi_sheet_prints_vietnamese_first_legibly_and_in_vietnamese(over_total):
    _, _, found = over_total
    first = found[0]
    _fits(first)
    assert "Kết quả kiểm tra báo cáo" in first.text and "Tỉnh / Province: Lai Châu" in first.text
    assert "Province: lai_chau" not in first.text
    vietnamese = first.text.split("Bản tiếng Anh")[0]
    messages = vietnamese.split("How to fix", 1)[1]                   # below the (bilingual) header row
    for line in messages.splitlines():
        assert not ENGLISH_WORDS.search(line.replace("length_km", "").replace("doan_bien_gioi", "")), line
    assert all(figure in messages for figure in ("432,012", "265,095", "300,000", "6,455"))
    assert not re.search(r"\d\.\d{3}\b", messages)                   # 432.012 would read 432 thousand
    heights = sorted({round(w.y1 - w.y0, 1) for w in first.words})
    assert heights[0] >= 5.5, heights                                  # fitted to width, still no tiny text
    english = next(p for p in found if "Bản tiếng Anh" in p.text)
    assert "432.012 km registered" in english.text and "approximate public figure" in english.text


def test_every_sheet_of_the_copy_prints_whole(over_total):
    _, _, found = over_total
    for page in found:
        _fits(page)
    text = "\n".join(p.text for p in found)
    for sheet in contract.TABLE_SHEETS:
        if not sheet.optional:                 # the sample is a version 1 report: no activities sheet
            assert f"{sheet.title_vi} — {sheet.title_en}" in text                 # titles not cut
    seg = next(p for p in found if "Bản Xín Huổi" in p.text)
    assert re.search(r"Bản Xín Huổi.*300,000", seg.text)               # the cell, the Vietnamese way
    assert not re.search(r"\b\d+\.\d{3}\b(?!/)", seg.text.replace("7/2025", "")), "English decimals on the sheet"


def test_the_template_prints_without_overlap_cut_titles_or_hashes(tmp_path):
    template = build_template(tmp_path / "mau.xlsx", province="Điện Biên", period="2024")
    pdf = to_pdf(template, tmp_path / "pdf")
    found = pages(pdf)
    for page in found:
        _fits(page)
    text = "\n".join(p.text for p in found)
    assert "HƯỚNG DẪN LẬP BÁO CÁO" in text and "Gửi báo cáo" in text
    _all_shown([line for line, _ in instructions(Period(2024))], [p for p in found if "huong_dan — Trang" in p.text])
    for sheet in contract.SHEETS:
        assert f"{sheet.title_vi} — {sheet.title_en}" in text
    assert to_png(pdf, tmp_path / "png" / "mau")                       # it draws as well
