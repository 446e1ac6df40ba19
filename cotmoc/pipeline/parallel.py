"""Checking workbooks on every core while the warehouse load stays in one process (DuckDB: one writer).

Reading, normalising and validating is CPU-bound Python, so threads would take turns on one core. The
checks run in a process pool whose workers are the run's own children, so their CPU time and memory count in
the run's (the benchmark reads them there). How a worker starts (`_start_method`):
- *forked* from the loading process when that process runs no other Python thread yet: the command line opens
  the pool before it imports Prefect (no client, no threads, no DuckDB connection to copy), after importing the
  checking code itself, which the loading process needs anyway; each worker then starts with every module
  imported (≈ 0.7 s of CPU a worker saved, issue 16);
- *spawned* (a fresh interpreter importing only the checking code) otherwise: in a process that already runs
  threads (Prefect's, a served flow's) a fork could copy a lock some thread holds, and a pool replaced after a
  worker died is always spawned.
A Prefect task (flows/ingest.py) hands a batch of files to `check_batch`; where no pool is open (a Dask worker,
the tests, `check_workers = 1`, a single batch), it checks in-process. The steward's files of a committed batch
are written in the same workers (`in_workers`): an annotated copy costs several times a file's check, and the
loading process must not write them one by one while the workers wait.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Callable

from cotmoc.core.long_lived import heavy_imports, set_aside_imports

log = logging.getLogger(__name__)
_pool: ProcessPoolExecutor | None = None
_ended = threading.Event()          # the pool was ended by a stop or a fault
#: files checked ahead (cotmoc/pipeline/ahead.py): inbox path → (the fingerprint and the day checked, the check)
_ahead: dict[Path, tuple[str, date, Future]] = {}
_spool = None                       # spool.Spool: where the files checked ahead are copied, removed with the pool
_WATCH_INTERVAL_S = 0.5             # how often a worker looks whether the loading process still lives


def _warm_up(loader: int) -> None:
    # a stop is the loading process's to decide (cotmoc/pipeline/stopping.py: it finishes the batch it is filing,
    # whose steward files the workers write, then ends them): Ctrl-C in a terminal and a service manager's SIGTERM
    # reach the whole process group
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _leave_with(loader)
    set_aside_imports()               # a check worker is cotmoc's own process (cotmoc/core/long_lived.py)
    _import_checking_code()           # a spawned worker imports here; a forked one has it already


def _new_pool(workers: int, start_method: str) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(start_method),
                               initializer=_warm_up, initargs=(os.getpid(),))


def _leave_with(loader: int) -> None:
    """End this worker when the loading process `loader` is gone. Killed outright (SIGKILL, the OOM killer), it
    cannot end its workers, and they would wait for work for ever, holding their memory. The parent is polled: a
    parent-death signal (prctl) follows the thread that started the worker, and a pool restarted from one of
    Prefect's threads would lose its workers when that thread ends."""
    def watch() -> None:
        while os.getppid() == loader:
            time.sleep(_WATCH_INTERVAL_S)
        os._exit(1)
    threading.Thread(target=watch, name="cotmoc-loader-watch", daemon=True).start()


def _start_method() -> str:
    """"fork" when it is safe and saves the imports: on a platform that has it, in a process whose only Python
    thread is this one (the checking code is then imported here first, so that every worker inherits it);
    "spawn" otherwise."""
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return "spawn"
    _import_checking_code()
    return "fork" if threading.active_count() == 1 else "spawn"     # an import that started a thread: not safe


def _import_checking_code() -> None:
    from cotmoc.core.unused_imports import keep_out_unused_imports
    keep_out_unused_imports()
    with heavy_imports():
        import cotmoc.pipeline.checking  # noqa: F401  pandas, pandera, calamine, the schemas: what every check needs


def worker_count(setting: int) -> int:
    """`check_workers` as set (0: one per core)."""
    return setting if setting > 0 else (os.cpu_count() or 1)


@contextmanager
def checking_processes(workers: int):
    """While open, `check_batch` runs in `workers` processes (nothing changes for one worker, or when a pool
    is already open in this process: the CLI opens it before importing Prefect, the flow again). A stop or a
    fault leaving any of these blocks ends the workers at once, so none reads a staged copy the run then
    clears."""
    global _pool
    if workers <= 1 or _pool is not None:
        try:
            yield
        except BaseException:
            _end_workers()
            raise
        return
    _ended.clear()
    pool = _new_pool(workers, _start_method())
    for _ in range(workers):              # start the workers now: they import while the caller gets ready
        pool.submit(os.getpid)
    _pool = pool
    try:
        yield
    except BaseException:
        _end_workers(pool)
        raise
    else:
        current, _pool = _pool, None            # a pool restarted after a worker died replaces the first
        for opened in {pool, current} - {None}:
            opened.shutdown(wait=True, cancel_futures=True)
    finally:
        _forget_ahead()


def _end_workers(*also: ProcessPoolExecutor) -> None:
    """A stop or a fault: the workers only read and check now (a stop waits for the batch being filed, whose
    steward files they write), so they are ended at once rather than waited for; a check task starting after
    this (in Prefect's threads) checks nothing, since nobody waits for it."""
    global _pool
    _ended.set()
    current, _pool = _pool, None
    for opened in {*also, current} - {None}:
        for process in list((getattr(opened, "_processes", None) or {}).values()):
            process.kill()          # they ignore SIGTERM (_warm_up)
        opened.shutdown(wait=True, cancel_futures=True)


_restarting = threading.Lock()


def _restart(broken: ProcessPoolExecutor | None) -> None:
    """A worker of `broken` died (a file crashed or exhausted it): replace that pool by a new one of the same
    size. Checks and the steward's files share the pool from several threads: a pool another thread already
    replaced is left alone."""
    global _pool
    with _restarting:
        if broken is None or _pool is not broken:
            return
        _pool = _new_pool(broken._max_workers, "spawn")
    broken.shutdown(wait=False, cancel_futures=True)


def check_ahead(groups: list[list[tuple[Path, str]]], settings, today: date | None) -> None:
    """Hand these batches of (inbox path, SHA-256) to the open pool to be checked ahead of the run
    (cotmoc/pipeline/ahead.py); `check_batch` takes their results. Nothing happens without a pool."""
    global _spool
    from cotmoc.pipeline.ahead import check_copies
    from cotmoc.pipeline.spool import Spool
    if _pool is None or not groups:
        return
    _spool = _spool or Spool()
    day = today or date.today()            # what counts as the future: the run's day, compared when taken
    for group in groups:
        try:
            future = _pool.submit(check_copies, group, settings, day, _spool.path)
        except Exception:          # a pool already broken or shut: the run checks these as usual
            return
        _ahead.update({path: (sha, day, future) for path, sha in group})


def _taken_ahead(items: list[tuple], today: date | None) -> dict[int, object]:
    """The files of `items` checked ahead from the same bytes on the same day, by position, as the run's own checks
    of them."""
    from cotmoc.pipeline.ahead import as_staged
    found = {}
    day = today or date.today()
    for i, item in enumerate(items):
        sha, checked_on, future = _ahead.pop(item[0], (None, None, None))
        if future is None or (sha, checked_on) != (item[1], day):
            continue
        try:
            checked = future.result().get(item[0])
            if checked is not None:
                found[i] = as_staged(checked, item)
        except (Exception, CancelledError):   # its worker died, the pool ended, the file went: checked as usual
            continue
    if found:
        log.info("%d of %d files checked ahead", len(found), len(items))
    return found


def _forget_ahead() -> None:
    global _spool
    _ahead.clear()
    if _spool is not None:
        _spool.remove()
        _spool = None


def check_batch(items: list[tuple], settings, today: date | None):
    """cotmoc.pipeline.checking.check_files for one batch, in a worker process when a pool is open; a file checked
    ahead from the same bytes is not checked again. If the worker dies (BrokenProcessPool: a file crashed the
    reader or exhausted memory), the files are checked one by one in fresh workers, so the one that kills its
    worker is rejected alone and the others are checked."""
    ahead = _taken_ahead(items, today) if _ahead else {}
    if not ahead:
        return _check_batch(items, settings, today)
    rest = iter(_check_batch([item for i, item in enumerate(items) if i not in ahead], settings, today)
                if len(ahead) < len(items) else [])
    return [ahead[i] if i in ahead else next(rest) for i in range(len(items))]


def _check_batch(items: list[tuple], settings, today: date | None):
    from cotmoc.pipeline.checking import check_files, unchecked
    pool = _pool
    if pool is None and _ended.is_set():
        return [unchecked(item, RuntimeError("the run stopped")) for item in items]
    if pool is None:
        return check_files(items, settings, today=today)
    try:
        return pool.submit(check_files, items, settings, today=today).result()
    except BrokenProcessPool as exc:
        _restart(pool)
        if _pool is None:      # ended, not broken: the run is stopping and nobody waits for these files
            return [unchecked(item, exc) for item in items]
        return check_alone(items, settings, today)


def check_alone(items: list[tuple], settings, today: date | None):
    """Each file checked on its own (in a worker when a pool is open); a file whose check fails or kills its
    worker is returned rejected (cotmoc.pipeline.checking.unchecked), never raised. The pool is shared with the
    batches checked ahead and the steward's files being written: its breaking while a file was checked does not
    say that file broke it, so the file is checked once more in a process of its own, and only a file that
    kills that one too is rejected."""
    from cotmoc.pipeline.checking import check_files, unchecked
    out = []
    for item in items:
        pool = _pool
        try:
            if pool is None:
                out.extend(check_files([item], settings, today=today))
            else:
                out.extend(pool.submit(check_files, [item], settings, today=today).result())
        except BrokenProcessPool:
            _restart(pool)
            out.extend(_in_a_process_of_its_own(item, settings, today))
        except Exception as exc:
            out.append(unchecked(item, exc))
    return out


def _in_a_process_of_its_own(item: tuple, settings, today: date | None) -> list:
    """One file checked in a worker nobody else uses: if that worker dies, the file killed it."""
    from cotmoc.pipeline.checking import check_files, unchecked
    if _ended.is_set():
        return [unchecked(item, RuntimeError("the run stopped"))]
    alone = _new_pool(1, "spawn")
    try:
        return alone.submit(check_files, [item], settings, today=today).result()
    except Exception as exc:
        return [unchecked(item, exc)]
    finally:
        alone.shutdown(wait=True, cancel_futures=True)


def _outcome(job, run: Callable):
    try:
        return run(job)
    except Exception as exc:
        return exc


def _travelling(jobs: list, run: Callable) -> list[bytes | None]:
    """Each job's outcome pickled in the worker, so that one which cannot travel back is told apart from the
    others of its task (None), and only that one is done again in the loading process."""
    out: list[bytes | None] = []
    for job in jobs:
        try:
            out.append(pickle.dumps(_outcome(job, run)))
        except Exception:
            out.append(None)
    return out


def _arrived(data: bytes | None, job, run: Callable):
    try:
        if data is not None:
            return pickle.loads(data)
    except Exception:
        pass
    return _outcome(job, run)


#: jobs handed to a worker at once: a task costs the loading process ≈ 0.2 ms to send and take back, more than a
#: steward's JSON, and a warned backfill has thousands
JOBS_PER_TASK = 8


def in_workers(run: Callable, jobs: list) -> list:
    """`run(job)` for each job, in order, each returning its result or the exception it raised: in the worker
    processes when a pool is open (JOBS_PER_TASK at a time), else here. `run` is a module-level function. The
    jobs a dying worker takes down are tried again, each alone in a fresh pool; one that kills that worker too
    comes back as the BrokenProcessPool (never run in this process, which it would kill). Results that cannot
    travel back are done again here."""
    pool = _pool
    if pool is None:
        return [_outcome(job, run) for job in jobs]
    out: list = [None] * len(jobs)
    lost: list[int] = []
    futures = []
    for part in (range(i, min(i + JOBS_PER_TASK, len(jobs))) for i in range(0, len(jobs), JOBS_PER_TASK)):
        try:
            futures.append((part, pool.submit(_travelling, jobs[part.start:part.stop], run)))
        except BrokenProcessPool:
            lost += part
    for part, future in futures:
        try:
            arrived = future.result()
        except BrokenProcessPool:
            lost += part
            continue
        except Exception:              # the task itself did not travel (a job that does not pickle): done here
            arrived = [None] * len(part)
        for i, data in zip(part, arrived):
            out[i] = _arrived(data, jobs[i], run)
    broken = pool if lost else None
    for i in sorted(lost):
        _restart(broken)
        pool, broken = _pool, None
        try:
            out[i] = pool.submit(_outcome, jobs[i], run).result()
        except BrokenProcessPool as exc:
            out[i], broken = exc, pool
    _restart(broken)
    return out
