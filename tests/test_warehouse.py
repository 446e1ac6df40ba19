"""The DuckDB warehouse: idempotent migrations, one transaction per submission (a failure at any step
leaves every table as it was), the contract's views over current accepted submissions only, the merger,
completeness, lineage, and a database that documents itself."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings as hyp_settings, strategies as st

from cotmoc import reference
from cotmoc.config import load_settings
from cotmoc.ingest import check_file
from cotmoc.samples.generator import generate_report
from cotmoc.samples.seeds import dien_bien_2016, kon_tum_2023
from warehouse import load as wh
from warehouse.db import migrate, open_warehouse

TODAY = date(2026, 11, 22)
CONTRACT_VIEWS = {   # CONTRACT.md §2: view → key columns
    "province_teams": "period province_code province_name team_type teams members households",
    "province_segments": "period province_code province_name border collectives length_km total_km km_coverage markers "
                         "total_markers marker_coverage border_works households persons",
    "province_awards": "period province_code province_name issuer award_form decisions collectives individuals",
    "national_teams": "period team_type provinces_reporting teams members households",
    "national_segments": "period border provinces_reporting length_km total_km km_coverage markers total_markers "
                         "marker_coverage border_works households persons",
    "national_awards": "period issuer award_form provinces_reporting decisions collectives individuals",
    "completeness": "period province_code province_name status submission_id received_at",
}
TABLES = ["submissions", "fact_teams", "fact_segments", "fact_awards", "validation_issues"]


@pytest.fixture
def con(tmp_path):
    c = open_warehouse(tmp_path / "w.duckdb", today=TODAY)
    yield c
    c.close()


def load(con, tmp_path, sample, name=None, **kw):
    path = sample.write(tmp_path / "files" / (name or sample.file_name))
    checked = check_file(path, load_settings(tmp_path, environ={}), today=TODAY)
    assert checked.accepted, [p.text_vi() for p in checked.problems if p.is_error]
    return wh.record_submission(con, file=checked.facts, report=checked.report, problems=checked.problems,
                                accepted=True, **kw)


def snapshot(con):
    return {t: con.execute(f"select * from {t} order by all").fetchall() for t in TABLES}


def test_migrations_are_idempotent(con):
    migrate(con)
    migrate(con)
    names = {r[0] for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()}
    assert set(CONTRACT_VIEWS) <= names


def test_every_contract_view_has_its_columns(con):
    for view, columns in CONTRACT_VIEWS.items():
        have = {r[0] for r in con.execute("select column_name from duckdb_columns() where table_name = ?", [view]).fetchall()}
        assert set(columns.split()) <= have, (view, set(columns.split()) - have)


def test_every_table_view_and_column_is_documented(con):
    missing = con.execute("""
        select table_name, column_name from duckdb_columns()
        where schema_name = 'main' and not internal and (comment is null or comment = '')""").fetchall()
    assert missing == []
    undocumented = con.execute("""
        select table_name from duckdb_tables() where schema_name = 'main' and (comment is null or comment = '')
        union all select view_name from duckdb_views() where schema_name = 'main' and not internal
              and (comment is null or comment = '')""").fetchall()
    assert undocumented == []
    assert " — " in con.execute("select comment from duckdb_columns() where table_name = 'province_segments' "
                                "and column_name = 'km_coverage'").fetchone()[0]


@pytest.mark.parametrize("step", ["begin", "submission", "facts:to_tu_quan", "facts:doan_bien_gioi",
                                  "facts:khen_thuong", "supersede", "issues"])
def test_a_failure_at_any_step_leaves_every_table_as_it_was(con, tmp_path, step):
    load(con, tmp_path, dien_bien_2016(), "first.xlsx")
    before = snapshot(con)

    def fail(name):
        if name == step:
            raise RuntimeError(f"injected at {name}")

    resubmission = dien_bien_2016()
    resubmission.info["prepared_by"] = "Bản sửa"
    with pytest.raises(RuntimeError, match="injected"):
        load(con, tmp_path, resubmission, "second.xlsx", failpoint=fail)
    assert snapshot(con) == before


def test_the_golden_figures_and_supersede(con, tmp_path):
    first = load(con, tmp_path, dien_bien_2016(), "first.xlsx")
    row = con.execute("""select length_km, total_km, km_coverage, markers, total_markers, marker_coverage,
                                border_works, households, persons, collectives
                         from province_segments_all_borders where period = '2016' and province_code = 'dien_bien'""").fetchone()
    assert row[:2] == (Decimal("365.861"), Decimal("400.861"))
    assert row[2] == pytest.approx(0.912688) and row[5] == pytest.approx(0.925134)
    assert row[3:5] == (173, 187) and row[6:] == (4, 2789, 3816, 125)
    assert con.execute("select sum(length_km) from province_segments where province_code = 'dien_bien'").fetchone()[0] \
        == Decimal("365.861")
    assert con.execute("select teams, members from province_teams where team_type = 'antt_thon_ban'").fetchone() == (347, 2041)
    assert con.execute("select sum(collectives), sum(individuals) from province_awards "
                       "where issuer = 'ubnd_huyen' and award_form = 'giay_khen'").fetchone() == (32, 52)
    again = dien_bien_2016()
    again.info["prepared_by"] = "Bản sửa"
    second = load(con, tmp_path, again, "second.xlsx")
    assert second.superseded_id == first.submission_id
    assert con.execute("select distinct submission_id from province_segments").fetchall() == [(second.submission_id,)]
    assert con.execute("select status from submissions where submission_id = ?", [first.submission_id]).fetchone() == ("superseded",)
    lineage = con.execute("""select count(*), min(excel_row), max(excel_row), any_value(file_name) from lineage_segments
                             where period = '2016' and province_code = 'dien_bien'""").fetchone()
    assert lineage == (125, 4, 128, "second.xlsx")


def test_rejected_and_duplicate_submissions_never_reach_the_views(con, tmp_path):
    path = dien_bien_2016().write(tmp_path / "r.xlsx")
    checked = check_file(path, load_settings(tmp_path, environ={}), today=TODAY)
    rejected = wh.record_submission(con, file=checked.facts, report=checked.report, problems=checked.problems,
                                    accepted=False)
    wh.record_duplicate(con, checked.facts, rejected.submission_id)
    for view in CONTRACT_VIEWS:
        if view != "completeness":
            assert con.execute(f"select count(*) from {view}").fetchone()[0] == 0, view
    status = con.execute("select status from completeness where period = '2016' and reporting_province_code = 'dien_bien'").fetchone()
    assert status == ("rejected",)


def test_the_merger_gives_both_series(con, tmp_path):
    load(con, tmp_path, kon_tum_2023())
    load(con, tmp_path, generate_report("quang_ngai", "2025", seed=1))
    series = con.execute("""select period, reporting_province_code from province_segments
                            where province_code = 'quang_ngai' group by all order by all""").fetchall()
    assert series == [("2023", "kon_tum"), ("2025", "quang_ngai")]
    own = con.execute("select distinct period from province_segments where reporting_province_code = 'kon_tum'").fetchall()
    assert own == [("2023",)]
    totals = dict(con.execute("""select period, sum(total_km) from province_segments
                                 where province_code = 'quang_ngai' group by period""").fetchall())
    assert totals["2023"] == totals["2025"] == Decimal("281.200")     # Kon Tum's border, then Quảng Ngãi's


def test_completeness_lists_missing_provinces_and_timeliness(con, tmp_path):
    load(con, tmp_path, dien_bien_2016())
    rows = con.execute("select reporting_province_code, status, on_time, due_date from completeness where period = '2016'").fetchall()
    assert len(rows) == 25
    status = {r[0]: r[1] for r in rows}
    assert status["dien_bien"] == "accepted" and list(status.values()).count("missing") == 24
    assert {r[3] for r in rows} == {date(2017, 1, 31)}
    assert len(con.execute("select * from completeness where period = '2025'").fetchall()) == 22


@hyp_settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 1000), period=st.sampled_from(["2018", "2021S2", "2025S2"]),
       count=st.integers(2, 5))
def test_national_figures_equal_the_sum_of_provinces(tmp_path_factory, seed, period, count):
    home = tmp_path_factory.mktemp("nat")
    con = open_warehouse(home / "w.duckdb", today=TODAY)
    for province in reference.expected_reporters(period)[:count]:
        load(con, home, generate_report(province, period, seed=seed))
    for view, keys, measures in (("teams", "team_type", "teams, members, households"),
                                 ("segments", "border", "length_km, markers, border_works, households, persons"),
                                 ("awards", "issuer, award_form", "decisions, collectives, individuals")):
        sums = ", ".join(f"sum({m})" for m in measures.split(", "))
        provinces = con.execute(f"select {keys}, {sums}, count(distinct reporting_province_code) from province_{view} "
                                f"group by {keys} order by all").fetchall()
        national = con.execute(f"select {keys}, {measures}, provinces_reporting from national_{view} order by all").fetchall()
        assert provinces == national, view
    whole = con.execute("select border, total_km from national_segments").fetchall()
    borders = dict(con.execute("select border, total_km from ref_borders").fetchall())
    assert all(total == borders[b] for b, total in whole)
    con.close()


def test_bulk_load_of_a_large_report(con, tmp_path):
    import time
    big = generate_report("nghe_an", "2024", seed=2, segment_rows=30_000)
    path = big.write(tmp_path / "big.xlsx")
    checked = check_file(path, load_settings(tmp_path, environ={}), today=TODAY)
    start = time.perf_counter()
    wh.record_submission(con, file=checked.facts, report=checked.report, problems=checked.problems, accepted=True)
    assert time.perf_counter() - start < 20        # bulk: a row-by-row insert would take minutes
    assert con.execute("select count(*) from fact_segments").fetchone()[0] == 30_000
