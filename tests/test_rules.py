"""Cross-sheet and reference rules (schemas/rules.py): each rule good and bad, on the exact cells."""
from __future__ import annotations

from datetime import date

import pandas as pd

from cotmoc.core.display import vi_number
from cotmoc.schemas import validate_report
from cotmoc.schemas.rules import _marker_keys, marker_keys
from tests.test_schemas import TODAY, award, found, make_report, seg, team, timed_validation


def rules_of(report, today=TODAY):
    return found(validate_report(report, today=today))


# ---------------------------------------------------------------- period and report date
def test_a_period_in_the_future_and_a_report_signed_before_its_period():
    r = make_report(period="2027", report_date=date(2026, 1, 1))
    assert rules_of(r) == [("period.future", "C4"), ("report_date.before_period", "C8")]
    problem = next(p for p in validate_report(r, today=TODAY) if p.rule == "report_date.before_period")
    assert problem.value == "01/01/2026" and "01/01/2027" in problem.message_vi


def test_a_report_signed_in_the_future():
    r = make_report(period="2026S1", report_date=date(2026, 12, 1))
    assert rules_of(r) == [("report_date.future", "C8")]
    assert rules_of(make_report(period="2026S1", report_date=date(2026, 11, 22))) == []


def test_a_report_signed_more_than_two_years_after_its_period_is_a_warning():
    late = validate_report(make_report(report_date=date(2019, 2, 1)), today=TODAY)
    assert [(p.severity, p.rule, p.cell) for p in late] == [("warning", "report_date.late", "C8")]
    assert rules_of(make_report(report_date=date(2018, 12, 31))) == []


def test_the_future_is_judged_against_the_real_today_by_default():
    r = make_report(period="2100", report_date=date(2016, 6, 1))
    assert ("period.future", "C4") in found(validate_report(r))


def test_no_period_no_period_rules():
    r = make_report(period=None, segments=[seg(km=5000.0)], awards=[award(day="1999-01-01")])
    assert rules_of(r) == []


# ---------------------------------------------------------------- borders and their totals
def test_a_border_the_province_does_not_have():
    r = make_report(segments=[seg(), seg(border="VN-KH", km=1000.0)])
    [p] = validate_report(r, today=TODAY)          # the 1000 km of the wrong border are not added up too
    assert (p.rule, p.cell, p.value) == ("segments.border_not_of_province", "A5", "Việt Nam – Campuchia")
    assert "Điện Biên không có tuyến biên giới Việt Nam – Campuchia" in p.message_vi
    assert "Việt Nam – Trung Quốc; Việt Nam – Lào" in p.fix_vi and "Viet Nam – Laos" in p.fix_en


def test_a_province_without_a_land_border_before_the_merger_and_with_one_after():
    before = make_report(province="quang_ngai", period="2024", report_date=date(2025, 1, 10), segments=[seg()])
    [p] = validate_report(before, today=TODAY)
    assert (p.rule, p.cell) == ("segments.border_not_of_province", "A4")
    assert "không có biên giới đất liền" in p.fix_vi
    after = make_report(province="quang_ngai", period="2025S2", report_date=date(2026, 1, 10),
                        segments=[seg(border="VN-LA", km=100.0), seg(border="VN-KH", km=100.0)])
    assert rules_of(after) == []                    # Kon Tum's borders came with the merger


def test_km_past_one_borders_total_names_the_largest_rows():
    r = make_report(segments=[seg(border="VN-CN", km=30.0), seg(border="VN-CN", km=11.0), seg(km=1.0)])
    found = validate_report(r, today=TODAY)        # one problem on each row the message names, none on G3
    assert [(p.rule, p.sheet, p.column, p.cell, p.row, p.value) for p in found] == [
        ("segments.km_over_total", "doan_bien_gioi", "length_km", "G4", 4, "30,000"),
        ("segments.km_over_total", "doan_bien_gioi", "length_km", "G5", 5, "11,000")]
    p = found[0]
    assert found[1].message_vi == p.message_vi
    assert p.message_vi.startswith("Chiều dài (km): tổng 41,000 km đăng ký vượt quá 40,861 km của tuyến "
                                   "Việt Nam – Trung Quốc của tỉnh (số liệu tham chiếu: ước tính: khoảng 40,86 km")
    assert "dòng 4 (30,000 km), dòng 5 (11,000 km)" in p.message_vi and "row 4 (30.000 km)" in p.message_en
    assert "DOMAIN" not in p.message_vi and "China" not in p.message_vi


def test_km_exactly_at_the_total_is_fine():
    r = make_report(segments=[seg(border="VN-CN", km=20.5), seg(border="VN-CN", km=20.361), seg(km=360.0)])
    assert rules_of(r) == []


def test_the_whole_land_border_counts_rows_whatever_their_border():
    # 350 km with Laos is within its 360 km; with a row whose border was unreadable the province passes 400.861
    r = make_report(segments=[seg(km=350.0), seg(border=None, km=60.0)])
    found = validate_report(r, today=TODAY)
    assert [(p.rule, p.cell) for p in found] == [("segments.km_over_total", "G4"), ("segments.km_over_total", "G5")]
    p = found[0]
    assert "toàn bộ biên giới đất liền" in p.message_vi and "whole land border" in p.message_en
    assert "Sở TTTT Điện Biên" in p.message_vi


def test_a_province_with_one_land_border_is_told_once():
    r = make_report(province="son_la", period="2019", report_date=date(2020, 1, 10),
                    segments=[seg(border="VN-LA", km=300.0), seg(border="VN-LA", km=132.012)])
    found = validate_report(r, today=TODAY)
    assert [(p.rule, p.cell, p.value) for p in found] == [("segments.km_over_total", "G4", "300,000"),
                                                          ("segments.km_over_total", "G5", "132,012")]
    assert "tuyến Việt Nam – Lào của tỉnh" in found[0].message_vi and "toàn bộ" not in found[0].message_vi
    assert "Tổng 432,012 km".lower() in found[0].message_vi.lower()
    assert "cơ quan thường trực cần xác nhận" in found[0].message_vi and "approximate" not in found[0].message_vi


def test_markers_past_the_total_and_unknown_totals():
    over = make_report(segments=[seg(markers=100), seg(markers=88), seg(markers=0)])
    found = validate_report(over, today=TODAY)     # the row with no marker is not one to look at
    assert [(p.rule, p.cell, p.value) for p in found] == [("segments.markers_over_total", "H4", "100"),
                                                          ("segments.markers_over_total", "H5", "88")]
    p = found[0]
    assert "vượt quá 187 cột mốc" in p.message_vi and "dòng 4 (100 cột mốc), dòng 5 (88 cột mốc)" in p.message_vi
    assert "dòng 6" not in p.message_vi
    unknown = make_report(province="lai_chau", period="2019", report_date=date(2020, 1, 10),
                          segments=[seg(border="VN-CN", markers=5000, km=1.0)])
    assert rules_of(unknown) == []                  # Lai Châu's marker count is not in the reference data


# ---------------------------------------------------------------- markers claimed twice
def test_marker_codes_sort_sub_markers_between_main_ones():
    codes = pd.Series(["121", "120/1", "Mốc 120", "120(2)", "M 8", "120.3", "x", None], dtype="string")
    keys = marker_keys(codes)
    assert keys.isna().tolist() == [False] * 6 + [True, True]
    order = codes[keys.notna()].iloc[keys[keys.notna()].argsort()].tolist()
    assert order == ["M 8", "Mốc 120", "120/1", "120(2)", "120.3", "121"]


def test_marker_keys_parsed_once_for_each_distinct_code_are_the_keys_of_every_code():
    codes = pd.Series(["121", None, "120/1", "121", "Ｍốc １２", "x", "120/1", None, " m 8 ", "121"] * 3, dtype="string",
                      index=range(100, 130))
    keys = marker_keys(codes)
    pd.testing.assert_series_equal(keys, _marker_keys(codes), check_exact=True)
    assert keys.dtype == "Int64" and keys.index.equals(codes.index) and keys.notna().sum() == 18
    assert marker_keys(pd.Series([], dtype="string")).dtype == "Int64"


def test_a_marker_claimed_by_two_stretches():
    r = make_report(segments=[seg(frm="10", to="20"), seg(frm="20/1", to="25"), seg(frm="24", to="30"),
                              seg(border="VN-CN", km=1.0, frm="24", to="26")])
    problems = validate_report(r, today=TODAY)
    assert found(problems) == [("segments.marker_claimed_twice", "E5"), ("segments.marker_claimed_twice", "E6")]
    first = problems[0]
    assert first.message_vi.startswith("Các mốc 20/1–25 trùng với đoạn ở dòng 6") and first.value == "20/1–25"


def test_neighbours_sharing_a_marker_backwards_ranges_and_single_markers():
    r = make_report(segments=[seg(frm="10", to="20"), seg(frm="20", to="30"),      # share marker 20
                              seg(frm="50", to="40"), seg(frm="45"),               # backwards; a single marker
                              seg(to="60"), seg(frm="61", to="70")])               # only the last one given
    assert [p.row for p in validate_report(r, today=TODAY)] == [4, 5, 6, 7]


def test_a_long_stretch_overlapping_many_names_them_all():
    r = make_report(segments=[seg(frm="1", to="100"), seg(frm="5", to="10"), seg(frm="20", to="30"),
                              seg(frm="40", to="50"), seg(frm="60", to="70")])
    problems = validate_report(r, today=TODAY)
    assert [p.row for p in problems] == [4, 5, 6, 7, 8]
    assert "dòng 5, dòng 6, dòng 7 và 1 dòng khác" in problems[0].message_vi
    assert all("dòng 4" in p.message_vi for p in problems[1:])


def test_an_unreadable_marker_code_is_a_warning_and_skipped():
    r = make_report(segments=[seg(frm="10", to="20"), seg(frm="mười lăm", to="bốn")])
    problems = validate_report(r, today=TODAY)
    assert [(p.severity, p.rule, p.cell) for p in problems] == [
        ("warning", "segments.marker_unreadable", "E5"), ("warning", "segments.marker_unreadable", "F5")]


def test_overlaps_in_100000_rows_are_found_quickly(capsys):
    rows = [seg(km=0.001, markers=0, frm=str(2 * i), to=str(2 * i + 1)) for i in range(100_000)]
    for i in range(0, 100_000, 1000):
        rows[i][5] = str(2 * i + 2)                 # reaches the next stretch's first marker: 100 overlaps
    problems, elapsed = timed_validation(make_report(segments=rows), "marker ranges checked", capsys)
    assert len(problems) == 200 and {p.rule for p in problems} == {"segments.marker_claimed_twice"}


# ---------------------------------------------------------------- award decision dates
def test_decisions_in_the_period_or_a_few_months_after_are_fine():
    r = make_report(awards=[award(day="2016-01-01"), award(day="2016-12-31"), award(day="2017-04-25"), award(day=None)])
    assert rules_of(r) == []


def test_decision_dates_outside_the_period():
    r = make_report(awards=[award(day="2015-11-30"), award(day="2014-12-31"), award(day="2017-05-02")])
    problems = validate_report(r, today=TODAY)
    assert [(p.severity, p.rule, p.cell) for p in problems] == [
        ("error", "awards.decision_long_before_period", "B5"), ("error", "awards.decision_after_report", "B6"),
        ("warning", "awards.decision_outside_period", "B4")]
    assert problems[1].message_vi == "Ngày quyết định 02/05/2017 muộn hơn ngày ký báo cáo (25/04/2017)"


def test_a_decision_long_after_the_period_in_a_late_report_is_a_warning():
    r = make_report(report_date=date(2018, 3, 1), awards=[award(day="2017-08-01"), award(day="2017-06-30")])
    problems = validate_report(r, today=TODAY)
    assert [(p.severity, p.cell, p.value) for p in problems] == [("warning", "B4", "01/08/2017")]


def test_without_a_report_date_today_is_the_limit():
    r = make_report(report_date=None, awards=[award(day="2026-12-01"), award(day="2018-01-01")])
    assert rules_of(r) == [("awards.decision_after_report", "B4"), ("awards.decision_outside_period", "B5")]


def test_numbers_are_written_the_vietnamese_way():
    assert (vi_number(400.861, 3), vi_number(21790), vi_number(1234567.5, 1)) == ("400,861", "21.790", "1.234.567,5")


# ---------------------------------------------------------------- many reports checked as one batch
def test_a_batch_gives_each_report_exactly_its_own_problems():
    """The ingest checks reports in batches (one schema run per sheet for all of them): every problem must
    land on its own report, on its own cell, as when the report is checked alone."""
    from cotmoc.schemas import validate_reports
    reports = [
        make_report(teams=[team()], segments=[seg()], awards=[award()]),                       # clean
        make_report(segments=[seg(), seg(border="VN-KH", km=1000.0)]),                          # wrong border
        make_report(segments=[seg(km=400.0), seg(km=300.0)]),                                   # over the total
        make_report(segments=[seg(frm="120", to="125"), seg(frm="124", to="130"), seg(frm="x?")]),  # overlap
        make_report(teams=[team(teams=5, members=2), team(teams=-1)]),                          # row + value rules
        make_report(awards=[award(day="2014-01-01"), award(collectives=0, individuals=0)]),     # awards
        make_report(period="2027", report_date=date(2026, 1, 1)),                                # thong_tin
        make_report(period=None, segments=[seg(km=5000.0)]),                                     # no period
        make_report(teams=[team()], segments=[seg(frm="120", to="125")], awards=[award()]),    # clean again
    ]
    alone = [validate_report(r, today=TODAY) for r in reports]
    assert validate_reports(reports, today=TODAY) == alone
    assert [len(a) > 0 for a in alone] == [False, True, True, True, True, True, True, False, False]
    # the same marker codes in two different reports are no overlap: each report is its own border line
    assert validate_reports([reports[8], reports[8]], today=TODAY) == [[], []]


def test_a_wrongly_shaped_report_in_a_batch_keeps_its_own_internal_errors():
    """A frame of the wrong shape (our fault, never the steward's) must not be hidden by the batch's other
    reports, whose columns would fill the gap, nor leak onto them."""
    from cotmoc.schemas import validate_reports
    bad = make_report(teams=[team()])
    bad.teams["teams"] = bad.teams["teams"].astype("Float64")
    bad.awards = bad.awards.drop(columns=["individuals"])
    clean = make_report(teams=[team()], awards=[award()])
    assert validate_reports([clean, bad, clean], today=TODAY) == [[], validate_report(bad, today=TODAY), []]
    assert {p.column for p in validate_report(bad, today=TODAY)} == {"teams", "individuals"}
