"""Sample reports: the seed reports carry the articles' figures exactly, the generator is reproducible
and stays within the reference totals, and the committed files are what the code writes."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from cotmoc.core import contract, reference
from cotmoc.core.periods import Period
from cotmoc.samples import faulty
from cotmoc.samples.generator import generate_report, sample_periods, write_samples
from cotmoc.samples.seeds import dien_bien_2016, seed_reports
from cotmoc.core.vntext import encode_legacy

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
        within_totals(report)
        assert all(r["persons"] >= r["households"] for r in seg)
        assert all(Period.parse(period).start <= r["registered_on"] <= end for r in seg)
        assert report.info["report_date"] > end
        assert all(t["members"] >= t["teams"] for t in report.teams)


def within_totals(report) -> None:
    """Per border and for the province: registered km and markers never exceed the reference totals."""
    province, end = report.info["province"], Period.parse(report.info["period"]).end
    seg = report.segments
    for border in {r["border"] for r in seg}:
        rows = [r for r in seg if r["border"] == border]
        total = reference.border_total(province, border, end)
        assert total.total_km is None or round(sum(r["length_km"] for r in rows), 3) <= total.total_km, border
        assert total.total_markers is None or sum(r["markers"] for r in rows) <= total.total_markers, border
    all_total = reference.border_total(province, "ALL", end)
    assert all_total.total_km is None or round(sum(r["length_km"] for r in seg), 3) <= all_total.total_km
    assert all_total.total_markers is None or sum(r["markers"] for r in seg) <= all_total.total_markers
    assert all(r["length_km"] >= 0 and round(r["length_km"] * 1000, 6) % 1 == 0 for r in seg)


@pytest.mark.parametrize("province", ["dien_bien", "dong_thap", "kon_tum"])
def test_large_report_keeps_its_figures_within_totals(province):
    """100,000 rows: Điện Biên's short China border and Đồng Tháp's 48.7 km (fewer metres than rows)."""
    report = generate_report(province, "2024", seed=1, size="large")
    assert len(report.segments) == 100_000
    within_totals(report)
    borders = reference.borders_of(province, Period.parse("2024").end)
    assert {r["border"] for r in report.segments} == set(borders)      # every border gets rows


def test_unknown_size_is_refused_in_both_languages():
    with pytest.raises(ValueError, match="Cỡ báo cáo.*unknown size"):
        generate_report("kon_tum", "2024", seed=1, size="huge")


def test_write_samples_writes_every_expected_province(tmp_path):
    paths = write_samples(tmp_path, seed=1, periods=[2018], kinds=("year",))
    assert sorted(p.name for p in paths) == sorted(f"{c}_2018.xlsx" for c in reference.expected_reporters("2018"))
    assert sample_periods([2018], ("year", "half")) == ["2018", "2018S1", "2018S2"]


# --- faulty builders: each workbook really holds the fault it claims (read raw, before any checking) ----
def info_value(path: Path, code: str):
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("thong_tin").to_python()
    return next(r[contract.INFO_VALUE_COL - 1] for r in rows if r[contract.INFO_CODE_COL - 1] == code)


def codes(path: Path, sheet: str) -> list:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()[contract.CODE_ROW - 1]


def raw_cell(path: Path, sheet: str, cell: str):
    """The cell as stored: a formula stays a formula."""
    return openpyxl.load_workbook(path)[sheet][cell].value


def test_demo_faults_hold_what_they_claim(tmp_path):
    typo = faulty.typo_number(tmp_path / "typo.xlsx")
    assert raw_cell(typo.path, typo.sheet, typo.cell) == "3.8 16"

    over = faulty.km_past_border_total(tmp_path / "over.xlsx")
    km = column_sum(read_table(over.path, "doan_bien_gioi"), "length_km", border=label("border", "VN-CN"))
    assert km > reference.border_total("lai_chau", "VN-CN", Period.parse("2019").end).total_km

    team = faulty.wrong_team_type(tmp_path / "team.xlsx")
    value = raw_cell(team.path, team.sheet, team.cell)
    assert value == "Tổ bảo vệ rừng" and value not in {v.label_vi for v in reference.enumeration("team_type")}

    stale = faulty.stale_header(tmp_path / "stale.xlsx")
    assert info_value(stale.path, "template_version") == "0"
    assert "so_thanh_vien" in codes(stale.path, "to_tu_quan") and "members" not in codes(stale.path, "to_tu_quan")


def test_structural_faults_hold_what_they_claim(tmp_path):
    gone = faulty.missing_sheet(tmp_path / "gone.xlsx")
    assert "khen_thuong" not in CalamineWorkbook.from_path(str(gone.path)).sheet_names
    dup = codes(faulty.duplicated_column(tmp_path / "dup.xlsx").path, "doan_bien_gioi")
    assert dup.count("households") == 2 and "persons" not in dup
    assert "so_lan_tuan_tra" in codes(faulty.extra_column(tmp_path / "extra.xlsx").path, "to_tu_quan")
    merged = openpyxl.load_workbook(faulty.merged_cells(tmp_path / "merged.xlsx").path)["doan_bien_gioi"]
    assert any(r.min_row >= contract.FIRST_DATA_ROW and r.max_row > r.min_row for r in merged.merged_cells.ranges)


def test_content_faults_hold_what_they_claim(tmp_path):
    text = faulty.repairable_text(tmp_path / "text.xlsx")
    seg = read_table(text.path, "doan_bien_gioi")
    assert seg[0]["households"].endswith(" hộ") and seg[1]["length_km"].endswith("km") and "," in seg[1]["length_km"]
    assert seg[2]["registered_on"] == "15/6/2016"                          # text, not a date cell
    teams = read_table(text.path, "to_tu_quan")
    assert teams[0]["commune"] == encode_legacy(dien_bien_2016().teams[0]["commune"], "tcvn3") != \
        dien_bien_2016().teams[0]["commune"]
    assert teams[-1]["commune"] == "Tổng cộng"

    counts = read_table(faulty.bad_counts(tmp_path / "counts.xlsx").path, "doan_bien_gioi")
    assert counts[0]["markers"] == -3 and counts[1]["households"] == 2.5

    future = faulty.future_period(tmp_path / "future.xlsx", date(2026, 11, 22))
    assert str(info_value(future.path, "period")) == "2027"


def test_formula_faults_hold_what_they_claim(tmp_path):
    for cached in (False, True):
        made = faulty.formulas(tmp_path / f"f{cached}.xlsx", cached=cached)
        assert raw_cell(made.path, made.sheet, made.cell) == "=J4*2"
        row = read_table(made.path, "doan_bien_gioi")[0]
        assert row["persons"] == (row["households"] * 2 if cached else "")
    note = faulty.hyperlink_note(tmp_path / "link.xlsx")
    codes_ = codes(note.path, "to_tu_quan")
    cell = f"{openpyxl.utils.get_column_letter(codes_.index('note') + 1)}{contract.FIRST_DATA_ROW}"
    assert raw_cell(note.path, "to_tu_quan", cell).startswith("=HYPERLINK(")


def test_demo_inbox_holds_the_seeds_and_the_demo_faults(tmp_path):
    names = sorted(p.name for p in faulty.write_demo_inbox(tmp_path))
    assert names == sorted([r.file_name for r in seed_reports()] + list(faulty.DEMO_FAULTS))
