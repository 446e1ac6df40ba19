"""Period approval on a real warehouse: the office approves a period; a late corrected report is held (views
unchanged, the steward told why); an unlock releases it (views change, the period is changed since
approval); approving again locks the new figures; the approved views keep the figures as they stood at
approval; every step is in approval_events, in order; a SIGKILL during approve/unlock/release leaves the old
state or the new one; timeliness and reporting rates match a hand count on the bundled samples."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from cotmoc.pipeline import approval
from cotmoc.core.config import load_settings
from cotmoc.core.faults import APPROVAL_STEPS
from cotmoc.core.steward_files import report_paths
from cotmoc.pipeline.ingest import run_ingest
from cotmoc.samples.seeds import seed_reports
from cotmoc.outputs.status import print_status, read_status
from cotmoc.outputs.summary import print_summary
from cotmoc.warehouse.db import open_warehouse, reading

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "inputs" / "samples"
TODAY = datetime(2026, 11, 22).date()
#: when each bundled sample "arrived" (its mtime is its received_at): a hand-made timeline
RECEIVED = {"dien_bien_2016.xlsx": datetime(2017, 4, 27, 9), "quang_ninh_2018.xlsx": datetime(2019, 1, 20, 9),
            "kon_tum_2023.xlsx": datetime(2024, 2, 6, 9), "loi_so_nguoi_dien_bien_2016.xlsx": datetime(2017, 5, 2, 9),
            "loi_loai_to_son_la_2020S1.xlsx": datetime(2020, 7, 20, 9),
            "loi_mau_cu_nghe_an_2021.xlsx": datetime(2022, 2, 1, 9),
            "loi_vuot_chieu_dai_lai_chau_2019.xlsx": datetime(2020, 1, 10, 9),
            # Quảng Ninh's first try at 2018 had a bad activities row; the corrected report came ten days later
            "loi_hoat_dong_quang_ninh_2018.xlsx": datetime(2019, 1, 10, 9)}
CURRENT = ("national_teams", "national_segments", "national_awards")
APPROVED = {v: f"{v}_approved" for v in CURRENT}
FIGURES = {"national_teams": "period, team_type, provinces_reporting, teams, members, households",
           "national_segments": "period, border, provinces_reporting, collectives, length_km, markers, border_works, "
                                "households, persons",
           "national_awards": "period, issuer, award_form, provinces_reporting, decisions, collectives, individuals"}


def _drop(settings, src: Path, name: str, when: datetime) -> Path:
    dest = settings.inbox / name
    shutil.copyfile(src, dest)
    stamp = when.replace(tzinfo=timezone.utc).timestamp()
    os.utime(dest, (stamp, stamp))
    return dest


def _home(tmp_path: Path, names=None):
    settings = load_settings(tmp_path, environ={})
    settings.inbox.mkdir(parents=True)
    for src in sorted(SAMPLES.glob("*/*.xlsx")):
        if names is None or src.name in names:
            _drop(settings, src, src.name, RECEIVED[src.name])
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        run_ingest(con, settings, today=TODAY)
    return settings


def _corrected(tmp_path: Path, extra_teams: int) -> Path:
    """Điện Biên's 2016 report, corrected: `extra_teams` more teams (and members) on its first team row."""
    sample = next(s for s in seed_reports() if s.info["province"] == "dien_bien")
    sample.teams[0]["teams"] += extra_teams
    sample.teams[0]["members"] += extra_teams * 10
    return sample.write(tmp_path / f"src{extra_teams}" / "dien_bien_2016.xlsx")


def _figures(con, view: str, period: str = "2016") -> list[tuple]:
    base = view.split("(")[0].removesuffix("_approved").removesuffix("_as")
    return con.execute(f"SELECT {FIGURES[base]} FROM {view} WHERE period = ? ORDER BY ALL", [period]).fetchall()


def _teams(con, view="national_teams") -> int:
    return con.execute(f"SELECT sum(teams) FROM {view} WHERE period = '2016'").fetchone()[0]


def _status(con) -> tuple:
    return con.execute("SELECT DISTINCT approval_status, approved_at FROM province_teams "
                       "WHERE period = '2016' AND reporting_province_code = 'dien_bien'").fetchall()


def test_approve_hold_unlock_release_and_approve_again(tmp_path):
    settings = _home(tmp_path)
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        before = {v: _figures(con, v) for v in CURRENT}
        teams_before = _teams(con)
        assert _status(con) == [("not_approved", None)]
        assert _figures(con, "national_teams_approved") == []              # nothing approved yet

        # 1. approve: every province with an accepted 2016 report (Điện Biên only)
        steps = approval.approve(con, "2016", actor="Trần Văn Duyệt", note="Đã gửi báo cáo lên Bộ")
        assert [(s.action, s.province_code) for s in steps] == [("approve", "dien_bien")]
        approved_id = steps[0].submission_id
        (status, approved_at), = _status(con)
        assert status == "approved" and approved_at is not None
        assert con.execute("SELECT DISTINCT approval_status FROM national_teams WHERE period = '2016'").fetchall() \
            == [("approved",)]
        assert {v: _figures(con, a) for v, a in APPROVED.items()} == before   # approved = current, now
        assert [s.action for s in approval.approve(con, "2016", ["Điện Biên"])] == ["already_approved"]

        # 2. a corrected report arrives: checked, accepted, HELD — the views do not move
        _drop(settings, _corrected(tmp_path, 5), "dien_bien_2016_sua.xlsx", datetime(2017, 6, 1, 9))
        outcome, = run_ingest(con, settings, today=TODAY)
        assert outcome.outcome == "held", (outcome.outcome, outcome.first_error)
        held_id = outcome.submission_id
        assert outcome.stored_path.parent == settings.archive / approval.HELD_DIR / "dien_bien"
        assert outcome.stored_path.exists()
        assert "đã được văn phòng duyệt và khóa" in outcome.notice and "HELD" in outcome.notice
        assert {v: _figures(con, v) for v in CURRENT} == before
        assert _status(con) == [("approved", approved_at)]
        assert con.execute("SELECT status FROM submissions WHERE submission_id = ?", [held_id]).fetchone() == ("held",)
        assert con.execute("SELECT count(*) FROM fact_teams WHERE submission_id = ?", [held_id]).fetchone()[0] > 0
        assert con.execute("SELECT rule FROM validation_issues WHERE submission_id = ? AND rule LIKE 'approval.%'",
                           [held_id]).fetchall() == [("approval.period_locked",)]
        cell = con.execute("SELECT status, submission_id, held, approval_status FROM completeness "
                           "WHERE period = '2016' AND reporting_province_code = 'dien_bien'").fetchone()
        assert cell == ("accepted", approved_id, 1, "approved")

        # what the steward sees: the .loi.json, the summary, cotmoc status
        annotated, json_path = report_paths(outcome.stored_path, outcome.stored_path.parent)
        doc = json.loads(json_path.read_text(encoding="utf-8"))
        assert doc["status"] == "held"
        notice = next(p for p in doc["problems"] if p["rule"] == "approval.period_locked")
        assert "GIỮ LẠI" in notice["message_vi"] and "HELD" in notice["message_en"]
        assert "mở khóa" in notice["fix_vi"] and "unlock" in notice["fix_en"]
        assert annotated.exists()
        console = Console(record=True, width=200)
        print_summary([outcome], console)
        text = console.export_text()
        assert "chờ mở khóa / held" in text and "GIỮ LẠI" in text and "HELD" in text

    with reading(settings.warehouse) as (con, source):
        status = read_status(con, source, periods=["2016"], today=TODAY)
    assert [(h["reporting_province_code"], h["submission_id"]) for h in status.held] == [("dien_bien", held_id)]
    console = Console(record=True, width=400)
    print_status(status, console, today=TODAY)
    text = console.export_text()
    assert "chờ mở khóa" in text and "cotmoc unlock --period 2016 --province dien_bien" in text
    assert "Trần Văn Duyệt" in text and "duyệt" in text

    with open_warehouse(settings.warehouse, today=TODAY) as con:
        # 3. unlock: the held report supersedes the approved one at once; the views change
        with pytest.raises(ValueError, match="lý do"):
            approval.unlock(con, "2016", "dien_bien", reason=" ")
        steps = approval.unlock(con, "2016", "dien_bien", reason="Tỉnh sửa số tổ — province corrected its teams",
                                actor="Trần Văn Duyệt")
        assert [(s.action, s.submission_id, s.replaced_ids) for s in steps] == \
            [("unlock", approved_id, ()), ("release", held_id, (approved_id,))]
        filed = approval.finish_releases(con, settings)
        assert filed == [settings.archive / "dien_bien" / filed[0].name] and filed[0].exists()
        assert not list((settings.archive / approval.HELD_DIR).rglob("*.xlsx"))
        moved = json.loads(report_paths(filed[0], filed[0].parent)[1].read_text(encoding="utf-8"))
        assert moved["status"] == "accepted" and "unlocked" in moved["released"]
        assert con.execute("SELECT submission_id, status, superseded_by FROM submissions WHERE submission_id IN (?, ?) "
                           "ORDER BY 1", [approved_id, held_id]).fetchall() == \
            [(approved_id, "superseded", held_id), (held_id, "accepted", None)]
        assert _teams(con) == teams_before + 5
        assert _status(con)[0][0] == "changed_since_approval"
        assert con.execute("SELECT DISTINCT approval_status FROM national_teams WHERE period = '2016'").fetchall() \
            == [("changed_since_approval",)]
        # the approved views still give the figures as they stood at approval
        assert {v: _figures(con, a) for v, a in APPROVED.items()} == before
        with pytest.raises(ValueError, match="không bị khóa"):
            approval.unlock(con, "2016", "dien_bien", reason="again")

        # 4. while unlocked, another correction supersedes as any resubmission does; still not re-approved
        _drop(settings, _corrected(tmp_path, 7), "dien_bien_2016_sua_lan_2.xlsx", datetime(2017, 7, 1, 9))
        outcome, = run_ingest(con, settings, today=TODAY)
        assert outcome.outcome == "superseding"
        latest_id = outcome.submission_id
        assert _teams(con) == teams_before + 7
        assert {v: _figures(con, a) for v, a in APPROVED.items()} == before
        assert _status(con)[0][0] == "changed_since_approval"

        # 5. approve again: the new figures are the approved ones
        steps = approval.approve(con, "2016", ["dien_bien"], actor="Lê Thị Duyệt")
        assert [(s.action, s.submission_id) for s in steps] == [("approve", latest_id)]
        assert _status(con)[0][0] == "approved"
        assert {v: _figures(con, a) for v, a in APPROVED.items()} == {v: _figures(con, v) for v in CURRENT}
        assert _teams(con, "national_teams_approved") == teams_before + 7

        # 6. the trail: every step, in order
        trail = con.execute("SELECT action, province_code, period, submission_id, replaced_ids, actor, reason "
                            "FROM approval_events ORDER BY event_id").fetchall()
        assert [t[:5] for t in trail] == [
            ("approve", "dien_bien", "2016", approved_id, None),
            ("hold", "dien_bien", "2016", held_id, None),
            ("unlock", "dien_bien", "2016", approved_id, None),
            ("release", "dien_bien", "2016", held_id, [approved_id]),
            ("approve", "dien_bien", "2016", latest_id, None)]
        assert [t[5] for t in trail] == ["Trần Văn Duyệt", "cotmoc", "Trần Văn Duyệt", "Trần Văn Duyệt", "Lê Thị Duyệt"]
        assert trail[0][6] == "Đã gửi báo cáo lên Bộ" and trail[2][6].startswith("Tỉnh sửa số tổ")
        times = [r[0] for r in con.execute("SELECT event_at FROM approval_events ORDER BY event_id").fetchall()]
        assert times == sorted(times)

        # 7. the first approval's figures, overtaken in the *_approved views by the second approval, are still
        # reproduced from the trail: national_*_as_approved(event_id of the approval)
        first, second = [r[0] for r in con.execute("SELECT event_id FROM approval_events WHERE action = 'approve' "
                                                   "ORDER BY event_id").fetchall()]
        assert _teams(con, "national_teams_approved") != teams_before          # what the views alone would lose
        for view in CURRENT:
            assert _figures(con, f"{view}_as_approved({first})") == before[view], view
            assert _figures(con, f"{view}_as_approved({second})") == _figures(con, f"{view}_approved"), view
            as_approved = con.execute(f"SELECT DISTINCT approval_status FROM {view}_as_approved({first})").fetchall()
            assert as_approved == [("approved",)]
        assert con.execute("SELECT reporting_province_code, submission_id, approval_event_id FROM approval_snapshots "
                           "ORDER BY event_id").fetchall() == [("dien_bien", approved_id, first),
                                                               ("dien_bien", latest_id, second)]
        assert con.execute("FROM national_teams_as_approved(999999)").fetchall() == []      # no such approval
        assert con.execute(f"SELECT sum(teams) FROM province_teams_of('approved_submissions_at({first})') "
                           "WHERE reporting_province_code = 'dien_bien'").fetchone()[0] == teams_before


def test_a_rejected_report_for_a_locked_period_stays_rejected(tmp_path):
    settings = _home(tmp_path, names={"dien_bien_2016.xlsx"})
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        approval.approve(con, "2016", actor="office")
        _drop(settings, SAMPLES / "faulty" / "loi_so_nguoi_dien_bien_2016.xlsx", "loi.xlsx", datetime(2017, 6, 1))
        outcome, = run_ingest(con, settings, today=TODAY)
        assert outcome.outcome == "rejected" and outcome.stored_path.is_relative_to(settings.rejected)
        assert con.execute("SELECT count(*) FROM approval_events WHERE action = 'hold'").fetchone()[0] == 0


def test_approve_refuses_a_province_without_an_accepted_report(tmp_path):
    settings = _home(tmp_path, names={"dien_bien_2016.xlsx", "loi_vuot_chieu_dai_lai_chau_2019.xlsx"})
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        with pytest.raises(ValueError, match="chưa có báo cáo đạt"):
            approval.approve(con, "2019", ["lai_chau"])
        with pytest.raises(ValueError, match="Không rõ tỉnh"):
            approval.approve(con, "2016", ["Atlantis"])
        assert con.execute("SELECT count(*) FROM approval_events").fetchone()[0] == 0


def test_timeliness_and_reporting_rates_match_a_hand_count(tmp_path):
    """By hand, from RECEIVED and the schedule (year reports due 31 January, 10 grace days; 25 provinces owe
    each period): Điện Biên 2016 arrived 27/4/2017, 86 days late; Quảng Ninh 2018 on 20/1/2019, 11 days early;
    Kon Tum 2023 on 6/2/2024, 6 days late but within the grace days; the four faulty reports were rejected
    (no timeliness: a rejected report is not a report)."""
    settings = _home(tmp_path)
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        rows = con.execute("""SELECT reporting_province_code, period, status, days_after_deadline, on_time, grace_days
                              FROM completeness WHERE status <> 'missing' ORDER BY period""").fetchall()
        assert rows == [("dien_bien", "2016", "accepted", 86, False, 10),
                        ("quang_ninh", "2018", "accepted", -11, True, 10),
                        ("lai_chau", "2019", "rejected", None, None, 10),
                        ("son_la", "2020S1", "rejected", None, None, 5),
                        ("nghe_an", "2021", "rejected", None, None, 10),
                        ("kon_tum", "2023", "accepted", 6, True, 10)]
        rates = {r[0]: r[1:] for r in con.execute(
            "SELECT period, expected_reports, actual_reports, actual_reports_on_time, approved_reports, "
            "reporting_rate, reporting_rate_on_time, reporting_rate_approved FROM reporting_rates").fetchall()}
        assert rates["2016"] == (25, 1, 0, 0, 0.04, 0.0, 0.0)
        assert rates["2018"] == (25, 1, 1, 0, 0.04, 0.04, 0.0)
        assert rates["2023"] == (25, 1, 1, 0, 0.04, 0.04, 0.0)
        assert rates["2019"] == rates["2020S1"] == (25, 0, 0, 0, 0.0, 0.0, 0.0)
        approval.approve(con, "2023", ["Quảng Ngãi"], actor="office")    # the merged province covers Kon Tum's report
        approval.approve(con, "2018", actor="office")
        rates = {r[0]: r[1:] for r in con.execute(
            "SELECT period, approved_reports, reporting_rate_approved FROM reporting_rates").fetchall()}
        assert rates["2023"] == rates["2018"] == (1, 0.04) and rates["2016"] == (0, 0.0)


# --- a SIGKILL during approve / unlock / release ----------------------------------------------------------
def _cli(home: Path, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COTMOC_")}
    env.update(COTMOC_HOME=str(home), **({"COTMOC_CRASH_AT": crash_at} if crash_at else {}))
    return subprocess.run([str(Path(sys.executable).parent / "cotmoc"), *args], env=env, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)


def _state(settings) -> dict:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return {"events": con.execute("SELECT action, submission_id, replaced_ids FROM approval_events "
                                      "ORDER BY event_id").fetchall(),
                "submissions": con.execute("SELECT submission_id, status, superseded_by FROM submissions "
                                           "ORDER BY 1").fetchall(),
                "views": con.execute("SELECT * FROM province_teams ORDER BY ALL").fetchall()}


@pytest.mark.parametrize("step", APPROVAL_STEPS)
def test_a_kill_during_approve_unlock_or_release_leaves_the_old_state_or_the_new(tmp_path, step):
    settings = _home(tmp_path, names={"dien_bien_2016.xlsx"})
    unlock = ["unlock", "--period", "2016", "--province", "Điện Biên", "--reason", "sửa số liệu", "--by", "office"]
    if step == "approve":
        command = ["approve", "--period", "2016", "--by", "office"]
    else:
        with open_warehouse(settings.warehouse, today=TODAY) as con:
            approval.approve(con, "2016", actor="office")
            _drop(settings, _corrected(tmp_path, 5), "sua.xlsx", datetime(2017, 6, 1))
            assert run_ingest(con, settings, today=TODAY)[0].outcome == "held"
        command = unlock
    before = _state(settings)
    killed = _cli(settings.home, *command, crash_at=step)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stdout, killed.stderr)
    after_kill = _state(settings)
    if step != "release_move":
        assert after_kill == before                         # the old state: nothing of the step was kept
        again = _cli(settings.home, *command)
        assert again.returncode == 0, again.stdout + again.stderr
        assert ("Đã duyệt và khóa Điện Biên 2016" if step == "approve" else "Đã mở khóa Điện Biên 2016") in again.stdout
        done = _state(settings)
        assert done != before
    else:                                                   # committed: the new state; the move is finished next
        assert [e[0] for e in after_kill["events"]] == ["approve", "hold", "unlock", "release"]
        assert list((settings.archive / approval.HELD_DIR).rglob("sua__*.xlsx"))
        again = _cli(settings.home, "approve", "--period", "2016", "--by", "office")
        assert again.returncode == 0, again.stdout + again.stderr
        done = _state(settings)
    assert "Traceback" not in killed.stderr + again.stderr
    actions = [e[0] for e in done["events"]]
    assert actions == (["approve"] if step == "approve" else ["approve", "hold", "unlock", "release"]
                       + (["approve"] if step == "release_move" else []))
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        for (path,) in con.execute("SELECT stored_path FROM submissions").fetchall():
            assert Path(path).exists(), path
            assert approval.HELD_DIR not in path


def test_a_held_report_whose_filing_was_killed_is_filed_as_held_by_the_next_run(tmp_path):
    settings = _home(tmp_path, names={"dien_bien_2016.xlsx"})
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        approval.approve(con, "2016", actor="office")
    _drop(settings, _corrected(tmp_path, 5), "sua.xlsx", datetime(2017, 6, 1))
    ingest = ["ingest", "--plain", "--today", TODAY.isoformat()]
    killed = _cli(settings.home, *ingest, crash_at="before_move")          # committed as held, not yet filed
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    again = _cli(settings.home, *ingest)
    assert again.returncode == 0, again.stdout + again.stderr
    held, = (p for p in (settings.archive / approval.HELD_DIR / "dien_bien").glob("sua__*.xlsx") if ".loi." not in p.name)
    doc = json.loads(report_paths(held, held.parent)[1].read_text(encoding="utf-8"))
    # why it waits, beside the report's own warnings (v2's reach figures meet an unverified commune list)
    assert doc["status"] == "held" and "approval.period_locked" in [p["rule"] for p in doc["problems"]]
    assert all(p["severity"] == "warning" for p in doc["problems"])
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("SELECT status, stored_path FROM submissions WHERE file_name = 'sua.xlsx'").fetchall() \
            == [("held", str(held))]


def test_the_approval_migration_keeps_every_submission_and_its_constraints(tmp_path, monkeypatch):
    """A warehouse at the version before this migration (whatever its number) upgrades: rows kept in order, the
    primary key and the id sequence still in force, and `held` now a status."""
    from cotmoc.warehouse import schema
    from cotmoc.warehouse.db import migrate
    ours = next(m for m in schema.migrations() if m.name == "approval")
    older = tmp_path / "migrations"
    older.mkdir()
    for m in schema.migrations():
        if m.version < ours.version:
            (older / m.path.name).write_text(m.sql, encoding="utf-8")
    path = tmp_path / "w.duckdb"
    with monkeypatch.context() as patched:
        patched.setattr(schema, "MIGRATIONS_DIR", older)
        with duckdb.connect(str(path)) as con:
            schema.upgrade(con)
            for name, status in (("a.xlsx", "accepted"), ("b.xlsx", "superseded"), ("c.xlsx", "rejected")):
                con.execute("INSERT INTO submissions (province_code, period, file_name, original_path, sha256, status) "
                            "VALUES ('dien_bien', '2016', ?, ?, ?, ?)", [name, name, name * 8, status])
            before = con.execute("SELECT * FROM submissions ORDER BY submission_id").fetchall()
    with duckdb.connect(str(path)) as con:
        migrate(con)
        after = con.execute("SELECT * FROM submissions ORDER BY submission_id").fetchall()
        assert [row[:len(before[0])] for row in after] == before
        new_id = con.execute("INSERT INTO submissions (file_name, original_path, sha256, status) "
                             "VALUES ('d.xlsx', 'd.xlsx', 'd', 'held') RETURNING submission_id").fetchone()[0]
        assert new_id == before[-1][0] + 1
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO submissions (submission_id, file_name, original_path, sha256, status) "
                        "VALUES (?, 'e', 'e', 'e', 'accepted')", [new_id])
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO submissions (file_name, original_path, sha256, status) "
                        "VALUES ('f', 'f', 'f', 'lost')")


def test_approve_waits_for_the_warehouse_lock_and_then_gives_up(tmp_path):
    from dataclasses import replace

    from cotmoc.pipeline.locking import WarehouseLocked, ingest_lock
    settings = replace(_home(tmp_path, names={"dien_bien_2016.xlsx"}), lock_wait_seconds=0.5)
    told = []
    with ingest_lock(settings.warehouse):                   # an ingest is running
        with pytest.raises(WarehouseLocked):
            approval.approve_period(settings, "2016", actor="office", on_wait=told.append)
    assert told                                             # the office was told it waits
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM approval_events").fetchone()[0] == 0
    outcome = approval.approve_period(settings, "2016", actor="office")
    assert [s.action for s in outcome.steps] == ["approve"]
