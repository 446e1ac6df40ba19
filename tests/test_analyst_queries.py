"""The ten analyst questions of docs/analysts.md run against a warehouse loaded with sample reports, and
answer what the data says."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from cotmoc.core.config import load_settings
from cotmoc.docgen import QUERIES_DIR
from cotmoc.pipeline.ingest import run_ingest
from cotmoc.pipeline.rollup import open_published, run_rollup
from cotmoc.samples.generator import generate_report
from cotmoc.samples.seeds import dien_bien_2016
from cotmoc.warehouse.db import open_warehouse

TODAY = date(2026, 11, 22)
SAMPLES = Path(__file__).resolve().parent.parent / "inputs" / "samples"
QUERIES = sorted(QUERIES_DIR.glob("*.sql"))


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    settings = load_settings(tmp_path_factory.mktemp("analyst"), environ={})
    settings.inbox.mkdir(parents=True)
    for src in SAMPLES.glob("*/*.xlsx"):                         # seeds and the faulty ones (rejected)
        shutil.copy2(src, settings.inbox / src.name)
    later = dien_bien_2016()
    later.info.update(period="2017", report_date=date(2018, 1, 20))
    later.segments = later.segments[:100]                        # Điện Biên loses coverage in 2017
    later.write(settings.inbox / "dien_bien_2017.xlsx")
    for province, period in (("quang_ngai", "2025"), ("dien_bien", "2017S1"), ("dien_bien", "2017S2")):
        generate_report(province, period, seed=5).write(settings.inbox / f"{province}_{period}.xlsx")
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        run_ingest(con, settings, today=TODAY)
        run_rollup(con, settings.warehouse, settings.exports)
    con = open_published(settings.warehouse)
    yield con
    con.close()


def run(con, name: str) -> list[tuple]:
    return con.execute((QUERIES_DIR / name).read_text(encoding="utf-8")).fetchall()


def test_there_are_ten_documented_queries():
    assert len(QUERIES) == 10


@pytest.mark.parametrize("query", QUERIES, ids=lambda p: p.stem)
def test_every_query_runs_and_answers(published, query):
    rows = published.execute(query.read_text(encoding="utf-8")).fetchall()
    assert rows, f"{query.name} returned nothing on the sample warehouse"


def test_the_answers_are_the_data(published):
    lost = run(published, "01_lost_coverage_since_last_year.sql")
    assert [(r[0], r[1], r[3]) for r in lost] == [("Điện Biên", "2017", "2016")]   # its 2017 report registers less
    merged = run(published, "04_merged_province_series.sql")
    assert [(r[0], r[1]) for r in merged] == [("2023", "Kon Tum"), ("2025", "Quảng Ngãi")]
    lineage = run(published, "09_lineage_of_a_figure.sql")
    assert len(lineage) == 113 and all(r[2] == "doan_bien_gioi" for r in lineage)
    halves = {r[0]: r[2:] for r in run(published, "10_half_years_beside_the_year.sql") if r[1] == "Điện Biên"}
    assert halves["2017"][0] is not None and halves["2017"][1] is not None and halves["2017"][2] == 347
    rejections = {r[0] for r in run(published, "08_most_common_rejections.sql")}
    assert {"number.unreadable", "enum.unknown", "template.version_unknown", "segments.km_over_total"} <= rejections
