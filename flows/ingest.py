"""The ingest flow: a thin Prefect layer over cotmoc.ingest.

Checking files (read → normalise → validate) runs as Prefect tasks so the UI shows each file and
several can run at once; every warehouse write stays in the flow's one DuckDB connection, because
DuckDB allows a single writing process.
"""
from __future__ import annotations

from collections import deque
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.states import Failed
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, update_progress_artifact

from cotmoc.config import Settings, load_settings
from cotmoc.locking import WarehouseLocked
from cotmoc.ingest import CheckedFile, FileOutcome, check_file, ingest_inbox
from cotmoc.summary import summary_markdown
from warehouse.db import WarehouseBusy


CHECK_WINDOW = 8           # checks in flight ahead of the single-writer load


@task(name="check-workbook", task_run_name="check {path.name}", retries=2, retry_delay_seconds=1)
def check_workbook(path: Path, sha256: str, settings: Settings, today: date | None) -> CheckedFile:
    """Read, normalise and validate one workbook. File-system hiccups are retried; bad content is not."""
    return check_file(path, settings, sha256=sha256, today=today)


@flow(name="cotmoc-ingest", log_prints=False)
def ingest_flow(inbox: str | None = None, warehouse: str | None = None, today: date | None = None,
                settings: Settings | None = None) -> list[FileOutcome]:
    """Take every workbook in the inbox to exactly one end: loaded, rejected or recognised as a duplicate."""
    logger = get_run_logger()
    settings = (settings or load_settings()).with_overrides(inbox=inbox, warehouse=warehouse)

    def check_many(items):
        """Checks run ahead of the loads in a bounded window, so memory holds a few reports, not the backfill."""
        window: deque = deque()
        pending = iter(items)

        def top_up():
            while len(window) < CHECK_WINDOW:
                item = next(pending, None)
                if item is None:
                    return
                window.append((item[0], check_workbook.submit(item[0], item[1], settings, today)))

        top_up()
        while window:
            path, future = window.popleft()
            top_up()
            try:
                yield future.result()
            except Exception as exc:  # a bug or a lasting I/O fault: the file stays in the inbox for next time
                logger.error(f"{path.name}: chưa xử lý được, để lại trong hộp thư — not processed, left in the "
                             f"inbox: {type(exc).__name__}: {exc}")

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
