"""Checking workbooks on every core while the warehouse load stays in one process (DuckDB: one writer).

Reading, normalising and validating is CPU-bound Python, so threads would take turns on one core. The
checks run in a process pool started with `forkserver`: one server process imports the checking code once,
and every worker is forked from it in milliseconds, without the Prefect client, its threads or a DuckDB
connection of the parent. A Prefect task (flows/ingest.py) or the plain CLI hands a batch of files to
`check_batch`; where no pool is open (a Dask worker, the tests, `check_workers = 1`), it checks in-process.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path

_pool: ProcessPoolExecutor | None = None
_PRELOAD = ["cotmoc.ingest"]          # pandas, pandera, calamine, the schemas: what every check needs


def worker_count(setting: int) -> int:
    """`check_workers` as set (0: one per core)."""
    return setting if setting > 0 else (os.cpu_count() or 1)


@contextmanager
def checking_processes(workers: int):
    """While open, `check_batch` runs in `workers` processes (nothing changes for one worker, or when a pool
    is already open in this process)."""
    global _pool
    if workers <= 1 or _pool is not None:
        yield
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    for _ in range(workers):              # start the workers now, while the caller plans the run
        pool.submit(os.getpid)
    _pool = pool
    try:
        yield
    finally:
        _pool = None
        pool.shutdown(wait=True, cancel_futures=True)


def check_batch(items: list[tuple[Path, str]], settings, today: date | None):
    """cotmoc.ingest.check_files for one batch, in a worker process when a pool is open."""
    from cotmoc.ingest import check_files
    if _pool is None:
        return check_files(items, settings, today=today)
    return _pool.submit(check_files, items, settings, today=today).result()
