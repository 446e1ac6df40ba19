"""End-to-end ingest (the plain library, without Prefect): real workbooks in a real inbox, a real
DuckDB file. Every file reaches exactly one end; nothing is lost, loaded twice or half-loaded."""
from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cotmoc.pipeline.checking import check_file
from cotmoc.pipeline.filing import load_and_file
from cotmoc.pipeline.inbox import discover
from cotmoc.pipeline.ingest import run_ingest
from cotmoc.samples import broken_files
from cotmoc.samples.seeds import seed_reports

TODAY = date(2026, 11, 22)
SAMPLES = Path(__file__).resolve().parent.parent / "inputs" / "samples"



def _drop(settings, src: Path, name: str | None = None) -> Path:
    dest = settings.inbox / (name or src.name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)
    return dest


def _seed_file(tmp_path, province: str) -> Path:
    for sample in seed_reports():
        if sample.info["province"] == province or sample.file_name.startswith(province):
            return sample.write(tmp_path / "src" / sample.file_name)
    raise AssertionError(f"no seed report for {province}")


def _all_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_seed_reports_load_exactly(settings, con):
    for path in sorted((SAMPLES / "seed").glob("*.xlsx")):
        _drop(settings, path)
    outcomes = run_ingest(con, settings, today=TODAY)
    assert [o.outcome for o in outcomes] == ["new"] * len(outcomes) and len(outcomes) == 3, \
        [(o.file_name, o.outcome, o.first_error) for o in outcomes]
    seg = con.execute("""
        select sum(length_km), sum(markers), sum(border_works), sum(households), sum(persons), count(*)
        from fact_segments f join submissions s using (submission_id)
        where s.province_code = 'dien_bien' and s.period = '2016'""").fetchone()
    assert seg == (Decimal("365.861"), 173, 4, 2789, 3816, 125)      # DECIMAL(12,3): exact to the metre
    teams = con.execute("""
        select sum(teams), sum(members) from fact_teams f join submissions s using (submission_id)
        where s.province_code = 'dien_bien' and f.team_type = 'antt_thon_ban'""").fetchone()
    assert teams == (347, 2041)
    awards = con.execute("""
        select sum(collectives), sum(individuals) from fact_awards f join submissions s using (submission_id)
        where s.province_code = 'dien_bien' and issuer = 'ubnd_huyen' and award_form = 'giay_khen'""").fetchone()
    assert awards == (32, 52)
    kon_tum = con.execute("""
        select sum(collectives), sum(individuals) from fact_awards f join submissions s using (submission_id)
        where s.province_code = 'kon_tum' and issuer = 'mttq_tinh' and award_form = 'bang_khen'""").fetchone()
    assert kon_tum == (1, 2)
    assert discover(settings.inbox) == []
    assert len(list(settings.archive.rglob("*.xlsx"))) >= 3


def test_same_bytes_twice_load_once_whatever_the_name(settings, con, tmp_path):
    src = _seed_file(tmp_path, "dien_bien")
    _drop(settings, src)
    first = run_ingest(con, settings, today=TODAY)
    _drop(settings, src, "ban_sao_gui_lai.xlsx")
    second = run_ingest(con, settings, today=TODAY)
    assert [o.outcome for o in first] == ["new"]
    assert [o.outcome for o in second] == ["duplicate"]
    assert second[0].stored_path.exists()          # kept, not deleted
    assert con.execute("select count(*) from fact_segments").fetchone()[0] == 125
    statuses = con.execute("select status from submissions order by submission_id").fetchall()
    assert statuses == [("accepted",), ("duplicate",)]


def test_resubmission_supersedes_and_keeps_the_earlier_for_audit(settings, con, tmp_path):
    sample = next(s for s in seed_reports() if s.info["province"] == "dien_bien")
    first = sample.write(tmp_path / "v1.xlsx")
    sample.info["prepared_by"] = "Nguyễn Văn B (sửa lần 2)"
    second = sample.write(tmp_path / "v2.xlsx")
    _drop(settings, first)
    run_ingest(con, settings, today=TODAY)
    _drop(settings, second)
    outcomes = run_ingest(con, settings, today=TODAY)
    assert [o.outcome for o in outcomes] == ["superseding"]
    rows = con.execute("select status, superseded_by from submissions order by submission_id").fetchall()
    assert rows[0][0] == "superseded" and rows[1] == ("accepted", None) and rows[0][1] is not None


@pytest.mark.parametrize("builder", [
    broken_files.not_a_workbook, broken_files.truncated_zip, broken_files.password_protected,
    broken_files.empty_workbook, broken_files.zip_bomb, broken_files.xml_entity_bomb,
])
def test_unreadable_files_are_rejected_with_a_message_and_kept(settings, con, builder):
    path = builder(settings.inbox / f"{builder.__name__}.xlsx")
    original = path.read_bytes()
    outcomes = run_ingest(con, settings, today=TODAY)
    assert [o.outcome for o in outcomes] == ["rejected"]
    kept = outcomes[0].stored_path
    assert kept.read_bytes() == original and kept.is_relative_to(settings.rejected)
    report = json.loads(kept.with_name(kept.stem + ".loi.json").read_text(encoding="utf-8"))
    problem = report["problems"][0]
    assert problem["severity"] == "error" and problem["message_vi"] and problem["message_en"]
    assert con.execute("select count(*) from validation_issues").fetchone()[0] >= 1


def test_faulty_samples_are_rejected_with_annotated_workbooks(settings, con):
    for path in sorted((SAMPLES / "faulty").glob("*.xlsx")):
        _drop(settings, path)
    outcomes = run_ingest(con, settings, today=TODAY)
    assert outcomes and all(o.outcome == "rejected" for o in outcomes), \
        [(o.file_name, o.outcome) for o in outcomes]
    for o in outcomes:
        assert o.errors >= 1 and o.first_error
        annotated = o.stored_path.with_name(o.stored_path.stem + ".loi.xlsx")
        assert annotated.exists(), annotated
    assert con.execute("select count(*) from fact_segments").fetchone()[0] == 0


def test_a_load_failing_half_way_leaves_the_warehouse_and_the_inbox_as_they_were(settings, con, tmp_path):
    src = _drop(settings, _seed_file(tmp_path, "dien_bien"))
    checked = check_file(src, settings, today=TODAY)
    assert checked.accepted, checked.problems[:3]
    tables = ["submissions", "fact_teams", "fact_segments", "fact_awards", "validation_issues"]
    before = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}

    def explode(step):
        if step != "begin":
            raise RuntimeError(f"injected failure after {step}")

    with pytest.raises(RuntimeError, match="injected failure"):
        load_and_file(con, [checked], settings, failpoint=explode)
    assert {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables} == before
    assert src.exists() and not settings.archive.exists()
    # the next run completes the file as if nothing had happened
    assert [o.outcome for o in run_ingest(con, settings, today=TODAY)] == ["new"]


def test_province_must_match_its_folder(settings, con, tmp_path):
    _drop(settings, _seed_file(tmp_path, "dien_bien"), "lai_chau/dien_bien_2016.xlsx")
    outcomes = run_ingest(con, settings, today=TODAY)
    assert [o.outcome for o in outcomes] == ["rejected"]
    assert "folder" in outcomes[0].first_error or "thư mục" in outcomes[0].first_error


def test_a_crash_after_commit_before_the_move_is_completed_by_the_next_run(settings, con, tmp_path):
    from cotmoc.warehouse import load as wh
    src = _drop(settings, _seed_file(tmp_path, "dien_bien"))
    checked = check_file(src, settings, today=TODAY)
    wh.record_submission(con, file=checked.facts, report=checked.report, problems=checked.problems,
                         accepted=True)                        # committed, then "killed" before filing
    outcomes = run_ingest(con, settings, today=TODAY)
    assert [o.outcome for o in outcomes] == ["recovered"]
    assert not src.exists() and outcomes[0].stored_path.exists()
    assert con.execute("select count(*) from submissions").fetchone()[0] == 1
    assert con.execute("select count(*) from fact_segments").fetchone()[0] == 125


def test_an_empty_inbox_is_reported_at_once_without_starting_prefect(tmp_path):
    import os
    import subprocess
    import sys
    (tmp_path / "inputs" / "inbox").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COTMOC_")} | {"COTMOC_HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "cotmoc.cli", "ingest"], env=env,
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Hộp thư trống" in run.stdout and "inbox is empty" in run.stdout
    imported = {line.split("|")[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    assert not {"prefect", "duckdb", "pandas"} & imported         # nothing heavy was loaded
    assert not (tmp_path / "warehouse").exists()                   # nor the warehouse opened
