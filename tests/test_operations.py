"""Unattended operation: a run killed (SIGKILL) at any step is completed by the next run with the same end
state as an uninterrupted run; two runs started at once load every file exactly once."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cotmoc.core.faults import STEPS

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "inputs" / "samples"
FILES = [SAMPLES / "seed" / "dien_bien_2016.xlsx", SAMPLES / "seed" / "kon_tum_2023.xlsx",
         SAMPLES / "faulty" / "loi_so_nguoi_dien_bien_2016.xlsx"]


def ingest(home: Path, crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COTMOC_")}
    env.update(COTMOC_HOME=str(home), **({"COTMOC_CRASH_AT": crash_at} if crash_at else {}))
    return subprocess.run([str(Path(sys.executable).parent / "cotmoc"), "ingest", "--plain", "--today", "2026-11-22"],
                          env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def fresh_home(tmp_path: Path, name: str) -> Path:
    home = tmp_path / name
    (home / "inputs" / "inbox").mkdir(parents=True)
    for i, src in enumerate(FILES):
        dest = home / "inputs" / "inbox" / src.name
        shutil.copy2(src, dest)
        os.utime(dest, (1_700_000_000 + i, 1_700_000_000 + i))     # the same order in every home
    return home


def end_state(home: Path) -> dict:
    """What must be identical: files and where they are, and the warehouse's content (ids and times aside)."""
    files = sorted(str(p.relative_to(home)) for p in (home / "inputs").rglob("*") if p.is_file())
    con = duckdb.connect(str(home / "warehouse" / "cotmoc.duckdb"), read_only=True)
    state = {
        "files": files,
        "submissions": con.execute("""select file_name, status, province_code, period, sha256, teams_rows, segments_rows,
                                             awards_rows, errors, warnings, replace(stored_path, ?, '')
                                      from submissions order by file_name, status""", [str(home)]).fetchall(),
        "segments": con.execute("select count(*), sum(length_km), sum(persons) from fact_segments").fetchall(),
        "teams": con.execute("select count(*), sum(members) from fact_teams").fetchall(),
        "awards": con.execute("select count(*), sum(individuals) from fact_awards").fetchall(),
        "issues": con.execute("select rule, cell, count(*) from validation_issues group by all order by all").fetchall(),
    }
    con.close()
    return state


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    home = fresh_home(tmp_path_factory.mktemp("ops"), "clean")
    run = ingest(home)
    assert run.returncode == 0, run.stderr
    return end_state(home)


@pytest.mark.parametrize("step", STEPS)
def test_a_run_killed_at_any_step_is_completed_by_the_next(tmp_path, uninterrupted, step):
    home = fresh_home(tmp_path, step)
    killed = ingest(home, crash_at=step)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stdout, killed.stderr)
    again = ingest(home)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stdout + again.stderr
    assert end_state(home) == uninterrupted


def test_two_runs_at_once_load_every_file_exactly_once(tmp_path, uninterrupted):
    home = fresh_home(tmp_path, "race")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COTMOC_")} | {"COTMOC_HOME": str(home)}
    cmd = [str(Path(sys.executable).parent / "cotmoc"), "ingest", "--plain", "--today", "2026-11-22"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              stdin=subprocess.DEVNULL) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert end_state(home) == uninterrupted


@pytest.mark.parametrize("plain", [True, False], ids=["plain", "prefect"])
def test_an_analyst_holding_the_live_warehouse_makes_the_load_fail_visibly(tmp_path, plain):
    home = fresh_home(tmp_path, "busy")
    assert ingest(home).returncode == 0                      # the warehouse exists
    shutil.copy2(FILES[1], home / "inputs" / "inbox" / "again.xlsx")
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, time\n"
                               f"c = duckdb.connect({str(home / 'warehouse' / 'cotmoc.duckdb')!r}, read_only=True)\n"
                               "print('ready', flush=True); time.sleep(120)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        env = {k: v for k, v in os.environ.items() if not k.startswith("COTMOC_")} | {
            "COTMOC_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        cmd = [str(Path(sys.executable).parent / "cotmoc"), "ingest", "--today", "2026-11-22"] + (["--plain"] if plain else [])
        run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    finally:
        holder.kill()
        holder.wait()
    assert run.returncode == 3, run.stdout + run.stderr
    assert "tiến trình khác" in run.stderr and "another process" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert (home / "inputs" / "inbox" / "again.xlsx").exists()          # nothing lost: the file waits
