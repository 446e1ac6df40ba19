"""What the steward reads in each message: a fix that fits the kind of cell, Vietnamese numbers in Vietnamese
text, names instead of codes, and never the advice to delete a column that holds the data."""
from __future__ import annotations

import re
from datetime import date

import openpyxl
import pytest

from cotmoc.core import contract
from cotmoc.reading.column_match import column_problems
from cotmoc.core.config import load_settings
from cotmoc.pipeline.checking import check_file
from cotmoc.reading.normalise import missing_fix
from cotmoc.samples import faulty
from cotmoc.samples.generator import generate_report
from cotmoc.reading.workbook import read_report

TODAY = date(2026, 11, 22)
TEAMS = contract.TO_TU_QUAN
# "3.816" or "400.861" in Vietnamese text reads as thousands; "432,012" in English text reads as 432 thousand
ENGLISH_DECIMAL = re.compile(r"(?<![\d.,])\d+\.\d{1,2}(?!\d)|\d{1,3}(?:,\d{3})+\.\d+")


def test_an_old_templates_column_is_linked_to_the_missing_one_and_kept(tmp_path):
    made = faulty.stale_header(tmp_path / "old.xlsx")
    problems = read_report(made.path).problems
    missing = next(p for p in problems if p.rule == "column.missing")
    unknown = next(p for p in problems if p.rule == "column.unknown")
    assert (missing.cell, unknown.cell) == ("E3", "E3")        # both on the cell holding the old code
    assert "so_thanh_vien" in missing.message_vi and "cột E" in missing.message_vi
    assert "Số thành viên" in unknown.message_vi and "did you mean" in unknown.message_en
    for p in (missing, unknown):
        assert "'members'" in p.fix_vi and "E3" in p.fix_vi and "không xóa" in p.fix_vi
        assert not re.search(r"(?<!không )xóa cột", p.fix_vi, re.I) and "delete the column if" not in p.fix_en.lower()


@pytest.mark.parametrize("code, label, expected", [
    ("so_thanh_vien", "Số thành viên *", "members"),          # the old template: the code spells the label
    ("thanh_vien", "Số thành viên", "members"),               # by the label above it
    ("member", "", "members"),                                # a typo of the code
    ("so_lan_tuan_tra", "Số lần tuần tra", None),             # a column of the province's own: linked to nothing
])
def test_which_unknown_column_is_taken_for_a_missing_one(code, label, expected):
    present = {c: i for i, c in enumerate(TEAMS.codes, start=1) if c != "members"}
    found = column_problems(TEAMS, present, {9: code}, {9: label}, contract.CODE_ROW)
    missing = next(p for p in found if p.rule == "column.missing")
    unknown = next(p for p in found if p.rule == "column.unknown")
    if expected:
        assert missing.cell == "I3" and code in missing.message_vi and "members" in unknown.message_vi
    else:
        assert missing.cell is None and "members" not in unknown.message_vi
        assert "chép số liệu sang đúng cột" in unknown.fix_vi          # move it, never delete it


def test_an_extra_column_of_the_provinces_own_is_not_to_be_deleted(tmp_path):
    made = faulty.extra_column(tmp_path / "extra.xlsx")
    [p] = [p for p in read_report(made.path).problems if p.rule == "column.unknown"]
    assert "xóa" not in p.fix_vi.lower() and "delete" not in p.fix_en.lower()


def test_an_empty_required_cell_gets_a_fix_for_its_kind():
    fixes = {col.kind: missing_fix(col)[0] for s in contract.SHEETS for col in s.columns}
    assert "0 nếu không có" in fixes[contract.INT] and "0 nếu không có" in fixes[contract.KM]
    for kind in (contract.TEXT, contract.DATE, contract.ENUM, contract.PROVINCE, contract.PERIOD):
        assert "0" not in fixes[kind].replace("2024", "").replace("15/03", ""), (kind, fixes[kind])
    assert "ngày/tháng/năm" in fixes[contract.DATE] and "danh sách" in fixes[contract.ENUM]
    assert missing_fix(TEAMS.column("commune"))[0] == "Ghi xã vào ô này (không để trống)"


def test_the_fix_for_an_unreadable_number_has_a_neutral_example(tmp_path):
    made = faulty.typo_number(tmp_path / "typo.xlsx")
    checked = check_file(made.path, load_settings(tmp_path, environ={}), today=TODAY)
    p = next(p for p in checked.problems if p.rule == "number.unreadable")
    total = checked.report.segments["persons"].sum()
    assert "3816" not in p.fix_vi and str(int(total)) not in p.fix_vi and "vd" in p.fix_vi


def test_numbers_in_messages_are_vietnamese_in_vietnamese_and_english_in_english(tmp_path):
    report = generate_report("son_la", "2020S1", seed=3)
    report.segments[0]["length_km"] = 300.0              # over Sơn La's border with Laos
    report.segments[1]["length_km"] = 1.2345             # too many decimals
    report.teams[0]["households"] = "2.789 hộ"           # repaired: read as 2789
    path = report.write(tmp_path / "son_la.xlsx")
    checked = check_file(path, load_settings(tmp_path, environ={}), today=TODAY)
    rules = {p.rule for p in checked.problems}
    assert {"segments.km_over_total", "segments.km_decimals", "number.repaired"} <= rules, rules
    for p in checked.problems:
        assert not ENGLISH_DECIMAL.search(p.message_vi), p.message_vi
        if p.value and p.rule in ("segments.km_over_total", "segments.km_decimals"):
            assert "." not in p.value, p.value                          # "Giá trị tìm thấy" the Vietnamese way
    over = next(p for p in checked.problems if p.rule == "segments.km_over_total")
    assert "Việt Nam – Lào" in over.message_vi and "VN-LA" not in over.message_vi
    assert re.search(r"\d+\.\d{3} km registered exceed the 274\.065 km", over.message_en)
    assert re.search(r"tổng \d+,\d{3} km đăng ký vượt quá 274,065 km", over.message_vi)
    repaired = next(p for p in checked.problems if p.rule == "number.repaired")
    assert "thành số 2.789" in repaired.message_vi and "the number 2,789" in repaired.message_en


def test_an_old_file_sent_as_is_reaches_the_same_messages_through_the_ingest(tmp_path):
    made = faulty.stale_header(tmp_path / "old.xlsx")
    checked = check_file(made.path, load_settings(tmp_path, environ={}), today=TODAY)
    assert {"column.missing", "column.unknown", "template.version_unknown"} <= {p.rule for p in checked.problems}
    wb = openpyxl.load_workbook(made.path)
    assert wb["to_tu_quan"]["E3"].value == "so_thanh_vien"     # the original is never changed


# Words that would mean English text inside a Vietnamese message ("file" and "sheet" are the words Vietnamese
# offices use themselves); quoted values and machine codes (so_thanh_vien) are left out of the search.
_ENGLISH = re.compile(r"\b(the|of|and|is|are|not|approximate|figure|office|confirmed|registered|source|reference|"
                      r"largest|row|rows|exceed|border|province|fix|check|cell|column|value|number|date)\b", re.I)
_QUOTED_OR_CODE = re.compile(r"'[^']*'|\b[a-z]+_[a-z_]+\b")


@pytest.mark.parametrize("builder", [
    faulty.typo_number, faulty.km_past_border_total, faulty.wrong_team_type, faulty.stale_header,
    faulty.missing_sheet, faulty.duplicated_column, faulty.extra_column, faulty.merged_cells, faulty.repairable_text,
    faulty.bad_counts, lambda p: faulty.future_period(p, TODAY), lambda p: faulty.formulas(p, cached=False)])
def test_vietnamese_messages_hold_no_english(tmp_path, builder):
    made = builder(tmp_path / "report.xlsx")
    checked = check_file(made.path, load_settings(tmp_path, environ={}), today=TODAY)
    assert checked.problems
    for p in checked.problems:
        for text in (p.message_vi, p.fix_vi):
            assert not _ENGLISH.search(_QUOTED_OR_CODE.sub("", text)), (p.rule, text)
            assert not ENGLISH_DECIMAL.search(_QUOTED_OR_CODE.sub("", text)), (p.rule, text)
