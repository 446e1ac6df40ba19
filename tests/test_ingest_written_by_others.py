"""Reports saved by LibreOffice (as .xlsx, .ods and .xls) load exactly like the originals; random valid
reports load with sums equal to the sums written (hypothesis); two reports for one province and period
in one run: the later one counts and says so."""
from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings as hyp_settings, strategies as st

from cotmoc.core import reference
from cotmoc.core.config import load_settings
from cotmoc.pipeline.checking import check_file
from cotmoc.pipeline.ingest import run_ingest
from cotmoc.outputs.libreoffice import convert, soffice
from cotmoc.samples.generator import generate_report
from cotmoc.samples.seeds import dien_bien_2016
from cotmoc.warehouse.db import open_warehouse

TODAY = date(2026, 11, 22)


@pytest.mark.slow
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("fmt", ["xlsx", "ods", "xls", "xlsm:Calc MS Excel 2007 VBA XML"], ids=["xlsx", "ods", "xls", "xlsm"])
def test_reports_saved_by_libreoffice_load_exactly(tmp_path, fmt):
    original = dien_bien_2016().write(tmp_path / "src" / "dien_bien_2016.xlsx")
    converted = convert(original, fmt, tmp_path / "lo")
    settings = load_settings(tmp_path, environ={})
    checked = check_file(converted, settings, today=TODAY)
    assert checked.accepted, [p.text_vi() for p in checked.problems if p.is_error]
    seg = checked.report.segments
    assert round(float(seg["length_km"].sum()), 3) == 365.861
    assert (seg["markers"].sum(), seg["households"].sum(), seg["persons"].sum()) == (173, 2789, 3816)
    assert checked.report.teams["members"].sum() == 2041
    # and the whole path: warehouse, archive
    settings.inbox.mkdir(parents=True)
    shutil.copy2(converted, settings.inbox / converted.name)
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        assert [o.outcome for o in run_ingest(con, settings, today=TODAY)] == ["new"]
        assert con.execute("select sum(length_km) from fact_segments").fetchone()[0] == Decimal("365.861")


def test_two_reports_for_one_province_and_period_in_one_run(tmp_path):
    settings = load_settings(tmp_path, environ={})
    first = dien_bien_2016()
    first.write(settings.inbox / "dien_bien_2016_a.xlsx")
    second = dien_bien_2016()
    second.info["prepared_by"] = "Người lập khác"
    later = second.write(settings.inbox / "dien_bien_2016_b.xlsx")
    import os
    os.utime(later, (later.stat().st_atime, later.stat().st_mtime + 60))
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        outcomes = run_ingest(con, settings, today=TODAY)
        assert [o.outcome for o in outcomes] == ["new", "superseding"]
        assert outcomes[1].warnings == outcomes[0].warnings + 1          # the same report's warnings, and one
        rule = con.execute("select rule from validation_issues where submission_id = 2 except "
                           "select rule from validation_issues where submission_id = 1").fetchall()
        assert rule == [("run.same_province_period",)]
        assert con.execute("select file_name from stg_current_submissions").fetchall() == [("dien_bien_2016_b.xlsx",)]


@hyp_settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000),
       choice=st.sampled_from([(p, q) for q in ("2017", "2020S1", "2025") for p in reference.expected_reporters(q)]))
def test_loaded_sums_equal_the_sums_written(tmp_path_factory, seed, choice):
    province, period = choice
    home = tmp_path_factory.mktemp("prop")
    settings = load_settings(home, environ={})
    report = generate_report(province, period, seed=seed)
    report.write(settings.inbox / report.file_name)
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        outcomes = run_ingest(con, settings, today=TODAY)
        assert [o.outcome for o in outcomes] == ["new"], outcomes[0].first_error
        km, markers, persons = con.execute("select sum(length_km), sum(markers), sum(persons) from fact_segments").fetchone()
        assert km == Decimal(str(round(sum(r["length_km"] for r in report.segments), 3)))
        assert markers == sum(r["markers"] for r in report.segments)
        assert persons == sum(r["persons"] for r in report.segments)
        teams, members = con.execute("select sum(teams), sum(members) from fact_teams").fetchone()
        assert (teams, members) == (sum(t["teams"] for t in report.teams), sum(t["members"] for t in report.teams))
        people = con.execute("select sum(collectives) + sum(individuals) from fact_awards").fetchone()[0]
        assert people == sum(a["collectives"] + a["individuals"] for a in report.awards)
