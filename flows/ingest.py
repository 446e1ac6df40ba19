"""The ingest flow: a thin Prefect layer over cotmoc.pipeline.ingest.

Checking files (read → normalise → validate) runs as one Prefect task per batch of files (a task run costs
≈ 10 ms and a flow run ≈ 1 s, so a task per file would cost more than the checks): the UI shows each batch,
and the batches run on every core (cotmoc/pipeline/parallel.py) or on Dask workers. Every warehouse write stays in
the flow's one DuckDB connection, because DuckDB allows a single writing process.
"""
from __future__ import annotations

from collections import deque
from datetime import date

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.states import Failed
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, update_progress_artifact

from cotmoc.core.config import Settings, load_settings
from cotmoc.core.inert import shown_name, terminal_text
from cotmoc.pipeline.locking import WarehouseLocked
from cotmoc.pipeline.inbox import worth_worker_processes
from cotmoc.core.records import FileOutcome
from cotmoc.pipeline.ingest import CheckedFile, ingest_inbox
from cotmoc.pipeline.parallel import check_alone, check_batch, checking_processes, worker_count
from cotmoc.outputs.summary import summary_markdown
from cotmoc.warehouse.db import WarehouseBusy


@task(name="check-workbooks", task_run_name="check {label}", retries=2, retry_delay_seconds=1,
      cache_policy=NO_CACHE)
def check_workbooks(items: list[tuple], settings: Settings, today: date | None,
                    label: str) -> list[CheckedFile]:
    """Read, normalise and validate a batch of workbooks. File-system hiccups are retried; bad content is not."""
    return check_batch(items, settings, today)


def _label(items: list[tuple]) -> str:
    first = terminal_text(shown_name(items[0][0].name))
    return first if len(items) == 1 else f"{len(items)} files: {first} …"


@flow(name="cotmoc-ingest", log_prints=False)
def ingest_flow(inbox: str | None = None, warehouse: str | None = None, today: date | None = None,
                settings: Settings | None = None) -> list[FileOutcome]:
    """Take every workbook in the inbox to exactly one end: loaded, rejected or recognised as a duplicate."""
    logger = get_run_logger()
    settings = (settings or load_settings()).with_overrides(inbox=inbox, warehouse=warehouse)

    workers = worker_count(settings.check_workers)

    def check_many(batches):
        """Batches are checked ahead of the loads in a bounded window (one per worker, and one more ready), so
        memory holds a few batches, not the backfill."""
        if not batches:
            return                  # nothing new: no worker processes are started (a no-change run stays quick)
        # on this machine's cores when that pays (cotmoc.pipeline.inbox.worth_worker_processes), unless the flow runs with
        # another task runner (Dask: its workers); a few small files are checked in this process (no start-up)
        local = isinstance(FlowRunContext.get().task_runner, ThreadPoolTaskRunner) and worth_worker_processes(
            [item[0] for items in batches for item in items], settings.batch_files)
        with checking_processes(workers if local else 1):
            yield from _checked_in_window(batches)

    def _checked_in_window(batches):
        window: deque = deque()
        pending = iter(batches)

        def top_up():
            while len(window) < workers + 1:
                items = next(pending, None)
                if items is None:
                    return
                window.append((items, check_workbooks.submit(items, settings, today, _label(items))))

        top_up()
        while window:
            items, future = window.popleft()
            top_up()
            try:
                yield future.result()
            except Exception as exc:  # e.g. a worker killed by one file: each file is checked alone, here
                logger.warning(f"Kiểm tra lô {_label(items)} thất bại, kiểm tra lại từng file — the batch check "
                               f"failed ({type(exc).__name__}), checking file by file")
                yield check_alone(items, settings, today)

    def waiting(pid):
        logger.warning(f"Một lượt nhận báo cáo khác (tiến trình {pid}) đang chạy; chờ tối đa "
                       f"{settings.lock_wait_seconds:.0f} giây — another ingest run (pid {pid}) holds the warehouse; waiting")

    progress = {"done": 0, "total": 0, "artifact": None}

    def planned(total: int) -> None:
        progress["total"] = total
        if total:
            progress["artifact"] = create_progress_artifact(0.0, key="cotmoc-ingest-progress",
                                                            description=f"{total} file — tiến độ / progress")

    def finished(outcome: FileOutcome) -> None:
        logger.info(outcome.line())
        progress["done"] += 1
        if progress["artifact"]:
            update_progress_artifact(progress["artifact"], 100.0 * progress["done"] / progress["total"])

    try:
        outcomes = ingest_inbox(settings, today=today, check_many=check_many, on_file=finished, on_wait=waiting,
                                on_plan=planned)
    except WarehouseLocked as exc:          # another run kept the warehouse past the wait: skip, say so
        logger.warning(str(exc))
        return []
    except WarehouseBusy as exc:            # e.g. an analyst holds the live file open: fail visibly, no traceback
        logger.error(str(exc))
        return Failed(message=str(exc))
    create_markdown_artifact(summary_markdown(outcomes), key="cotmoc-ingest-summary",
                             description="Kết quả nhận báo cáo — Import summary")
    return outcomes


def dask_ingest_flow(workers: int = 2, address: str | None = None):
    """The same flow with its checks on Dask: a local multi-process cluster of `workers`, or the cluster at
    `address` (e.g. tcp://scheduler:8786). The load stays in the flow's process: one DuckDB writer."""
    from prefect_dask import DaskTaskRunner
    runner = (DaskTaskRunner(address=address) if address else
              DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                             "dashboard_address": None}))
    return ingest_flow.with_options(task_runner=runner)
