"""Text from outside made inert (cotmoc.core.inert) and stored names that fit every file system (cotmoc.pipeline.stored_names)."""
from __future__ import annotations

import os

from hypothesis import given, settings, strategies as st

from cotmoc.core.inert import markdown_text, shown_name, spreadsheet_text, terminal_text
from cotmoc.pipeline.stored_names import NAME_MAX_BYTES, STEM_MAX_BYTES, stored_name

SHA = "0123456789abcdef" * 4


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(min_size=1, max_size=255).filter(lambda b: b"/" not in b and b"\0" not in b))
def test_any_name_of_any_bytes_is_stored_within_the_limit_with_its_fingerprint(raw):
    name = stored_name(os.fsdecode(raw), SHA)
    encoded = name.encode("utf-8")                      # valid UTF-8, whatever came in
    assert len(encoded) + len(".") + len(".loi.xlsx.part") + len("-99999") <= NAME_MAX_BYTES
    assert "__01234567" in name and "/" not in name and "\\" not in name
    assert not name.startswith(".")


def test_a_long_vietnamese_title_is_cut_on_a_character_boundary():
    title = "Báo cáo kết quả phong trào toàn dân bảo vệ chủ quyền lãnh thổ biên giới quốc gia " * 4
    name = stored_name(title[:240] + ".xlsx", SHA)
    assert name.endswith("__01234567.xlsx") and len(name.encode()) <= STEM_MAX_BYTES
    assert title.startswith(name[: -len("__01234567.xlsx")].rstrip())


def test_names_show_undecodable_bytes_and_controls_visibly():
    assert shown_name(os.fsdecode(b"a\xffb.xlsx")) == "a\ufffdb.xlsx"
    assert shown_name("x\x1b[2Jy.xlsx") == "x\\x1b[2Jy.xlsx"
    assert terminal_text("a\u202eb\tc\nd") == "a\\u202eb\tc\nd"


def test_markdown_cells_cannot_inject_links_html_or_columns():
    text = markdown_text("[x](javascript:alert(1)) <script>|a\n#b")
    assert "<" not in text and "](" not in text and "|a" not in text.replace("\\|", "") and "\n" not in text


def test_spreadsheet_text_neutralises_formula_starts_only():
    for value in ("=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_text(value) == "'" + value
    assert spreadsheet_text("Lai Châu") == "Lai Châu" and spreadsheet_text(-5) == -5 and spreadsheet_text(None) is None
