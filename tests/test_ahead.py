"""Checking ahead (cotmoc/pipeline/ahead.py): the first new files are checked while the run starts, and the run
takes those results only for the very bytes it staged, as if it had checked them itself."""
from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from cotmoc.pipeline import staging
from cotmoc.pipeline.ahead import new_files
from cotmoc.pipeline.checking import check_files
from cotmoc.pipeline.ingest import ingest_inbox
from cotmoc.pipeline.parallel import check_ahead, check_batch, checking_processes

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "inputs" / "samples").glob("*/*.xlsx"))
CLEAN = ROOT / "inputs" / "samples" / "seed" / "dien_bien_2016.xlsx"
FAULTY = ROOT / "inputs" / "samples" / "faulty" / "loi_so_nguoi_dien_bien_2016.xlsx"
TODAY = date(2026, 11, 22)

pytestmark = pytest.mark.slow


def _fill(settings, files: list[Path], names: list[str] | None = None) -> list[Path]:
    out = []
    for i, src in enumerate(files):
        dest = settings.inbox / (names[i] if names else src.name)
        shutil.copy2(src, dest)
        out.append(dest)
    return out


def _staged_items(settings) -> list[tuple]:
    """The inbox staged as the run stages it: (inbox path, SHA-256, staged copy, identity)."""
    since = time.time_ns() + 10**10
    taken = [staging.take(p, settings.archive, since_ns=since, max_copy_bytes=settings.max_file_bytes)
             for p in staging.scan(settings.inbox)[0]]
    return [(t.path, t.sha256, t.copy, t.identity) for t in taken]


def _outcome(checked) -> list:
    """Everything of a check the run uses: the file's record, its verdict, every problem, the report's tables."""
    out = []
    for c in checked:
        tables = None if c.report is None else {code: c.report.table(code).to_dict("list")
                                                for code in ("to_tu_quan", "doan_bien_gioi", "khen_thuong", "hoat_dong")}
        out.append((c.path, c.facts, c.source, c.identity, c.readable, c.accepted,
                    [(p.rule, p.sheet, p.cell, p.value, p.message_vi, p.message_en) for p in c.problems],
                    None if c.report is None else c.report.info, tables))
    return out


def test_files_checked_ahead_are_the_runs_own_checks_of_the_bytes_it_staged(settings, caplog):
    from dataclasses import replace
    _fill(settings, SAMPLES)
    settings = replace(settings, batch_files=3)
    groups = new_files(settings, batches=10)
    assert [p for group in groups for p, _ in group] == staging.scan(settings.inbox)[0]    # the run's order
    assert [len(g) for g in groups] == [3, 3, len(SAMPLES) - 6]
    from cotmoc.pipeline import parallel
    with checking_processes(2):
        check_ahead(groups, settings, TODAY)
        spool = parallel._spool
        items = _staged_items(settings)
        with caplog.at_level(logging.INFO, logger="cotmoc.pipeline.parallel"):
            got = check_batch(items, settings, TODAY)
        assert not [p for p in spool.rglob("*") if p.is_file()]      # each private copy goes once checked
    assert not spool.exists()                                       # and their folder with the workers
    assert f"{len(items)} of {len(items)} files checked ahead" in caplog.text
    assert _outcome(got) == _outcome(check_files(items, settings, today=TODAY))
    assert {c.accepted for c in got} == {True, False}          # clean and faulty files alike


def test_a_file_changed_after_it_was_checked_ahead_is_checked_again(settings, caplog):
    inbox_file, other = _fill(settings, [CLEAN, SAMPLES[0]], ["bao_cao.xlsx", "khac.xlsx"])
    with checking_processes(2):
        check_ahead(new_files(settings, batches=2), settings, TODAY)
        time.sleep(0.5)
        shutil.copyfile(FAULTY, inbox_file)           # the steward saves a new version meanwhile
        items = _staged_items(settings)
        with caplog.at_level(logging.INFO, logger="cotmoc.pipeline.parallel"):
            got = check_batch(items, settings, TODAY)
    assert "1 of 2 files checked ahead" in caplog.text          # the unchanged file only
    assert _outcome(got) == _outcome(check_files(items, settings, today=TODAY))
    assert not got[[c.path for c in got].index(inbox_file)].accepted     # the new bytes' verdict


def test_bytes_the_warehouse_holds_are_never_checked_ahead(settings):
    _fill(settings, SAMPLES[:3])
    ingest_inbox(settings, today=TODAY)
    assert not staging.scan(settings.inbox)[0]
    _fill(settings, SAMPLES[:3], ["lai_1.xlsx", "lai_2.xlsx", "lai_3.xlsx"])      # sent again: duplicates
    new, same_again = _fill(settings, [SAMPLES[3], SAMPLES[3]], ["moi.xlsx", "moi_ban_sao.xlsx"])
    assert new_files(settings, batches=5) == [[(new, staging.fingerprint_regular(new, settings.max_file_bytes))]]


def test_nothing_is_checked_ahead_while_another_process_writes_the_warehouse(settings):
    _fill(settings, SAMPLES[:1])
    ingest_inbox(settings, today=TODAY)
    _fill(settings, SAMPLES[1:3])
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('open', flush=True); time.sleep(60)", str(settings.warehouse)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        assert new_files(settings, batches=5) == []
    finally:
        holder.kill()
        holder.wait()
    assert [p for g in new_files(settings, batches=5) for p, _ in g] == staging.scan(settings.inbox)[0]


def test_a_file_that_kills_its_worker_while_checked_ahead_is_checked_as_usual(settings, monkeypatch, caplog):
    _fill(settings, [CLEAN, FAULTY])
    monkeypatch.setenv("COTMOC_CRASH_AT", "read")         # the first workers die (SIGKILL) as they read a file
    with checking_processes(2):
        monkeypatch.delenv("COTMOC_CRASH_AT")             # the workers started in their place are healthy
        check_ahead(new_files(settings, batches=2), settings, TODAY)
        items = _staged_items(settings)
        with caplog.at_level(logging.INFO, logger="cotmoc.pipeline.parallel"):
            got = check_batch(items, settings, TODAY)
    assert "checked ahead" not in caplog.text
    assert _outcome(got) == _outcome(check_files(items, settings, today=TODAY))
    assert {c.path.name: c.accepted for c in got} == {CLEAN.name: True, FAULTY.name: False}


def test_a_check_ahead_made_for_another_day_is_not_taken(settings, caplog):
    """What counts as the future is the day's: a check made ahead before midnight is not the run's after it."""
    _fill(settings, [CLEAN])
    with checking_processes(2):
        check_ahead(new_files(settings, batches=1), settings, date(2026, 11, 21))
        items = _staged_items(settings)
        with caplog.at_level(logging.INFO, logger="cotmoc.pipeline.parallel"):
            got = check_batch(items, settings, TODAY)
    assert "checked ahead" not in caplog.text
    assert _outcome(got) == _outcome(check_files(items, settings, today=TODAY))
