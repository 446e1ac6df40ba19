"""Checks on every core (cotmoc/pipeline/parallel.py): batches checked by worker processes and loaded one batch per
transaction end in exactly the state of one batch checked in the flow's own process."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from concurrent.futures.process import BrokenProcessPool

import pytest

from cotmoc.pipeline.inbox import batched
from tests.test_operations import end_state

SAMPLES = sorted((Path(__file__).resolve().parent.parent / "inputs" / "samples").glob("*/*.xlsx"))

pytestmark = pytest.mark.slow


def test_batches_on_worker_processes_end_as_one_batch_in_process(prefect_server, tmp_path):
    assert len(SAMPLES) >= 5                      # enough files for several batches of two
    homes = {}
    for name, workers, batch in (("in_process", "1", "32"), ("workers", "2", "2")):
        home = tmp_path / name
        (home / "inputs" / "inbox").mkdir(parents=True)
        for i, src in enumerate(SAMPLES):
            shutil.copy2(src, home / "inputs" / "inbox" / src.name)
            os.utime(home / "inputs" / "inbox" / src.name, (1_700_000_000 + i,) * 2)   # one order in both homes
        env = {k: v for k, v in os.environ.items() if not k.startswith("COTMOC_")} | {
            "COTMOC_HOME": str(home), "PREFECT_API_URL": prefect_server,
            "COTMOC_CHECK_WORKERS": workers, "COTMOC_BATCH_FILES": batch}
        run = subprocess.run([str(Path(sys.executable).parent / "cotmoc"), "ingest", "--today", "2026-11-22"],
                             env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
        assert "Traceback" not in run.stdout + run.stderr
        homes[name] = home
    assert end_state(homes["workers"]) == end_state(homes["in_process"])


def test_batches_keep_arrival_order_and_put_a_large_file_alone(tmp_path):
    sizes = {"a": 10, "b": 10, "big": 5_000, "c": 10, "d": 10, "e": 10}
    items = []
    for name, size in sizes.items():
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(b"x" * size)
        items.append((path, name))
    groups = [[sha for _, sha in batch] for batch in batched(items, max_files=2, max_bytes=1_000)]
    assert groups == [["a", "b"], ["big"], ["c", "d"], ["e"]]


def _job(x):
    """A job for `in_workers`: 'die' kills the worker running it, 'fail' raises, a number comes back doubled
    with the process that did it."""
    if x == "die":
        os._exit(3)
    if x == "fail":
        raise ValueError("hỏng — broken")
    if x == "unpicklable":
        return threading.Lock(), os.getpid()         # a result no pickle carries back from a worker
    return x * 2, os.getpid()


def test_jobs_in_workers_come_back_in_order_whatever_happens_to_a_worker():
    """The steward's files of a committed batch are written by the check workers (cotmoc.pipeline.filing):
    every job's result or exception comes back in order; one that kills its worker is done again here."""
    from cotmoc.pipeline.parallel import checking_processes, in_workers
    here = os.getpid()
    assert [r[0] for r in in_workers(_job, [1, 2])] == [2, 4]                  # no pool: done here
    with checking_processes(2):
        out = in_workers(_job, [1, 2, "fail", 3, 4])
        assert [r if isinstance(r, Exception) else r[0] for r in out[:2] + out[3:]] == [2, 4, 6, 8]
        assert isinstance(out[2], ValueError) and "broken" in str(out[2])
        assert {r[1] for r in out if not isinstance(r, Exception)} - {here}     # in the workers
        # a job that kills its worker comes back as the pool's breaking, after one more try alone; the jobs
        # the dying worker took down with it are done in a fresh pool, and the pool goes on working
        out = in_workers(_job, [5, "die", 6, 7])
        assert out[0][0] == 10 and isinstance(out[1], BrokenProcessPool) and [r[0] for r in out[2:]] == [12, 14]
        assert [r[0] for r in in_workers(_job, [8, 9])] == [16, 18]
        # jobs go to the workers several at a time: over many tasks, each job still answers for itself alone
        jobs = [*range(10), "fail", *range(10, 20), "unpicklable", *range(20, 30), "die", *range(30, 40)]
        out = in_workers(_job, jobs)
        numbers = [(i, r) for i, (job, r) in enumerate(zip(jobs, out)) if isinstance(job, int)]
        assert all(r[0] == jobs[i] * 2 for i, r in numbers)
        assert isinstance(out[jobs.index("fail")], ValueError)
        assert out[jobs.index("unpicklable")][1] == here                 # done again here, alone
        assert isinstance(out[jobs.index("die")], BrokenProcessPool)
        assert {r[1] for _, r in numbers} - {here}


def test_a_job_that_cannot_be_sent_to_a_worker_is_done_here():
    """A job that does not pickle cannot reach a worker: it is done in this process, in its place, with the jobs of
    its task (none is lost)."""
    from cotmoc.pipeline.parallel import checking_processes, in_workers
    here = os.getpid()
    with checking_processes(2):
        out = in_workers(_job, [1, threading.Lock(), 2])
    assert [out[0][0], out[2][0]] == [2, 4] and isinstance(out[1], TypeError)
    assert out[0][1] == out[2][1] == here


def test_a_file_is_not_blamed_for_a_worker_another_job_killed(tmp_path):
    """The pool is shared: a steward's copy (another thread's job) that kills a worker breaks the pool while a
    file is checked alone. That file is checked once more in a process of its own and keeps its verdict; a file
    that kills its own process is the one rejected."""
    from cotmoc.core.config import load_settings
    from cotmoc.pipeline.parallel import check_alone, checking_processes, in_workers
    settings = load_settings(tmp_path / "home", environ={})
    items = [(path, None) for path in SAMPLES]
    stop = threading.Event()

    def killing():
        while not stop.is_set():
            in_workers(_job, ["die", 1])
    with checking_processes(2):
        killer = threading.Thread(target=killing)
        killer.start()
        try:
            checked = check_alone(items, settings, None)
        finally:
            stop.set()
            killer.join()
    assert [c.path for c in checked] == [path for path, _ in items]
    assert all(c.report is not None for c in checked), [c.problems[0].rule for c in checked if c.report is None]


def test_a_copy_that_kills_its_worker_leaves_the_problem_list_and_the_run_goes_on(prefect_server, tmp_path):
    """Every annotated copy of this run ends the check worker writing it (COTMOC_CRASH_AT=annotating, the kill a
    hostile workbook could cause in openpyxl): each faulty file is still filed, with its JSON and the `Loi` list
    alone, as for a copy that fails; the good files load; the run ends normally."""
    import json

    import openpyxl

    from cotmoc.core.faults import ANNOTATING_STEP
    from tests.snapshot import cotmoc, make_home
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, src in enumerate(SAMPLES):
        shutil.copy2(src, corpus / src.name)
        os.utime(corpus / src.name, (1_700_000_000 + i,) * 2)
    home = make_home(tmp_path / "home", corpus)
    run = cotmoc(home, "ingest", "--today", "2026-11-22", PREFECT_API_URL=prefect_server, COTMOC_CHECK_WORKERS="2",
                 COTMOC_BATCH_FILES="2", COTMOC_CRASH_AT=ANNOTATING_STEP)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert not [p for p in (home / "inputs" / "inbox").rglob("*") if p.is_file()]      # every file filed
    lists = sorted((home / "inputs" / "rejected").rglob("*.loi.xlsx"))
    assert len(lists) == len([p for p in SAMPLES if p.parent.name == "faulty"]) >= 5
    for path in lists:
        assert openpyxl.load_workbook(path).sheetnames == ["Loi"], path        # the list alone, no copy
        problems = json.loads(path.with_name(path.name.replace(".loi.xlsx", ".loi.json")).read_text())["problems"]
        assert any(p["severity"] == "error" for p in problems), path
    assert "ended its worker" in run.stderr + run.stdout


def test_a_copy_half_made_by_a_killed_run_is_cleared_by_the_next(tmp_path):
    """A run killed while a worker made a steward's copy leaves its work folder beside the copy's place
    (cotmoc.outputs.steward_stream); the next run clears it, with the `.part` files, before anything else, and
    leaves what is not its own."""
    from cotmoc.core.config import load_settings
    from cotmoc.core.steward_files import WORK_FOLDER_PREFIX
    from cotmoc.pipeline.planning import clear_leftovers
    settings = load_settings(tmp_path, environ={})
    work = settings.archive / "quang_ninh" / f"{WORK_FOLDER_PREFIX}1y4l8u3j"
    work.mkdir(parents=True)
    (work / "stripped.xlsx").write_bytes(b"PK")
    part = settings.rejected / "lai_chau" / ".bao_cao.loi.xlsx.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"PK")
    kept = settings.archive / "quang_ninh" / "bao_cao__abcd1234.xlsx"
    kept.write_bytes(b"PK")
    clear_leftovers(settings)
    assert not work.exists() and not part.exists() and kept.exists()


def test_a_result_that_cannot_travel_back_from_a_worker_is_done_again_here():
    """A job whose result cannot be pickled back (a worker can hand over only what pickles) is run again in this
    process, in its place in the order; the pool stays whole for the next jobs."""
    from cotmoc.pipeline.parallel import checking_processes, in_workers
    here = os.getpid()
    with checking_processes(2):
        out = in_workers(_job, [1, "unpicklable", 2])
        assert [out[0][0], out[2][0]] == [2, 4] and {out[0][1], out[2][1]} - {here}     # in the workers
        lock, pid = out[1]
        assert pid == here and hasattr(lock, "acquire")                                  # done again here
        assert [r[0] for r in in_workers(_job, [3, 4])] == [6, 8]


def _inherited(_: object) -> str | None:
    """A job for the start-method test: what the process that opened the pool set on this module after importing
    it (a forked worker has it; a spawned one imported the module afresh)."""
    return getattr(sys.modules[__name__], "SET_BY_THE_OPENER", None)


_OPEN_A_POOL = """
import json, sys, threading
from pathlib import Path
sys.path.insert(0, {root!r})
import tests.test_parallel as here
here.SET_BY_THE_OPENER = "inherited"
from cotmoc.core.config import load_settings
from cotmoc.pipeline.parallel import check_batch, checking_processes, in_workers
if sys.argv[1] == "beside_a_thread":          # e.g. Prefect's: a fork could copy a lock that thread holds
    release = threading.Event()
    threading.Thread(target=release.wait, daemon=True).start()
settings = load_settings(Path(sys.argv[2]), environ={{}})
items = [(Path(p), None) for p in json.loads(sys.argv[3])]
with checking_processes(2):
    inherited = in_workers(here._inherited, [0])[0]
    checked = check_batch(items, settings, None)
print(json.dumps({{"inherited": inherited,
                  "checked": [[c.path.name, c.accepted, [[p.rule, p.cell, p.message_vi, p.message_en]
                                                        for p in c.problems]] for c in checked]}}))
"""


def test_workers_are_forked_from_a_single_threaded_opener_and_check_as_spawned_ones(tmp_path):
    """The command line opens the pool before Prefect starts any thread: its workers are forked with the checking
    code already imported (no second import a worker, issue 16). Beside a running thread a fork could copy a held
    lock, so the workers are spawned. Either way every file gets the same verdict, rule, cell and message."""
    import json
    root = str(Path(__file__).resolve().parent.parent)
    files = json.dumps([str(p) for p in SAMPLES])
    seen = {}
    for how in ("alone", "beside_a_thread"):
        run = subprocess.run([sys.executable, "-c", _OPEN_A_POOL.format(root=root), how, str(tmp_path / how), files],
                             capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL, cwd=root)
        assert run.returncode == 0, run.stderr[-3000:]
        assert "leaked" not in run.stderr, run.stderr[-3000:]      # imports set aside are handed back at the end
        seen[how] = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["alone"]["inherited"] == "inherited"            # forked: the opener's modules, as they were
    assert seen["beside_a_thread"]["inherited"] is None         # spawned: imported afresh
    assert seen["alone"]["checked"] == seen["beside_a_thread"]["checked"]
    assert {accepted for _, accepted, _ in seen["alone"]["checked"]} == {True, False}   # clean and faulty files
    assert all(problems for _, accepted, problems in seen["alone"]["checked"] if not accepted)
