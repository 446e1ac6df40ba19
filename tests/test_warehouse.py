"""The warehouse's tables and loader on a real DuckDB file: idempotent migrations, reference data from every
CSV, one transaction per submission (a failure at any step leaves every table exactly as it was), supersede,
duplicates, and bulk loading. Reports are built by hand (`make_report`) so each figure is known exactly."""
from __future__ import annotations

import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from cotmoc.core import contract, reference
from cotmoc.reading.normalise import Report
from cotmoc.core.problems import ERROR, WARNING, Problem
from cotmoc.warehouse import load as wh
from cotmoc.warehouse.db import migrate, open_warehouse, refresh_reference

TODAY = date(2026, 11, 22)
_DTYPES = {contract.TEXT: "string", contract.ENUM: "string", contract.INT: "Int64", contract.KM: "Float64"}


def _frame(sheet_code: str, rows: list[dict]) -> pd.DataFrame:
    """A typed sheet as cotmoc.reading.normalise produces it: contract codes (nullable dtypes) + excel_row."""
    sheet = contract.SHEETS_BY_CODE[sheet_code]
    data = {}
    for col in sheet.columns:
        values = [r.get(col.code) for r in rows]
        if col.kind == contract.DATE:
            data[col.code] = pd.to_datetime(pd.Series(values, dtype=object))
        else:
            data[col.code] = pd.array(values, dtype=_DTYPES[col.kind])
    data["excel_row"] = pd.array(range(contract.FIRST_DATA_ROW, contract.FIRST_DATA_ROW + len(rows)), dtype="int64")
    return pd.DataFrame(data)


def make_report(province: str, period: str, *, teams=(), segments=(), awards=(), **info) -> Report:
    """A normalised Report built by hand: lists of row dicts keyed by contract code."""
    return Report(path=Path(f"{province}_{period}.xlsx"),
                  info={"province": province, "period": period, "reporting_unit": "Bộ Chỉ huy BĐBP tỉnh",
                        "prepared_by": "Nguyễn Văn A", "report_date": date(2026, 1, 10), "template_version": "1"} | info,
                  teams=_frame("to_tu_quan", list(teams)), segments=_frame("doan_bien_gioi", list(segments)),
                  awards=_frame("khen_thuong", list(awards)))


def file_facts(name: str, *, received_at: datetime = datetime(2026, 1, 15, 9, 30)) -> wh.FileFacts:
    """File facts with a SHA-256 derived from the name, so different names are different files."""
    sha = (name.encode().hex() * 64)[:64]
    return wh.FileFacts(file_name=name, original_path=f"inputs/inbox/{name}", sha256=sha, size_bytes=12_345,
                        received_at=received_at)


def segment(border="VN-LA", km=1.5, markers=1, works=0, households=10, persons=20, **extra) -> dict:
    """One registered stretch (a row of doan_bien_gioi)."""
    return {"border": border, "commune": "Xã Mường Nhé", "collective": "Bản Nậm Kè", "length_km": km,
            "markers": markers, "border_works": works, "households": households, "persons": persons} | extra


def record(con, report: Report, name: str, *, accepted=True, problems=(), **kw) -> wh.LoadResult:
    """Load a hand-built report under a file name."""
    return wh.record_submission(con, file=file_facts(name, **kw.pop("facts", {})), report=report,
                                problems=list(problems), accepted=accepted, **kw)


def snapshot(con) -> dict:
    """Full contents of every table in the warehouse (facts, registry, issues, runs and reference)."""
    tables = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'main' "
                                        "order by 1").fetchall()]
    return {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}


@pytest.fixture
def con(tmp_path):
    c = open_warehouse(tmp_path / "w.duckdb", today=TODAY)
    yield c
    c.close()


WARNING_ON_KM = Problem(WARNING, "number.repaired", "Chiều dài: đã đọc '1,5km' là 1.5", "Length: read '1,5km' as 1.5",
                        "Ghi số không kèm đơn vị", "Type the number without its unit", sheet="doan_bien_gioi", row=4,
                        column="length_km", cell="J4", value="1,5km")


def test_migrations_are_idempotent_and_keep_the_data(con):
    record(con, make_report("son_la", "2019", segments=[segment()]), "son_la.xlsx")
    objects = "select table_name, column_name, data_type, comment from duckdb_columns() where schema_name = 'main' order by all"
    before, data = con.execute(objects).fetchall(), snapshot(con)
    migrate(con)
    migrate(con)
    assert con.execute(objects).fetchall() == before
    assert snapshot(con) == data


def test_views_are_recreated_only_when_what_they_are_built_from_changed(con, tmp_path, monkeypatch):
    """An open with nothing changed re-creates no view (a fingerprint in the warehouse says so); a changed SQL
    file reaches the warehouse at its next open, with the comments, in one transaction."""
    from cotmoc.warehouse import schema
    assert migrate(con) is False
    sql = tmp_path / "sql"
    sql.mkdir()
    for path in schema.SQL_DIR.glob("*.sql"):
        (sql / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (sql / "999_probe.sql").write_text("CREATE OR REPLACE VIEW v_probe AS SELECT 1 AS one;", encoding="utf-8")
    monkeypatch.setattr(schema, "SQL_DIR", sql)
    assert migrate(con) is True
    assert con.execute("SELECT one FROM v_probe").fetchone() == (1,)
    assert migrate(con) is False
    con.execute("DROP VIEW national_reach")         # by hand: only a forced migrate builds it again
    assert migrate(con, force=True) is True
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'national_reach'").fetchone() == (1,)


def test_reference_tables_are_rewritten_only_when_their_rows_change(con):
    assert refresh_reference(con, today=TODAY) is False      # open_warehouse wrote them for TODAY already
    later = date(2027, 8, 1)                                  # 2027S1 is now expected: other rows
    assert refresh_reference(con, today=later) is True
    assert con.execute("SELECT count(*) FROM ref_expected_reporters WHERE period = '2027S1'").fetchone()[0] > 0
    assert refresh_reference(con, today=later) is False
    assert refresh_reference(con, today=TODAY) is True
    assert con.execute("SELECT count(*) FROM ref_expected_reporters WHERE period = '2027S1'").fetchone()[0] == 0


def test_refresh_reference_loads_every_csv_and_can_run_again(con):
    tables = {"provinces": "ref_provinces", "province_variants": "ref_province_variants", "borders": "ref_borders",
              "border_totals": "ref_border_totals", "enumerations": "ref_enumerations", "communes": "ref_communes",
              "reporting_schedule": "ref_reporting_schedule"}
    assert {p.stem for p in reference.REFERENCE_DIR.glob("*.csv")} == set(tables)
    refresh_reference(con, today=TODAY)          # a second refresh replaces, it does not append
    for csv_name, table in tables.items():
        assert con.execute(f"select count(*) from {table}").fetchone()[0] == len(reference.load_table(csv_name)), table
    assert con.execute("select name_vi, current_code from ref_provinces where province_code = 'kon_tum'").fetchone() \
        == ("Kon Tum", "quang_ngai")
    assert con.execute("select total_km, total_markers, verified from ref_border_totals "
                       "where province_code = 'dien_bien' and border = 'ALL'").fetchone() == (Decimal("400.861"), 187, True)
    expected = con.execute("select period, province_code, due_date from ref_expected_reporters order by all").fetchall()
    periods = sorted({p for p, _, _ in expected})
    assert periods[0] == "2016" and "2016S1" in periods and "2025S2" in periods and "2026" not in periods
    assert expected == sorted((p, code, reference.deadline(p)) for p in periods for code in reference.expected_reporters(p))


def test_a_submission_loads_its_facts_registry_row_and_problems(con):
    report = make_report("dien_bien", "2016",
                         teams=[{"commune": "Xã Mường Nhé", "team_type": "antt_thon_ban", "teams": 12, "members": 70}],
                         segments=[segment(km=1.5, marker_from="120", marker_to="120/1", registered_on=date(2016, 3, 2)),
                                   segment(border="VN-CN", km=2.25, markers=2)],
                         awards=[{"issuer": "ubnd_huyen", "award_form": "giay_khen", "collectives": 3, "individuals": 0,
                                  "decision_no": "12/QĐ-UBND", "decision_date": date(2016, 12, 1)}])
    result = record(con, report, "dien_bien_2016.xlsx", problems=[WARNING_ON_KM])
    assert result.status == "accepted" and result.superseded_id is None
    assert con.execute("select sheet, excel_row, border, length_km, markers, marker_from, marker_to, registered_on "
                       "from fact_segments order by excel_row").fetchall() == [
        ("doan_bien_gioi", 4, "VN-LA", Decimal("1.500"), 1, "120", "120/1", date(2016, 3, 2)),
        ("doan_bien_gioi", 5, "VN-CN", Decimal("2.250"), 2, None, None, None)]
    assert con.execute("select sheet, excel_row, team_type, teams, members, households from fact_teams").fetchall() \
        == [("to_tu_quan", 4, "antt_thon_ban", 12, 70, None)]
    assert con.execute("select excel_row, decision_no, decision_date, collectives from fact_awards").fetchall() \
        == [(4, "12/QĐ-UBND", date(2016, 12, 1), 3)]
    row = con.execute("select province_code, period, file_name, status, teams_rows, segments_rows, awards_rows, errors, "
                      "warnings, reporting_unit, report_date, template_version, sha256 from submissions").fetchone()
    assert row == ("dien_bien", "2016", "dien_bien_2016.xlsx", "accepted", 1, 2, 1, 0, 1, "Bộ Chỉ huy BĐBP tỉnh",
                   date(2026, 1, 10), "1", file_facts("dien_bien_2016.xlsx").sha256)
    assert con.execute("select submission_id, severity, rule, sheet, excel_row, column_code, cell, value, message_vi, "
                       "fix_en from validation_issues").fetchall() == [
        (result.submission_id, "warning", "number.repaired", "doan_bien_gioi", 4, "length_km", "J4", "1,5km",
         WARNING_ON_KM.message_vi, "Type the number without its unit")]


def test_a_rejected_file_keeps_its_problems_but_no_facts(con):
    error = Problem(ERROR, "persons.below_households", "Số người nhỏ hơn số hộ", "Persons below households",
                    sheet="doan_bien_gioi", row=5, column="persons", cell="M5", value="3")
    result = record(con, make_report("lai_chau", "2019", segments=[segment()]), "lai_chau.xlsx", accepted=False,
                    problems=[error, WARNING_ON_KM])
    assert result.status == "rejected"
    assert con.execute("select count(*) from fact_segments").fetchone()[0] == 0
    assert con.execute("select errors, warnings from submissions").fetchone() == (1, 1)
    unreadable = wh.record_submission(con, file=file_facts("hong.xlsx"), report=None, problems=[error], accepted=False)
    assert con.execute("select province_code, period, status from submissions where submission_id = ?",
                       [unreadable.submission_id]).fetchone() == (None, None, "rejected")
    with pytest.raises(ValueError, match="unreadable report cannot be accepted"):
        wh.record_submission(con, file=file_facts("x.xlsx"), report=None, problems=[], accepted=True)


STEPS_ACCEPTED = ["begin", "submission", "facts:to_tu_quan", "facts:doan_bien_gioi", "facts:khen_thuong",
                  "supersede", "issues"]


@pytest.mark.parametrize("accepted, step", [(True, s) for s in STEPS_ACCEPTED]
                         + [(False, s) for s in ("begin", "submission", "issues")])
def test_a_failure_at_any_step_leaves_every_table_exactly_as_it_was(con, accepted, step):
    full = dict(teams=[{"commune": "Xã A", "team_type": "khac", "teams": 1, "members": 5}],
                segments=[segment()], awards=[{"issuer": "ubnd_tinh", "award_form": "bang_khen", "individuals": 2}])
    record(con, make_report("son_la", "2019", **full), "first.xlsx", problems=[WARNING_ON_KM])
    before = snapshot(con)
    seen = []

    def fail(name):
        seen.append(name)
        if name == step:
            raise RuntimeError(f"injected at {name}")

    with pytest.raises(RuntimeError, match="injected"):
        record(con, make_report("son_la", "2019", **full), "second.xlsx", accepted=accepted, problems=[WARNING_ON_KM],
               failpoint=fail)
    assert seen[-1] == step
    assert snapshot(con) == before
    after = record(con, make_report("son_la", "2019", **full), "third.xlsx")   # the warehouse is still usable
    assert after.superseded_id is not None


def test_an_interrupt_also_rolls_back(con):
    before = snapshot(con)

    def interrupt(name):
        if name == "facts:doan_bien_gioi":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        record(con, make_report("son_la", "2019", segments=[segment()]), "a.xlsx", failpoint=interrupt)
    assert snapshot(con) == before


def test_supersede_is_per_reporting_province_and_period(con):
    first = record(con, make_report("son_la", "2019", segments=[segment(km=1)]), "v1.xlsx")
    half = record(con, make_report("son_la", "2019S2", segments=[segment(km=2)]), "half.xlsx")
    other = record(con, make_report("lai_chau", "2019", segments=[segment(border="VN-CN")]), "lai_chau.xlsx")
    rejected = record(con, make_report("son_la", "2019", segments=[segment()]), "bad.xlsx", accepted=False)
    assert rejected.superseded_id is None                  # a rejected file never replaces an accepted one
    second = record(con, make_report("son_la", "2019", segments=[segment(km=3)]), "v2.xlsx")
    third = record(con, make_report("son_la", "2019", segments=[segment(km=4)]), "v3.xlsx")
    assert (second.superseded_id, third.superseded_id) == (first.submission_id, second.submission_id)
    status = dict(con.execute("select file_name, (status, superseded_by) from submissions").fetchall())
    assert status == {"v1.xlsx": ("superseded", second.submission_id), "v2.xlsx": ("superseded", third.submission_id),
                      "v3.xlsx": ("accepted", None), "half.xlsx": ("accepted", None),
                      "lai_chau.xlsx": ("accepted", None), "bad.xlsx": ("rejected", None)}
    # the superseded facts stay for audit
    assert con.execute("select count(*) from fact_segments").fetchone()[0] == 5
    assert half.superseded_id is None and other.superseded_id is None


def test_duplicates_point_at_the_original_and_filing_is_recorded(con):
    original = record(con, make_report("son_la", "2019", segments=[segment()]), "son_la.xlsx")
    sha = file_facts("son_la.xlsx").sha256
    assert wh.find_sha256(con, "0" * 64) is None
    assert wh.find_sha256(con, sha) == wh.KnownFile(original.submission_id, "accepted", None)
    wh.set_stored_path(con, original.submission_id, "archive/2019/son_la.xlsx")
    copy = wh.FileFacts("ban_sao.xlsx", "inputs/inbox/ban_sao.xlsx", sha, 12_345, datetime(2026, 2, 1))
    dup_id = wh.record_duplicate(con, copy, original.submission_id)
    row = con.execute("select status, duplicate_of, province_code, period, file_name, sha256 from submissions "
                      "where submission_id = ?", [dup_id]).fetchone()
    assert row == ("duplicate", original.submission_id, "son_la", "2019", "ban_sao.xlsx", sha)
    # the duplicate is never mistaken for the original, and takes nothing from it
    assert wh.find_sha256(con, sha) == wh.KnownFile(original.submission_id, "accepted", "archive/2019/son_la.xlsx")
    assert con.execute("select status from submissions where submission_id = ?", [original.submission_id]).fetchone() \
        == ("accepted",)


def test_every_table_view_and_column_is_documented_in_both_languages(con):
    undocumented = con.execute("""
        select table_name, column_name from duckdb_columns()
        where schema_name = 'main' and not internal and (comment is null or comment not like '% — %')
        union all select table_name, '' from duckdb_tables()
        where schema_name = 'main' and (comment is null or comment not like '% — %')
        union all select view_name, '' from duckdb_views()
        where schema_name = 'main' and not internal and (comment is null or comment not like '% — %')""").fetchall()
    assert undocumented == []


def test_bulk_load_of_100_000_segment_rows(con):
    n = 100_000
    rows = pd.DataFrame({"border": "VN-LA", "commune": "Xã Mường Nhé", "collective": [f"Bản {i}" for i in range(n)],
                         "length_km": [(i % 997) / 1000 for i in range(n)], "markers": [i % 3 for i in range(n)],
                         "border_works": 0, "households": 4, "persons": 9}).to_dict("records")
    report = make_report("nghe_an", "2024", segments=rows)
    start = time.perf_counter()
    record(con, report, "lon.xlsx")
    elapsed = time.perf_counter() - start
    print(f"\nbulk load of {n:,} segment rows: {elapsed:.3f} s")
    assert elapsed < 3          # an Arrow/DataFrame scan; row-by-row inserts would take minutes
    assert con.execute("select count(*), sum(length_km), max(excel_row) from fact_segments").fetchone() == \
        (n, Decimal(sum((i % 997) for i in range(n))) / 1000, contract.FIRST_DATA_ROW + n - 1)


def test_a_batch_loads_in_order_and_its_review_sees_the_reports_loaded_with_it(con):
    """One transaction for several files: the later report of the same province and period supersedes the
    earlier one (a chain), and the period-over-period review compares 2020 with the 2019 of the same batch."""
    from cotmoc.schemas.history import history_rules
    items = [wh.Submission(file_facts(name), make_report("son_la", period, segments=[segment(km=km)]), [], True)
             for name, period, km in (("a2019.xlsx", "2019", 9.0), ("b2019.xlsx", "2019", 8.0),
                                      ("c2020.xlsx", "2020", 5.0))]
    a, b, c = wh.record_submissions(con, items, review=history_rules)
    assert (a.superseded_id, b.superseded_id, c.superseded_id) == (None, a.submission_id, None)
    assert con.execute("select submission_id, status, superseded_by from submissions order by 1").fetchall() == [
        (a.submission_id, "superseded", b.submission_id), (b.submission_id, "accepted", None),
        (c.submission_id, "accepted", None)]
    [fell] = c.reviewed                                          # 8 km in 2019 (the current report), 5 in 2020
    assert fell.rule == "history.length_km_fell" and "8" in fell.message_en and not a.reviewed and not b.reviewed
    assert con.execute("select warnings from submissions where submission_id = ?", [c.submission_id]).fetchone() == (1,)
    assert con.execute("select rule from validation_issues where submission_id = ?",
                       [c.submission_id]).fetchall() == [("history.length_km_fell",)]
