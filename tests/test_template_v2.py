"""Template version 2 beside version 1: the seed articles' activity and reach figures come out of the views
exactly; a version 1 report has none of them (NULL, not 0); v1 and v2 reports of one province and period
supersede each other; version drift is told; the new rules catch what they say."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from cotmoc.core import contract
from cotmoc.pipeline.ingest import run_ingest
from cotmoc.reading.normalise import normalise_report
from cotmoc.samples.faulty import DEMO_FAULTS, swapped_activity_figures
from cotmoc.samples.seeds import as_version_1, kon_tum_2023, quang_ninh_2018, seed_reports
from cotmoc.outputs.steward_report import ERROR_FILL
from cotmoc.outputs.template import write_report
from cotmoc.reading.workbook import read_report
from cotmoc.schemas import validate_report

TODAY = date(2026, 11, 22)
SAMPLES = Path(__file__).resolve().parent.parent / "inputs" / "samples"



def _ingest(con, settings, *paths: Path) -> list:
    for path in paths:
        shutil.copy2(path, settings.inbox / path.name)
    return run_ingest(con, settings, today=TODAY)


def _rows(con, sql: str, *params) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def test_the_seed_figures_come_out_of_the_views_exactly(settings, con):
    outcomes = _ingest(con, settings, *sorted((SAMPLES / "seed").glob("*.xlsx")))
    assert [o.outcome for o in outcomes] == ["new"] * 3, [(o.file_name, o.first_error) for o in outcomes]
    # Điện Biên 2016: 29 of 29 border communes, in 4 border districts, with 17 border posts
    assert _rows(con, """SELECT communes_covered, communes_total, coverage_communes, districts, border_posts
                         FROM province_segments_all_borders WHERE period = '2016' AND province_code = 'dien_bien'""") \
        == [(29, 29, 1.0, 4, 17)]
    # Quảng Ninh 2018: 562 propaganda sessions with 21,790 attendances; 4 training classes for 238 teams
    assert _rows(con, """SELECT activity, "count", people, teams, since FROM province_activities
                         WHERE period = '2018' AND province_code = 'quang_ninh' ORDER BY activity""") \
        == [("tap_huan", 4, None, 238, None), ("tuyen_truyen", 562, 21_790, None, None)]
    # Kon Tum 2023 (Quảng Ngãi since the merger): about 2,250 mass models since 2013, in 4 border districts
    assert _rows(con, """SELECT province_code, activity, "count", since FROM province_activities
                         WHERE period = '2023' AND reporting_province_code = 'kon_tum'""") \
        == [("quang_ngai", "mo_hinh", 2_250, 2013)]
    assert _rows(con, """SELECT districts, communes_covered FROM province_segments_all_borders
                         WHERE period = '2023' AND reporting_province_code = 'kon_tum'""") == [(4, None)]
    # lineage: each figure's file, sheet and Excel row
    lineage = _rows(con, """SELECT a.file_name, a.sheet, a.excel_row, s.sha256 FROM province_activities a
                            JOIN submissions s USING (submission_id) WHERE a.activity = 'tuyen_truyen'""")
    assert lineage[0][:3] == ("quang_ninh_2018.xlsx", "hoat_dong", contract.FIRST_DATA_ROW) and lineage[0][3]
    # national: only the provinces that gave a figure count, and the views say how many did
    assert _rows(con, """SELECT activity, provinces_reporting, "count", people, provinces_reporting_people, teams,
                                provinces_reporting_teams FROM national_activities WHERE period = '2018'
                         ORDER BY activity""") == [("tap_huan", 1, 4, None, 0, 238, 1),
                                                   ("tuyen_truyen", 1, 562, 21_790, 1, None, 0)]
    assert _rows(con, """SELECT since, provinces_cumulative FROM national_activities WHERE period = '2023'""") \
        == [(2013, 1)]
    assert _rows(con, """SELECT period, provinces_reporting, communes_covered, communes_total, coverage_communes,
                                provinces_reporting_communes, districts, provinces_reporting_districts, border_posts,
                                provinces_reporting_border_posts FROM national_reach ORDER BY period""") \
        == [("2016", 1, 29, 29, 1.0, 1, 4, 1, 17, 1), ("2023", 1, None, None, None, 0, 4, 1, None, 0)]


def test_version_1_reports_have_no_activities_null_not_zero(settings, con):
    outcomes = _ingest(con, settings, *sorted((SAMPLES / "compat" / "v1").glob("*.xlsx")))
    assert [o.outcome for o in outcomes] == ["new"] * 3, [(o.file_name, o.first_error) for o in outcomes]
    assert {o.warnings for o in outcomes if "dien_bien" in o.file_name} == {0}     # not told about v2
    assert _rows(con, "SELECT count(*) FROM province_activities") == [(0,)]
    assert _rows(con, "SELECT count(*) FROM national_activities") == [(0,)]
    assert _rows(con, "SELECT count(*) FROM national_reach") == [(0,)]
    rows = _rows(con, """SELECT length_km, communes_covered, communes_total, coverage_communes, districts, border_posts
                         FROM province_segments_all_borders WHERE period = '2016' AND province_code = 'dien_bien'""")
    assert [(float(rows[0][0]), *rows[0][1:])] == [(365.861, None, None, None, None, None)]
    assert _rows(con, "SELECT DISTINCT template_version FROM submissions") == [("1",)]


def test_v1_and_v2_reports_of_one_province_and_period_supersede_each_other(settings, con, tmp_path):
    v2 = quang_ninh_2018()
    first = v2.write(tmp_path / "a" / "quang_ninh_2018.xlsx")
    second = as_version_1(v2).write(tmp_path / "b" / "quang_ninh_2018_v1.xlsx")
    v2.info["prepared_by"] = "Ban Chỉ đạo Phong trào (gửi lại)"
    third = v2.write(tmp_path / "c" / "quang_ninh_2018_lan3.xlsx")
    activities = """SELECT activity, "count", people, teams FROM province_activities
                    WHERE period = '2018' AND province_code = 'quang_ninh' ORDER BY activity"""
    teams = "SELECT sum(teams) FROM province_teams WHERE period = '2018' AND province_code = 'quang_ninh'"

    assert [o.outcome for o in _ingest(con, settings, first)] == ["new"]
    assert _rows(con, activities) == [("tap_huan", 4, None, 238), ("tuyen_truyen", 562, 21_790, None)]
    assert [o.outcome for o in _ingest(con, settings, second)] == ["superseding"]
    assert _rows(con, activities) == []                          # the current (v1) report says nothing
    assert _rows(con, teams) == [(238,)]                         # ... and its teams stand
    assert [o.outcome for o in _ingest(con, settings, third)] == ["superseding"]
    assert _rows(con, activities) == [("tap_huan", 4, None, 238), ("tuyen_truyen", 562, 21_790, None)]
    assert _rows(con, "SELECT template_version, status FROM submissions ORDER BY submission_id") == [
        ("2", "superseded"), ("1", "superseded"), ("2", "accepted")]
    # every activity row stays in the warehouse for audit, once per v2 submission
    assert _rows(con, "SELECT count(*) FROM fact_activities") == [(4,)]


def _problems(path: Path) -> list:
    report = normalise_report(read_report(path))
    return report.problems + validate_report(report, today=TODAY)


def _drift(problems) -> list[tuple[str, str | None, str | None]]:
    return sorted((p.rule, p.sheet, p.column) for p in problems if p.rule.startswith("template."))


def test_version_drift_is_told(tmp_path):
    sample = kon_tum_2023()
    path = sample.write(tmp_path / "v2.xlsx")
    assert _drift(_problems(path)) == []

    wb = openpyxl.load_workbook(path)                       # a v2 file that lost a v2 column and a v2 field
    ws = wb[contract.HOAT_DONG.code]
    ws.delete_cols(contract.HOAT_DONG.codes.index("teams") + 1)
    info = wb[contract.THONG_TIN.code]
    for r in range(info.max_row, contract.INFO_FIRST_ROW - 1, -1):
        if info.cell(r, contract.INFO_CODE_COL).value == "border_posts":
            info.delete_rows(r)
    wb.save(tmp_path / "drift.xlsx")
    found = _problems(tmp_path / "drift.xlsx")
    assert _drift(found) == [("template.column_missing", "hoat_dong", "teams"),
                             ("template.column_missing", "thong_tin", "border_posts")]
    assert not [p for p in found if p.is_error]             # optional: told, not refused
    assert all(p.message_vi.startswith("File ghi mẫu phiên bản 2") and " — " not in p.message_vi
               for p in found if p.rule.startswith("template."))

    wb = openpyxl.load_workbook(path)                       # a v2 file without the activities sheet
    wb.remove(wb[contract.HOAT_DONG.code])
    wb.save(tmp_path / "no_sheet.xlsx")
    assert _drift(_problems(tmp_path / "no_sheet.xlsx")) == [("template.sheet_missing", "hoat_dong", None)]

    wb = openpyxl.load_workbook(path)                       # a required column of the sheet: an error
    wb[contract.HOAT_DONG.code].delete_cols(contract.HOAT_DONG.codes.index("count") + 1)
    wb.save(tmp_path / "no_count.xlsx")
    assert ("column.missing", "hoat_dong", "count") in [(p.rule, p.sheet, p.column) for p in
                                                        _problems(tmp_path / "no_count.xlsx") if p.is_error]

    old = as_version_1(sample).write(tmp_path / "v1.xlsx")  # a v1 file is never told about version 2
    assert _drift(_problems(old)) == []
    assert contract.HOAT_DONG.code not in openpyxl.load_workbook(old).sheetnames

    sample.info["template_version"] = "3"                   # a version from the future is unknown
    found = _problems(sample.write(tmp_path / "v3.xlsx"))
    assert [p.rule for p in found if p.is_error] == ["template.version_unknown"]
    assert "1, 2" in found[0].message_vi and "1, 2" in found[0].message_en


def _rules(path: Path) -> list[tuple[str, str, str | None]]:
    return sorted((p.severity, p.rule, p.cell) for p in _problems(path) if p.sheet in ("hoat_dong", "thong_tin"))


def test_the_activity_rules_catch_what_they_say(tmp_path):
    sample = quang_ninh_2018()
    sample.activities = [
        {"activity": "tuyen_truyen", "count": 562, "people": 21_790},
        {"activity": "tap_huan", "count": 0, "people": 0, "teams": 0},        # A5: every figure 0
        {"activity": "tuyen_truyen", "count": 3, "people": 90},               # A6: the kind again
        {"activity": "mo_hinh", "count": 12, "since": 2030},                  # E7: after the period
        {"activity": "khac", "count": 1, "since": 213},                       # E8: not a year
        {"activity": "khac", "count": 2, "people": 1},                        # A9: again; few people is fine
    ]
    assert _rules(sample.write(tmp_path / "a.xlsx")) == [
        ("error", "activities.nothing_reported", "B5"), ("error", "activities.repeated", "A6"),
        ("error", "activities.repeated", "A9"), ("error", "activities.since_after_period", "E7"),
        ("error", "activities.since_not_a_year", "E8")]
    sample.activities = [{"activity": "mo_hinh", "count": 0, "note": "chưa có"}]
    assert _rules(sample.write(tmp_path / "b.xlsx")) == [("error", "activities.nothing_reported", "B4")]


def test_the_reach_rules_catch_what_they_say(tmp_path):
    sample = quang_ninh_2018()
    sample.activities = []
    sample.info |= {"communes_covered": 30, "communes_total": 20}
    # covered over total; and Quảng Ninh's reference list is shorter than 20 (unverified: a warning)
    found = _rules(sample.write(tmp_path / "a.xlsx"))
    assert [(s, r) for s, r, _ in found] == [("error", "info.communes_covered_over_total"),
                                             ("warning", "info.communes_over_reference")]
    sample.info |= {"communes_covered": 5, "communes_total": 7, "districts": -1}
    assert [(s, r) for s, r, _ in _rules(sample.write(tmp_path / "b.xlsx"))] == [("error", "value.negative")]
    sample.info |= {"districts": 3, "communes_total": None, "communes_covered": 8}   # no total: covered is checked
    assert [(s, r) for s, r, _ in _rules(sample.write(tmp_path / "c.xlsx"))] == [
        ("warning", "info.communes_over_reference")]


def test_the_faulty_activities_row_is_marked_in_the_stewards_copy(settings, con, tmp_path):
    assert "loi_hoat_dong_quang_ninh_2018.xlsx" in DEMO_FAULTS
    fault = swapped_activity_figures(tmp_path / "loi_hoat_dong_quang_ninh_2018.xlsx")
    committed = SAMPLES / "faulty" / fault.path.name
    assert committed.exists()
    [outcome] = _ingest(con, settings, committed)
    assert outcome.outcome == "rejected" and f"[{fault.sheet} / {fault.cell}]" in outcome.first_error
    copy = outcome.stored_path.with_name(outcome.stored_path.stem + ".loi.xlsx")
    cell = openpyxl.load_workbook(copy)[fault.sheet][fault.cell]
    assert cell.comment is not None and "Tuyên truyền: số lượt người (562) nhỏ hơn số buổi (21.790)" in cell.comment.text
    assert cell.fill.fgColor.rgb[-6:] == ERROR_FILL.fgColor.rgb[-6:]
    assert _rows(con, "SELECT rule, sheet, cell FROM validation_issues WHERE severity = 'error'") == [
        (fault.rule, fault.sheet, fault.cell)]
    assert _rows(con, "SELECT count(*) FROM fact_activities") == [(0,)]


def test_seed_reports_are_version_2_and_their_v1_copies_version_1():
    assert {r.info["template_version"] for r in seed_reports()} == {contract.TEMPLATE_VERSION} == {"2"}
    for name in ("dien_bien_2016", "quang_ninh_2018", "kon_tum_2023"):
        wb = openpyxl.load_workbook(SAMPLES / "compat" / "v1" / f"{name}_v1.xlsx", read_only=True)
        assert contract.HOAT_DONG.code not in wb.sheetnames
        assert contract.HOAT_DONG.code in openpyxl.load_workbook(SAMPLES / "seed" / f"{name}.xlsx",
                                                                 read_only=True).sheetnames


def test_a_v1_report_written_with_activities_drops_them(tmp_path):
    info = {"province": "quang_ninh", "period": "2018", "template_version": "1", "districts": 3}
    path = write_report(tmp_path / "v1.xlsx", info, activities=[{"activity": "tap_huan", "count": 1}])
    report = normalise_report(read_report(path))
    assert report.activities.empty and report.info.get("districts") is None


def test_the_national_workbook_and_the_rollup_print_show_them(settings, con, tmp_path):
    from rich.console import Console

    from cotmoc.outputs.national_activities import SHEET
    from cotmoc.outputs.national_workbook import write_national_workbook
    from cotmoc.outputs.rollup_print import print_national_rollup

    _ingest(con, settings, *sorted((SAMPLES / "seed").glob("*.xlsx")))
    wb = openpyxl.load_workbook(write_national_workbook(con, "2018", tmp_path / "2018.xlsx"))
    rows = [r for r in wb[SHEET].iter_rows(values_only=True) if r[0]]
    assert ("Quảng Ninh", "Quảng Ninh", "Tuyên truyền (buổi)", 562, 21_790, None, None) in rows
    assert ("Toàn quốc (1 tỉnh)", None, "Tập huấn, bồi dưỡng (lớp)", 4, None, 238, None) in rows
    # the document's facts: number in A, what in B, the figure in C (cotmoc.outputs.national_document)
    summary = {r[1]: r[2] for r in wb["Tong_hop"].iter_rows(values_only=True) if r[1]}
    assert summary["Tuyên truyền / tập huấn / mô hình quần chúng (tỉnh có số liệu)"] == (
        "562 buổi tuyên truyền (21.790 lượt người) — 1 tỉnh; 4 lớp tập huấn — 1 tỉnh")
    wb = openpyxl.load_workbook(write_national_workbook(con, "2016", tmp_path / "2016.xlsx"))
    assert ("Toàn quốc (1 tỉnh)", None, 29, 29, 1, 4, 17) in [r for r in wb[SHEET].iter_rows(values_only=True)]
    console = Console(record=True, width=200)
    print_national_rollup(con, console)
    text = console.export_text()
    assert "21.790" in text and "2.250" in text and "2013" in text and "100,0 %" in text    # Vietnamese numbers


def test_cotmoc_template_writes_version_2_and_version_1_on_request(tmp_path):
    from cotmoc.cli import main

    assert main(["template", "-o", str(tmp_path / "mau.xlsx")]) == 0
    assert main(["template", "-o", str(tmp_path / "mau1.xlsx"), "--template-version", "1"]) == 0
    current, old = (openpyxl.load_workbook(tmp_path / n) for n in ("mau.xlsx", "mau1.xlsx"))
    assert contract.HOAT_DONG.code in current.sheetnames and contract.HOAT_DONG.code not in old.sheetnames
    codes = {ws_name: [c.value for c in wb["thong_tin"]["B"]] for ws_name, wb in (("2", current), ("1", old))}
    assert set(contract.REACH_FIELDS) <= set(codes["2"]) and not set(contract.REACH_FIELDS) & set(codes["1"])
    with pytest.raises(SystemExit):
        main(["template", "-o", str(tmp_path / "mau3.xlsx"), "--template-version", "3"])


def test_an_activity_code_outside_the_list_is_told_once(tmp_path):
    sample = quang_ninh_2018()
    report = normalise_report(read_report(sample.write(tmp_path / "a.xlsx")))
    report.activities.loc[1, "activity"] = "tuan_tra"          # a Report built by code, past the normaliser
    found = [(p.rule, p.cell) for p in validate_report(report, today=TODAY) if p.sheet == "hoat_dong"]
    assert found == [("value.not_allowed", "A5")]
