"""Checking ahead (cotmoc/pipeline/ahead.py): the first new files are checked while the run starts, and the run
takes those results only for the very bytes it staged, as if it had checked them itself."""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psutil
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
        spool = parallel._spool.path
        items = _staged_items(settings)
        with caplog.at_level(logging.INFO, logger="cotmoc.pipeline.parallel"):
            got = check_batch(items, settings, TODAY)
        assert [p.name for p in spool.rglob("*") if p.is_file()] == [".in-use"]     # each copy goes once checked
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


_HOLD_A_SPOOL = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from cotmoc.pipeline.spool import Spool
print(Spool(Path(sys.argv[1])).path, flush=True)
time.sleep(120)
"""


def test_the_spool_of_a_killed_run_is_cleared_and_a_living_runs_is_kept(tmp_path):
    """A run killed while checking ahead leaves its private copies; the next run removes them, never those of a
    run still alive (its lock is held), never through a link, never another user's."""
    from cotmoc.pipeline.spool import SPOOL_PREFIX, clear_abandoned_spools

    def holder() -> tuple[subprocess.Popen, Path]:
        proc = subprocess.Popen([sys.executable, "-c", _HOLD_A_SPOOL.format(root=str(ROOT)), str(tmp_path)],
                                stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        return proc, Path(proc.stdout.readline().strip())
    killed, killed_spool = holder()
    living, living_spool = holder()
    try:
        (killed_spool / "bao_cao.xlsx").write_bytes(CLEAN.read_bytes())        # a copy it had made
        killed.kill()
        killed.wait()
        never_locked = tmp_path / f"{SPOOL_PREFIX}killed-before-locking"     # made, then killed before locking
        never_locked.mkdir()
        os.utime(never_locked, (time.time() - 7200,) * 2)
        being_made = tmp_path / f"{SPOOL_PREFIX}being-made"                  # another run between two calls
        being_made.mkdir()
        elsewhere = tmp_path / "elsewhere"
        (elsewhere / ".in-use").parent.mkdir()
        (elsewhere / ".in-use").touch()
        (tmp_path / f"{SPOOL_PREFIX}link").symlink_to(elsewhere)
        someone_elses = tmp_path / f"{SPOOL_PREFIX}someone-elses"           # unlocked, but not this user's
        (someone_elses / ".in-use").parent.mkdir()
        (someone_elses / ".in-use").touch()
        os.chown(someone_elses, os.getuid() + 1, -1)
        assert sorted(clear_abandoned_spools(tmp_path)) == sorted([killed_spool, never_locked])
        assert not killed_spool.exists() and not never_locked.exists()
        assert living_spool.exists() and being_made.exists() and (elsewhere / ".in-use").exists()
        assert (someone_elses / ".in-use").exists()
    finally:
        living.kill()
        living.wait()
    assert clear_abandoned_spools(tmp_path) == [living_spool]       # once its run is gone


def _running(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those still running (an orphan's zombie waits for a reaper that may never come: not counted)."""
    out = []
    for process in processes:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                out.append(process)
        except psutil.NoSuchProcess:
            pass
    return out


def test_a_killed_ingest_leaves_no_worker_and_the_next_run_clears_its_copies(tmp_path, prefect_server):
    """`cotmoc ingest` killed outright (SIGKILL, the OOM killer: no handler runs) while it holds the warehouse,
    after checking ahead: its check workers end by themselves instead of waiting for work for ever, and the next
    run removes the copies it had checked ahead."""
    from cotmoc.pipeline.locking import lock_path
    from tests.snapshot import cotmoc, cotmoc_env
    home, spools = tmp_path / "home", tmp_path / "tmp"
    spools.mkdir()
    (home / "inputs" / "inbox").mkdir(parents=True)
    for src in SAMPLES:
        shutil.copy2(src, home / "inputs" / "inbox" / f"{src.parent.name}_{src.name}")
    env = dict(TMPDIR=str(spools), COTMOC_CHECK_WORKERS="2", COTMOC_BATCH_FILES="2", PREFECT_API_URL=prefect_server)
    run = subprocess.Popen([str(Path(sys.executable).parent / "cotmoc"), "ingest", "--today", TODAY.isoformat()],
                           env=cotmoc_env(home, COTMOC_PAUSE_AT="locked:120", **env), stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=(tmp_path / "stderr").open("w"), cwd=home)
    try:
        lock = lock_path(home / "warehouse" / "cotmoc.duckdb")
        deadline = time.monotonic() + 180
        while not (lock.exists() and str(run.pid) in lock.read_text()):      # paused, holding the warehouse
            assert run.poll() is None and time.monotonic() < deadline, (tmp_path / "stderr").read_text()[-3000:]
            time.sleep(0.2)
        workers = _running(psutil.Process(run.pid).children())
        assert len(workers) >= 2
        assert [p.name for p in spools.iterdir()] and all(p.name.startswith("cotmoc-ahead-") for p in spools.iterdir())
    finally:
        run.kill()                                # the process alone, not its group
        run.wait()
    deadline = time.monotonic() + 10
    while _running(workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _running(workers), "check workers outlived the run that started them"
    assert list(spools.iterdir())                 # nothing ran to remove the copies
    again = cotmoc(home, "ingest", "--plain", "--today", TODAY.isoformat(), **env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert not list(spools.iterdir())
