"""Rollups: exports per period, the national workbook (opens in LibreOffice with its charts), the
published read-only copy that analysts keep open while loads go on, and period-over-period warnings."""
from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import pytest

from cotmoc.core.config import load_settings
from cotmoc.pipeline.ingest import run_ingest
from cotmoc.outputs.libreoffice import convert, soffice
from cotmoc.core.config import published_path
from cotmoc.pipeline.rollup import EXPORTED_VIEWS, open_published, run_rollup
from cotmoc.samples.generator import generate_report
from cotmoc.samples.seeds import dien_bien_2016
from cotmoc.warehouse.db import open_warehouse

TODAY = date(2026, 11, 22)
SAMPLES = Path(__file__).resolve().parent.parent / "inputs" / "samples"


@pytest.fixture
def loaded(tmp_path):
    settings = load_settings(tmp_path, environ={})
    settings.inbox.mkdir(parents=True)
    for src in (SAMPLES / "seed").glob("*.xlsx"):
        shutil.copy2(src, settings.inbox / src.name)
    con = open_warehouse(settings.warehouse, today=TODAY)
    run_ingest(con, settings, today=TODAY)
    yield settings, con
    con.close()


def test_exports_every_view_per_period(loaded):
    settings, con = loaded
    result = run_rollup(con, settings.warehouse, settings.exports, csv=True)
    assert result.periods == ["2016", "2018", "2023"]
    for period in result.periods:
        for view in EXPORTED_VIEWS:
            parquet = settings.exports / period / f"{view}.parquet"
            assert parquet.exists() and (settings.exports / period / f"{view}.csv").exists()
            periods = duckdb.execute(f"select distinct period from '{parquet}'").fetchall()
            assert periods in ([(period,)], []), (view, periods)
    row = duckdb.execute(f"select length_km, total_km from '{settings.exports}/2016/province_segments_all_borders.parquet'").fetchone()
    assert [float(x) for x in row] == [365.861, 400.861]


@pytest.mark.slow
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_the_national_workbook_opens_in_libreoffice_with_its_charts(loaded, tmp_path):
    settings, con = loaded
    result = run_rollup(con, settings.warehouse, settings.exports, periods=["2016"])
    workbook = result.workbooks[0]
    reopened = convert(workbook, "xlsx", tmp_path / "lo")
    with zipfile.ZipFile(reopened) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 3                   # coverage by province, teams by type, awards by form
    import openpyxl
    wb = openpyxl.load_workbook(reopened)
    assert wb.sheetnames == ["Tong_hop", "Doan_bien_gioi", "To_tu_quan", "Khen_thuong", "Tinh_hinh_nop"]
    seg = wb["Doan_bien_gioi"]
    assert seg["A5"].value == "Điện Biên" and seg["D5"].value == pytest.approx(365.861) and seg["F5"].value == pytest.approx(0.912688)


def test_analysts_keep_reading_the_published_copy_while_a_load_runs(loaded):
    settings, con = loaded
    run_rollup(con, settings.warehouse, settings.exports)
    analyst = open_published(settings.warehouse)
    before = analyst.execute("select count(*) from submissions").fetchone()[0]
    generate_report("son_la", "2019", seed=4).write(settings.inbox / "son_la_2019.xlsx")
    run_ingest(con, settings, today=TODAY)                       # a load into the warehouse...
    run_rollup(con, settings.warehouse, settings.exports)        # ...and a new copy swapped in
    assert analyst.execute("select count(*) from submissions").fetchone()[0] == before   # old snapshot, unbroken
    analyst.close()
    fresh = duckdb.connect(str(published_path(settings.warehouse)), read_only=True)
    assert fresh.execute("select count(*) from submissions").fetchone()[0] == before + 1
    fresh.close()


def test_a_jump_against_the_previous_report_is_a_warning_not_a_rejection(tmp_path):
    settings = load_settings(tmp_path, environ={})
    con = open_warehouse(settings.warehouse, today=TODAY)
    dien_bien_2016().write(settings.inbox / "db_2016.xlsx")
    run_ingest(con, settings, today=TODAY)
    next_year = dien_bien_2016()
    next_year.info.update(period="2017", report_date=date(2018, 1, 20))
    next_year.segments = next_year.segments[:60]                    # registered km fall
    for row in next_year.teams:
        row["teams"] = row["teams"] * 3                            # teams triple
        row["members"] = row["members"] * 3
    next_year.write(settings.inbox / "db_2017.xlsx")
    outcomes = run_ingest(con, settings, today=TODAY)
    assert [o.outcome for o in outcomes] == ["new"]
    rules = {r[0] for r in con.execute("select rule from validation_issues").fetchall()}
    assert {"history.length_km_fell", "history.markers_fell", "history.teams_jump", "history.members_jump"} <= rules
    con.close()
