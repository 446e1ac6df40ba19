"""The ingest flow: the steps of cotmoc.pipeline.ingest in order (plan → check → commit → file → summary), the
same plain functions the CLI's plain mode and the tests run, with the checks as Prefect tasks.

Checking files (read → normalise → validate) runs as one Prefect task per batch of files (a task run costs
≈ 10 ms and a flow run ≈ 1 s, so a task per file would cost more than the checks): the UI shows each batch,
and the batches run on every core (cotmoc/pipeline/parallel.py) or on Dask workers. Every warehouse write stays in
the flow's one DuckDB connection, because DuckDB allows a single writing process.
"""
from __future__ import annotations

import logging
import os
import time
from collections import deque
from contextlib import closing
from datetime import date, datetime
from functools import partial
from typing import Iterator

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, update_progress_artifact

from cotmoc.core.config import Settings, load_settings
from cotmoc.core.faults import Busy, Fault
from cotmoc.core.inert import shown_name, terminal_text
from cotmoc.pipeline.inbox import worth_worker_processes
from cotmoc.core.records import FileOutcome
from cotmoc.pipeline.checking import CheckedFile
from cotmoc.pipeline.ingest import (batches, commit_and_file, file_duplicates, finish_run, ingest_run, plan_run,
                                    recover_unfiled, writing_the_warehouse)
from cotmoc.pipeline.stopping import Stopped
from cotmoc.pipeline.parallel import check_alone, check_batch, checking_processes, worker_count
from cotmoc.outputs.summary import run_name, summary_markdown


@task(name="check-workbooks", task_run_name="check {label}", retries=2, retry_delay_seconds=1,
      cache_policy=NO_CACHE)
def check_workbooks(items: list[tuple], settings: Settings, today: date | None,
                    label: str) -> list[CheckedFile]:
    """Read, normalise and validate a batch of workbooks. File-system hiccups are retried; bad content is not."""
    return check_batch(items, settings, today)


def _label(items: list[tuple]) -> str:
    first = terminal_text(shown_name(items[0][0].name))
    return first if len(items) == 1 else f"{len(items)} files: {first} …"


def checked_batches(batches: list[list[tuple]], settings: Settings, today: date | None) -> Iterator[list[CheckedFile]]:
    """Each batch checked by a `check-workbooks` task, in order. Batches are checked ahead of the loads in a
    bounded window (one per worker, and one more ready), so memory holds a few batches, not the backfill; on
    this machine's cores when that pays (cotmoc.pipeline.inbox.worth_worker_processes), unless the flow runs
    with another task runner (Dask: its workers check). A few small files are checked in this process (no
    start-up)."""
    if not batches:
        return                  # nothing new: no worker processes are started (a no-change run stays quick)
    workers = worker_count(settings.check_workers)
    worth = worth_worker_processes([item[0] for items in batches for item in items], settings.batch_files)
    # the local processes check the batches, and write the steward's files of each committed batch
    # (cotmoc.pipeline.filing); under another task runner (Dask) they write those files only
    with checking_processes(workers if worth else 1):
        window: deque = deque()
        for items in batches:
            window.append((items, check_workbooks.submit(items, settings, today, _label(items))))
            if len(window) > workers + 1:
                yield _checked(*window.popleft(), settings, today)
        while window:
            yield _checked(*window.popleft(), settings, today)


def _checked(items: list[tuple], future, settings: Settings, today: date | None) -> list[CheckedFile]:
    try:
        return future.result()
    except Exception as exc:  # e.g. a worker killed by one file: each file is checked alone, here
        get_run_logger().warning(f"Kiểm tra lô {_label(items)} thất bại, kiểm tra lại từng file — the batch check "
                                 f"failed ({type(exc).__name__}), checking file by file")
        return check_alone(items, settings, today)


class RunProgress:
    """The run's progress in the UI (the artifact's bar) and its log: a record for each step's files (a batch; at
    most LINES_PER_RECORD), one line per file as it ends. The bar is sent to the server at most once a second and
    once at the end: one request per file cost a 744-file backfill 12 s, longer than checking the files. A log
    record costs ≈ 0.4 ms in Prefect's terminal and API handlers whatever its length, so a record per file cost
    the same backfill ≈ 0.3 s of the loading process."""

    EVERY_SECONDS = 1.0
    LINES_PER_RECORD = 200      # a record stays far below the 1 MB the API takes (a re-run's duplicates: thousands)

    def __init__(self, total: int):
        self.done, self.total, self.sent, self.shown = 0, total, time.monotonic(), 0
        self.artifact = (create_progress_artifact(0.0, key="cotmoc-ingest-progress",
                                                  description=progress_text(0, total)) if total else None)

    def advance(self, outcomes: list[FileOutcome]) -> None:
        for start in range(0, len(outcomes), self.LINES_PER_RECORD):
            part = outcomes[start:start + self.LINES_PER_RECORD]
            self.done += len(part)
            get_run_logger().info("\n".join([progress_text(self.done, self.total) + ":",
                                             *(outcome.line() for outcome in part)]))
        now = time.monotonic()
        if self.done == self.total or now - self.sent >= self.EVERY_SECONDS:
            self.show()

    def show(self) -> None:
        """Send the bar as it stands, unless the UI already shows it."""
        if self.artifact and self.shown != self.done:
            update_progress_artifact(self.artifact, 100.0 * min(self.done, self.total) / self.total,
                                     description=progress_text(self.done, self.total))
            self.sent, self.shown = time.monotonic(), self.done


def say_waiting(wait_seconds: float, holder: str) -> None:
    get_run_logger().warning(f"Việc khác đang ghi kho dữ liệu: {holder}; chờ tối đa {wait_seconds:.0f} giây "
                             f"— another job is writing the warehouse: {holder}; waiting")


@flow(name="cotmoc-ingest", log_prints=False)
def ingest_flow(inbox: str | None = None, warehouse: str | None = None, today: date | None = None,
                settings: Settings | None = None) -> list[FileOutcome]:
    """Take every workbook in the inbox to exactly one end: loaded, rejected or recognised as a duplicate."""
    logger = get_run_logger()
    settings = (settings or load_settings()).with_overrides(inbox=inbox, warehouse=warehouse)
    started = datetime.now()
    try:
        with writing_the_warehouse(settings, today=today, on_wait=partial(say_waiting, settings.lock_wait_seconds),
                                   on_warning=logger.warning) as con, ingest_run(con, settings, today=today) as run:
            plan = plan_run(run)
            progress = RunProgress(plan.total)
            progress.advance(recover_unfiled(run, plan))
            # closed on the way out, whatever the way: the workers end before the run clears its staged copies
            with closing(checked_batches(batches(run, plan), settings, today)) as checked_stream:
                for checked in checked_stream:
                    progress.advance(commit_and_file(run, checked))
            progress.advance(file_duplicates(run, plan))
            progress.show()
            outcomes = finish_run(run)
    except (Fault, Stopped) as exc:   # busy, the machine, a damaged warehouse, a stop: said once, no traceback;
        if isinstance(exc, Busy):      # the UI's run list says why this run did nothing
            name_this_run(f"nhận {started:%Y-%m-%d %H:%M} — bỏ qua, kho đang bận")
        return exc.failed_state(logger)  # visibly, and the caller gets the fault itself (its exit code)
    create_markdown_artifact(summary_markdown(outcomes), key="cotmoc-ingest-summary",
                             description="Kết quả nhận báo cáo — Import summary")
    name_this_run(run_name(outcomes, started))
    return outcomes


def progress_text(done: int, total: int) -> str:
    return f"{done} / {total} file đã xử lý — {done} / {total} files processed"


def name_this_run(name: str) -> None:
    """Rename the current flow run once its outcome is known, so the UI's run list says what happened. A
    failure to rename is logged, never fatal: the run's work is done."""
    run_id = flow_run.get_id()
    if not run_id:
        return
    try:
        with get_client(sync_client=True) as client:
            client.update_flow_run(run_id, name=name)
    except Exception as exc:  # the API briefly unreachable: the run keeps its generated name
        get_run_logger().warning(f"Không đặt được tên lượt chạy — could not rename the flow run: {exc}")


def dask_ingest_flow(workers: int = 2, address: str | None = None):
    """The same flow with its checks on Dask: a local multi-process cluster of `workers`, or the cluster at
    `address` (e.g. tcp://scheduler:8786). The load stays in the flow's process: one DuckDB writer."""
    # distributed logs at INFO, and its routine shutdown race ("Batched Comm Closed") with a full traceback:
    # an office reads that as a crash. Warnings and errors still show. Set before distributed is imported,
    # since it applies its logging config at import, and through the environment, which workers inherit.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    logging.getLogger("distributed").setLevel(os.environ["DASK_LOGGING__DISTRIBUTED"].upper())
    from prefect_dask import DaskTaskRunner
    runner = (DaskTaskRunner(address=address) if address else
              DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                             "dashboard_address": None}))
    return ingest_flow.with_options(task_runner=runner)
