"""Sample reports: the seed reports carry the articles' figures exactly, the generator is reproducible
and stays within the reference totals, and the committed files are what the code writes."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from cotmoc import contract, reference
from cotmoc.periods import Period
from cotmoc.samples import faulty
from cotmoc.samples.generator import generate_report, sample_periods, write_samples
from cotmoc.samples.seeds import seed_reports

SAMPLES = Path(__file__).resolve().parent.parent / "inputs" / "samples"


def read_table(path: Path, sheet: str) -> list[dict]:
    """Rows of a table sheet keyed by machine code (found in the code row, not by position)."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    header = rows[contract.CODE_ROW - 1]
    return [dict(zip(header, r)) for r in rows[contract.FIRST_DATA_ROW - 1:] if any(v != "" for v in r)]


def column_sum(rows, code, **where) -> float:
    return sum(r[code] for r in rows if all(r.get(k) == v for k, v in where.items()) and r[code] != "")


def label(enum: str, code: str) -> str:
    return next(v.label_vi for v in reference.enumeration(enum) if v.code == code)


def test_dien_bien_2016_carries_the_article_exactly():
    path = SAMPLES / "seed" / "dien_bien_2016.xlsx"
    seg = read_table(path, "doan_bien_gioi")
    assert len(seg) == 125 and len({r["collective"] for r in seg}) == 125
    assert round(column_sum(seg, "length_km"), 3) == 365.861
    assert [column_sum(seg, c) for c in ("markers", "border_works", "households", "persons")] == [173, 4, 2789, 3816]
    teams = read_table(path, "to_tu_quan")
    assert column_sum(teams, "teams", team_type=label("team_type", "antt_thon_ban")) == 347
    assert column_sum(teams, "members", team_type=label("team_type", "antt_thon_ban")) == 2041
    awards = read_table(path, "khen_thuong")
    where = {"issuer": label("issuer", "ubnd_huyen"), "award_form": label("award_form", "giay_khen")}
    assert (column_sum(awards, "collectives", **where), column_sum(awards, "individuals", **where)) == (32, 52)


def test_quang_ninh_and_kon_tum_carry_what_their_articles_give():
    teams = read_table(SAMPLES / "seed" / "quang_ninh_2018.xlsx", "to_tu_quan")
    assert column_sum(teams, "teams") == 238
    assert {r["team_type"] for r in teams} == {label("team_type", c) for c in
                                               ("duong_bien_cot_moc", "ben_bai_an_toan", "tau_thuyen_an_toan")}
    awards = read_table(SAMPLES / "seed" / "kon_tum_2023.xlsx", "khen_thuong")
    where = {"issuer": label("issuer", "mttq_tinh"), "award_form": label("award_form", "bang_khen")}
    assert (column_sum(awards, "collectives", **where), column_sum(awards, "individuals", **where)) == (1, 2)


def test_reference_totals_never_fall_below_what_the_seeds_register():
    for report in seed_reports():
        end = Period.parse(report.info["period"]).end
        province = report.info["province"]
        by_border = defaultdict(float)
        for row in report.segments:
            by_border[row["border"]] += row["length_km"]
        for border, km in by_border.items():
            assert border in reference.borders_of(province, end)
            total = reference.border_total(province, border, end).total_km
            assert total is None or km <= total
        all_total = reference.border_total(province, "ALL", end)
        assert all_total.total_km is None or sum(by_border.values()) <= all_total.total_km
        markers = sum(r["markers"] for r in report.segments)
        assert all_total.total_markers is None or markers <= all_total.total_markers


def test_committed_samples_are_what_the_code_writes(tmp_path):
    faulty.write_bundled_samples(tmp_path)
    committed = sorted(p.relative_to(SAMPLES) for p in SAMPLES.glob("*/*.xlsx"))
    assert committed == sorted(p.relative_to(tmp_path) for p in tmp_path.glob("*/*.xlsx"))
    for rel in committed:
        a, b = CalamineWorkbook.from_path(str(SAMPLES / rel)), CalamineWorkbook.from_path(str(tmp_path / rel))
        assert a.sheet_names == b.sheet_names
        for name in a.sheet_names:
            assert a.get_sheet_by_name(name).to_python() == b.get_sheet_by_name(name).to_python(), (rel, name)


def test_generator_is_reproducible_and_seed_dependent():
    a = generate_report("kon_tum", "2020S2", seed=42)
    b = generate_report("kon_tum", "2020S2", seed=42)
    c = generate_report("kon_tum", "2020S2", seed=43)
    assert (a.info, a.teams, a.segments, a.awards) == (b.info, b.teams, b.segments, b.awards)
    assert a.segments != c.segments


@pytest.mark.parametrize("period", ["2016", "2019S1", "2024", "2025S1", "2025", "2026S1"])
def test_generated_reports_stay_within_the_reference_totals(period):
    end = Period.parse(period).end
    for province in reference.expected_reporters(period):
        report = generate_report(province, period, seed=3)
        seg = report.segments
        assert seg and report.teams and report.awards
        for border in {r["border"] for r in seg}:
            km = sum(r["length_km"] for r in seg if r["border"] == border)
            total = reference.border_total(province, border, end).total_km
            assert total is None or km <= total, (province, border, km, total)
        assert all(r["persons"] >= r["households"] for r in seg)
        assert all(t["members"] >= t["teams"] for t in report.teams)


def test_large_report_keeps_its_figures_within_totals():
    report = generate_report("nghe_an", "2024", seed=1, segment_rows=20_000)
    assert len(report.segments) == 20_000
    km = sum(r["length_km"] for r in report.segments)
    assert km <= reference.border_total("nghe_an", "VN-LA", Period.parse("2024").end).total_km


def test_write_samples_writes_every_expected_province(tmp_path):
    paths = write_samples(tmp_path, seed=1, periods=[2018], kinds=("year",))
    assert sorted(p.name for p in paths) == sorted(f"{c}_2018.xlsx" for c in reference.expected_reporters("2018"))
    assert sample_periods([2018], ("year", "half")) == ["2018", "2018S1", "2018S2"]
