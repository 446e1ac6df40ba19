"""Faults of the machine on real file systems made here: a small tmpfs that fills, a read-only bind mount,
a vanished inbox. Each gives its bilingual message and exit code 4, no traceback, and leaves nothing half
done: every file is still in the inbox or filed with its steward's files, no `.part` file stays, and once
the fault is mended the next run ends exactly where an uninterrupted run does."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.snapshot import SAMPLES, TODAY, cotmoc, differences, snapshot

pytestmark = pytest.mark.slow
FILES = sorted((SAMPLES / "seed").glob("*.xlsx")) + sorted((SAMPLES / "faulty").glob("*.xlsx"))


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mounting is not allowed here ({' '.join(args)}): {done.stderr.strip()}")


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _tmpfs(path: Path, size: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    return path


def _home(root: Path) -> Path:
    home = root / "home"
    inbox = home / "inputs" / "inbox"
    inbox.mkdir(parents=True)
    for i, src in enumerate(FILES):
        shutil.copy2(src, inbox / src.name)
    return home


def _no_leftovers(home: Path) -> None:
    assert not [p for p in home.rglob("*.part")], "a half-written file was left"


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    home = _home(tmp_path_factory.mktemp("clean"))
    run = cotmoc(home, "ingest", "--plain", "--today", TODAY)
    assert run.returncode == 0, run.stderr
    return snapshot(home, skip_tables=("ingest_runs",))


def test_a_disk_that_fills_during_the_load_stops_the_run_cleanly(tmp_path, uninterrupted):
    home = _home(tmp_path)
    warehouse_dir = _tmpfs(home / "warehouse", "64m")
    try:
        filler = warehouse_dir / "filler"
        first = home / "inputs" / "inbox"
        from cotmoc.warehouse.db import open_warehouse
        open_warehouse(warehouse_dir / "cotmoc.duckdb").close()  # the warehouse exists, empty
        # leave the warehouse a few kilobytes: the next load cannot commit
        free = shutil.disk_usage(warehouse_dir).free
        with filler.open("wb") as fh:
            fh.write(b"\0" * (free - 16 * 1024))
        run = cotmoc(home, "ingest", "--plain", "--today", TODAY, COTMOC_MIN_FREE_MB="0", COTMOC_WARN_FREE_MB="0")
        assert run.returncode == 4, run.stdout + run.stderr
        assert "ổ đĩa đã đầy" in run.stderr and "the disk is full" in run.stderr, run.stderr
        assert "Traceback" not in run.stdout + run.stderr
        _no_leftovers(home)
        waiting = {p.name for p in first.iterdir()}
        assert waiting, "the files of the load that could not commit stay in the inbox"
        filler.unlink()                                        # the office frees space, and runs again
        run = cotmoc(home, "ingest", "--plain", "--today", TODAY, COTMOC_MIN_FREE_MB="0", COTMOC_WARN_FREE_MB="0")
        assert run.returncode == 0, run.stdout + run.stderr
        assert differences(uninterrupted, snapshot(home, skip_tables=("ingest_runs",))) == []
    finally:
        _umount(warehouse_dir)


def test_low_free_space_warns_then_refuses(tmp_path):
    home = _home(tmp_path)
    archive = _tmpfs(home / "inputs" / "archive", "8m")
    try:
        refused = cotmoc(home, "ingest", "--plain", "--today", TODAY, COTMOC_MIN_FREE_MB="16")
        assert refused.returncode == 4, refused.stdout + refused.stderr
        assert "min_free_mb" in refused.stderr and "nothing changed" in refused.stderr
        assert "Traceback" not in refused.stdout + refused.stderr
        assert len(list((home / "inputs" / "inbox").iterdir())) == len(FILES)
        assert not (home / "warehouse" / "cotmoc.duckdb").exists()       # refused before anything was touched
        warned = cotmoc(home, "ingest", "--plain", "--today", TODAY, COTMOC_MIN_FREE_MB="1", COTMOC_WARN_FREE_MB="64")
        assert warned.returncode == 0, warned.stdout + warned.stderr
        assert "warn_free_mb" in warned.stderr and "Cảnh báo" in warned.stderr
        assert not any((home / "inputs" / "inbox").iterdir())
    finally:
        _umount(archive)


def test_an_archive_filling_up_mid_run_leaves_every_file_in_one_place(tmp_path, uninterrupted):
    home = _home(tmp_path)
    archive = _tmpfs(home / "inputs" / "archive", "16m")
    try:
        filler = archive / "filler"
        with filler.open("wb") as fh:                          # room for a report or two, not all
            fh.write(b"\0" * (shutil.disk_usage(archive).free - 100 * 1024))
        limits = {"COTMOC_MIN_FREE_MB": "0", "COTMOC_WARN_FREE_MB": "0"}
        run = cotmoc(home, "ingest", "--plain", "--today", TODAY, COTMOC_BATCH_FILES="1", **limits)
        assert run.returncode == 4, run.stdout + run.stderr
        assert "the disk is full" in run.stderr and "Traceback" not in run.stdout + run.stderr
        _no_leftovers(home)
        assert any((home / "inputs" / "inbox").iterdir())     # what could not be filed waits in the inbox
        filler.unlink()
        run = cotmoc(home, "ingest", "--plain", "--today", TODAY, **limits)
        assert run.returncode == 0, run.stdout + run.stderr
        assert differences(uninterrupted, snapshot(home, skip_tables=("ingest_runs",))) == []
    finally:
        _umount(archive)


def test_a_read_only_archive_is_refused_before_anything_moves(tmp_path):
    home = _home(tmp_path)
    source = home / "inputs" / "archive"
    source.mkdir(parents=True)
    _mount("--bind", str(source), str(source))
    try:
        _mount("-o", "remount,ro,bind", str(source))
        run = cotmoc(home, "ingest", "--plain", "--today", TODAY)
        assert run.returncode == 4, run.stdout + run.stderr
        assert "chỉ cho phép đọc" in run.stderr and "read-only" in run.stderr
        assert "Traceback" not in run.stdout + run.stderr
        assert len(list((home / "inputs" / "inbox").iterdir())) == len(FILES)
        assert not (home / "warehouse" / "cotmoc.duckdb").exists()
    finally:
        _umount(source)


def test_a_read_only_warehouse_folder_is_refused(tmp_path):
    home = _home(tmp_path)
    folder = home / "warehouse"
    folder.mkdir()
    _mount("--bind", str(folder), str(folder))
    try:
        _mount("-o", "remount,ro,bind", str(folder))
        run = cotmoc(home, "ingest", "--plain", "--today", TODAY)
        assert run.returncode == 4, run.stdout + run.stderr
        assert "read-only" in run.stderr and "Traceback" not in run.stdout + run.stderr
        assert len(list((home / "inputs" / "inbox").iterdir())) == len(FILES)
    finally:
        _umount(folder)


def test_a_vanished_inbox_is_said_not_taken_for_empty(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    run = cotmoc(home, "ingest", "--plain", "--today", TODAY, COTMOC_INBOX=str(tmp_path / "gone"))
    assert run.returncode == 4, run.stdout + run.stderr
    assert "Không tìm thấy hộp thư" in run.stderr and "is not there" in run.stderr
