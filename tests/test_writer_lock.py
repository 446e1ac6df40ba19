"""One writer at a time, whoever it is: the ingest and the rollup take the same warehouse lock, wait for each
other up to `lock_wait_seconds`, then stop with one bilingual message naming the holder (its purpose, pid
and command), exit code 3, no traceback, nothing changed. A process holding the DuckDB file itself (an
analyst's read-only connection) is named as such, never as "being written"."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from cotmoc.pipeline.locking import lock_path
from tests.snapshot import SAMPLES, TODAY, cotmoc, cotmoc_env

pytestmark = pytest.mark.slow


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / "inputs" / "inbox").mkdir(parents=True)
    for src in sorted((SAMPLES / "seed").glob("*.xlsx")):
        shutil.copy2(src, home / "inputs" / "inbox" / src.name)
    return home


def _start(home: Path, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([str(Path(sys.executable).parent / "cotmoc"), *args], env=cotmoc_env(home, **env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                            cwd=home)


def _wait_for_holder(home: Path, purpose: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    lock = lock_path(home / "warehouse" / "cotmoc.duckdb")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lock.exists() and f'"purpose": "{purpose}"' in lock.read_text() and str(proc.pid) in lock.read_text():
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    raise AssertionError(f"{purpose} never took the lock")


@contextmanager
def _holding(home: Path, purpose: str, *args: str, finish: bool = False, **env: str):
    """`cotmoc <args>` started and seen holding the writer lock; yields the process. At the end it is killed,
    or, with `finish`, left to finish (its output in `proc.output`)."""
    proc = _start(home, *args, **env)
    try:
        _wait_for_holder(home, purpose, proc)
        yield proc
    finally:
        if not finish:
            proc.kill()
        proc.output = proc.communicate(timeout=300 if finish else None)


@pytest.fixture
def loaded_home(tmp_path):
    home = _home(tmp_path)
    run = cotmoc(home, "ingest", "--plain", "--today", TODAY)
    assert run.returncode == 0, run.stderr
    for src in sorted((SAMPLES / "faulty").glob("*.xlsx"))[:2]:
        shutil.copy2(src, home / "inputs" / "inbox" / src.name)
    return home


def test_an_ingest_waits_for_a_rollup_then_runs(loaded_home, prefect_server):
    with _holding(loaded_home, "rollup", "rollup", finish=True, COTMOC_PAUSE_AT="locked:6",
                  PREFECT_API_URL=prefect_server) as rollup:
        ingest = cotmoc(loaded_home, "ingest", "--plain", "--today", TODAY, COTMOC_LOCK_WAIT_SECONDS="120")
    out, err = rollup.output
    assert rollup.returncode == 0, out + err
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    assert "rollup" in ingest.stderr and f"pid {rollup.pid}" in ingest.stderr, ingest.stderr   # said whom it waited for
    assert not any((loaded_home / "inputs" / "inbox").iterdir())


def test_an_ingest_stops_after_the_wait_when_a_rollup_holds_the_warehouse(loaded_home, prefect_server):
    with _holding(loaded_home, "rollup", "rollup", COTMOC_PAUSE_AT="locked:60", PREFECT_API_URL=prefect_server) as rollup:
        ingest = cotmoc(loaded_home, "ingest", "--plain", "--today", TODAY, COTMOC_LOCK_WAIT_SECONDS="1")
    assert ingest.returncode == 3, ingest.stdout + ingest.stderr
    message = ingest.stderr
    assert "Traceback" not in ingest.stdout + message
    assert "đang được cotmoc ghi" in message and "being written by another cotmoc job" in message
    assert f"pid {rollup.pid}" in message and "cotmoc rollup" in message
    assert len(list((loaded_home / "inputs" / "inbox").iterdir())) == 2         # nothing moved


def test_a_rollup_stops_after_the_wait_when_an_ingest_holds_the_warehouse(loaded_home, prefect_server):
    with _holding(loaded_home, "ingest", "ingest", "--plain", "--today", TODAY, COTMOC_PAUSE_AT="locked:60") as ingest:
        rollup = cotmoc(loaded_home, "rollup", COTMOC_LOCK_WAIT_SECONDS="1", PREFECT_API_URL=prefect_server)
    assert rollup.returncode == 3, rollup.stdout + rollup.stderr
    text = rollup.stdout + rollup.stderr
    assert "Traceback" not in text and "WarehouseBusy" not in text and "IOException" not in text
    assert f"pid {ingest.pid}" in text and "cotmoc ingest --plain" in text
    assert text.count("being written by another cotmoc job") == 1                 # said once, not per layer
    assert not (loaded_home / "exports").exists() or not any((loaded_home / "exports").rglob("*.parquet"))


def test_an_analyst_holding_the_file_is_named_as_such_not_as_a_writer(loaded_home, prefect_server):
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, time\n"
                               f"c = duckdb.connect({str(loaded_home / 'warehouse' / 'cotmoc.duckdb')!r}, read_only=True)\n"
                               "print('ready', flush=True); time.sleep(120)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        rollup = cotmoc(loaded_home, "rollup", COTMOC_LOCK_WAIT_SECONDS="1", PREFECT_API_URL=prefect_server)
    finally:
        holder.kill()
        holder.wait()
    assert rollup.returncode == 3, rollup.stdout + rollup.stderr
    assert "not a cotmoc writer" in rollup.stdout + rollup.stderr and f"pid {holder.pid}" in rollup.stdout + rollup.stderr
    assert "being written" not in rollup.stdout + rollup.stderr and "Traceback" not in rollup.stdout + rollup.stderr
