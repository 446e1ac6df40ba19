"""The analyst views (CONTRACT.md §2) on a real DuckDB file: exact names and columns, the golden Điện Biên
figures, only current accepted submissions, half-years never added to years, the 2025 merger, completeness,
lineage, and national figures that are the sum of the provinces' (a hypothesis property)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings as hyp_settings, strategies as st

from cotmoc.core import reference
from cotmoc.core.config import load_settings
from cotmoc.pipeline.checking import check_file
from cotmoc.core.periods import Period
from cotmoc.core.problems import ERROR, Problem
from cotmoc.samples.seeds import dien_bien_2016
from tests.test_warehouse import TODAY, make_report, record, segment
from cotmoc.warehouse import load as wh
from cotmoc.warehouse.db import open_warehouse

CONTRACT_VIEWS = {   # copied from CONTRACT.md §2: view → key columns
    "province_teams": "period, province_code, province_name, team_type, teams, members, households",
    "province_segments": "period, province_code, province_name, border, collectives, length_km, total_km, km_coverage, "
                         "markers, total_markers, marker_coverage, border_works, households, persons",
    "province_awards": "period, province_code, province_name, issuer, award_form, decisions, collectives, individuals",
    "national_teams": "period, team_type, provinces_reporting, teams, members, households",
    "national_segments": "period, border, provinces_reporting, length_km, total_km, km_coverage, markers, total_markers, "
                         "marker_coverage, border_works, households, persons",
    "national_awards": "period, issuer, award_form, provinces_reporting, decisions, collectives, individuals",
    "completeness": "period, province_code, province_name, status, submission_id, received_at",
}
EXTRA_VIEWS = {      # what this warehouse adds: the reporting (pre-merger) province, all borders, lineage
    "province_teams": "reporting_province_code, reporting_province_name",
    "province_segments": "reporting_province_code, reporting_province_name",
    "province_awards": "reporting_province_code, reporting_province_name",
    "province_segments_all_borders": "period, province_code, province_name, reporting_province_code, "
                                     "reporting_province_name, collectives, length_km, total_km, km_coverage, markers, "
                                     "total_markers, marker_coverage, border_works, households, persons",
    "completeness": "reporting_province_code, reporting_province_name, due_date, on_time, errors",
    "lineage_segments": "period, province_code, reporting_province_code, border, submission_id, file_name, sha256, "
                        "sheet, excel_row",
    "lineage_teams": "period, province_code, reporting_province_code, team_type, submission_id, file_name, sha256, "
                     "sheet, excel_row",
    "lineage_awards": "period, province_code, reporting_province_code, issuer, award_form, submission_id, file_name, "
                      "sha256, sheet, excel_row",
}


@pytest.fixture
def con(tmp_path):
    c = open_warehouse(tmp_path / "w.duckdb", today=TODAY)
    yield c
    c.close()


def dien_bien_2016_by_hand():
    """The 2016 Điện Biên report as the sources give it: 125 collectives registering 365.861 km, 173 markers,
    4 border works, 2,789 households, 3,816 persons; 347 village teams of 2,041 members; giấy khen from the
    District People's Committees to 32 collectives and 52 individuals."""
    segments = [segment(border="VN-CN" if i < 12 else "VN-LA", km=(2926 + (i < 111)) / 1000, markers=1 + (i < 48),
                        works=int(i < 4), households=22 + (i < 39), persons=30 + (i < 66), collective=f"Bản {i + 1}")
                for i in range(125)]
    teams = [{"commune": f"Xã {i + 1}", "team_type": "antt_thon_ban", "teams": 12 - (i == 28),
              "members": 70 + (i < 11)} for i in range(29)]
    awards = [{"issuer": "ubnd_huyen", "award_form": "giay_khen", "collectives": 20, "individuals": 30},
              {"issuer": "ubnd_huyen", "award_form": "giay_khen", "collectives": 12, "individuals": 22}]
    return make_report("dien_bien", "2016", teams=teams, segments=segments, awards=awards)


def columns_of(con, view: str) -> set[str]:
    return {r[0] for r in con.execute("select column_name from duckdb_columns() where table_name = ?", [view]).fetchall()}


def test_every_contract_view_and_column_exists(con):
    views = {r[0] for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()}
    for spec in (CONTRACT_VIEWS, EXTRA_VIEWS):
        for view, columns in spec.items():
            assert view in views
            missing = set(columns.split(", ")) - columns_of(con, view)
            assert not missing, (view, missing)


def test_the_golden_dien_bien_figures(con):
    report = dien_bien_2016_by_hand()
    assert report.teams["teams"].sum() == 347 and report.teams["members"].sum() == 2041
    result = record(con, report, "dien_bien_2016.xlsx")
    row = con.execute("""select length_km, total_km, km_coverage, markers, total_markers, marker_coverage,
                                border_works, households, persons, collectives, province_name, reporting_province_code
                         from province_segments_all_borders where period = '2016' and province_code = 'dien_bien'""").fetchone()
    assert row[:2] == (Decimal("365.861"), Decimal("400.861"))
    assert row[2] == pytest.approx(365.861 / 400.861, abs=1e-6) and round(row[2], 4) == 0.9127
    assert row[3:5] == (173, 187) and row[5] == pytest.approx(173 / 187, abs=1e-6) and round(row[5], 4) == 0.9251
    assert row[6:] == (4, 2789, 3816, 125, "Điện Biên", "dien_bien")
    per_border = con.execute("""select border, collectives, length_km, total_km, km_coverage, total_markers, marker_coverage
                                from province_segments order by border""").fetchall()
    assert per_border == [("VN-CN", 12, Decimal("35.124"), Decimal("40.861"), pytest.approx(35.124 / 40.861, abs=1e-6),
                           None, None),     # markers per border are unknown: coverage NULL, not 0 or 100 %
                          ("VN-LA", 113, Decimal("330.737"), Decimal("360.000"), pytest.approx(330.737 / 360, abs=1e-6),
                           None, None)]
    assert con.execute("select team_type, teams, members from province_teams").fetchall() == [("antt_thon_ban", 347, 2041)]
    assert con.execute("select issuer, award_form, decisions, collectives, individuals from province_awards").fetchall() \
        == [("ubnd_huyen", "giay_khen", 2, 32, 52)]
    national = con.execute("select border, provinces_reporting, length_km, total_km, km_coverage from national_segments "
                           "order by border").fetchall()
    # the national total is the whole border, so one province's report is far from complete coverage
    assert national == [("VN-CN", 1, Decimal("35.124"), Decimal("1449.566"), pytest.approx(35.124 / 1449.566, abs=1e-6)),
                        ("VN-LA", 1, Decimal("330.737"), Decimal("2337.459"), pytest.approx(330.737 / 2337.459, abs=1e-6))]
    assert con.execute("select distinct submission_id from lineage_segments").fetchall() == [(result.submission_id,)]


def test_the_golden_figures_through_a_real_workbook(con, tmp_path):
    path = dien_bien_2016().write(tmp_path / "dien_bien_2016.xlsx")
    checked = check_file(path, load_settings(tmp_path, environ={}), today=TODAY)
    assert checked.accepted, [p.text_vi() for p in checked.problems if p.is_error]
    wh.record_submission(con, file=checked.facts, report=checked.report, problems=checked.problems, accepted=True)
    assert con.execute("select length_km, total_km, markers, total_markers, households, persons, collectives "
                       "from province_segments_all_borders").fetchone() == \
        (Decimal("365.861"), Decimal("400.861"), 173, 187, 2789, 3816, 125)
    assert con.execute("select min(excel_row), max(excel_row), count(*), any_value(file_name) from lineage_segments") \
        .fetchone() == (4, 128, 125, "dien_bien_2016.xlsx")


def test_only_the_current_accepted_submission_reaches_the_views(con):
    first = record(con, make_report("son_la", "2019", segments=[segment(km=10)],
                                    teams=[{"commune": "Xã A", "team_type": "khac", "teams": 1, "members": 3}]), "v1.xlsx")
    second = record(con, make_report("son_la", "2019", segments=[segment(km=12), segment(km=1)],
                                     teams=[{"commune": "Xã A", "team_type": "khac", "teams": 2, "members": 9}]), "v2.xlsx")
    error = Problem(ERROR, "x", "lỗi", "error")
    record(con, make_report("son_la", "2019", segments=[segment(km=99)]), "bad.xlsx", accepted=False, problems=[error])
    wh.record_duplicate(con, wh.FileFacts("copy.xlsx", "inputs/inbox/copy.xlsx", "f" * 64, 1, datetime(2026, 2, 1)),
                        first.submission_id)
    assert second.superseded_id == first.submission_id
    assert con.execute("select submission_id, collectives, length_km from province_segments").fetchall() == \
        [(second.submission_id, 2, Decimal("13.000"))]
    assert con.execute("select teams, members from national_teams").fetchall() == [(2, 9)]
    assert con.execute("select distinct file_name from lineage_segments").fetchall() == [("v2.xlsx",)]
    assert con.execute("select distinct file_name from lineage_teams").fetchall() == [("v2.xlsx",)]


def test_rejected_and_duplicate_submissions_never_reach_the_views(con):
    error = Problem(ERROR, "x", "lỗi", "error")
    rejected = record(con, dien_bien_2016_by_hand(), "bad.xlsx", accepted=False, problems=[error, error])
    wh.record_duplicate(con, wh.FileFacts("copy.xlsx", "inputs/inbox/copy.xlsx", "f" * 64, 1, datetime(2026, 2, 1)),
                        rejected.submission_id)
    for view in [*CONTRACT_VIEWS, *EXTRA_VIEWS]:
        if view != "completeness":
            assert con.execute(f"select count(*) from {view}").fetchone()[0] == 0, view
    assert con.execute("select status, errors, submission_id from completeness where period = '2016' "
                       "and province_code = 'dien_bien'").fetchone() == ("rejected", 2, rejected.submission_id)


def test_half_years_and_the_year_are_never_added_together(con):
    for period, km in (("2019S1", 1), ("2019S2", 2), ("2019", 4)):
        record(con, make_report("son_la", period, segments=[segment(km=km)]), f"son_la_{period}.xlsx")
    assert con.execute("select period, length_km from province_segments order by period").fetchall() == \
        [("2019", Decimal("4.000")), ("2019S1", Decimal("1.000")), ("2019S2", Decimal("2.000"))]
    assert con.execute("select period, length_km from national_segments order by period").fetchall() == \
        [("2019", Decimal("4.000")), ("2019S1", Decimal("1.000")), ("2019S2", Decimal("2.000"))]


def test_the_merger_gives_the_current_series_and_the_old_provinces_own(con):
    kon_tum = make_report("kon_tum", "2023", segments=[segment(border="VN-LA", km=5), segment(border="VN-KH", km=7)],
                          awards=[{"issuer": "mttq_tinh", "award_form": "bang_khen", "collectives": 1, "individuals": 2}],
                          teams=[{"commune": "Xã Ia Dom", "team_type": "khac", "teams": 3, "members": 30}])
    record(con, kon_tum, "kon_tum_2023.xlsx")
    record(con, make_report("quang_ngai", "2025", segments=[segment(border="VN-KH", km=9)]), "quang_ngai_2025.xlsx")
    rows = con.execute("""select period, province_code, province_name, reporting_province_code, reporting_province_name,
                                 border, total_km from province_segments order by all""").fetchall()
    assert rows == [("2023", "quang_ngai", "Quảng Ngãi", "kon_tum", "Kon Tum", "VN-KH", Decimal("138.800")),
                    ("2023", "quang_ngai", "Quảng Ngãi", "kon_tum", "Kon Tum", "VN-LA", Decimal("142.400")),
                    # after the merger Quảng Ngãi's border is Kon Tum's (the sum of its constituents)
                    ("2025", "quang_ngai", "Quảng Ngãi", "quang_ngai", "Quảng Ngãi", "VN-KH", Decimal("138.800"))]
    for view in ("province_teams", "province_awards", "province_segments_all_borders"):
        assert con.execute(f"select province_code, reporting_province_code from {view} where period = '2023'") \
            .fetchall() == [("quang_ngai", "kon_tum")], view
    # no ALL row for Kon Tum: the whole-border total is the sum of its per-border totals, markers unknown
    assert con.execute("select total_km, total_markers, km_coverage from province_segments_all_borders "
                       "where period = '2023'").fetchone() == (Decimal("281.200"), None, pytest.approx(12 / 281.2, abs=1e-6))
    assert con.execute("select collectives, individuals from province_awards").fetchone() == (1, 2)
    kinds = con.execute("select period, province_code, reporting_province_code, status from completeness "
                        "where 'quang_ngai' in (province_code, reporting_province_code) and period in ('2023', '2025') "
                        "order by period").fetchall()
    assert kinds == [("2023", "quang_ngai", "kon_tum", "accepted"), ("2025", "quang_ngai", "quang_ngai", "accepted")]


def test_two_old_provinces_of_one_current_province_are_separate_rows(con):
    record(con, make_report("quang_tri", "2024", segments=[segment(km=3)]), "quang_tri.xlsx")
    record(con, make_report("quang_binh", "2024", segments=[segment(km=4)]), "quang_binh.xlsx")
    rows = con.execute("select reporting_province_code, length_km, total_km from province_segments "
                       "where province_code = 'quang_tri' order by 1").fetchall()
    assert rows == [("quang_binh", Decimal("4.000"), Decimal("201.870")), ("quang_tri", Decimal("3.000"), Decimal("206.000"))]
    assert con.execute("select provinces_reporting, length_km from national_segments").fetchone() == (2, Decimal("7.000"))


def test_completeness_lists_missing_late_and_rejected_provinces(con):
    record(con, make_report("dien_bien", "2016", segments=[segment()]), "dien_bien.xlsx",
           facts={"received_at": datetime(2017, 1, 20, 8)})
    record(con, make_report("son_la", "2016", segments=[segment()]), "son_la.xlsx",
           facts={"received_at": datetime(2017, 3, 1, 8)})
    errors = [Problem(ERROR, "x", "lỗi", "error")] * 3
    record(con, make_report("lai_chau", "2016", segments=[segment()]), "lai_chau.xlsx", accepted=False, problems=errors,
           facts={"received_at": datetime(2017, 1, 10, 8)})
    rows = con.execute("select reporting_province_code, (status, on_time, errors), due_date from completeness "
                       "where period = '2016'").fetchall()
    assert len(rows) == len(reference.expected_reporters("2016")) == 25
    assert {r[2] for r in rows} == {date(2017, 1, 31)}
    status = {r[0]: r[1] for r in rows}
    assert status["dien_bien"] == ("accepted", True, None)
    assert status["son_la"] == ("accepted", False, None)
    assert status["lai_chau"] == ("rejected", None, 3)      # a rejected report is not a report: no timeliness
    missing = sorted(code for code, s in status.items() if s == ("missing", None, None))
    assert missing == sorted(set(reference.expected_reporters("2016")) - {"dien_bien", "son_la", "lai_chau"})
    # a later accepted file wins over the rejected one
    record(con, make_report("lai_chau", "2016", segments=[segment()]), "lai_chau_sua.xlsx")
    assert con.execute("select status from completeness where period = '2016' and province_code = 'lai_chau'") \
        .fetchone() == ("accepted",)
    assert con.execute("select count(*) from completeness where period = '2025'").fetchone()[0] == 22


def test_lineage_leads_from_a_rollup_row_to_its_excel_rows(con):
    result = record(con, dien_bien_2016_by_hand(), "dien_bien_2016.xlsx")
    total = con.execute("select length_km from province_segments where period = '2016' and province_code = 'dien_bien' "
                        "and border = 'VN-CN'").fetchone()[0]
    rows = con.execute("""select submission_id, file_name, sha256, sheet, excel_row, length_km from lineage_segments
                          where period = '2016' and province_code = 'dien_bien' and border = 'VN-CN'
                          order by excel_row""").fetchall()
    assert sum(r[5] for r in rows) == total and [r[4] for r in rows] == list(range(4, 16))
    assert {r[:4] for r in rows} == {(result.submission_id, "dien_bien_2016.xlsx",
                                      con.execute("select sha256 from submissions").fetchone()[0], "doan_bien_gioi")}
    assert con.execute("select sum(teams), count(*) from lineage_teams where team_type = 'antt_thon_ban'").fetchone() == (347, 29)
    assert con.execute("select sheet, excel_row from lineage_awards order by excel_row").fetchall() == \
        [("khen_thuong", 4), ("khen_thuong", 5)]


# ── national = sum of provinces, over random small reports ─────────────────────────────────────────────
counts = st.integers(0, 500)
team_rows = st.lists(st.fixed_dictionaries({
    "commune": st.just("Xã A"), "team_type": st.sampled_from(["duong_bien_cot_moc", "antt_thon_ban", "khac"]),
    "teams": st.integers(0, 30), "members": st.integers(30, 400), "households": st.none() | counts}), max_size=4)
award_rows = st.lists(st.fixed_dictionaries({
    "issuer": st.sampled_from(["ubnd_tinh", "ubnd_huyen", "mttq_tinh"]),
    "award_form": st.sampled_from(["bang_khen", "giay_khen"]), "collectives": st.integers(0, 9),
    "individuals": st.integers(1, 9)}), max_size=3)


def segment_rows(borders):
    return st.lists(st.builds(segment, border=st.sampled_from(borders), km=st.integers(0, 20_000).map(lambda m: m / 1000),
                              markers=st.integers(0, 9), works=st.integers(0, 2), households=counts,
                              persons=st.integers(500, 900)), max_size=5)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    c = open_warehouse(tmp_path_factory.mktemp("national") / "w.duckdb", today=TODAY)
    yield c
    c.close()


@hyp_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(period=st.sampled_from(["2018", "2021S2", "2025S2"]), data=st.data())
def test_national_figures_equal_the_sum_of_provinces(shared, period, data):
    con = shared
    con.execute("delete from fact_teams; delete from fact_segments; delete from fact_awards; "
                "delete from validation_issues; delete from submissions")
    provinces = data.draw(st.lists(st.sampled_from(reference.expected_reporters(period)), min_size=1, max_size=4,
                                   unique=True))
    for province in provinces:
        borders = reference.borders_of(province, Period.parse(period).end)
        record(con, make_report(province, period, teams=data.draw(team_rows), segments=data.draw(segment_rows(borders)),
                                awards=data.draw(award_rows)), f"{province}.xlsx")
    for view, keys, measures in (("teams", "team_type", "teams, members, households"),
                                 ("segments", "border", "collectives, length_km, markers, border_works, households, persons"),
                                 ("awards", "issuer, award_form", "decisions, collectives, individuals")):
        sums = ", ".join(f"sum({m})" for m in measures.split(", "))
        provinces_rows = con.execute(f"select period, {keys}, {sums}, count(distinct reporting_province_code) "
                                     f"from province_{view} group by all order by all").fetchall()
        national = con.execute(f"select period, {keys}, {measures}, provinces_reporting from national_{view} "
                               f"order by all").fetchall()
        assert provinces_rows == national, view
    whole = dict(con.execute("select border, total_km from ref_borders").fetchall())
    for border, length, total, coverage in con.execute("select border, length_km, total_km, km_coverage "
                                                       "from national_segments").fetchall():
        assert total == whole[border] and coverage == pytest.approx(float(length / total), abs=1e-6)
